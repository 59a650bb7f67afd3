"""PDF figures the parser got wrong on the ``fresh_5`` part of eval/pdf/gold.json, fixed by cause (issue
#19; fresh_5 has been development data since its one measurement).  Each test is on a real PDF where
the cause occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying
so, when they are not here), or on lines made up to show the rule."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from figdex.ingest.pdf_eval import iou  # noqa: E402
from figdex.ingest.sources.pdf_font_encodings import sign_table  # noqa: E402
from figdex.ingest.sources.pdf_layout import Line, caption_blocks  # noqa: E402
from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def test_a_symbol_fonts_signs_above_0x80_are_read_as_signs():
    # IOP sets the angle brackets of "<tau_r>_E" in EuclidSymbol without a Unicode map: pdfium reports
    # codes 0xE1 and 0xF1 as Latin-1 "á" and "ñ" ("timesáτrñE").
    table = sign_table("DEOMJB+EuclidSymbol")
    assert table["\u00e1"] == "\u27e8" and table["\u00f1"] == "\u27e9" and table["\u00a3"] == "\u2264"
    assert table["r"] == "\u03c1"  # (the Greek on Latin letters as before)
    # A sign a mapped Symbol font reports as itself, which an unmapped code cannot be told from, is left.
    assert "\u00b1" not in table and "\u00d7" not in table and "\u00b0" not in table
    assert sign_table("TimesLTStd-Roman") is None


def test_the_iop_captions_read_their_angle_brackets():
    found, gold = _found_and_gold("iop_sust_2018_thinfilm")
    _check(found, gold, ("Figure 10", 8))
    assert "\u27e8\u03c4r\u27e9E" in found[("Figure 9", 8)].caption


def test_a_figure_cut_out_of_a_placed_manuscript_page_is_its_clip():
    # MDPI places each figure as the manuscript's whole page in a form, clipped to the figure: pdfium
    # reports all of that page's text (its running text, its copy of the caption), which bounded the
    # figure and doubled the caption; and the form's box is the page's.  Figures 4 and 5 had IoU 0, and
    # Figure 7's caption lost its "(c)" to a line of the hidden page.
    found, gold = _found_and_gold("mdpi_nanomaterials_cu3n")
    for key in (("Figure 4", 8), ("Figure 5", 9), ("Figure 7", 12)):
        _check(found, gold, key)


def _ln(y: float, text: str) -> Line:
    return Line((70.0, y, 500.0, y + 9.0), text, 9.0)


def test_a_supplementary_list_run_in_over_lines_is_no_caption():
    lines = [_ln(200, "Supplementary Materials: The following supporting information can be downloaded at:"),
             _ln(189, "www.example.org, Figure S1: Calibration curve; Figure S2: EDX of the truncated octahedron;"),
             _ln(178, "Figure S3: UV-Vis absorption spectrum of the 6 h sample with a peak at 300 nm;"),
             _ln(167, "Figure S4: Tauc plot of Cu-3. Figure S5: UV-Vis spectra of distilled water")]
    assert caption_blocks(lines) == []
    # A caption under a paragraph that ends its sentence is still one.
    lines[1] = _ln(189, "www.example.org, the calibration curve and the spectra of the samples.")
    assert [c.label for c in caption_blocks(lines[:3])] == ["Figure S3"]
    found, gold = _found_and_gold("mdpi_nanomaterials_cu3n")
    assert not [key for key in found if key[0].startswith("Figure S")]


def test_a_caption_heading_its_page_takes_the_figure_over_the_text_of_the_page_before():
    # Nature Communications: Fig. 2 fills page 4 down to a few lines of running text, its caption opens
    # page 5.  Only a figure under the page's last running text was looked for.
    found, gold = _found_and_gold("natcomm_2024_amp")
    _check(found, gold, ("Fig. 2", 4), min_iou=0.85)
    assert ("Fig. 2", 5) not in found


def test_a_page_wide_figure_over_a_caption_set_in_two_columns_is_page_wide():
    # "Fig. 6 | ..." runs on at the head of the right column: the figure over it spans both columns,
    # and its panel b in the right column was left out (IoU 0.42).
    found, gold = _found_and_gold("natcomm_2024_amp")
    _check(found, gold, ("Fig. 6", 10))
    # Two captions side by side, level with each other, keep their figures in their own columns.
    found, gold = _found_and_gold("iop_sust_2018_thinfilm")
    for key in (("Figure 6", 7), ("Figure 8", 7), ("Figure 7", 7)):
        assert iou(found[key].region, gold[key]["region"]) >= 0.8, key
    # Nor does a one-column figure whose caption is level with the other column's running text (set in
    # the running text's size: not the caption going on) or with a label of the figure beside.
    for pid, keys in (("emnlp_mono04", [("Figure 1", 3)]), ("preprint_naxcoo2", [("FIG. 1", 2), ("FIG. 2", 2)]),
                      ("hindawi_scientifica_2026", [("Figure 6", 5), ("Figure 8", 5)])):
        found, gold = _found_and_gold(pid)
        for key in keys:
            assert iou(found[key].region, gold[key]["region"]) >= 0.8, (pid, key, found[key].region)


def test_a_scanned_page_under_an_invisible_ocr_layer_has_its_figures_cut_from_the_scan():
    # The 1980s Springer chapter: every page is one page-sized image under an invisible OCR text layer.
    # The image was dropped as a page background, so no figure had a drawing (Fig. 5.1 had no region),
    # and the OCR of a plot's tick labels ("O 50 fO0 150 200") counted as running text.
    found, gold = _found_and_gold("springer_chapter_hot_electrons")
    for key in (("Fig. 5.1", 2), ("Fig. 5.2", 5), ("Fig. 5.7", 13), ("Fig. 5.8", 15), ("Fig. 5.20", 26)):
        assert key in found and found[key].region is not None, key
        assert iou(found[key].region, gold[key]["region"]) >= 0.8, (key, found[key].region)
    # A formula line over a figure on a scanned page still bounds it (it is at the text's type size).
    found, gold = _found_and_gold("ijtp_1982_scanned")
    assert iou(found[("Fig. 4", 16)].region, gold[("Fig. 4", 16)]["region"]) >= 0.8


def test_a_hyphen_at_a_line_end_follows_the_documents_own_spelling():
    from collections import Counter

    from figdex.ingest.sources.pdf_layout import join_lines

    # A hard hyphen (pdfium did not mark it soft) after a formula's element: the document writes the
    # formula whole elsewhere, so the hyphen is the line break's ("Ti0.84Zr0.16-Mn0.9..." before).
    words = Counter({"16mn0": 5})
    assert join_lines(["alloy Ti0.84Zr0.16-", "Mn0.9Cr0.7Fe0.1"], words) == "alloy Ti0.84Zr0.16Mn0.9Cr0.7Fe0.1"
    assert join_lines(["3-Alkyl/Aryl-3-", "Hydroxyoxindoles"], Counter()) == "3-Alkyl/Aryl-3-Hydroxyoxindoles"
    # A soft hyphen between a prefix the document compounds with and a word of its own stays
    # ("singleline" before, where "single-vortex" and "single-pin" are written in lines) ...
    words = Counter({"single-vortex": 3, "single-pin": 1, "line": 4, "single": 9})
    assert join_lines(["for the single\x02", "line (1D) regime"], words) == "for the single-line (1D) regime"
    # ... but one that splits a word is dropped, as before.
    assert join_lines(["rectangu\x02", "lar grid"], words) == "rectangular grid"
    assert join_lines(["single\x02", "ton states"], words) == "singleton states"


def test_the_captions_with_a_hyphen_at_a_line_end_read_as_printed():
    found, gold = _found_and_gold("iop_sust_2018_pinning")
    _check(found, gold, ("Figure 1", 3))
    found, gold = _found_and_gold("rsc_adv_2025_hydride")
    _check(found, gold, ("Fig. 10", 9))


def test_an_ocr_layer_that_reads_a_labels_stops_as_commas_still_opens_a_caption():
    from figdex.ingest.sources.pdf_layout import caption_start, label_stops

    line = Line((0, 0, 300, 10), "Fig,5.4.Current density (a) and longitudinal fields (b)", 10.0)
    assert caption_start(line) == ("figure", "Fig. 5.4", "5.4")
    assert caption_start(Line((0, 0, 300, 10), "Fig.5,5.Reference axes in the valleys", 10.0))[1:] == ("Fig. 5.5", "5.5")
    assert label_stops("Fig, 5.4. Current density") == "Fig. 5.4. Current density"
    assert label_stops("Fig. 5,5. Reference axes, and") == "Fig. 5.5. Reference axes, and"
    assert label_stops("Fig. 3. A, b and c") == "Fig. 3. A, b and c"
    # A list of figures in running text is still no caption.
    assert caption_start(Line((0, 0, 300, 10), "Fig. 2,3 and 4 show the fields", 10.0)) is None
    found, gold = _found_and_gold("springer_chapter_hot_electrons")
    _check(found, gold, ("Fig. 5.4", 7))


def test_a_scanned_pages_figures_side_by_side_are_cut_apart_and_its_margins_left_out():
    # Two figures side by side over their own tags ("Fig. 5.15" under the right one) are one page image
    # cut to the tag's window: the ink is cut to the blocks between blank gutters that the tag spans.
    # A caption beside its figure at the head of a page took the running head ("154 M. Asche") over it.
    found, gold = _found_and_gold("springer_chapter_hot_electrons")
    for key in (("Fig. 5.15", 22), ("Fig. 5.17", 23), ("Fig. 5.3", 6)):
        assert iou(found[key].region, gold[key]["region"]) >= 0.8, (key, found[key].region)
