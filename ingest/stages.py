"""The ingest stages in order, in one place: parse -> prepare -> store -> separate -> scale -> label -> embed.

    parse    a source file into articles and figures          (worker: ``analyse_file``)
    prepare  bound and split captions, copy images             (worker: ``analyse_file``)
    store    articles, figures, sub-captions, one file per transaction            (writer)
    separate split each stored figure into master images, OCR its panel labels,
    scale    read its scale bars, databar and instrument tags, and classify its
             masters                                           (worker: ``separate_figure``)
             stored one figure per transaction                                    (writer)
    label    caption/abstract/topic labels from the dataset's label model, if any (writer)
    embed    CNN vectors and the FAISS index, when figdex[ml] is installed       (writer)
    captions sentence vectors of new captions and the text-image alignment kept in step, in
             datasets that keep caption vectors (`figdex index embed` with figdex[semantic]) (writer)

The worker steps are pure functions from a small frozen task record to a result record: they read
files, copy content-addressed images into the dataset folder, and never touch SQLite, so an
executor (``ingest/executors.py``: this process, worker processes, or a Dask cluster) may run
them anywhere, and again if a worker dies.  The writer (the process that calls ``run_ingest``)
commits results in input order, as a serial run does: the database is the same, table for
table, with --workers 1 or N.  Each stage finishes before the next starts (the ids of master
images follow the order of their writes, as in a serial run).

The CLI (``figdex ingest``, ``ingest-images``), the demo and the live scraper call these.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol

from figdex.index.db import Dataset, StoredImage

STAGE_ORDER = ("parse", "separate", "label", "embed", "captions")


# -- worker tasks -------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileTask:
    """One article file to parse and prepare."""

    path: str
    abs_path: str
    digest: str  # sha256 of the file when it was planned
    parser: str  # registry name of its parser
    root: str  # the dataset folder, where images are copied
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileAnalysis:
    """What a file gave: [(ParsedArticle, [(Figure, StoredImage | None, CaptionSplit)])], or why it failed."""

    prepared: tuple = ()
    limited: tuple = ()  # (path, what a bound cut or refused)
    failure: str | None = None
    truncated: str | None = None  # why the file is cut short, when it is

    @property
    def figures(self) -> int:
        return sum(len(figs) for _, figs in self.prepared)


def analyse_file(task: FileTask, parser=None) -> FileAnalysis:
    """Parse one file, bound and split its captions, copy its images (``pipeline.analyse_parsed``)."""
    from figdex.ingest.pipeline import analyse_parsed
    from figdex.ingest.sources.base import get_parser
    from figdex.ingest.sources.truncated import truncation_reason

    path = Path(task.path)
    prepared, limited, failure = analyse_parsed(Path(task.root), path, parser or get_parser(task.parser),
                                                task.keywords)
    if failure is not None:
        return FileAnalysis(limited=tuple(limited), failure=failure)
    prepared = tuple((item, tuple(figures)) for item, figures in prepared)
    return FileAnalysis(prepared, tuple(limited), None, truncation_reason(path))


@dataclass(frozen=True)
class FigureTask:
    """One stored figure to separate: its image file and what its caption says of its panels."""

    fig_id: int
    key: str
    image_path: str
    single: bool  # a plain image (image folders): one master, its instrument tags read
    labels: tuple[str, ...]
    full: tuple[tuple[str, str], ...]  # panel label -> shared + own sub-caption
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    ocr: str = "rapidocr"
    # Its pixels: the executors start the biggest figures of a batch first (``executors.task_cost``), so that
    # the run does not end on one worker separating an 80-megapixel figure while the others wait.  Not part of
    # the task's identity (a harvest looks its results up by task).
    cost: int = field(default=0, compare=False)


@dataclass(frozen=True)
class FigureSeparation:
    fig_id: int
    result: object | None = None  # models.separation.Separation
    failure: str | None = None


def separate_figure(task: FigureTask) -> FigureSeparation:
    """Separate, scale and classify one figure (OCR and classifier loaded once per process)."""
    from figdex.models.instrument_meta import read_instrument_scale
    from figdex.models.ocr import get_ocr, load_rgb
    from figdex.models.separation import separate

    try:
        path = Path(task.image_path)
        image = load_rgb(path)
        # A file from an image folder is stored byte for byte: its instrument tags are still there.
        metadata = read_instrument_scale(path, width_px=image.shape[1]) if task.single else None
        result = separate(image, list(task.labels), dict(task.full), dict(task.terms), get_ocr(task.ocr),
                          single=task.single, metadata=metadata)
    except Exception as exc:  # one bad figure must not stop the run; the reason is kept
        reason = f"{task.key}: separation failed: {exc!r}"
        return FigureSeparation(task.fig_id, failure=reason + "\n" + traceback.format_exc(limit=3))
    return FigureSeparation(task.fig_id, result=result)


@dataclass(frozen=True)
class ImageTask:
    """One file of an image folder to check and copy into the dataset."""

    path: str
    root: str


def store_image_task(task: ImageTask) -> StoredImage:
    from figdex.index.db import store_image_file

    return store_image_file(Path(task.root), Path(task.path))


def load_models(stages: Iterable[str]) -> None:
    """Load what the worker steps of ``stages`` need, once per process (executors call it in each worker
    before the progress bars start: a model load inside a bar would inflate its ETA)."""
    stages = set(stages)
    if "parse" in stages:
        from figdex.ingest.pipeline import warm_up

        warm_up()
    if "separate" in stages:
        from figdex.ingest.separate import warm_up as separation_warm_up

        separation_warm_up()


def choose_device(options: StageOptions) -> None:
    """Choose (and say, once) where the classifier and the CNNs run, before any bar starts and before
    any work: FIGDEX_DEVICE=cuda without a GPU stops the run here, not once per figure in the workers."""
    if options.separation or options.embedding:
        from figdex.devices import torch_device_if_installed

        torch_device_if_installed()


# -- the runner -------------------------------------------------------------------------------------
class Progress(Protocol):
    def start(self, stage: str, total: int) -> None: ...

    def advance(self, n: int = 1, figures: int = 0) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, n: int = 1, figures: int = 0) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True)
class StageOptions:
    separation: bool = True
    labels: bool = True
    embedding: bool = True
    redo_separation: bool = False
    ocr: str = "rapidocr"


@dataclass
class StagesReport:
    """What each stage did after parsing; ``notes``: stages skipped and why."""

    separation: object | None = None  # SeparationSummary
    labels: object | None = None  # AssignSummary
    embedding: object | None = None  # EmbedSummary
    captions: object | None = None  # ingest.text_embed.CaptionStageSummary
    notes: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)  # stage -> wall seconds


def run_ingest(ds: Dataset, paths: Iterable[str | Path], *, force: bool = False, keywords: tuple[str, ...] = (),
               executor=None, options: StageOptions = StageOptions(), progress: Progress | None = None):
    """Every stage on article files: parse and store them, then the image stages.
    Returns (IngestSummary, StagesReport)."""
    from figdex.ingest.executors import SerialExecutor
    from figdex.ingest.pipeline import ingest_paths, iter_source_files

    progress = progress or NoProgress()
    executor = executor or SerialExecutor()
    paths = list(paths)
    choose_device(options)
    total = sum(1 for _ in iter_source_files(paths))
    executor.warm_up(("parse", "separate") if options.separation else ("parse",))
    started = time.monotonic()
    progress.start("parse", total)
    try:
        summary = ingest_paths(ds, paths, force=force, keywords=keywords, executor=executor,
                               on_file=lambda path, outcome, figures=0: progress.advance(1, figures))
    finally:
        progress.finish()
    report = run_image_stages(ds, executor=executor, options=options, progress=progress, warm=True)
    report.seconds = {"parse": time.monotonic() - started, **report.seconds}
    return summary, report


def run_image_folders(ds: Dataset, folders: Iterable[str | Path], *, label: str | None = None, force: bool = False,
                      executor=None, options: StageOptions = StageOptions(), progress: Progress | None = None):
    """Every stage on plain folders of images. Returns (FolderSummary, StagesReport)."""
    from figdex.ingest.executors import SerialExecutor
    from figdex.ingest.image_folder import ingest_image_folders, iter_images

    progress = progress or NoProgress()
    executor = executor or SerialExecutor()
    folders = [Path(f) for f in folders]
    choose_device(options)
    total = sum(1 for f in folders if f.is_dir() for _ in iter_images(f))
    executor.warm_up(("separate",) if options.separation else ())
    started = time.monotonic()
    progress.start("store", total)
    try:
        summary = ingest_image_folders(ds, folders, label=label, force=force, executor=executor,
                                       on_file=lambda path, outcome: progress.advance(1, 1))
    finally:
        progress.finish()
    report = run_image_stages(ds, executor=executor, options=options, progress=progress, warm=True)
    report.seconds = {"store": time.monotonic() - started, **report.seconds}
    return summary, report


def run_image_stages(ds: Dataset, *, executor=None, options: StageOptions = StageOptions(),
                     progress: Progress | None = None, warm: bool = False) -> StagesReport:
    """The stages after storing, in order, on what they have not done yet: separate (with scale and
    class), label (once a label model was trained), embed (with figdex[ml]), captions (where the
    dataset keeps caption vectors; skipped with embed)."""
    from figdex.ingest.executors import SerialExecutor
    from figdex.ingest.separate import pending_figures, separate_dataset

    progress = progress or NoProgress()
    executor = executor or SerialExecutor()
    choose_device(options)
    report = StagesReport()
    if options.separation:
        pending = pending_figures(ds, options.redo_separation)
        if pending:
            if not warm:
                executor.warm_up(("separate",))
            started = time.monotonic()
            progress.start("separate", len(pending))
            try:
                report.separation = separate_dataset(ds, redo=options.redo_separation, ocr_name=options.ocr,
                                                     executor=executor,
                                                     on_figure=lambda fid, outcome: progress.advance(1, 1))
            finally:
                progress.finish()
            report.seconds["separate"] = time.monotonic() - started
    if options.labels:
        started = time.monotonic()
        report.labels = _label_stage(ds, report, progress)
        report.seconds["label"] = time.monotonic() - started
    if options.embedding:
        started = time.monotonic()
        report.embedding = _embed_stage(ds, report, progress)
        report.seconds["embed"] = time.monotonic() - started
        started = time.monotonic()
        report.captions = _caption_stage(ds, report, progress)
        if report.captions is not None:
            report.seconds["captions"] = time.monotonic() - started
    return report


def _label_stage(ds: Dataset, report: StagesReport, progress: Progress):
    """New images get labels from the dataset's label model, once one was trained."""
    from figdex.ingest.label_assign import assign_labels
    from figdex.ingest.labels import LabelModelError

    if not ds.config.get("label_model"):
        return None
    total = ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    progress.start("label", total)
    try:
        return assign_labels(ds, on_batch=lambda n: progress.advance(n, n))
    except LabelModelError as exc:
        report.notes.append(f"labels skipped: {exc}")
        return None
    finally:
        progress.finish()


