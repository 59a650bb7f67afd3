"""Synthetic compound figures (models/synthetic_figures.py): composed from the masters of a real
open development figure, they are reproducible from their seed, their gold masters are the
placed panels, and the gutters between those panels are the training targets' boundaries."""

from __future__ import annotations

import json

import numpy as np

from figdex.models.gutter_tree import cut_tree
from figdex.models.layout import ink_mask
from figdex.models.ocr import load_rgb
from figdex.models.synthetic_figures import panel_sources, synthetic_figures
from figdex.models.train_gutters import node_target
from tests.conftest import REPO

DEVSET = REPO / "eval" / "devset"


def _sources():
    gold = json.loads((DEVSET / "separation_dev.json").read_text(encoding="utf-8"))
    rec = next(f for f in gold["figures"] if f["file"] == "physB/ell_f02.png")  # 3 labelled plots, tuning fold
    assert rec["open"] and rec["fold"] not in gold["held_out_folds"]
    image = load_rgb(DEVSET / "open" / rec["file"])
    return rec, image, panel_sources(rec, image, [], [])


def test_masters_become_panels_with_their_printed_labels_cut_out_as_glyphs():
    rec, image, (panels, glyphs) = _sources()
    assert len(panels) == len(rec["masters"])
    assert sorted(g.text for g in glyphs) == sorted(m["label_text"] for m in rec["masters"] if m.get("label_box"))
    for p, m in zip(panels, rec["masters"]):
        x0, y0, x1, y1 = m["box"]
        assert p.pixels.shape[:2] == (y1 - y0, x1 - x0)
        lb = m.get("label_box")
        if lb:  # the panel's own label is whitened: the synthetic figure prints its own
            assert (p.pixels[lb[1] - y0 + 1:lb[3] - y0 - 1, lb[0] - x0 + 1:lb[2] - x0 - 1] == 255).all()


def test_the_same_seed_gives_the_same_figures_and_the_panels_are_its_masters():
    _, _, (panels, glyphs) = _sources()
    first = list(synthetic_figures(panels, glyphs, 6, 7))
    again = list(synthetic_figures(panels, glyphs, 6, 7))
    assert all(np.array_equal(a.image, b.image) and a.masters == b.masters for a, b in zip(first, again))
    assert any(not np.array_equal(a.image, b.image) for a, b in zip(first, synthetic_figures(panels, glyphs, 6, 8)))
    assert any(len(f.masters) >= 3 for f in first)
    for fig in first:
        H, W = fig.image.shape[:2]
        assert all(0 <= b[0] < b[2] <= W and 0 <= b[1] < b[3] <= H for b in fig.masters)
        # Masters do not overlap: each is a panel placed beside the others with a gutter between.
        for i, a in enumerate(fig.masters):
            for b in fig.masters[i + 1:]:
                assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1])


def test_the_gutters_between_placed_panels_are_boundaries_in_the_training_targets():
    _, _, (panels, glyphs) = _sources()
    fig = next(f for f in synthetic_figures(panels, glyphs, 12, 3) if len(f.masters) >= 3)
    mask = ink_mask(fig.image)
    tree = cut_tree(mask, (0, 0, mask.shape[1], mask.shape[0]))
    targets = [node_target(n, list(fig.masters)) for n in tree.walk() if n.children]
    # k panels need at least k - 1 boundaries (some panels are cut apart at the top, the rest below);
    # the plots' own gutters (axis titles, legends) are the negatives.
    assert sum(targets) >= len(fig.masters) - 1
    assert len(targets) > sum(targets)
