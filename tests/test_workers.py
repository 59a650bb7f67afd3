"""--workers N and --cluster: the same database as one process, whatever order the workers finish in,
after a kill -9 and a re-run, and with a cluster worker killed mid-run (issue #18).

The cheap tests (default run) check the executors themselves with a task that only waits: results
in input order whatever order the workers finish in, and nothing lost or doubled when a cluster
worker is killed.  The tests on real ingests (worker processes load spaCy, the OCR and the
classifier: minutes on a loaded 2-core machine) are marked slow and run by .ci/run.

The input is real (CC-BY pages of the demo corpus with their figures, and JATS files): one Nature
article two of whose figures go through separation (OCR, scale reading, classification), and JATS
files that are parsed and stored.  Tables are compared whole, row by row and id by id, timestamps
and process ids left out (``stages.dump_tables``).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pytest

from figdex.index.db import Dataset
from figdex.ingest.executors import UnknownExecutorError, create_executor, echo, executor_for
from figdex.ingest.stages import StageOptions, dump_tables, run_image_folders, run_ingest
from tests.conftest import DEMO

PAGE = "s41467-018-06297-9"
NO_EMBED = StageOptions(embedding=False)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A saved article with its figures (separated) and JATS files (parsed), in a folder of their own."""
    root = tmp_path_factory.mktemp("inputs")
    (root / "html").mkdir()
    (root / "figures").mkdir()
    shutil.copy(DEMO / "nature" / "html" / f"{PAGE}.html", root / "html")
    # Two of its four figures saved (the smallest: this machine is slow), the others recorded as missing.
    for n in (3, 4):
        shutil.copy(DEMO / "nature" / "figures" / f"{PAGE}_fig{n}.jpg", root / "figures")
    for name in ("pone.0000217.nxml", "ehp-116-1694.nxml"):
        shutil.copy(DEMO / "jats" / name, root / name)
    return root


def _ingest(root: Path, inputs: Path, executor) -> dict:
    with Dataset.open(root) as ds:
        summary, report = run_ingest(ds, [inputs], executor=executor, options=NO_EMBED)
        assert summary.failed == 0 and report.separation.failed == 0, (summary.failures, report.separation.failures)
        assert report.separation.separated == 2
        return dump_tables(ds)


@pytest.fixture(scope="module")
def serial_tables(inputs, tmp_path_factory) -> dict:
    return _ingest(tmp_path_factory.mktemp("serial") / "ds", inputs, create_executor("serial"))


@pytest.mark.slow
def test_two_worker_processes_give_the_tables_of_one(inputs, serial_tables, tmp_path):
    with create_executor("processes", workers=2) as executor:
        tables = _ingest(tmp_path / "ds", inputs, executor)
        pids = {pid for _, pid in executor.stats}
        assert len(pids) == 2 and os.getpid() not in pids  # the work ran in two other processes
        assert all(s.peak_rss_mb > 0 for s in executor.stats.values())
    assert serial_tables["master_images"] and serial_tables["scale_bars"]  # separation ran and was stored
    assert tables == serial_tables


def test_executor_names_are_checked():
    with pytest.raises(UnknownExecutorError, match="valid names: dask, processes, serial"):
        create_executor("threads")
    assert executor_for(1).name == "serial"


@pytest.mark.parametrize("name, workers", [("serial", 1), ("processes", 2)])
def test_each_worker_runs_one_ocr_cnn_thread_unless_figdex_threads_says(name, workers, monkeypatch):
    # N workers = N cores: the in-process worker of --workers 1 too; this process keeps its own default.
    from figdex import settings

    monkeypatch.delenv("FIGDEX_THREADS", raising=False)
    for env, expected in ((None, 1), ("3", 3)):
        if env:
            monkeypatch.setenv("FIGDEX_THREADS", env)
        with create_executor(name, workers=workers) as executor:
            list(executor.ordered(echo, [(0.05, i) for i in range(6)]))
        assert [s.threads for s in executor.stats.values()] == [expected] * workers
        assert settings.get("threads") == int(env or settings.BY_NAME["threads"].default)


def _out_of_order_tasks(n: int):
    """Tasks whose early ones take longest, so that workers finish them in another order; every third is
    None (the writer's own), which must keep its place."""
    return [None if i % 3 == 2 else (0.05 * (n - i) / n, i) for i in range(n)]


def test_worker_processes_hand_results_back_in_input_order():
    tasks = _out_of_order_tasks(24)
    with create_executor("processes", workers=2) as executor:
        got = list(executor.ordered(echo, tasks, window=6))
        assert len({pid for _, pid in executor.stats}) == 2
    assert [item for item, _ in got] == tasks
    assert [result for _, result in got] == [None if t is None else t[1] for t in tasks]


class CostedEcho(NamedTuple):  # an ``echo`` task (delay, value) with a cost
    delay: float
    value: int
    cost: int


