"""The arXiv family over real HTTP on 127.0.0.1: API search -> Atom entry -> e-print -> database.

The mirror serves the real e-prints of tests/data/arxiv and, for a third article, the real API
answer for 2104.12255v1 with a cut-short e-print.  The search and the entries of the two papers
are feeds constructed here in the format of the real answers (tests/data/arxiv/atom), from what
the papers' own LaTeX says (title, authors, abstract) and their arXiv ids: no saved response is
invented.  Publication dates are the first day of the id's month (YYMM), the only date the id gives.
The OAI-PMH licence records are constructed too, in arXiv's "arXiv" metadata format; their licence
values are chosen for the test (one CC BY 4.0, the others arXiv's default licence) and are not a
statement of these papers' arXiv licences.
"""

import json
import time
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.db import Dataset
from figdex.ingest.sources.arxiv_source import read_document
from figdex.ingest.sources.eprint_archive import open_eprint
from figdex.ingest.web.query import parse_query, query_from_terms
from figdex.ingest.web.scrape import find_articles, http_config, open_fetcher, rate_limits, scrape_query
from figdex.ingest.web.search import get_family
from tests.conftest import REPO
from tests.test_web_support import Mirror, Reply, snapshot

DATA = REPO / "tests" / "data" / "arxiv"
REAL_ENTRY = (DATA / "atom" / "id_list-2104.12255v1.xml").read_bytes()


def _paper(arxiv_id, archive, categories):
    doc = read_document(open_eprint(DATA / archive))
    yymm = arxiv_id[:4]
    return {"id": arxiv_id, "title": doc.title, "authors": doc.authors, "abstract": doc.abstract,
            "published": f"20{yymm[:2]}-{yymm[2:]}-01T00:00:00Z", "categories": categories,
            "eprint": (DATA / archive).read_bytes()}


TEST_LICENSES = {"1407.6245": "http://creativecommons.org/licenses/by/4.0/"}
DEFAULT_LICENSE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
PAPERS = [_paper("1407.6245v1", "skimage-paper.tar.gz", ["cs.MS", "cs.CV"]),
          {"id": "2104.12255v1", "entry": REAL_ENTRY, "categories": ["cs.CR"],
           "eprint": (DATA / "skimage-paper.tar.gz").read_bytes()[:40_000]},  # a download that stopped
          _paper("1907.10121v1", "scipy-1.0-paper.tar.gz", ["cs.MS"])]


def _entry(p) -> str:
    if "entry" in p:  # the real answer's <entry>
        text = p["entry"].decode()
        return text[text.index("<entry>"):text.index("</entry>") + 8]
    authors = "".join(f"<author><name>{escape(a)}</name></author>" for a in p["authors"])
    cats = "".join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in p["categories"])
    return (f"<entry><id>http://arxiv.org/abs/{p['id']}</id><updated>{p['published']}</updated>"
            f"<published>{p['published']}</published><title>{escape(p['title'])}</title>"
            f"<summary>{escape(p['abstract'])}</summary>{authors}"
            f'<link href="https://arxiv.org/abs/{p["id"]}" rel="alternate" type="text/html"/>'
            f'<arxiv:primary_category term="{p["categories"][0]}"/>{cats}</entry>')


def _feed(entries, total, start) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
            f"<opensearch:totalResults>{total}</opensearch:totalResults>"
            f"<opensearch:startIndex>{start}</opensearch:startIndex>"
            + "".join(_entry(p) for p in entries) + "</feed>").encode()


