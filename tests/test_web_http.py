"""The HTTP layer over real HTTP on 127.0.0.1: retries, Retry-After, robots.txt, caps, cache, challenges."""

import time

import pytest

from figdex.ingest.web.fetchers import FetchError, FetcherUnavailable, UnknownFetcherError, get_fetcher
from figdex.ingest.web.http import HttpClient, HttpConfig, retry_after
from tests.conftest import DEMO
from tests.test_web_support import Mirror, Reply

HTML = {"Content-Type": "text/html; charset=utf-8"}
PAGE = b"<html><head><title>An article</title></head><body><p>text</p></body></html>"
PNG = (DEMO / "nature" / "figures" / "s41467-018-06211-3_fig1.jpg").read_bytes()  # PNG data (nature's .jpg)


@pytest.fixture
def mirror():
    m = Mirror()
    yield m
    m.close()


def client(tmp_path=None, **kw) -> HttpClient:
    cfg = dict(min_interval=0, retries=2, backoff=0.01, timeout=2.0)
    cfg.update(kw)
    return HttpClient(HttpConfig(cache_dir=tmp_path / "cache" if tmp_path else None, **cfg))


def test_user_agent_is_a_browser_string_naming_figdex(mirror):
    mirror.route("/a", Reply(200, PAGE, HTML))
    result = client().fetch(f"{mirror.base}/a")
    assert result.status == 200 and result.content == PAGE and not result.from_cache
    agent = mirror.agents[-1]
    assert agent.startswith("Mozilla/5.0") and "figdex/" in agent


def test_429_then_success_honours_retry_after(mirror):
    calls = []

    def busy(req):
        calls.append(time.monotonic())
        return Reply(429, b"slow down", {"Retry-After": "0.3"}) if len(calls) == 1 else Reply(200, PAGE, HTML)

    mirror.route("/busy", busy)
    c = client(backoff=5.0)
    asked = []
    c.sleep = lambda s: asked.append(s)
    result = c.fetch(f"{mirror.base}/busy")  # the header, not the 5 s backoff, sets the wait
    assert result.content == PAGE and len(calls) == 2
    assert asked == [pytest.approx(0.3, abs=0.01)]


def test_retry_after_too_long_gives_up_at_once(mirror):
    mirror.route("/later", Reply(503, b"", {"Retry-After": "3600"}))
    with pytest.raises(FetchError) as err:
        client(max_retry_after=10).fetch(f"{mirror.base}/later")
    assert err.value.kind == "gave-up" and "wait 3600 s" in str(err.value) and mirror.count("/later") == 1


def test_500_storm_gives_up_cleanly_after_the_retries(mirror):
    mirror.route("/storm", Reply(500, b"oops", {"Content-Type": "text/plain"}))
    waits = []
    c = client(retries=3, backoff=0.01)
    c.sleep = lambda s: waits.append(s)  # exponential backoff, without spending the time
    with pytest.raises(FetchError) as err:
        c.fetch(f"{mirror.base}/storm")
    assert err.value.kind == "gave-up" and err.value.status == 500
    assert "HTTP 500 on all 4 attempts" in str(err.value) and f"{mirror.base}/storm" in str(err.value)
    assert mirror.count("/storm") == 4 and waits == [0.01, 0.02, 0.04]


def test_timeout_is_retried_then_reported(mirror):
    mirror.route("/slow", Reply(200, PAGE, HTML, delay=0.6))
    started = time.monotonic()
    with pytest.raises(FetchError) as err:
        client(timeout=0.15, retries=1).fetch(f"{mirror.base}/slow")
    assert err.value.kind == "timeout" and "gave up after 2 attempts" in str(err.value)
    assert mirror.count("/slow") == 2 and time.monotonic() - started < 10  # not the 0.6 s x many a hang would take


def test_redirect_loop_is_a_clear_error(mirror):
    mirror.route("/loop-a", Reply(302, b"", {"Location": "/loop-b"}))
    mirror.route("/loop-b", Reply(302, b"", {"Location": "/loop-a"}))
    with pytest.raises(FetchError) as err:
        client(max_redirects=5).fetch(f"{mirror.base}/loop-a")
    assert err.value.kind == "redirect-loop" and "redirect loop" in str(err.value)
    assert mirror.count("/loop-") == 6  # the first request and five redirects, not requests' default 30


def test_robots_txt_disallow_is_respected_and_read_once(mirror):
    mirror.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    mirror.route("/private/page", Reply(200, PAGE, HTML))
    mirror.route("/public", Reply(200, PAGE, HTML))
    c = client()
    with pytest.raises(FetchError) as err:
        c.fetch(f"{mirror.base}/private/page")
    assert err.value.kind == "robots" and "robots.txt" in str(err.value)
    assert c.fetch(f"{mirror.base}/public").status == 200
    assert mirror.count("/private/") == 0 and mirror.count("/robots.txt") == 1