def test_each_batch_starts_its_costliest_tasks_first_and_results_keep_the_input_order():
    from figdex.ingest.executors import ProcessExecutor

    started = []

    class Recording(ProcessExecutor):  # real worker processes; only the order of the submissions is noted
        def submit(self, fn, task):
            started.append(task.value)
            return super().submit(fn, task)

    costs = [1, 5, 2, 9, 0, 3, 7, 7, 4, 8, 6, 2]
    items = [None if i == 4 else CostedEcho(0.0, i, c) for i, c in enumerate(costs)]
    with Recording(workers=2) as executor:
        got = list(executor.ordered(echo, items, window=8))
    # Batches of half the window (4 items), each by cost, ties in input order; item 4 is the writer's own.
    assert started == [3, 1, 2, 0, 6, 7, 5, 9, 10, 8, 11]
    assert [item for item, _ in got] == items
    assert [result for _, result in got] == [None if i == 4 else i for i in range(12)]


def test_a_local_cluster_loses_nothing_when_a_worker_is_killed():
    distributed = pytest.importorskip("distributed")
    from figdex.ingest.executors import DaskExecutor

    tasks = [(0.2, i) for i in range(30)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None,
                                  silence_logs=50) as cluster:
        executor = DaskExecutor(address=cluster.scheduler_address)
        try:
            victim = next(iter(executor._client.run(os.getpid).values()))
            got = []
            for item, result in executor.ordered(echo, tasks, window=10):
                got.append(result)
                if len(got) == 3:  # tasks of later items are queued on the victim now
                    os.kill(victim, signal.SIGKILL)
        finally:
            executor.close()
    assert got == list(range(30))  # each result once, in order, none lost


def _worker_loop_state(dask_worker) -> tuple[bool, float]:
    callbacks = dask_worker.periodic_callbacks
    return callbacks["profile"].is_running(), callbacks["tick"].callback_time


@pytest.mark.parametrize("quiet, expected", [(True, (False, 1000)), (False, (True, 20))])
def test_the_figdex_plugin_quiets_a_dask_worker_s_event_loop_unless_told_not_to(quiet, expected):
    # The statistical profiler (100 stack samples/s) and the 20 ms loop check cost a worker ~16 % of its CPU.
    distributed = pytest.importorskip("distributed")
    import dask
    from figdex.ingest.executors import _worker_setup_plugin

    with dask.config.set({"distributed.admin.tick.interval": "20ms", "distributed.worker.profile.enabled": True}):
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                      worker_dashboard_address=None, silence_logs=50) as cluster:
            with distributed.Client(cluster.scheduler_address) as client:
                assert list(client.run(_worker_loop_state).values()) == [(True, 20)]
                client.register_plugin(_worker_setup_plugin(1, quiet), name="figdex-threads")
                assert list(client.run(_worker_loop_state).values()) == [expected]


# -- kill -9 during a parallel ingest, then a re-run --------------------------------------------------
def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from figdex.cli.main import main; main()", *args]


def _comparable(tables: dict) -> dict:
    """The tables without the record of runs: an interrupted run is (rightly) recorded as one, and rows
    carry the id of the run that wrote them."""
    out = {}
    for name, rows in tables.items():
        if name == "runs":
            continue
        out[name] = rows
    return out


def _tables_without_run_ids(root: Path) -> dict:
    with Dataset.open(root, create=False) as ds:
        return _comparable(dump_tables(ds, drop=("pid", "run_id")))


