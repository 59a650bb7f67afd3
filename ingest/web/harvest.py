"""Live harvests in parallel: different hosts fetched at once, downloading overlapped with the stages.

The articles of a harvest are split into lanes, one per host their documents come from
(``Fetcher.clock_key``: arXiv's two hosts are one lane).  Up to ``harvest_hosts`` lanes run at
once, each in a thread that fetches its articles one after another through the one shared client,
whose per-host lock, clock, robots.txt, backoff and cache are those of a sequential harvest
(``http.py``): a host sees exactly the requests, and the spacing, it saw before.

Only this thread, the writer, touches the database.  It stores the articles in the order of the
jobs, one page per transaction and one ``runs`` row per source, as ``scrape.run_jobs`` does, and
takes each article's counters and events at its turn: the database and the summary are those of a
sequential harvest whatever order the downloads finish in.  While it waits for the next article it
hands the stage executor (``--workers``) work ahead: the analysis (parsing, caption split, image
copies) of pages already downloaded, and the separation of figures already stored.  Separations are
held, not stored: the separation stage then stores every figure in the order of its id, as after a
sequential harvest, taking a held result where its task (the whole record: image, sub-captions, OCR)
is the one it would have sent, and computing the rest; master images get the ids of a sequential run.

A kill -9 anywhere resumes as a sequential harvest does: what was downloaded is on disk and in the
HTTP cache, what was stored is recorded per page, and held separations are only computed again.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from concurrent.futures import Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from figdex.index.db import Dataset
from figdex.ingest.executors import StageExecutor
from figdex.ingest.stages import NoProgress, Progress, StageOptions
from figdex.ingest.web.fetchers import Fetcher
from figdex.ingest.web.scrape import (ArticleDownloader, ArticleWriter, Downloaded, Job, ScrapeSummary,
                                      group_run_params, job_groups)
from figdex.ingest.web.search import Family, family_for_url, get_family

# Separations held for the separation stage at most (a result is a few kB: boxes, labels, OCR text);
# figures past it are separated by the stage itself, after the harvest.
MAX_HELD_SEPARATIONS = 5000
# Downloaded pages ahead of the writer whose analysis may be handed out (their results are held).
ANALYSIS_LOOKAHEAD = 32
# What a download counts, added to the harvest's summary at the article's turn.
_DOWNLOAD_COUNTS = ("fetched", "cached", "images_fetched", "images_present", "images_not_fetched",
                    "attachments_fetched", "attachments_present")
_DOWNLOAD_LISTS = ("image_failures", "attachment_failures")


@dataclass
class _Item:
    index: int
    group: int
    url: str
    family: Family
    lane: str
    inline: bool  # its page is saved by an earlier item too: the writer fetches it at its turn, as before
    future: Future = field(default_factory=Future)  # (Downloaded, counters, events) from its lane


def harvest(ds: Dataset, fetcher: Fetcher, jobs: list[Job], *, base_url: str | None = None, force: bool = False,
            summary: ScrapeSummary, on_event=None, executor: StageExecutor | None = None,
            options: StageOptions = StageOptions(), hosts: int = 4, progress: Progress | None = None):
    """Fetch and store the planned articles, hosts in parallel (at most ``hosts`` at once), then run
    the separation stage (when ``options.separation``) with what was separated ahead.  Returns
    (summary, StagesReport or None); the label and embedding stages are left to the caller."""
    from figdex.ingest.executors import SerialExecutor
    from figdex.ingest.stages import run_image_stages

    progress = progress or NoProgress()
    executor = executor or SerialExecutor()
    groups = job_groups(jobs)
    items = _plan(groups, fetcher, base_url)
    executor.warm_up(("parse", "separate") if options.separation else ("parse",))  # before any bar
    known = {row["path"]: row for row in ds.conn.execute("SELECT path, sha256, status FROM source_files")}
    lanes = _Lanes(items, hosts, ArticleSource(ds.root, fetcher, base_url, force, known))
    ahead = _Ahead(ds, executor, options, items, groups, force)
    writer, writer_group, status = None, None, "interrupted"
    progress.start("fetch", len(items))
    try:
        for item in items:
            if writer is None or item.group != writer_group:
                if writer is not None:
                    writer.close("done")
                writer_group, group = item.group, groups[item.group]
                writer = ArticleWriter.start(ds, list(dict.fromkeys(j.url for j in group)), group[0].family,
                                             base_url, force, group[0].keywords, summary, on_event,
                                             group_run_params(group, summary))
            if item.inline:
                got = ArticleDownloader(ds.root, fetcher, base_url, force, summary, writer.emit,
                                        ds.source_file).download(item.url, item.family)
            else:
                while not item.future.done():
                    if not ahead.step(item.index):
                        wait([item.future], timeout=0.05)
                got, counts, events = item.future.result()
                _add_counts(summary, counts)
                for event in events:
                    writer.emit(event)
            writer.commit(got, analyse=ahead.analysis)
            progress.advance(1, ahead.stored())
        status = "done"
    finally:
        lanes.stop()
        if writer is not None:
            writer.close(status)
        progress.finish()
    if not options.separation:
        return summary, None
    from figdex.index.tantivy_index import flush_pending

    # The embedded text index in step with the rows here, where a sequential harvest leaves it before
    # its stages (it closes the dataset): its state row then reads the same.
    flush_pending(ds.conn, ds.root)
    held = _Held(executor, ahead.separations)
    report = run_image_stages(ds, executor=held, options=replace(options, labels=False, embedding=False),
                              progress=_HeldProgress(progress, held, ds), warm=True)
    return summary, report


def _plan(groups: list[list[Job]], fetcher: Fetcher, base_url: str | None) -> list[_Item]:
    """The articles in the order of the jobs, each group's URLs once (as ``scrape_urls`` takes them)."""
    items: list[_Item] = []
    pages: set = set()
    for g, group in enumerate(groups):
        forced = get_family(group[0].family) if group[0].family else None
        for url in dict.fromkeys(j.url for j in group):
            family = forced or family_for_url(url)
            page = (family.name, family.page_name(url))
            lane = fetcher.clock_key(family.article_request_url(url, base_url))
            items.append(_Item(len(items), g, url, family, lane, page in pages))
            pages.add(page)
    return items


