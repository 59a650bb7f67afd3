"""Caption splitting: causes of failure found on the tuning sets of round h173 (#15).

Tuning sets: fresh-2026-12e, 12f, 12g and 12j (see eval/devset/README.md, "Caption splitting, round h173"). The tests
split the real caption of a development-set record (eval/devset/separation_dev.json, committed) and check it against
rules 1-7 of tests/data/captions_gold_README.md.
"""

from __future__ import annotations

from tests.caption_cases import full
from tests.devset_records import devset_caption as caption


def test_panel_word_with_a_half_bracket_opens_its_panel():
    # svenbuder/golden_thread_II Fig. 6 (fresh-2026-12j): "Panel a) shows birth radii …, whereas panel b) shows
    # current radii …": the half bracket closes the label (as in "panel (a)"); read as closing an aside, "panel a)"
    # named the words before it, and a got b's text while b got both.
    p = full(caption("svenbuder/golden_thread_II#Figure 6"))
    assert set(p) == {"a", "b"}
    assert "birth radii" in p["a"] and "current radii" not in p["a"]
    assert "current radii" in p["b"] and "birth radii" not in p["b"]
    assert ")" not in p["a"].replace("(", "").split("shows")[0]


def test_panel_word_inside_an_aside_still_closes_the_aside():
    # Guard: "(image A and B)" and "(panel A)" inside a bracket name the words before them; the bracket is the aside's.
    p = full("Overview of the site. (A) Map of the site. (B) Time series of the flow (panel B) at the gauge.")
    assert set(p) == {"a", "b"}
    assert "Time series" in p["b"] and "Time series" not in p["a"]


def test_one_word_percentages_share_the_words_after_the_last():
    # pinga-lab/eq_layer_mag_toeplitz Fig. 5 (fresh-2026-12f): "An irregular grid with uncertainties of (b) $20\%$ and
    # (c) $30\%$ in the $x-$ and $y-$coordinates and a flat observation surface …": each phrase is one word, so the
    # words after the last complete both (rule 3); the printed "20%" was not read as a word and b lost the tail.
    p = full(caption("pinga-lab/eq_layer_mag_toeplitz#Figure 5"))
    assert set(p) == set("abcde")
    for label in "bc":
        assert "flat observation surface" in p[label] and "irregular grid with uncertainties of" in p[label]
    assert "20%" in p["b"] and "30%" not in p["b"] and "30%" in p["c"] and "20%" not in p["c"]


def test_percentages_in_longer_phrases_keep_their_own_words():
    # Guard: phrases of several words do not share the last one's words ("0.1% DMSO or (B) 100 nM BafA in …").
    p = full("Time series. Frames during treatment with (A) 0.1% DMSO or (B) 100 nM BafA in U2OS cells.")
    assert "U2OS" in p["b"] and "U2OS" not in p["a"]


def test_a_run_joined_by_semicolons_inside_a_sentence_shares_its_tail():
    # matt-chung/human_hpylori_transcriptome Fig. 5 (fresh-2026-12j): "… used to determine differentially expressed
    # (a) canonical pathways; (b) diseases and functions; and (c) upstream regulators between the two tumor samples,
    # …": the labels sit inside the sentence after the words they share, so the semicolons join one run and the words
    # after "between" complete every phrase (rule 3); a and b had lost them.
    p = full(caption("matt-chung/human_hpylori_transcriptome#Figure 5"))
    assert set(p) == set("abc")
    for label in "abc":
        assert "between the two tumor samples" in p[label]
    assert "canonical pathways" in p["a"] and "diseases and functions" not in p["a"]
    # The next sentence repeats the run's shared words ("of the four samples"), not c's own: it is not c's alone.
    assert all("For each of the three analyses" in p[label] for label in "abc")


def test_labels_opening_clauses_joined_by_semicolons_keep_their_own_words():
    # Guard: labels that open the sentence's clauses ("a – fresh cell; b – aged at 45°C") share nothing.
    p = full("Cells after ageing. (a) fresh cell; (b) aged at 45°C for 2 weeks.")
    assert "45°C" in p["b"] and "45°C" not in p["a"]


