"""Latency of `figdex serve` (the search page and the JSON API) against the library calls each
route wraps, measured in the same run on the same synthetic dataset.

Records are built as in ``search_backends.py`` (captions, titles and abstracts sampled from the
demo captions' word distribution; "term" labels on a third), plus an image class on every
record and a scale (nm/px, log-uniform over 0.1-1000) on a third, so the facets and the scale
buckets have something to count.  The server is the real one: `figdex serve` in a child
process (waitress, 4 threads), asked over HTTP with one keep-alive connection, one request at a
time.  Each route is timed against the library calls it makes, called directly:

* ``/api/search?facets=false``  vs ``search()``
* ``/api/search``               vs ``search()`` + ``facet_counts()`` + ``scale_histogram()``
* search page ``/?q=``          vs the same three calls (24 hits: the page size)
* search page ``/`` (no query)  vs ``browse()`` + ``facet_counts()`` + ``scale_histogram()``
* ``/api/images/{id}``          vs ``image_details()``

    python bench/web_latency.py                      # 100k images, 100 requests per route (~8 min, 2 cores)
    python bench/web_latency.py --images 10000 --requests 60
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_backends import build_dataset, make_records  # noqa: E402
from text_engines import make_queries, pct  # noqa: E402

CLASSES = ["microscopy", "graph", "diffraction", "schematic", "photo", "spectrum", "unclassified"]
PAGE_SIZE = 24  # the search page's (cli/web/app.py WebSettings.page_size)


def build(root: Path, n: int) -> None:
    from figdex.index.fulltext import open_text_index

    ds = build_dataset(root, make_records(n))
    rng = random.Random(7)
    rows = [(rng.choice(CLASSES), 10 ** rng.uniform(-1, 3) if rng.random() < 1 / 3 else None, i)
            for i in range(1, n + 1)]
    with ds.transaction() as conn:
        conn.executemany("UPDATE master_images SET image_class = ?, nm_per_px = ? WHERE id = ?", rows)
    open_text_index(ds).rebuild()
    ds.close()


class Server:
    def __init__(self, root: Path, facet_cache: int):
        env = {**os.environ, "FIGDEX_FACET_CACHE": str(facet_cache)}
        self.proc = subprocess.Popen([sys.executable, "-m", "figdex.cli.main", "serve", "--dataset", str(root),
                                      "--port", "0", "--threads", "4"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env)
        for line in self.proc.stdout:
            m = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
            if m:
                self.url = m.group(1)
                return
        raise RuntimeError("figdex serve did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - t)
    return out


def measure(results: dict, name: str, lib, web, items) -> None:
    for fn in (lib, web):  # warm both SQLite page caches before timing
        timed(fn, items[:5])
    lib_t, web_t = timed(lib, items), timed(web, items)
    r = results["routes"][name] = {"library_p50": pct(lib_t, 50), "library_p95": pct(lib_t, 95),
                                   "web_p50": pct(web_t, 50), "web_p95": pct(web_t, 95)}
    print(f"{name:<30} library p50 {r['library_p50']:8.2f} p95 {r['library_p95']:8.2f} ms   "
          f"web p50 {r['web_p50']:8.2f} p95 {r['web_p95']:8.2f} ms   ratio "
          f"{r['web_p50'] / r['library_p50']:.2f} / {r['web_p95'] / r['library_p95']:.2f}", file=sys.stderr)


def run(n: int, n_requests: int) -> dict:
    import requests

    from figdex.index.db import Dataset
    from figdex.index.fulltext import open_text_index
    from figdex.retrieval.images import image_details
    from figdex.retrieval.overview import scale_histogram
    from figdex.retrieval.search import browse, facet_counts, search
    from figdex.cli.web.views import FACET_FIELDS

    with tempfile.TemporaryDirectory(prefix="figdex-web-bench-") as tmp:
        root = Path(tmp) / "ds"
        t0 = time.perf_counter()
        build(root, n)
        print(f"built {n:,} images in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        queries = make_queries(n_requests)
        rng = random.Random(3)
        # The whole-set facets cost seconds at 100k: fewer requests for the no-query rows.
        pages = [rng.randint(1, 100) for _ in range(max(10, n_requests // 4))]
        ids = [f"bench-{(i - 1) // 5 + 1}-fig{i - 1}-0" for i in (rng.randint(1, n) for _ in range(n_requests))]
        ds = Dataset.open(root, create=False)
        index = open_text_index(ds)

        def lib_route(q, limit=20, offset=0):
            if q:
                search(ds, q, limit=limit, index=index)
            else:
                browse(ds, limit=limit, offset=offset)
            facet_counts(ds, q or None, None, FACET_FIELDS, size=10, index=index)
            scale_histogram(ds, q or None, None, index=index)

        results = {"images": n, "requests": n_requests, "routes": {}}
        # Like for like: every web request recomputes what the library calls compute (facet cache off).
        srv = Server(root, facet_cache=0)
        http = requests.Session()

        def get(path, **params):
            r = http.get(srv.url + path, params=params, timeout=120)
            r.raise_for_status()
            return r.content

        def browse_page(p):
            lib_route("", PAGE_SIZE, (p - 1) * PAGE_SIZE)

        routes = {
            "/api/search?facets=false": (
                lambda q: search(ds, q, limit=20, index=index),
                lambda q: get("/api/search", q=q, limit=20, facets="false"), queries),
            "/api/search": (lambda q: lib_route(q), lambda q: get("/api/search", q=q, limit=20), queries),
            "search page /?q=": (lambda q: lib_route(q, PAGE_SIZE), lambda q: get("/", q=q), queries),
            "search page / (no query)": (browse_page, lambda p: get("/", page=p), pages),
            "/api/images/{id}": (lambda i: image_details(ds, i), lambda i: get(f"/api/images/{i}"), ids),
        }
        try:
            for name, (lib, web, items) in routes.items():
                measure(results, name, lib, web, items)
        finally:
            srv.stop()
        # As served (facet cache on): paging through the whole set counts its facets once.
        srv = Server(root, facet_cache=128)
        try:
            measure(results, "search page / paging, cached", browse_page, lambda p: get("/", page=p), pages)
        finally:
            srv.stop()
            ds.close()
    return results


def print_report(r: dict) -> None:
    print(f"\n{r['images']:,} images, {r['requests']} requests per route, one at a time, keep-alive HTTP/1.1")
    print(f"{'route':<30} {'lib p50':>8} {'lib p95':>8} {'web p50':>8} {'web p95':>8}   web / library (p50 / p95)")
    for name, v in r["routes"].items():
        print(f"{name:<30} {v['library_p50']:8.2f} {v['library_p95']:8.2f} {v['web_p50']:8.2f} {v['web_p95']:8.2f}"
              f"   {v['web_p50'] / v['library_p50']:.2f} / {v['web_p95'] / v['library_p95']:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=100, help="per route (a quarter of it without a query)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    result = run(args.images, args.requests)
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
