"""The text printed in each image, read from its pixels (issue 20): `figdex index image-text`.

Charts and schematics carry their words inside the image: axis titles ("Wavelength (nm)",
"Absorbance", "2θ"), legends, sample names ("Au NPs"), scale-bar labels ("50 nm").  The
alignment (ingest/align.py) sees such an image only through an ImageNet CNN; the words it prints
say much more about what it shows.  This module reads them by OCR (models/ocr.py, the engine
separation uses), keeps them in SQLite (``image_texts``: one row per master image, the lines read
in master pixels and the text kept), and embeds the kept text with the caption model under the id
``image-text:<text embedder id>`` next to the other vectors; the FAISS file
``vectors/image-text-<model>-vN.faiss`` is derived from those rows.  `search --by-content` fuses
it with the aligned image similarity (retrieval/semantic.py).  Nothing here reads a caption.

Where ingest's separation already read the figure (ingest/separate.py), its lines are reused,
assigned to the master whose box holds their centre; `figdex index image-text` reads the masters
that have no row yet (datasets made before, image folders ingested without separation), one
master crop at a time, one transaction per figure, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from figdex.index.db import Dataset, now
from figdex.index.vectors import VectorIndex, load_vectors

PREFIX = "image-text:"
MIN_CONFIDENCE = 0.5  # rapidocr's own score; below it lines are mostly misread marks and hatching
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)

PENDING_SQL = """SELECT m.id, m.figure_id, m.x0, m.y0, m.x1, m.y1, f.image_path, f.image_sha256, t.read_of
                 FROM master_images m JOIN figures f ON f.id = m.figure_id
                 LEFT JOIN image_texts t ON t.master_image_id = m.id
                 WHERE f.image_status = 'ok' ORDER BY m.figure_id, m.id"""


def keep_line(text: str, confidence: float) -> bool:
    """A line worth embedding: read with confidence and holding a word (two letters or more), so
    tick numbers ("0.5", "400") and panel letters ("a", "(b)") are left out; units stay ("50 nm")."""
    return confidence >= MIN_CONFIDENCE and len(_LETTERS.findall(text)) >= 2


def kept_text(lines: Iterable[tuple]) -> str:
    """The kept lines in reading order (top to bottom, left to right), '; '-joined."""
    kept = [ln for ln in lines if keep_line(ln[4], ln[5])]
    kept.sort(key=lambda ln: (ln[1], ln[0]))
    return "; ".join(" ".join(ln[4].split()) for ln in kept)


def read_of(image_sha256: str | None, box: tuple) -> str:
    """What a row was read from: the figure image and the master's box in it."""
    return f"{image_sha256}:{','.join('' if v is None else str(int(v)) for v in box)}"


def store_image_text(conn, master_id: int, lines: list[tuple], engine: str, source: str,
                     seconds: float | None) -> str:
    text = kept_text(lines)
    conn.execute(
        "INSERT INTO image_texts(master_image_id, text, lines, engine, read_of, seconds, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(master_image_id) DO UPDATE SET text=excluded.text, "
        "lines=excluded.lines, engine=excluded.engine, read_of=excluded.read_of, seconds=excluded.seconds, "
        "created_at=excluded.created_at",
        (master_id, text, json.dumps([list(ln) for ln in lines], ensure_ascii=False), engine, source,
         None if seconds is None else round(seconds, 3), now()))
    return text


def lines_in_box(text_boxes, box: tuple[int, int, int, int]) -> list[tuple]:
    """Separation's reads of a whole figure (models.ocr.TextBox) that fall in a master's box (by their
    centre), moved to master pixels."""
    x0, y0, x1, y1 = box
    out = []
    for tb in text_boxes:
        cx, cy = (tb.box[0] + tb.box[2]) / 2, (tb.box[1] + tb.box[3]) / 2
        if x0 <= cx < x1 and y0 <= cy < y1:
            out.append((tb.box[0] - x0, tb.box[1] - y0, tb.box[2] - x0, tb.box[3] - y0, tb.text,
                        round(tb.confidence, 3)))
    return out


@dataclass
class ImageTextSummary:
    read: int = 0
    unchanged: int = 0
    with_text: int = 0
    ocr_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    embedder: str = ""
    embedded: int = 0
    indexed: int = 0

    @property
    def seconds_per_image(self) -> float:
        return self.ocr_seconds / self.read if self.read else 0.0


