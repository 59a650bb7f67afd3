"""The Elasticsearch and OpenSearch backends, over the wire, against the osmem-server emulator.

There is no Elasticsearch server or Docker here.  ``osmem-server`` (PyPI) is an in-memory
OpenSearch-compatible server; it is started on 127.0.0.1 with an ephemeral port.

* opensearch-py talks to it directly.
* The official ``elasticsearch`` client sends ``Content-Type`` / ``Accept`` as
  ``application/vnd.elasticsearch+json; compatible-with=8`` (Elasticsearch's REST
  compatibility media type), which the emulator answers with HTTP 406.  In these tests
  only, the client talks to the emulator through ``CompatProxy``, a loopback proxy that
  rewrites that media type to the plain ``application/json`` (``+x-ndjson`` to
  ``application/x-ndjson``) it stands for, and changes nothing else.  Library code is not
  touched: against a real Elasticsearch the client sends its headers unchanged.
  The proxy can also answer a request with HTTP 429, to test the bulk retries.

Tests marked ``es`` run against a real Elasticsearch at ``$FIGDEX_ES_URL``
(``docker compose up -d elasticsearch``; ``pytest -m es``) and skip without it.
The whole module skips when the emulator or a client is not installed.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index import elastic
from figdex.index.elastic import BulkIndexError, filter_clauses, like_to_wildcard, render_query
from figdex.index.fulltext import TextIndexError, create_text_index
from figdex.index.query import QueryError, SearchFilters, parse_user_query

# -- the emulator and the test-only proxy for the elasticsearch client -------------------------

_COMPAT = re.compile(r"application/vnd\.elasticsearch\+(json|x-ndjson)\s*;\s*compatible-with=\d+", re.I)


class CompatProxy:
    """A loopback HTTP proxy: compatible-with media types -> plain JSON/NDJSON; optional injected 429s."""

    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname, parts.port
        self.faults: list[tuple[str, int]] = []  # (path substring, status) answered instead of forwarding
        self.requests: list[tuple[str, str, dict]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in separate writes

            def log_message(self, *args):  # quiet
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {}
                for key, value in self.headers.items():
                    if key.lower() in ("host", "connection", "content-length", "keep-alive"):
                        continue
                    headers[key] = _COMPAT.sub(r"application/\1", value) if key.lower() in (
                        "content-type", "accept") else value
                proxy.requests.append((self.command, self.path, dict(self.headers)))
                for i, (part, status) in enumerate(proxy.faults):
                    if part in self.path:
                        del proxy.faults[i]
                        data = json.dumps({"error": {"type": "es_rejected_execution_exception",
                                                     "reason": "injected by the test proxy"},
                                           "status": status}).encode()
                        self.send_response(status)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("X-Elastic-Product", "Elasticsearch")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=60)
                try:
                    conn.connect()
                    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                finally:
                    conn.close()
                self.send_response(resp.status)
                for key, value in resp.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data) if self.command != "HEAD" else 0))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def emulator():
    osmem = pytest.importorskip("osmem_server", reason="osmem-server is not installed (pip install -e '.[test]')")
    try:
        server = osmem.OsmemServer.start(addr="127.0.0.1:0", japanese=False)
    except osmem.OsmemError as exc:  # e.g. no binary for this platform
        pytest.skip(f"osmem-server cannot start here: {exc}")
    yield server
    server.close()


@pytest.fixture(scope="module")
def es_proxy(emulator):
    proxy = CompatProxy(emulator.url)
    yield proxy
    proxy.close()


BACKENDS = ["opensearch", "elasticsearch"]


@pytest.fixture(params=BACKENDS)
def backend(request, emulator, es_proxy):
    """(backend name, URL) for each client; the elasticsearch client goes through the proxy."""
    name = request.param
    pytest.importorskip("opensearchpy" if name == "opensearch" else "elasticsearch")
    return name, (emulator.url if name == "opensearch" else es_proxy.url)


def _alias() -> str:
    return "t-" + uuid.uuid4().hex[:10]


def _open(ds, backend, **options):
    name, url = backend
    options.setdefault("index", _alias())
    options.setdefault("initial_backoff", 0.001)
    return create_text_index(name, ds.conn, ds.root, url=url, **options)


@pytest.fixture(scope="module")
def synced(demo_ds, emulator, es_proxy):
    """The demo corpus synced once per client (module scope): {backend name: index}."""
    out = {}
    for name in BACKENDS:
        pytest.importorskip("opensearchpy" if name == "opensearch" else "elasticsearch")
        url = emulator.url if name == "opensearch" else es_proxy.url
        index = create_text_index(name, demo_ds.conn, demo_ds.root, url=url, index=_alias())
        report = index.sync()
        assert report.mode == "created" and report.pushed == index.count() > 0
        out[name] = index
    return out


# -- rendering (no server) ------------------------------------------------------------------------

def test_user_text_is_never_engine_syntax():
    q = parse_user_query('title:silver AND (gold OR "half open -x nano*')
    body = json.dumps(render_query(q, analyze=lambda text: [text.lower()]))
    assert "query_string" not in body and "simple_query_string" not in body
    assert '"title"' in body  # as a weighted field name, never from the user's "title:"
    assert render_query("caption:silver", analyze=str.split)["query_string"]["query"] == "caption:silver"


def test_like_semantics_of_journal_and_licence_filters():
    assert like_to_wildcard("nat_re%s", leading=True) == "*nat?re*s*"
    assert like_to_wildcard("a*b?c\\", leading=False) == "a\\*b\\?c\\\\*"
    clauses = filter_clauses(SearchFilters(journal=("nature", "plos"), license=("CC-BY",), label=("user:Good", "SEM")))
    assert clauses[0]["bool"]["minimum_should_match"] == 1
    assert {"term": {"label_pairs_lc": "user:good"}} in clauses
    assert {"term": {"label_values_lc": "sem"}} in clauses


# -- parity with the embedded backend on the demo corpus ------------------------------------------

PARITY_QUERIES = [
    "silver", "silver nanoparticles", '"scanning electron microscopy"', "streaming potential", "nano*",
    "dislocation OR switching", "silver -dislocation", "TEM", "switch*", "electron microscopy", "EDS",
    "schematic", "protein", "structure", "water", "temperature", "SEM OR TEM", "cells", "concentration",
    "model", "images", "spectra", "figure", "sample*", "expression", "diffraction", "device", "ion channel",
    "mass spectrometry", "surface", "phase", "scale bar", "voltage", "crystal structure", "Crème", "µm",
    "Ag/Pd", "TiO2", "the", "bacteria",
]
PARITY_FILTERS = [
    SearchFilters(),
    SearchFilters(year_min=2016, year_max=2020),
    SearchFilters(journal=("nature",)),
    SearchFilters(journal=("PLOS", "bioinformatics")),
    SearchFilters(journal=("scientific_reports",)),  # SQL LIKE: '_' matches the space
    SearchFilters(license=("cc-by-4",)),
    SearchFilters(license=("public",), open_access=True),
    SearchFilters(publisher=("pmc",), has_image=True),
    SearchFilters(has_image=False),
    SearchFilters(label=("term:TEM",)),
    SearchFilters(label=("tem", "term:EDS")),
    SearchFilters(has_scale=False, image_class=("unclassified",)),
    SearchFilters(doi=("10.1038/S41467-018-06297-9",)),
]


def _all(index, query, filters):
    hits, total = index.search(query, filters, 1000)
    return [h.master_id for h in hits], [h.score for h in hits], total


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_parity_same_matches_for_every_query_and_filter(demo_ds, synced, backend_name):
    fts = create_text_index("fts5", demo_ds.conn)
    remote = synced[backend_name]
    checked = 0
    for text, filters in itertools.product(PARITY_QUERIES, PARITY_FILTERS):
        query = parse_user_query(text)
        a, _, ta = _all(fts, query, filters)
        b, _, tb = _all(remote, query, filters)
        assert ta == tb and set(a) == set(b), (text, filters)
        checked += ta > 0
    assert checked > 100  # the grid is not trivially empty


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_parity_same_facet_counts(demo_ds, synced, backend_name):
    fts = create_text_index("fts5", demo_ds.conn)
    remote = synced[backend_name]
    fields = ("journal", "image_class", "label", "year", "publisher", "license")
    queries = [None, *(parse_user_query(q) for q in ("silver", "nano*", "cells", "SEM OR TEM", "structure -water"))]
    for query, filters in itertools.product(queries, PARITY_FILTERS):
        assert fts.facets(query, filters, fields, 50) == remote.facets(query, filters, fields, 50), (query, filters)
    small = remote.facets(None, SearchFilters(), ["label"], 3)["label"]
    assert small == fts.facets(None, SearchFilters(), ["label"], 3)["label"] and len(small) == 3


def _clear_winner(scores, margin=0.10):
    if len(scores) == 1:
        return True
    return scores[0] > 0 and (scores[0] - scores[1]) / scores[0] >= margin


# The scoring models differ (see README "Scaling out"): FTS5's bm25() adds the column-weighted
# term frequencies of the whole row and saturates once, with one IDF and the whole row's
# length; Lucene scores each field on its own (its own IDF and length) and adds the fields.
# Where that moves a clear FTS5 winner, the query is listed here with the reason.
_KNOWN_RANKING_DIFFERENCES = {
    "SEM OR TEM": "the caption that says both SEM and TEM wins clearly in FTS5 (weighted frequencies added "
                  "before saturation); the engine ranks it 6th, below captions with the rarer 'TEM' label "
                  "(per-field IDF of the short labels field)",
    "µm": "FTS5 ranks the caption saying µm four times 10% above one saying it once; per-field "
          "saturation and length normalisation put the shorter caption 7% ahead on the engine",
}


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("text", [
    pytest.param(q, marks=pytest.mark.xfail(strict=True, reason=_KNOWN_RANKING_DIFFERENCES[q]))
    if q in _KNOWN_RANKING_DIFFERENCES else q
    for q in PARITY_QUERIES
])
def test_parity_top_hits_up_to_ties(demo_ds, synced, backend_name, text):
    """Where FTS5 has a clear winner (10% ahead of the runner-up) the engine ranks it first too;
    otherwise the top hits are near-ties for FTS5 and any order of them is the same answer
    (its whole-row length normalisation puts most scores within a few percent, and a word in
    more than half the rows scores 0 for every row).  Both engines rank the demo's top 5
    mostly alike: see the overlap test below."""
    fts = create_text_index("fts5", demo_ds.conn)
    query = parse_user_query(text)
    a, sa, _ = _all(fts, query, SearchFilters())
    b, sb, _ = _all(synced[backend_name], query, SearchFilters())
    if not a:
        assert not b
        return
    if _clear_winner(sa) and not query.groups[0][0].prefix:  # prefixes score constant on the engine
        assert b[0] == a[0]
    # Up to ties: the engine's first hit is one FTS5 scores within 10% of its best.
    near_ties = {i for i, s in zip(a, sa) if s >= sa[0] * 0.9}
    assert b[0] in near_ties


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_parity_top5_overlap(demo_ds, synced, backend_name):
    fts = create_text_index("fts5", demo_ds.conn)
    overlaps, firsts = [], []
    for text in PARITY_QUERIES:
        a, _, _ = _all(fts, parse_user_query(text), SearchFilters())
        b, _, _ = _all(synced[backend_name], parse_user_query(text), SearchFilters())
        if a:
            overlaps.append(len(set(a[:5]) & set(b[:5])) / min(5, len(a)))
            firsts.append(b[0] in a[:3])
    # Measured on the demo corpus (36 queries with hits): mean top-5 overlap 0.85, the engine's first
    # hit in FTS5's top 3 for 32, the same first hit for 23.  A regression in query rendering (a
    # field or a weight lost) drops these.
    assert sum(overlaps) / len(overlaps) >= 0.8
    assert sum(firsts) / len(firsts) >= 0.75


def test_search_results_are_the_same_objects(demo_ds, synced):
    from figdex.retrieval.search import search

    embedded = search(demo_ds, '"scanning electron microscopy"', limit=5)
    for index in synced.values():
        remote = search(demo_ds, '"scanning electron microscopy"', limit=5, index=index)
        assert [h.id for h in remote.hits] == [h.id for h in embedded.hits] and remote.total == embedded.total
        assert "<mark>" in remote.hits[0].snippet
        first, other = remote.hits[0].__dict__, embedded.hits[0].__dict__
        assert {k: v for k, v in first.items() if k not in ("score", "snippet")} == \
               {k: v for k, v in other.items() if k not in ("score", "snippet")}


def test_paging_and_deep_pages(demo_ds, synced, monkeypatch):
    index = synced["opensearch"]
    query = parse_user_query("the")
    everything, _, total = _all(index, query, SearchFilters())
    assert total > 20
    page, _ = index.search(query, SearchFilters(), 5, 10)
    assert [h.master_id for h in page] == everything[10:15]
    monkeypatch.setattr(elastic, "MAX_WINDOW", 7)  # walk with search_after past the window
    deep, deep_total = index.search(query, SearchFilters(), 5, 10)
    assert [h.master_id for h in deep] == everything[10:15] and deep_total == total


HOSTILE = ['TEM (unbalanced', 'TEM "unbalanced quote', "title:silver", "^silver", "silver)))", "{silver nanoparticle}",
           "col1 : col2", "a" * 20000, "silver " * 5000, 'caption:"x" AND _exists_:doi', "µm Å 200\u2009nm", "*:*"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_reach_the_engine_as_syntax(demo_ds, synced, text):
    from figdex.retrieval.search import search

    for index in synced.values():
        try:
            result = search(demo_ds, text, limit=3, index=index)
        except QueryError as exc:
            assert "word" in str(exc) or "term" in str(exc)
            continue
        assert result.total == search(demo_ds, text, limit=3).total


def test_raw_mode_is_query_string(demo_ds, synced):
    from figdex.retrieval.search import search

    for index in synced.values():
        assert search(demo_ds, "caption:streaming AND title:*", raw=True, index=index).total > 0
        with pytest.raises(QueryError, match="raw .* query rejected"):
            search(demo_ds, "caption:(silver AND", raw=True, index=index)


# -- sync, rebuild, aliases -------------------------------------------------------------------------

def test_rebuild_swaps_the_alias_to_a_new_versioned_index(ds, backend):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend)
    assert index.live_indices() == []
    first = index.sync()
    assert first.mode == "created" and index.live_indices() == [first.index]
    assert first.index.startswith(index.alias + "-v")
    n = index.rebuild()
    second = index.live_indices()
    assert n == index.count() == first.pushed and len(second) == 1 and second[0] != first.index
    assert not index.engine.exists(first.index)  # the old version is gone


def test_failed_documents_are_reported_and_a_failed_rebuild_leaves_the_live_index(ds, backend, monkeypatch):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend)
    index.sync()
    live, hits = index.live_indices(), index.count()
    bad_id = min(ds.master_ids())
    original = elastic.es_document

    def broken(doc):
        out = original(doc)
        if doc["id"] == bad_id:
            out["year"] = "not a year"  # the mapping says integer: the engine refuses this one document
        return out

    monkeypatch.setattr(elastic, "es_document", broken)
    with pytest.raises(BulkIndexError) as err:
        index.rebuild()
    assert [f.id for f in err.value.failures] == [str(bad_id)]
    assert err.value.failures[0].status == 400 and "year" in err.value.failures[0].reason
    assert err.value.succeeded == hits - 1 and "left unchanged" in str(err.value)
    assert index.live_indices() == live and index.count() == hits
    # The same document through update() (what ingest calls): reported, never silent.
    with pytest.raises(BulkIndexError, match=str(bad_id)):
        index.update([bad_id])
    # A sync that fails does not advance its mark: the next one pushes the document again.
    with pytest.raises(BulkIndexError):
        index.sync(full=True)
    monkeypatch.setattr(elastic, "es_document", original)
    assert index.sync().pushed >= 1


def test_bulk_items_refused_with_429_are_retried(ds, backend):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend, batch_size=7)
    index._ensure()
    real_bulk, calls, sleeps = index.engine.bulk, [], []
    index.sleep = sleeps.append

    def flaky(ops):
        """The first answer to each request refuses every other item with 429, as a busy node does."""
        resp = real_bulk(ops) if len(calls) % 2 else None
        calls.append(len(ops))
        if resp is not None:
            return resp
        actions = [o for o in ops if "index" in o or "delete" in o]
        keep = [i for i in range(len(actions)) if i % 2]
        sent = []
        for i in keep:
            sent.append(actions[i])
            if "index" in actions[i]:
                sent.append(ops[ops.index(actions[i]) + 1])
        done = real_bulk(sent)["items"] if sent else []
        items, it = [], iter(done)
        for i, action in enumerate(actions):
            op = next(iter(action))
            items.append(next(it) if i % 2 else {op: {"_id": action[op]["_id"], "status": 429, "error": {
                "type": "es_rejected_execution_exception", "reason": "rejected execution"}}})
        return {"errors": True, "items": items}

    index.engine.bulk = flaky
    index.update(list(ds.master_ids()))
    index.engine.refresh(index.alias)
    assert index.count() == len(list(ds.master_ids()))
    assert sleeps and all(s > 0 for s in sleeps) and len(calls) >= 4


def test_bulk_items_still_refused_after_the_retries_are_failures(ds, backend):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend, max_retries=2)
    index._ensure()
    index.sleep = lambda s: None
    index.engine.bulk = lambda ops: {"errors": True, "items": [
        {"index": {"_id": o["index"]["_id"], "status": 429, "error": {"type": "es_rejected_execution_exception",
                                                                      "reason": "queue full"}}}
        for o in ops if "index" in o]}
    ids = list(ds.master_ids())
    with pytest.raises(BulkIndexError) as err:
        index.update(ids)
    assert sorted(int(f.id) for f in err.value.failures) == sorted(ids)
    assert all(f.status == 429 for f in err.value.failures)


def test_a_whole_bulk_request_answered_429_is_retried(ds, emulator, es_proxy):
    """Through the real elasticsearch client: the proxy answers the first _bulk with HTTP 429."""
    pytest.importorskip("elasticsearch")
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, ("elasticsearch", es_proxy.url))
    sleeps = []
    index.sleep = sleeps.append
    es_proxy.faults += [("_bulk", 429), ("_bulk", 429)]
    report = index.sync()
    assert report.pushed == index.count() and len(sleeps) == 2
    assert not any(part == "_bulk" for part, _ in es_proxy.faults)
    # ...and that the proxy rewrote the media type the emulator refuses (and nothing else):
    sent = [h for _, path, h in es_proxy.requests if "_bulk" in path][-1]
    content_type = {k.lower(): v for k, v in sent.items()}["content-type"]
    assert "compatible-with=8" in content_type


def test_incremental_sync_pushes_changes_and_removes_deleted_images(ds, backend):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend)
    index.sync()
    # Pretend the last sync was long ago for everything but one image, then label that image.
    ds.conn.execute("UPDATE master_images SET updated_at = '2000-01-01T00:00:00+00:00'")
    ds.conn.execute("UPDATE figures SET updated_at = '2000-01-01T00:00:00+00:00'")
    ds.conn.execute("UPDATE articles SET updated_at = '2000-01-01T00:00:00+00:00'")
    ds.conn.execute("UPDATE labels SET created_at = '2000-01-01T00:00:00+00:00'")
    index._set_meta(index.live_indices()[0], synced_at="2001-01-01T00:00:00+00:00")
    target = ds.master_id("10.1038-srep23945-fig1-0")
    with ds.transaction():
        ds.add_label(target, "user", "memristor-device")
    report = index.sync()
    assert report.mode == "incremental" and report.pushed == 1 and report.deleted == 0
    hits, _ = index.search(parse_user_query("switching"), SearchFilters(label=("user:memristor-device",)), 10)
    assert [h.master_id for h in hits] == [target]
    # A deleted figure: its document goes at the next sync.
    with ds.transaction():
        ds.conn.execute("DELETE FROM figures WHERE id = (SELECT figure_id FROM master_images WHERE id = ?)", (target,))
    report = index.sync()
    assert report.deleted == 1 and target not in index.indexed_ids()
    assert index.count() == ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    full = index.sync(full=True)
    assert full.mode == "full" and full.pushed == index.count()


def test_an_alias_name_taken_by_an_index_is_a_clear_error(ds, emulator):
    pytest.importorskip("opensearchpy")
    from opensearchpy import OpenSearch

    name = _alias()
    OpenSearch(hosts=[emulator.url]).indices.create(index=name)
    index = _open(ds, ("opensearch", emulator.url), index=name)
    with pytest.raises(TextIndexError, match="is an index, not an alias"):
        index.sync()


def test_unreachable_server_and_missing_client_are_clear_errors(ds, monkeypatch):
    pytest.importorskip("opensearchpy")
    import socket
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    index = create_text_index("opensearch", ds.conn, ds.root, url=f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(TextIndexError, match="cannot reach OpenSearch"):
        index.search(parse_user_query("silver"), SearchFilters(), 10)
    monkeypatch.setitem(sys.modules, "elasticsearch", None)
    with pytest.raises(TextIndexError, match=r"figdex\[es\]"):
        create_text_index("elasticsearch", ds.conn, ds.root, url="http://127.0.0.1:9")


# -- the CLI contract -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths
    from tests.conftest import DEMO

    root = tmp_path_factory.mktemp("es-cli") / "ds"
    with Dataset.open(root) as ds:
        ingest_paths(ds, [DEMO])
    return root


def test_cli_sync_then_search_gives_the_embedded_objects(demo_dir, backend):
    name, url = backend
    env = {"FIGDEX_ES_INDEX": _alias()}
    runner = CliRunner()
    res = runner.invoke(cli, ["index", "sync", "--dataset", str(demo_dir), "--backend", name, "--url", url], env=env)
    assert res.exit_code == 0, res.output
    assert "created" in res.stderr and "61 documents pushed" in res.stderr
    res = runner.invoke(cli, ["index", "sync", "--dataset", str(demo_dir), "--format", "json"],
                        env={**env, "FIGDEX_BACKEND": name, "FIGDEX_ES_URL": url})
    assert res.exit_code == 0 and json.loads(res.stdout)[0]["mode"] == "incremental"
    args = ["search", '"scanning electron microscopy"', "--dataset", str(demo_dir), "--format", "jsonl"]
    embedded = runner.invoke(cli, args, env={"FIGDEX_BACKEND": "fts5"})
    remote = runner.invoke(cli, [*args, "--backend", name, "--url", url], env=env)
    via_env = runner.invoke(cli, args, env={**env, "FIGDEX_BACKEND": name, "FIGDEX_ES_URL": url})
    assert remote.exit_code == 0 and via_env.exit_code == 0, remote.output + via_env.output
    rows_e = [json.loads(line) for line in embedded.stdout.splitlines()]
    rows_r = [json.loads(line) for line in remote.stdout.splitlines()]
    assert remote.stdout == via_env.stdout and len(rows_r) == len(rows_e) == 2
    for e, r in zip(rows_e, rows_r):
        assert e.keys() == r.keys()
        assert {k: v for k, v in e.items() if k not in ("score", "snippet")} == \
               {k: v for k, v in r.items() if k not in ("score", "snippet")}
    res = runner.invoke(cli, ["index", "rebuild", "--dataset", str(demo_dir), "--backend", name, "--url", url],
                        env=env)
    assert res.exit_code == 0 and "61 documents" in res.stderr
    res = runner.invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--backend", name, "--url", url,
                              "--facets"], env=env)
    assert res.exit_code == 0 and "journal: Nature Communications (10)" in res.stderr


def test_cli_backend_errors_are_one_line(demo_dir, emulator):
    pytest.importorskip("opensearchpy")
    res = CliRunner().invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--backend", "opensearch",
                                   "--url", emulator.url], env={"FIGDEX_ES_INDEX": _alias()})
    assert res.exit_code == 1 and "figdex index sync" in res.output and "Traceback" not in res.output


# -- a real Elasticsearch (docker compose up -d elasticsearch; FIGDEX_ES_URL=http://localhost:9200) ---

def _real_es_url() -> str:
    url = os.environ.get("FIGDEX_ES_URL")
    if not url:
        pytest.skip("FIGDEX_ES_URL is not set (start the compose stack: docker compose up -d elasticsearch)")
    pytest.importorskip("elasticsearch")
    return url


@pytest.mark.es
def test_real_elasticsearch_parity(demo_ds):
    url = _real_es_url()
    index = create_text_index("elasticsearch", demo_ds.conn, demo_ds.root, url=url, index=_alias())
    try:
        assert index.sync().pushed == index.count()
        fts = create_text_index("fts5", demo_ds.conn)
        for text, filters in itertools.product(PARITY_QUERIES, PARITY_FILTERS):
            query = parse_user_query(text)
            a, _, ta = _all(fts, query, filters)
            b, _, tb = _all(index, query, filters)
            assert ta == tb and set(a) == set(b), (text, filters)
            assert fts.facets(query, filters, ("journal", "image_class", "label", "year"), 50) == \
                   index.facets(query, filters, ("journal", "image_class", "label", "year"), 50)
        old = index.live_indices()
        index.rebuild()
        assert index.live_indices() != old
    finally:
        for name in index.live_indices():
            index.engine.delete(name)


@pytest.mark.es
def test_real_elasticsearch_reports_refused_documents(ds, monkeypatch):
    url = _real_es_url()
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = create_text_index("elasticsearch", ds.conn, ds.root, url=url, index=_alias())
    try:
        index.sync()
        original = elastic.es_document
        monkeypatch.setattr(elastic, "es_document", lambda doc: {**original(doc), "year": "not a year"})
        with pytest.raises(BulkIndexError) as err:
            index.update(list(ds.master_ids()))
        assert len(err.value.failures) == len(list(ds.master_ids()))
    finally:
        for name in index.live_indices():
            index.engine.delete(name)


def test_url_and_alias_from_the_flag_the_environment_or_config_json(tmp_path, monkeypatch):
    pytest.importorskip("opensearchpy")
    from figdex.index.db import Dataset
    from figdex.index.fulltext import open_text_index

    monkeypatch.delenv("FIGDEX_ES_URL", raising=False)
    monkeypatch.delenv("FIGDEX_ES_INDEX", raising=False)
    with Dataset.open(tmp_path / "ds") as ds:
        assert open_text_index(ds).name == "fts5"
        ds.set_config(text_index="opensearch", text_index_url="http://cfg:9200", text_index_name="mine")
        index = open_text_index(ds)  # what ingest, export and search use without flags
        assert (index.name, index.url, index.alias) == ("opensearch", "http://cfg:9200", "mine")
        monkeypatch.setenv("FIGDEX_ES_URL", "http://env:9200")
        assert open_text_index(ds).url == "http://env:9200"
        assert open_text_index(ds, url="http://flag:9200").url == "http://flag:9200"
        assert open_text_index(ds, "elasticsearch").name == "elasticsearch"
