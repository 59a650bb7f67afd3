"""Small framed plots in a grid (h205, models/grid_frames.py ``frames_within``): a 2 x 5 grid of framed
plots, each frame under FRAME_MIN of the figure's width, whose gutters are filled by the next plot's tick
labels, so the grid rules cut only at the widest white column; inside each cell found, its frames are the
plots.  Filled bars and frames of unlike sizes (a joint plot) are no such plots."""

from __future__ import annotations

import numpy as np


def _frame(mask, x0, y0, x1, y1, thick=2):
    mask[y0:y0 + thick, x0:x1] = mask[y1 - thick:y1, x0:x1] = True
    mask[y0:y1, x0:x0 + thick] = mask[y0:y1, x1 - thick:x1] = True


def _violin(mask, x0, y0, x1, y1):
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    mask[y0 + 30:y1 - 30, cx - 1:cx + 1] = True
    mask[cy - 60:cy + 60, cx - 25:cx + 25] = True


def _ticks(mask, right, y0, y1, width):
    """Right-aligned tick labels ending 12 px left of ``right``: one short text line every 60 px."""
    for y in range(y0, y1, 60):
        mask[y:y + 14, right - 12 - width:right - 12] = True


def _grid(label_widths=(90, 90, 40, 90, 90)):
    mask = np.zeros((1000, 1500), bool)
    for r in range(2):
        y0 = 30 + r * 480
        for c in range(5):
            x0 = 170 + c * 270
            _frame(mask, x0, y0, x0 + 141, y0 + 420)
            _violin(mask, x0, y0, x0 + 141, y0 + 420)
            _ticks(mask, x0, y0, y0 + 420, label_widths[c])
    return mask


def test_small_frames_inside_a_grids_cells_are_its_plots():
    from figdex.models.grid_frames import frames, frames_within
    from figdex.models.grid_panels import _finer, aligned_cells

    mask = _grid()
    assert frames(mask) == []  # each frame is 141 px of 1500: under FRAME_MIN on the whole figure
    coarse = aligned_cells(mask, (0, 0, 1500, 1000))
    assert coarse is not None and len(coarse) == 4  # the widest white column only (left of column 2's narrow labels)
    cells = _finer(mask, coarse)
    assert cells is not None and len(cells) == 10
    # Each plot's cell ends at its own frame's right edge: the next plot's tick labels are not in it.
    for c in range(1, 4):
        x0 = 170 + c * 270
        cell = next(b for b in cells if b[0] < x0 < b[2] and b[1] < 100)
        assert cell[2] == x0 + 141 and cell[0] >= x0 - 270 + 141, cell
    assert len(frames_within(mask, [(420, 0, 1500, 500)])) == 4  # one cell holding four frames: four plots


def test_filled_bars_and_unlike_frames_are_not_plots():
    from figdex.models.grid_frames import frames_within

    bars = np.zeros((500, 1000), bool)
    for i, h in enumerate((300, 260, 330, 310)):  # a bar chart's bars, filled rectangles of alike size
        bars[450 - h:450, 100 + 200 * i:180 + 200 * i] = True
    bars[450:452, 60:940] = True
    assert frames_within(bars, [(0, 0, 1000, 500)]) is None
    joint = np.zeros((500, 1000), bool)  # a map with a marginal plot beside it: frames of unlike widths
    _frame(joint, 50, 50, 650, 450)
    _frame(joint, 700, 50, 850, 450)
    assert frames_within(joint, [(0, 0, 1000, 500)]) is None
    one = np.zeros((500, 1000), bool)  # one framed plot per cell: nothing finer
    _frame(one, 100, 50, 450, 450)
    _frame(one, 600, 50, 950, 450)
    assert frames_within(one, [(0, 0, 500, 500), (500, 0, 1000, 500)]) is None
