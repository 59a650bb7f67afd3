"""Layout cases of #15's failure list that hold on figures of any paper: a bracketed label that
opens a panel's title line, and unlabelled drawings beside a column of labelled steps (a pipeline
figure's input and output)."""

from __future__ import annotations

import numpy as np

from figdex.models.ocr import TextBox
from figdex.models.panel_labels import _titled_label
from figdex.models.layout import unlabelled_flanks


def test_a_bracketed_letter_opening_a_title_line_is_a_label_with_its_own_box():
    # As the text detector reads knowledge-graph-review Fig. 4: "(a)" touches its title.
    lab = _titled_label(TextBox((584, 36, 943, 72), "(a) Matrix Factorization", 0.99))
    assert lab.label == "a" and lab.text == "(a)"
    assert lab.box[0] == 584 and lab.box[2] - lab.box[0] < 60  # the "(a)", not the whole line
    assert _titled_label(TextBox((0, 0, 90, 20), "b) Spectra", 0.9)).label == "b"
    # Words and numbers that open a line are not labels.
    for text in ("A Cell counts", "(ab) x", "(1) 50 °C", "Figure 2", "(a)"):
        assert _titled_label(TextBox((0, 0, 90, 20), text, 0.9)) is None


def _pipeline(legend_width: int = 0):
    """A drawing, a column of three framed steps labelled at their top-left, a drawing."""
    mask = np.zeros((300, 1000), bool)
    mask[80:220, 20:260] = True  # input drawing
    for y in (10, 110, 210):
        mask[y:y + 80, 320:680] = True  # the labelled steps
    mask[60:240, 740:980 - legend_width] = True  # output drawing
    labels = [(322, y + 2, 340, y + 20) for y in (10, 110, 210)]
    return mask, labels


def test_drawings_beside_a_column_of_labelled_steps_are_masters_of_their_own():
    mask, labels = _pipeline()
    flanks, middle = unlabelled_flanks(mask, 1000, 300, labels)
    assert flanks == [(0, 0, 260, 300), (740, 0, 1000, 300)]
    assert middle == (320, 0, 680, 300)


def test_a_narrow_legend_beside_the_last_panel_is_no_flank():
    mask = np.zeros((300, 1000), bool)
    mask[20:280, 30:470] = True  # panel a
    mask[20:280, 520:900] = True  # panel b
    mask[100:160, 930:990] = True  # b's legend, beyond a full-height gutter
    flanks, middle = unlabelled_flanks(mask, 1000, 300, [(32, 22, 50, 40), (522, 22, 540, 40)])
    assert flanks == [] and middle == (0, 0, 1000, 300)
