"""Domain tuning on a dataset's own images, without labels (the seed STEM2Sim's idea).

`figdex index tune` trains a projection head on frozen EfficientNet-Lite0 features of
augmented views of the dataset's stored images with a contrastive loss whose positives are
the views of the same image (NT-Xent, as STEM2Sim), then measures retrieval on images of
figures it did not train on, before and after:

* view retrieval: find the original image from an augmented view of it (crop, rotation,
  contrast, blur/noise), among the held-out originals;
* sibling retrieval: other panels of the same figure should rank above panels of other
  figures (only when the held-out figures have several master images).

The head is saved with the dataset (``embedders/<name>.npy`` + ``<name>.json`` with its
sha256, training parameters and the measurements) and becomes an embedder of that dataset:
``figdex index embed --embedder <name>``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from figdex.errors import InputError
from figdex.index.db import Dataset, now
from figdex.ingest.embed import FigureImages, local_embedders, master_crop

BASE = "efficientnet-lite0"
MIN_IMAGES = 8


@dataclass
class TuneSummary:
    name: str
    images: int = 0
    train_images: int = 0
    heldout_images: int = 0
    views: int = 0
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    weights: str = ""
    sha256: str = ""
    seconds: float = 0.0


def _next_name(ds: Dataset) -> str:
    folder = local_embedders(ds)
    taken = [int(p.stem.rsplit("-v", 1)[1]) for p in folder.glob("lite0-tuned-v*.json")
             if p.stem.rsplit("-v", 1)[1].isdigit()] if folder.is_dir() else []
    return f"lite0-tuned-v{max(taken, default=0) + 1}"


def _metrics(orig: np.ndarray, views: np.ndarray, figures: np.ndarray) -> dict:
    """View-retrieval mAP/recall@1 and sibling mAP on held-out images (vectors L2-normalised)."""
    from figdex.models.tuning import chance_map, retrieval_map

    n, v = views.shape[:2]
    queries = views.reshape(n * v, -1)
    owner = np.repeat(np.arange(n), v)
    relevant = owner[:, None] == np.arange(n)[None, :]
    view_map, _, first = retrieval_map(queries, orig, relevant)
    out = {"view_mAP": round(view_map, 4), "view_recall@1": round(float(np.mean(first == 1)), 4),
           "view_queries": int(n * v)}
    same_fig = figures[:, None] == figures[None, :]
    has_sibling = (same_fig.sum(1) >= 2)
    if has_sibling.sum() >= 2:
        q = np.flatnonzero(has_sibling)
        ignore = np.zeros((len(q), n), bool)
        ignore[np.arange(len(q)), q] = True
        rel = same_fig[q] & ~ignore
        sib_map, _, _ = retrieval_map(orig[q], orig, rel, ignore)
        out.update({"sibling_mAP": round(sib_map, 4), "sibling_queries": int(len(q)),
                    "sibling_chance_mAP": round(chance_map(rel, ignore), 4)})
    return out


def tune_embedder(ds: Dataset, *, views: int = 4, epochs: int = 150, dim: int = 128, seed: int = 0,
                  holdout: float = 0.25, max_images: int = 2000,
                  on_step: Callable[[str], None] | None = None) -> TuneSummary:
    from figdex.models.embedders import create_embedder, l2_normalise
    from figdex.models.tuning import TrainConfig, apply_head, augment_stem, save_head, train_head, view_rng

    started = time.perf_counter()
    step = on_step or (lambda msg: None)
    if views < 2:
        raise InputError("--views must be at least 2: the loss needs two views of an image")
    rows = ds.conn.execute(
        """SELECT m.id, m.uid, m.figure_id, m.x0, m.y0, m.x1, m.y1, f.image_path FROM master_images m
           JOIN figures f ON f.id = m.figure_id WHERE f.image_status = 'ok' ORDER BY m.id""").fetchall()
    if len(rows) < MIN_IMAGES:
        raise InputError(f"tuning needs at least {MIN_IMAGES} stored images; the dataset has {len(rows)}. "
                         "Ingest more figures or image folders first")
    rng = np.random.default_rng(seed)
    if len(rows) > max_images:
        rows = [rows[i] for i in np.sort(rng.choice(len(rows), max_images, replace=False))]
    figures = sorted({r["figure_id"] for r in rows})
    held = set(rng.choice(figures, max(1, int(round(len(figures) * holdout))), replace=False).tolist())
    if len(held) == len(figures):
        raise InputError("every figure would be held out; lower --holdout or ingest more figures")
    name = _next_name(ds)
    summary = TuneSummary(name, images=len(rows), views=views)
    base = create_embedder(BASE)
    step(f"embedding {len(rows)} images x {views + 1} views with {base.config.id}")
    feats = np.empty((len(rows), views + 1, base.config.dim), np.float32)
    figures = FigureImages()
    for i, row in enumerate(rows):
        crop = master_crop(ds, row, figures)
        imgs = [crop] + [augment_stem(crop, view_rng(seed, row["uid"], v)) for v in range(views)]
        feats[i] = base.embed(imgs)
        if (i + 1) % 50 == 0:
            step(f"  {i + 1}/{len(rows)}")
    test = np.array([r["figure_id"] in held for r in rows])
    summary.train_images, summary.heldout_images = int((~test).sum()), int(test.sum())
    train = feats[~test].reshape(-1, feats.shape[-1])
    labels = np.repeat(np.arange(int((~test).sum())), views + 1)
    step(f"training a {dim}-d head on {len(train)} views of {summary.train_images} images ({epochs} steps)")
    cfg = TrainConfig(dim=dim, loss="ntxent", epochs=epochs, seed=seed)
    head = train_head(train, labels, cfg)
    fig_ids = np.array([r["figure_id"] for r in rows])[test]
    before = _metrics(l2_normalise(feats[test, 0]), feats[test, 1:], fig_ids)
    after_views = apply_head(feats[test].reshape(-1, feats.shape[-1]), head).reshape(int(test.sum()), views + 1, -1)
    after = _metrics(after_views[:, 0], after_views[:, 1:], fig_ids)
    summary.before, summary.after = before, after
    folder = local_embedders(ds)
    weights = folder / f"{name}.npy"
    summary.sha256 = save_head(head, weights)
    summary.weights = str(weights)
    summary.seconds = round(time.perf_counter() - started, 1)
    meta = {"name": name, "base": BASE, "weights": weights.name, "sha256": summary.sha256, "created": now(),
            "training": {**asdict(cfg), "views": views, "holdout": holdout, "images": summary.images,
                         "train_images": summary.train_images, "heldout_images": summary.heldout_images},
            "before": before, "after": after}
    tmp = folder / f".{name}.json.part"
    tmp.write_text(json.dumps(meta, indent=1) + "\n")
    tmp.replace(folder / f"{name}.json")  # the embedder exists only once its description is complete
    return summary
