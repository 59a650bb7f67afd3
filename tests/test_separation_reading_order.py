"""Panel labels run in reading order (#15): letters that do not (a categorical axis "A B C H E G",
the text beside a colour bar, a thermodynamic cycle's states) are not taken for panel labels.
Boxes are as the label finder and the gold read them on real development-set figures
(fresh-2026-12e, a development set now)."""

from __future__ import annotations

import pytest

from figdex.models.panel_labels import PanelLabel, in_reading_order
from tests.devset_records import BY_ID, DEVSET


def _labels(pairs):
    return [PanelLabel(lab, lab.upper(), tuple(box), 0.9) for lab, box in pairs]


def _gold_labels(fig_id: str):
    return _labels((m["label"], m["label_box"]) for m in BY_ID[fig_id]["masters"] if m.get("label_box"))


def test_letters_of_a_categorical_axis_are_out_of_reading_order():
    # greenelab/generalization-manuscript Fig. 2 without its caption: the finder read cell-line
    # categories under a plot, and a "D" above them, as labels a-h.
    read = _labels([("d", (1397, 1008, 1410, 1019)), ("a", (192, 1567, 205, 1578)), ("b", (944, 1567, 958, 1578)),
                    ("c", (2014, 1567, 2028, 1579)), ("h", (1609, 1579, 1623, 1590)),
                    ("e", (249, 1605, 263, 1616)), ("g", (1696, 1608, 1710, 1620))])
    assert not in_reading_order(read)
    assert in_reading_order(_gold_labels("greenelab/generalization-manuscript#Figure 2"))


def test_letters_beside_a_colour_bar_are_out_of_reading_order():
    # gamd_livecoms_tutorial Fig. 5: "a", "C" stacked at the colour bar, "e" and "d" further down.
    read = _labels([("a", (3400, 524, 3427, 546)), ("c", (3400, 553, 3427, 574)),
                    ("e", (2187, 580, 2212, 601)), ("d", (15, 608, 48, 629))])
    assert not in_reading_order(read)


@pytest.mark.parametrize("fig_id", ["arXiv:2203.11984#Figure 4",  # a-c down a column, then d, e-g
                                    "greenelab/generalization-manuscript#Figure 3",  # a centred above b-e
                                    "greenelab/optimizer-manuscript#Figure 2"])
def test_printed_panel_labels_are_in_reading_order_by_row_or_column(fig_id):
    assert in_reading_order(_gold_labels(fig_id))


def test_caption_labels_follow_the_caption_order():
    cycle = _labels([("iv", (40, 20, 70, 40)), ("i", (400, 20, 420, 40)), ("ii", (40, 300, 70, 320)),
                     ("iii", (400, 300, 430, 320))])
    assert not in_reading_order(cycle, ["i", "ii", "iii", "iv"])
    assert in_reading_order(sorted(cycle, key=lambda c: c.label), ["iv", "i", "ii", "iii"])
    assert in_reading_order(cycle[:1], ["i"])  # one label: nothing to order


def test_an_unlabelled_figure_gets_no_invented_letters():
    """The whole figure, no caption: no label outside the gold's printed ones (before: a-h)."""
    from figdex.models.evaluate_devset import run_figure
    from figdex.models.ocr import get_ocr

    rec = BY_ID["greenelab/generalization-manuscript#Figure 2"]
    assert rec["open"]
    result = run_figure({**rec, "path": DEVSET / "open" / rec["file"]}, "alone", get_ocr())
    gold = {m["label"] for m in rec["masters"]}
    assert {lab.label for lab in result.labels_found} <= gold
    assert len(result.masters) <= len(rec["masters"])


def test_one_stray_letter_is_dropped_alone():
    """livecoms.4.1.1497 Fig. 8 (fresh-2026-12f): the finder also read a "d" in the first panel's
    legend (conf 1.0); taken for the label, it puts the labels out of reading order.  Before, every
    label of the figure was dropped; now only the stray letter, and the rest name their panels."""
    from figdex.models.panel_labels import labels_in_reading_order

    gold = _gold_labels("10.33011/livecoms.4.1.1497#Figure 8")
    assert [c.label for c in gold] == ["a", "b", "c", "d", "e"]
    read = [c if c.label != "d" else PanelLabel("d", "d", (51, 543, 104, 575), 1.0) for c in gold]
    assert not in_reading_order(read)
    kept = labels_in_reading_order(read)
    assert [c.label for c in kept] == ["a", "b", "c", "e"]
    assert labels_in_reading_order(gold) == gold


def test_junk_runs_stay_dropped_whole():
    # More than one letter out of place (a categorical axis, a colour bar's text): nothing is kept.
    from figdex.models.panel_labels import labels_in_reading_order

    axis = _labels([("d", (1397, 1008, 1410, 1019)), ("a", (192, 1567, 205, 1578)), ("b", (944, 1567, 958, 1578)),
                    ("c", (2014, 1567, 2028, 1579)), ("h", (1609, 1579, 1623, 1590)),
                    ("e", (249, 1605, 263, 1616)), ("g", (1696, 1608, 1710, 1620))])
    assert labels_in_reading_order(axis) == []
    bar = _labels([("a", (3400, 524, 3427, 546)), ("c", (3400, 553, 3427, 574)),
                   ("e", (2187, 580, 2212, 601)), ("d", (15, 608, 48, 629))])
    assert labels_in_reading_order(bar) == []
