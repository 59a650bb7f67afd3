"""The whole path over real HTTP on 127.0.0.1: search page -> article pages -> images -> database.

The mirror serves the saved real pages and figures (demo/corpus always, ../shared/corpus
when present).  Search-result pages are the saved nature.com ones, trimmed at test time to
the articles the mirror holds.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from lxml import html

from figdex.cli.main import cli
from figdex.index.db import Dataset
from figdex.ingest.pipeline import ingest_paths
from figdex.ingest.web.query import query_from_terms
from figdex.ingest.web.scrape import find_articles, http_config, open_fetcher, scrape_query, scrape_urls
from tests.conftest import DEMO, REPO, shared_path
from tests.test_web_support import Mirror, Reply, image_type, snapshot

DEMO_NATURE = ["s41467-018-06211-3", "s41467-018-06297-9", "ncomms11770", "srep23945", "s41598-020-77062-6"]
WITH_FIGURES = {"s41467-018-06211-3": 5, "s41467-018-06297-9": 4}  # figures saved in demo/corpus/nature/figures


@pytest.fixture
def mirror():
    m = Mirror()
    m.serve_nature()
    yield m
    m.close()


def fetcher(root, **kw):
    return open_fetcher("requests", http_config(root, min_interval=0, retries=1, backoff=0.01, **kw))


def urls(mirror, ids=DEMO_NATURE):
    return [f"{mirror.base}/articles/{i}" for i in ids]


def run(root, article_urls, **kw):
    with Dataset.open(root) as ds:
        return scrape_urls(ds, article_urls, fetcher(root), family="nature", **kw)


def trimmed_search_page(path, keep):
    """A saved nature.com result page with only the results the mirror can serve (pagination kept)."""
    from figdex.ingest.sources.common import decode_markup

    doc = html.document_fromstring(decode_markup(path.read_bytes()))
    for item in doc.xpath('//*[@itemtype="http://schema.org/ScholarlyArticle" or @itemtype="http://schema.org/Article"]'):
        href = (item.xpath('.//a[@itemprop="url"]/@href') or [""])[0]
        if href.rsplit("/", 1)[-1] not in keep:
            item.getparent().remove(item)
    return html.tostring(doc, encoding="utf-8", doctype="<!DOCTYPE html>")


# -- article URLs (demo corpus: always runs) --------------------------------------------------------
def test_article_urls_to_database_in_largest_size_and_rerun_fetches_nothing(mirror, tmp_path):
    root = tmp_path / "d"
    summary = run(root, urls(mirror))
    assert (summary.ingested, summary.fetched, len(summary.failed)) == (5, 5, 0)
    assert summary.images_fetched == sum(WITH_FIGURES.values())
    assert len(summary.image_failures) == summary.ingest.figures - summary.images_fetched  # not mirrored: 404
    assert all("HTTP 404" in reason for _, reason in summary.image_failures)
    assert mirror.count("/full/") > 0 and mirror.count("/lw685/") == 0  # lw685 -> full
    page = root / "pages" / "nature" / "s41467-018-06211-3.html"
    assert page.exists() and len(list((root / "pages/nature/s41467-018-06211-3_files").iterdir())) == 5
    with Dataset.open(root, create=False) as ds:
        rows = ds.conn.execute("SELECT a.doi, f.image_status, f.image_format FROM figures f "
                               "JOIN articles a ON a.id = f.article_id WHERE a.doi LIKE '%06211-3'").fetchall()
        assert [tuple(r) for r in rows] == [("10.1038/s41467-018-06211-3", "ok", "png")] * 5
        assert ds.stats()["articles"] == 5
    before, requests_before = snapshot(root), len(mirror.log)

    again = run(root, urls(mirror))
    assert (again.unchanged, again.cached, again.fetched, again.images_fetched) == (5, 5, 0, 0)
    assert len(mirror.log) == requests_before  # nothing asked again: documents cached, pages unchanged
    assert snapshot(root) == before

    # What was fetched is a browser-style saved corpus: ingesting it offline gives the same figures.
    with Dataset.open(tmp_path / "offline") as ds:
        ingest_paths(ds, [root / "pages"])
    offline = snapshot(tmp_path / "offline")
    assert offline["figures"] == before["figures"] and offline["images"] == before["images"]


def test_family_from_host_or_forced(mirror, tmp_path):
    # 127.0.0.1 belongs to no family: the page is still recognised by its content.
    with Dataset.open(tmp_path / "d") as ds:
        summary = scrape_urls(ds, urls(mirror, DEMO_NATURE[:1]), fetcher(tmp_path / "d"))
        assert summary.ingested == 1 and (tmp_path / "d/pages/other").is_dir()
        assert ds.conn.execute("SELECT publisher FROM articles").fetchone()[0] == "nature"


def test_failures_are_reported_per_article_and_the_run_goes_on(mirror, tmp_path):
    challenge = b"<html><head><title>Just a moment...</title></head><body>cf_chl_opt</body></html>"
    mirror.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /articles/private\n"))
    mirror.route("/articles/blocked", Reply(403, challenge, {"Content-Type": "text/html", "Server": "cloudflare"}))
    mirror.route("/articles/storm", Reply(503, b"busy"))
    mirror.route("/articles/loop", Reply(301, b"", {"Location": "/articles/loop"}))
    calls = []
    mirror.route("/articles/srep23945", lambda req: calls.append(1) or (
        Reply(429, b"", {"Retry-After": "0.05"}) if len(calls) == 1 else mirror.nature_article("srep23945")))

    def images(req):  # figure 1 is an HTML page, figure 2 is too big, the rest are real
        if "_Fig1_" in req.path:
            return Reply(200, b"<html><body>login</body></html>", {"Content-Type": "text/html"})
        if "_Fig2_" in req.path:
            return Reply(200, b"\x89PNG" + b"\0" * 3_000_000, {"Content-Type": "image/png"})
        return mirror.nature_image(req)

    mirror.prefixes.insert(0, ("/media.springernature.com/", images))
    root = tmp_path / "d"
    targets = [f"{mirror.base}/articles/{i}" for i in ("private", "blocked", "storm", "loop", "srep23945",
                                                         "s41467-018-06211-3")]
    with Dataset.open(root) as ds:
        summary = scrape_urls(ds, targets, fetcher(root, max_image_bytes=2_000_000), family="nature")
    assert summary.skipped[0][0].endswith("/private") and "robots.txt" in summary.skipped[0][1]
    failed = dict(summary.failed)
    assert "--fetcher browser" in failed[targets[1]]
    assert "HTTP 503 on all 2 attempts" in failed[targets[2]]
    assert "redirect loop" in failed[targets[3]]
    assert summary.ingested == 2 and len(calls) == 2  # the 429 was waited out
    bad = {url.rsplit("/", 1)[-1]: reason for url, reason in summary.image_failures if "06211" in url}
    assert "not an image" in bad["41467_2018_6211_Fig1_HTML.png"] or "text/html" in bad["41467_2018_6211_Fig1_HTML.png"]
    assert "MiB" in bad["41467_2018_6211_Fig2_HTML.png"]
    with Dataset.open(root, create=False) as ds:
        status = dict(ds.conn.execute("SELECT number, image_status FROM figures f JOIN articles a ON a.id = "
                                      "f.article_id WHERE a.doi LIKE '%06211-3' AND kind = 'figure'").fetchall())
    assert status == {1: "missing", 2: "missing", 3: "ok", 4: "ok", 5: "ok"}
    assert not list((root / "pages").rglob("*blocked*"))  # a challenge page is neither saved nor cached


# -- resume ------------------------------------------------------------------------------------------
KILLED_RUN = textwrap.dedent("""
    import sys
    from figdex.index.db import Dataset
    from figdex.ingest.web.scrape import http_config, open_fetcher, scrape_urls
    root, urls = sys.argv[1], sys.argv[2:]
    with Dataset.open(root) as ds:
        client = open_fetcher("requests", http_config(root, min_interval=0, retries=1, backoff=0.01))
        scrape_urls(ds, urls, client, family="nature", on_event=lambda e: print(e.stage, e.outcome, flush=True))
    print("DONE", flush=True)
