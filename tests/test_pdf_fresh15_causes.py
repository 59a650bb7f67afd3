"""PDF captions the parser got wrong on the ``fresh_15`` and ``fresh_16`` parts of eval/pdf/gold.json, fixed by
cause (issue #19; both parts have been development data since their one measurement).  Each cause has a test on
the real PDF where it occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; those tests skip,
saying so, when the PDF is not here) and, where the rule is a pure function, one on synthetic input."""

from __future__ import annotations

import pytest

from figdex.ingest.sources.pdf_caption_labels import titled_line as _titled_line
from figdex.ingest.sources.pdf_layout import Line, join_lines


def _gold_cases():
    pytest.importorskip("pypdfium2")
    from tests.pdf_gold_cases import check_figure, found_and_gold

    def by_label(pid: str):
        found, gold = found_and_gold(pid)
        return found, {(label.rstrip(":."), page): g for (label, page), g in gold.items()}

    return check_figure, by_label


def test_a_web_address_keeps_the_hyphen_it_breaks_at():
    # "https://www.nordpoolgroup.com/the-" over "power-market/": \url breaks at the address's own hyphen and adds none.
    text = join_lines(["FIG. 1. Bidding zones - https://www.nordpoolgroup.com/the\x02", "power-market/Bidding-areas/"])
    assert text.endswith("https://www.nordpoolgroup.com/the-power-market/Bidding-areas/")
    assert join_lines(["a rectangu\x02", "lar frame"]) == "a rectangular frame"  # (a word's break still joins)


def test_a_web_address_in_the_gold_pdf():
    check, by_label = _gold_cases()
    found, gold = by_label("aps_report_2021_lstm_power_forecasting_draft")
    check(found, gold, ("FIG. 1", 2))


def _line(x0, y0, x1, text, size=7.96):
    return Line((x0, y0, x1, y0 + 8.1), text, size, False, False)


def test_a_title_sentence_on_the_label_line_then_its_legend_past_more_leading():
    # APS manuscripts (FAIR B2B): "FIG. 6. Two synchronization processes." centred, the legend 4.2 pt under it
    # (its own lines 2.3 pt apart), full column width and centred under the title, in the caption's size.
    title = _line(359.7, 293.1, 519.3, "FIG. 6. Two synchronization processes.")
    nxt = _line(319.2, 280.8, 559.7, "The example is the FAIR use case of the B2B transfer from")
    after = [_line(319.0, 270.2, 559.9, "CR to HESR. The frequency of the bucket indication signal", 8.06)]
    assert _titled_line(title, nxt, after, 293.1 - (280.8 + 8.1))
    # Running text in a larger type under a one-line caption is no legend ...
    body = [_line(319.0, 270.2, 559.9, "CR to HESR. The frequency of the bucket indication signal", 8.85)]
    assert not _titled_line(title, _line(319.2, 280.8, 559.7, "The example is the FAIR use case of the", 8.85),
                            body, 4.2)
    # ... nor a line a blank line's height under it, nor one off to the side.
    assert not _titled_line(title, nxt, after, 8.0)
    assert not _titled_line(title, _line(400.0, 280.8, 600.0, "The example is the FAIR use case of the"), after, 4.2)


def test_aps_captions_go_on_after_their_title_sentence():
    check, by_label = _gold_cases()
    found, gold = by_label("aps_ms_2017_fair_b2b_timing_system")
    for key in (("FIG. 6", 5), ("FIG. 11", 8)):
        check(found, gold, key)
    assert "HESR synchronization frequency." in found[("FIG. 6", 5)].caption


def test_an_unmapped_tex_symbol_fonts_codes_read_as_its_signs():
    from figdex.ingest.sources.pdf_font_encodings import _OMS_ASCII

    # CMSY's prime is at 0x30 ("0"), infinity at 0x31, the set signs at 0x5B/0x5C: never digits or brackets.
    assert _OMS_ASCII["0"] == "\u2032" and _OMS_ASCII["1"] == "\u221e" and _OMS_ASCII["["] == "\u222a"
    assert _OMS_ASCII["f"] == "{" and _OMS_ASCII["j"] == "|" and _OMS_ASCII["n"] == "\\"
    assert not set(_OMS_ASCII) & set("ABCXYZ{}|\\()<>*")  # (calligraphic capitals and mapped ASCII left alone)


def test_lncs_primes_scripts_and_math_commas():
    # LNCS (SN P systems): "l′i" set as a prime stacked over the subscript in an unmapped CMSY6 ("li0"), and
    # "$l_j$," with the script's italic correction before a math comma ("lj ,").
    _, by_label = _gold_cases()
    found, _ = by_label("lncs_cmc_2020_homogeneous_snp_plasticity")
    caption = found[("Fig. 2", 11)].caption
    assert "Instruction l\u2032i" in caption and "lj, lk)" in caption
    assert "lj, lk)" in found[("Fig. 1", 9)].caption


def test_latexdiff_wavy_underlines_are_no_caption_text():
    # The AIP latexdiff manuscript underlines added words with ulem's \uwave: LASY glyphs U+273F ("✿") under the
    # words, read into the caption ("FIG. 9. ✿✿✿ Superimposing✿✿ plot ✿✿"); and "q∗" whose star, read before its
    # line, stood alone ("q ,").
    check, by_label = _gold_cases()
    found, gold = by_label("aipms_jcp_2016_sparse_tica_reaction_coordinates_latexdiff")
    for key in (("FIG. 9", 29), ("FIG. 1", 6)):
        check(found, gold, key)
    assert "\u273f" not in found[("FIG. 9", 29)].caption
    assert "diffusion" in found[("FIG. 1", 6)].caption  # (the "ff" ligature's two letters, one box, both kept)


def test_a_tex_binary_sign_spaced_on_its_left_is_spaced_on_its_right():
    # elsarticle (covalent bonding calculus): "$\mu \in AK \cup (AK \times AK)$": the loose boxes of "∪" and "("
    # meet across TeX's medium space; pdfium spaces the left side only ("AK ∪(AK").
    check, by_label = _gold_cases()
    found, gold = by_label("elsarticle_ms_2017_covalent_bonding_reversibility_calculus")
    check(found, gold, ("Figure 6", 9))