@pytest.fixture(scope="module")
def cli_reference(inputs, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("reference") / "ds"
    subprocess.run(_cli("ingest", str(inputs), "--dataset", str(root), "--no-embed", "--workers", "1"),
                   check=True, capture_output=True, timeout=600)
    return _tables_without_run_ids(root)


def _kill_and_resume(inputs: Path, root: Path, seconds: float) -> bool:
    """Start a parallel ingest, kill -9 its whole process group after ``seconds``, run it again to the
    end.  Returns whether the kill came before the first run had finished."""
    first = subprocess.Popen(_cli("ingest", str(inputs), "--dataset", str(root), "--no-embed", "--workers", "2"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        first.wait(timeout=seconds)
        killed = False
    except subprocess.TimeoutExpired:
        os.killpg(first.pid, signal.SIGKILL)  # the writer and its workers at once
        first.wait()
        killed = True
    subprocess.run(_cli("ingest", str(inputs), "--dataset", str(root), "--no-embed", "--workers", "2"),
                   check=True, capture_output=True, timeout=600)
    return killed


def _kill_trials(inputs, cli_reference, tmp_path, trials: int, seed: int) -> None:
    rng = random.Random(seed)
    for trial in range(trials):
        # From the start (workers loading models) to past the separation of the figures.
        seconds = rng.uniform(1.0, 25.0)
        root = tmp_path / f"ds{trial}"
        killed = _kill_and_resume(inputs, root, seconds)
        assert _tables_without_run_ids(root) == cli_reference, f"trial {trial}: killed after {seconds:.1f} s"
        with Dataset.open(root, create=False) as ds:
            statuses = [r[0] for r in ds.conn.execute("SELECT status FROM runs ORDER BY id")]
        # A kill before the first run had opened the dataset (workers still loading) leaves no run behind;
        # one after its parse stage had finished (the run row says done) came during the image stages.
        assert statuses in ([["done"], ["interrupted", "done"], ["done", "done"]] if killed
                            else [["done", "done"]]), statuses


@pytest.mark.slow
def test_kill_9_during_a_parallel_ingest_then_rerun_gives_the_same_tables(inputs, cli_reference, tmp_path):
    _kill_trials(inputs, cli_reference, tmp_path, trials=1, seed=int(time.time()))


@pytest.mark.slow
def test_kill_9_at_many_moments(inputs, cli_reference, tmp_path):
    _kill_trials(inputs, cli_reference, tmp_path, trials=6, seed=18)


# -- image folders --------------------------------------------------------------------------------------
@pytest.mark.slow
def test_ingest_images_with_workers_gives_the_tables_of_one(tmp_path):
    folder = tmp_path / "labels"
    folder.mkdir()
    for tif in sorted((Path(__file__).parent / "data" / "scale_labels").glob("*.tif"))[:6]:
        shutil.copy(tif, folder / tif.name)
    tables = []
    for name, workers in (("serial", 1), ("processes", 2)):
        with create_executor(name, workers=workers) as executor, Dataset.open(tmp_path / name) as ds:
            summary, report = run_image_folders(ds, [folder], label="scale label", executor=executor,
                                                options=NO_EMBED)
            assert summary.stored == 6 and report.separation.separated == 6
            tables.append(dump_tables(ds))
    assert tables[0] == tables[1]


# -- a Dask cluster ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_local_dask_cluster_with_a_worker_killed_loses_nothing(inputs, serial_tables, tmp_path):
    distributed = pytest.importorskip("distributed")
    from figdex.ingest.executors import DaskExecutor

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  worker_dashboard_address=None,
                                  silence_logs=40) as cluster:
        executor = DaskExecutor(address=cluster.scheduler_address)
        try:
            executor.warm_up(("parse", "separate"))
            victim = next(iter(executor._client.run(os.getpid).values()))
            killed = []

            def kill_one_worker(path, outcome):
                # During the parse stage: the worker dies with tasks of later files queued on it.
                if not killed:
                    os.kill(victim, signal.SIGKILL)
                    killed.append(path)

            with Dataset.open(tmp_path / "ds") as ds:
                from figdex.ingest.pipeline import ingest_paths
                from figdex.ingest.stages import run_image_stages

                summary = ingest_paths(ds, [inputs], executor=executor, on_file=kill_one_worker)
                report = run_image_stages(ds, executor=executor, options=NO_EMBED)
                assert summary.failed == 0 and report.separation.separated == 2
                tables = dump_tables(ds)
            assert killed
        finally:
            executor.close()
    assert tables == serial_tables


def test_a_worker_started_with_dask_s_malloc_trim_gets_glibc_s_thresholds_back():
    # Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536: every image-sized array is then mapped and
    # faulted in afresh. Counted in page faults (not time): 100 arrays of 2 MB, before and after the fix.
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's mallopt")
    code = """
import resource, numpy as np
from figdex.ingest.executors import undo_fixed_malloc_trim
def faults():
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(100):
        np.ones(2 << 20, np.uint8).sum()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start
before = faults()
print(undo_fixed_malloc_trim(), before, faults())
"""
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}
    applied, before, after = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                            check=True).stdout.split()
    assert applied == "True" and int(before) > 100 * 400 and int(after) < int(before) / 10
    env.pop("MALLOC_TRIM_THRESHOLD_")
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.split()[0] == "False"


GROWING_ARRAYS = """
import resource, numpy as np
def faults(_=None):
    np._core.multiarray._set_madvise_hugepage(False)  # 4 KiB pages, as the OpenCV and PIL buffers get
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for mib in range(1, 31):  # each bigger than the last: glibc's adaptive threshold maps every one afresh
        np.ones(mib << 20, np.uint8).sum()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start
"""
exec(GROWING_ARRAYS)  # noqa: S102 - ``faults`` here, to run in a worker; the same code in a plain process below


def test_worker_processes_keep_image_sized_arrays_on_the_heap():
    # A worker separates figures of 0.1 to 80 megapixels in turn; with glibc's adaptive thresholds every array
    # bigger than any freed before was mapped and faulted in afresh (44 % of a worker's page faults on 14 real
    # figures). Counted in page faults (not time): a worker against a plain process, the same arrays.
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's mallopt")
    with create_executor("processes", workers=2) as executor:
        [(_, in_worker)] = executor.ordered(faults, [0])
    plain = int(subprocess.run([sys.executable, "-c", GROWING_ARRAYS + "print(faults())"], capture_output=True,
                               text=True, check=True).stdout)
    assert plain > 60_000 and in_worker < plain / 4

