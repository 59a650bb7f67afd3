"""Caption splitting: one test per cause of failure found on all the development caption sets (#15, eighth round).

The captions are shortened from real ones of the development sets (folds 0-4, figdex gold, fresh-2026-12 to
fresh-2026-12f); each test names the construction, not one caption.
"""

from __future__ import annotations

from tests.caption_cases import full


def test_a_respectively_list_before_a_run_of_labels_gives_each_panel_its_item():
    # 10.1021/acs.jpca.3c05870 Fig. 3: "cases ST, MT1, MT2, and MT3 are shown in (a)–(d), respectively".
    p = full("Predicted enthalpies of 68 polymers. Results obtained from cases ST, MT1, MT2, and MT3 are shown "
             "in (a)–(d), respectively.")
    assert set(p) == {"a", "b", "c", "d"}
    assert "cases ST are shown" in p["a"] and "MT1" not in p["a"] and "respectively" not in p["a"]
    assert "cases MT3 are shown" in p["d"] and "ST," not in p["d"]


def test_a_respectively_list_is_not_cut_like_phrases_naming_their_panels():
    # 10.1101/2022.07.01.498486 Fig. 1: the labels "(B.), (C.), and (D.)" after the list are not each
    # the end of a phrase ("… of Au (a) and Ag (b) …"): B takes the first item, D the last.
    p = full("Adaptive firing in model PCs. (A.) Adaptive firing in the yPC versus aPC. Corresponding Ca2+ currents, "
             "intracellular Ca2+ concentration, and SK currents are shown in (B.), (C.), and (D.), respectively.")
    assert set(p) == {"a", "b", "c", "d"}
    assert "Ca2+ currents are shown in" in p["b"] and "SK" not in p["b"]
    assert "intracellular Ca2+ concentration are shown" in p["c"] and "SK currents are shown" in p["d"]
    assert "Corresponding" not in p["a"]


def test_a_respectively_list_after_labels_that_open_the_sentence_stays_whole():
    # 10.1038/ncomms5946 Fig. 1 (and four more): the gold keeps "X and Y, respectively" in both panels
    # when the labels open the sentence.
    p = full("Galvanic replacement. (a-c) TEM images. (d,e) EDS spectra of a Ag nanoparticle and a Ag–Pd "
             "hollow-shell nanostructure, respectively.")
    assert "a Ag nanoparticle and a Ag–Pd hollow-shell nanostructure, respectively" in p["d"]
    assert p["d"] == p["e"]


def test_an_arrow_in_brackets_inside_a_description_stays_with_the_last_panel():
    # 93-6602726f2 (compfigsep): "(arrow)" points at something in the panel just described; only a
    # sentence whose subject is the arrows ("Arrows indicate …") is a note on the whole figure.
    p = full("Analysis of sections from a TMA. (A) Serial sections from a single biopsy specimen. (B) Serial sections "
             "of a second biopsy specimen. (C) Comparison of a tissue core with a biopsy core. The side of the needle "
             "biopsy originally cut for diagnostic purposes can be seen (arrow).")
    assert "originally cut" in p["c"] and "originally cut" not in p["a"]
    q = full("Staining of prostate tissue. (A) Wild type. (B) Mutant. Arrows indicate lacZ-expressing cells.")
    assert "lacZ-expressing" in q["a"] and "lacZ-expressing" in q["b"]


def test_a_sentence_that_mentions_the_data_or_sd_inside_it_stays_with_the_last_panel():
    # livecoms Fig. 4 (fresh-2026-12f): "From the data it is not possible …"; 10.1186/1471-2180-11-174 Fig. 3:
    # "… between the growth rate and SD" (SD as a plotted quantity, not the figure's error bars).
    p = full("Structures. (a) PDB ID 4PV0 shows poor density. (b) PDB ID 4PX6 has complete density. From the data it "
             "is not possible to determine how the excipient is affecting the conformation.")
    assert "excipient" in p["b"] and "excipient" not in p["a"]
    q = full("Lysis time. (A) Effect of holin variation. (B) Effect of growth rate on MLT, SD, and CV. The fitted "
             "solid line shows the relationship between the growth rate and SD.")
    assert "fitted solid line" in q["b"] and "fitted solid line" not in q["a"]


