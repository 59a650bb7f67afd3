"""Reproduce the ``efficientnet-lite0-stem`` head (models/weights/) from ../shared/corpus.

    python -m figdex.models.train_tuning                    # rebuild and compare with the shipped file
    python -m figdex.models.train_tuning --out /tmp/h.npy   # write elsewhere
    python -m figdex.models.train_tuning --check            # exit 1 unless the result is bit-identical

Recipe (all seeded): every atomagined image of the TRAIN structures (STEM_TRAIN_STRUCTURES; the
other structures are held out, unseen, for bench/domain_tuning.py), the original plus
``views`` augmented views each (models/tuning.augment_stem, seed 0), embedded by
EfficientNet-Lite0 on the CPU; then models/tuning.train_head with the TrainConfig below
(full batch, float64, one thread).  The Lite0 features are computed with FIGDEX_THREADS=2
(the default); a different thread count or CPU can change them in the last bits, and the head
then differs by a comparable amount (the script prints the largest difference).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from figdex.models.tuning import (STEM_BASE, STEM_SHA256, STEM_WEIGHTS, FeatureCache, TrainConfig,
                                  atomagined_images, augment_stem, file_key, save_head, train_head, view_rng)

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
# Structures the shipped head is trained on; 020790 and 411361 (atomagined's own retrieval
# targets) are never seen in training.
STEM_TRAIN_STRUCTURES = ("010438", "052227", "391225")
STEM_VIEWS = 8
STEM_CONFIG = TrainConfig()


def stem_features(corpus: Path, views: int = STEM_VIEWS, seed: int = 0, structures=None, log=None):
    """(images, views + 1, 1280) Lite0 features of the atomagined images (view 0 = the original)."""
    from figdex.models.embedders import create_embedder
    from figdex.models.ocr import load_rgb

    items = [it for it in atomagined_images(corpus) if structures is None or it.structure in structures]
    embedder = create_embedder(STEM_BASE)
    cache = FeatureCache(embedder.config.id)
    keys, jobs = [], []
    for i, it in enumerate(items):
        for v in range(views + 1):
            keys.append(file_key(it.path, corpus) + (f"|aug:{seed}:{v}" if v else ""))
            jobs.append((i, v))

    def load(j):
        i, v = jobs[j]
        img = load_rgb(items[i].path)
        return img if v == 0 else augment_stem(img, view_rng(seed, items[i].rel, v))

    def progress(done, total):
        if log and (done == total or done % 128 == 0):
            log(f"embedded {done}/{total} views")

    feats = cache.get(embedder, keys, load, progress=progress)
    return items, feats.reshape(len(items), views + 1, -1)


def train_stem_head(corpus: Path, log=None) -> np.ndarray:
    items, feats = stem_features(corpus, structures=set(STEM_TRAIN_STRUCTURES), log=log)
    labels = np.repeat([it.structure for it in items], feats.shape[1])
    return train_head(feats.reshape(-1, feats.shape[-1]), labels, STEM_CONFIG, log=log)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--out", type=Path, default=STEM_WEIGHTS)
    ap.add_argument("--check", action="store_true", help="fail unless the rebuilt head is bit-identical")
    args = ap.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    shipped = np.load(STEM_WEIGHTS) if STEM_WEIGHTS.exists() else None
    head = train_stem_head(args.corpus, log)
    if args.check:
        args.out = args.out if args.out != STEM_WEIGHTS else Path("/tmp") / "figdex-stem-check.npy"
    digest = save_head(head, args.out)
    print(f"wrote {args.out}  sha256 {digest}")
    if shipped is not None:
        diff = float(np.abs(shipped - head).max()) if shipped.shape == head.shape else float("inf")
        same = digest == STEM_SHA256
        print(f"shipped sha256 {STEM_SHA256}: {'identical' if same else 'DIFFERENT'} "
              f"(largest weight difference {diff:.3g})")
        if args.check and not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
