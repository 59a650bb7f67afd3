"""Where the CPU-heavy ingest stages run: one interface, three built-in backends.

``serial`` runs each task in this process when the writer asks for its result; ``processes``
runs them in worker processes of this machine (``--workers N``); ``dask`` sends them to a
running Dask distributed scheduler (``--cluster tcp://HOST:8786``).  The stage runner
(``ingest/stages.py``) only calls :meth:`StageExecutor.ordered`, which yields results in the
order of the tasks, whatever order the workers finish in: the single writer then commits them
one source file / one figure per transaction, exactly as a serial run does, so the database is
the same whichever backend ran the work.  At most ``window`` tasks are in flight, so memory
stays bounded however long the input.

**N workers = N cores.**  Each worker, the in-process one of ``serial`` (``--workers 1``)
included, runs the OCR and the CNN with one thread (``worker_threads``), unless FIGDEX_THREADS is
set: then each worker uses that many, N x FIGDEX_THREADS cores in all.  (Before, ``--workers 1``
ran them with the 2 threads of the default, so a "one worker" baseline used both cores of the
target machine and the speed-up of ``--workers 2`` over it looked like 1.3x.)

Tasks are pure functions of small frozen records (``ingest/stages.py``): running one twice
gives the same record and writes nothing to the database, so a task lost with a worker can be
run again anywhere (Dask's scheduler does so by itself) and nothing is written twice.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from figdex.errors import InputError, NotFoundError, UnavailableError

# Tasks in flight per worker.  Results come back in task order, so while the oldest task runs the other
# workers can only work through the rest of the window: it must outlast the slowest task.  Figure costs are
# skewed (an 87-megapixel devset figure takes 55 CPU s where most take 2-4 s), and with 4 per worker the
# second worker sat idle behind each such figure (one reason 2 workers ran at 1.31x of one).  What the writer holds is
# small: a separation's result is under 1 KB pickled, a parsed file's its text and figure records (the
# images are copied to disk by the worker), so 32 per worker stays a few MB.
WINDOW_PER_WORKER = 32


class UnknownExecutorError(NotFoundError):
    pass


class WorkerLostError(UnavailableError):
    """A worker process of this machine died; the database holds every result committed before."""


@dataclass
class WorkerStats:
    """What one worker process used, as it reported with its last result."""

    pid: int
    host: str
    tasks: int = 0
    cpu_seconds: float = 0.0  # user + system of the whole process, model loading included
    peak_rss_mb: float = 0.0
    threads: int = 0  # the OCR/CNN threads its tasks ran with (the threads setting there)


def _process_usage() -> tuple[float, float]:
    """(CPU seconds, peak resident MiB) of the calling process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    try:
        # The kernel's high-water mark of this process's own memory.  ru_maxrss survives execve, so a
        # worker spawned by a big process would report its parent's peak.
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return cpu, int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / (1024 * 1024)  # ru_maxrss: KiB on Linux, bytes on macOS
    return cpu, usage.ru_maxrss * scale


def run_measured(fn: Callable[[Any], Any], task: Any) -> tuple[Any, int, str, float, float, int]:
    """Run ``fn(task)`` in a worker and say which process ran it, what that process used so far and
    with how many OCR/CNN threads."""
    from figdex import settings

    result = fn(task)
    cpu, rss = _process_usage()
    return result, os.getpid(), os.uname().nodename, cpu, rss, settings.get("threads")


def _itself(item):
    return item


def task_cost(task: Any) -> float:
    """What a task is expected to cost relative to the others of its stage (``ordered`` starts the costly
    ones first): its ``cost`` where it has one (a figure's pixels), else 0."""
    return float(getattr(task, "cost", 0) or 0)


def echo(task: tuple[float, Any]) -> Any:
    """A task that waits ``task[0]`` seconds and returns ``task[1]``: checks where tasks run, in what
    order their results come back, and what happens when a worker dies, without loading any model."""
    time.sleep(task[0])
    return task[1]


