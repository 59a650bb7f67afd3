"""`figdex index tune`: a head tuned without labels on a dataset's own images (real CC-BY figures)."""

import json
import shutil

import numpy as np
import pytest

from figdex.index.db import Dataset
from figdex.ingest.embed import embed_dataset
from figdex.ingest.image_folder import ingest_image_folders
from figdex.ingest.tune import tune_embedder
from figdex.models.embedders import EmbedderError, create_embedder
from figdex.retrieval.similar import similar
from tests.conftest import DEMO

pytest.importorskip("torch")
pytest.importorskip("efficientnet_lite_pytorch")


@pytest.fixture(scope="module")
def figures_ds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figs")
    for path in sorted((DEMO / "nature" / "figures").glob("*.jpg")):
        shutil.copy(path, folder / path.name)
    ds = Dataset.open(tmp_path_factory.mktemp("tune") / "ds")
    ingest_image_folders(ds, [folder])
    yield ds
    ds.close()


def test_tuning_saves_a_checked_head_that_becomes_an_embedder(figures_ds):
    ds = figures_ds
    summary = tune_embedder(ds, views=2, epochs=20, dim=32, holdout=0.3)
    assert summary.name == "lite0-tuned-v1" and summary.train_images + summary.heldout_images == summary.images
    assert {"view_mAP", "view_recall@1"} <= set(summary.before) and set(summary.before) == set(summary.after)
    meta = json.loads((ds.root / "embedders" / "lite0-tuned-v1.json").read_text())
    assert meta["sha256"] == summary.sha256 and meta["training"]["loss"] == "ntxent"
    emb = create_embedder("lite0-tuned-v1", local_dir=ds.root / "embedders")
    assert emb.config.dim == 32
    vec = emb.embed([np.zeros((40, 40, 3), np.uint8)])
    assert vec.shape == (1, 32) and abs(float(np.linalg.norm(vec)) - 1) < 1e-5
    assert embed_dataset(ds, "lite0-tuned-v1").indexed == summary.images
    first = ds.conn.execute("SELECT uid FROM master_images ORDER BY id LIMIT 1").fetchone()[0]
    assert len(similar(ds, first, limit=3)) == 3
    # A second run is a new version; the first stays usable.
    assert tune_embedder(ds, views=2, epochs=5, dim=16, holdout=0.3).name == "lite0-tuned-v2"


def test_a_changed_head_file_is_refused(figures_ds):
    folder = figures_ds.root / "embedders"
    path = folder / "lite0-tuned-v1.npy"
    original = path.read_bytes()
    path.write_bytes(original[:-4] + b"\0\0\0\1")
    try:
        with pytest.raises(EmbedderError, match="checksum"):
            create_embedder("lite0-tuned-v1", local_dir=folder)
    finally:
        path.write_bytes(original)


def test_clear_errors(tmp_path):
    ds = Dataset.open(tmp_path / "empty")
    with pytest.raises(ValueError, match="at least 8 stored images"):
        tune_embedder(ds)
    with pytest.raises(ValueError, match="--views must be at least 2"):
        tune_embedder(ds, views=1)
    with pytest.raises(EmbedderError, match="valid names: .*thumbnail-16"):
        create_embedder("lite0-tuned-v9", local_dir=ds.root / "embedders")
    ds.close()