class ArxivMirror(Mirror):
    def __init__(self):
        super().__init__()
        self.times: list[tuple[float, str]] = []  # (arrival, path?query) of every request
        self.route("/api/query", self.api)
        self.prefix("/e-print/", self.eprint)
        self.route("/robots.txt", self.timed(Reply(404, b"", {"Content-Type": "text/plain"})))
        self.route("/oai", self.oai)

    def timed(self, reply):
        def answer(req):
            self.times.append((time.monotonic(), req.path))
            return reply(req) if callable(reply) else reply
        return answer

    def api(self, req):
        self.times.append((time.monotonic(), req.path))
        atom = {"Content-Type": "application/atom+xml; charset=UTF-8"}
        if "id_list" in req.query:
            paper = next((p for p in PAPERS if p["id"] == req.query["id_list"]), None)
            if paper is None:
                return Reply(200, _feed([], 0, 0), atom)
            return Reply(200, paper["entry"] if "entry" in paper else _feed([paper], 1, 0), atom)
        start, size = int(req.query.get("start", 0)), int(req.query.get("max_results", 10))
        return Reply(200, _feed(PAPERS[start:start + size], len(PAPERS), start), atom)

    def oai(self, req):
        self.times.append((time.monotonic(), req.path))
        ident = req.query.get("identifier", "").removeprefix("oai:arXiv.org:")
        license_url = TEST_LICENSES.get(ident, DEFAULT_LICENSE)
        body = ('<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
                f'<GetRecord><record><header><identifier>oai:arXiv.org:{ident}</identifier></header><metadata>'
                f'<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{ident}</id><license>{license_url}</license>'
                "</arXiv></metadata></record></GetRecord></OAI-PMH>")
        return Reply(200, body.encode(), {"Content-Type": "text/xml"})

    def eprint(self, req):
        self.times.append((time.monotonic(), req.path))
        ident = req.path.split("/e-print/", 1)[1]
        paper = next((p for p in PAPERS if p["id"] == ident), None)
        if paper is None:
            return Reply(404, b"no such e-print", {"Content-Type": "text/plain"})
        return Reply(200, paper["eprint"], {"Content-Type": "application/x-eprint-tar"})


@pytest.fixture
def mirror():
    m = ArxivMirror()
    yield m
    m.close()


def fetcher(root, delay=0.0):
    return open_fetcher("requests", http_config(root, min_interval=0, retries=1, backoff=0.01,
                                                host_intervals=(("127.0.0.1", delay),)))


QUERY = query_from_terms("arxiv", ("image processing|scikit-image",), maximum=3, categories=("cs.MS", "cs.CV"))


def harvest(root, mirror, delay=0.0, turns=None, **kw):
    """Harvest QUERY from the mirror; `turns`, a list, gets the moments the client let each request out."""
    client = fetcher(root, delay)
    if turns is not None:
        wait_turn = client._wait_turn

        def noted(url):
            wait_turn(url)
            turns.append(client._last[client.clock_key(url)])

        client._wait_turn = noted
    with Dataset.open(root) as ds:
        return scrape_query(ds, QUERY, client, base_url=mirror.base, page_size=2, **kw)