class StageExecutor(ABC):
    """Runs stage tasks somewhere and hands their results back in task order."""

    name: str = ""

    def __init__(self) -> None:
        self.stats: dict[tuple[str, int], WorkerStats] = {}
        # CPU seconds of each worker once its models were loaded (warm_up): what the tasks used is the rest.
        self.cpu_after_warm_up: dict[tuple[str, int], float] = {}

    @property
    @abstractmethod
    def workers(self) -> int:
        """How many tasks run at once."""

    def warm_up(self, stages: tuple[str, ...]) -> None:
        """Load the models of ``stages`` wherever tasks will run (before any progress bar starts)."""
        self._record_warm(ready(stages))

    def _record_warm(self, marks) -> None:
        pid, host, cpu, _ = marks
        self.cpu_after_warm_up.setdefault((host, pid), cpu)

    def task_cpu_seconds(self) -> float:
        """CPU seconds the workers spent on tasks (model loading left out where warm_up measured it)."""
        return sum(s.cpu_seconds - self.cpu_after_warm_up.get(key, 0.0) for key, s in self.stats.items())

    @abstractmethod
    def submit(self, fn: Callable[[Any], Any], task: Any):
        """A future-like object (``.result()``) of ``run_measured(fn, task)``."""

    def ordered(self, fn: Callable[[Any], Any], items: Iterable[Any], task_of: Callable[[Any], Any] = _itself,
                window: int | None = None) -> Iterator[tuple[Any, Any]]:
        """(item, fn(task_of(item))) in the order of ``items``; an item whose task is None is passed
        through with result None (the writer handles it itself), keeping its place in the order.

        The tasks go to the workers in batches of half the window, each batch largest first (a task's
        ``cost``, e.g. a figure's pixels; 0 when it has none, and ties keep their order): the results still
        come back in input order, but the biggest figures of the run's last batch no longer start last and
        leave the other workers idle at the end.  While one batch is being collected the next is queued,
        so the workers never wait for the writer."""
        window = window or max(1, self.workers * WINDOW_PER_WORKER)
        batch_size = max(1, window // 2)
        pending: deque = deque()  # (item, future or None), submitted, in input order
        batch: list = []  # (item, task) read, not submitted yet
        for item in items:
            batch.append((item, task_of(item)))
            if len(batch) >= batch_size:
                self._submit_largest_first(fn, batch, pending)
                batch = []
                while len(pending) > window - batch_size:
                    yield self.collect(*pending.popleft())
        self._submit_largest_first(fn, batch, pending)
        while pending:
            yield self.collect(*pending.popleft())

    def _submit_largest_first(self, fn, batch: list, pending: deque) -> None:
        futures: dict[int, Any] = {}
        for i in sorted((i for i, (_, task) in enumerate(batch) if task is not None),
                        key=lambda i: -task_cost(batch[i][1])):
            futures[i] = self.submit(fn, batch[i][1])
        pending.extend((item, futures.get(i)) for i, (item, _) in enumerate(batch))

    def collect(self, item, future) -> tuple[Any, Any]:
        """(item, result) of a future from ``submit`` (None: the item is passed through), waiting for it
        and recording its worker's CPU, memory and task count; ``ordered`` is built on these two, and a
        caller with its own order (the live harvest, which separates ahead) uses them directly."""
        if future is None:
            return item, None
        result, pid, host, cpu, rss, threads = future.result()
        stats = self.stats.setdefault((host, pid), WorkerStats(pid, host, threads=threads))
        stats.tasks += 1
        stats.cpu_seconds = max(stats.cpu_seconds, cpu)
        stats.peak_rss_mb = max(stats.peak_rss_mb, rss)
        return item, result

    def close(self) -> None:
        pass

    def __enter__(self) -> "StageExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class SerialExecutor(StageExecutor):
    """Each task runs in this process, when the writer reaches it: one worker, on one core (its models
    load and its tasks run with ``threads`` OCR/CNN threads, default ``worker_threads()``)."""

    name = "serial"

    def __init__(self, workers: int = 1, address: str | None = None, threads: int | None = None) -> None:
        super().__init__()
        self.threads = threads or worker_threads()

    @property
    def workers(self) -> int:
        return 1

    def warm_up(self, stages: tuple[str, ...]) -> None:
        from figdex import settings

        # This process runs the stages itself: the same malloc thresholds as a worker's, so that
        # --workers 1 separates figures as cheaply as each of N workers does (and the ratio is fair).
        set_worker_malloc_thresholds()
        with settings.process_default("threads", self.threads):
            super().warm_up(stages)

    def ordered(self, fn, items, task_of=_itself, window=None):
        for item in items:
            task = task_of(item)
            yield self.collect(item, None if task is None else self.submit(fn, task))

    def submit(self, fn, task):
        from figdex import settings

        # Only the tasks: the writer's own work in this process (the embed stage) keeps its threads.
        with settings.process_default("threads", self.threads):
            return _Done(run_measured(fn, task))

    def describe(self) -> str:
        return f"serial (this process, {_threads(self.threads)})"


class _Done:
    def __init__(self, value) -> None:
        self.value = value

    def result(self):
        return self.value


def _threads(n: int) -> str:
    return f"{n} OCR/CNN thread{'s' if n != 1 else ''} each"


def worker_threads() -> int:
    """OCR/CNN threads of each ingest worker: FIGDEX_THREADS where the user set it, else 1, so that N
    workers use N cores (2 threads per worker on a 2-core machine made two workers fight over them)."""
    from figdex import settings

    value, source = settings.lookup("threads")
    return value if source == settings.BY_NAME["threads"].env else 1


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def undo_fixed_malloc_trim() -> bool:
    """Give glibc's malloc back thresholds near those its adaptive rule reaches, in a worker started with
    MALLOC_TRIM_THRESHOLD_ in its environment (Dask's nanny sets 65536 for every worker it spawns).

    Setting that variable freezes glibc's mmap threshold at 128 KiB: every image-sized temporary array is
    then mapped, zero-filled page by page and unmapped again.  On the separation of 8 real figures it made
    9x the page faults and 7x the system CPU (1.6 -> 11.8 s, 1.4x the wall time), the main reason a
    2-worker Dask cluster ran at 0.61x of 2 worker processes (bench/ingest_scale.py).  True when applied."""
    if not os.environ.get("MALLOC_TRIM_THRESHOLD_"):
        return False
    return set_worker_malloc_thresholds()


def set_worker_malloc_thresholds() -> bool:
    """glibc's mmap threshold at its 32 MiB ceiling and the trim threshold at 64 MiB from the start, in a worker
    process: where its adaptive rule ends only after the worker has freed a mapped block of each size on the
    way, mapping and faulting in every image-sized array afresh until then (a worker separates figures of
    0.1 to 80 megapixels in turn).  The same thresholds as a Dask worker's (``undo_fixed_malloc_trim``), so the
    two executors run tasks alike.  Memory use is unchanged in kind: blocks over 32 MiB are still mapped and
    given back when freed.  True when applied."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(_M_TRIM_THRESHOLD, 64 << 20))


def _init_worker(threads: int) -> None:
    """Set up a worker process before it loads any model: ``threads`` OCR/CNN threads (a FIGDEX_THREADS
    set in its environment still wins) and glibc's memory thresholds (``set_worker_malloc_thresholds``)."""
    from figdex import settings

    settings.set_process_default("threads", threads)  # read by the OCR and the CNN when they load
    set_worker_malloc_thresholds()


def ready(stages: tuple[str, ...], hold: float = 0.0) -> tuple[int, str, float, float]:
    """Load the models of ``stages`` in this process; (pid, host, CPU seconds, peak MiB) after."""
    from figdex.ingest.stages import load_models

    load_models(stages)
    time.sleep(hold)  # a worker held busy lets the other warm-up tasks go to the other workers
    return (os.getpid(), os.uname().nodename, *_process_usage())


class ProcessExecutor(StageExecutor):
    """Worker processes of this machine (``--workers N``); each loads the models once."""

    name = "processes"

    def __init__(self, workers: int | None = None, address: str | None = None, threads: int | None = None) -> None:
        super().__init__()
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._workers = workers or os.cpu_count() or 1
        self.threads = threads or worker_threads()
        # forkserver/spawn: a fork of a process that already runs ONNX Runtime or tantivy threads can
        # deadlock; the workers import figdex afresh instead.
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self._pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context(method),
                                         initializer=_init_worker, initargs=(self.threads,))

    @property
    def workers(self) -> int:
        return self._workers

    def warm_up(self, stages: tuple[str, ...]) -> None:
        futures = [self._pool.submit(ready, stages, 0.2) for _ in range(self._workers)]
        for f in futures:
            self._record_warm(f.result())

    def submit(self, fn, task):
        return self._pool.submit(run_measured, fn, task)

    def collect(self, item, future):
        from concurrent.futures.process import BrokenProcessPool

        try:
            return super().collect(item, future)
        except BrokenProcessPool:
            raise WorkerLostError(
                "a worker process died (killed, or out of memory: each loads its models, about 1 GB); what was "
                "committed is kept: run the same command again, with fewer --workers if memory is short") from None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def describe(self) -> str:
        return f"{self._workers} worker processes, {_threads(self.threads)}"


