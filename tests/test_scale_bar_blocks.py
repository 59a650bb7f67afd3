"""Thick bars (#17, held_out_10's misses; held_out_10 is development data now): a long thick bar whose
ends wander over its rows, and a block bar about twice as long as thick with its label under it
(models/bar_blocks.py), and a comb ruler whose ticks a line detector's coloured strokes partly hide
(models/bar_combs.py), each on a drawn array and on the real image where it was seen.

The real images are restored by eval/restore_instrument.py --manifest eval/scale_bars_held_out_10_restore.tsv
and skipped when absent; their lengths are the hand measurements of eval/scale_bars_held_out_10.tsv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from figdex.models.ocr import load_rgb
from tests.bar_cases import bar_error
from tests.instrument_files import restored


def _restored(name: str) -> Path:
    return restored(name, "scale_bars_10", "eval/scale_bars_held_out_10_restore.tsv")


def _error_on(image: np.ndarray, gold: tuple[int, int, int, int], length: float) -> float | None:
    return bar_error(image, gold, length, vertical=False)


# -- a long thick bar whose ends wander --------------------------------------------------------------

def _wandering_bar() -> np.ndarray:
    g = np.full((120, 700), 115, np.uint8)
    g[40:50, 102:602] = 255  # the top rows end 2 px inside the bottom rows' ends at the left
    g[50:70, 100:603] = 255
    return g


def test_long_thick_bar_whose_ends_wander_two_px_is_found():
    error = _error_on(_wandering_bar(), (100, 40, 603, 70), 503.0)
    assert error is not None and error < 0.03


def test_halves_of_one_bar_are_joined_but_a_step_of_three_px_is_not():
    from figdex.models.bar_blocks import joined_stacks
    assert joined_stacks([(102, 602, 40, 50), (100, 603, 50, 70)]) == [(100, 603, 40, 70)]
    assert joined_stacks([(103, 602, 40, 50), (100, 603, 50, 70)]) == []
    assert joined_stacks([(12, 62, 40, 50), (10, 63, 50, 70)]) == []  # short: ±1 px is the stack's own reach


def test_real_thick_inset_bar_of_a_large_photograph():
    # jvelez-art/diatomusa_site: an 891 x 30 px white bar on a circular SEM inset of a 4167-px photograph;
    # the inset's part around the bar (find_bars on the whole 4167-px image takes a minute).
    image = load_rgb(_restored("jvelez_encuentro-gris-oscuro-micro-poros.jpg"))[1300:1800, 400:1700]
    error = _error_on(image, (615 - 400, 1539 - 1300, 1506 - 400, 1568 - 1300), 891.0)
    assert error is not None and error < 0.03


# -- block bars with their label --------------------------------------------------------------------

def _block(label: str = "below") -> np.ndarray:
    g = np.full((160, 240), 36, np.uint8)
    g[50:70, 50:92] = 250  # a 42 x 20 block
    if label == "below":  # "25µm": four glyphs, 28 rows tall, 7 px under the block
        for x in (52, 76, 100, 124):
            g[77:105, x:x + 4] = 250
            g[77:80, x:x + 16] = 250
            g[102:105, x:x + 16] = 250
    elif label == "beside":  # a legend's swatch: its text to the right on the same rows
        for x in (100, 124, 148):
            g[52:68, x:x + 4] = 250
            g[52:55, x:x + 14] = 250
    elif label == "blob":  # a second solid shape under it: content, not a label
        g[77:105, 40:120] = 250
    return g


def test_block_bar_twice_as_long_as_thick_over_its_label_is_found():
    error = _error_on(_block("below"), (50, 50, 92, 70), 42.0)
    assert error is not None and error < 0.03


def test_block_without_a_label_under_it_is_not_a_bar():
    for label in ("none", "beside", "blob"):
        assert _error_on(_block(label), (50, 50, 92, 70), 42.0) is None, label


def test_real_block_bar_over_its_label():
    # npmurphy/biofilm_pulse: a white 42 x 20 px block over '25µm' on a confocal section
    error = _error_on(load_rgb(_restored("npmurphy_delQP_48hrs_2_4_100615_sect.jpg")), (50, 50, 92, 70), 42.0)
    assert error is not None and error < 0.03


# -- a comb ruler whose ticks a drawn overlay partly hides ------------------------------------------

def _covered_comb(cover: bool = True) -> np.ndarray:
    rgb = np.zeros((60, 520, 3), np.uint8)
    for k in range(11):  # ┃ ┃ … ┃: 11 white ticks 4 px wide, 12 rows, every 40 px (centres 51.5 … 451.5)
        rgb[20:32, 50 + 40 * k:54 + 40 * k] = 255
    if cover:
        green = (0, 255, 0)
        rgb[14:17, 30:480] = green  # a stroke along the ticks' tops
        rgb[20:31, 90:94] = green  # the second tick hidden but for its last row
        rgb[20:32, 91:93] = green
        rgb[20:32, 447:451] = green  # the last tick's inner three columns hidden: its outer one is left
        rgb[20:26, 170:174] = green  # the top half of the fourth tick
        for x in range(300, 340):  # a steep stroke across the sixth-seventh ticks' band
            rgb[20 + (x - 300) // 4, x] = green
    return rgb


def test_comb_ruler_with_ticks_partly_hidden_by_drawn_strokes():
    # Ends read on the uncovered pixels: the last tick's outer column (453), the first tick whole (51.5).
    error = _error_on(_covered_comb(), (50, 20, 454, 32), 400.0)
    assert error is not None and error < 0.03


def test_clean_comb_ruler_unchanged():
    error = _error_on(_covered_comb(cover=False), (50, 20, 454, 32), 400.0)
    assert error is not None and error < 0.005


def test_real_comb_ruler_under_a_line_detectors_strokes():
    # minhdoan00/Electrospun: a Hitachi ruler of 11 white ticks that a line detector's green strokes cross;
    # the end ticks half hidden (the gold reads them 850.5 and 1253.5 from the inner ticks' width and pitch).
    error = _error_on(load_rgb(_restored("minhdoan00_detectedLines.png")), (849, 898, 1256, 910), 403.0)
    assert error is not None and error < 0.03
