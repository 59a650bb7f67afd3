"""Caption splitting: one test per cause of failure found on the development sets (#15, fifth round).

The captions are shortened from real ones of the development sets (fresh-2026-12d counts as
development data since this round); each test names the construction, not one caption.
"""

from __future__ import annotations

from figdex.ingest.captions import split_caption
from figdex.ingest.captions.mentions import _bracket_items


def own(caption: str) -> dict[str, str]:
    return {s.label: s.text for s in split_caption(caption).subcaptions}


def test_capital_label_lists_and_ranges_with_a_full_stop():
    # Markdown legends: "B, C, D. Volcano …", "D-F. Predictive …", "G-H. Direct …".
    p = own("Overview. A. Overall distribution of performance. B, C, D. Volcano-like plots per gene. "
            "E-F. Predictive performance per gene. G-H. Direct comparison of data types. I. Survival prediction.")
    assert sorted(p) == list("abcdefghi")
    assert p["c"] == p["d"] == "Volcano-like plots per gene."
    assert p["f"] == "Predictive performance per gene."
    assert p["h"].startswith("Direct comparison") and "Survival" not in p["h"]


def test_double_hyphen_ranges_and_panel_lists_with_a_colon():
    # "A--D: …" (LaTeX/Markdown en dash) and "Panels A, E & G: Day 4." naming several panels.
    split = split_caption("Example images. A--D: Light microscopy images. E--H: Tomographic slices. "
                          "Panels A, E: Day 4. Panels B, F: Day 10.")
    p = {s.label: split.full_text(s.label) for s in split.subcaptions}
    assert sorted(p) == list("abcdefgh")
    assert "Light microscopy" in p["a"] and "Tomographic" not in p["a"] and "Day 4." in p["a"]
    assert "Tomographic" in p["f"] and "Day 10." in p["f"] and "Day 4" not in p["f"]
    assert "Day" not in p["c"]


def test_a_range_before_a_closing_bracket():
    p = own("a–d) Top-down SEM of the Ni foam before and after electrolysis. e–f) Cross-sectional SEM "
            "of the foam. The K mapping (panel f) indicates wetting.")
    assert sorted(p) == list("abcdef")
    assert p["b"].startswith("Top-down SEM") and p["e"].startswith("Cross-sectional")


def test_a_lower_case_range_or_label_with_a_comma_before_a_lower_case_word():
    p = own("Cycling of the anode. a-b, the bright-field images of the electrodes. c, the cycling "
            "performance of the battery. d, the voltage profiles.")
    assert sorted(p) == list("abcd")
    assert p["a"].startswith("the bright-field") and p["c"].startswith("the cycling")
    split = split_caption("Cycling of the anode. a-b, the bright-field images. c, the cycling performance.")
    assert split.shared == "Cycling of the anode."


def test_a_sentence_ending_in_a_single_capital_is_not_the_next_labels():
    # "… shown in Panel A. C. Schematic …": "A." looked like an initial, so the sentence ran on.
    p = own("A. Cancer mutations perturb cells. B. Predicting mutations from data. This reverses the "
            "direction shown in Panel A. C. Schematic of evaluation pipeline.")
    assert p["c"] == "Schematic of evaluation pipeline."
    assert "This reverses" in p["b"]


def test_a_trailing_sentence_in_brackets_is_shared():
    split = split_caption("A. Example of 2D results. B. Overview of 3D results. (The contrast of grayscale "
                          "images was adjusted using ImageJ.)")
    assert split.shared.startswith("(The contrast")
    assert {s.label: s.text for s in split.subcaptions}["b"] == "Overview of 3D results."


def test_a_sentence_after_labels_that_follow_their_phrases_stays_with_them():
    # "… for X (A), Y (B), or Z (C). Arrows point …. (D) An overlay …": the arrows are in A-C.
    split = split_caption("Binding free energies for SMIRNOFF (A), GAFF v1.7 (B), or GAFF v2.1 (C). Arrows point "
                          "from the secondary to the primary cavity. (D) An overlay of bound positions.")
    p = {s.label: s.text for s in split.subcaptions}
    assert all("Arrows point" in p[x] for x in "abc")
    assert "Arrows" not in p["d"] and "Arrows" not in split.shared


