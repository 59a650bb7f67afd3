"""PDF figures the parser got wrong across the parts of eval/pdf/gold.json (fresh_1..fresh_6 and the older
ones, all development data), fixed by cause (issue #19, h107).  Each test is on a real PDF where the cause
occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying so, when they
are not here), or on text made up to show the rule."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from figdex.ingest.pdf_eval import label_key  # noqa: E402
from figdex.ingest.sources.pdf_layout import Line, caption_start  # noqa: E402
from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def test_an_appendix_label_with_its_letter_and_no_stop_opens_a_caption():
    # IOP numbers its appendix figures "Figure A1.", "Figure C2." (no stop after the letter): only the
    # "Figure B.1" form was read, so the pinning paper's four appendix figures were missed.
    line = Line((304.8, 523.8, 538.1, 531.8), "Figure A1. Phase diagram for a pin doublet located in the plane", 8.0)
    assert caption_start(line) == ("figure", "Figure A1", "A1")
    assert label_key("Figure A1") == ("figure", "A1") and label_key("Figure B.1") == ("figure", "B.1")
    # A reference in running text is still none ("Figure C2(b) shows ..."), nor a letter alone.
    assert caption_start(Line((304.8, 661.2, 549.9, 674.5), "Figure C2(b) shows the B-dependence", 9.0)) is None
    assert caption_start(Line((304.8, 661.2, 549.9, 674.5), "Figure A shows the map", 9.0)) is None
    found, gold = _found_and_gold("iop_sust_2018_pinning")
    for key in (("Figure A1", 15), ("Figure B1", 17), ("Figure C1", 17), ("Figure C2", 18)):
        _check(found, gold, key)


def test_a_solidus_drawn_as_a_stroke_is_read_between_its_glyphs():
    # IOP draws the "/" of "1/T" and "d ln rho/dT" as a small filled stroke between the glyphs: the text
    # layer has no "/" and the captions read "versus 1 T", "(d ln rho dT)-1".
    found, gold = _found_and_gold("iop_sust_2018a")
    assert "versus 1/T for" in found[("Figure 2", 2)].caption
    _check(found, gold, ("Figure 2", 2))
    _check(found, gold, ("Figure 4", 4))


def test_a_built_up_fraction_is_read_inline_as_numerator_slash_denominator():
    # "t" set over "h" with a bar between: pdfium reads the denominator as a line of its own, under the
    # caption's first line ("Figure 8. t ratios", the "h" lost), and the next caption line, opening with
    # the small numerator, looked set in another type size than the caption and was cut off.
    found, gold = _found_and_gold("iop_sust_2018b")
    assert "taking t/h = 0.5 at T/Tc = 0.9" in found[("Figure 8", 6)].caption
    _check(found, gold, ("Figure 8", 6))


def test_short_labels_level_with_a_figure_a_little_further_off_are_its_own():
    # ICDAR's flow chart prints "Step 1:", "Step 2:", "Step 3:" 21 pt left of its boxes, and IEEE's plot
    # its y-axis title "λ" 19 pt left of its tick labels: text was taken only within 10 pt of the drawing,
    # so both regions lost their left part (IoU 0.77, 0.71).
    found, gold = _found_and_gold("icdar_2003_journal_splitting")
    _check(found, gold, ("Fig 4", 4))
    found, gold = _found_and_gold("ieee_conf_2013")
    # (its gold box starts at x 296, in the left column's text: IoU 0.799, so only the edge is checked)
    assert 314 < found[("Figure 4", 4)].region[0] < 316  # the "λ" at x 314.6


def test_lines_of_two_columns_in_other_type_sizes_are_not_read_as_one():
    # CHI sets a caption in a 7.3-pt margin column 4 pt from the 8.3-pt running text, on baselines a few
    # points apart: its lines were read on into the text's ("... Nose points was placed on the tip of the
    # nose; ..."), the caption took the text column's width and Figure 2 got no region.
    found, gold = _found_and_gold("chi_c921")
    assert "Nose points upwards" in found[("Figure 2", 4)].caption
    _check(found, gold, ("Figure 2", 4))
    # Once its caption is its own, Figure 4's window runs up past "Table 2 Overview of ..." (a bold label
    # with no stop, in the narrow margin column) into the table: that line bounds it as a table caption.
    _check(found, gold, ("Figure 4", 6))


def test_a_narrow_word_space_in_a_line_whose_letters_touch_parts_the_words():
    # Water SA sets "mg/L methylene" with a 1.0-pt space at 9.6-pt type (under the 0.15-height rule) in a
    # line whose letters stand 0.0-0.1 pt apart: read "mg/Lmethylene".
    found, gold = _found_and_gold("watersa_2024")
    _check(found, gold, ("Figure 3", 4))