""")


def test_resume_after_the_process_is_killed_gives_the_same_database(tmp_path):
    mirror = Mirror()
    mirror.serve_nature(image_delay=0.03)  # slow enough that the kill lands inside the run
    try:
        targets = urls(mirror)
        run(tmp_path / "whole", targets)
        proc = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(tmp_path / "resumed"), *targets],
                                stdout=subprocess.PIPE, text=True, cwd=REPO.parent, env={**os.environ})
        seen = []
        for line in proc.stdout:
            seen.append(line.strip())
            if line.startswith("image fetched") and "article ingested" in seen:
                os.kill(proc.pid, signal.SIGKILL)  # mid-way through the second article's images
                break
        proc.wait(timeout=30)
        assert "DONE" not in seen and proc.returncode == -signal.SIGKILL
        with Dataset.open(tmp_path / "resumed", create=False) as ds:
            assert ds.stats()["articles"] < 5
            assert ds.conn.execute("SELECT count(*) FROM runs WHERE finished_at IS NULL").fetchone()[0] == 1
        resumed = run(tmp_path / "resumed", targets)
        assert resumed.unchanged >= 1 and resumed.ingested == 5 - resumed.unchanged
        if resumed.unchanged == 1:  # killed inside the second article: its saved images are not asked again
            assert resumed.images_present >= 1
        assert snapshot(tmp_path / "resumed") == snapshot(tmp_path / "whole")
    finally:
        mirror.close()


def test_resume_after_an_exception_mid_run(mirror, tmp_path):
    targets = urls(mirror)
    run(tmp_path / "whole", targets)
    images = []

    def stop(event):
        if event.stage == "image" and event.outcome == "fetched":
            images.append(event.url)
            if len(images) == 7:  # inside the second article
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "resumed", targets, on_event=stop)
    with Dataset.open(tmp_path / "resumed", create=False) as ds:
        assert ds.conn.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"
    resumed = run(tmp_path / "resumed", targets)
    assert (resumed.unchanged, resumed.ingested, resumed.images_present) == (1, 4, 2)
    assert snapshot(tmp_path / "resumed") == snapshot(tmp_path / "whole")


# -- queries ------------------------------------------------------------------------------------------
def test_search_pagination_and_open_access_filter_over_the_saved_result_pages(mirror, tmp_path):
    page1 = shared_path("exsclaim/nature_articles/nature_search.html").read_bytes()
    page2 = shared_path("exsclaim/nature_articles/test_search.html").read_bytes()
    mirror.route("/search", lambda req: Reply(200, page2 if req.query.get("page") == "2" else page1,
                                              {"Content-Type": "text/html"}))
    query = query_from_terms("nature", ("Ag nanoparticle",), maximum=100, open_access=True)
    hits = find_articles(fetcher(tmp_path), query, base_url=mirror.base)
    assert [p for m, p in mirror.log if p.startswith("/search")][1] == "/search?q=Ag+nanoparticle&page=2"
    assert len(hits) == 32 + 5 and all(h.open_access for h in hits)
    assert hits[0].url == f"{mirror.base}/articles/s41467-017-00939-0"  # rank 1 (ncomms5179) is closed
    assert hits[32].url.endswith("/articles/s41467-018-06211-3")  # page 2 follows page 1
    closed = find_articles(fetcher(tmp_path), query.with_overrides(open=False, maximum_scraped=55), base_url=mirror.base)
    assert len(closed) == 55 and closed[0].url.endswith("/articles/ncomms5179")  # served from the cache


def test_query_file_through_the_cli_stores_only_open_articles(mirror, tmp_path):
    keep = {"ncomms11770", "s41598-020-77062-6", "s41467-018-06211-3", "ncomms5946", "s41557-020-0418-3",
            "s41929-019-0365-9", "ncomms1737", "srep01497", "srep23945"}
    page1 = trimmed_search_page(shared_path("exsclaim/nature_articles/nature_search.html"), keep)
    page2 = trimmed_search_page(shared_path("exsclaim/nature_articles/test_search.html"), keep)
    mirror.route("/search", lambda req: Reply(200, page2 if req.query.get("page") == "2" else page1,
                                              {"Content-Type": "text/html"}))
    query = json.loads(shared_path("exsclaim/annotations/nature_test.json").read_text())  # EXSCLAIM's own query
    query.update(open=True, maximum_scraped=10)
    qfile = tmp_path / "query.json"
    qfile.write_text(json.dumps(query))
    res = CliRunner().invoke(cli, ["ingest", str(qfile), "--base-url", mirror.base, "--delay", "0",
                                   "--dataset", str(tmp_path / "d")])
    assert res.exit_code == 0, res.output
    assert "5 articles found (4 closed-access results left out) in 2 search pages; 5 fetched" in res.output
    assert "5 ingested, 0 unchanged, 0 skipped, 0 failed" in res.output
    assert mirror.count("/articles/ncomms5946") == 0 and mirror.count("/articles/ncomms1737") == 0
    with Dataset.open(tmp_path / "d", create=False) as ds:
        dois = {r[0] for r in ds.conn.execute("SELECT doi FROM articles")}
        assert dois == {f"10.1038/{i}" for i in ("ncomms11770", "s41598-020-77062-6", "s41467-018-06211-3",
                                                 "srep01497", "srep23945")}
        # the query's terms label the captions that mention them
        assert ds.conn.execute("SELECT count(*) FROM labels WHERE value = 'Ag nanoparticle'").fetchone()[0] >= 1
        params = json.loads(ds.conn.execute("SELECT params FROM runs").fetchone()[0])
        assert params["source"] == "query nature-test" and params["searches"] == ['"Ag nanoparticle"']


def test_europepmc_search_api_to_jats_full_texts(mirror, tmp_path):
    """Europe PMC's REST answers built from the demo JATS files: cursor paging, fullTextXML, image URLs."""
    articles = {"PMC11879214": DEMO / "jats" / "PMC11879214.xml", "PMC12057662": DEMO / "jats" / "PMC12057662.xml"}
    ids = list(articles)

    def search(req):
        i = 0 if req.query["cursorMark"] == "*" else 1
        body = {"hitCount": 2, "nextCursorMark": f"c{i + 1}" if i == 0 else "c1",
                "resultList": {"result": [{"pmcid": ids[i], "isOpenAccess": "Y", "title": ids[i]},
                                          {"pmid": "123", "title": "no full text"}]}}
        return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    mirror.route("/rest/search", search)
    for pmcid, path in articles.items():
        mirror.route(f"/rest/{pmcid}/fullTextXML", Reply(200, path.read_bytes(), {"Content-Type": "application/xml"}))
    fig = (DEMO / "nature" / "figures" / "s41467-018-06297-9_fig1.jpg").read_bytes()  # any real image will do
    mirror.route("/articles/PMC11879214/bin/btaf065f1.jpg", Reply(200, fig, {"Content-Type": image_type(fig)}))
    query = query_from_terms("europepmc", ("protein structure",), maximum=5, open_access=True)
    with Dataset.open(tmp_path / "d") as ds:
        summary = scrape_query(ds, query, fetcher(tmp_path / "d"), base_url=f"{mirror.base}/rest", page_size=2)
        assert (summary.search_pages, summary.found, summary.ingested) == (2, 2, 2)
        assert (tmp_path / "d/pages/europepmc/PMC11879214.xml").exists()
        row = ds.conn.execute("SELECT f.image_status FROM figures f JOIN articles a ON a.id = f.article_id "
                              "WHERE a.doi = '10.1093/bioinformatics/btaf065' AND f.number = 1").fetchone()
        assert row[0] == "ok"
    assert "IN_EPMC" in mirror.log[1][1] and mirror.count("cursorMark=c1") == 1


