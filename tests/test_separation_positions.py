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


# Separator lines (#15, h116): fresh-2026-12g's GSA Fig. 5, a 3 x 3 grid of outcrop photographs that
# abut along black frame lines 11 px wide, had no background gutter and was kept whole without its
# caption (its labels, black letters in white squares, are not read alone).


def _photos(rng, h: int, w: int) -> np.ndarray:
    return rng.integers(60, 200, (h, w, 3), dtype=np.uint8)  # texture: a photograph's grain


def test_black_frame_lines_between_abutting_photographs_are_gutters():
    from figdex.models.layout import clear_rule_lines, ink_mask, xy_cut

    rng = np.random.default_rng(0)
    image = np.zeros((421, 421, 3), np.uint8)  # black frames 11 px wide around a 2 x 2 grid
    for y in (11, 216):
        for x in (11, 216):
            image[y:y + 194, x:x + 194] = _photos(rng, 194, 194)
    image[0, :] = image[-1, :] = image[:, 0] = image[:, -1] = 191  # the page's grey margin
    mask, painted = clear_rule_lines(image, ink_mask(image))
    # The lines between photographs are cleared; the outer frame (at the figure's edge) stays.
    assert sorted(xy_cut(mask, (0, 0, 421, 421), min_gap=2)) == [
        (1, 1, 205, 205), (1, 216, 205, 420), (216, 1, 420, 205), (216, 216, 420, 420)]
    assert (painted[205:216, 1:-1] == 255).all() and (painted[11:205, 11:205] == image[11:205, 11:205]).all()


def test_a_black_background_around_micrographs_and_a_plot_frame_are_no_separator():
    from figdex.models.layout import clear_rule_lines, ink_mask

    rng = np.random.default_rng(1)
    image = np.zeros((400, 600, 3), np.uint8)  # sections on one black background
    for y, x in ((40, 50), (60, 320), (230, 120)):
        image[y:y + 120, x:x + 200] = _photos(rng, 120, 200)
    image[0, :] = 255
    mask = ink_mask(image)
    assert clear_rule_lines(image, mask)[0] is mask  # rows beside the black are black too
    plot = np.full((300, 400, 3), 255, np.uint8)
    plot[20:24, 60:390] = 0  # a thick frame line that stops short of the tick labels' column
    plot[20:280, 60:64] = 0
    plot[100:110, 10:40] = 0  # a tick label left of the frame
    mask = ink_mask(plot)
    assert clear_rule_lines(plot, mask)[0] is mask


def test_the_photo_grid_of_gsa_fig_5_is_cut_along_its_frame_lines():
    """The real figure (restored, not committed: its repository has no licence)."""
    import json

    import pytest

    from figdex.models.layout import clear_rule_lines, ink_mask, xy_cut
    from figdex.models.ocr import load_rgb
    from tests.conftest import REPO

    devset = REPO / "eval" / "devset"
    rec = next(f for f in json.loads((devset / "separation_dev.json").read_text(encoding="utf-8"))["figures"]
               if f["id"] == "10.1130/b35178.1#Figure 5")
    path = devset / "restored" / rec["file"]
    if not path.exists():
        pytest.skip(f"{rec['file']} is not committed: run eval/devset/restore.py to restore it")
    image = load_rgb(path)
    mask, _ = clear_rule_lines(image, ink_mask(image))
    blocks = xy_cut(mask, (0, 0, image.shape[1], image.shape[0]), min_gap=2)
    assert len(blocks) == 9
    for gold in (m["box"] for m in rec["masters"]):  # the outer frame (11 px) stays with the edge panels
        assert any(max(abs(v - g) for v, g in zip(b, gold)) <= 12 for b in blocks), gold
