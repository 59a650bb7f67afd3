"""Ingest a plain folder of images (no article, no caption), as the seeds' image tagger does.

Each folder becomes one pseudo-article (publisher "folder", titled by the folder name) and
each image file one figure of kind "image", keyed by its path inside the folder so that
adding files never renumbers the others.  Every image is recorded in ``source_files`` with
its content hash, one transaction per image: an interrupted run resumes, and a re-run of
unchanged files does nothing.  The image stages (classification and scale reading as one
image, embedding) run afterwards through the same stages as article figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from figdex.errors import InputError
from figdex.index.db import Dataset, sha256_file
from figdex.index.fulltext import create_text_index
from figdex.index.records import IMAGE_OK, Article, Figure
from figdex.ingest.images import looks_like_image_name

FOLDER_PUBLISHER = "folder"
LABEL_SOURCE = "ingest-images"  # the `source` of user labels given with --label


@dataclass
class FolderSummary:
    folders: int = 0
    files: int = 0
    stored: int = 0
    unchanged: int = 0
    unreadable: int = 0
    removed: int = 0
    failures: list = field(default_factory=list)  # (path, reason)


def iter_images(folder: Path) -> Iterator[Path]:
    """Image files under ``folder`` (recursively, hidden files skipped), in a stable order."""
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and looks_like_image_name(path.name) and not any(p.startswith(".") for p in rel.parts):
            yield path


def ingest_image_folders(
    ds: Dataset,
    folders: Iterable[str | Path],
    *,
    label: str | None = None,
    force: bool = False,
    on_file: Callable[[Path, str], None] | None = None,
    executor=None,
) -> FolderSummary:
    """Store every image under each folder; ``label`` is added to each as a user label.  ``executor``
    (``ingest/executors.py``; default: this process) checks and copies the image files; this process
    writes them, one per transaction, in the order of the files."""
    folders = [Path(f) for f in folders]
    for folder in folders:
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: not a folder; give folders of images to ingest-images "
                                    "(use `figdex ingest` for article pages)")
    if label is not None and not label.strip():
        raise InputError("--label is empty; give a label such as 'nanoparticles'")
    summary = FolderSummary()
    run_id = ds.start_run("ingest-images", {"folders": [str(f) for f in folders], "label": label, "force": force})
    text_index = create_text_index(ds.config["text_index"], ds.conn, ds.root)
    status = "interrupted"
    try:
        for folder in folders:
            summary.folders += 1
            _ingest_folder(ds, text_index, folder.resolve(), label, force, run_id, summary, on_file, executor)
        status = "done"
    finally:
        ds.finish_run(run_id, status, {k: v for k, v in summary.__dict__.items() if k != "failures"})
    return summary


def _ingest_folder(ds: Dataset, text_index, folder: Path, label: str | None, force: bool, run_id: int,
                   summary: FolderSummary, on_file, executor=None) -> None:
    from figdex.ingest.executors import SerialExecutor

    article = Article(source_file=str(folder), publisher=FOLDER_PUBLISHER, title=folder.name)
    with ds.transaction():
        art_id, art_key = ds.upsert_article(article, (), run_id)
    keep: list[str] = []
    images = list(iter_images(folder))
    for task, stored in (executor or SerialExecutor()).ordered(_checked_store, _plan_images(ds, images, force)):
        path = Path(task.path)
        rel = path.relative_to(folder).as_posix()
        keep.append(f"{art_key}/{rel}")
        try:
            if isinstance(stored, str):  # the copy failed in the worker
                raise OSError(stored)
            outcome = _ingest_image(ds, text_index, path, rel, art_id, art_key, label, force, run_id, summary,
                                    task.digest, stored)
        except Exception as exc:  # a bug on one image must not stop the folder; the reason is kept
            reason = f"{path}: storing the image failed: {exc!r}; please report it with this file"
            with ds.transaction():
                ds.record_source_file(str(path), sha256_file(path), "image-folder", "failed", reason, 0, run_id)
            summary.failures.append((str(path), reason))
            outcome = "failed"
        if on_file:
            on_file(path, outcome)
    # Only after the whole folder was walked: images deleted from the folder leave the dataset.
    with ds.transaction():
        gone = [r[0] for r in ds.conn.execute(
            "SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id WHERE f.article_id = ?",
            (art_id,))]
        summary.removed += ds.delete_figures_except(art_id, keep)
        text_index.update(gone)


@dataclass(frozen=True)
class _ImageJob:
    """One image of a folder: ``copy`` when it changed since it was stored (else the writer only checks it)."""

    path: str
    root: str
    digest: str
    copy: bool


def _plan_images(ds: Dataset, images: list[Path], force: bool):
    for path in images:
        digest = sha256_file(path)
        previous = ds.source_file(str(path))
        unchanged = previous is not None and previous["sha256"] == digest and previous["status"] == "done"
        yield _ImageJob(str(path), str(ds.root), digest, force or not unchanged)


def _checked_store(job: _ImageJob):
    """The worker step: check and copy a changed image (``stages.store_image_task``); a failure's reason."""
    from figdex.ingest.stages import ImageTask, store_image_task

    if not job.copy:
        return None
    try:
        return store_image_task(ImageTask(job.path, job.root))
    except Exception as exc:  # reported by the writer, in order, like a failure in this process
        return f"{exc!r}"


def _ingest_image(ds: Dataset, text_index, path: Path, rel: str, art_id: int, art_key: str, label: str | None,
                  force: bool, run_id: int, summary: FolderSummary, digest: str | None = None,
                  stored=None) -> str:
    summary.files += 1
    abs_path = str(path)
    digest = digest or sha256_file(path)
    previous = ds.source_file(abs_path)
    fig_key = f"{art_key}/{rel}"
    if previous is not None and previous["sha256"] == digest and previous["status"] == "done" and not force:
        summary.unchanged += 1
        if label:  # a re-run with a (new) label labels what is already stored
            with ds.transaction():
                mid = ds.conn.execute("SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id "
                                      "WHERE f.key = ? AND m.panel = '0'", (fig_key,)).fetchone()
                # A label the user since took off this image (tag review) stays off.
                if mid and not ds.is_rejected(mid[0], label) and ds.add_label(mid[0], "user", label, LABEL_SOURCE):
                    text_index.update([mid[0]])
        return "unchanged"
    if stored is None:
        stored = ds.store_image(path)  # decoding and copying the file: before the write lock is taken
    with ds.transaction():
        if stored.status != IMAGE_OK:
            reason = stored.reason or f"{path}: not a readable image; convert it to PNG/JPEG/TIFF or remove it"
            ds.record_source_file(abs_path, digest, "image-folder", "failed", reason, 0, run_id)
            summary.unreadable += 1
            summary.failures.append((abs_path, reason))
            return "failed"
        figure = Figure(number=0, label=rel, caption="", kind="image", image_file=abs_path, image_status=IMAGE_OK)
        fig_id, fig_key = ds.upsert_figure(art_id, art_key, figure, stored)
        master_id = ds.ensure_whole_figure_master(fig_id, fig_key, "")
        if master_id is None:  # already split by an earlier run: label its masters
            master_ids = [r[0] for r in ds.conn.execute("SELECT id FROM master_images WHERE figure_id=?", (fig_id,))]
        else:
            master_ids = [master_id]
        if label:
            for mid in master_ids:
                if not ds.is_rejected(mid, label):
                    ds.add_label(mid, "user", label, LABEL_SOURCE)
        ds.record_source_file(abs_path, digest, "image-folder", "done", None, 0, run_id)
        text_index.update(master_ids)
    summary.stored += 1
    return "ingested"
