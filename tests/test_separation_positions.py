"""Panels a caption names by position only ('Top: … Middle: … Bottom: …', '(left) … (right)'): the
caption says how many rows or columns the figure has, where the gutter model kept it whole (#15,
h116; fresh-2026-12g's G-Cubed figures, development data since it was measured)."""

from __future__ import annotations

import numpy as np

from figdex.models.position_panels import positions_named, split_by_position
from figdex.models.separation import _POSITIONS


def test_position_words_name_rows_or_columns_of_one_line():
    # As the captions of the development sets word them.
    assert positions_named("Top: diffusion profiles; Middle: cooling; Bottom: ages.", _POSITIONS) == (0, 3)
    assert positions_named("Sections (left) and profiles (right).", _POSITIONS) == (1, 2)
    assert positions_named("The detector (middle image) and its signal (right image).", _POSITIONS) == (1, 3)
    assert positions_named("Maps (upper panel) and residuals (lower panel).", _POSITIONS) == (0, 2)


def test_corners_grids_and_a_lone_position_say_no_count():
    # mixedft Fig. 3 names corners; kjte5358's structure figure rows and columns together.
    assert positions_named("(top panel) … (upper left) … (bottom right)", _POSITIONS) is None
    assert positions_named("(top) maps (bottom) traces (left) x (right) y", _POSITIONS) is None
    assert positions_named("Schematic. Left: the grid used.", _POSITIONS) is None
    assert positions_named("A figure with no position word.", _POSITIONS) is None


def _stacked_plots():
    """Three plots stacked 50 px apart, each with white space inside it wider than that (the rows
    of a box plot, G-Cubed Fig. 11's layout), so the widest-gutter-first tree cuts inside plots."""
    mask = np.zeros((1000, 600), bool)
    for top in (0, 350, 700):
        mask[top:top + 20, 100:500] = True  # the plot's title
        mask[top + 110:top + 130, 50:550] = True  # a box, 90 px below the title
        mask[top + 260:top + 300, 40:560] = True  # its axis and tick numbers
    return mask


def test_named_rows_are_cut_at_the_gutters_between_plots_not_inside_them():
    parts = split_by_position(_stacked_plots(), 0, 3)
    assert parts == [(40, 0, 560, 300), (40, 350, 560, 650), (40, 700, 560, 1000)]


def test_no_split_where_the_gutters_do_not_give_that_many_parts():
    mask = np.zeros((400, 600), bool)
    mask[10:390, 20:580] = True  # one block: nothing to cut
    assert split_by_position(mask, 0, 2) is None
    mask[200:203, :] = False  # a hairline near the middle is a gutter; a 2x split is found
    assert split_by_position(mask, 0, 2) == [(20, 10, 580, 200), (20, 203, 580, 390)]
    # Two rows asked of a figure whose only gutter leaves a part under a third of an even share
    # (a line of text under one block).
    mask = np.zeros((900, 600), bool)
    mask[0:860, :] = True
    mask[880:900, :] = True
    assert split_by_position(mask, 0, 2) is None
