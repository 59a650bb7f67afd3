"""Facet grids drawn in light grey (#15, h199, models/grid_faint.py): ggplot's theme_minimal draws
each facet's grid lines at 235-245 grey, under the ink mask's 24 levels, so only the sparse points
and curves are ink and no grid is found on it; the faint mask sees each facet whole.  A single plot
with light grid lines and a joint plot (a map with marginal histograms) are no grid on it either."""

from __future__ import annotations

import numpy as np

from figdex.models import classify, grid_panels
from figdex.models.grid_faint import faint_cells
from figdex.models.grid_panels import faint_mask
from figdex.models.layout import ink_mask

PANEL = (240, 240, 240)


def _facet(img: np.ndarray, x: int, y: int, w: int, h: int, rng) -> None:
    """One facet: light grid lines every 20 px (under the ink mask) and a few dark points."""
    for gx in range(x, x + w, 20):
        img[y:y + h, gx] = PANEL
    for gy in range(y, y + h, 20):
        img[gy, x:x + w] = PANEL
    img[y:y + h, x + w - 1] = PANEL
    img[y + h - 1, x:x + w] = PANEL
    for _ in range(12):
        px, py = rng.integers(x + 2, x + w - 4), rng.integers(y + 2, y + h - 4)
        img[py:py + 3, px:px + 3] = 30


def _facet_grid(rows: int = 4, cols: int = 5, w: int = 90, h: int = 70, gap: int = 6) -> tuple[np.ndarray, list]:
    H, W = rows * h + (rows + 1) * gap + 20, cols * w + (cols + 1) * gap
    img = np.full((H, W, 3), 255, np.uint8)
    rng = np.random.default_rng(3)
    boxes = []
    for r in range(rows):
        for c in range(cols):
            x, y = gap + c * (w + gap), gap + r * (h + gap)
            _facet(img, x, y, w, h, rng)
            boxes.append((x, y, x + w, y + h))
    return img, boxes


def test_light_grey_facets_are_found_on_the_faint_mask():
    """COVID-incidence Figs. 7 and 9 of fresh-2026-12o (54 and 90 facets, 5-11 px gutters)."""
    img, boxes = _facet_grid()
    H, W = img.shape[:2]
    ink = ink_mask(img)
    assert grid_panels.grid_cells(ink, (0, 0, W, H)) is None  # the ink mask sees only the points
    assert grid_panels.aligned_cells(ink, (0, 0, W, H), faint_mask(img)) is None
    cells = faint_cells(faint_mask(img), (0, 0, W, H))
    assert cells is not None and len(cells) == len(boxes)
    for got, want in zip(cells, boxes):
        assert max(abs(a - b) for a, b in zip(got, want)) <= 2


def test_split_grids_cuts_a_light_grey_facet_grid(monkeypatch):
    img, boxes = _facet_grid(rows=3, cols=3)
    H, W = img.shape[:2]
    monkeypatch.setattr(classify, "classify_many", lambda items: [("graph", 0.9)] * len(items))
    out, split = grid_panels.split_grids(img, ink_mask(img), [(0, 0, W, H)], [])
    assert split == 1 and len(out) == 9


def test_one_plot_with_light_grid_lines_is_no_faint_grid():
    img = np.full((300, 400, 3), 255, np.uint8)
    _facet(img, 40, 20, 340, 250, np.random.default_rng(1))
    assert faint_cells(faint_mask(img), (0, 0, 400, 300)) is None


def test_a_joint_plot_is_no_faint_grid():
    """srio's joint plots (fresh-2026-12o): a map with a histogram above it and one at its right, 6 px
    apart, the corner empty: one master in the gold, so no grid on the faint mask."""
    img = np.full((320, 320, 3), 255, np.uint8)
    rng = np.random.default_rng(5)
    _facet(img, 10, 10, 230, 60, rng)  # the top histogram
    _facet(img, 10, 76, 230, 230, rng)  # the map
    _facet(img, 246, 76, 60, 230, rng)  # the right histogram
    assert faint_cells(faint_mask(img), (0, 0, 320, 320)) is None


def test_two_light_panels_are_too_few_for_a_faint_grid():
    img, _ = _facet_grid(rows=1, cols=2)
    H, W = img.shape[:2]
    assert faint_cells(faint_mask(img), (0, 0, W, H)) is None


def test_a_faint_grid_of_many_cells_mostly_plots_is_of_plots(monkeypatch):
    """COVID-incidence Fig. 7: 23 of 54 inner facets called drawings; a faint grid of 9 or more cells
    is of plots when more than half are called plots and none an image; small ones ask ``alike_cells``."""
    from figdex.models.grid_faint import faint_alike

    img, boxes = _facet_grid(rows=3, cols=4)

    def alike(found, cells=boxes):
        monkeypatch.setattr(classify, "classify_many", lambda items: found[:len(items)])
        return faint_alike(img, cells, [])

    assert alike([("graph", 0.6)] * 7 + [("illustration", 0.9)] * 5)
    assert not alike([("graph", 0.6)] * 6 + [("illustration", 0.9)] * 6)
    assert not alike([("graph", 0.6)] * 10 + [("illustration", 0.9)] + [("photo", 0.6)])
    assert not alike([("graph", 0.6)] * 5 + [("illustration", 0.9)] * 3, boxes[:8])


def test_faint_grid_cells_are_marked_in_the_ink_mask(monkeypatch):
    """The masters are trimmed on the ink mask: the faint grid's panels join it, so each master is its
    panel (COVID-incidence Fig. 7: before, 52 of 54 masters shrank to their points and curves)."""
    from figdex.models.layout import content_box

    img, boxes = _facet_grid(rows=3, cols=3)
    H, W = img.shape[:2]
    monkeypatch.setattr(classify, "classify_many", lambda items: [("graph", 0.9)] * len(items))
    mask = ink_mask(img)
    out, _ = grid_panels.split_grids(img, mask, [(0, 0, W, H)], [])
    for cell, want in zip(out, boxes):
        got = content_box(mask, cell)
        assert max(abs(a - b) for a, b in zip(got, want)) <= 2
