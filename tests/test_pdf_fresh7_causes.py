"""PDF figures the parser got wrong on the ``fresh_7`` part of eval/pdf/gold.json, fixed by cause (issue
#19; fresh_7 has been development data since its one measurement).  Each test is on a real PDF where
the cause occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying
so, when they are not here), or on made-up input that shows the rule."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from figdex.ingest.sources.pdf_layout import Graphic, Line, caption_blocks  # noqa: E402
from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def test_a_label_over_a_hairline_keeps_its_title_under_the_rule():
    # Annual Reviews prints "Figure 1" alone, a rule under it, then the caption's title: the rule (and the
    # wider gap it makes) ended the caption at the bare label (all three captions read "Figure N").
    lines = [
        Line((46.3, 485.4, 77.0, 493.7), "Figure 3", 8.3, True),
        Line((46.2, 472.3, 252.0, 480.6), "The individual, dyadic, triadic, and network levels of analysis.", 8.3),
        Line((46.3, 447.3, 410.9, 456.7), "individual, dyadic, triadic, and network levels of analysis. Although the", 9.3),
        Line((46.3, 435.3, 410.9, 444.7), "running text of the page goes on here in the body's own type size and", 9.3),
    ]
    rule = Graphic((45.8, 483.2, 411.4, 484.2), "path")
    (cap,) = caption_blocks(lines, [rule])
    assert [ln.text for ln in cap.lines] == ["Figure 3", lines[1].text]
    # A rule under a label with its text on the line (not a bare label) still ends the caption there.
    lines[0] = Line((46.3, 485.4, 300.0, 493.7), "Figure 3. Levels of analysis", 8.3, True)
    (cap,) = caption_blocks(lines, [rule])
    assert len(cap.lines) == 1
    found, gold = _found_and_gold("annurev_orgpsych_2020_networks")
    for key in (("Figure 1", 3), ("Figure 2", 5), ("Figure 3", 13)):
        _check(found, gold, key)


def test_an_advent_font_without_a_unicode_map_reads_its_ligatures_and_dashes():
    # Biochim. Biophys. Acta 1999 (Advent 3B2 fonts, no ToUnicode): "¢ £ ¤ ^" are the fi, fl, ffi
    # ligatures and the en dash ("speci¢city", "In£uence", "Exon^intron").
    found, gold = _found_and_gold("bba_1999_celegans_oct")
    for key in (("Fig. 2", 4), ("Fig. 4", 4), ("Fig. 5", 5)):
        _check(found, gold, key)


def test_a_semicolon_drawn_in_one_piece_is_a_comma():
    # Expert Systems with Applications 2013 sets "G1, G2, G3" in a math font of TeX's math italic layout whose
    # Unicode map is ASCII: its commas read ";" ("G1; G2 ; G3"), and the space after the subscript "2" before
    # the comma is none the page prints.
    found, gold = _found_and_gold("eswa_2013_framing_networks")
    _check(found, gold, ("Fig. 1", 4))
    assert "G1, G2, G3" in found["Fig. 1", 4].caption


def test_side_by_side_code_listings_each_keep_their_own_half():
    # JSS prints two listings side by side, each captioned under itself ("Figure 4:" | "Figure 5:"): the text
    # block of the first caption took both listings, and the second caption had none left.
    found, gold = _found_and_gold("jss_rcindex_libclang")
    for key in (("Figure 4", 18), ("Figure 5", 18), ("Figure 6", 27), ("Figure 7", 27)):
        _check(found, gold, key)



def test_a_caption_heading_its_page_takes_the_figure_over_the_download_footer_before():
    # An OUP chapter (a ProQuest download) prints Figure 4.3 at the foot of page 36 and its caption at the head
    # of page 37; the download's footer lines under the figure were taken for running text under it, so the
    # caption stayed on page 37 without a figure.
    found, gold = _found_and_gold("oup_chapter_2007_wm_dual_mechanisms")
    _check(found, gold, ("Figure 4.3", 36))
    assert ("Figure 4.3", 37) not in found


def test_a_caption_beside_its_plot_finds_it_past_the_next_figure():
    # JBC 1999 sets FIG. 3's caption in a narrow block at the column's edge and its plot image 60 pt into the
    # page: a line of the caption broken by a "μ" ended it (three pieces on one baseline read as two columns),
    # the image stood past the 60 pt a figure beside its caption was looked for, and it then grew into FIG. 5's
    # panels 12 pt under it.
    found, gold = _found_and_gold("jbc_1999_oat3_transporter")
    for key in (("FIG. 3", 4), ("FIG. 4", 4), ("FIG. 5", 4)):
        _check(found, gold, key)


def test_a_page_of_upright_captions_under_words_set_up_the_page_is_not_turned():
    # The Transformer paper's attention maps are words set up the page, more of them than the page's upright
    # text: the page was read as turned sideways, and its upright "Figure 4: ..." caption was lost with it.
    found, gold = _found_and_gold("arxiv_1706_attention")
    _check(found, gold, ("Figure 4", 14))
    _check(found, gold, ("Figure 5", 15))


def test_author_lines_across_the_gutter_are_not_a_first_page_figures_labels():
    # arXiv 2403.08291's first page sets its Figure 1 in the right column under the author lines, which are
    # centred across the gutter: taken as the figure's labels, they drew its region up and over the left column.
    found, gold = _found_and_gold("arxiv_2403_cleanagent")
    _check(found, gold, ("Figure 1", 1))


def test_only_a_comma_sized_glyph_in_one_piece_reads_as_a_comma():
    # RSC's triangle and Oxford's tilde sit on the codes of ":" and ";" in one piece too, but larger than a comma
    # or a full stop: left as they read (not made "." or ",").
    found, _ = _found_and_gold("rsc_ees_2013")
    assert "GO (.)" not in found["Fig. 4", 3].caption


def test_a_time_axis_row_of_dates_is_not_running_text():
    # ASQ 2021's Figure 2 plots debt over time: its row of tick labels "1-Oct-06 1-Oct-07 ... 1-Oct-14" is long
    # and wide, and was taken for running text that ended the figure above its dates and legend.
    from figdex.ingest.sources.pdf_layout import is_body_text

    row = Line((66.1, 121.4, 452.4, 127.8), " ".join(f"1-Oct-{y:02d}" for y in range(6, 15)), 6.1)
    assert not is_body_text(row, 400.0)
    prose = Line((66.1, 121.4, 452.4, 127.8), "In October the firm restated its debt for the years 2006 to 2014 again", 6.1)
    assert is_body_text(prose, 400.0)
    found, gold = _found_and_gold("asq_2021_black_boxing")
    _check(found, gold, ("Figure 2", 8))


def test_a_caption_line_broken_into_pieces_on_its_baseline_is_read_whole():
    # JBC's "([3H]PAH, 3 μM; [3H]estrone sulfate, 40 nM; ..." comes as three pieces on one baseline: they are
    # read into the caption in order, not skipped as another column's line.
    found, _ = _found_and_gold("jbc_1999_oat3_transporter")
    assert "[3H]estrone sulfate, 40" in found["FIG. 3", 4].caption


def test_a_figure_under_another_does_not_take_the_one_beside_its_caption():
    # Science 2015 sets Fig. 1 with its caption beside it in the third column, Fig. 2 page-wide under it, on a
    # white box drawn under Fig. 1 and its caption: Fig. 2 grew up through that box into Fig. 1 (and was then cut
    # back to two columns by Fig. 1's caption lines inside it).
    found, gold = _found_and_gold("science_2015_perovskite_mm_grains")
    _check(found, gold, ("Fig. 2", 2))
    assert found["Fig. 1", 2].region is not None


def test_a_panel_title_under_a_figure_beside_its_caption_leads_to_its_next_row():
    # Molecular Cell 2018's Figure 3 stands two-thirds wide beside its caption; its panel C starts 48 pt under
    # panel B with the title "C Global Protein Stability Assay": the region stopped at panel B.
    found, gold = _found_and_gold("molcell_2018_klhdc2_degron")
    _check(found, gold, ("Figure 3", 7))
