"""The embedding stage: a CNN vector for every stored master image, kept in the database,
and the FAISS index derived from those vectors.

Vectors are stored per (master image, embedder) with the sha256 of the figure they were cut
from, so re-running embeds only new or changed images; the FAISS index is then rebuilt from
the database (cheap: no CNN).  A dataset has one active embedder (config "embedder");
switching embedders builds a separate index — vectors of different embedders never mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from figdex import settings
from figdex.errors import InputError
from figdex.index.db import Dataset
from figdex.index.vectors import VectorIndex, VectorIndexError, load_vectors, store_vectors

DEFAULT_EMBEDDER = "efficientnet-lite0"


@dataclass
class EmbedSummary:
    embedder: str
    embedded: int = 0
    unchanged: int = 0
    indexed: int = 0
    factory: str = ""
    failures: list = field(default_factory=list)  # reasons, one per image that could not be read


def index_path(ds: Dataset, embedder_id: str) -> Path:
    return ds.root / "vectors" / f"{embedder_id.replace('@', '-v')}.faiss"


def local_embedders(ds: Dataset) -> Path:
    """Where embedders tuned on this dataset (`figdex index tune`) are kept."""
    return ds.root / "embedders"


def active_embedder(ds: Dataset) -> str:
    return ds.config.get("embedder", DEFAULT_EMBEDDER)


def master_crop(ds: Dataset, row, figures: "FigureImages | None" = None) -> np.ndarray:
    """A master image's pixels: its box in its figure's image (the whole image when it has none).
    ``figures`` keeps the last figure decoded, so that the panels of one figure, which follow one
    another in id order, decode it once rather than once per panel."""
    image = (figures or FigureImages()).load(ds.root / row["image_path"])
    if row["x0"] is None:
        return image
    x0, y0, x1, y1 = (int(row[k]) for k in ("x0", "y0", "x1", "y1"))
    crop = image[max(0, y0):y1, max(0, x0):x1]
    # A copy: a view would keep the whole figure's pixels alive for as long as the crop.
    return crop.copy() if crop.size else image


class FigureImages:
    """The last figure image decoded (path and pixels): one entry, so memory stays one figure."""

    def __init__(self):
        self._path, self._pixels = None, None

    def load(self, path: Path) -> np.ndarray:
        from figdex.models.ocr import load_rgb

        if path != self._path:
            self._path, self._pixels = None, None  # a failed load leaves no stale entry
            self._pixels, self._path = load_rgb(path), path
        return self._pixels


def require_images(ds: Dataset) -> None:
    """Refuse to embed or compare images in a dataset that has none stored, saying how to add
    some (not "run `figdex index embed`", which cannot help)."""
    if ds.conn.execute("SELECT 1 FROM master_images m JOIN figures f ON f.id = m.figure_id "
                       "WHERE f.image_status = 'ok' LIMIT 1").fetchone() is None:
        raise InputError(
            f"the dataset {ds.root} has no stored images yet, so there is nothing to embed or compare; add "
            f"some with `figdex ingest PAGES_OR_FOLDERS` (article pages saved with their figure files) or "
            f"`figdex ingest-images FOLDER --label LABEL` (plain folders of images)")


def embed_dataset(ds: Dataset, embedder_name: str | None = None, *, batch: int | None = None,
                  on_batch: Callable[[int], None] | None = None) -> EmbedSummary:
    """Vectors for the master images that are new or changed, then the FAISS index rebuilt.
    ``batch``: images read and stored per transaction (default 32, or the embedder's forward
    batch when that is larger: on a GPU, figdex/devices.py)."""
    from figdex.models.embedders import create_embedder

    require_images(ds)
    embedder = create_embedder(embedder_name or active_embedder(ds), local_dir=local_embedders(ds))
    batch = batch or max(32, embedder.batch_size)
    eid = embedder.config.id
    rows = ds.conn.execute(
        """SELECT m.id, m.x0, m.y0, m.x1, m.y1, f.image_path, f.image_sha256,
                  e.image_sha256 AS embedded_sha, e.vector IS NOT NULL AS has_vector
           FROM master_images m JOIN figures f ON f.id = m.figure_id
           LEFT JOIN embeddings e ON e.master_image_id = m.id AND e.embedder = ?
           WHERE f.image_status = 'ok' ORDER BY m.id""", (eid,)).fetchall()
    todo = [r for r in rows if not r["has_vector"] or r["embedded_sha"] != r["image_sha256"]]
    summary = EmbedSummary(eid, unchanged=len(rows) - len(todo))
    figures = FigureImages()
    for start in range(0, len(todo), batch):
        chunk, crops = [], []
        for row in todo[start:start + batch]:
            try:
                crops.append(master_crop(ds, row, figures))
            except (OSError, ValueError) as exc:  # a file damaged since it was stored: the others go on
                summary.failures.append(f"{exc}; not embedded: ingest its source again with --force")
                continue
            chunk.append(row)
        if chunk:
            vectors = embedder.embed(crops)
            with ds.transaction():  # one batch per transaction: an interrupted run keeps what it did
                store_vectors(ds.conn, eid, [r["id"] for r in chunk], vectors, [r["image_sha256"] for r in chunk])
        summary.embedded += len(chunk)
        if on_batch:
            on_batch(len(todo[start:start + batch]))
    info = rebuild_vector_index(ds, eid)
    summary.indexed, summary.factory = info.count, info.factory
    if embedder_name or "embedder" not in settings.read_config(ds.root):
        ds.set_config(embedder=embedder.config.name)  # the index searched from now on
    return summary


def rebuild_vector_index(ds: Dataset, embedder_id: str):
    """Recreate the FAISS index of one embedder from the vectors in the database."""
    # Vectors of master images that no longer exist are dropped with them (ON DELETE CASCADE).
    ids, vectors = load_vectors(ds.conn, embedder_id)
    if not len(ids):
        raise VectorIndexError(f"no vectors of {embedder_id} in the dataset; run `figdex index embed` first")
    index = VectorIndex.build(embedder_id, ids, vectors)
    index.save(index_path(ds, embedder_id))
    return index.info
