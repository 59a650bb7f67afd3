"""Ingest at scale: figures per second and CPU seconds per figure, one process vs worker processes vs a
local Dask cluster, measured in one run on the same real figures (issue #18).

    nice python bench/ingest_scale.py [--figures 200] [--workers 2] [--no-cluster]

The figures are real: the CC-BY figures of the demo corpus and the open figures of the separation
development set (eval/devset/open), taken in turn until there are ``--figures``; each copy is
re-saved as PNG with one pixel changed, so that every file has its own content hash (nothing is
cached by hash), in a temporary folder that is deleted at the end.  Each configuration ingests
them into a fresh dataset with ``ingest/stages.run_image_folders`` (as `figdex ingest-images`:
store -> separate, classify and read scales -> no labels, no embedding) after its models were
loaded; model loading and cluster start-up are timed apart.  The datasets are then compared
table by table: the configurations must store the same rows.

Printed: wall seconds, figures/s and the ratio against `--workers 1` of the same run; CPU seconds
per figure (this process + the workers' task time, model loading left out); peak RSS per worker;
and a paper estimate of the wall time of 83,504 figures (EXSCLAIM's "nano" harvest) on 64 cores
and on 8 machines of 16 cores, from the measured CPU seconds per figure with one worker per core,
bounded below by the single writer's own time per figure.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HARVEST = 83_504


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


def run_config(name: str, folder: Path, dataset: Path, workers: int) -> dict:
    from figdex.index.db import Dataset
    from figdex.ingest.executors import DaskExecutor, create_executor
    from figdex.ingest.stages import StageOptions, dump_tables, run_image_folders

    cluster = None
    started = time.monotonic()
    if name == "dask":
        from distributed import LocalCluster

        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                               worker_dashboard_address=None, silence_logs=40)
        executor = DaskExecutor(address=cluster.scheduler_address)
    else:
        executor = create_executor(name, workers=workers)
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
        worker_cpu = executor.task_cpu_seconds() if name != "serial" else 0.0
        rss = sorted(s.peak_rss_mb for s in executor.stats.values())
        if name == "serial":
            from figdex.ingest.executors import _process_usage

            rss = [_process_usage()[1]]
    finally:
        executor.close()
        if cluster is not None:
            cluster.close()
    return {"name": name if name == "serial" else f"{name} x{workers}", "figures": figures,
            "stored": summary.stored, "failed": report.separation.failed if report.separation else 0,
            "warm_s": warm_s, "wall_s": wall, "writer_cpu": writer_cpu, "cpu": writer_cpu + worker_cpu,
            "rss": rss, "tables": tables}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=200, help="figures to ingest (at least 200 for the issue)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-cluster", action="store_true", help="skip the local Dask cluster")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="figdex-ingest-scale-"))
    try:
        folder = tmp / "figures"
        made = make_copies(folder, args.figures)
        print(f"# {len(made)} figures (real figures, each re-saved with one pixel changed) in {folder}; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
        configs = [("serial", 1), ("processes", args.workers)]
        if not args.no_cluster:
            configs.append(("dask", args.workers))
        rows = []
        for name, workers in configs:
            row = run_config(name, folder, tmp / f"ds-{name}", workers)
            rows.append(row)
            print(f"  done: {row['name']}: {row['wall_s']:.1f} s, load average {os.getloadavg()[0]:.1f}", flush=True)
        base = rows[0]
        same = all(r["tables"] == base["tables"] for r in rows[1:])
        print(f"\n{'configuration':16} {'figures':>7} {'load s':>7} {'wall s':>8} {'fig/s':>7} {'vs w1':>6} "
              f"{'CPU s/fig':>9} {'writer CPU s/fig':>16} {'peak RSS/worker MiB':>20}")
        for r in rows:
            rate = r["figures"] / r["wall_s"]
            ratio = base["wall_s"] / r["wall_s"]
            print(f"{r['name']:16} {r['figures']:7d} {r['warm_s']:7.1f} {r['wall_s']:8.1f} {rate:7.3f} {ratio:5.2f}x "
                  f"{r['cpu'] / r['figures']:9.2f} {r['writer_cpu'] / r['figures']:16.3f} "
                  f"{', '.join(f'{m:.0f}' for m in r['rss']):>20}")
        print(f"\nsame tables in every configuration (timestamps aside): {same}")
        # The estimate counts core-seconds, not this run's wall time: on a shared machine the wall ratios
        # also measure how much of the CPUs the other processes left to each configuration.
        par = rows[1]
        core_s = par["cpu"] / par["figures"]  # one worker per core, the writer's share included
        writer_bound = par["writer_cpu"] / par["figures"] * HARVEST
        print(f"\npaper estimate for {HARVEST:,} figures, from {core_s:.2f} CPU s/figure with one worker per core "
              f"(measured with {args.workers} workers, the writer included), assuming the cores are not shared; "
              f"the single writer alone needs {writer_bound / 3600:.2f} h whatever the cores:")
        for label, cores in (("1 core", 1), ("64 cores, one machine", 64), ("8 machines x 16 cores", 128)):
            hours = max(HARVEST * core_s / cores, writer_bound) / 3600
            print(f"  {label:24} {hours:8.2f} h")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
