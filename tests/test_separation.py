"""Figure separation on real CC-BY figures against the hand-annotated gold (tests/data)."""

import json

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.models.evaluate import iou
from figdex.models.layout import cut_by_labels, ink_mask
from tests.conftest import REPO

GOLD = {f["file"]: f for f in json.loads((REPO / "tests" / "data" / "separation_gold.json").read_text())["figures"]}


@pytest.fixture(scope="module")
def ocr():
    from figdex.models.ocr import get_ocr

    return get_ocr()


@pytest.mark.parametrize("name", ["s41467-018-06211-3_fig3.jpg", "s41467-018-06297-9_fig1.jpg"])
def test_masters_match_the_gold(name, ocr):
    from figdex.models.ocr import load_rgb
    from figdex.models.separation import separate

    gold = GOLD[f"demo/corpus/nature/figures/{name}"]
    result = separate(load_rgb(REPO / "demo" / "corpus" / "nature" / "figures" / name), gold["labels_in_caption"],
                      ocr=ocr)
    assert (result.width, result.height) == (gold["width"], gold["height"])
    got = {m.label: m for m in result.masters}
    assert set(got) == {m["label"] for m in gold["masters"]}
    for g in gold["masters"]:
        assert iou(got[g["label"]].box, tuple(g["box"])) >= 0.5, g["label"]
    found = {lab.label for lab in result.labels_found}
    assert found == set(gold["labels_in_caption"])


def test_graphs_are_graphs(ocr):
    from figdex.models.ocr import load_rgb
    from figdex.models.separation import separate

    name = "s41467-018-06211-3_fig3.jpg"  # electrochemistry plots a-d
    result = separate(load_rgb(REPO / "demo" / "corpus" / "nature" / "figures" / name), list("abcd"), ocr=ocr)
    assert [m.image_class for m in result.masters] == ["graph"] * 4


def test_cut_by_labels_never_loops_on_overlapping_labels():
    import numpy as np

    mask = np.zeros((100, 100), bool)
    mask[10:90, 10:90] = True
    parts = cut_by_labels(mask, (0, 0, 100, 100), [("a", (5, 5, 10, 12)), ("b", (5, 5, 10, 12))])
    assert len(parts) == 1


def test_cli_separate_contract():
    fig = REPO / "demo" / "corpus" / "nature" / "figures" / "s41467-018-06297-9_fig3.jpg"
    res = CliRunner().invoke(cli, ["figures", "separate", str(fig), "--caption",
                                   "Enhanced streaming potential. (a) Filling the grooves with oil (scale bar is "
                                   "100 μm). (b) A larger Vs. (c) The Vs could be larger.", "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    row = json.loads(res.stdout)
    assert {"file", "width", "height", "masters"} <= row.keys()
    m = row["masters"][0]
    assert {"label", "box", "class", "confidence", "nm_per_px", "scale_source", "insets", "dependents"} <= m.keys()
    assert [x["label"] for x in row["masters"]] == ["a", "b", "c"]


def test_gaps_in_the_labels_found_imply_the_letters_between():
    from figdex.models.panel_labels import implied_label_sequence

    assert implied_label_sequence(["a", "b", "c", "f", "h", "j"]) == list("abcdefghij")
    assert implied_label_sequence(["a", "b", "c"]) is None  # no gap: nothing is implied
    assert implied_label_sequence(["a"]) is None
    assert implied_label_sequence(["a", "c", "ii"]) is None  # mixed schemes: no guess
    assert implied_label_sequence(["b", "d"]) == list("abcd")  # never past the last letter found


@pytest.mark.shared
def test_caption_less_figure_finds_labels_beside_plots(ocr):
    """exsclaim's white_scale_bars_no_labels.jpg: 11 panels a-k, no caption; d, e, j, k sit beside plots."""
    from figdex.models.ocr import load_rgb
    from figdex.models.separation import separate
    from tests.conftest import shared_path

    result = separate(load_rgb(shared_path("exsclaim/scale_bar_test_images/white_scale_bars_no_labels.jpg")), ocr=ocr)
    assert sorted(m.label for m in result.masters) == list("abcdefghijk")


@pytest.mark.shared
def test_a_cut_out_panel_keeps_its_corner_label(ocr):
    """ide/examples/testimage.png: one TEM panel labelled "(b)" at its top-left, no caption, no "a"."""
    from figdex.models.ocr import load_rgb
    from figdex.models.separation import separate
    from tests.conftest import shared_path

    result = separate(load_rgb(shared_path("ide/examples/testimage.png")), ocr=ocr)
    assert [m.label for m in result.masters] == ["b"]
