"""The one HTTP layer every family uses: polite, retrying, cached.

* robots.txt is read once per host (RFC 9309: a missing file allows everything, an
  unreachable one disallows everything) and its Crawl-delay raises the rate limit;
* requests to one host are spaced by at least ``min_interval`` seconds, and go one at a time:
  the client is shared by the threads of a parallel harvest (``harvest.py``), each host has
  its own lock, held from the robots.txt check through the retries and their backoff, so
  different hosts are fetched at once while each host sees what a sequential crawler sends;
* 429, 5xx, timeouts and dropped connections are retried with exponential backoff, and a
  ``Retry-After`` header replaces the computed wait (a server asking for more than
  ``max_retry_after`` seconds gets a clean give-up instead of a hung run);
* redirect loops end in a clear error instead of requests' 30 hops;
* bodies are streamed and capped, and images must say (or prove, by magic bytes) that
  they are images before a byte is saved;
* successful responses are kept on disk under ``cache/http/<sha256(key)>`` with a JSON
  sidecar, so a re-run does not refetch; bot-check and access-denied pages are detected
  (``access_denied_reason``) and never cached, so a later run tries again.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.robotparser import RobotFileParser

from figdex import __version__, settings
from figdex.errors import FigdexError
from figdex.ingest.web.fetchers import ARCHIVE, IMAGE, PAGE, Fetcher, FetchError, FetchResult, register_fetcher
from figdex.limits import MAX_EPRINT_BYTES

# A real browser's string (some sites refuse unknown agents) that still names figdex and,
# when FIGDEX_CONTACT is set, how to reach whoever runs it, as polite crawlers do.
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 "
    f"figdex/{__version__} (scientific figure indexing)"
)


def default_user_agent() -> str:
    contact = settings.get("contact")
    return DEFAULT_USER_AGENT[:-1] + f"; {contact})" if contact else DEFAULT_USER_AGENT
ROBOTS_AGENT = "figdex"  # the token matched against robots.txt User-agent lines
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}
MiB = 1 << 20

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*", b"BM")
_PAGE_TYPES = ("text/", "application/xhtml", "application/xml", "application/json", "application/javascript")
# What arXiv serves e-prints as (x-eprint-tar: a gzip'd tar, x-eprint: one gzip'd file), and plain equivalents.
_ARCHIVE_TYPES = ("application/x-eprint", "application/gzip", "application/x-gzip", "application/x-tar",
                  "application/pdf", "application/octet-stream", "binary/octet-stream")


@dataclass(frozen=True)
class HttpConfig:
    user_agent: str = field(default_factory=default_user_agent)
    min_interval: float = 1.0  # seconds between two requests to the same host
    timeout: float = 30.0  # seconds to connect / between two reads
    retries: int = 4  # extra attempts after the first, on 429/5xx/timeouts
    backoff: float = 2.0  # first wait; doubles each attempt
    max_backoff: float = 60.0
    max_retry_after: float = 300.0  # longest Retry-After honoured; longer gives up
    max_redirects: int = 10
    max_page_bytes: int = 25 * MiB
    max_image_bytes: int = 40 * MiB
    max_archive_bytes: int = MAX_EPRINT_BYTES
    respect_robots: bool = True
    cache_dir: Path | None = None  # None: no on-disk cache
    browser_path: str | None = None  # headless Chromium for the browser fetcher
    headers: dict = field(default_factory=dict, hash=False)  # extra request headers
    # (host, seconds): requests to that host and its subdomains share one clock and are spaced by at
    # least that much (arXiv asks for 3 s across export.arxiv.org and arxiv.org).
    host_intervals: tuple[tuple[str, float], ...] = ()


class TransientError(FigdexError):
    """Raised by a transport for failures worth retrying (timeouts, dropped connections)."""

    http_status = 502

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


@register_fetcher
class HttpClient(Fetcher):
    name = "requests"

    def __init__(self, config: HttpConfig | None = None):
        self.config = config or HttpConfig()
        self._local = threading.local()  # one requests.Session per thread (Session is not thread-safe)
        self._sessions: list = []
        self._robots: dict[str, RobotFileParser | None] = {}
        self._last: dict[str, float] = {}
        self._host_locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()  # over the dicts above and the counter
        self.sleep = time.sleep  # replaced in tests that count waits
        self.requests_sent = 0

    # -- public ------------------------------------------------------------------------------
    def fetch(self, url: str, *, kind: str = PAGE, data: dict | None = None, use_cache: bool = True) -> FetchResult:
        key = cache_key(url, data)
        if use_cache:
            cached = self._cache_get(key)
            if cached is not None:
                return cached
        with self._host_lock(url):  # one request at a time per host, retries and backoff included
            self._check_robots(url)
            result = self._fetch_with_retries(url, kind, data)
        if kind == PAGE:
            reason = challenge_reason(result.content, result.content_type)
            if reason:
                raise FetchError(url, "challenge", blocked_message(url, reason))
        if use_cache:
            self._cache_put(key, url, data, result)
        return result

    def close(self) -> None:
        with self._guard:
            sessions, self._sessions = self._sessions, []
            self._local = threading.local()
        for session in sessions:
            session.close()

    def clock_key(self, url: str) -> str:
        """The host whose clock and lock a request to ``url`` waits on (a configured family of hosts,
        e.g. arXiv's, shares one)."""
        return self._host_rule(url)[0]

    def _host_lock(self, url: str) -> threading.RLock:
        key = self.clock_key(url)
        with self._guard:
            lock = self._host_locks.get(key)
            if lock is None:
                lock = self._host_locks[key] = threading.RLock()
        return lock

    # -- politeness ----------------------------------------------------------------------------
    def _check_robots(self, url: str) -> None:
        if not self.config.respect_robots:
            return
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        rules = self._robots[origin]
        unreachable = getattr(rules, "unreachable", None)
        if unreachable:
            # Not the site's wish but a failure (no network, host down): say so, with the real cause.
            raise FetchError(url, "robots-unreachable", f"{url}: not fetched: {origin}/robots.txt could not be read "
                             f"({unreachable}); figdex fetches nothing from a host whose robots.txt it cannot read: "
                             "check the network connection, then run again (a re-run resumes)",
                             getattr(rules, "unreachable_status", None))
        if rules is not None and not rules.can_fetch(ROBOTS_AGENT, url):
            raise FetchError(url, "robots", f"{url}: disallowed by {origin}/robots.txt for {ROBOTS_AGENT}; "
                             "figdex does not fetch it (save the page from a browser if you may use it)")

    def _load_robots(self, origin: str) -> RobotFileParser | None:
        robots_url = f"{origin}/robots.txt"
        try:
            result = self._fetch_with_retries(robots_url, PAGE, None, robots=True)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None  # RFC 9309 2.3.1.3: no robots.txt, no restrictions
            # RFC 9309 2.3.1.4: unreachable robots.txt means assume complete disallow.
            rules = RobotFileParser()
            rules.parse(["User-agent: *", "Disallow: /"])
            # The cause without the URL in front and the advice after it: the article's message gives both.
            cause = str(exc).removeprefix(f"{robots_url}: ").split("; ", 1)[0]
            rules.unreachable = cause  # type: ignore[attr-defined]
            rules.unreachable_status = exc.status  # type: ignore[attr-defined]
            return rules
        rules = RobotFileParser(robots_url)
        rules.parse(result.content.decode("utf-8", errors="replace").splitlines())
        return rules

    def _interval(self, url: str) -> float:
        parts = urlsplit(url)
        rules = self._robots.get(f"{parts.scheme}://{parts.netloc}")
        delay = rules.crawl_delay(ROBOTS_AGENT) if rules is not None else None
        floor = self._host_rule(url)[1]
        return max(self.config.min_interval, float(delay or 0), floor)

    def _host_rule(self, url: str) -> tuple[str, float]:
        """(clock key, least seconds) of a URL's host: a configured host family shares one clock."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        for suffix, seconds in self.config.host_intervals:
            if host == suffix or host.endswith("." + suffix):
                return suffix, float(seconds)
        return parts.netloc, 0.0

    def _wait_turn(self, url: str) -> None:
        host = self._host_rule(url)[0]
        interval = self._interval(url)
        last = self._last.get(host)
        if last is not None and interval > 0:
            wait = last + interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last[host] = time.monotonic()

    # -- retries -------------------------------------------------------------------------------
    def _fetch_with_retries(self, url: str, kind: str, data: dict | None, robots: bool = False) -> FetchResult:
        cfg = self.config
        attempts = cfg.retries + 1
        last_problem = ""
        for attempt in range(attempts):
            self._wait_turn(url)
            try:
                status, headers, content, final_url = self._send(url, kind, data)
            except TransientError as exc:
                last_problem = f"{exc.kind}: {exc}"
                if attempt + 1 < attempts:
                    self.sleep(self._backoff(attempt))
                    continue
                raise FetchError(url, exc.kind, f"{url}: {exc} (gave up after {attempts} attempts); "
                                 "the server is slow or unreachable, try again later") from None
            ctype = headers.get("Content-Type", "")
            if status in RETRY_STATUSES:
                reason = None if robots else challenge_reason(content, ctype, headers)
                if reason:  # a bot check answers 403/503 forever: retrying only annoys the site
                    raise FetchError(url, "challenge", blocked_message(url, reason), status)
                last_problem = f"HTTP {status}"
                wait = retry_after(headers.get("Retry-After"))
                if wait is not None and wait > cfg.max_retry_after:
                    raise FetchError(url, "gave-up", f"{url}: HTTP {status}, the server asks to wait {wait:.0f} s "
                                     f"(more than the {cfg.max_retry_after:.0f} s allowed); try again later", status)
                if attempt + 1 < attempts:
                    self.sleep(wait if wait is not None else self._backoff(attempt))
                    continue
                raise FetchError(url, "gave-up", f"{url}: {last_problem} on all {attempts} attempts; the server is "
                                 "overloaded or failing, try again later (a re-run resumes)", status)
            if status >= 400:
                # Bot checks answer 401/403; a 404 page titled "Page not found" is just a 404.
                reason = None if robots or status not in (401, 403) else challenge_reason(content, ctype, headers)
                if reason:
                    raise FetchError(url, "challenge", blocked_message(url, reason), status)
                raise FetchError(url, "http", f"{url}: HTTP {status}; check the URL (or whether the article "
                                 "needs a subscription)", status)
            return FetchResult(url, final_url, status, ctype, content)
        raise FetchError(url, "gave-up", f"{url}: {last_problem}; gave up")  # not reached

    def _backoff(self, attempt: int) -> float:
        return min(self.config.max_backoff, self.config.backoff * (2 ** attempt))

    # -- transport -----------------------------------------------------------------------------
    @property
    def session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            session.headers.update({
                "User-Agent": self.config.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/*;q=0.8,*/*;q=0.7",
                "Accept-Language": "en;q=0.9",
                **self.config.headers,
            })
            session.max_redirects = self.config.max_redirects
            self._local.session = session
            with self._guard:
                self._sessions.append(session)
        return session

    def _send(self, url: str, kind: str, data: dict | None):
        """One request: (status, headers, body, final URL). Bodies are streamed and capped."""
        import requests

        try:
            resp = self.session.request("POST" if data else "GET", url, data=data, stream=True,
                                        timeout=self.config.timeout)
        except requests.exceptions.TooManyRedirects:
            raise FetchError(url, "redirect-loop", f"{url}: redirect loop (more than {self.config.max_redirects} "
                             "redirects); the site may want cookies or a browser; open the URL in a browser") from None
        except requests.exceptions.Timeout as exc:
            raise TransientError("timeout", f"no answer within {self.config.timeout:g} s ({type(exc).__name__})")
        except requests.exceptions.ConnectionError as exc:
            raise TransientError("connection", f"connection failed ({_connection_cause(exc)})")
        except requests.exceptions.RequestException as exc:  # malformed URL, unsupported scheme, ...
            raise FetchError(url, "http", f"{url}: cannot be requested ({_short(exc)}); check the URL") from None
        with self._guard:
            self.requests_sent += 1
        with resp:
            headers = dict(resp.headers)
            ctype = headers.get("Content-Type", "")
            ok = resp.status_code < 300
            if ok:
                _check_type(url, kind, ctype)
            cap = ({IMAGE: self.config.max_image_bytes, ARCHIVE: self.config.max_archive_bytes}.get(
                kind, self.config.max_page_bytes) if ok else 256 * 1024)
            length = headers.get("Content-Length", "")
            if ok and length.isdigit() and int(length) > cap:
                raise FetchError(url, "too-large", f"{url}: {int(length) / MiB:.1f} MiB is over the "
                                 f"{cap / MiB:.0f} MiB limit for a {kind}; not saved")
            chunks, size = [], 0
            try:
                for chunk in resp.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > cap:
                        if not ok:
                            break  # error bodies are only read for challenge detection
                        raise FetchError(url, "too-large", f"{url}: more than {cap / MiB:.0f} MiB for a {kind} "
                                         "(no Content-Length given); stopped reading, not saved")
                    chunks.append(chunk)
            except requests.exceptions.RequestException as exc:
                raise TransientError("timeout" if "timed out" in str(exc).lower() else "connection",
                                     f"body interrupted ({_short(exc)})")
            content = b"".join(chunks)
            if ok and kind == IMAGE and not ctype.lower().startswith("image/") and not content.startswith(_IMAGE_MAGIC) \
                    and not (content[:4] == b"RIFF" and content[8:12] == b"WEBP"):
                raise FetchError(url, "wrong-type", f"{url}: served as {ctype or 'no type'} and is not an image; "
                                 "not saved")
            return resp.status_code, headers, content, resp.url

    # -- cache ---------------------------------------------------------------------------------
    def _cache_paths(self, key: str) -> tuple[Path, Path] | None:
        if self.config.cache_dir is None:
            return None
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()
        root = Path(self.config.cache_dir)
        return root / name, root / f"{name}.json"

    def _cache_get(self, key: str) -> FetchResult | None:
        paths = self._cache_paths(key)
        if paths is None or not paths[1].exists():  # the sidecar is written last: it marks a complete entry
            return None
        try:
            meta = json.loads(paths[1].read_text())
            content = paths[0].read_bytes()
        except (OSError, json.JSONDecodeError):
            return None
        return FetchResult(meta["url"], meta["final_url"], meta["status"], meta["content_type"], content, True)

    def _cache_put(self, key: str, url: str, data: dict | None, result: FetchResult) -> None:
        paths = self._cache_paths(key)
        if paths is None:
            return
        body, sidecar = paths
        body.parent.mkdir(parents=True, exist_ok=True)
        meta = {"key": key, "url": url, "data": data, "final_url": result.final_url, "status": result.status,
                "content_type": result.content_type, "bytes": len(result.content),
                "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        atomic_write(body, result.content)
        atomic_write(sidecar, json.dumps(meta, indent=1).encode())


def cache_key(url: str, data: dict | None) -> str:
    """The cache key: the URL, plus the sorted form body of a POST (RSC pages its results by POST)."""
    return url if not data else f"POST {url}\n{urlencode(sorted(data.items()))}"


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary name: a killed run never leaves half a file under the final name."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); fractions accepted."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def challenge_reason(content: bytes, content_type: str, headers: dict | None = None) -> str | None:
    """Why a response is a bot check / access-denied page rather than the document, or None."""
    if headers and str(headers.get("cf-mitigated", "")).lower() == "challenge":
        return "Cloudflare challenge (cf-mitigated: challenge)"
    if "html" not in content_type.lower() and not content.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        return None
    from lxml import etree, html

    from figdex.ingest.sources.common import access_denied_reason, decode_markup

    try:
        doc = html.document_fromstring(decode_markup(content))
    except (etree.ParserError, ValueError):
        return None
    return access_denied_reason(doc)


def blocked_message(url: str, reason: str) -> str:
    return (f"{url}: {reason}; if the article opens in your browser, the site wants one: retry with "
            "--fetcher browser (headless Chromium), or save the page from the browser and `figdex ingest` the file")


def _check_type(url: str, kind: str, ctype: str) -> None:
    low = ctype.lower()
    if kind == IMAGE:
        if low and not low.startswith(("image/", "application/octet-stream", "binary/octet-stream")):
            raise FetchError(url, "wrong-type", f"{url}: expected an image but the server sent {ctype}; not saved")
    elif kind == ARCHIVE:
        if low and not low.startswith(_ARCHIVE_TYPES):
            raise FetchError(url, "wrong-type", f"{url}: expected an e-print (a gzip'd tar, gzip'd .tex or PDF) but "
                             f"the server sent {ctype}; not saved")
    elif low and not low.startswith(_PAGE_TYPES) and "xml" not in low and "json" not in low:
        raise FetchError(url, "wrong-type", f"{url}: expected a page but the server sent {ctype}; not saved "
                         "(PDFs are not parsed)")


def _connection_cause(exc: Exception) -> str:
    """Why a connection failed, in words: requests wraps urllib3's reason in text that names the host
    twice and puts the cause (DNS, refused, reset) last, where a shortened message loses it."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    text = str(reason if reason is not None else exc)
    resolve = re.search(r"Failed to resolve '([^']+)'", text)
    if resolve:
        return f"the host name {resolve.group(1)} cannot be resolved: no network, no DNS, or a mistyped host"
    return _short(re.sub(r"^\w*Connection\(host='[^']*', port=\d+\): ", "", text))


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."