def test_search_fetch_eprints_ingest_with_the_delay_honoured(mirror, tmp_path):
    root = tmp_path / "d"
    turns: list[float] = []
    started = time.monotonic()
    summary = harvest(root, mirror, delay=0.3, turns=turns)
    assert (summary.found, summary.search_pages) == (3, 2)
    searches = [p for _, p in mirror.log if p.startswith("/api/query?search_query")]
    assert "search_query=all%3A%22image+processing%22+AND+%28cat%3Acs.MS+OR+cat%3Acs.CV%29" in searches[0]
    assert "start=0" in searches[0] and "start=2" in searches[1] and "max_results=2" in searches[0]
    # Every request to the host waits its turn: the client lets them out never closer than the delay.
    # Where the server sees them arrive, a busy 2-core machine adds jitter (one arrival held up makes the
    # next gap short), so there only the count, the order and the total time are claims: the last arrival
    # cannot come before 12 delays have passed since the harvest began.
    arrivals = [t for t, _ in mirror.times]
    assert len(arrivals) == len(turns) == 1 + 2 + 3 + 3 + 3  # robots.txt, 2 search pages, 3 entries, 3 e-prints, 3 OAI
    assert min(b - a for a, b in zip(turns, turns[1:])) >= 0.3 - 0.001, turns
    assert arrivals == sorted(arrivals) and arrivals[-1] - started >= 12 * 0.3
    assert (summary.ingested, summary.attachments_fetched) == (2, 6)
    assert len(summary.failed) == 1 and "2104.12255v1_files/eprint.tar.gz: the e-print is cut short" in \
        summary.failed[0][1]  # named, and the next article was still done
    assert (root / "pages/arxiv/1407.6245v1.xml").exists()
    assert (root / "pages/arxiv/1407.6245v1_files/eprint.tar.gz").read_bytes() == PAPERS[0]["eprint"]
    with Dataset.open(root, create=False) as ds:
        arts = {r["title"][:10]: r for r in ds.conn.execute("SELECT * FROM articles")}
        sk = arts["scikit-ima"]
        assert (sk["publisher"], sk["doi"], sk["year"], sk["url"], sk["journal"]) == (
            "arxiv", "10.48550/arxiv.1407.6245", 2014, "https://arxiv.org/abs/1407.6245v1", "arXiv")
        assert sk["license"] == "CC-BY-4.0"  # from the OAI-PMH record: the API gives none
        assert arts["SciPy 1.0—"]["license"] == DEFAULT_LICENSE  # arXiv's default: not a CC licence
        figs = ds.conn.execute("SELECT f.label, f.image_status FROM figures f JOIN articles a ON a.id = f.article_id "
                               "WHERE a.id = ? ORDER BY f.number", (sk["id"],)).fetchall()
        assert [tuple(f) for f in figs] == [("Figure 1", "ok"), ("Figure 2", "missing"), ("Figure 3", "missing"),
                                            ("Figure 4", "ok"), ("Figure 5", "ok")]
        stats = ds.stats()
        assert stats["per_publisher"]["arxiv"]["articles"] == 2 and stats["source_files_failed"] == 1
    # A re-run asks for nothing: feeds come from the cache, e-prints are on disk; the broken
    # e-print is read again and named again.
    asked = len(mirror.times)
    again = harvest(root, mirror)
    assert (again.unchanged, again.attachments_present, again.attachments_fetched) == (2, 6, 0)
    assert len(mirror.times) == asked  # not even robots.txt: nothing needed the network
    assert "cut short" in again.failed[0][1]
    # What was fetched is a saved corpus: ingesting pages/ offline gives the same figures.
    from figdex.ingest.pipeline import ingest_paths

    with Dataset.open(tmp_path / "offline") as ds:
        assert ingest_paths(ds, [root / "pages"]).failed == 1
    assert snapshot(tmp_path / "offline")["figures"] == snapshot(root)["figures"]


def test_resume_after_an_interruption_gives_the_same_database(mirror, tmp_path):
    harvest(tmp_path / "whole", mirror)

    def stop(event):
        if event.stage == "attachment" and "1907.10121" in event.url:
            raise KeyboardInterrupt  # killed right after the last e-print came in

    with pytest.raises(KeyboardInterrupt):
        harvest(tmp_path / "resumed", mirror, on_event=stop)
    with Dataset.open(tmp_path / "resumed", create=False) as ds:
        assert ds.stats()["articles"] == 1
    resumed = harvest(tmp_path / "resumed", mirror)
    assert (resumed.unchanged, resumed.ingested, resumed.attachments_present) == (1, 1, 5)
    assert snapshot(tmp_path / "resumed") == snapshot(tmp_path / "whole")


def test_real_search_answer_pages_to_the_next_start(mirror, tmp_path):
    page = (DATA / "atom" / "search-au_del_maestro.xml").read_bytes()  # 31 results, 10 a page
    mirror.route("/api/query", Reply(200, page, {"Content-Type": "application/atom+xml"}))
    hits = find_articles(fetcher(tmp_path), query_from_terms("arxiv", ("del maestro",), maximum=50),
                         base_url=mirror.base)
    assert len(hits) == 10 and hits[0].url == "https://arxiv.org/abs/1201.4869v1"
    assert (hits[1].url, hits[1].doi) == ("https://arxiv.org/abs/cond-mat/0412498v1", "10.1103/physrevb.71.184511")
    # The mirror answers every page with the same real first page: paging goes on by start until
    # totalResults (31) is reached, and repeats are not taken twice.
    asked = [p for _, p in mirror.log if p.startswith("/api/query")]
    assert [a.split("start=")[1].split("&")[0] for a in asked] == ["0", "10", "20", "30"]