@dataclass(frozen=True)
class ArticleSource:
    """What a lane needs to download an article (no database: ``known`` is what ``source_files`` held
    when the harvest began; no page of a lane's items is stored by another item of the harvest)."""

    root: Path
    fetcher: Fetcher
    base_url: str | None
    force: bool
    known: dict

    def download(self, item: _Item) -> tuple[Downloaded, ScrapeSummary, list]:
        counts, events = ScrapeSummary(), []
        got = ArticleDownloader(self.root, self.fetcher, self.base_url, self.force, counts, events.append,
                                self.known.get).download(item.url, item.family)
        return got, counts, events


class _Lanes:
    """Threads that download the lanes' articles, each lane's in order, ``hosts`` lanes at once."""

    def __init__(self, items: list[_Item], hosts: int, source: ArticleSource):
        self._stop = threading.Event()
        lanes: dict[str, list[_Item]] = {}
        for item in items:
            if not item.inline:
                lanes.setdefault(item.lane, []).append(item)
        self._queue: queue.Queue = queue.Queue()
        for lane in lanes.values():  # in the order of their first article: the writer needs those first
            self._queue.put(lane)
        self._source = source
        # Daemon threads: an interrupted harvest does not wait for a lane's current request.
        self._threads = [threading.Thread(target=self._run, daemon=True, name=f"figdex-harvest-{i}")
                         for i in range(max(1, min(hosts, len(lanes))))]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                lane = self._queue.get_nowait()
            except queue.Empty:
                return
            for item in lane:
                if self._stop.is_set():
                    return
                try:
                    item.future.set_result(self._source.download(item))
                except BaseException as exc:  # noqa: BLE001  raised by the writer at this article's turn
                    item.future.set_exception(exc)
                    break  # the writer stops there, as a sequential harvest would

    def stop(self) -> None:
        self._stop.set()


def _add_counts(summary: ScrapeSummary, counts: ScrapeSummary) -> None:
    for name in _DOWNLOAD_COUNTS:
        setattr(summary, name, getattr(summary, name) + getattr(counts, name))
    for name in _DOWNLOAD_LISTS:
        getattr(summary, name).extend(getattr(counts, name))


def _done(future) -> bool:
    done = getattr(future, "done", None)
    return True if done is None else done()


def analyse_downloaded(task):
    """``stages.analyse_file`` in a worker, with its image-folder listings read afresh (a long-lived
    worker may have listed a folder before the harvest saved more into it)."""
    from figdex.ingest.images import clear_cache
    from figdex.ingest.stages import analyse_file

    clear_cache()
    return analyse_file(task)


