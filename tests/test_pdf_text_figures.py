"""PDF figures the parser used to get wrong, on the real PDFs of the gold set where they occur (the
development parts of eval/pdf/gold.json: tune, held_out, held_out_2 and, since its one measurement,
fresh; never a part still held out, such as fresh_2).  These PDFs carry no open licence, so they are
not in the repository: ``python eval/pdf/restore.py`` brings them back from the git mirrors, and the
tests skip, saying so, when they are not there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pypdfium2")

from figdex.ingest.pdf_eval import iou  # noqa: E402
from figdex.ingest.sources.pdf import analyse_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GOLD = {p["id"]: p for p in json.loads((ROOT / "eval" / "pdf" / "gold.json").read_text())["pdfs"]}


def _found_and_gold(pid: str):
    record = GOLD[pid]
    # the development parts only: a part still held out (fresh_2) is measured once, never tuned on
    assert record["split"] in ("tune", "held_out", "held_out_2", "fresh")
    path = ROOT / record["file"]
    if not path.is_file():
        pytest.skip(f"{record['file']} is not here (no open licence): restore it with python eval/pdf/restore.py")
    found = {(f.label, f.page): f for f in analyse_pdf(path, render=False).figures}
    return found, {(g["label"], g["page"]): g for g in record["figures"]}


def _overlap(found, gold, key) -> float:
    assert key in found, f"{key} not found"
    assert found[key].region is not None, f"{key}: no region"
    return iou(found[key].region, gold[key]["region"])


def test_a_framed_box_of_sentences_and_a_problem_set_as_text_are_figures():
    found, gold = _found_and_gold("acl_bunescu07")  # ACL 2007: Figure 1 a ruled frame, Figure 2 text lines
    assert _overlap(found, gold, ("Figure 1", 2)) >= 0.8
    assert _overlap(found, gold, ("Figure 2", 3)) >= 0.8


def test_indented_example_text_over_its_caption_is_the_figure_and_both_are_kept():
    # NAACL 2013: two figures of example text, no drawing; Figure 1 used to be dropped altogether.
    found, gold = _found_and_gold("naacl_roark13")
    assert _overlap(found, gold, ("Figure 1", 2)) >= 0.8
    assert _overlap(found, gold, ("Figure 2", 2)) >= 0.8


def test_a_frame_drawn_as_one_pixel_images_is_a_frame():
    found, gold = _found_and_gold("conll_mooney05")  # CoNLL 2005 Figure 2: an algorithm in a box
    assert _overlap(found, gold, ("Figure 2", 2)) >= 0.8


def test_a_caption_under_text_does_not_take_the_drawing_above_the_next_caption():
    # ICDE 2004 page 3: Figure 1 (XML as text) over Figure 2 (a drawing); Figure 1 used to claim it.
    found, gold = _found_and_gold("icde_zolotov04")
    assert _overlap(found, gold, ("Figure 1", 3)) >= 0.8
    assert _overlap(found, gold, ("Figure 2", 3)) >= 0.8


def test_three_panels_wide_apart_under_one_caption_are_one_figure():
    found, gold = _found_and_gold("osdi_mapreduce")  # OSDI 2004 Figure 3: three columns of plots
    assert _overlap(found, gold, ("Figure 3", 9)) >= 0.8


def test_a_small_side_caption_keeps_its_second_line():
    found, gold = _found_and_gold("chi_c921")  # CHI extended abstract: a 7-pt caption in the margin
    assert found[("Figure 1", 1)].caption == "Figure 1 Screenshot of the smartphone display during the test."


def test_running_text_wrapped_beside_a_figure_stays_out_of_it():
    found, gold = _found_and_gold("aimag_2010")  # AI Magazine 2010 Figure 5: a column of text to its left
    assert _overlap(found, gold, ("Figure 5", 5)) >= 0.8
    found, gold = _found_and_gold("pmlr_futoma_2017")  # PMLR 2017 Figure 1: text wrapped on its left
    region = found[("Figure 1", 2)].region
    assert region[0] > 200  # the wrapped paragraph starts at x = 90; the plot's own box at 222


def test_a_running_head_bar_reaching_into_the_page_is_not_part_of_the_figure_under_it():
    found, gold = _found_and_gold("aimag_2010")  # the grey "Articles" bar over Figure 1 on page 2
    assert _overlap(found, gold, ("Figure 1", 2)) >= 0.8


def test_an_ell_in_tex_math_italic_reads_as_an_ell():
    found, gold = _found_and_gold("acl_dyer12")  # ACL 2012 Figure 2: "ℓ1/ℓ2" in CMMI10 without ToUnicode
    assert found[("Figure 2", 5)].caption.startswith("Figure 2: ℓ1/ℓ2 regularization")


def test_characters_beyond_the_bmp_are_joined_from_pdfiums_two_halves():
    from figdex.ingest.sources.pdf_glyphs import _character

    # pdfium gives U+1D465 (mathematical italic x) as 0xD835 then 0xDC65; alone, a half is not text
    assert _character(0xD835, 0xDC65) == "\U0001d465"
    assert _character(0xD835, 0x41) == "\ufffd"
    assert _character(0xDC65, 0) == "\ufffd"
    assert _character(0x3B1, 0) == "α"
    ("x" + _character(0xD835, 0)).encode("utf-8")  # printable and storable: no lone surrogate left


def test_a_rotated_sheet_is_read_as_displayed():
    # A 1994 preprint whose landscape sheets are portrait pages with /Rotate 270: pdfium reports the
    # text unrotated (one letter a line), so no caption was read and none of its 11 figures found.
    found, gold = _found_and_gold("cebaf_th_94_08")
    assert _overlap(found, gold, ("FIG. 3", 12)) >= 0.8
    assert _overlap(found, gold, ("FIG. 4", 12)) >= 0.8
    # Its bitmap fonts give some glyphs a loose box 240 pt across: taken as is, it swallowed Figure 1.
    assert _overlap(found, gold, ("FIG. 1", 3)) >= 0.8


def test_a_sheet_of_two_pages_side_by_side_is_read_as_two_pages():
    from figdex.ingest.sources.pdf import _open
    from figdex.ingest.sources.pdf_sheets import sheet_halves
    from figdex.ingest.sources.pdf_graphics import display_matrix
    from figdex.ingest.sources.pdf_text_lines import page_lines
    import pypdfium2.raw as raw

    # The 1994 preprint sets pages 17 and 18 on one landscape sheet (its page 10): Figure 2's plots sit
    # over page 17's text, and the drawn brackets of page 18's equations are not part of them.
    found, gold = _found_and_gold("cebaf_th_94_08")
    assert _overlap(found, gold, ("FIG. 2", 10)) >= 0.8
    assert found[("FIG. 2", 10)].region[2] < 396  # in the left page, in the sheet's coordinates
    # Figure 11 on the left page of sheet 17, a table on the right: its row of tick labels
    # ("0- + 1- - ...") is not running text bounding the plot.
    assert _overlap(found, gold, ("FIG. 11", 17)) >= 0.8
    doc = _open(ROOT / GOLD["cebaf_th_94_08"]["file"])
    try:
        page = doc[9]
        halves = sheet_halves(page, page_lines(page.get_textpage(), raw, display_matrix(page)), (0, 0, 792, 612))
        assert len(halves) == 2 and 370 < halves[0][2] == halves[1][0] < 410
        page = doc[1]  # the title sheet: its centred lines cross the middle, one page
        assert len(sheet_halves(page, page_lines(page.get_textpage(), raw, display_matrix(page)),
                                (0, 0, 792, 612))) == 1
    finally:
        doc.close()
    # A CHI extended abstract is landscape too, one page of a margin column and two text columns whose
    # gutter (at 57 % of the width) is not the middle: Figure 3 in the margin column stays whole.
    found, gold = _found_and_gold("chi_c921")
    assert _overlap(found, gold, ("Figure 3", 5)) >= 0.8


def test_a_bold_figure_reference_opening_a_line_of_running_text_is_not_a_caption():
    # Nature Neuroscience sets references bold: "Fig. 3), it did shift ..." on page 3 became Figure 3
    # (and the real Figure 3 on page 4 was dropped as its duplicate).
    found, gold = _found_and_gold("natneurosci_2011")
    assert ("Fig. 3", 3) not in found
    assert _overlap(found, gold, ("Figure 3", 4)) >= 0.8


def test_a_caption_in_a_side_column_takes_the_figure_beside_it_not_the_margin():
    # Nature Neuroscience: captions in a left column, the figure to their right; the sideways copyright
    # line in the left margin was taken instead, and Figure 3's first drawing lies 43 pt off its
    # caption behind its own labels.
    found, gold = _found_and_gold("natneurosci_2011")
    for key in (("Figure 2", 3), ("Figure 3", 4), ("Figure 4", 5)):
        assert _overlap(found, gold, key) >= 0.8, key


def test_a_scheme_under_its_caption_is_the_whole_float_across_both_columns():
    # J. Org. Chem. 2022: "Scheme 2. Scope of Substrates" heads a page-wide scheme of structures set
    # apart by white space; its short caption sits in the left column.  Regions were a few structures
    # near the caption, or none (Scheme 4 of 2022a, Scheme 1 of 2022b).
    found, gold = _found_and_gold("acs_joc_2022a")
    for key in (("Scheme 2", 3), ("Scheme 3", 3), ("Scheme 4", 4)):
        assert _overlap(found, gold, key) >= 0.8, key
    found, gold = _found_and_gold("acs_joc_2022b")
    for key in (("Scheme 1", 2), ("Scheme 4", 6)):
        assert _overlap(found, gold, key) >= 0.8, key


def test_a_second_row_of_structures_further_apart_than_its_panels_is_the_same_figure():
    # J. Org. Chem. 2022b Figure 1: two rows of drug structures with their names, 36 pt apart; only the
    # lower row was taken (IoU 0.39).  A table over an IEEE figure (set as an image wider than the
    # figure) stays out.
    found, gold = _found_and_gold("acs_joc_2022b")
    assert _overlap(found, gold, ("Figure 1", 2)) >= 0.8
    found, gold = _found_and_gold("ieee_trans_1997")
    assert _overlap(found, gold, ("Fig. 1", 3)) >= 0.8


def test_symbol_font_greek_in_a_line_drawn_out_of_order_is_read():
    # IOP 2018: "ρ(T, μ0H)" is set in EuclidSymbol without a ToUnicode map (pdfium says "r", "m"), and
    # its glyphs are drawn after the line around them ("of T H", ", 0", then "ρ( μ )"): the caption
    # read "logarithm of T H 122" (6 of 7 captions of this PDF were wrong).
    found, gold = _found_and_gold("iop_sust_2018a")
    assert found[("Figure 1", 2)].caption.startswith(
        "Figure 1. (a) and (b) The natural logarithm of ρ(T, μ0H) of LiFeSe")
    assert found[("Figure 5", 5)].caption.startswith("Figure 5. The vortex phase diagrams (μ0H - T) of (a, b)")
    assert found[("Figure 7", 6)].caption.startswith("Figure 7. ∣ρxy∣ versus ρ at various temperatures")
    # Labels of a diagram on one baseline, read by pdfium as runs that jump right, stay apart (joined,
    # they made a seven-word line of running text that cut ICDE 2004's Figure 2 off).
    found, gold = _found_and_gold("icde_zolotov04")
    assert _overlap(found, gold, ("Figure 2", 3)) >= 0.8


def test_a_figure_in_one_column_does_not_take_the_next_columns_axis_title():
    # IOP 2018 page 2: two figures side by side; the right one's sideways axis title starts 10 pt past
    # the page's middle, within the left column's slack: Figure 1 took it and Figure 2 got no region.
    found, gold = _found_and_gold("iop_sust_2018a")
    assert _overlap(found, gold, ("Figure 1", 2)) >= 0.8
    assert _overlap(found, gold, ("Figure 2", 2)) >= 0.8


def test_an_old_tex_pdfs_ligatures_accents_and_minus_are_read_from_their_fonts_encoding():
    # The 1994 preprint's dvips bitmap fonts have no names and no Unicode map: pdfium reports their
    # codes, 0x0C (the "fi" ligature of the text font), 0x16 (its macron, drawn after "u" of "ū" but
    # before the second "b" of "bb̄") and 0x00 (the symbol font's minus, a bar lower than the line).
    from figdex.ingest.pdf_eval import normalise_words

    found, gold = _found_and_gold("cebaf_th_94_08")
    for key in (("FIG. 3", 12), ("FIG. 5", 13), ("FIG. 11", 17)):
        assert normalise_words(found[key].caption) == normalise_words(gold[key]["caption12"]), key
    assert normalise_words(found[("FIG. 3", 12)].caption).startswith("FIG. 3. This figure shows W − m2 for bū")


def test_a_hard_hyphen_at_a_captions_line_end_joins_the_compound():
    found, gold = _found_and_gold("acs_joc_2022a")  # "3-Alkyl/Aryl-3-" over "Hydroxyoxindoles"
    assert found[("Scheme 1", 2)].caption == "Scheme 1. Synthetic Routes of 3-Alkyl/Aryl-3-Hydroxyoxindoles"


def _page_text(pid: str, page: int) -> str:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from figdex.ingest.sources.pdf_text_lines import page_lines

    record = GOLD[pid]
    if not (ROOT / record["file"]).is_file():
        pytest.skip(f"{record['file']} is not here: restore it with python eval/pdf/restore.py")
    doc = pdfium.PdfDocument(str(ROOT / record["file"]))
    try:
        return " ".join(ln.text for ln in page_lines(doc[page - 1].get_textpage(), raw))
    finally:
        doc.close()


def test_a_named_tex_fonts_control_codes_are_read_by_the_fonts_name():
    # ACL 2007: CMEX10's big parentheses (0x12, 0x13) have no Unicode map; told by letters alone (none)
    # the font read as the symbol font, and they became "⊆" and "⊇".  Its name says what it is.
    text = _page_text("acl_bunescu07", 3)
    assert "⊇" not in text and "Ξn)" in text
    # STOC 2007: CMMI's epsilon (0x0F).  (No word space after the subscript f before the "/": pdfium's
    # generated space after a math script, before an atom TeX does not space, goes; h166.)
    text = _page_text("stoc_smith07", 3)
    assert "Lap(GSf/ϵ), is ϵ-indistinguishable" in text and "\x0f" not in text
