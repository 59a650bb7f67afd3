"""Caption splitting: one test per cause of failure found on the development sets (#15, seventh round).

The captions are shortened from real ones of the development sets (fresh-2026-12f counts as
development data since this round); each test names the construction, not one caption.
"""

from __future__ import annotations

from tests.caption_cases import full


def test_neighbouring_letters_joined_by_an_ampersand_are_a_label_pair():
    # "(A&B) … (C&D) …": each pair opens the text of both its panels.
    p = full("Robustness of predictions. (A&B) Point mutations were introduced. Scores were assessed. "
             "(C&D) Comparing the robustness of secondary structures.")
    assert set(p) == {"a", "b", "c", "d"}
    assert "Point mutations were introduced." in p["a"] and "Point mutations" in p["b"]
    assert "Comparing the robustness" in p["d"] and "Point mutations" not in p["c"]


def test_an_ampersand_abbreviation_is_no_label_pair():
    # "(H&E)" is a stain, "(R&D)" a company: letters that are not neighbours in the alphabet.
    p = full("Tumour sections stained (H&E) and antibodies (R&D Systems). (A) Untreated. (B) Treated.")
    assert set(p) == {"a", "b"}


def test_a_label_typed_in_the_other_case_that_continues_the_run_is_a_label():
    # "A) … B) … c) …": c continues A, B in the same marker style; it is panel c, not text of B.
    p = full("Dice during post-processing. Dice at different steps: A) synaptosomal train set "
             "B) synaptosomal test set c) neuronal generalization test set")
    assert set(p) == {"a", "b", "c"}
    assert p["b"].endswith("synaptosomal test set") and p["c"].endswith("neuronal generalization test set")


def test_a_letter_of_the_other_case_that_does_not_continue_the_run_stays_text():
    # "(a) … (b) … (D)": D skips c, so it is no slip of case (a symbol or a cross-reference).
    p = full("Spectra. (a) Raw data. (b) Fitted data with the deuterium line (D).")
    assert set(p) == {"a", "b"}


def test_a_bare_first_label_after_a_title_without_its_full_stop():
    # "… with the Tube Map A Projection of … B. Projecting … C. Aligned …": the run B., C. lacks A,
    # which stands bare in the first sentence; the title before it is shared.
    p = full("Visualization examples with the Tube Map A Projection of the gene annotation. There is an "
             "insertion. B. Projecting known variants. C. Aligned reads and genotype calls.")
    assert set(p) == {"a", "b", "c"}
    assert p["b"] == "Visualization examples with the Tube Map Projecting known variants."
    assert "Projection of the gene annotation. There is an insertion." in p["a"]


def test_an_article_inside_a_later_sentence_is_no_first_label():
    # The missing first label is looked for in the title only: "A" opening a later phrase is an article.
    p = full("Visualization of annotations. Shown here is A Projection of the gene. B. Projecting variants. "
             "C. Aligned reads.")
    assert "a" not in p


def test_a_sentence_after_a_list_of_all_panels_after_a_title_and_colon_is_shared():
    # "Title: (a) …; (b) … ." lists every panel in the title's sentence: a label-less sentence after it
    # is about the whole figure unless it repeats one panel's own words.
    p = full("Climatic conditions during the period: (a) Daily precipitation; (b) Global solar irradiance. "
             "The red shaded region highlights the experimental period.")
    assert "red shaded region" in p["a"] and "red shaded region" in p["b"]


def test_a_sentence_that_ends_on_the_next_label_is_no_list_of_panels():
    # "a. Fluorescence image … gold b. Evolution of …": b's words start after the sentence break, so the
    # sentence holding a and b does not list both; the next sentence is b's own.
    p = full("a. Fluorescence microscopy image of individual gold b. Evolution of the PL intensity over time.")
    assert p["b"] == "Evolution of the PL intensity over time."
