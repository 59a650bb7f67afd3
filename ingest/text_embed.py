"""The caption-vector stage: a sentence vector per master image's text, kept in the database,
and the FAISS index derived from them (semantic caption search, issue 20).

A master's text is its sub-caption (which already opens with the figure's title sentence), else
its figure's caption; images with neither (plain image folders) get no text vector: text reaches
them only by content (``figdex index align``).  Vectors live in the ``embeddings`` table under
the text embedder's id (``all-minilm-l6-v2@1``) next to the image vectors, with the sha256 of the
text they were computed from in ``image_sha256`` ("what was embedded"), so a re-run embeds only
new or changed texts and drops vectors of texts that went away.  SQLite stays the source of
truth; the FAISS file (``vectors/all-minilm-l6-v2-v1.faiss``, ids = master_images.id) is rebuilt
from it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from figdex import settings
from figdex.index.db import Dataset
from figdex.index.vectors import VectorIndex, load_vectors, store_vectors

TEXT_SQL = """SELECT m.id, coalesce(nullif(trim(m.subcaption), ''), nullif(trim(f.caption), ''), '') AS text
              FROM master_images m JOIN figures f ON f.id = m.figure_id ORDER BY m.id"""


@dataclass
class TextEmbedSummary:
    embedder: str
    embedded: int = 0
    unchanged: int = 0
    dropped: int = 0
    indexed: int = 0


def text_embedder_name(ds: Dataset) -> str:
    return ds.config.get("text_embedder") or settings.get("text_embedder", ds.root)


def text_index_path(ds: Dataset, embedder_id: str) -> Path:
    return ds.root / "vectors" / f"{embedder_id.replace('@', '-v')}.faiss"


def master_texts(ds: Dataset) -> dict[int, str]:
    """The text embedded for each master image that has one."""
    return {r["id"]: r["text"] for r in ds.conn.execute(TEXT_SQL) if r["text"]}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def embed_changed_texts(ds: Dataset, embedder, eid: str, texts: dict[int, str], batch: int,
                        on_batch: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Store ``eid`` vectors of the ``texts`` (master id -> text) that are new or changed since the last
    run (the text's sha256 is kept beside its vector), and drop those of masters no longer in ``texts``;
    one batch per transaction, so an interrupted run keeps what it did.  Returns (embedded, dropped)."""
    done = {r[0]: r[1] for r in ds.conn.execute(
        "SELECT master_image_id, image_sha256 FROM embeddings WHERE embedder = ? AND vector IS NOT NULL", (eid,))}
    todo = [(mid, text) for mid, text in texts.items() if done.get(mid) != _digest(text)]
    gone = [mid for mid in done if mid not in texts]
    if gone:
        with ds.transaction():
            ds.conn.executemany("DELETE FROM embeddings WHERE master_image_id = ? AND embedder = ?",
                                [(m, eid) for m in gone])
    for start in range(0, len(todo), batch):
        chunk = todo[start:start + batch]
        vectors = embedder.embed([t for _, t in chunk])
        with ds.transaction():
            store_vectors(ds.conn, eid, [m for m, _ in chunk], vectors, [_digest(t) for _, t in chunk])
        if on_batch:
            on_batch(len(chunk))
    return len(todo), len(gone)


def embed_texts(ds: Dataset, name: str | None = None, *, batch: int | None = None,
                on_batch: Callable[[int], None] | None = None) -> TextEmbedSummary:
    """Embed the texts that are new or changed since the last run, then rebuild the FAISS index.
    ``batch``: texts stored per transaction (default 64, or the model's forward batch when larger)."""
    from figdex.models.text_embedders import create_text_embedder

    embedder = create_text_embedder(name or text_embedder_name(ds))
    batch = batch or max(64, getattr(embedder, "batch_size", 0))
    eid = embedder.config.id
    texts = master_texts(ds)
    summary = TextEmbedSummary(eid)
    summary.embedded, summary.dropped = embed_changed_texts(ds, embedder, eid, texts, batch, on_batch)
    summary.unchanged = len(texts) - summary.embedded
    summary.indexed = rebuild_text_index(ds, eid)
    return summary


