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
