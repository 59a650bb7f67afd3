"""Caption splitting: causes of failure found on the tuning sets of round h162 (#15).

Tuning sets: fresh-2026-12k and fresh-2026-12j (see eval/devset/README.md, "Round h162"). The tests split the real
caption of a development-set record (eval/devset/separation_dev.json, committed) and check it against rules 1-7 of
tests/data/captions_gold_README.md.
"""

from __future__ import annotations

from tests.caption_cases import full
from tests.devset_records import devset_caption as caption


def test_a_latex_bold_range_opens_its_panels():
    # BrainsOnBoard/procedural_paper Fig. 3: "\textbf{A-C} Raster plots … V1~(A), V2~(B) … \textbf{G-I} Raster plots as
    # in (A-C) … \textbf{J-L} Same spiking statistics as (D-F) …": the bold ranges are labels (rule 2); once the markup
    # was gone "G-I Raster" was no label and g-l were lost, and the G-L sentences went to every panel.
    p = full(caption("BrainsOnBoard/procedural_paper#Figure 3"))
    assert set(p) == set("abcdefghijkl")
    for label in "ghi":
        assert "resting state simulation in GeNN" in p[label] and "Same spiking statistics" not in p[label]
    for label in "jkl":
        assert "Same spiking statistics as" in p[label] and "Raster plots" not in p[label]
    assert "Spiking statistics across all 32 areas" in p["d"] and "resting state" not in p["a"]
    assert "V1" in p["a"] and "V1" not in p["b"]


def test_latex_bold_words_are_no_labels():
    # Guard: bold words or bold bracketed labels are not read as bare labels.
    p = full(r"\textbf{Overview.} \textbf{(A)} Map of the site. \textbf{(B)} Time series.")
    assert set(p) == {"a", "b"}
    assert "Map of the site" in p["a"] and "Time series" in p["b"]


def test_a_label_before_the_article_a_opens_its_panel():
    # medford-group/Computational-Study-of-Transition-Metal-Substitutions Fig. 6: "… can be seen in Table S3 (b) A two
    # dimensional volcano plot …" lost its full stop; "(b)" opens b's text, so the sentence before it stays a's.
    p = full(caption("medford-group/Computational-Study-of-Transition-Metal-Substitutions#Figure 6"))
    assert set(p) == {"a", "b"}
    assert "Table S3" in p["a"] and "Table S3" not in p["b"]
    assert "volcano plot" in p["b"] and "volcano plot" not in p["a"]


def test_a_label_closing_its_phrase_before_and_stays_a_post():
    # Guard: "(b) and" after a phrase still closes that phrase.
    p = full("Spectra of the film (a) and the powder (b) and their fits.")
    assert "the powder" in p["b"] and "the powder" not in p["a"]


def test_a_label_before_lower_case_words_up_to_a_semicolon_opens_its_item():
    # matt-chung/human_hpylori_transcriptome Fig. 5: "… used to determine differentially expressed (a) canonical
    # pathways; (b) diseases and functions; and (c) upstream regulators …": (a) opens its item like (b) and (c), so the
    # words before it are every item's head (rule 3), not a's phrase alone.
    p = full(caption("matt-chung/human_hpylori_transcriptome#Figure 5"))
    assert set(p) == {"a", "b", "c"}
    for label in "abc":
        assert "differentially expressed" in p[label]
    assert "canonical pathways" in p["a"] and "canonical pathways" not in p["b"]
    assert "diseases and functions" in p["b"] and "diseases and functions" not in p["a"]


def test_a_phrase_closed_by_its_label_before_a_semicolon_stays_a_post():
    # Guard: "phrase (a); phrase (b)" with the words before each label keeps them as each label's phrase.
    p = full("Images of the liver (a); images of the lung (b).")
    assert "the liver" in p["a"] and "the liver" not in p["b"]
    assert "the lung" in p["b"] and "the lung" not in p["a"]


def test_clauses_opening_with_their_panels_go_to_those_panels():
    # nirwan1265/SoLD_paper Fig. 3: "… genes in panels B–F. Panels A and B show traditional lipids (…), and panels C–F
    # show non-traditional lipids (…)." The full stop after "B–F" ends a sentence (a label, not an initial), and each
    # clause goes to the panels it opens with (rule 4); the sentence went to every panel.
    p = full(caption("nirwan1265/SoLD_paper#Figure 3"))
    assert set(p) == set("abcdef")
    for label in "ab":
        assert "show traditional lipids" in p[label] and "non‐traditional" not in p[label]
    for label in "cdef":
        assert "non‐traditional lipids" in p[label] and "show traditional lipids" not in p[label]


