"""`figdex index align`: align the caption model with the image embedder on this dataset's own pairs.

Pairs are the master images that have both an image vector (the dataset's active image
embedder) and a text vector (their sub-caption, else their caption: ingest/text_embed.py).
Two heads are trained (models/alignment.py) and saved with the dataset:

    alignment/align-vN.json          name, towers, pair count, dataset state, training, sha256s
    alignment/align-vN.text.npy      text head
    alignment/align-vN.image.npy     image head
    vectors/align-vN.faiss           every image vector through the image head (also the images
                                     without any text: that is what makes them findable by words)

The description records how many pairs it was trained on and a digest of them (the dataset
state); when the dataset has grown past it (``ALIGN_REGROW``), `figdex index embed` trains a new
version and `search --by-content` says the alignment is behind.  Heads are checked against
their sha256 on load.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from figdex.errors import InputError
from figdex.index.db import Dataset, now
from figdex.index.vectors import VectorIndex, load_vectors
from figdex.ingest.embed import active_embedder

MIN_PAIRS = 16
ALIGN_REGROW = 1.10  # retrain once the dataset has 10 % more pairs than the alignment saw


@dataclass
class AlignSummary:
    name: str
    pairs: int = 0
    excluded: int = 0
    images_indexed: int = 0
    text_embedder: str = ""
    image_embedder: str = ""
    metrics: dict = field(default_factory=dict)
    seconds: float = 0.0


@dataclass(frozen=True)
class Alignment:
    name: str
    meta: dict
    text_head: np.ndarray
    image_head: np.ndarray
    folder: Path

    @property
    def index_path(self) -> Path:
        return self.folder.parent / "vectors" / f"{self.name}.faiss"


def alignment_folder(ds: Dataset) -> Path:
    return ds.root / "alignment"


def _versions(ds: Dataset) -> list[int]:
    folder = alignment_folder(ds)
    out = []
    for p in folder.glob("align-v*.json") if folder.is_dir() else []:
        tail = p.stem.rsplit("-v", 1)[1]
        if tail.isdigit():
            out.append(int(tail))
    return sorted(out)


def _ids(ds: Dataset) -> tuple[str, str]:
    from figdex.ingest.text_embed import text_embedder_name
    from figdex.models.text_embedders import create_text_embedder

    text_id = create_text_embedder(text_embedder_name(ds)).config.id
    image_name = active_embedder(ds)
    row = ds.conn.execute("SELECT embedder FROM embeddings WHERE embedder LIKE ? ORDER BY embedder DESC LIMIT 1",
                          (f"{image_name}@%",)).fetchone()
    if row is None:
        raise InputError(f"the dataset {ds.root} has no {image_name} image vectors; run "
                         f"`figdex index embed --dataset {ds.root}` first")
    return text_id, row[0]


def current_pairs(ds: Dataset, text_id: str, image_id: str) -> list[int]:
    """Master ids having both vectors, ascending."""
    return [r[0] for r in ds.conn.execute(
        "SELECT t.master_image_id FROM embeddings t JOIN embeddings i ON i.master_image_id = t.master_image_id "
        "WHERE t.embedder = ? AND i.embedder = ? AND t.vector IS NOT NULL AND i.vector IS NOT NULL "
        "ORDER BY t.master_image_id", (text_id, image_id))]


def _state(ds: Dataset, ids: list[int], text_id: str, image_id: str) -> str:
    """A digest of the pairs: their ids and what was embedded for each (text and image sha256)."""
    h = hashlib.sha256()
    rows = ds.conn.execute(
        "SELECT t.master_image_id, t.image_sha256, i.image_sha256 FROM embeddings t JOIN embeddings i "
        "ON i.master_image_id = t.master_image_id WHERE t.embedder = ? AND i.embedder = ? "
        "ORDER BY t.master_image_id", (text_id, image_id))
    wanted = set(ids)
    for mid, ts, isha in rows:
        if mid in wanted:
            h.update(f"{mid}:{ts}:{isha}\n".encode())
    return h.hexdigest()


def _paired(ds: Dataset, embedder_id: str, ids: list[int]) -> np.ndarray:
    all_ids, vectors = load_vectors(ds.conn, embedder_id)
    pos = {int(m): i for i, m in enumerate(all_ids)}
    return vectors[[pos[m] for m in ids]]


def align_dataset(ds: Dataset, *, exclude: Iterable[int] = (), dim: int = 128, epochs: int = 200, seed: int = 0,
                  on_step: Callable[[str], None] | None = None) -> AlignSummary:
    """Train and save a new alignment on the dataset's pairs (``exclude``: master ids to leave out,
    e.g. held-out papers of a benchmark)."""
    from figdex.models.alignment import AlignConfig, train_alignment
    from figdex.models.tuning import save_head

    started = time.perf_counter()
    step = on_step or (lambda msg: None)
    text_id, image_id = _ids(ds)
    excluded = set(exclude)
    ids = [m for m in current_pairs(ds, text_id, image_id) if m not in excluded]
    if len(ids) < MIN_PAIRS:
        raise InputError(
            f"alignment needs at least {MIN_PAIRS} (image, sub-caption) pairs; the dataset {ds.root} has {len(ids)} "
            f"master images with both an image vector and a caption vector. Ingest captioned figures with their "
            f"images (`figdex ingest PAGES`), then `figdex index embed --dataset {ds.root}`")
    name = f"align-v{(_versions(ds) or [0])[-1] + 1}"
    summary = AlignSummary(name, pairs=len(ids), excluded=len(excluded), text_embedder=text_id, image_embedder=image_id)
    step(f"training {name} on {len(ids)} (image, caption) pairs: {text_id} x {image_id}")
    cfg = AlignConfig(dim=dim, epochs=epochs, seed=seed)
    text_head, image_head, metrics = train_alignment(_paired(ds, text_id, ids), _paired(ds, image_id, ids), cfg,
                                                     log=step)
    summary.metrics = metrics
    folder = alignment_folder(ds)
    sha_t = save_head(text_head, folder / f"{name}.text.npy")
    sha_i = save_head(image_head, folder / f"{name}.image.npy")
    meta = {"name": name, "text_embedder": text_id, "image_embedder": image_id, "pairs": len(ids),
            "excluded": len(excluded), "state": _state(ds, ids, text_id, image_id), "created": now(),
            "text_head": f"{name}.text.npy", "text_sha256": sha_t,
            "image_head": f"{name}.image.npy", "image_sha256": sha_i,
            "training": asdict(cfg), "metrics": metrics}
    tmp = folder / f".{name}.json.part"
    tmp.write_text(json.dumps(meta, indent=1) + "\n")
    tmp.replace(folder / f"{name}.json")  # the alignment exists only once its description is complete
    alignment = load_alignment(ds, name)
    summary.images_indexed = rebuild_aligned_index(ds, alignment)
    summary.seconds = round(time.perf_counter() - started, 1)
    return summary


def load_alignment(ds: Dataset, name: str | None = None) -> Alignment:
    """The newest alignment (or ``name``), its heads checked against their sha256."""
    from figdex.models.tuning import load_head

    versions = _versions(ds)
    if name is None:
        if not versions:
            raise AlignmentMissing(f"the dataset {ds.root} has no text-image alignment; run "
                                   f"`figdex index align --dataset {ds.root}` first")
        name = f"align-v{versions[-1]}"
    path = alignment_folder(ds) / f"{name}.json"
    try:
        meta = json.loads(path.read_text())
        text_head = load_head(path.with_name(meta["text_head"]), meta["text_sha256"])
        image_head = load_head(path.with_name(meta["image_head"]), meta["image_sha256"])
    except (OSError, ValueError, KeyError) as exc:
        raise AlignmentMissing(f"{path}: not a complete alignment ({exc}); run `figdex index align` again") from exc
    return Alignment(name, meta, text_head, image_head, alignment_folder(ds))


class AlignmentMissing(InputError):
    """No (usable) alignment in the dataset: a valid request this dataset cannot answer yet (409
    Conflict in the web API); the message says how to train one."""

    http_status = 409


def rebuild_aligned_index(ds: Dataset, alignment: Alignment) -> int:
    """Every image vector of the alignment's image embedder through its image head, as a FAISS index."""
    from figdex.models.tuning import apply_head

    ids, vectors = load_vectors(ds.conn, alignment.meta["image_embedder"])
    if not len(ids):
        return 0
    index = VectorIndex.build(alignment.name, ids, apply_head(vectors, alignment.image_head))
    index.save(alignment.index_path)
    return index.info.count


def alignment_status(ds: Dataset) -> dict | None:
    """Pairs the newest alignment was trained on and pairs the dataset has now; None without one."""
    versions = _versions(ds)
    if not versions:
        return None
    meta = json.loads((alignment_folder(ds) / f"align-v{versions[-1]}.json").read_text())
    now_pairs = len(current_pairs(ds, meta["text_embedder"], meta["image_embedder"]))
    trained = int(meta["pairs"]) + int(meta.get("excluded", 0))
    return {"name": meta["name"], "trained_pairs": int(meta["pairs"]), "pairs_now": now_pairs,
            "behind": now_pairs >= max(trained + 1, int(trained * ALIGN_REGROW))}
