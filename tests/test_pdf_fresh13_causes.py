"""PDF figures the parser got wrong on the ``fresh_13`` part of eval/pdf/gold.json, fixed by cause (issue
#19; fresh_13 has been development data since its one measurement).  Each test is on a real PDF where
the cause occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying
so, when they are not here)."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def _found_and_gold_by_label(pid: str):
    """As ``found_and_gold``, with fresh_13's gold labels ("Fig. 6:") keyed as the parser names them ("Fig. 6")."""
    found, gold = _found_and_gold(pid)
    return found, {(label.rstrip(":."), page): g for (label, page), g in gold.items()}


def test_a_tex_cedilla_drawn_under_its_letter_is_that_letters_accent():
    # The Portuguese sn-jnl manuscript sets TeX's \c{c}: its text layer reports a spacing cedilla (U+00B8)
    # before the "c" it is drawn under, and the ten "Especificações" captions read "Especifica ̧cões".
    found, gold = _found_and_gold_by_label("snjnl_ms_2021_modular_control_manufacturing_pt")
    for key in (("Fig. 6", 7), ("Fig. 7", 8), ("Fig. 10", 9), ("Fig. 15", 12)):
        _check(found, gold, key)
    assert found[("Fig. 6", 7)].caption.startswith("Fig. 6: Especificações 0 e 1")


def test_a_panel_of_equations_with_its_sub_caption_is_the_figures():
    # The Quarto Thurstone manuscript pairs a block of structural equations, "(a) SCM" under it, with a DAG,
    # "(b) DAG" under it: beside it (Figs 12-16, 18, 19) or over it (Figs 4-8).  Only the drawn DAG (and its own
    # sub-caption) was the region (IoU 0.13-0.75); Fig. 19's equations stand under a paragraph's short last line.
    found, gold = _found_and_gold_by_label("elsarticle_quarto_2025_thurstone_cj_model")
    for key in (("Figure 4", 15), ("Figure 7", 24), ("Figure 12", 35), ("Figure 13", 35), ("Figure 19", 41)):
        _check(found, gold, key)


def test_a_draft_builds_empty_frames_and_the_paths_printed_in_them_are_the_figure():
    # The wire-drawing manuscript is a draft build: each image is an empty frame drawn as four rules, its file
    # path printed inside and running past it (some to the page's edge).  Rows of frames 31 pt apart were left
    # (a rule is no row of a figure) and the paths were not the figure's (Fig. 9: IoU 0.19); a frame's top and
    # bottom as wide as a short caption were taken for the caption's rules (Fig. 43: IoU 0.72).
    found, gold = _found_and_gold_by_label("snjnl_ms_2024_wire_drawing_fracture_fv")
    for key in (("Fig. 1", 11), ("Fig. 3", 26), ("Fig. 9", 30), ("Fig. 37", 54), ("Fig. 43", 61), ("Fig. 46", 63)):
        _check(found, gold, key)


def test_t1_quotes_and_dashes_in_an_unnamed_tex_font_and_a_range_broken_after_its_dash():
    # The LNCS manuscript's MiKTeX fonts are Type 3 with no names: their control codes were read as OT1, so
    # T1's quotes round "YES" (0x10, 0x11) read "ıYESȷ" and its en dash (0x15) was a breve; and "(A1–" at a
    # line's end over "A9)" was joined with a space.
    from figdex.ingest.pdf_eval import normalise_words

    found, gold = _found_and_gold_by_label("llncs_ms_2026_autism_qml_traits")
    for key in (("Fig. 2", 4), ("Fig. 4", 6), ("Fig. 5", 7), ("Fig. 11", 14)):
        assert normalise_words(found[key].caption) == normalise_words(gold[key]["caption12"]), found[key].caption
    _check(found, gold, ("Fig. 4", 6))
    assert "“YES”" in found[("Fig. 5", 7)].caption and "(A1–A9)" in found[("Fig. 2", 4)].caption


def test_a_subscript_stacked_under_a_superscript_is_read_after_it():
    # The Potrerillos report writes "AOi", "ADi": "O" or "D" raised and "i" set under it, both after "A".  The
    # "i", its middle lowered past the line's band, stayed a line of its own ("AO"); in mid-line ("ADi acorde")
    # the gap from its right edge to the next word read as labels apart, though "D" reaches past it.
    found, gold = _found_and_gold_by_label("elsarticle_report_2020_potrerillos_fund_methods")
    for key in (("Figure 1", 2), ("Figure 3", 8)):
        _check(found, gold, key)


def test_nature_communications_captions_with_no_stop_in_the_methods_type_size():
    # Nature Communications sets "Fig. 1 A framework to bin ..." (its title opening with the article "A") and
    # "Fig. 6 Viral proteins ..." on a Methods page whose running text is the captions' own size (7.2 pt): the
    # label, with no stop and weight 0, read as no caption; the bold title's font differs from the legend's after it.
    found, gold = _found_and_gold_by_label("natcomms_2022_viral_genome_binning")
    for key in (("Fig. 1", 3), ("Fig. 6", 9)):
        _check(found, gold, key)


def test_a_legend_title_the_pages_repeat_at_their_tops_is_no_running_head():
    # The cost-aware robustness manuscript puts plots with a legend titled "Device" at the top of three pages:
    # read as a running head in the top band, the regions were cut below it (IoU 0.53, 0.6), though the plots'
    # drawings and titles ("Attack Power", "100%") stand higher beside it.
    found, gold = _found_and_gold_by_label("snjnl_ms_2025_cost_aware_adversarial_robustness")
    for key in (("Fig. 3", 17), ("Fig. 5", 18)):
        _check(found, gold, key)


def test_no_word_space_between_a_math_letter_and_the_comma_after_it():
    # The competing-risk manuscript's "values of P, $\tau$, and $\rho$,": pdfium generates a space in the 1.2 pt
    # between CMMI's tau and the comma, read "τ ," (the comma a word of its own, "ρ," left out of 12 words).
    found, gold = _found_and_gold_by_label("elsarticle_ms_2026_cfr_competition_risk")
    _check(found, gold, ("Figure 7", 24))
    assert "P, τ, and ρ," in found[("Figure 7", 24)].caption


def test_a_numbered_section_heading_over_a_figure_is_running_text():
    # The Quarto DCJ preprint sets "2.3. But where does it all fit?" (italic, five words) 10 pt over a flow
    # chart: too short for running text, it was taken as the figure's label (IoU 0.47).
    found, gold = _found_and_gold_by_label("elsarticle_quarto_2024_dcj_causal_system")
    _check(found, gold, ("Figure 2", 4))