def pending_image_texts(ds: Dataset, redo: bool = False) -> list:
    """Master images (with a stored image) not yet read, or read from another image or box."""
    rows = ds.conn.execute(PENDING_SQL).fetchall()
    return [r for r in rows
            if redo or r["read_of"] != read_of(r["image_sha256"], (r["x0"], r["y0"], r["x1"], r["y1"]))]


@dataclass(frozen=True)
class FigureRead:
    """One figure's masters to read (a worker's task): the image file, (master id, box) pairs, the engine."""

    path: str
    masters: tuple[tuple[int, tuple], ...]
    ocr: str = "rapidocr"


def read_figure(task: FigureRead) -> list[tuple[int, list[tuple] | None, float, str | None]]:
    """OCR each master crop of one figure (decoded once): (master id, lines, seconds, failure) each."""
    from figdex.models.ocr import get_ocr, load_rgb

    ocr = get_ocr(task.ocr)
    try:
        image = load_rgb(task.path)
    except (OSError, ValueError) as exc:  # a damaged file: the other figures go on
        return [(mid, None, 0.0, f"{exc}; not read: ingest its source again with --force") for mid, _ in task.masters]
    out = []
    for mid, box in task.masters:
        crop = image
        if box[0] is not None:
            x0, y0, x1, y1 = (int(v) for v in box)
            crop = image[max(0, y0):y1, max(0, x0):x1]
            crop = crop if crop.size else image
        started = time.perf_counter()
        boxes = ocr.read(crop)
        out.append((mid, [(*tb.box, tb.text, round(tb.confidence, 3)) for tb in boxes],
                    time.perf_counter() - started, None))
    return out


def _one_thread() -> None:
    from figdex import settings

    settings.set_process_default("threads", 1)  # N workers = N cores, as ingest's (ingest/executors.py)


def read_image_texts(ds: Dataset, ocr_name: str = "rapidocr", *, redo: bool = False, workers: int = 1,
                     first: Iterable[int] = (), on_start: Callable[[int], None] | None = None,
                     on_image: Callable[[int], None] | None = None) -> ImageTextSummary:
    """OCR every master image not read yet (its crop, not the whole figure: small print survives),
    in ``workers`` processes; one transaction per figure, so an interrupted run keeps what it read.
    ``first``: master ids to read before the others (a benchmark's query folds).  Then embed the texts with ``embed_image_texts``."""
    from concurrent.futures import ProcessPoolExecutor

    rows = pending_image_texts(ds, redo)
    total = ds.conn.execute("SELECT count(*) FROM master_images m JOIN figures f ON f.id = m.figure_id "
                            "WHERE f.image_status = 'ok'").fetchone()[0]
    summary = ImageTextSummary(unchanged=total - len(rows))
    early = set(first)
    rows.sort(key=lambda r: r["id"] not in early)  # stable: figure order kept within each part
    sources: dict[int, str] = {}
    by_figure: dict[int, list] = {}
    for r in rows:
        by_figure.setdefault(r["figure_id"], []).append(r)
        sources[r["id"]] = read_of(r["image_sha256"], (r["x0"], r["y0"], r["x1"], r["y1"]))
    tasks = [FigureRead(str(ds.root / fr[0]["image_path"]),
                        tuple((r["id"], (r["x0"], r["y0"], r["x1"], r["y1"])) for r in fr), ocr_name)
             for fr in by_figure.values()]
    pool = ProcessPoolExecutor(workers, initializer=_one_thread) if workers > 1 else None
    if pool is None:
        from figdex.models.ocr import get_ocr

        get_ocr(ocr_name)  # loaded before on_start: a model load would inflate the bar's ETA
    if on_start:
        on_start(len(rows))
    try:
        if pool is None:
            results = ((task, read_figure(task)) for task in tasks)
        else:  # stored as they finish: a figure of 70 panels must not hold back the others' commits
            from concurrent.futures import as_completed

            futures = {pool.submit(read_figure, task): task for task in tasks}
            results = ((futures[f], f.result()) for f in as_completed(futures))
        for task, reads in results:
            with ds.transaction():
                for mid, lines, seconds, failure in reads:
                    if failure is not None:
                        summary.failures.append(failure)
                        continue
                    text = store_image_text(ds.conn, mid, lines, ocr_name, sources[mid], seconds)
                    summary.read += 1
                    summary.with_text += bool(text)
                    summary.ocr_seconds += seconds
            if on_image:
                on_image(len(task.masters))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return summary