class _Ahead:
    """The work the writer hands out while it waits: analyses of downloaded pages, then separations of
    stored figures, at most ``window`` in flight (in this thread, one at a time, for a serial executor)."""

    def __init__(self, ds: Dataset, executor: StageExecutor, options: StageOptions, items: list[_Item],
                 groups: list[list[Job]], force: bool):
        from figdex.ingest.separate import pending_figures

        self.ds, self.executor, self.options, self.items, self.groups, self.force = \
            ds, executor, options, items, groups, force
        self.window = max(2, 2 * executor.workers)
        self.analyses: dict = {}  # FileTask -> future
        self.separations: dict = {}  # FigureTask -> future, held for the separation stage
        self._analysed: set[int] = set()
        self._running: list = []  # futures handed out and maybe not done
        self._to_separate: deque = deque(pending_figures(ds) if options.separation else ())
        self._last_figure = ds.conn.execute("SELECT coalesce(max(id), 0) FROM figures").fetchone()[0]

    def _in_flight(self) -> int:
        self._running = [f for f in self._running if not _done(f)]
        return len(self._running)

    def _submit(self, fn, task):
        future = self.executor.submit(fn, task)
        self._running.append(future)
        return future

    def step(self, waiting: int) -> bool:
        """Hand out one piece of work; False when there is none to hand out now."""
        if self._in_flight() >= self.window:
            return False
        for item in self.items[waiting + 1:waiting + 1 + ANALYSIS_LOOKAHEAD]:
            if item.inline or item.index in self._analysed or not item.future.done():
                continue
            self._analysed.add(item.index)
            task = self._file_task(item)
            if task is not None and task not in self.analyses:
                self.analyses[task] = self._submit(analyse_downloaded, task)
                return True
        while self._to_separate and len(self.separations) < MAX_HELD_SEPARATIONS:
            from figdex.ingest.separate import figure_task
            from figdex.ingest.stages import separate_figure

            fig_id = self._to_separate.popleft()
            if self.ds.conn.execute("SELECT 1 FROM figures WHERE id = ? AND image_status = 'ok'",
                                    (fig_id,)).fetchone() is None:
                continue  # replaced by a later page of the harvest: nothing to separate ahead
            task = figure_task(self.ds, fig_id, self.options.ocr)
            self.separations[task] = self._submit(separate_figure, task)
            return True
        return False

    def _file_task(self, item: _Item):
        """The task ``pipeline._ingest_file`` will make of this page at its turn, or None (nothing to
        analyse); the writer checks the database again then, and computes it if it differs."""
        from figdex.index.db import sha256_file
        from figdex.ingest.stages import FileTask

        if item.future.exception() is not None:
            return None
        got = item.future.result()[0]
        if got.outcome is not None or got.unchanged or got.parser is None:
            return None
        abs_path = str(got.page.resolve())
        digest = sha256_file(got.page)
        previous = self.ds.source_file(abs_path)
        force = self.force or got.attachments_fetched > 0
        if previous is not None and previous["sha256"] == digest and previous["status"] != "failed" and not force:
            return None
        return FileTask(str(got.page), abs_path, digest, got.parser.name, str(self.ds.root),
                        self.groups[item.group][0].keywords)

    def analysis(self, task):
        """The analysis of a page at its turn: the one computed ahead, else computed now."""
        future = self.analyses.pop(task, None)
        if future is None:
            future = self.executor.submit(analyse_downloaded, task)
        return self.executor.collect(task, future)[1]

    def stored(self) -> int:
        """Figures the last commit added; those to separate are queued to be separated ahead."""
        from figdex.ingest.separate import METHOD

        rows = self.ds.conn.execute("SELECT id, image_status, separation_status, separated_with FROM figures "
                                    "WHERE id > ? ORDER BY id", (self._last_figure,)).fetchall()
        for fig_id, image_status, status, method in rows:
            if self.options.separation and image_status == "ok" and (status is None or method != METHOD):
                self._to_separate.append(fig_id)
            self._last_figure = fig_id
        return len(rows)


class _Held(StageExecutor):
    """The stage executor with the separations computed during the harvest: a task it is given again
    takes its held result, any other runs as usual."""

    name = "held"

    def __init__(self, inner: StageExecutor, held: dict):
        super().__init__()
        self.inner, self.held = inner, held
        self.stats, self.cpu_after_warm_up = inner.stats, inner.cpu_after_warm_up
        self._kept = list(held.values())  # alive, so that their ids stay theirs
        self.free: set[int] = set()
        self.last_was_free = False

    @property
    def workers(self) -> int:
        return self.inner.workers

    def warm_up(self, stages) -> None:
        self.inner.warm_up(stages)

    def submit(self, fn, task):
        future = self.held.pop(task, None)
        return future if future is not None else self.inner.submit(fn, task)

    def collect(self, item, future):
        self.last_was_free = id(future) in self.free
        return self.inner.collect(item, future)

    def freeze(self, pending: set[int]) -> int:
        """Mark the held results already computed for figures still pending; returns how many."""
        self.free = {id(f) for task, f in self.held.items() if task.fig_id in pending and _done(f)}
        return len(self.free)


class _HeldProgress:
    """The separation bar counts only the figures separated while it runs: one computed during the
    harvest costs nothing now and would make its ETA a lie."""

    def __init__(self, progress: Progress, held: _Held, ds: Dataset):
        self.progress, self.held, self.ds, self.stage = progress, held, ds, ""

    def start(self, stage: str, total: int) -> None:
        from figdex.ingest.separate import pending_figures

        self.stage = stage
        if stage == "separate":
            total -= self.held.freeze(set(pending_figures(self.ds)))
        self.progress.start(stage, max(0, total))

    def advance(self, n: int = 1, figures: int = 0) -> None:
        if self.stage == "separate" and self.held.last_was_free:
            return
        self.progress.advance(n, figures)

    def finish(self) -> None:
        self.progress.finish()
