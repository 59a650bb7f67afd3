"""PDF figures the parser got wrong on the ``fresh_10`` part of eval/pdf/gold.json, fixed by cause (issue
#19; fresh_10 has been development data since its one measurement).  Each test is on a real PDF where
the cause occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying
so, when they are not here)."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def test_a_label_alone_on_its_line_heads_the_title_under_it():
    # Frontiers sets a small bold "FIGURE 1" (5 pt capitals) on its own line over the 6.5-pt title: the
    # capitals' size ended the caption at the label.  JFQA centres "FIGURE 1" over a wider title across
    # its own leading, which read as a full-width body line under a one-word caption.
    found, gold = _found_and_gold("frontendo_2024_kabuki_review")
    for key in (("FIGURE 1", 2), ("FIGURE 2", 5)):
        _check(found, gold, key)
    found, gold = _found_and_gold("jfqa_2023_pead_text")
    fig = found[("FIGURE 3", 21)]
    assert fig.caption.startswith("FIGURE 3 Comparison of Drifts Created Using Different Methods")


def test_a_label_in_small_type_with_no_stop_and_no_weight_opens_a_caption():
    # Nature Communications 2022: "Fig. 1 Thermodynamics of ..." in 7.2-pt type beside 9.1-pt running text, label
    # and title in one font pdfium reports as weight 0 and whose name says nothing: no stop, no bold, so no
    # caption opened and Figs. 1-3 were missed.
    found, gold = _found_and_gold("ncomms_2022_n2o5_uptake")
    for key in (("Fig. 1", 3), ("Fig. 2", 4), ("Fig. 3", 5)):
        _check(found, gold, key)


def test_a_bold_label_followed_by_a_panel_letter_opens_a_caption():
    # Springer's "Fig. 3 a The expansion gadget. b ...": a lower-case word after the number read as a sentence
    # about the figure ("Figure 6 shows ..."); a panel letter and a capital after it is a caption.
    found, gold = _found_and_gold("algorithmica_2023_immunization")
    _check(found, gold, ("Fig. 3", 9))
    assert ("Fig. 4", 12) in found


def test_notes_naming_the_figure_under_a_caption_set_over_it_are_the_captions():
    # JFQA sets "FIGURE 1", its title, then notes in 5.6-pt type ("In Figure 1, the lines represent ...") over
    # the figure: the notes ended the caption at the title, and from there they were taken for the figure (IoU 0).
    # (Figures 2 and 4: a title narrower than the notes under it; the notes' lines ran on only while the caption's
    # span took them in, and the rest bounded the figure under them as running text.)
    found, gold = _found_and_gold("jfqa_2023_pead_text")
    for key in (("FIGURE 1", 2), ("FIGURE 2", 14), ("FIGURE 4", 23), ("FIGURE 5", 24)):
        _check(found, gold, key)


def test_a_panels_own_sub_caption_does_not_bound_its_figure():
    # chemrxiv: four plots with a sub-caption each, "(d) Finetuned model with SIDT delta model" (seven words, wide)
    # right over the figure's caption, read as running text: the window over the caption closed at once (IoU 0).
    found, gold = _found_and_gold("chemrxiv_2026_delta_mlip_pt111")
    _check(found, gold, ("Figure 3", 15))