def test_min_interval_spaces_requests_and_crawl_delay_raises_it(mirror):
    mirror.route("/robots.txt", Reply(200, b"User-agent: figdex\nCrawl-delay: 3\n", {"Content-Type": "text/plain"}))
    mirror.route("/a", Reply(200, PAGE, HTML))
    mirror.route("/b", Reply(200, PAGE, HTML))
    # The waits the client asks for, not wall-clock time (a loaded CI machine stretches the latter).
    c = client(min_interval=1.0, respect_robots=False)
    asked = []
    c.sleep = lambda s: asked.append(s)
    c.fetch(f"{mirror.base}/a")
    c.fetch(f"{mirror.base}/b")
    assert asked and 0.3 < max(asked) <= 1.0
    polite = client(min_interval=0.2)
    waits = []
    polite.sleep = lambda s: waits.append(s)
    polite.fetch(f"{mirror.base}/a")
    polite.fetch(f"{mirror.base}/b")
    assert waits and 2.5 < max(waits) <= 3.0  # robots.txt asks for 3 s between requests


def test_unreachable_robots_txt_disallows(mirror):
    mirror.route("/robots.txt", Reply(503, b"down"))
    mirror.route("/a", Reply(200, PAGE, HTML))
    with pytest.raises(FetchError) as err:
        client(retries=0).fetch(f"{mirror.base}/a")
    assert err.value.kind == "robots-unreachable" and mirror.count("/a") == 0
    assert "robots.txt could not be read (" in str(err.value) and "HTTP 503" in str(err.value)


def test_a_host_that_cannot_be_reached_is_reported_as_such_not_as_robots_disallow():
    """No network: the robots.txt request fails, and the real cause is what the user reads (#16.3)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(FetchError) as err:
        client(retries=0).fetch(f"http://127.0.0.1:{port}/articles/a")
    message = str(err.value)
    assert err.value.kind == "robots-unreachable" and "disallowed" not in message
    assert f"http://127.0.0.1:{port}/robots.txt could not be read" in message and "Connection refused" in message


def test_oversized_and_non_image_images_are_refused(mirror):
    mirror.route("/big.png", Reply(200, PNG + b"\0" * 5000, {"Content-Type": "image/png"}))
    mirror.route("/page.png", Reply(200, PAGE, HTML))
    mirror.route("/octet", Reply(200, PNG, {"Content-Type": "application/octet-stream"}))
    mirror.route("/octet-text", Reply(200, b"just text", {"Content-Type": "application/octet-stream"}))
    c = client(max_image_bytes=len(PNG) + 100)
    with pytest.raises(FetchError) as err:
        c.fetch(f"{mirror.base}/big.png", kind="image")
    assert err.value.kind == "too-large"
    with pytest.raises(FetchError) as err:
        c.fetch(f"{mirror.base}/page.png", kind="image")
    assert err.value.kind == "wrong-type" and "text/html" in str(err.value)
    assert c.fetch(f"{mirror.base}/octet", kind="image").content == PNG  # generic type, real PNG bytes
    with pytest.raises(FetchError, match="not an image"):
        c.fetch(f"{mirror.base}/octet-text", kind="image")


def test_cache_serves_a_rerun_without_refetching(mirror, tmp_path):
    mirror.route("/a", Reply(200, PAGE, HTML))
    first = client(tmp_path).fetch(f"{mirror.base}/a")
    again = client(tmp_path).fetch(f"{mirror.base}/a")  # a new client: the cache is on disk
    assert not first.from_cache and again.from_cache and again.content == PAGE
    assert mirror.count("/a") == 1
    files = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(files) == 2 and files[1] == files[0] + ".json"
    assert client(tmp_path).fetch(f"{mirror.base}/a", use_cache=False).from_cache is False


def test_challenge_pages_are_reported_not_retried_not_cached(mirror, tmp_path):
    challenge = b"<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"
    mirror.route("/cf", Reply(403, challenge, {**HTML, "Server": "cloudflare"}))
    mirror.route("/cf200", Reply(200, challenge, HTML))
    c = client(tmp_path)
    for path in ("/cf", "/cf200"):
        with pytest.raises(FetchError) as err:
            c.fetch(f"{mirror.base}{path}")
        assert err.value.kind == "challenge" and "--fetcher browser" in str(err.value)
    assert mirror.count("/cf200") == 1 and mirror.count("/cf") == 2
    assert not (tmp_path / "cache").exists()


def test_plain_http_errors_are_not_retried(mirror):
    with pytest.raises(FetchError) as err:
        client().fetch(f"{mirror.base}/nothing-here")
    assert err.value.kind == "http" and err.value.status == 404 and mirror.count("/nothing-here") == 1


def test_retry_after_parsing():
    assert retry_after("2") == 2.0 and retry_after(None) is None and retry_after("soon") is None
    assert 0 <= retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: no wait


def test_fetcher_registry_and_absent_browser(monkeypatch):
    with pytest.raises(UnknownFetcherError, match="valid names: browser, requests"):
        get_fetcher("selenium")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("FIGDEX_CHROMIUM", raising=False)
    with pytest.raises(FetcherUnavailable) as err:
        get_fetcher("browser", HttpConfig())
    assert "apt-get install chromium" in str(err.value) and "--fetcher requests" in str(err.value)
    assert get_fetcher("requests").name == "requests"
