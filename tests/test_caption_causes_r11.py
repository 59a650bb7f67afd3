"""Caption splitting: causes of failure found on the tuning sets of round h155 (#15).

Tuning sets: fresh-2026-12k and fresh-2026-12j (see eval/devset/README.md, "Caption splitting, thirteenth round").
The tests split the real caption of a development-set record (eval/devset/separation_dev.json, committed) and check
it against rules 1-7 of tests/data/captions_gold_README.md.
"""

from __future__ import annotations

from tests.caption_cases import full
from tests.devset_records import devset_caption as caption


def test_a_label_before_a_name_with_a_digit_opens_its_panel():
    # abhishekmshr956/VoltagetoCalciumPaper Fig. 1: "… fluorescence ($\Delta F/F$) (B) T4c peak responses …" and
    # "… for GCaMP6f) (C) T4c Arclight …" lost their full stops; the label opens "T4c …", so the words before it are
    # the running panel's (A's, B's), not a phrase the label closes.
    p = full(caption("abhishekmshr956/VoltagetoCalciumPaper#Figure 1"))
    assert set(p) == set("abcdef")
    assert "left y-axis" in p["a"] and "left y-axis" not in p["b"]
    assert "n = 20 ROIs" in p["b"] and "n = 20 ROIs" not in p["c"]
    assert "T4c peak responses to grating" in p["b"]


def test_a_phrase_closed_by_its_label_stays_with_it():
    # Guard: a label after its phrase, with lower-case words after it, still closes that phrase.
    p = full("Responses of T4 cells (a) and T5 cells (b) to moving gratings.")
    assert set(p) == {"a", "b"}
    assert "T4 cells" in p["a"] and "T5 cells" in p["b"] and "T5 cells" not in p["a"]


def test_a_formula_phrase_in_a_run_shares_the_words_after_it():
    # medford-group/Computational-Study-of-Transition-Metal-Substitutions Fig. 3: "(a) N$_2$, (b) N$_2$H and (c)
    # NH$_2$ plotted against …": the last phrase's first word is a TeX formula; the words after it complete every
    # phrase of the run (rule 3: common head and common tail kept for each).
    p = full(caption("medford-group/Computational-Study-of-Transition-Metal-Substitutions#Figure 3"))
    assert set(p) == {"a", "b", "c"}
    for label in "abc":
        assert "plotted against the periodic column" in p[label]
        assert "binding energies" in p[label]


def test_between_inside_a_long_panel_text_is_no_shared_tail():
    # Guard: "between" in a panel's own long sentence, after a label that is not in a run of short phrases.
    p = full("Transport data. (a) Conductance measured across the junction between the two leads. (b) Noise spectra.")
    assert "between the two leads" in p["a"] and "between the two leads" not in p["b"]


def test_panels_named_with_the_word_panel_need_no_panel_a():
    # muschellij2/high_res_ct_template Fig. 3: "… (CSF) in Panel B. We see … in Panel C, and … in Panel D." (panel A is
    # the template image the title names): the letters named with "Panel" are panels though "A" is never named.
    p = full(caption("muschellij2/high_res_ct_template#Figure 3"))
    assert set(p) == {"b", "c", "d"}
    assert "white matter" in p["b"] and "white matter" not in p["c"]
    assert "Atropos" in p["d"] and "Atropos" not in p["b"]


def test_bracketed_letters_without_the_first_are_still_no_panels():
    # Guard: without the word "panel", letters that skip "a" stay symbols or references (rule 6).
    p = full("Flow past a cylinder. The slip length (b) and the fluid viscosity (c) set the drag.")
    assert set(p) == {"0"}
