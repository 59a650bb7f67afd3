"""Ingest at scale: figures per second and CPU seconds per figure, one worker vs worker processes vs a
local Dask cluster, measured in one run on the same real figures (issue #18).

    nice -n 10 python bench/ingest_scale.py --figures 200          # the issue's run (~40 min on a quiet
                                                                    # 2-core machine; hours on a loaded one)
    python bench/ingest_scale.py --figures 12                       # a quick check that it all works

N workers = N cores (``ingest/executors.py``): each worker, the in-process one of ``--workers 1``
included, runs the OCR and the CNN on one thread.  The configurations, each in a fresh Python process:

    --workers 1              serial, this process, one OCR/CNN thread: the baseline of the ratios
    old --workers 1          serial with FIGDEX_THREADS=2, what --workers 1 meant before (both cores
                             of a 2-core machine): shown so that the change of meaning is visible
    --workers N              N worker processes (``--workers``, default 2), one thread each
    --cluster (Dask, N)      a LocalCluster of N worker processes with one thread each (as
                             `dask worker ADDRESS --nworkers N --nthreads 1`), its scheduler in the
                             bench's child process

``--configs`` picks some of them (w1, old, workers, dask).  The figures are real: the CC-BY figures of
the demo corpus and the open figures of the separation development set (eval/devset/open), taken in
turn until there are ``--figures``; each copy is re-saved as PNG with one pixel changed, so that every
file has its own content hash (nothing is cached by hash), in a temporary folder deleted at the end.
Each configuration ingests them into a fresh dataset with ``ingest/stages.run_image_folders`` (as
`figdex ingest-images`: store -> separate, classify and read scales -> no labels, no embedding) after
its models were loaded; model loading and cluster start-up are timed apart ("load s").  The datasets
are then compared table by table (a digest per table): the configurations must store the same rows.

Printed: wall seconds, figures/s and the ratio against `--workers 1` of the same run; CPU seconds per
figure (the writer process + the workers' task time, model loading left out); the writer's own CPU per
figure; the OCR/CNN threads and peak RSS of each worker; the load average around each configuration
(on a shared machine the wall ratios also measure what the other jobs left); and a paper estimate of
the wall time of 83,504 figures (EXSCLAIM's "nano" harvest) on 64 cores and on 8 machines of 16 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HARVEST = 83_504
CONFIGS = {  # key -> (label, executor name, FIGDEX_THREADS for the child or None)
    "w1": ("--workers 1", "serial", None),
    "old": ("old --workers 1 (2 thr)", "serial", "2"),
    "workers": ("--workers {n}", "processes", None),
    "dask": ("--cluster (Dask, {n})", "dask", None),
}


def real_figures() -> list[Path]:
    demo = sorted((REPO / "demo" / "corpus" / "nature" / "figures").glob("*.jpg"))
    devset = sorted(p for p in (REPO / "eval" / "devset" / "open").rglob("*")
                    if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    return demo + devset


def make_copies(out: Path, n: int) -> list[Path]:
    """``n`` PNG copies of real figures, the i-th with one pixel changed (distinct content hashes)."""
    from PIL import Image

    sources = real_figures()
    if not sources:
        raise SystemExit("no figures found under demo/corpus and eval/devset/open")
    out.mkdir(parents=True)
    made = []
    for i in range(n):
        src = sources[i % len(sources)]
        with Image.open(src) as im:
            im = im.convert("RGB")
            x, y = i % im.width, (i // im.width) % im.height
            r, g, b = im.getpixel((x, y))
            im.putpixel((x, y), ((r + 1 + i // len(sources)) % 256, g, b))
            path = out / f"{i:04d}_{src.stem}.png"
            im.save(path)
        made.append(path)
    return made


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_config(kind: str, folder: Path, dataset: Path, workers: int) -> dict:
    """One configuration, in this (fresh) process: what the parent prints."""
    from figdex import settings
    from figdex.index.db import Dataset
    from figdex.ingest.executors import DaskExecutor, _process_usage, create_executor
    from figdex.ingest.stages import StageOptions, dump_tables, run_image_folders

    cluster = None
    load0 = os.getloadavg()[0]
    started = time.monotonic()
    if kind == "dask":
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               worker_dashboard_address=None, silence_logs=40)
        executor = DaskExecutor(address=cluster.scheduler_address)
    else:
        executor = create_executor(kind, workers=workers)
    try:
        executor.warm_up(("separate",))
        warm_s = time.monotonic() - started
        cpu0, t0 = cpu_self(), time.monotonic()
        with Dataset.open(dataset) as ds:
            summary, report = run_image_folders(ds, [folder], executor=executor,
                                                options=StageOptions(labels=False, embedding=False))
            wall = time.monotonic() - t0
            writer_cpu = cpu_self() - cpu0
            tables = dump_tables(ds)
        figures = report.separation.separated if report.separation else 0
        if kind == "serial":  # the tasks ran in this process: its CPU is the writer's and the worker's
            worker_cpu, rss, threads = 0.0, [_process_usage()[1]], [executor.threads]
        else:
            worker_cpu = executor.task_cpu_seconds()
            stats = sorted(executor.stats.values(), key=lambda s: s.peak_rss_mb)
            rss, threads = [s.peak_rss_mb for s in stats], [s.threads for s in stats]
    finally:
        executor.close()
        if cluster is not None:
            cluster.close()
    digests = {name: hashlib.sha256(repr(rows).encode()).hexdigest() for name, rows in tables.items()}
    return {"figures": figures, "stored": summary.stored,
            "failed": report.separation.failed if report.separation else 0, "warm_s": warm_s, "wall_s": wall,
            "writer_cpu": writer_cpu, "cpu": writer_cpu + worker_cpu, "rss": rss, "threads": threads,
            "threads_here": settings.get("threads"), "tables": digests,
            "load": [load0, os.getloadavg()[0]]}


def run_child(key: str, folder: Path, dataset: Path, workers: int) -> dict:
    """``run_config`` in a fresh Python process: each configuration loads its own models with its own
    threads and reports its own peak memory."""
    env = {k: v for k, v in os.environ.items() if k != "FIGDEX_THREADS"}
    threads = CONFIGS[key][2]
    if threads:
        env["FIGDEX_THREADS"] = threads
    out = dataset.with_suffix(".json")
    subprocess.run([sys.executable, __file__, "--child", key, "--folder", str(folder), "--dataset", str(dataset),
                    "--workers", str(workers), "--out", str(out)], env=env, check=True)
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=200, help="figures to ingest (at least 200 for the issue)")
    parser.add_argument("--workers", type=int, default=2, help="workers of the parallel configurations")
    parser.add_argument("--configs", default="w1,old,workers,dask",
                        help=f"which configurations, in order (of {', '.join(CONFIGS)}); w1 is the baseline")
    parser.add_argument("--no-cluster", action="store_true", help="skip the local Dask cluster")
    parser.add_argument("--child", choices=CONFIGS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dataset", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind = CONFIGS[args.child][1]
        result = run_config(kind, args.folder, args.dataset, 1 if kind == "serial" else args.workers)
        args.out.write_text(json.dumps(result))
        return

    keys = [k.strip() for k in args.configs.split(",") if k.strip()]
    if args.no_cluster:
        keys = [k for k in keys if k != "dask"]
    unknown = [k for k in keys if k not in CONFIGS]
    if unknown or not keys:
        raise SystemExit(f"--configs: unknown {unknown}; give some of {', '.join(CONFIGS)}")
    tmp = Path(tempfile.mkdtemp(prefix="figdex-ingest-scale-"))
    try:
        folder = tmp / "figures"
        made = make_copies(folder, args.figures)
        print(f"# {len(made)} figures (real figures, each re-saved with one pixel changed) in {folder}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; "
              f"each configuration in a fresh process, FIGDEX_THREADS unset but for the old --workers 1 (2)", flush=True)
        rows = []
        for key in keys:
            label = CONFIGS[key][0].format(n=args.workers)
            row = {"key": key, "name": label, **run_child(key, folder, tmp / f"ds-{key}", args.workers)}
            rows.append(row)
            print(f"  done: {label}: {row['figures']} figures in {row['wall_s']:.1f} s, "
                  f"load average {row['load'][0]:.1f} -> {row['load'][1]:.1f}", flush=True)
        report(rows, args.workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def report(rows: list[dict], workers: int) -> None:
    base = next((r for r in rows if r["key"] == "w1"), rows[0])
    same = all(r["tables"] == base["tables"] for r in rows)
    print(f"\n{'configuration':24} {'figures':>7} {'load s':>7} {'wall s':>8} {'fig/s':>7} {'vs w1':>6} "
          f"{'CPU s/fig':>9} {'writer CPU s/fig':>16} {'threads':>8} {'peak RSS/worker MiB':>20} {'load avg':>10}")
    for r in rows:
        rate = r["figures"] / r["wall_s"]
        print(f"{r['name']:24} {r['figures']:7d} {r['warm_s']:7.1f} {r['wall_s']:8.1f} {rate:7.3f} "
              f"{base['wall_s'] / r['wall_s']:5.2f}x {r['cpu'] / r['figures']:9.2f} "
              f"{r['writer_cpu'] / r['figures']:16.3f} {','.join(map(str, r['threads'])):>8} "
              f"{', '.join(f'{m:.0f}' for m in r['rss']):>20} {r['load'][0]:4.1f}-{r['load'][1]:<4.1f}")
    print(f"\nsame tables in every configuration (timestamps aside): {same}")
    pairs = {r["key"]: r for r in rows}
    if "workers" in pairs and "dask" in pairs:
        print(f"cluster vs --workers {workers}: {pairs['workers']['wall_s'] / pairs['dask']['wall_s']:.2f}x "
              f"(the issue: within 15 %, i.e. >= 0.85x)")
    if "old" in pairs:
        print(f"old --workers 1 (2 OCR/CNN threads) vs --workers 1: {base['wall_s'] / pairs['old']['wall_s']:.2f}x")
    estimate(pairs.get("workers") or base, workers if "workers" in pairs else 1)


def estimate(par: dict, workers: int) -> None:
    """83,504 figures on bigger machines, two ways: from core-seconds (unshared cores, linear scaling, the
    single writer as the floor) and from this run's wall rate per worker scaled by the cores."""
    core_s = par["cpu"] / par["figures"]  # one worker per core, the writer's share included
    writer_floor = par["writer_cpu"] / par["figures"] * HARVEST
    per_worker_rate = par["figures"] / par["wall_s"] / workers
    print(f"\npaper estimate for {HARVEST:,} figures, from the {par['name']} row: (a) {core_s:.2f} CPU s/figure "
          f"with one worker per core, the writer included, on unshared cores; (b) its wall rate, "
          f"{per_worker_rate:.3f} figures/s per worker, times the cores (includes this machine's other load). "
          f"The single writer alone needs {writer_floor / 3600:.2f} h whatever the cores; same figure mix.")
    for label, cores in (("1 core", 1), ("64 cores, one machine", 64), ("8 machines x 16 cores", 128)):
        cpu_h = max(HARVEST * core_s / cores, writer_floor) / 3600
        wall_h = max(HARVEST / (per_worker_rate * cores), writer_floor) / 3600
        print(f"  {label:24} (a) {cpu_h:8.2f} h   (b) {wall_h:8.2f} h")


if __name__ == "__main__":
    main()