def test_delay_setting_and_query_file(monkeypatch):
    assert dict(rate_limits())["arxiv.org"] == 3.0  # arXiv's own hosts, by default
    monkeypatch.setenv("FIGDEX_ARXIV_DELAY", "4.5")
    limits = dict(rate_limits("http://127.0.0.1:8000", ["arxiv"]))
    assert limits == {"arxiv.org": 4.5, "127.0.0.1": 4.5}  # a mirror stands for arXiv
    assert "127.0.0.1" not in dict(rate_limits("http://127.0.0.1:8000", ["nature"]))
    q = parse_query({"journal_family": "arxiv", "query": {"search_field_1": {"term": "TEM"}},
                     "categories": ["cond-mat.mtrl-sci", "physics.chem-ph"]})
    request = get_family("arxiv").search_request(q.search_strings()[0], q)
    assert "search_query=all%3ATEM+AND+%28cat%3Acond-mat.mtrl-sci+OR+cat%3Aphysics.chem-ph%29" in request.url
    assert request.url.startswith("http://export.arxiv.org/api/query?")
    with pytest.raises(ValueError, match="not an arXiv category"):
        parse_query({"journal_family": "arxiv", "query": {"a": "TEM"}, "categories": ["materials science"]})


def test_query_file_through_the_cli_and_stats(mirror, tmp_path, monkeypatch):
    monkeypatch.setenv("FIGDEX_ARXIV_DELAY", "0.05")
    qfile = tmp_path / "arxiv.json"
    qfile.write_text(json.dumps({"name": "skimage", "journal_family": "arxiv", "maximum_scraped": 3,
                                 "categories": ["cs.MS"], "query": {"search_field_1": {"term": "image processing"}}}))
    runner = CliRunner()
    res = runner.invoke(cli, ["ingest", str(qfile), "--base-url", mirror.base, "--delay", "0", "--no-separate",
                              "--no-embed", "--dataset", str(tmp_path / "d")])
    assert "3 articles found" in res.output and "2 ingested" in res.output, res.output
    assert "e-prints and licence records: 6 fetched, 0 already saved, 0 failed" in res.output
    assert "cut short" in res.output and "Traceback" not in res.output
    res = runner.invoke(cli, ["stats", "--dataset", str(tmp_path / "d"), "--format", "json"])
    assert json.loads(res.output)["per_publisher"]["arxiv"]["articles"] == 2


def test_an_eprint_robots_txt_refuses_is_reported_and_fetched_once_allowed(mirror, tmp_path):
    from figdex.ingest.web.scrape import scrape_urls

    mirror.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /e-print/\n", {"Content-Type": "text/plain"}))
    # A PDF-only e-print (arXiv serves the PDF when the authors sent no source): a real PDF file.
    pdf = open_eprint(DATA / "scipy-1.0-paper.tar.gz").files["static/asv.pdf"]
    mirror.route("/e-print/1907.10121v1", Reply(200, pdf, {"Content-Type": "application/pdf"}))
    root = tmp_path / "d"
    urls = ["https://arxiv.org/abs/1407.6245v1", "https://arxiv.org/abs/1907.10121v1"]

    def run():
        with Dataset.open(root) as ds:
            summary = scrape_urls(ds, urls, fetcher(root), family="arxiv", base_url=mirror.base)
            rows = {r["url"]: (r["access"], r["n"]) for r in ds.conn.execute(
                "SELECT a.url, a.access, count(f.id) AS n FROM articles a LEFT JOIN figures f "
                "ON f.article_id = a.id GROUP BY a.id")}
        return summary, rows

    summary, rows = run()
    assert summary.ingested == 2 and mirror.count("/e-print/") == 0
    assert all("disallowed by" in reason for _, reason in summary.attachment_failures)
    assert rows[urls[0]] == ("abstract", 0)  # stored with its metadata, saying the e-print is missing
    mirror.route("/robots.txt", Reply(404, b"", {"Content-Type": "text/plain"}))
    again, rows = run()  # a new client reads robots.txt again
    assert (again.ingested, again.attachments_fetched, again.unchanged) == (2, 2, 0)  # the e-prints
    assert rows[urls[0]] == ("full", 5)
    assert (root / "pages/arxiv/1907.10121v1_files/eprint.pdf").read_bytes() == pdf
    from figdex.ingest.sources.base import detect_parser

    reader = detect_parser(root / "pages/arxiv/1907.10121v1_files/eprint.pdf")
    has_pdf_parser = reader is not None and reader.name not in ("arxiv", "generic")
    assert rows[urls[1]][0] == ("full" if has_pdf_parser else "abstract")  # the PDF went to the hook