def test_a_note_ending_in_panels_goes_to_those_panels():
    # nirwan1265/SoLD_paper Fig. 3: "Green dots indicate SNPs within or near the highlighted genes in panels B–F." after
    # the last panel is about B-F (rule 4), not a note on the whole figure.
    p = full(caption("nirwan1265/SoLD_paper#Figure 3"))
    assert "Green dots" not in p["a"]
    for label in "bcdef":
        assert "Green dots indicate SNPs" in p[label]


def test_an_initial_before_a_full_stop_still_joins_its_name():
    # Guard: "J. Smith" does not end a sentence; "panels B–D." does.
    from figdex.ingest.captions.sentences import sentence_spans

    text = "Data from J. Smith. Dots mark genes in panels B–D. Panels A and B show lipids."
    assert [text[s:e].strip() for s, e in sentence_spans(text)] == [
        "Data from J. Smith.", "Dots mark genes in panels B–D.", "Panels A and B show lipids."]


def test_source_data_for_some_panels_stays_a_figure_note():
    # Guard: eLife's "Source data for panels A-B." points to the figure's data files: shared.
    p = full("Title. (A) One thing. (B) Another thing. (C) A third thing. Source data for panels A-B.")
    assert all("Source data" in p[label] for label in "abc")
def test_panel_x_in_brackets_inside_an_aside_is_the_asides_label():
    # jayfoleyiv/SMHET_Paper Fig. 2: "… maximum ($\lambda=200 nm$, {\bf Panel (a)}), …" and "… hot-holes (Panel(f))
    # compared to …": the nested "Panel (x)" labels the phrase before the aside; the aside's own closing bracket and
    # the word "Panel" were left in the text ("), and …", "hot-holes (Panel) compared").
    p = full(caption("jayfoleyiv/SMHET_Paper#Figure 2"))
    assert set(p) == set("abcdef")
    assert "Panel" not in p["f"] and "hot-holes" in p["f"]
    assert "200 nm" in p["a"] and "Fabry-Perot" in p["b"] and "Fabry-Perot" not in p["a"]
    assert not p["b"].split("nanocube.")[-1].strip().startswith(")")


def test_short_phrases_with_an_article_or_aside_share_the_head():
    # BrainsOnBoard/procedural_paper Fig. 3: "… showing spiking activity of 3 % of the neurons in areas V1~(A), V2~(B),
    # and the Frontal Eye Field (FEF)~(C)": the last phrase is short once its article and bracketed abbreviation are
    # not counted, so the head goes to b and c too (rule 3); b was only "V2".
    p = full(caption("BrainsOnBoard/procedural_paper#Figure 3"))
    for label in "bc":
        assert "spiking activity of" in p[label] and "neurons in areas" in p[label]
    assert "V2" in p["b"] and "Frontal Eye Field" in p["c"] and "V2" not in p["c"]


def test_an_article_in_a_later_phrase_is_not_doubled():
    # Guard (srep23945 Fig. 5 of the figdex gold): "… to the ON (a) and the OFF (b) state": the head keeps one "the".
    p = full("Schematic illustrations of the migration of ions to switch the device to the ON (a) and the OFF (b) state.")
    assert "the the" not in p["b"] and "the OFF" in p["b"]


def test_a_bold_letter_in_tex_math_is_no_label():
    # elena-pascal/Thesis Fig. 4.13 (round h167, tuning set fresh-2026-12i): "… diffraction conditions
    # $\textbf{g}_1$ and $\textbf{g}_2$ …" has no panels; the bold vector in math was turned into a bold label
    # marker, the caption then had no macro left and was no longer printed ("$g_1$" kept its "$" and "_").
    p = full(caption("elena-pascal/Thesis#Figure 4.13 (screwcompare)"))
    assert set(p) == {"0"}
    assert "conditions g1 and g2 (given" in p["0"] and "$" not in p["0"]
    # The same bold letter outside math stays a label.
    q = full(r"\textbf{A} Contrast for $\textbf{g}_1$. \textbf{B} Contrast for $\textbf{g}_2$.")
    assert set(q) == {"a", "b"} and "g1" in q["a"] and "g2" in q["b"]