def test_notes_after_the_last_label_are_still_shared():
    # The rule above stops at the caption's last label: what follows speaks of the whole figure.
    split = split_caption("Transcript levels for TRa in females (A), and for TRb in both sexes (B). Levels of BTEB "
                          "in males (C). Transcript levels are normalized to 18S.")
    assert split.shared == "Transcript levels are normalized to 18S."


def test_capital_labels_as_the_subject_of_a_sentence():
    # Labels without brackets: "A and B provide insight …. C compares …".
    p = own("Example results of segmentation. A and B provide insight into the stain normalization. "
            "C compares a raw example image to the ground truth.")
    assert sorted(p) == ["a", "b", "c"]
    assert p["a"] == p["b"] == "provide insight into the stain normalization."
    assert p["c"].startswith("compares a raw")
    # A capital before a noun is a name, not a label.
    assert sorted(own("Histology of the tumour. T cells are shown in red. B cells are shown in green.")) == ["0"]


def test_numbered_sub_panels_are_panels_only_where_their_letter_is_not():
    # "(d1–d3) … (e1–e3)" with no "(d)": the numbered labels are the panels.
    p = own("TEM images. (a) AP-MSM. (b) Au-seeded MSM. (c) Coalesced MSM. (d1–d3) nAg/Au@MSM. "
            "(e1–e3) nAu/Au@MSM. (f) d2.")
    assert sorted(p) == ["a", "b", "c", "d1", "d2", "d3", "e1", "e2", "e3", "f"]
    assert p["d2"] == "nAg/Au@MSM." and p["f"] == "d2."
    # "(B) … involving (B1) … and (B2) …": parts of panel B's own text.
    p = own("Overview. (A) Graph construction. (B) Processing: a step involving (B1) decomposition, and "
            "(B2) initialization. (C) Propagation.")
    assert sorted(p) == ["a", "b", "c"] and "decomposition" in p["b"] and "initialization" in p["b"]
    # After the last letter, "(d1 and d2)" are variables.
    assert sorted(own("Method. (a) Covariate space. (b) Histograms of side lengths (d1 and d2) per dimension. "
                      "(c) Windows.")) == ["a", "b", "c"]


def test_both_cases_opening_sentences_the_first_case_names_the_panels():
    # "(A) Summary … (a-d) At 4 months … (e-h) …. (B) Nuclear atypia": capitals are the panels.
    p = own("Disruption of ABI1. (A) Summary of observations. (a-d) At 4 months all lobes appeared normal. "
            "(e-h) At 8 months the anterior (e) and dorsal (f) lobes featured gland profiles. (B) Nuclear atypia.")
    assert sorted(p) == ["a", "b"]
    assert "At 8 months" in p["a"] and p["b"] == "Nuclear atypia."


def test_capital_roman_labels_and_a_label_before_an_acronym():
    # "(I) … (II) EDS …": capital roman numerals; a bracketed label before an all-capital word
    # ("EDS", "TEM") opens that word's phrase as it does before a capitalised one.
    p = own("(I) SEM micrograph of Commercial PVAc (II) EDS of Commercial PVAc")
    assert p == {"i": "SEM micrograph of Commercial PVAc", "ii": "EDS of Commercial PVAc"}


def test_one_bracket_listing_labels_each_with_its_own_note():
    # "(A, *100; B, *200)", "(A. H&E * 40, B: H&E * 100)": each label gets the phrase and its note.
    p = own("Histopathology. Adenocarcinoma is seen in the specimen (A, *100; B, *200).")
    assert p == {"a": "Adenocarcinoma is seen in the specimen (*100).",
                 "b": "Adenocarcinoma is seen in the specimen (*200)."}
    p = own("Areas of adenocarcinoma (A. hematoxylin and eosin * 40, B: hematoxylin and eosin * 100). "
            "The tumor cells were positive for PSA (C: PSA * 40).")
    assert p["b"] == "Areas of adenocarcinoma (hematoxylin and eosin * 100)."
    assert p["c"].startswith("The tumor cells")
    # A plain label list in brackets is not such a list.
    assert own("Images of the sample (a, b) and the control (c, d).")["d"] == "Images of the control."
    # Letters out of order are a formula's key, not labels.
    assert not [it for it in _bracket_items("Methods for e-v-x (x: e, v, e-v) coupling.")]


