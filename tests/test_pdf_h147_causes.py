"""PDF figures h147 traced on the ``fresh_10`` and ``fresh_9`` parts of eval/pdf/gold.json (issue #19; both are
development data), fixed by cause.  Each test is on a real PDF where the cause occurs (restored by
``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying so, when they are not here)."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from figdex.ingest.sources.pdf_caption_labels import ocr_label_digits  # noqa: E402
from figdex.ingest.sources.pdf_equations import equation_rows  # noqa: E402
from figdex.ingest.sources.pdf_furniture import below_running_head  # noqa: E402
from figdex.ingest.sources.pdf_layout import Graphic, Line  # noqa: E402
from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def test_a_numbered_display_equation_bounds_the_figure_next_to_it():
    # IOP 2016: equation (6), a Word equation drawn as a Form XObject with its number flush at the right margin,
    # stands 20 pt over the circuit of Figure 3 and was taken into it (IoU 0.36).  JFQA 2023: equation (3), its
    # number at the left margin, 40 pt under the plot of Figure 3 (captioned above), was taken too (0.63).
    found, gold = _found_and_gold("iopconf_2016_load_symmetrization")
    _check(found, gold, ("Figure 3", 5))
    found, gold = _found_and_gold("jfqa_2023_pead_text")
    _check(found, gold, ("FIGURE 3", 21))


def _prose(y: float) -> Line:
    return Line((72.0, y, 523.0, y + 10), "running text of the page set in ten point type across the column", 10.0)


def test_an_equation_number_counts_only_at_a_margin_with_white_space_before_it():
    prose = [_prose(100 + 14 * i) for i in range(4)]
    formula = Line((200.0, 300.0, 523.0, 312.0), "x = a + b (6)", 10.0)  # sparse: the number set off at the margin
    numerator = Line((250.0, 308.0, 260.0, 318.0), "a", 10.0)  # over the number's line: the same equation
    label = Line((300.0, 400.0, 330.0, 410.0), "(2)", 10.0)  # a figure's label "(2)" away from either margin
    tight = Line((420.0, 500.0, 523.0, 510.0), "see case (4)", 10.0)  # as wide as its letters: no white space
    rows = equation_rows(prose + [formula, numerator, label, tight], prose, 10.0)
    assert rows == [(200.0, 300.0, 523.0, 318.0)]


def test_a_row_of_sub_captions_further_under_the_panels_than_a_label_is_the_figures():
    # The YOLO preprint (Springer's sn-jnl template) sets "(a) Original Frame  (b) Teacher Model ..." 21 pt under a
    # page-wide row of images, over "Fig. 11:"; labels join a figure within 10 pt, so the region stopped at the
    # images (IoU 0.53), as it did for Fig. 9's rows (0.76).
    found, gold = _found_and_gold("arxiv_2025_yolo_small_uav")
    _check(found, gold, ("Fig. 11", 14))
    _check(found, gold, ("Fig. 9", 10))


def test_a_plot_title_the_pages_repeat_at_their_top_is_no_running_head():
    # The PINN preprint's appendix sets the same grid of panels ("Convection, beta = 40", "Wave, beta = 5") at the
    # top of three pages: the titles read as a running head, and the cut under it then stepped from rule to rule
    # (tick marks, error bars' caps) down through the top row of plots (IoU 0.69).
    found, gold = _found_and_gold("pinn_2024_loss_landscape")
    _check(found, gold, ("Figure 8", 18))
    key = ("Figure 8", 18)
    assert found[key].region[3] >= gold[key]["region"][3] - 2  # (the titles over the top row are the figure's)


def test_the_cut_under_a_running_head_takes_its_own_rule_not_the_rules_under_that():
    head = Line((100.0, 700.0, 300.0, 708.0), "Journal of Things 12", 8.0)
    rules = [Graphic((100.0, y, 300.0, y + 0.5), "path", None) for y in (696.0, 687.0, 678.0, 669.0)]
    plot = Graphic((100.0, 500.0, 300.0, 660.0), "path", None)
    region = below_running_head((90.0, 500.0, 310.0, 720.0), [head], rules + [plot], 792.0, {"journal of things #"})
    assert region == (90.0, 500.0, 310.0, 695.5)  # (the rule 4 pt under the head; not the ticks 9 pt apart under it)


def test_an_ocr_layers_i_for_a_labels_one_is_read_as_the_digit():
    # J. theor. Biol. 1983, a 1-bit scan with an OCR layer: "FIG. 11." read "FIG. 1 I.", no caption (Fig. 11 missed)
    # and its lines then cut Fig. 12's window under it (IoU 0.37).
    found, gold = _found_and_gold("jtheorbiol_1983_cytokinesis_scanned")
    key = ("FIG. 11", 16)
    assert key in found
    assert found[key].caption.startswith("FIG. 11. An initially ellipsoidal cell")
    _check(found, gold, ("FIG. 12", 16))
    line = ocr_label_digits(Line((0.0, 0.0, 100.0, 10.0), "FIG. I. A Roman numeral", 10.0))
    assert line.text == "FIG. I. A Roman numeral"  # (no digit before the I: a Roman number, left as printed)
