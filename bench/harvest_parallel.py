"""Live harvest, sequential vs parallel hosts with the stages overlapped, in one run (issue #18).

    nice python bench/harvest_parallel.py [--delay 1.0] [--workers 1] [--separated 2]

Two HTTP servers on 127.0.0.1 (tests/test_web_support.py) serve the real CC-BY nature.com pages and
figures of demo/corpus, the five articles alternating between them; ``--separated`` figures are
served (the smallest first; the others answer 404 and are stored as missing), so the separation
stage has that much work.  Each configuration harvests into a fresh dataset after its models were
loaded (not timed): fetch -> parse -> store -> separate (no labels, no embedding).

    sequential  FIGDEX_HARVEST_HOSTS=1: one article after another, then the separation stage
    parallel    both hosts at once, each at --delay, the stages working while the downloads go on

Printed: wall seconds of each, the ratio, requests per host, and whether the two datasets hold the
same rows (they must).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' mirror

from figdex.index.db import Dataset  # noqa: E402
from figdex.ingest.executors import create_executor  # noqa: E402
from figdex.ingest.stages import StageOptions, dump_tables, run_image_stages  # noqa: E402
from figdex.ingest.web.harvest import harvest  # noqa: E402
from figdex.ingest.web.scrape import Job, ScrapeSummary, http_config, open_fetcher, run_jobs  # noqa: E402

ARTICLES = ["s41467-018-06211-3", "s41467-018-06297-9", "ncomms11770", "srep23945", "s41598-020-77062-6"]
BY_SIZE = ["41467_2018_6297_Fig3_HTML", "41467_2018_6297_Fig4_HTML", "41467_2018_6297_Fig1_HTML",
           "41467_2018_6297_Fig2_HTML", "41467_2018_6211_Fig1_HTML", "41467_2018_6211_Fig2_HTML",
           "41467_2018_6211_Fig3_HTML", "41467_2018_6211_Fig4_HTML", "41467_2018_6211_Fig5_HTML"]


def _mirrors(separated: int):
    from tests.test_web_support import Mirror, Reply

    served = BY_SIZE[:separated]
    mirrors = []
    for _ in range(2):
        m = Mirror()
        m.serve_nature()
        m.prefixes.insert(0, ("/media.springernature.com/", lambda req, m=m: m.nature_image(req) if any(
            name in req.path for name in served) else Reply(404, b"not mirrored", {"Content-Type": "text/plain"})))
        mirrors.append(m)
    return mirrors


def _run(root: Path, jobs, delay: float, workers: int, parallel: bool) -> float:
    options = StageOptions(labels=False, embedding=False)
    with create_executor("serial" if workers == 1 else "processes", workers=workers) as executor, \
            open_fetcher("requests", http_config(root, min_interval=delay, retries=1, backoff=0.5)) as client:
        executor.warm_up(("parse", "separate"))  # models loaded before the clock starts, in both
        started = time.monotonic()
        with Dataset.open(root) as ds:
            if parallel:
                harvest(ds, client, jobs, summary=ScrapeSummary(), hosts=2, executor=executor, options=options)
            else:
                run_jobs(ds, client, jobs, summary=ScrapeSummary())
        if not parallel:  # as `figdex ingest` did: the stages after the harvest, on the dataset opened again
            with Dataset.open(root) as ds:
                run_image_stages(ds, executor=executor, options=options, warm=True)
        return time.monotonic() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--delay", type=float, default=1.0, help="seconds between two requests to one host")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--separated", type=int, default=2, help="figures served, hence separated (0-9)")
    args = ap.parse_args()
    a, b = _mirrors(args.separated)
    tmp = Path(tempfile.mkdtemp(prefix="figdex-harvest-"))
    try:
        jobs = [Job(f"{m.base}/articles/{i}", "nature") for m, i in zip([a, b, a, b, a], ARTICLES)]
        seconds, tables, requests = {}, {}, {}
        for name, parallel in (("sequential", False), ("parallel", True)):
            root = tmp / name
            before = (len(a.log), len(b.log))
            seconds[name] = _run(root, jobs, args.delay, args.workers, parallel)
            requests[name] = (len(a.log) - before[0], len(b.log) - before[1])
            with Dataset.open(root, create=False) as ds:
                tables[name] = {k: [tuple(str(v).replace(str(root), "<ds>") for v in row) for row in rows]
                                for k, rows in dump_tables(ds).items()}
        for name in seconds:
            print(f"{name:10s} {seconds[name]:7.1f} s   requests host A/B {requests[name][0]}/{requests[name][1]}")
        print(f"parallel / sequential wall time: {seconds['parallel'] / seconds['sequential']:.2f} "
              f"(--delay {args.delay}, --workers {args.workers}, {args.separated} figures separated)")
        print("same rows in every table:", tables["sequential"] == tables["parallel"])
    finally:
        a.close()
        b.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