def test_a_sentence_after_a_list_goes_to_the_panel_whose_distinct_words_it_repeats():
    # matt-chung/human_hpylori_transcriptome Fig. 1 (fresh-2026-12j): "… clustered in a (a) principal component analysis
    # and (b) hierarchical clustering analysis. For the principal component analysis, variation observed is given in
    # parentheses …": the sentence repeats a's words; "analysis", which both phrases have, no longer makes it b's too.
    p = full(caption("matt-chung/human_hpylori_transcriptome#Figure 1"))
    assert set(p) == {"a", "b"}
    assert "variation observed is given in parentheses" in p["a"]
    assert "variation observed is given in parentheses" not in p["b"]
    assert all("For both analyses" in p[label] for label in "ab")


def test_a_sentence_repeating_every_listed_panel_stays_shared():
    # Guard: a sentence after a list that repeats several panels' words is about all of them.
    p = full("Overview. Cells were imaged with (a) confocal microscopy and (b) electron microscopy. "
             "Confocal and electron images were aligned by hand.")
    assert all("aligned by hand" in p[label] for label in "ab")


def test_labels_inside_the_title_naming_some_panels_leave_the_title_shared():
    # 10.33011/livecoms.4.1.1497 Fig. 2 (fresh-2026-12f): "Five ligand pairs (A, B) for different targets (with each pair
    # for a single target) having structural differences …. (A) Eg5: charge change, (B) SHP2: …, (C) PDE10: …, (D) …,
    # (E) …": "(A, B)" names the two ligands of each pair; the title went to a and b only and c-e lost it.
    p = full(caption("10.33011/livecoms.4.1.1497#Figure 2"))
    assert set(p) == set("abcde")
    for label in "abcde":
        assert "Five ligand pairs (A, B) for different targets" in p[label]
    assert "PDE10" in p["c"] and "PDE10" not in p["b"]


def test_labels_closing_the_title_or_naming_every_panel_still_split_it():
    # Guards: "Expression in tumours (A, B)." (the list closes the title) and "X (A, B) and Y (C, D) …" (every panel).
    p = full("Expression of GFP in tumours (A, B). (A) Day 1. (B) Day 7. (C) Day 14.")
    assert "tumours" in p["a"] and "tumours" not in p["c"]
    p = full("Growth of wild type (A, B) and mutant cells (C, D) over two weeks. (A) Day 1. (B) Day 7. (C) Day 1. (D) Day 7.")
    assert "wild type" in p["a"] and "wild type" not in p["c"]


def test_an_article_a_before_the_bracketed_label_a_is_no_label():
    # cmoh1981/betacell-workload Fig. 1 (fresh-2026-12e): "The beta-cell workload hypothesis: a five-stage model of
    # diabetes progression (a) Schematic representation …": the "a" after the colon is the article; read as a bare
    # label it opened panel a, which took the title, and b and c lost it.
    p = full(caption("cmoh1981/betacell-workload#Figure 1"))
    assert set(p) == set("abc")
    for label in "abc":
        assert "hypothesis: a five-stage model of diabetes progression" in p[label]
    assert "Radar plot" in p["b"] and "Radar plot" not in p["a"]


def test_bare_labels_without_bracketed_ones_still_open_their_panels():
    # Guard: a caption whose labels are all bare ("a SEM image …; b TEM image …") keeps them.
    p = full("Morphology of the film. a SEM image of the surface; b TEM image of a cross-section.")
    assert set(p) == {"a", "b"}
    assert "SEM image" in p["a"] and "TEM image" in p["b"]


def test_a_capital_hyphen_word_opening_a_trailing_sentence_is_no_abbreviation_key():
    # kensugino/neuroseqpaper Fig. 5 (fresh-2026-12g): "(E) Each circle represents the separability … Z-scores:
    # homeobox TF: 17.4, GPCR: 16.1, …": "Z-scores:" read as an abbreviation's legend ("BC: Bacterial colony") made the
    # sentence a note on the whole figure; it gives E's values and stays with E.
    p = full(caption("kensugino/neuroseqpaper#Figure 5"))
    assert "Z-scores: homeobox TF: 17.4" in p["e"]
    assert all("Z-scores" not in p[label] for label in "abcd")