def image_text_embedder_id(text_embedder_id: str) -> str:
    return PREFIX + text_embedder_id


def image_text_index_path(ds: Dataset, text_embedder_id: str) -> Path:
    return ds.root / "vectors" / f"image-text-{text_embedder_id.replace('@', '-v')}.faiss"


def figure_text_index_path(ds: Dataset, text_embedder_id: str) -> Path:
    """The figure-pooled image-text vectors: one per master of a figure that prints words anywhere."""
    return ds.root / "vectors" / f"image-text-figure-{text_embedder_id.replace('@', '-v')}.faiss"


def word_index_path(ds: Dataset) -> Path:
    """The keyword index of the printed words (index/printed_words.py)."""
    return ds.root / "vectors" / "image-text-words.sqlite"


def figure_text_vectors(ds: Dataset, ids: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every master of a figure whose masters print words: the normalised sum of their image-text
    vectors (the words of the whole figure, all its panels).  A panel is seldom understood alone: its
    sub-caption speaks of the figure ("... of the sample in (a)"), and a photo or micrograph that prints
    no word of its own sits next to the chart or schematic that does.  Pixels only: no caption is read."""
    from figdex.models.embedders import l2_normalise

    figure_of = dict(ds.conn.execute("SELECT id, figure_id FROM master_images").fetchall())
    sums: dict[int, np.ndarray] = {}
    for mid, vec in zip(ids.tolist(), l2_normalise(vectors)):
        fig = figure_of.get(mid)
        if fig is not None:
            sums[fig] = sums[fig] + vec if fig in sums else vec.copy()
    members = [(mid, fig) for mid, fig in sorted(figure_of.items()) if fig in sums]
    if not members:
        return np.zeros(0, np.int64), np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), np.float32)
    out = l2_normalise(np.stack([sums[fig] for _, fig in members]).astype(np.float32))
    return np.array([mid for mid, _ in members], np.int64), out


def image_texts(ds: Dataset) -> dict[int, str]:
    """The kept text of every master image that has some."""
    return {r[0]: r[1] for r in ds.conn.execute(
        "SELECT master_image_id, text FROM image_texts WHERE text != '' ORDER BY master_image_id")}


def embed_image_texts(ds: Dataset, name: str | None = None, batch: int = 64) -> tuple[str, int, int]:
    """Sentence vectors of the image texts that are new or changed (the caption model), then their
    FAISS index rebuilt; returns (vector id, embedded, indexed)."""
    from figdex.ingest.text_embed import embed_changed_texts, text_embedder_name
    from figdex.models.text_embedders import create_text_embedder

    embedder = create_text_embedder(name or text_embedder_name(ds))
    eid = image_text_embedder_id(embedder.config.id)
    embedded, _dropped = embed_changed_texts(ds, embedder, eid, image_texts(ds), batch)
    return eid, embedded, rebuild_image_text_index(ds, embedder.config.id)


def rebuild_image_text_index(ds: Dataset, text_embedder_id: str) -> int:
    """Recreate the image-text FAISS index, the figure-pooled one and the printed-word index from the
    database; returns the image-text index's size."""
    from figdex.index.printed_words import build_word_index

    ids, vectors = load_vectors(ds.conn, image_text_embedder_id(text_embedder_id))
    path = image_text_index_path(ds, text_embedder_id)
    figure_path = figure_text_index_path(ds, text_embedder_id)
    build_word_index(word_index_path(ds), image_texts(ds).items())
    if not len(ids):
        for p in (path, path.with_suffix(".json"), figure_path, figure_path.with_suffix(".json")):
            p.unlink(missing_ok=True)
        return 0
    index = VectorIndex.build(image_text_embedder_id(text_embedder_id), ids, vectors)
    index.save(path)
    fig_ids, fig_vectors = figure_text_vectors(ds, ids, vectors)
    VectorIndex.build(image_text_embedder_id(text_embedder_id), fig_ids, fig_vectors).save(figure_path)
    return index.info.count


def has_image_texts(ds: Dataset) -> bool:
    return ds.conn.execute("SELECT 1 FROM image_texts LIMIT 1").fetchone() is not None
