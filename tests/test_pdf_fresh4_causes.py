"""PDF figures the parser got wrong on the ``fresh_4`` part of eval/pdf/gold.json, fixed by cause (issue
#19; fresh_4 has been development data since its one measurement).  Each test is on a real PDF where
the cause occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying
so, when they are not here), or on a line made up to show the rule."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from figdex.ingest.pdf_eval import iou, label_key, normalise_words  # noqa: E402
from figdex.ingest.sources.pdf_layout import Line, caption_start  # noqa: E402
from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def _line(text: str) -> Line:
    return Line((0.0, 0.0, 300.0, 9.0), text, 8.0)


def test_a_chapter_numbered_label_opens_a_caption_without_a_stop():
    # Books number figures by chapter and set the title right after the label: "Figure 3-1 CREATE
    # PERMISSION SQL statement" (IBM Redbooks).  The label was read as "Figure 3" with "-1 ..." after it,
    # which is no caption delimiter: all seven figures of the Redbook sample were missed.
    assert caption_start(_line("Figure 3-1 CREATE PERMISSION SQL statement"))[1:] == ("Figure 3-1", "3-1")
    assert caption_start(_line("Figure 7-26. Self-locking nuts."))[1] == "Figure 7-26"
    assert caption_start(_line("Figure 3-10 shows the masks that are created")) is None  # a sentence
    assert caption_start(_line("Figure 3 CREATE PERMISSION")) is None  # (no stop, not bold: not a caption)
    # The eval keys a chapter's figures apart (all were "7" before, so one hid the other).
    assert label_key("Figure 7-26") != label_key("Figure 7-27") and label_key("Fig. 7–26") == ("figure", "7-26")


def test_the_redbook_figures_numbered_by_chapter_are_found():
    found, gold = _found_and_gold("ibm_redbook_redp5110")
    for key in gold:
        _check(found, gold, key)


def test_two_captions_side_by_side_on_one_baseline_are_two_captions():
    # The FAA handbook page sets "Figure 7-26. Self-locking nuts." and "Figure 7-27. Stainless steel
    # self-locking nut." on one baseline, one per column, with one space character between them:
    # the line ran on across the gutter and one caption swallowed the other.
    # Then Figure 7-26's drawings, clipped to their frame, report boxes 40 pt into the other column: a
    # drawing across the gutter no longer lets a figure into the one already found there.
    found, gold = _found_and_gold("faa_amt_handbook_page")
    for key in gold:
        _check(found, gold, key)


def test_a_bold_title_and_its_legend_under_it_are_one_caption_over_its_figure():
    # A submitted manuscript's figure pages (Cell Systems, Google Docs export): a bold 15-17 pt title
    # without a full stop, set with a wide leading over two lines, then the legend in the 12-pt text
    # type, then the figure.  The caption stopped at the title's first line and took its second line for
    # the figure (IoU 0); Figure 2's page lent its caption to the figure on the page before.
    found, gold = _found_and_gold("cellsys_2017_submitted")
    for key in gold:
        assert key in found, key
        assert normalise_words(found[key].caption) == normalise_words(gold[key]["caption12"]), key
    for n, page in ((1, 13), (2, 14), (3, 15), (5, 17), (6, 18), (7, 19)):
        _check(found, gold, (f"Figure {n}", page))
    assert ("Figure 2", 13) not in found


def test_no_word_space_at_a_subscript_where_the_page_prints_none():
    # The gold's convention (eval/pdf/README.md, "Gold correction"): a space only where the page prints
    # one.  Two joins wrote spaces the page does not have: a fragment joined on its left always took a
    # space ("WO3 ." where pdfium broke the line after the subscript and read the "." first), and a
    # lone "." (of "1.07") let into a line set the gap measure for the whole line to its own height,
    # so a subscript's 0.5-pt kern became a word space ("pM (t)/po").  PoS's "S 2" was the first cause.
    found, gold = _found_and_gold("scirep_2026_znowo3")
    assert found[("Fig. 5", 7)].caption.endswith("of ZnO and WO3.")
    found, gold = _found_and_gold("arxiv_2303_heavy_quark")
    key = ("Figure 3", 6)
    assert normalise_words(found[key].caption) == normalise_words(gold[key]["caption12"])
    assert "Plots of pM(t)/po and σ(t)" in found[key].caption
    found, gold = _found_and_gold("pos_lattice_2025")
    assert "discretization of S2 using" in found[("Figure 4", 6)].caption


def test_a_panel_reference_is_no_caption_where_its_figure_has_one():
    # A protocol chapter's running text refers to panels at a line start: "Fig. 9c — =INDEX(...)" (a
    # label in another font: read as bold), "Fig. 11b." (the end of a sentence wrapped).  Both were
    # figures of their own; the document captions Figures 9 and 11, so they are their panels.
    found, gold = _found_and_gold("springer_mimb_2024_pgfinder")
    assert not [key for key in found if key[0] in ("Fig. 9c", "Fig. 11b")]
    assert set(found) == set(gold)


def test_a_line_of_the_other_column_level_with_a_caption_does_not_end_it():
    # PLDI (two columns): the left column's "struction is immediately passed ..." sits level with the
    # gap under the first line of Figure 9's caption; read before the caption's own next line, its
    # lower-case start after a full stop ended the caption ("a sentence of running text goes on").
    found, gold = _found_and_gold("pldi_2009_tracemonkey")
    key = ("Figure 9", 8)
    assert normalise_words(found[key].caption) == normalise_words(gold[key]["caption12"])
    assert found[key].caption.endswith("is a key benefit of tracing.")


def test_panels_stacked_far_apart_over_a_caption_are_one_figure():
    # The NMR preprint's SI sets a figure as two spectra images one over the other, 64 pt apart with
    # nothing between them: the region took the lower image only (IoU 0.44).  A large image over the
    # figure and within its width, below the running text that bounds the window, is more of it; the
    # same cause held the Royal Society's landscape figure (fresh_2, rsta_2011 Figure 3) to one row.
    found, gold = _found_and_gold("nmr_abbs_preprint")
    _check(found, gold, ("Figure S3", 19))
    _check(found, gold, ("Figure S6", 24))
    found, gold = _found_and_gold("rsta_2011")
    assert iou(found[("Figure 3", 12)].region, gold[("Figure 3", 12)]["region"]) >= 0.8


def test_a_paragraphs_last_line_over_a_figure_is_not_its_label():
    # A paragraph carried over from the page before ends at the top of the NMR preprint's page 5 in one
    # short line ("for more confident structural determination."): too short for running text, it was
    # taken as a label of the figure under it (IoU 0.76).  A sentence's end at the body's type size is
    # running text; stoc_smith07 (held_out_2) had the same, "the smooth sensitivity framework (Figure 2).".
    found, gold = _found_and_gold("nmr_abbs_preprint")
    _check(found, gold, ("Figure 3", 5))
    found, gold = _found_and_gold("stoc_smith07")
    assert found[("Figure 2", 7)].region[3] < 520
