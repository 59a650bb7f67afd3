"""Domain tuning measured: retrieval on simulated HAADF-STEM and on real micrographs, before/after.

"Before" is EfficientNet-Lite0 (1280-d, ImageNet); "after" is the same network plus the head
of models/tuning.py (256-d) trained on atomagined.  Relevant = same ICSD structure.

Protocols on ../shared/corpus/atomagined (142 images, 5 structures):
* shipped: the head in models/weights/ (trained on structures STEM_TRAIN_STRUCTURES).
  Queries: the images of the two unseen structures (020790, 411361), and separately the
  images of the three training structures (in-sample: they were trained on, so optimistic).
  Gallery: all 142 images.
* unseen-CV: the same recipe retrained for each of the 10 ways to hold out 2 of the 5
  structures; queries = the held-out structures' images, gallery = all 142.
* seen-CV (--seen-cv): structures seen, zone axes not: for 3 folds, a third of each
  structure's zone axes is held out of training; queries = the held-out images.
* label-free (--ntxent): the unseen-CV splits with NT-Xent (positives = views of the same
  image, no structure labels), the STEM2Sim recipe.
Every row also gives "PCA only" (the head's untrained start) so that the training's own
effect shows.

On real micrographs: the sibling test and copy detection of bench/retrieval_quality.py
(same defaults) for Lite0 and the shipped tuned embedder, so that a head that helps STEM
and hurts real micrographs shows.

    python bench/domain_tuning.py                      # shipped + unseen-CV + real micrographs
    python bench/domain_tuning.py --seen-cv --ntxent   # all protocols
    python bench/domain_tuning.py --full               # real-micrograph benches on every image
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import retrieval_quality as rq  # noqa: E402

from figdex.models.embedders import create_embedder  # noqa: E402
from figdex.models.train_tuning import STEM_CONFIG, STEM_TRAIN_STRUCTURES, STEM_VIEWS, stem_features  # noqa: E402
from figdex.models.tuning import (STEM_NAME, apply_head, chance_map, pca_head, retrieval_map,  # noqa: E402
                                  same_label, train_head)


def stem_map(vecs: np.ndarray, structures: np.ndarray, query_mask: np.ndarray) -> float:
    q = np.flatnonzero(query_mask)
    relevant = same_label(structures[q], structures)
    ignore = np.zeros_like(relevant)
    ignore[np.arange(len(q)), q] = True
    relevant &= ~ignore
    return retrieval_map(vecs[q], vecs, relevant, ignore)[0]


def stem_chance(structures: np.ndarray, query_mask: np.ndarray) -> float:
    q = np.flatnonzero(query_mask)
    relevant = same_label(structures[q], structures)
    ignore = np.zeros_like(relevant)
    ignore[np.arange(len(q)), q] = True
    return chance_map(relevant & ~ignore, ignore)


def fit(feats: np.ndarray, labels: np.ndarray, train: np.ndarray, cfg, log=None):
    """Head trained on the images ``train`` (all their views); also the PCA-only head."""
    views = feats.shape[1]
    x = feats[train].reshape(-1, feats.shape[-1])
    if cfg.loss == "supcon":
        y = np.repeat(labels[train], views)
    else:  # NT-Xent: each image is its own class
        y = np.repeat(np.flatnonzero(train), views)
    return train_head(x, y, cfg, log), pca_head(x, cfg.dim)


def cv_rows(feats, structures, cfg, splits, log) -> list[dict]:
    orig = feats[:, 0]
    rows = []
    for name, train, query in splits:
        t0 = time.perf_counter()
        head, pca = fit(feats, structures, train, cfg)
        rows.append({"split": name, "before": stem_map(orig, structures, query),
                     "pca_only": stem_map(apply_head(orig, pca), structures, query),
                     "after": stem_map(apply_head(orig, head), structures, query),
                     "chance": stem_chance(structures, query)})
        log(f"  {name}: before {rows[-1]['before']:.3f} after {rows[-1]['after']:.3f} "
            f"({time.perf_counter() - t0:.0f}s)")
    return rows


def summary(rows: list[dict]) -> dict:
    out = {k: float(np.mean([r[k] for r in rows])) for k in ("before", "pca_only", "after", "chance")}
    gains = [r["after"] - r["before"] for r in rows]
    out.update(splits=len(rows), min_gain=float(min(gains)), max_gain=float(max(gains)),
               improved=int(sum(g > 0 for g in gains)))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=rq.DEFAULT_CORPUS)
    ap.add_argument("--seen-cv", action="store_true", help="also: seen structures, held-out zone axes")
    ap.add_argument("--ntxent", action="store_true", help="also: label-free NT-Xent on the unseen-CV splits")
    ap.add_argument("--skip-cv", action="store_true", help="only the shipped head")
    ap.add_argument("--skip-real", action="store_true", help="skip the real-micrograph benches")
    ap.add_argument("--full", action="store_true", help="real-micrograph benches on every image")
    ap.add_argument("--out", type=Path, default=rq.RESULTS / "domain_tuning.json")
    args = ap.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    items, feats = stem_features(args.corpus, STEM_VIEWS, log=log)
    structures = np.array([it.structure for it in items])
    orig = feats[:, 0]
    tuned = create_embedder(STEM_NAME)
    report: dict = {"recipe": {"train_structures": STEM_TRAIN_STRUCTURES, "views": STEM_VIEWS,
                               "config": STEM_CONFIG.__dict__}}

    # -- the shipped head --------------------------------------------------------------------------
    seen = np.isin(structures, STEM_TRAIN_STRUCTURES)
    train_x = feats[seen].reshape(-1, feats.shape[-1])
    pca = pca_head(train_x, STEM_CONFIG.dim)
    shipped = {}
    for name, mask in (("unseen structures (020790, 411361)", ~seen), ("training structures (in-sample)", seen)):
        shipped[name] = {"queries": int(mask.sum()), "before": stem_map(orig, structures, mask),
                         "pca_only": stem_map(apply_head(orig, pca), structures, mask),
                         "after": stem_map(tuned.project(orig), structures, mask),
                         "chance": stem_chance(structures, mask)}
    report["shipped"] = shipped
    print("\n### atomagined, shipped head (mAP, relevant = same structure; gallery = all 142 images)\n")
    print("| queries | n | chance | before (Lite0) | PCA only | after (tuned) | after / before |")
    print("|---|---|---|---|---|---|---|")
    for name, r in shipped.items():
        print(f"| {name} | {r['queries']} | {r['chance']:.3f} | {r['before']:.3f} | {r['pca_only']:.3f} | "
              f"{r['after']:.3f} | {r['after'] / r['before']:.2f}x |")

    # -- cross-validated protocols -----------------------------------------------------------------
    protocols = []
    all_structures = sorted(set(structures))
    unseen_splits = [(f"test {'+'.join(test)}", ~np.isin(structures, test), np.isin(structures, test))
                     for test in itertools.combinations(all_structures, 2)]
    if not args.skip_cv:
        protocols.append(("unseen structures, SupCon", STEM_CONFIG, unseen_splits))
    if args.seen_cv:
        rng = np.random.default_rng(0)
        fold = np.zeros(len(items), int)
        for s in all_structures:
            zones = sorted({it.zone for it in items if it.structure == s})
            zf = dict(zip(zones, rng.permutation(len(zones)) % 3))
            for i, it in enumerate(items):
                if it.structure == s:
                    fold[i] = zf[it.zone]
        protocols.append(("seen structures, unseen zone axes, SupCon", STEM_CONFIG,
                          [(f"fold {k}", fold != k, fold == k) for k in range(3)]))
    if args.ntxent:
        protocols.append(("unseen structures, NT-Xent (no labels)", replace(STEM_CONFIG, loss="ntxent"),
                          unseen_splits))
    report["cv"] = {}
    for name, cfg, splits in protocols:
        log(f"{name}: {len(splits)} splits")
        rows = cv_rows(feats, structures, cfg, splits, log)
        report["cv"][name] = {"summary": summary(rows), "splits": rows}
    if report["cv"]:
        print("\n### atomagined, cross-validated (mean mAP over splits; the recipe retrained per split)\n")
        print("| protocol | splits | chance | before | PCA only | after | after / before | splits improved | "
              "gain min / max |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, r in report["cv"].items():
            s = r["summary"]
            print(f"| {name} | {s['splits']} | {s['chance']:.3f} | {s['before']:.3f} | {s['pca_only']:.3f} | "
                  f"{s['after']:.3f} | {s['after'] / s['before']:.2f}x | {s['improved']}/{s['splits']} | "
                  f"{s['min_gain']:+.3f} / {s['max_gain']:+.3f} |")

    # -- real micrographs --------------------------------------------------------------------------
    if not args.skip_real:
        rargs = argparse.Namespace(seed=0, full=args.full, per_source=30, distractors=150, singletons=100,
                                   separated=False, crop="area")
        embedders = {"efficientnet-lite0": tuned.base, STEM_NAME: tuned}
        report["siblings"] = rq.siblings(embedders, args.corpus, rargs, log)
        report["copy_detection"] = rq.copy_detection(embedders, args.corpus, rargs, log)
        print("\n### real micrographs, before (Lite0) / after (tuned)\n")
        print("| bench | metric | before | after | after - before |")
        print("|---|---|---|---|---|")
        for bench, metrics in (("siblings", ("mAP", "recall@1", "mAP_emps", "mAP_tldr")),
                               ("copy_detection", ("recall@1", "mAP"))):
            b, a = report[bench]["efficientnet-lite0"], report[bench][STEM_NAME]
            for m in metrics:
                print(f"| {bench} | {m} | {b[m]:.3f} | {a[m]:.3f} | {a[m] - b[m]:+.3f} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
