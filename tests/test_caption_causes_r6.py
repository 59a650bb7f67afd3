"""Caption splitting: one test per cause of failure found on the development sets (#15, sixth round).

The captions are shortened from real ones of the development sets (fresh-2026-12e counts as
development data since this round); each test names the construction, not one caption.
"""

from __future__ import annotations

from figdex.ingest.captions import split_caption
from tests.caption_cases import full


def test_a_label_after_in_and_before_a_conjunction_closes_its_phrase():
    # "in panel (a) and protein … in (b), blue dots …": (a) names "circle", it opens nothing.
    p = full("Saltation energy. The charge is shown as circle in panel (a) and the protein as cartoon in (b), "
             "blue dots at the bottom represent ions.")
    assert sorted(p) == ["a", "b"]
    assert "circle" in p["a"] and "cartoon" not in p["a"] and "blue dots" in p["a"]
    assert "cartoon" in p["b"] and "circle" not in p["b"] and "blue dots" in p["b"]


def test_a_trailing_sentence_opening_with_the_results_is_a_figure_note():
    # "The results are based on …" after the last panel speaks of every panel's results.
    split = split_caption("Simulation analysis. (a) The number of hydrogen bonds per snapshot. (b) Radial "
                          "distribution function of the oxygens. The results are based on a 2 ns simulation in water.")
    assert "2 ns" in split.shared
    assert "2 ns" not in {s.label: s.text for s in split.subcaptions}["b"]
    # Named as an object, not the subject, the words do not make the sentence a note.
    split = split_caption("Tolerance. (A) Tolerance mapped on the trimer. (B) Tolerance of exposed residues. "
                          "A residue is exposed above 0.2; Figure S7 shows that the results are robust.")
    assert "robust" not in split.shared


def test_sentences_after_panels_listed_in_one_sentence_describe_the_figure():
    # "… for (a) a charged sphere and (b) a protein." lists the panels; what follows explains both.
    split = split_caption("The computation of solvation for (a) a charged sphere and (b) a protein. The solvation "
                          "has a non-polar and a polar component. The polar one needs the partial charges.")
    p = {s.label: s.text for s in split.subcaptions}
    assert "non-polar" in split.shared and "partial charges" in split.shared
    assert "protein" in p["b"] and "non-polar" not in p["b"] and "sphere" in p["a"]
    # A sentence that repeats one panel's own words goes on about that panel alone.
    split = split_caption("Histology of prostate C showing (a) HE staining and (b) immunohistochemical ERG "
                          "staining. The nuclei of malignant glands stain positively for ERG. Scale bar 500 um")
    p = {s.label: s.text for s in split.subcaptions}
    assert "nuclei" in p["b"] and "nuclei" not in p["a"] and "Scale bar" in split.shared


def test_a_label_less_sentence_taken_up_by_the_next_one_goes_to_its_panel():
    # Labels after their phrases ("shown in (b) using …"); "They are shown … in (c)" takes up the sentence before it.
    p = full("Discretization of space. The cubes are placed along the axes as shown in (a). The vertices are "
             "the grid-points and are shown in (b) using black points. The points between two grid-points are "
             "the mid-points. They are shown using grey points in (c).")
    assert sorted(p) == ["a", "b", "c"]
    assert "mid-points" in p["c"] and "mid-points" not in p["b"] and "black points" in p["b"]
    # Without a word that takes it up, the sentence goes on about the panel before it.
    p = full("Discretization. The cubes are shown in (a). The vertices are shown in (b) using black points. "
             "The vertices carry the potential. The mid-points are shown using grey points in (c).")
    assert "potential" in p["b"] and "potential" not in p["c"]


def test_shown_by_a_label_before_a_noun_phrase_still_opens_it():
    p = full("Fermi surfaces. Fermi surface with projections shown by (a) the isosurface color and (b) arrows "
             "colored by the projection. (c) Spin texture of BiSb.")
    assert "arrows" in p["b"] and "arrows" not in p["a"] and "isosurface" in p["a"]


def test_numbers_whose_first_comes_last_are_states_of_a_scheme_not_panels():
    split = split_caption("Thermodynamic cycle for the binding free energy. The ligand is turned into a dummy, both "
                          "in its complexed state (v) and free in solution (ii). The free energy of dummy binding is "
                          "zero (iii). The restraint is calculated analytically (iv). Branches (ii) and (v) give the "
                          "standard binding free energy (i).")
    assert split.scheme == "none" and [s.label for s in split.subcaptions] == ["0"]
    # Panels introduced in order keep their labels, whatever cross-references follow.
    split = split_caption("Cycle. (i) The bound state. (ii) The free state. (iii) The dummy, as in (i).")
    assert [s.label for s in split.subcaptions] == ["i", "ii", "iii"]


def test_a_title_without_its_full_stop_before_the_first_label_is_shared():
    split = split_caption("Metabolic modeling reveals bottlenecks (a) Distribution of flux. (b) Flux variability.")
    assert "Metabolic modeling" in split.shared
    assert {s.label: s.text for s in split.subcaptions}["a"] == "Distribution of flux."


def test_a_trailing_axis_description_stays_with_the_last_panel():
    # "X-axis: gene knockout" looks like an abbreviation's legend ("U: urethra") but describes one plot.
    split = split_caption("Models. (a) Flux distribution. (b) Knockout results. Scatter plot of growth. "
                          "X-axis: gene knockout; Y-axis: objective value.")
    assert "X-axis" in {s.label: s.text for s in split.subcaptions}["b"] and "X-axis" not in split.shared


