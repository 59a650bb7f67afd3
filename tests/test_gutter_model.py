"""The learned gutter decision (models/gutter_tree.py, models/train_gutters.py): its shipped
weights are checked on load, its targets mean what they say, its fit is deterministic, and the
training script rebuilds the shipped file byte for byte (slow; needs the restored devset)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from figdex.models.gutter_tree import CONFIG, FEATURES, GutterModelError, Node, load_gutter_model
from figdex.models.train_gutters import fit, node_target
from tests.conftest import REPO


def test_the_shipped_model_loads_with_its_checksum():
    load_gutter_model.cache_clear()
    model = load_gutter_model()
    assert model.weights.shape == (len(FEATURES),) and 0 < model.threshold < 1
    assert model.sha256 == json.loads(CONFIG.read_text())["sha256"]


def test_a_changed_weights_file_is_refused_with_the_fix(tmp_path):
    cfg = json.loads(CONFIG.read_text())
    cfg["weights"][0] += 0.5
    path = tmp_path / "gutter-model.json"
    path.write_text(json.dumps(cfg))
    load_gutter_model.cache_clear()
    with pytest.raises(GutterModelError, match="train_gutters"):
        load_gutter_model(path)
    load_gutter_model.cache_clear()


def _node(box, a, b):
    return Node(box, 0, 1, (a[2], b[0]), [Node(a, 1), Node(b, 1)])


def test_a_gutter_between_two_masters_is_a_boundary_and_one_inside_a_master_is_not():
    node = _node((0, 0, 210, 100), (0, 0, 100, 100), (110, 0, 210, 100))
    assert node_target(node, [(0, 0, 100, 100), (110, 0, 210, 100)]) == 1
    assert node_target(node, [(0, 0, 210, 100)]) == 0  # one master straddles the gutter
    # A strip of text beside one master (a printed caption): no master on the other side.
    assert node_target(node, [(0, 0, 100, 100)]) == 0
    assert node_target(node, [(500, 500, 600, 600)]) == 0  # words of a title strip: no master here


def test_the_fit_is_deterministic_and_learns_the_sign():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] - X[:, 2] > 0).astype(float)
    w1, b1 = fit(X, y)
    w2, b2 = fit(X.copy(), y.copy())
    assert np.array_equal(w1, w2) and b1 == b2
    assert w1[0] > 0 > w1[2]


@pytest.mark.slow
def test_the_training_script_rebuilds_the_shipped_weights(tmp_path):
    from figdex.models import train_gutters

    figures = train_gutters.training_figures()
    if len(figures) < 150:
        pytest.skip("restore the development set's images first: python eval/devset/restore.py")
    out = tmp_path / "gutter-model.json"
    assert train_gutters.main(["--out", str(out)]) == 0
    assert out.read_bytes() == CONFIG.read_bytes()
    assert (REPO / "models" / "weights" / "gutter-model.json") == CONFIG


def test_a_cut_forced_by_clear_boundaries_below_it_is_reported_as_sure():
    """A doubtful gutter at the top of a 2x2 grid (p 0.12) whose halves are each cut by a clear
    gutter (p 0.998): the most probable reading cuts all three, and the masters' certainty is
    that reading's, not the doubtful gutter's own p."""
    from figdex.models.gutter_tree import GutterModel, masters_from_tree

    def split(box, axis, c0, c1):
        return Node(box, 0, axis, (0, 0), [c0, c1])

    cells = [Node((x, y, x + 90, y + 90), 2) for y in (0, 100) for x in (0, 100)]
    top = split((0, 0, 190, 90), 1, cells[0], cells[1])
    bottom = split((0, 100, 190, 190), 1, cells[2], cells[3])
    root = split((0, 0, 190, 190), 0, top, bottom)
    x = {id(root): -2.0, id(top): 6.0, id(bottom): 6.0}
    weights = np.zeros(len(FEATURES))
    weights[0] = 1.0
    model = GutterModel(weights, 0.0, 0.5, "")
    masters = masters_from_tree(None, root, model, {k: np.eye(len(FEATURES))[0] * v for k, v in x.items()})
    assert sorted(box for box, _ in masters) == sorted(c.box for c in cells)
    assert min(c for _, c in masters) > 0.9


@pytest.mark.parametrize("gutters", ["rules", "model"])
def test_either_gutter_decision_cuts_a_row_of_unlabelled_plots(monkeypatch, gutters):
    """A real open tuning-fold figure (eLife 32303, Fig. 4-S1: five plots in a row, no letters)
    comes out as five unlabelled masters with the rules and with the model."""
    from figdex.models.evaluate import iou
    from figdex.models.evaluate_devset import run_figure
    from figdex.models.ocr import get_ocr

    monkeypatch.setenv("FIGDEX_GUTTERS", gutters)
    devset = REPO / "eval" / "devset"
    gold = json.loads((devset / "separation_dev.json").read_text(encoding="utf-8"))
    rec = next(f for f in gold["figures"] if f["file"] == "bioC/flu_f4s1.jpg")
    assert rec["open"] and rec["fold"] not in gold["held_out_folds"]
    result = run_figure({**rec, "path": devset / "open" / rec["file"]}, "alone", get_ocr())
    assert [m.label for m in result.masters] == ["0"] * 5
    assert any("gutter model" in n for n in result.notes) == (gutters == "model")
    for g in rec["masters"]:
        assert max(iou(m.box, tuple(g["box"])) for m in result.masters) >= 0.5


def test_column_titles_cut_off_first_join_their_columns_instead_of_hiding_them():
    """Three framed images in a row under a strip of column titles: the XY-cut's widest gutter is
    the one under the titles (no boundary, p 0.05), the columns' gutters are clear (p 0.99).
    Keeping the figure whole because of the title gutter would hide the columns; the reading
    gives each column its title."""
    from figdex.models.gutter_tree import FigureContext, GutterModel, masters_from_tree

    mask = np.zeros((110, 290), bool)
    for x in (0, 100, 200):
        mask[30:110, x:x + 90] = True  # the images
        mask[0:8, x + 30:x + 60] = True  # their titles
    cols = [Node((x, 30, x + 90, 110), 2) for x in (0, 100, 200)]
    right = Node((100, 30, 290, 110), 1, 1, (190, 200), cols[1:])
    body = Node((0, 30, 290, 110), 1, 1, (90, 100), [cols[0], right])
    strip = Node((30, 0, 260, 8), 1)
    root = Node((0, 0, 290, 110), 0, 0, (8, 30), [strip, body])
    weights = np.zeros(len(FEATURES))
    weights[0] = 1.0
    logit = {id(root): -3.0, id(body): 5.0, id(right): 5.0}
    features = {k: np.eye(len(FEATURES))[0] * v for k, v in logit.items()}
    ctx = FigureContext(None, mask, (), (), (), 22)
    masters = masters_from_tree(ctx, root, GutterModel(weights, 0.0, 0.5, ""), features)
    assert sorted(box for box, _ in masters) == [(0, 0, 90, 110), (100, 0, 190, 110), (200, 0, 290, 110)]
    assert min(c for _, c in masters) > 0.9
