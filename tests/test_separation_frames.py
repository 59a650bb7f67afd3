"""Framed plots found by their frames (models/grid_panels.py ``frames``, h181): frame lines several
px thick, plots stacked many to a figure (each frame short against the figure), and frames stacked
in one column with a little white between them (a corner plot)."""

from __future__ import annotations

import numpy as np


def _frame(mask, x0, y0, x1, y1, thick=1):
    mask[y0:y0 + thick, x0:x1] = mask[y1 - thick:y1, x0:x1] = True
    mask[y0:y1, x0:x0 + thick] = mask[y0:y1, x1 - thick:x1] = True


def _scatter(mask, x0, y0, x1, y1, seed):
    rng = np.random.default_rng(seed)
    for x, y in zip(rng.integers(x0 + 10, x1 - 10, 40), rng.integers(y0 + 10, y1 - 10, 40)):
        mask[y - 2:y + 3, x - 2:x + 3] = True


def test_a_frame_of_thick_lines_is_one_frame_not_none():
    """A 4 px frame line gives one frame per px row, each within the others' 3 px leeway: before
    h181 every one of them counted as nested in another and the figure had no frame at all."""
    from figdex.models.grid_frames import frame_cells, frames

    mask = np.zeros((900, 600), bool)
    for top in (20, 470):
        _frame(mask, 60, top, 560, top + 400, thick=4)
        _scatter(mask, 60, top, 560, top + 400, top)
    assert frames(mask) == [(60, 20, 560, 420), (60, 470, 560, 870)]
    assert len(frame_cells(mask)) == 2


def test_nine_stacked_wide_frames_are_nine_cells():
    """Nine light curves one under another (fresh-2026-12m, Paper-TR Fig. 1): each frame is a ninth of
    the figure's height, under the 0.12 asked of a frame of plot size, but spans its width."""
    from figdex.models.grid_frames import frame_cells, frames

    mask = np.zeros((2350, 800), bool)
    for i in range(9):
        top = 10 + 260 * i
        _frame(mask, 60, top, 780, top + 215, thick=2)
        _scatter(mask, 60, top, 780, top + 215, i)
        mask[top + 220:top + 232, 80:760] = True  # its tick numbers
    assert len(frames(mask)) == 9
    cells = frame_cells(mask)
    assert cells is not None and len(cells) == 9
    # A legend-sized frame is still no plot: narrow and short frames ask for 0.12 of the height.
    small = np.zeros((2350, 800), bool)
    for i in range(9):
        _frame(small, 60, 10 + 260 * i, 300, 225 + 260 * i, thick=2)
    assert frames(small) == []


def test_frames_stacked_in_a_column_are_not_one_frame_across_the_white_between():
    """A corner plot's column: two frames 37 px apart whose sides line up.  Their sides inked along
    97% of the span from the upper top to the lower bottom made one tall frame of both (h181:
    a side has no white break longer than 1% of its height)."""
    from figdex.models.grid_frames import frames

    mask = np.zeros((1800, 900), bool)
    _frame(mask, 100, 20, 880, 810, thick=4)
    _frame(mask, 100, 847, 880, 1637, thick=4)
    assert frames(mask) == [(100, 20, 880, 810), (100, 847, 880, 1637)]


def test_one_plot_with_gridlines_and_aligned_white_is_one_frame():
    """One plot whose gridlines cross it and whose points leave white bands across it is one frame:
    the gridlines nest inside it and are no plots of their own."""
    from figdex.models.grid_frames import frame_cells, frames

    mask = np.zeros((900, 1200), bool)
    _frame(mask, 60, 20, 1180, 860, thick=3)
    for y in (200, 400, 600):
        mask[y:y + 2, 60:1180] = True
    _scatter(mask, 60, 20, 600, 400, 1)
    _scatter(mask, 640, 440, 1180, 860, 2)
    assert frames(mask) == [(60, 20, 1180, 860)]
    assert frame_cells(mask) is None


def test_framed_insets_inside_one_plot_are_not_its_plots():
    """A seaborn joint plot (fresh-2026-12n, BoiseStatePlanetary Fig. 2): a frameless scatter plot with
    marginal histograms and three small framed insets of one size drawn inside it, apart.  The insets
    cover a small share of the figure (0.14 there), so they are not the figure's plots: no cells (h186);
    framed plots that make up the figure are still cut (the tests above)."""
    from figdex.models.grid_frames import frame_cells, frames

    mask = np.zeros((900, 900), bool)
    _scatter(mask, 80, 160, 730, 810, 1)  # the main scatter plot, no frame (grey background, not ink)
    _scatter(mask, 80, 160, 730, 810, 2)
    mask[810:812, 80:730] = True  # tick marks' line of the x axis
    for x in range(85, 720, 32):  # the marginal histogram above
        mask[130 - (720 - x) // 8:130, x:x + 28] = True
    for x0, y0 in ((288, 175), (288, 420), (532, 420)):
        mask[y0:y0 + 185, x0:x0 + 185] = False
        _frame(mask, x0, y0, x0 + 185, y0 + 185, thick=2)
        _scatter(mask, x0, y0, x0 + 185, y0 + 185, x0 + y0)
    assert len(frames(mask)) == 3
    assert frame_cells(mask) is None


def test_the_lone_plot_of_a_short_last_row_ends_where_the_next_column_begins():
    """Seven framed plots in rows of two (h191, fresh-2026-12n Autocal Fig. 6): the last row's one plot
    took the row's whole width to the figure's right edge (half of it white), which the classifier
    called a drawing, so the frames were not taken for plots; it ends where the right column begins."""
    from figdex.models.grid_frames import frame_cells

    mask = np.zeros((1640, 1270), bool)
    for i in range(7):
        r, c = divmod(i, 2)
        x0, y0 = 60 + c * 620, 20 + r * 400
        _frame(mask, x0, y0, x0 + 560, y0 + 340)
        _scatter(mask, x0, y0, x0 + 560, y0 + 340, i)
        mask[y0 + 350:y0 + 362, x0:x0 + 500] = True  # its tick labels under it
    cells = frame_cells(mask)
    assert cells is not None and len(cells) == 7
    last = cells[-1]
    assert last[0] <= 60 and last[2] <= 680, last  # not to the figure's right edge (1270)
    assert all(c[2] - c[0] < 700 for c in cells)
