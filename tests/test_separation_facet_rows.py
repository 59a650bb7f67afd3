"""Facet rows with free scales (#15, h205, models/grid_faint.py ``facet_row``): ggplot facets in one row,
each panel a light grey grid (under the ink mask) with bars in it, its own y tick labels at its left and
its strip above; a shared legend to the right.  Each facet runs from just past the previous panel to its own
panel's right edge, with its strip and tick labels; the legend is in none.  A single plot with a legend,
and a map beside a narrow marginal plot, are no facet row.  Also ``numbered_plots`` (framed heat-map tables)."""

from __future__ import annotations

import numpy as np

from figdex.models.grid_faint import facet_row
from figdex.models.layout import faint_mask, ink_mask

LIGHT = (238, 238, 238)


def _panel(img, x, y, w, h, bars=True):
    for gy in range(y, y + h, 25):
        img[gy, x:x + w] = LIGHT
    for gx in range(x, x + w, 40):
        img[y:y + h, gx] = LIGHT
    img[y:y + h, x + w - 1] = LIGHT
    if bars:
        for i, bx in enumerate(range(x + 6, x + w - 20, 22)):
            img[y + h - 40 - (i * 37) % (h - 60):y + h, bx:bx + 16] = (0, 150, 110)


def _ticks(img, right, y, h):
    for ty in range(y + 5, y + h, 50):
        img[ty:ty + 10, right - 38:right - 6] = 60  # right-aligned numbers against their own panel


def _facet_row(n=3, legend=True):
    img = np.full((500, 1000, 3), 255, np.uint8)
    panels = []
    for i in range(n):
        x = 70 + i * 290
        _panel(img, x, 60, 240, 330)
        _ticks(img, x, 60, 330)
        img[40:52, x + 100:x + 140] = 40  # its strip's text
        img[398:420, x:x + 230] = 70  # its x tick labels
        panels.append((x - 38, 40, x + 240, 420))
    img[5:25, 100:600] = 20  # the figure's title
    if legend:
        img[200:260, 950 - 60 * (3 - n):990 - 60 * (3 - n)] = 90
    return img, panels


def test_a_facet_row_with_free_scales_is_one_cell_per_facet():
    img, panels = _facet_row()
    mask, faint = ink_mask(img), faint_mask(img)
    cells = facet_row(faint, mask, (0, 0, 1000, 500))
    assert cells is not None and len(cells) == 3
    for cell, (x0, y0, x1, y1) in zip(cells, panels):
        # each its own tick labels (left) and strip, its panel's right edge; not the title, not the legend
        assert abs(cell[0] - x0) <= 2 and cell[1] == 40 and cell[2] <= x1 and cell[2] >= x1 - 12, (cell, x0, x1)
        assert cell[3] <= 420
    assert cells[-1][2] < 950  # the legend is shared


def test_a_single_plot_and_a_joint_plot_are_no_facet_row():
    img = np.full((500, 1000, 3), 255, np.uint8)
    _panel(img, 80, 60, 700, 330)
    _ticks(img, 80, 60, 330)
    img[200:260, 850:990] = 90  # its legend
    assert facet_row(faint_mask(img), ink_mask(img), (0, 0, 1000, 500)) is None
    joint = np.full((500, 1000, 3), 255, np.uint8)
    _panel(joint, 80, 60, 600, 330)
    _panel(joint, 720, 60, 150, 330)
    assert facet_row(faint_mask(joint), ink_mask(joint), (0, 0, 1000, 500)) is None


def test_rows_of_facets_are_left_to_the_faint_grid_rules():
    """Two facet rows one under another: not this rule's (a figure of two labelled facet grids side by side
    whose labels were not read is two parents in the gold, not its facets)."""
    img, _ = _facet_row(legend=False)
    two = np.full((1000, 1000, 3), 255, np.uint8)
    two[:500], two[500:] = img, img
    assert facet_row(faint_mask(two), ink_mask(two), (0, 0, 1000, 1000)) is None


def test_numbered_plots_asks_numbers_in_every_cell_and_plots_of_all(monkeypatch):
    from figdex.models import classify, grid_panels
    from figdex.models.ocr import TextBox

    cells = [(0, 0, 100, 100), (100, 0, 200, 100)]
    img = np.full((100, 200, 3), 255, np.uint8)
    numbers = [TextBox((5 + 100 * c, 10 * k, 20 + 100 * c, 10 * k + 8), "0.5", 0.9) for c in range(2) for k in range(3)]
    monkeypatch.setattr(classify, "classify_many", lambda items: [("graph", 0.9) if n >= 3 else ("illustration", 0.9)
                                                                  for _, _, n in items])
    assert grid_panels.numbered_plots(img, cells, numbers)
    assert not grid_panels.numbered_plots(img, cells, numbers[:4])  # the second cell holds one number
