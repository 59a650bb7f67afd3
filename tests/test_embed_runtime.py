"""ONNX Runtime path of the CNN embedders: same vectors as PyTorch, cached once, damage repaired."""

import glob

import numpy as np
import pytest

from figdex.models.embedders import create_embedder
from figdex.models.ocr import load_rgb
from tests.conftest import DEMO

pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("efficientnet_lite_pytorch")


@pytest.fixture
def images():
    return [load_rgb(p) for p in sorted(glob.glob(str(DEMO / "nature" / "figures" / "*.jpg")))[:3]]


def test_onnx_gives_the_same_vectors_and_is_cached(images, tmp_path, monkeypatch):
    monkeypatch.setenv("FIGDEX_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("FIGDEX_EMBED_RUNTIME", "torch")
    torch_embedder = create_embedder("efficientnet-lite0")
    expected = torch_embedder.embed(images)
    assert torch_embedder.runtime == "torch"
    monkeypatch.setenv("FIGDEX_EMBED_RUNTIME", "onnx")
    onnx_embedder = create_embedder("efficientnet-lite0")
    got = onnx_embedder.embed(images)
    assert onnx_embedder.runtime == "onnx"
    assert np.abs(got - expected).max() < 1e-4
    files = list((tmp_path / "onnx").glob("efficientnet-lite0-*.onnx"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    again = create_embedder("efficientnet-lite0")
    again.embed(images[:1])
    assert again.runtime == "onnx" and files[0].stat().st_mtime_ns == stamp  # reused, not exported again


def test_damaged_cache_file_is_exported_again(images, tmp_path, monkeypatch):
    monkeypatch.setenv("FIGDEX_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("FIGDEX_EMBED_RUNTIME", "onnx")
    first = create_embedder("efficientnet-lite0")
    vec = first.embed(images[:1])
    path = next((tmp_path / "onnx").glob("*.onnx"))
    path.write_bytes(b"truncated")
    second = create_embedder("efficientnet-lite0")
    assert np.abs(second.embed(images[:1]) - vec).max() < 1e-5 and second.runtime == "onnx"


def test_unknown_runtime_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("FIGDEX_EMBED_RUNTIME", "tpu")
    with pytest.raises(ValueError, match=r"FIGDEX_EMBED_RUNTIME: embed_runtime = 'tpu' is not valid "
                                         r"\(use auto, torch or onnx\)"):
        create_embedder("efficientnet-lite0").embed([np.zeros((32, 32, 3), np.uint8)])