class DaskExecutor(StageExecutor):
    """A running Dask distributed cluster (``--cluster tcp://HOST:8786``).

    The workers need figdex installed and the input files and the dataset folder at the same
    paths (a shared filesystem, as on an HPC cluster): they read the sources and write the
    content-addressed image copies; only this process writes the database.  A worker that dies
    has its tasks run again on another by the scheduler."""

    name = "dask"

    def __init__(self, workers: int | None = None, address: str | None = None, threads: int | None = None) -> None:
        super().__init__()
        self.threads = threads or worker_threads()
        try:
            from distributed import Client
        except ImportError:
            raise UnavailableError("--cluster needs Dask distributed: pip install 'figdex[cluster]'") from None
        if not address:
            raise UnknownExecutorError("the dask executor needs a scheduler address, e.g. --cluster tcp://HOST:8786")
        try:
            self._client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise UnavailableError(f"no Dask scheduler answers at {address} ({exc}); start one with "
                                   f"`dask scheduler` and workers with `dask worker {address}`") from None
        self.address = address

    @property
    def workers(self) -> int:
        threads = self._client.nthreads()
        return max(1, sum(threads.values()))

    def warm_up(self, stages: tuple[str, ...]) -> None:
        # Before the models load, on every worker and on any that joins or restarts later.
        from figdex import settings

        self._client.register_plugin(_worker_setup_plugin(self.threads, settings.get("cluster_quiet_workers")),
                                     name="figdex-threads")
        for marks in self._client.run(ready, stages).values():
            self._record_warm(marks)

    def submit(self, fn, task):
        # pure=False: a task is never taken from another run's results by its key.
        return self._client.submit(run_measured, fn, task, pure=False)

    def close(self) -> None:
        self._client.close()

    def describe(self) -> str:
        return f"dask at {self.address} ({self.workers} worker threads, {_threads(self.threads)})"