def test_an_abbreviation_key_after_the_last_panel_is_still_shared():
    # Guard: "BC: Bacterial colony." after the last panel names a mark of every panel.
    p = full("Colonies on agar. (A) Day 1 plate. (B) Day 3 plate. BC: Bacterial colony.")
    assert all("Bacterial colony" in p[label] for label in "ab")


def test_legend_icons_tree_inserts_and_data_availability_notes_are_the_figures():
    # After the last panel, notes on the whole figure (rule 4): legend icons (10.33011/livecoms.4.1.1497 Fig. 10,
    # fresh-2026-12f: "The clock icon is indicating the flow of simulation time …"), inserts like insets
    # (Gardner-BinfLab/robustness-RNP Fig. 1, 12f: "Tree inserts: The relationship between …") and where the data are
    # (10.1080/20013078.2020.1750810 Fig. 2, 12j: "Data tables underlying the Venn diagrams and volcano plots are
    # provided in Supplementary Data S2."); each went to the last panel alone.
    for rid, labels, note in [("10.33011/livecoms.4.1.1497#Figure 10", "abcd", "The clock icon is indicating"),
                              ("Gardner-BinfLab/robustness-RNP#Figure 1", "ab", "Tree inserts: The relationship"),
                              ("10.1080/20013078.2020.1750810#Figure 2", "ab", "Data tables underlying the Venn")]:
        p = full(caption(rid))
        assert set(p) == set(labels)
        assert all(note in p[label] for label in labels), rid


def test_a_trailing_sentence_on_the_last_panels_data_stays_with_it():
    # Guard: a sentence going on about the last panel's plot is not made a note by these words.
    p = full("Growth curves. (A) Wild type. (B) Mutant. The mutant grows more slowly after day 3.")
    assert "grows more slowly" in p["b"] and "grows more slowly" not in p["a"]


def test_phrases_closed_by_labels_share_the_words_before_the_first_article():
    # jayfoleyiv/SMHET_Paper Fig. 2 (fresh-2026-12j): "Plots of the near-field enhancements (…) are shown of the Pt NC's
    # extinction maximum ($\lambda=200 nm$, Panel (a)), a Fabry-Perot resonance of … (…, Panel (b)), and a Whispering
    # Gallery Mode resonance of … (…, Panel (c))": the later phrases are objects of "Plots … are shown of" (rule 3);
    # b and c had lost it.
    p = full(caption("jayfoleyiv/SMHET_Paper#Figure 2"))
    for label in "abc":
        assert "Plots of the near-field enhancements" in p[label] and "are shown of" in p[label]
    assert "Fabry-Perot" in p["b"] and "Fabry-Perot" not in p["a"] and "Fabry-Perot" not in p["c"]


def test_noun_phrases_closed_by_labels_share_no_head_without_a_verb():
    # Guard: "Overview of the setup (a), a photograph of the device (b), and the measured spectra (c)." are parallel
    # noun phrases; "Overview of" is a's own.
    p = full("The instrument. Overview of the setup (a), a photograph of the device (b), and the measured spectra (c).")
    assert "Overview" in p["a"] and "Overview" not in p["b"] and "Overview" not in p["c"]


def test_a_sentence_of_its_own_gives_its_opening_clause_to_its_label():
    # jayfoleyiv/SMHET_Paper Fig. 3 (fresh-2026-12j): "Panel (a) shows …. The 685nm nanosphere's scattering spectra has
    # the best overlap with … model, and this structure shows most efficient generation … (Panel (b)), and more
    # efficiently generation … (Panel (c)).": the new sentence's words before b's are b's (rule 3, a trailing-marker
    # text), not the panel before it; a had taken "The 685nm … model".
    p = full(caption("jayfoleyiv/SMHET_Paper#Figure 3"))
    assert "685nm" in p["b"] and "685nm" not in p["a"]
    assert "hot holes" in p["c"] and "hot holes" not in p["b"]


def test_a_clause_after_a_panels_own_label_still_hands_over():
    # Guard: "(C) shows …, whereas the same tumour has … (D)": inside C's sentence the first clause stays C's.
    p = full("Tumour growth. (A) Day 1. (B) Day 7. (C) The control tumour shows necrosis, whereas the same tumour has "
             "lesions after treatment (D).")
    assert "necrosis" in p["c"] and "necrosis" not in p["d"] and "lesions" in p["d"]
