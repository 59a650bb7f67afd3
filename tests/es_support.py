"""Support for the Elasticsearch/OpenSearch tests: the emulator, the test-only proxy for the
elasticsearch client, and fixtures (see tests/test_elastic.py)."""

from __future__ import annotations

import http.client
import itertools
import json
import re
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from figdex.index.fulltext import create_text_index
from figdex.index.query import SearchFilters, parse_user_query

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
# The embedded backends the servers are compared with: the dataset's default and FTS5.
EMBEDDED = ["tantivy", "fts5"]


def assert_same_matches(left, right, facet_fields=()) -> None:
    """Over the parity grid: the same total and set of matches (and facet counts, when fields are
    given) from both indexes; some queries must match, or the grid would prove nothing."""
    checked = 0
    for text, filters in itertools.product(PARITY_QUERIES, PARITY_FILTERS):
        query = parse_user_query(text)
        a, _, ta = _all(left, query, filters)
        b, _, tb = _all(right, query, filters)
        assert ta == tb and set(a) == set(b), (left.name, right.name, text, filters)
        if facet_fields:
            assert left.facets(query, filters, facet_fields, 50) == right.facets(query, filters, facet_fields, 50), \
                (left.name, right.name, text, filters)
        checked += ta > 0
    assert checked > 100


def embedded_index(ds, name):
    """The embedded text index ``name`` of ``ds``, built from the database when it is empty."""
    index = create_text_index(name, ds.conn, ds.root)
    if index.count() == 0:
        index.rebuild()
    return index


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


# -- the parity sets shared by the emulator and real-Elasticsearch tests ---------------------------

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
