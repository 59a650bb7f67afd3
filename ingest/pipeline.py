"""Ingest saved article files into a dataset: find files -> parse -> resolve images -> store -> index.

Each source file is committed in its own transaction and recorded in ``source_files``
with its content hash, so an interrupted ingest resumes where it stopped and a repeated
ingest of unchanged files does nothing.  A file that fails is recorded with the reason
and the run goes on.  The slow work (parsing, caption analysis, copying images) is done
before the file's transaction opens: other writers never wait on one file's analysis.
Inputs are bounded (``figdex/limits.py``): a caption past MAX_CAPTION_CHARS is cut and the
cut noted, and a file whose analysis runs past MAX_FILE_SECONDS fails with that reason.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Iterator

from figdex.index.db import Dataset, article_key, sha256_file, store_image_file
from figdex.index.fulltext import TextIndex, create_text_index
from figdex.index.records import ACCESS_PARTIAL, IMAGE_OK, IMAGE_THUMBNAIL, Figure, ParsedArticle
from figdex.ingest.captions import distribute_caption
from figdex.ingest.captions.own_figure import figure_names
from figdex.ingest.images import clear_cache, resolve_image
from figdex.ingest.sources.base import SourceError, SourceParser, detect_parser
from figdex.limits import MAX_CAPTION_CHARS, MAX_FILE_SECONDS

CAPTION_SOURCE = "captions"  # the `source` of labels computed from captions
SOURCE_EXTS = {".html", ".htm", ".xhtml", ".xml", ".nxml", ".pdf"}


@dataclass
class IngestSummary:
    """Files by outcome, and what the run(s) stored, counted as ``figdex stats`` counts
    (``index/counts.py``: graphical abstracts apart, each article once however many files held it)."""

    files: int = 0
    unchanged: int = 0
    not_articles: int = 0
    failed: int = 0
    articles: int = 0
    figures: int = 0
    graphical_abstracts: int = 0
    images_found: int = 0
    images_missing: int = 0
    per_publisher: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)  # (path, reason)
    skipped: list = field(default_factory=list)  # (path, reason)
    partial: list = field(default_factory=list)  # (path, reason): truncated files, to warn about
    run_ids: list = field(default_factory=list)  # the runs whose stored articles are counted
    limited: list = field(default_factory=list)  # (path, what a bound cut or refused)

    def count_stored(self, ds: Dataset, run_id: int) -> None:
        """Take the counts from the database: what the runs stored, as it is stored."""
        if run_id not in self.run_ids:
            self.run_ids.append(run_id)
        counts = ds.counts(self.run_ids)
        for key in ("articles", "figures", "graphical_abstracts", "images_found", "images_missing", "per_publisher"):
            setattr(self, key, counts[key])

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def iter_source_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Article files under the given files/folders, in a stable order. Missing paths raise."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder; check the path given to ingest")
        if path.is_file():
            yield path
            continue
        for sub in sorted(path.rglob("*")):
            if sub.is_file() and sub.suffix.lower() in SOURCE_EXTS and not sub.name.startswith("."):
                yield sub


def warm_up() -> None:
    """Load the caption pipelines (spaCy: 4-5 s, once per process) now.

    A progress bar started after this times the files alone.  Loaded by the first article, they
    went into click's mean time per file, and the ETA of `figdex ingest` came out ~25x too long.
    """
    from figdex.ingest.captions.nlp import tokenizer_nlp, trained_nlp

    tokenizer_nlp()
    trained_nlp()


def ingest_paths(
    ds: Dataset,
    paths: Iterable[str | Path],
    *,
    force: bool = False,
    keywords: tuple[str, ...] = (),
    on_file: Callable[[Path, str], None] | None = None,
    run_command: str = "ingest",
    executor=None,
) -> IngestSummary:
    """Ingest every article file under ``paths``; ``on_file(path, outcome)`` reports progress.

    ``executor`` (``ingest/executors.py``; default: this process) runs the analysis of the files
    (parsing, caption split, image copies); this process commits them, one file per transaction, in
    the order of the files, so the database is the same whichever executor ran them."""
    from figdex.ingest.executors import SerialExecutor
    from figdex.ingest.stages import analyse_file

    files = list(iter_source_files(paths))
    summary = IngestSummary()
    paths = list(paths)
    run_id = ds.start_run(run_command, {"paths": [str(p) for p in paths], "force": force, "keywords": list(keywords)})
    text_index = create_text_index(ds.config["text_index"], ds.conn, ds.root)
    clear_cache()
    executor = executor or SerialExecutor()
    status = "interrupted"
    try:
        planned = _plan_files(ds, files, force, keywords)
        for (path, task), analysis in executor.ordered(analyse_file, planned, task_of=lambda pair: pair[1]):
            if task is None:  # unchanged, not an article, or given twice: decided now, in order
                outcome = _ingest_file(ds, text_index, path, run_id, force, summary, keywords)
            else:
                summary.files += 1
                outcome = _commit_file(ds, text_index, task, analysis, run_id, summary)
            if on_file:
                on_file(path, outcome)
        status = "done"
    finally:
        summary.count_stored(ds, run_id)
        ds.finish_run(run_id, status, {k: v for k, v in summary.as_dict().items() if not isinstance(v, list)})
    return summary


def _plan_files(ds: Dataset, files: list[Path], force: bool, keywords: tuple[str, ...]):
    """What to analyse, file by file: a FileTask for each changed article file; None (decided by the
    writer when its turn comes) for unchanged files, files no parser recognises, and repeats."""
    from figdex.ingest.stages import FileTask

    seen: set[str] = set()
    for path in files:
        abs_path = str(path.resolve())
        task = None
        if abs_path not in seen:
            seen.add(abs_path)
            digest = sha256_file(path)
            previous = ds.source_file(abs_path)
            unchanged = (previous is not None and previous["sha256"] == digest and previous["status"] != "failed"
                         and not force)
            parser = None if unchanged else detect_parser(path)
            if parser is not None:
                task = FileTask(str(path), abs_path, digest, parser.name, str(ds.root), keywords)
        yield path, task


def _ingest_file(ds: Dataset, text_index: TextIndex, path: Path, run_id: int, force: bool, summary: IngestSummary,
                 keywords: tuple[str, ...] = (), parser: SourceParser | None = None, analyse=None) -> str:
    """Ingest one file in its own transaction, in this process; ``parser`` overrides detection (the
    web scraper knows the family of a page it fetched); ``analyse(task)``, when given, supplies the
    file's analysis (a parallel harvest computes it ahead in a worker).  Returns ingested / unchanged /
    not-article / failed."""
    from figdex.ingest.stages import FileTask, analyse_file

    summary.files += 1
    abs_path = str(path.resolve())
    digest = sha256_file(path)
    previous = ds.source_file(abs_path)
    if previous is not None and previous["sha256"] == digest and previous["status"] != "failed" and not force:
        summary.unchanged += 1
        return "unchanged"
    if parser is None:
        parser = detect_parser(path)
    if parser is None:
        with ds.transaction():
            ds.record_source_file(abs_path, digest, None, "skipped", "not an article page, XML or PDF", 0, run_id)
        summary.not_articles += 1
        summary.skipped.append((str(path), "not an article page, XML or PDF"))
        return "not-article"
    task = FileTask(str(path), abs_path, digest, parser.name, str(ds.root), keywords)
    analysis = analyse(task) if analyse is not None else analyse_file(task, parser)
    return _commit_file(ds, text_index, task, analysis, run_id, summary)


def _commit_file(ds: Dataset, text_index: TextIndex, task, analysis, run_id: int, summary: IngestSummary) -> str:
    """Write one analysed file (``stages.FileAnalysis``) in its own transaction."""
    summary.limited.extend(analysis.limited)
    if analysis.failure is not None:
        return _fail(ds, task.abs_path, task.digest, task.parser, analysis.failure, run_id, summary)
    path = Path(task.path)
    with ds.transaction():
        keys = [_store_article(ds, text_index, path, item, list(figures), run_id, summary, analysis.truncated)
                for item, figures in analysis.prepared]
        # An article this file gave without a DOI (keyed by the file) that it no longer gives, e.g. a
        # truncated copy that lost its DOI, now complete: the file's new articles replace it.
        file_key = f"file:{task.abs_path}"
        if file_key not in keys:
            text_index.update(ds.delete_article(file_key))
        ds.record_source_file(task.abs_path, task.digest, task.parser, "done", analysis.truncated,
                              len(analysis.prepared), run_id)
    return "ingested"


def _fail(ds, abs_path, digest, parser_name, reason, run_id, summary) -> str:
    with ds.transaction():
        ds.record_source_file(abs_path, digest, parser_name, "failed", reason, 0, run_id)
    summary.failed += 1
    summary.failures.append((abs_path, reason.splitlines()[0]))
    return "failed"


def analyse_parsed(root: Path, path: Path, parser: SourceParser, keywords: tuple[str, ...]):
    """The slow, database-free part of ingesting one file: parse it, bound and split its captions, copy
    its images into the dataset folder.  Returns (prepared, limited notes, failure reason or None)."""
    deadline = time.monotonic() + MAX_FILE_SECONDS
    limited: list = []
    try:
        prepared = [_prepare(root, path, _bounded(item, path, limited), keywords, deadline, limited)
                    for item in parser.parse(path)]
    except SourceError as exc:
        return [], limited, str(exc)
    except Exception as exc:  # a parser bug must not stop a long ingest; the reason is kept
        reason = f"{path}: {parser.name} parser failed: {exc!r}; please report it with this file"
        return [], limited, reason + "\n" + traceback.format_exc(limit=3)
    return prepared, limited, None


def _bounded(item: ParsedArticle, path: Path, limited: list) -> ParsedArticle:
    """The article with every caption cut to MAX_CAPTION_CHARS, each cut noted as a problem."""
    if all(len(f.caption or "") <= MAX_CAPTION_CHARS for f in item.figures):
        return item
    problems = list(item.problems)
    figures = []
    for figure in item.figures:
        if len(figure.caption or "") > MAX_CAPTION_CHARS:
            note = (f"{figure.label}: caption of {len(figure.caption):,} characters cut to its first "
                    f"{MAX_CAPTION_CHARS:,} (figdex's limit); check the page, it is not a figure legend")
            problems.append(note)
            limited.append((str(path), note))
            # The markup would no longer match the text; the split works from the text alone.
            figure = replace(figure, caption=figure.caption[:MAX_CAPTION_CHARS], caption_html=None)
        figures.append(figure)
    return replace(item, figures=tuple(figures), problems=tuple(problems))


def _prepare(root: Path, page: Path, item: ParsedArticle, keywords: tuple[str, ...], deadline: float,
             limited: list):
    """The slow part of storing an article, before any row is written: each figure's image copied into
    the dataset folder ``root`` (files only) and its caption split.  Returns (item, [(figure, stored image,
    split)]); an image refused is noted with its reason; past ``deadline`` (time.monotonic()) the file is
    given up."""
    out, problems = [], list(item.problems)
    for figure in item.figures:
        figure, stored = _with_image(root, page, figure, item.article.doi)
        if stored is not None and stored.reason:
            problems.append(f"{figure.label}: image not stored: {stored.reason}")
            limited.append((str(page), problems[-1]))
        out.append((figure, stored, distribute_caption(figure.caption, figure.caption_html, keywords,
                                                           figure.subcaptions, figure_names(figure.label))))
        if time.monotonic() > deadline:
            raise SourceError(f"{page}: its figures took more than {MAX_FILE_SECONDS} s to analyse (figdex's "
                              "limit per file); check the page for pasted text, or remove it from the input")
    return replace(item, problems=tuple(problems)), out


def _store_article(ds: Dataset, text_index: TextIndex, page: Path, item: ParsedArticle, figures: list, run_id: int,
                   summary: IngestSummary, truncated: str | None = None) -> str:
    """Store one parsed article with its prepared figures ((figure, stored image, caption split), from
    ``_prepare``); ``truncated``: why its file is cut short.  Returns the article's key."""
    article, problems = item.article, item.problems
    if truncated:
        kept = ds.complete_copy(article_key(article), page)
        if kept:  # a partial copy never replaces a complete one
            summary.partial.append((str(page), f"{truncated}; the complete copy stored from {kept} was kept"))
            return article_key(article)
        article, problems = replace(article, access=ACCESS_PARTIAL), (*problems, truncated)
        summary.partial.append((str(page), truncated))
    art_id, art_key = ds.upsert_article(article, problems, run_id)
    keep: list[str] = []
    master_ids: list[int] = []
    for figure, stored, split in figures:
        fig_id, fig_key = ds.upsert_figure(art_id, art_key, figure, stored)
        keep.append(fig_key)
        ds.store_caption_split(fig_id, split)
        master_id = ds.ensure_whole_figure_master(fig_id, fig_key, figure.caption)
        if master_id is not None:
            # The whole figure carries every panel's keywords and terms until it is separated.
            ds.set_master_keywords(master_id, [k for s in split.subcaptions for k in s.keywords])
            ds.set_computed_labels(master_id, "term", [t for s in split.subcaptions for t in s.terms], CAPTION_SOURCE)
            ds.set_computed_labels(master_id, "keyword", [k for s in split.subcaptions for k in s.keywords],
                                   CAPTION_SOURCE)
            master_ids.append(master_id)
    # Masters of this article before stale figures go, so that the index forgets the deleted ones too.
    before = {r[0] for r in ds.conn.execute(
        "SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id WHERE f.article_id = ?", (art_id,))}
    ds.delete_figures_except(art_id, keep)
    rows = ds.conn.execute(
        "SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id WHERE f.article_id = ?", (art_id,)
    ).fetchall()
    text_index.update(before | {r[0] for r in rows} | set(master_ids))
    return art_key


def _with_image(root: Path, page: Path, figure: Figure, doi: str | None):
    local = resolve_image(page, figure, doi)
    if local is None:
        return figure, None
    stored = store_image_file(root, local)
    if stored.status == IMAGE_OK and figure.image_status == IMAGE_THUMBNAIL:
        # A paywalled page's saved image is the thumbnail it showed, not the figure.
        stored = type(stored)(stored.path, stored.sha256, stored.format, stored.width, stored.height, IMAGE_THUMBNAIL)
    return replace(figure, image_file=str(local)), stored