def test_cli_urls_and_errors(mirror, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["ingest", *urls(mirror, DEMO_NATURE[:2]), "--family", "nature", "--delay", "0",
                              "--dataset", str(tmp_path / "d"), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout.strip().splitlines()[-1])
    assert row["ingested"] == 2 and row["images_fetched"] == 9 and row["dataset"]["articles"] == 2
    res = runner.invoke(cli, ["ingest", f"{mirror.base}/articles/x", "--family", "springer", "--dataset",
                              str(tmp_path / "d")])
    assert res.exit_code == 1 and "valid families: nature, rsc, acs, europepmc" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(cli, ["ingest", "--search", "TEM", "--dataset", str(tmp_path / "d")])
    assert res.exit_code == 2 and "--family" in res.output
    res = runner.invoke(cli, ["ingest", f"{mirror.base}/articles/x", "--fetcher", "browser", "--dataset",
                              str(tmp_path / "d")], env={"PATH": "/nonexistent", "FIGDEX_CHROMIUM": ""})
    assert res.exit_code == 1 and "chromium" in res.output.lower()
    res = runner.invoke(cli, ["ingest", str(DEMO / "jats" / "pone.0000217.nxml"), "--dataset", str(tmp_path / "e")])
    assert res.exit_code == 0 and "1 files: 1 ingested" in res.output  # saved files as before


def test_a_harvest_that_fetched_nothing_exits_non_zero_and_says_why(tmp_path, monkeypatch):
    """No network: every article fails with the real cause, the last line counts the failures and
    the command exits 1 (#16.3)."""
    import socket

    from figdex.ingest.web import scrape

    real = scrape.http_config
    monkeypatch.setattr(scrape, "http_config", lambda root, **kw: real(root, retries=0, **kw))  # no 30 s of retries
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    targets = [f"http://127.0.0.1:{port}/articles/{i}" for i in DEMO_NATURE[:2]]
    res = CliRunner().invoke(cli, ["ingest", *targets, "--family", "nature", "--delay", "0", "--no-separate",
                                   "--no-embed", "--dataset", str(tmp_path / "d")])
    assert res.exit_code == 1, res.output
    assert "disallowed" not in res.output and res.output.count("Connection refused") >= 2
    last = res.output.strip().splitlines()[-1]
    assert "nothing could be fetched" in last and "2 of 2 articles failed" in last
    # One article fetched, one not: success, and the last line still counts the failure.
    mirror = Mirror()
    mirror.serve_nature()
    try:
        res = CliRunner().invoke(cli, ["ingest", f"{mirror.base}/articles/{DEMO_NATURE[0]}", targets[1], "--family",
                                       "nature", "--delay", "0", "--no-separate", "--no-embed",
                                       "--dataset", str(tmp_path / "d")])
    finally:
        mirror.close()
    assert res.exit_code == 0, res.output
    assert "1 of 2 articles failed" in res.output.strip().splitlines()[-1]


def test_paywalled_pages_keep_figure_urls_without_fetching_images(mirror, tmp_path):
    shared_path("exsclaim/nature_articles/s41557-020-0418-3.html")
    summary = run(tmp_path / "d", urls(mirror, ["s41557-020-0418-3"]))
    assert summary.ingested == 1 and summary.images_not_fetched == 6 and summary.images_fetched == 0
    assert mirror.count("/media.springernature.com/") == 0
    with Dataset.open(tmp_path / "d", create=False) as ds:
        assert ds.conn.execute("SELECT access FROM articles").fetchone()[0] == "abstract"


def test_rsc_pages_after_the_first_are_asked_by_post_and_a_repeating_link_stops(mirror, tmp_path):
    page = shared_path("cde2/rsc/searchresults.html").read_bytes()
    mirror.route("/en/results", Reply(200, page, {"Content-Type": "text/html"}))
    mirror.route("/en/search/journalresult", Reply(200, page, {"Content-Type": "text/html"}))  # the same page again
    query = query_from_terms("rsc", ("Aspirin",), maximum=40)
    summary_hits = find_articles(fetcher(tmp_path), query, base_url=mirror.base)
    assert len(summary_hits) == 25  # page "2" repeated page 1: no new articles
    posts = [p for m, p in mirror.log if m == "POST"]
    assert posts == ["/en/search/journalresult"]  # asked once; the repeated next link is not followed again
    from figdex.ingest.web.scrape import ScrapeSummary

    summary = ScrapeSummary()
    find_articles(fetcher(tmp_path), query, base_url=mirror.base, summary=summary)  # now from the cache
    assert summary.search_pages == 2 and "repeats" in summary.problems[0]
    assert len([p for m, p in mirror.log if m == "POST"]) == 1