def test_a_letter_and_a_spaced_dash_opening_a_clause():
    p = own("Cross-section SEM images of the electrode: a – fresh cell; b – aged at 45°C.")
    assert sorted(p) == ["a", "b"]
    assert p["a"].endswith("fresh cell") and "aged" not in p["a"] and p["b"].endswith("aged at 45°C.")


def test_statistics_notes_after_the_last_panel_are_shared():
    split = split_caption("Tumour growth. (A) Study design. (B) Growth curves. (C) Tumor volume at end of treatment. "
                          "Unless otherwise noted, significance determined using one-way ANOVA. The number of "
                          "replicates analyzed for each chart is shown in table S14.")
    p = {s.label: s.text for s in split.subcaptions}
    assert p["c"] == "Tumor volume at end of treatment."
    assert "significance determined" in split.shared and "each chart" in split.shared


def test_a_statistics_sentence_between_panels_stays_with_the_panel_before_it():
    # "(C) Images …. Data represent means +/- SD …. (D-F) H&E staining …": the note is C's.
    p = own("Dicer and tumours. (A) PCR analyses. (B) qRT-PCR analysis. (C) Images of prostates. Data represent "
            "means +/- SD from 3-13 mice. (D) H&E staining.")
    assert "Data represent" in p["c"] and "Data represent" not in p["a"] and "Data represent" not in p["d"]


def test_trailing_counts_and_pointers_stay_with_the_last_panel():
    # Measured on the development sets: after the last panel, "N = 9 larvae …", "See Figure S12 …",
    # "For each experiment, …" and "… the results …" sentences belong to that panel more often than
    # to the whole figure (scale bars, magnifications, "representative" notes stay shared).
    split = split_caption("NO release. (A) Set-up of the experiment. (B) DAF-FM fluorescence over time. "
                          "N = 9 larvae for control and 11 for stimulation. See Figure S12 for details.")
    p = {s.label: s.text for s in split.subcaptions}
    assert "N = 9 larvae" in p["b"] and "See Figure S12" in p["b"] and split.shared == "NO release."


def test_a_lower_case_label_with_a_full_stop_is_not_a_sentence():
    p = own("a. Fluorescence image of individual QD SP@silica@gold b. Evolution of the PL intensity over time.")
    assert p == {"a": "Fluorescence image of individual QD SP@silica@gold",
                 "b": "Evolution of the PL intensity over time."}


def test_a_label_coordinated_with_the_previous_one_is_not_a_stray_jump():
    # "SEM (a) and TEM (d) images of …" with b and c described later: d is a panel.
    p = own("SEM (a) and TEM (d) images of the nanowire. TEM image (b) reveals a segment. Composition "
            "analysis (c) shows the grading.")
    assert sorted(p) == ["a", "b", "c", "d"]
    assert p["d"] == "TEM images of the nanowire."
    # A legend's letters after the panels are still not panels.
    assert sorted(own("Images of HPCa70 (A) and HPCa101 (B) tumors, in which benign (B) glands, differentiated "
                      "(D), and undifferentiated (U) areas can be identified.")) in (["a", "b"], ["a", "b", "d"])


def test_a_title_glued_to_the_first_label_is_shared():
    # PMC captions lose the full stop after the title: "… prostate tumorigenesis(a) H&E, …".
    split = split_caption("Deletion of Lrf promotes prostate tumorigenesis(a) H&E, anti-Pan-cytokeratin and SMA "
                          "staining of WT prostates. (b) Percentage of invasive carcinoma.")
    p = {s.label: s.text for s in split.subcaptions}
    assert split.shared == "Deletion of Lrf promotes prostate tumorigenesis"
    assert p["a"].startswith("H&E, anti-Pan-cytokeratin") and p["b"] == "Percentage of invasive carcinoma."


def test_a_bracketed_label_before_before_or_after_opens_that_phrase():
    # "… in the foam (c) before and (d) after biofunctionalization": c and d share the head and tail.
    p = own("(a) Ellman test of the foam. (b) Fluorescence of the foam. HeLa cells in the organosilica foam (c) "
            "before and (d) after biofunctionalization of the surfaces.")
    assert p["c"].startswith("HeLa cells") and p["d"].startswith("HeLa cells")
    assert "before" in p["c"] and "after" not in p["c"] and p["d"].endswith("after biofunctionalization of the surfaces.")
