"""Text-to-image alignment: two small projection heads on frozen towers (locked-image tuning, LiT).

    t = normalise( normalise(text_model(caption)) @ Wt + bt )      Wt: 384 x d
    v = normalise( normalise(image_model(image))  @ Wi + bi )      Wi: 1280 x d

Both towers stay frozen (their vectors are the ones already stored in the dataset); only the
heads learn, with the symmetric InfoNCE loss of CLIP on the dataset's own (master image,
sub-caption) pairs: each image should be nearer its own text than the other texts of the batch,
and each text nearer its own image.  A few hundred to a few thousand pairs train in seconds to
minutes on a CPU.  The heads are saved as plain .npy files (deterministic bytes) with their
sha256 in a JSON description, like ``index tune``'s heads (models/tuning.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from figdex.models.tuning import apply_head


@dataclass(frozen=True)
class AlignConfig:
    dim: int = 128
    temperature: float = 0.05
    epochs: int = 200           # passes over the pairs
    batch: int = 256            # pairs per step (the other pairs of a batch are the negatives)
    lr: float = 2e-3
    weight_decay: float = 1e-3
    seed: int = 0


def _init_head(features: np.ndarray, dim: int, rng: np.random.Generator) -> np.ndarray:
    """(D + 1, dim): the PCA basis of the features when there are enough, else a random orthogonal map."""
    from figdex.models.tuning import pca_head

    if len(features) > dim:
        return pca_head(features, dim)
    q, _ = np.linalg.qr(rng.normal(size=(features.shape[1], dim)))
    return np.vstack([q, np.zeros((1, dim))]).astype(np.float32)


def train_alignment(text_vectors: np.ndarray, image_vectors: np.ndarray, cfg: AlignConfig = AlignConfig(),
                    log: Callable[[str], None] | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Heads (text, image), each (D + 1, dim), trained on aligned rows of the two matrices.

    Returns also the last epoch's mean loss and the in-sample recall@1 (text -> image), which say
    whether training converged, not how well it generalises (bench/semantic_search.py measures
    that on held-out papers)."""
    import torch

    if len(text_vectors) != len(image_vectors):
        raise ValueError("text and image vectors must be paired row by row")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same pairs give the same heads, bit for bit
    try:
        torch.manual_seed(cfg.seed)
        rng = np.random.default_rng(cfg.seed)
        xt = torch.from_numpy(np.ascontiguousarray(text_vectors, np.float32))
        xi = torch.from_numpy(np.ascontiguousarray(image_vectors, np.float32))
        ht = torch.from_numpy(_init_head(text_vectors, cfg.dim, rng))
        hi = torch.from_numpy(_init_head(image_vectors, cfg.dim, rng))
        wt, bt = ht[:-1].clone().requires_grad_(True), ht[-1].clone().requires_grad_(True)
        wi, bi = hi[:-1].clone().requires_grad_(True), hi[-1].clone().requires_grad_(True)
        opt = torch.optim.AdamW([wt, bt, wi, bi], lr=cfg.lr, weight_decay=cfg.weight_decay)
        n = len(xt)
        last = 0.0
        for epoch in range(cfg.epochs):
            order = torch.from_numpy(rng.permutation(n))
            total = 0.0
            for start in range(0, n, cfg.batch):
                idx = order[start:start + cfg.batch]
                if len(idx) < 2:
                    continue
                zt = torch.nn.functional.normalize(xt[idx] @ wt + bt, dim=1)
                zi = torch.nn.functional.normalize(xi[idx] @ wi + bi, dim=1)
                logits = zt @ zi.T / cfg.temperature
                target = torch.arange(len(idx))
                loss = (torch.nn.functional.cross_entropy(logits, target)
                        + torch.nn.functional.cross_entropy(logits.T, target)) / 2
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            last = total / n
            if log and (epoch % 50 == 0 or epoch == cfg.epochs - 1):
                log(f"epoch {epoch:4d}  loss {last:.4f}")
        text_head = np.vstack([wt.detach().numpy(), bt.detach().numpy()[None]]).astype(np.float32)
        image_head = np.vstack([wi.detach().numpy(), bi.detach().numpy()[None]]).astype(np.float32)
    finally:
        torch.set_num_threads(threads)
    zt, zi = apply_head(text_vectors, text_head), apply_head(image_vectors, image_head)
    recall1 = float(np.mean((zt @ zi.T).argmax(1) == np.arange(len(zt))))
    return text_head, image_head, {"loss": round(last, 4), "train_recall@1": round(recall1, 4)}
