"""Train, check and evaluate the learned image classifier (models/image_classifier.py).

    python -m figdex.models.train_classifier            # rebuild models/weights/image-classifier.{npy,json}
    python -m figdex.models.train_classifier --check    # rebuild elsewhere; exit 1 unless it matches the shipped one
    python -m figdex.models.train_classifier --eval     # held-out report: rules vs learned, per class
    python -m figdex.models.train_classifier --eval --separation   # + `figdex eval separation` by fold

Recipe (all seeded, full batch, float64): the samples of models/classifier_data.py (real
micrographs, hand-labelled figure crops, their augmented views, derived FFT patterns);
features = EfficientNet-Lite0 (cached on disk under build/classifier-cache, keyed by file,
size, box and view) + the rule features + OCR tick-label counts (also cached); every row twice,
with the count known and unknown (classify() is also called without it); z-scored; weighted
multinomial logistic regression with an L2 penalty, solved by L-BFGS (scipy).  Weights: each
original image counts once (its views share that), classes balanced by 1/sqrt(count).

Held-out evaluation (--eval): 5 folds by GROUP (a paper for figure crops, a collection part for
micrographs: no paper or collection part is in both train and test); each original is
predicted by the model that did not see its group; ide/scalebar is never trained on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from figdex.models.classifier_data import OcrCache, Sample, cache_folder, pixels, scalebar_samples, training_samples
from figdex.models.image_classifier import (CONFIG, EMBEDDER, WEIGHTS, LearnedClassifier, extra_features,
                                            feature_names, load_classifier, save_classifier, softmax)

CLASSES = ("microscopy", "diffraction", "graph", "illustration", "photo")
SPEC = ("lite0", "rules", "numbers")
L2 = 0.01
BALANCE = 1.0  # class weight = count ** -BALANCE (1: balanced)
EXTRA_GAIN = 10.0  # gain of the rule and number features (their weights penalised EXTRA_GAIN² times less)
KNOWN = 0.9  # share of the weight of the rows with the tick count known (the rest: count unknown)
FOLDS = 5


# -- features ------------------------------------------------------------------------------------
def sample_features(samples: list[Sample], spec=SPEC, log=None):
    """(cnn (N, 1280) or None, extras (N, 2, E): row 0 with the tick count known, row 1 unknown, numbers (N,))."""
    from figdex.models.embedders import create_embedder
    from figdex.models.tuning import FeatureCache

    ocr = OcrCache()
    numbers = np.array([ocr.numbers(s) for s in samples])
    ocr.save()
    cnn = None
    if "lite0" in spec:
        embedder = create_embedder(EMBEDDER)
        cache = FeatureCache(embedder.config.id, cache_folder())

        def progress(done, total):
            if log and (done == total or done % 64 == 0):
                log(f"embedded {done}/{total} new crops")

        cnn = cache.get(embedder, [s.key for s in samples], lambda i: pixels(samples[i]), progress=progress)
    extras = []
    for s, n in zip(samples, numbers):
        img = pixels(s)
        extras.append([extra_features(img, int(n), spec), extra_features(img, None, spec)])
    return cnn, np.asarray(extras, np.float64), numbers


def design(cnn, extras, which: int):
    """Feature rows (cnn + extras) with the tick count known (which=0) or unknown (1)."""
    parts = ([np.asarray(cnn, np.float64)] if cnn is not None else []) + [extras[:, which]]
    return np.concatenate(parts, axis=1)


# -- the model -----------------------------------------------------------------------------------
def train_logreg(x: np.ndarray, y: np.ndarray, w: np.ndarray, n_classes: int, l2: float = L2,
                 gain: np.ndarray | None = None) -> np.ndarray:
    """(D + 1, C) weights minimising weighted cross-entropy + l2/2 ||W||² on z-scored features
    (each column times ``gain``: a gain g penalises that column's weight g² times less),
    returned for the raw features (the standardisation folded in).  Deterministic (float64 L-BFGS)."""
    from scipy.optimize import minimize

    x = np.asarray(x, np.float64)
    mean, std = x.mean(0), x.std(0)
    std = np.where(std > 1e-12, std, 1.0) / (1.0 if gain is None else gain)
    z = (x - mean) / std
    d = z.shape[1]
    onehot = np.eye(n_classes)[y]
    w = np.asarray(w, np.float64) / np.sum(w)

    def loss(theta):
        W, b = theta[:d * n_classes].reshape(d, n_classes), theta[d * n_classes:]
        p = softmax(z @ W + b)
        ll = -np.sum(w * np.log(np.maximum((p * onehot).sum(1), 1e-300)))
        g = (p - onehot) * w[:, None]
        return ll + 0.5 * l2 * np.sum(W * W), np.concatenate([(z.T @ g + l2 * W).ravel(), g.sum(0)])

    res = minimize(loss, np.zeros(d * n_classes + n_classes), jac=True, method="L-BFGS-B",
                   options={"maxiter": 2000, "maxcor": 20, "gtol": 1e-9, "ftol": 1e-14})
    W, b = res.x[:d * n_classes].reshape(d, n_classes), res.x[d * n_classes:]
    Wraw = W / std[:, None]
    return np.vstack([Wraw, b - mean @ Wraw])


def fit(samples: list[Sample], cnn, extras, classes=CLASSES, l2: float = L2, balance: float = BALANCE,
        extra_gain: float = EXTRA_GAIN, known: float = KNOWN) -> np.ndarray:
    keep = [i for i, s in enumerate(samples) if s.label in classes]
    y = np.array([classes.index(samples[i].label) for i in keep])
    # Each original counts once (its views share the weight); classes weighted count ** -balance.
    origin = [(samples[i].root, samples[i].file, samples[i].box, samples[i].kind) for i in keep]
    per_origin = Counter(origin)
    w = np.array([1.0 / per_origin[o] for o in origin])
    per_class = Counter()
    for o, label in zip(origin, y):
        per_class[label] += 1.0 / per_origin[o]
    w = w * np.array([per_class[label] ** -balance for label in y])
    sub_cnn = cnn[keep] if cnn is not None else None
    x = np.concatenate([design(sub_cnn, extras[keep], 0), design(sub_cnn, extras[keep], 1)])
    gain = np.ones(x.shape[1])
    gain[x.shape[1] - extras.shape[2]:] = extra_gain
    return train_logreg(x, np.concatenate([y, y]), np.concatenate([w * known, w * (1 - known)]), len(classes), l2, gain)


def as_classifier(weights: np.ndarray, classes=CLASSES, spec=SPEC, config: dict | None = None) -> LearnedClassifier:
    return LearnedClassifier(tuple(classes), tuple(spec), weights.astype(np.float32), config or {"embedder": None})


def config_for(samples: list[Sample], l2: float, balance: float) -> dict:
    from figdex.models.embedders import create_embedder

    counts = Counter((s.source, s.label) for s in samples if s.view == 0 and s.kind != "fft")
    return {
        "name": "image-classifier",
        "version": "1",
        "model": "multinomial logistic regression, L2 penalty on z-scored features (folded into the weights)",
        "classes": list(CLASSES),
        "features": list(SPEC),
        "feature_layout": "efficientnet-lite0 pooled 1280-d (L2-normalised), then rules " +
                          "(background, saturation, log1p(texture), dark, bright_spots, axes, flat), then numbers " +
                          "(known flag, log1p(count), count >= 4)",
        "cnn_dim": 1280,
        "embedder": create_embedder(EMBEDDER).config.id,
        "weights_layout": "float32 (D + 1, C): W rows in feature order, bias last",
        "training": {
            "l2": l2, "class_balance_exponent": balance, "extra_feature_gain": EXTRA_GAIN,
            "weight_of_rows_with_count_known": KNOWN, "rows": len(samples),
            "originals_by_source_and_class": {f"{src}/{lab}": n for (src, lab), n in sorted(counts.items())},
            "derived_fft_patterns": sum(1 for s in samples if s.kind == "fft"),
            "views": "figure crops: jittered box (±8 %), downscale 0.6-1, JPEG; standalone micrographs: printed "
                     "size 180-420 px + JPEG (models/classifier_data.py)",
            "held_out": "ide/scalebar (never trained on); eval/classifier.md has the group 5-fold results",
            "labels": "collections of micrographs (label by collection, checked by eye), separation gold masters, "
                      "eval/class_gold.tsv (by hand)",
            "rebuild": "python -m figdex.models.train_classifier",
        },
    }


# -- evaluation ----------------------------------------------------------------------------------
def split_unit(sample: Sample, unit: str = "paper") -> str:
    """What a split keeps together: the sample's group, or for figure crops with unit="figure" its figure."""
    return f"figure:{sample.file}" if unit == "figure" and sample.group.startswith("paper:") else sample.group


class Folds(dict):
    """Split unit -> fold, and the fold of a sample or of a gold figure."""
    unit = "paper"

    def of(self, sample: Sample) -> int:
        return self[split_unit(sample, self.unit)]

    def of_figure(self, file: str) -> int:
        from figdex.models.classifier_data import figure_group

        return self.get(f"figure:{file}" if self.unit == "figure" else figure_group("", file), -1)


def assign_folds(samples: list[Sample], k: int = FOLDS, unit: str = "paper") -> Folds:
    """Split unit -> fold.  Papers (or figures) with many non-micrograph crops are dealt round-robin
    (balanced folds); the other groups by a hash of their name."""
    units = [split_unit(s, unit) for s in samples]
    other = Counter(u for u, s in zip(units, samples) if s.group.startswith("paper:") and s.label != "microscopy")
    figs = sorted({u for u, s in zip(units, samples) if s.group.startswith("paper:")}, key=lambda g: (-other[g], g))
    fold = Folds({g: i % k for i, g in enumerate(figs)})
    fold.unit = unit
    for g in sorted(set(units) - set(fold)):
        fold[g] = int(hashlib.sha256(g.encode()).hexdigest(), 16) % k
    return fold


def per_class(truth: list[str], pred: list[str]) -> dict:
    out = {}
    for c in sorted(set(truth) | set(pred)):
        tp = sum(t == c and p == c for t, p in zip(truth, pred))
        npred, ntrue = sum(p == c for p in pred), sum(t == c for t in truth)
        out[c] = {"precision": round(tp / npred, 3) if npred else None,
                  "recall": round(tp / ntrue, 3) if ntrue else None, "predicted": npred, "true": ntrue}
    out["accuracy"] = round(sum(t == p for t, p in zip(truth, pred)) / max(1, len(truth)), 3)
    return out


def cross_validate(samples, cnn, extras, numbers, folds: Folds, spec=SPEC, rules: bool = True, **kw) -> dict:
    """Held-out predictions of every original (view 0, not derived), rules and learned."""
    from figdex.models.classify import rule_classify

    cols = _spec_columns(spec)
    ext = extras[:, :, cols]
    learned = {}
    for f in sorted(set(folds.values())):
        train = [i for i, s in enumerate(samples) if folds.of(s) != f]
        test = [i for i, s in enumerate(samples) if folds.of(s) == f and s.view == 0 and s.kind != "fft"]
        if not test:
            continue
        sub = [samples[i] for i in train]
        weights = fit(sub, cnn[train] if "lite0" in spec else None, ext[train], **kw)
        x = design(cnn[test] if "lite0" in spec else None, ext[test], 0)
        model = as_classifier(weights, classes=kw.get("classes", CLASSES), spec=spec)
        for i, p in zip(test, model.probabilities(x)):
            learned[i] = model.decide(p)[0]
    idx = sorted(learned)
    out = {"index": idx, "truth": [samples[i].label for i in idx], "learned": [learned[i] for i in idx]}
    out["rules"] = [rule_classify(pixels(samples[i]), (), int(numbers[i]))[0] for i in idx] if rules else out["truth"]
    return out


def _spec_columns(spec) -> list[int]:
    names = feature_names(SPEC, 0)
    keep = feature_names(spec, 0)
    return [names.index(n) for n in keep]


def report(samples, cv: dict) -> dict:
    out = {}
    kinds = {"all held-out": lambda s: True, "figure crops": lambda s: s.kind == "crop",
             "standalone micrographs": lambda s: s.kind == "standalone"}
    for name, keep in kinds.items():
        rows = [j for j, i in enumerate(cv["index"]) if keep(samples[i])]
        truth = [cv["truth"][j] for j in rows]
        out[name] = {m: per_class(truth, [cv[m][j] for j in rows]) for m in ("rules", "learned")}
        out[name]["n"] = len(rows)
    return out


def errors(samples, cv: dict) -> list[str]:
    return [f"{samples[i].file} {samples[i].box} truth {t} learned {p} rules {r}"
            for i, t, p, r in zip(cv["index"], cv["truth"], cv["learned"], cv["rules"]) if p != t]


def scalebar_report(model: LearnedClassifier) -> dict:
    from figdex.models.classify import rule_classify

    samples = scalebar_samples()
    if not samples:
        return {}
    cnn, extras, numbers = sample_features(samples)
    probs = model.probabilities(design(cnn, extras, 0))
    rows = {}
    for s, p, n in zip(samples, probs, numbers):
        rows[Path(s.file).name] = {"learned": model.decide(p), "rules": rule_classify(pixels(s), (), int(n))}
    return rows


def separation_by_fold(samples, cnn, extras, folds) -> dict:
    """`figdex eval separation` where each gold figure is classified by the model of the fold
    that did not see its paper."""
    from figdex.models.classifier_data import REPO, SEPARATION_GOLD, SHARED
    from figdex.models.evaluate import evaluate_separation, load_gold
    from figdex.models.image_classifier import use_classifier

    figs = load_gold([(gold, REPO if root == "repo" else SHARED) for gold, root in SEPARATION_GOLD])
    embedder = CachedEmbedder()
    hits: dict[str, list[int]] = {}
    for f in sorted(set(folds.values())):
        part = [fig for fig in figs if folds.of_figure(fig["file"]) == f]
        if not part:
            continue
        train = [i for i, s in enumerate(samples) if folds.of(s) != f]
        model = as_classifier(fit([samples[i] for i in train], cnn[train], extras[train]),
                              config={"embedder": embedder.config.id})
        model.embedder = embedder
        with use_classifier(model):
            scores = evaluate_separation(part)
        for c, (ok, n) in scores.class_hits.items():
            hits.setdefault(c, [0, 0])
            hits[c][0] += ok
            hits[c][1] += n
    return {c: {"precision": round(ok / n, 3), "n": n} for c, (ok, n) in sorted(hits.items())}


class CachedEmbedder:
    """Lite0 with the on-disk cache, keyed by the crop's bytes (evaluation runs repeat the same crops)."""

    def __init__(self):
        from figdex.models.embedders import create_embedder
        from figdex.models.tuning import FeatureCache

        self.base = create_embedder(EMBEDDER)
        self.config = self.base.config
        self.cache = FeatureCache(self.config.id, cache_folder())

    def embed(self, images: list[np.ndarray]) -> np.ndarray:
        keys = [f"crop:{img.shape}:{hashlib.sha256(np.ascontiguousarray(img).tobytes()).hexdigest()}"
                for img in images]
        return self.cache.get(self.base, keys, lambda i: images[i])


# -- command line --------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    ap.add_argument("--check", action="store_true", help="rebuild to a temporary file; fail unless it matches")
    ap.add_argument("--eval", action="store_true", help="held-out report (5 group folds), rules vs learned")
    ap.add_argument("--separation", action="store_true", help="with --eval: separation gold class precision by fold")
    ap.add_argument("--unit", choices=("paper", "figure"), default="paper",
                    help="with --eval: what a fold keeps together for figure crops (micrographs: collection part)")
    ap.add_argument("--json", type=Path, help="with --eval: write the report here")
    args = ap.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    samples = training_samples()
    if not any(s.kind == "standalone" for s in samples):
        log("../shared/corpus not found: the training data lives there")
        return 2
    cnn, extras, numbers = sample_features(samples, log=log)
    log(f"{len(samples)} samples: {dict(Counter(s.label for s in samples))}")
    if args.eval:
        folds = assign_folds(samples, unit=args.unit)
        out = {"split": f"{FOLDS} folds by {args.unit} (figure crops) and collection part (micrographs)"}
        rules = None
        for name, spec in (("lite0", ("lite0",)), ("lite0+rules+numbers", SPEC)):
            cv = cross_validate(samples, cnn, extras, numbers, folds, spec=spec, rules=rules is None)
            rules = cv["rules"] = rules or cv["rules"]
            out[name] = report(samples, cv)
            if spec == SPEC:
                out["errors"] = errors(samples, cv)
        model = as_classifier(fit(samples, cnn, extras), config={"embedder": f"{EMBEDDER}@1"})
        out["ide/scalebar (never trained on; final model)"] = scalebar_report(model)
        if args.separation:
            out["separation gold class precision (by fold)"] = separation_by_fold(samples, cnn, extras, folds)
        text = json.dumps(out, indent=1, default=str)
        print(text)
        if args.json:
            args.json.write_text(text + "\n")
        return 0
    weights = fit(samples, cnn, extras)
    shipped = np.load(WEIGHTS) if WEIGHTS.exists() else None
    shipped_sha = json.loads(CONFIG.read_text())["sha256"] if CONFIG.exists() else None
    out = Path("/tmp/figdex-image-classifier-check.npy") if args.check and args.out == WEIGHTS else args.out
    digest = save_classifier(weights, config_for(samples, L2, BALANCE), out)
    print(f"wrote {out} (+ .json)  sha256 {digest}")
    if shipped is None:
        return 0
    if digest == shipped_sha:
        print("identical to the shipped weights")
        return 0
    diff = float(np.abs(shipped - weights).max()) if shipped.shape == weights.shape else float("inf")
    new = load_classifier(out)
    old = as_classifier(shipped)
    x = design(cnn, extras, 0)
    agree = float(np.mean(new.probabilities(x).argmax(1) == old.probabilities(x).argmax(1)))
    print(f"shipped sha256 {shipped_sha}: DIFFERENT (largest weight difference {diff:.3g}, "
          f"same class on {agree:.1%} of the training rows)")
    if args.check:
        # Another CPU or BLAS can change the last bits of the features and so of the weights.
        return 0 if diff <= 1e-3 * float(np.abs(shipped).max()) and agree == 1.0 else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
