"""PDF figures the parser got wrong on the ``fresh_11`` part of eval/pdf/gold.json, fixed by cause (issue
#19; fresh_11 has been development data since its one measurement).  Each test is on a real PDF where
the cause occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying
so, when they are not here), or on text made up to show the rule."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from figdex.ingest.sources.pdf_layout import close_letter_spacing  # noqa: E402
from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def test_a_letter_spaced_appendix_label_keeps_its_letter_with_the_number():
    # Wiley Economic Inquiry sets "FIGURE A1" letter-spaced: the text layer reads "F I G U R E A 1 IRFs ...",
    # whose letters spell "FIGUREA", no label word, so all four appendix figures were missed.
    assert close_letter_spacing("F I G U R E A 1 IRFs to a") == "FIGURE A1 IRFs to a"
    assert close_letter_spacing("F I G U R E S 2 Maps") == "FIGURE S2 Maps"
    # A spaced word that is no label word with a letter after it stays as it is, and so does a lower-case one.
    for text in ("T H E A 1 road", "T A B L E A 1 Counts", "f i g u r e a 1 x"):
        assert close_letter_spacing(text) == text
    found, gold = _found_and_gold("wiley_ecin_2025_housing_connectedness")
    for key in (("FIGURE A1", 22), ("FIGURE A2", 23), ("FIGURE A3", 23), ("FIGURE A4", 24)):
        _check(found, gold, key)
    _check(found, gold, ("FIGURE 1", 6))


def test_an_unnamed_tex_bitmap_font_in_t1_encoding_reads_its_ligatures():
    # MiKTeX's pdfTeX set the working paper in T1-encoded bitmap Type 3 fonts with no name and no Unicode map:
    # "fi" is 0x1C there, which OT1 (the table an unnamed text font was read with) has as "ø", so three
    # captions read "95% Conødence Intervals".  A ligature code inside a word says T1.
    found, gold = _found_and_gold("wp_2026_claude_code_economist")
    for key in (("Figure 2", 16), ("Figure 3", 17), ("Figure 4", 18)):
        _check(found, gold, key)
        assert "Confidence" in found[key].caption


def test_legends_listed_on_a_page_take_the_figure_pages_sized_to_their_figures_after_it():
    # bioRxiv's 2019 Ebola preprint lists the three legends on page 16 ("Figures") and appends each figure as
    # a page of its own size (432 x 299, 490 x 513, 360 x 551 pt) with no caption: Figure 1 was missed and
    # Figures 2 and 3 reported on the legends page.
    found, gold = _found_and_gold("biorxiv_2019_ebola_engagement")
    for key in (("Figure 1", 17), ("Figure 2", 18), ("Figure 3", 19)):
        _check(found, gold, key)
    assert not any(page == 16 for _, page in found)


def test_a_drawing_across_both_columns_does_not_join_a_column_figure_to_the_one_beside_it():
    # IEEE Access (cSysGuard, page 7) draws Table 1 as a form across both columns, 18 pt over Figure 5's plots in
    # the left column; Figure 5 took it, and with it the right column up to the table, so Figure 6 beside it kept
    # only its lowest plot (IoU 0.27 and 0.30).  A drawing across the gutter joins a column figure only when the
    # union takes no other figure's drawing.
    found, gold = _found_and_gold("ieeeaccess_2024_csysguard")
    _check(found, gold, ("FIGURE 5", 7))
    _check(found, gold, ("FIGURE 6", 7))


def test_two_minipage_figures_side_by_side_each_keep_their_own_drawing():
    # ICLR (HAICOSYSTEM, page 10) sets Figures 5 and 6 in two minipages, each plot over its own caption, 29 pt
    # apart: Figure 5 grew into Figure 6's plot as a panel in the same row and Figure 6 was left with nothing.
    # The drawing nearest another caption is that caption's, whichever side the figure is looked for on.
    found, gold = _found_and_gold("arxiv_2024_haicosystem")
    _check(found, gold, ("Figure 5", 10))
    _check(found, gold, ("Figure 6", 10))


def test_a_figure_found_inside_a_drawn_frame_is_the_whole_frame():
    # The working paper's Figure 7 is an abstract in a box drawn as four rules: the box's left rule seeded the
    # region and took only the words next to it (44 pt of the 438 pt wide box, IoU 0.10).
    found, gold = _found_and_gold("wp_2026_claude_code_economist")
    _check(found, gold, ("Figure 7", 32))


def test_a_table_drawn_under_its_own_label_does_not_grow_the_figure_under_it():
    # IEEE Access (VMMR CNN, page 7) draws Table 2 as a form under its "TABLE 2." line and 29 pt over Figure 10's
    # photographs in the same column: Figure 10 took the table as another row of its grid (IoU 0.32).
    found, gold = _found_and_gold("ieeeaccess_2025_vmmr_cnn")
    _check(found, gold, ("FIGURE 10", 7))