def _worker_setup_plugin(threads: int, quiet: bool = True):
    """A Dask worker plugin that sets each worker up as ``_init_worker`` does a local one: ``threads``
    OCR/CNN threads per worker thread (start one worker process per core, `dask worker ADDRESS --nworkers
    N --nthreads 1`; with two, ONNX Runtime's spinning threads burnt ~2.7x the CPU per figure on a busy
    2-core machine) and glibc's adaptive memory thresholds back (``undo_fixed_malloc_trim``); with ``quiet``
    (the setting ``cluster_quiet_workers``) its event loop wakes less often (``quiet_worker_event_loop``)."""
    from distributed import WorkerPlugin

    class FigdexWorker(WorkerPlugin):
        def setup(self, worker) -> None:
            _init_worker(threads)
            if quiet:
                quiet_worker_event_loop(worker)

    return FigdexWorker()


# A Dask worker's own periodic work, (callback name, what a figdex worker needs): None stops it, a number is
# the new interval in ms.  The statistical profiler samples every thread's stack 100 times a second and the
# event-loop health check runs 50 times a second; each wake-up takes the GIL from the task thread.
QUIET_WORKER_CALLBACKS = (("profile", None), ("profile-cycle", None), ("tick", 1000))


def quiet_worker_event_loop(worker) -> list[str]:
    """Stop a Dask worker's statistical profiler and check its event loop once a second instead of 50 times.

    On a 1-thread worker separating 16 real figures its event-loop thread used 17.5 CPU s beside the task
    thread's 89.7 (16 %; py-spy: a fifth of it in the profiler, most of the rest the event loop's own
    wake-up work), what made a Dask worker cost ~18 % more CPU per figure than a worker process.  Heartbeats,
    the memory monitor (which pauses or restarts a worker near its memory limit) and task traffic are left
    alone; the dashboard's profile pages stay empty.  The names of what was changed."""
    changed = []
    for name, interval in QUIET_WORKER_CALLBACKS:
        callback = worker.periodic_callbacks.get(name)
        if callback is None:
            continue
        if interval is None:
            callback.stop()
        else:
            callback.callback_time = interval
        changed.append(name)
    return changed


EXECUTORS: dict[str, type[StageExecutor]] = {}


def register_executor(cls: type[StageExecutor]) -> type[StageExecutor]:
    EXECUTORS[cls.name] = cls
    return cls


for _cls in (SerialExecutor, ProcessExecutor, DaskExecutor):
    register_executor(_cls)


def create_executor(name: str, workers: int | None = None, address: str | None = None,
                    threads: int | None = None) -> StageExecutor:
    """The executor registered as ``name`` (``threads``: OCR/CNN threads per worker, default
    ``worker_threads()``); unknown names fail listing the valid ones."""
    try:
        cls = EXECUTORS[name]
    except KeyError:
        raise UnknownExecutorError(f"unknown executor {name!r}; valid names: {', '.join(sorted(EXECUTORS))}") from None
    return cls(workers=workers, address=address, threads=threads)


def executor_for(workers: int | None = None, cluster: str | None = None) -> StageExecutor:
    """What ``--workers N`` / ``--cluster ADDRESS`` ask for: a cluster when an address is given, worker
    processes for N > 1 (default: the setting ``workers``, the machine's cores), else serial."""
    from figdex import settings

    if cluster:
        return create_executor("dask", address=cluster)
    workers = workers if workers is not None else settings.get("workers")
    if workers < 1:
        raise InputError(f"--workers {workers}: give 1 or more (FIGDEX_WORKERS too)")
    return create_executor("processes" if workers > 1 else "serial", workers=workers)