def test_a_trailing_definition_of_a_symbol_is_a_figure_note():
    # "r′ is the distance …" after the last panel defines what every panel plots against.
    split = split_caption("EPMA analysis. (a) and (b) electron images; (c) EPMA data along lines in (a); (e) amplified "
                          "range in (c). r′ is the distance from the arm center, and r is the distance to the border")
    assert "distance" in split.shared and "distance" not in {s.label: s.text for s in split.subcaptions}["e"]


def test_a_label_that_opens_its_own_sentence_later_is_a_cross_reference_before():
    p = full("Replicator. (A) AFM images of a growing fiber. (B) Image of the fiber with the line selected for the "
             "kymograph in (C). (C) Kymograph of the line in (B) over 180 s.")
    assert "line selected" in p["b"] and "line selected" not in p["c"] and "180 s" in p["c"]


def test_a_statement_whose_subject_names_panels_goes_to_those_panels():
    split = split_caption("Replicator. (A) AFM images of a fiber. (B) Image of the fiber. Scale bars in (A) and (B) "
                          "are 50 nm. (C) Kymograph of the line in (B).")
    p = {s.label: s.text for s in split.subcaptions}
    assert "Scale bars are 50 nm." in p["a"] and "Scale bars are 50 nm." in p["b"] and "Scale" not in p["c"]
    # A reference in a later object is a cross-reference inside the panel's own text.
    split = split_caption("Devices. (a) TEM image. Inset: zoom of the filament. (b) TEM image after erasing. "
                          "Inset: the same region as the inset in (a) after erasing. (c) I-t curve.")
    p = {s.label: s.text for s in split.subcaptions}
    assert "same region" in p["b"] and "same region" not in p["a"]


def test_a_statement_about_the_images_of_named_panels_goes_to_those_panels():
    split = split_caption("(A) HRTEM image. (B) SEM image. (C) AFM image. (D) SEM image. The large scale images in "
                          "panels (C) to (D) represent frames of 2 um in size.")
    p = {s.label: s.text for s in split.subcaptions}
    assert "frames of 2 um" in p["c"] and "frames of 2 um" in p["d"]
    assert "frames" not in p["a"] and "frames" not in split.shared


def test_a_trailing_note_the_panels_state_one_by_one_is_the_last_panels():
    # Each panel carries its own "Significance determined using …": the last one after (D) is D's.
    split = split_caption("Efficacy. (A) Design. (B) Histograms of cells. (C) Quantification of (B). Significance "
                          "determined using two-way ANOVA. (D) Quantification of tumor signal. Significance "
                          "determined using a t test. Data presented as mean ± SEM.")
    p = {s.label: s.text for s in split.subcaptions}
    assert "t test" in p["d"] and "t test" not in split.shared and "mean ± SEM" in split.shared
    # … unless it says it is the figure's default.
    split = split_caption("Efficacy. (A) Design. (B) Histograms. Significance determined using ANOVA. (C) Tumor volume. "
                          "Significance determined using ANOVA unless otherwise specified.")
    assert "unless otherwise" in split.shared


def test_a_run_of_what_marks_represent_continues_the_last_panel():
    split = split_caption("Circuit. (A) Electron micrograph. (B) Synaptic wiring diagram. Hexagons represent cell "
                          "groups. Arrows represent the summed number of synapses.")
    p = {s.label: s.text for s in split.subcaptions}
    assert "Arrows represent" in p["b"] and "Arrows" not in split.shared
    # Without the run before it, an "Arrows …" note speaks of the whole figure.
    split = split_caption("Circuit. (A) Electron micrograph. (B) Synaptic wiring diagram. Arrows represent synapses. "
                          "Arrowheads represent cell bodies.")
    assert "Arrows represent" in split.shared and "Arrowheads" in split.shared


def test_a_clause_closed_by_a_comma_before_a_label_goes_on_about_the_panel_before():
    p = full("Mechanism for an a) Al-CFEx cell, b) Al-hemp cell, hemp fibers have large pores. However, "
             "agglomeration of the fibers reduces the active sites, and c) Al-Super-P cell, anions intercalate.")
    assert "agglomeration" in p["b"] and "agglomeration" not in p["c"]
    # A single word with its comma ("Lastly, Panel (C) shows …") opens the next panel's text.
    p = full("The website. Panel (A) shows the finder. Panel (B) shows a view. Lastly, Panel (C) shows the keogram.")
    assert "Lastly" in p["c"] and "Lastly" not in p["b"]


def test_a_trailing_list_of_gene_names_is_not_an_abbreviation_legend():
    split = split_caption("ReLiC. a. Strategy. b. Correlation of expression profiles. EEF1A1, EEF1A2, and ZNF598 "
                          "depletions did not induce responses, so they are excluded.")
    assert "EEF1A1" in {s.label: s.text for s in split.subcaptions}["b"] and "EEF1A1" not in split.shared
    # A legend of abbreviations, defined with a capital or not, still speaks of the whole figure.
    split = split_caption("Organs. (A) The mantle. (B) The kidney. BC: Bacterial colony; L: Lumen.")
    assert "Bacterial colony" in split.shared