def test_source_data_bare_bars_p_values_and_permissions_are_notes_on_the_whole_figure():
    # 10.1101/2023.08.02.551600 Fig. 3 (eLife-style source data), 6603962f1 ("Bar, 20 mum."), pone.0046792
    # Fig. 5 ("p value for a Student's t-Test is shown."), pi-1-4-139-1f3 ("Reproduced from …").
    for note in ("Figure 3 -- source data 1-7.", "Bar, 20 mum.", "p value for a Student's t-Test is shown.",
                 "Reproduced from Lee et al. Urology 2008;72: 878-81, with permission of Elsevier B.V."):
        p = full(f"Mast cells in biopsy specimens. (A) A case with high-level infiltration. (B) A case with "
                 f"low-level infiltration. {note}")
        assert note.split()[1] in p["a"] and note.split()[1] in p["b"], note


def test_marks_after_a_caption_that_only_names_its_panels_are_shared():
    # jcav01p0197g09 (compfigsep): "(A) Bone marrow (B) Liver … (E) Lymphatic vessels …" names each panel
    # with one phrase; "… capillaries (arrows)." after it speaks of all of them.
    p = full("Expression of Erg protein in adult tissues: (A) Bone marrow (B) Liver (C) Lung (D) Pancreas "
             "(E) Lymphatic vessels (F) Spleen. Expression is seen mainly in the endothelial cells in blood vessels "
             "and capillaries (arrows).")
    assert all("capillaries" in p[k] for k in "abcdef")


def test_a_first_label_glued_to_the_title_opens_its_panel():
    # nihms292957 Figs. 2 and 4 (author manuscripts): "… induces autoimmunitya. Prostate weights … b-d. Histology …"
    # and "… escape variantsa-d. H&E staining … e,f. Three tumors …": the bold first label lost its space.
    p = full("Intra-prostatic injection of ASEL induces autoimmunitya. Prostate weights of mice injected with PBS. "
             "b-d. Histology of prostates 10 days after injection of PBS (b) or ASEL (c,d). Scale bars, 100um. "
             "e,f. Splenocytes were assayed for IFN-gamma (e) or IL-17 (f).")
    assert set(p) == {"a", "b", "c", "d", "e", "f"}
    assert "Prostate weights" in p["a"] and "autoimmunity" in p["a"] and "autoimmunitya" not in p["a"]
    assert "autoimmunity" in p["e"] and "Prostate weights" not in p["b"]
    q = full("Sub optimal vaccination induces immune escape variantsa-d. H&E staining of tumors treated with PBS "
             "(a,c) or ASEL (b,d). e,f. Three tumors from mice treated with ASEL.")
    assert set(q) == {"a", "b", "c", "d", "e", "f"} and "H&E staining" in q["d"] and "variantsa" not in q["a"]


def test_a_title_ending_in_a_word_that_ends_in_a_is_no_glued_label():
    # The run must start right after the glued label: "… in carcinoma. c. …" lacks b, so "carcinoma" keeps its a.
    p = full("Histology of prostate carcinoma. c. Tumour cells. d. Stroma.")
    assert "a" not in p and "carcinoma" in " ".join(p.values())


def test_a_one_word_phrase_after_a_longer_one_shares_its_leading_words():
    # 10.1007/s11223-016-9732-9 Fig. 2: "… 2D geometry frames along the transverse (b) and longitudinal (c) directions".
    p = full("Solid model of the composite structure (a) and 2D geometry frames along the transverse (b) and "
             "longitudinal (c) directions.")
    assert "2D geometry frames along the longitudinal directions" in p["c"]
    assert "transverse" not in p["c"] and "longitudinal" not in p["b"]


def test_a_bracketed_aside_right_after_a_phrase_label_belongs_to_that_phrase():
    # 10.1007/s11237-016-9437-y Fig. 1: "Photomicrographs (a-d) (top inset, …; bottom inset, …) and X-ray diffraction (e)":
    # the aside describes a-d's photomicrographs, not e's diffraction.
    p = full("Photomicrographs (a-d) (top inset, electron diffraction patterns; bottom inset, size distribution of "
             "particles) and X-ray diffraction (e) of ZnS nanoparticles.")
    assert "electron diffraction patterns" in p["a"] and "size distribution" in p["d"]
    assert "electron diffraction patterns" not in p["e"] and "X-ray diffraction" in p["e"]