def has_caption_vectors(ds: Dataset) -> bool:
    """Whether the dataset keeps caption vectors of its text embedder (then ingest keeps them in step)."""
    return ds.conn.execute("SELECT 1 FROM embeddings WHERE embedder LIKE ? LIMIT 1",
                           (f"{text_embedder_name(ds)}@%",)).fetchone() is not None


@dataclass
class CaptionStageSummary:
    """What the caption stage did: the vectors, then the text-image alignment kept in step."""

    vectors: TextEmbedSummary
    regrown: tuple[int, int] | None = None  # (pairs trained on, pairs now) when the alignment was retrained
    alignment: object | None = None  # AlignSummary of that retraining
    aligned_indexed: int | None = None  # images in the aligned index when it was only rebuilt
    image_texts: tuple[int, int] | None = None  # image-text vectors (embedded, indexed), where images were read


def caption_stage(ds: Dataset, *, on_start: Callable[[int], None] | None = None,
                  on_batch: Callable[[int], None] | None = None,
                  on_step: Callable[[str], None] | None = None) -> CaptionStageSummary:
    """Caption vectors for new or changed texts, then the alignment (`figdex index align`) kept in
    step: retrained once the dataset's (image, caption) pairs grew enough, else its index rebuilt
    (image vectors may have changed).  ``on_start(texts)`` is called once the model is loaded.
    Raises TextEmbedderError (an UnavailableError) without figdex[semantic]."""
    from figdex.ingest.align import align_dataset, alignment_status, load_alignment, rebuild_aligned_index
    from figdex.models.text_embedders import (INSTALL_HINT, TextEmbedderError, create_text_embedder,
                                              semantic_available)

    if not semantic_available():
        raise TextEmbedderError(f"caption vectors need the sentence model: {INSTALL_HINT}")
    name = text_embedder_name(ds)
    create_text_embedder(name)  # loaded before on_start: a model load would inflate a progress bar's ETA
    if on_start:
        on_start(len(master_texts(ds)))
    summary = CaptionStageSummary(embed_texts(ds, name, on_batch=on_batch))
    from figdex.ingest.image_text import embed_image_texts, has_image_texts

    if has_image_texts(ds):  # the words read in the images (`figdex index image-text`), same model
        summary.image_texts = embed_image_texts(ds, name)[1:]
    status = alignment_status(ds)
    if status is None:
        return summary
    if status["behind"]:
        summary.regrown = (status["trained_pairs"], status["pairs_now"])
        summary.alignment = align_dataset(ds, on_step=on_step)
    else:
        summary.aligned_indexed = rebuild_aligned_index(ds, load_alignment(ds))
    return summary


def rebuild_text_index(ds: Dataset, embedder_id: str) -> int:
    """Recreate the caption FAISS index from the vectors in the database; returns its size."""
    ids, vectors = load_vectors(ds.conn, embedder_id)
    path = text_index_path(ds, embedder_id)
    if not len(ids):
        for p in (path, path.with_suffix(".json")):
            p.unlink(missing_ok=True)
        return 0
    index = VectorIndex.build(embedder_id, ids, vectors)
    index.save(path)
    return index.info.count


def rebuild_semantic_indexes(ds: Dataset) -> dict[str, int]:
    """The caption index and the aligned image index, recreated from the database (no model runs):
    `figdex index rebuild` calls it.  Returns {index name: vectors}; empty when the dataset has neither."""
    from figdex.ingest.align import _versions, load_alignment, rebuild_aligned_index

    out = {}
    for (eid,) in ds.conn.execute("SELECT DISTINCT embedder FROM embeddings WHERE embedder LIKE ?",
                                  (f"{text_embedder_name(ds)}@%",)).fetchall():
        out[eid] = rebuild_text_index(ds, eid)
    from figdex.ingest.image_text import PREFIX, rebuild_image_text_index

    for (eid,) in ds.conn.execute("SELECT DISTINCT embedder FROM embeddings WHERE embedder LIKE ?",
                                  (f"{PREFIX}%",)).fetchall():
        out[eid] = rebuild_image_text_index(ds, eid[len(PREFIX):])
    if _versions(ds):
        alignment = load_alignment(ds)
        out[alignment.name] = rebuild_aligned_index(ds, alignment)
    return out