def _embed_stage(ds: Dataset, report: StagesReport, progress: Progress):
    """Image vectors for query by example, when the ML extra (torch) is installed."""
    try:
        import torch  # noqa: F401
    except ImportError:
        report.notes.append("image vectors skipped (pip install 'figdex[ml]', then figdex index embed)")
        return None
    from figdex.ingest.embed import embed_dataset
    from figdex.models.embedders import EmbedderError

    total = ds.conn.execute("SELECT count(*) FROM master_images m JOIN figures f ON f.id = m.figure_id "
                            "WHERE f.image_status = 'ok'").fetchone()[0]
    progress.start("embed", total)
    try:
        return embed_dataset(ds, on_batch=lambda n: progress.advance(n, n))
    except (EmbedderError, ValueError) as exc:
        report.notes.append(f"image vectors skipped: {exc}")
        return None
    finally:
        progress.finish()


def _caption_stage(ds: Dataset, report: StagesReport, progress: Progress):
    """A dataset that keeps caption vectors keeps them (and its alignment) in step with new captions;
    one that has none is left as it is (`figdex index embed` starts them)."""
    from figdex.ingest.text_embed import caption_stage, has_caption_vectors
    from figdex.models.text_embedders import TextEmbedderError

    if not has_caption_vectors(ds):
        return None
    try:
        return caption_stage(ds, on_start=lambda total: progress.start("captions", total),
                             on_batch=lambda n: progress.advance(n, n))
    except TextEmbedderError as exc:
        report.notes.append(f"caption vectors not updated: {exc}")
        return None
    finally:
        progress.finish()


# What names the dataset or its derived indexes rather than its content: random ids drawn when the
# database is made (change_origin) and when the embedded text index is (re)built (its directory).
IDENTITY_TABLES = ("change_origin",)
IDENTITY_COLUMNS = {("tantivy_state", "generation")}


def dump_tables(ds: Dataset, drop=("pid",)) -> dict[str, list[tuple]]:
    """Every table's rows ordered by all their columns, timestamp columns (``*_at``), ``drop`` and the
    dataset's random identity left out: what must be equal between two ingests of the same input,
    whatever ran them."""
    out = {}
    tables = [r[0] for r in ds.conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE "
                                            "'sqlite_%' ORDER BY name") if r[0] not in IDENTITY_TABLES]
    for table in tables:
        cols = [r[1] for r in ds.conn.execute(f"PRAGMA table_info({table})")
                if not r[1].endswith("_at") and r[1] not in drop and (table, r[1]) not in IDENTITY_COLUMNS]
        if not cols:
            continue
        listed = ", ".join(f'"{c}"' for c in cols)
        out[table] = [tuple(r) for r in ds.conn.execute(f'SELECT {listed} FROM "{table}" ORDER BY {listed}')]
    return out
