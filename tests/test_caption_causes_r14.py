"""Caption causes of round h182 (#15): read off the failures of the tuning sets fresh-2026-12m, 12i, 12d and 12b
(eval/devset/README.md, "Caption splitting, round h182").  The captions are real ones, shortened."""

from __future__ import annotations

from tests.caption_cases import full


def test_a_comma_after_a_latex_bold_label_is_no_word_of_the_run():
    # Ner-Ber/magnitude_prediction_paper Fig. 3 (12m): "\textbf{d, e, f}, ROC and \textbf{g, h, i} the PR curve for
    # a binary classifier …": the tail after the run's last phrase is every listed panel's (rule 3), and so are the
    # sentences that go on about it.
    p = full("\\textbf{Benchmarking MAGNET. a}, \\textbf{b}, \\textbf{c}, Minus mean information content of our "
             "model. \\textbf{d, e, f}, Receiver Operating Characteristic (ROC) and \\textbf{g, h, i} the interpolated "
             "precision-recall (PR) curve for a binary classifier determining the next event will be large. The "
             "performance of such a classifier can be quantified by the area under the curve.")
    assert set(p) == set("abcdefghi")
    for lab in "def":
        assert "Receiver Operating Characteristic" in p[lab] and "for a binary classifier" in p[lab]
        assert "area under the curve" in p[lab] and "interpolated" not in p[lab]
    assert "for a binary classifier" in p["g"] and "Receiver" not in p["g"]


def test_a_long_phrase_without_a_comma_before_it_still_breaks_the_run():
    # (guard) the run's phrases stay short: six words between two labels end it, commas or not.
    p = full("Spectra of the films. \\textbf{a}, Absorption spectra measured at room temperature in air and "
             "\\textbf{b} emission spectra of the annealed films.")
    assert "emission" not in p["a"] and "Absorption" not in p["b"]


def test_a_long_phrase_that_hands_on_to_another_label_keeps_its_tail():
    # SMTG-Bham/surfaxe Fig. 1 (12b): b's "as a function of …" is b's own, as the list goes on to c.
    p = full("Example analysis: a) average bond length, b) electrostatic potential as a function of lattice parameter "
             "perpendicular to the surface, and c) a typical surface energy convergence plot with respect to slab and "
             "vacuum thickness.")
    assert "as a function of" not in p["a"] and "as a function of" in p["b"]
    assert "electrostatic" not in p["c"]


def test_a_run_that_ends_its_sentence_still_shares_its_tail():
    # (guard) "(a) before and (b) after heat-treatment at 1000 °C. (c) …": the run ends at the full stop.
    p = full("SEM images of the fibres (a) before and (b) after heat-treatment at 1000 °C. (c) XRD patterns of the "
             "fibres.")
    assert "heat-treatment at 1000" in p["a"] and "heat-treatment at 1000" in p["b"]
    assert "heat-treatment" not in p["c"]


def test_a_label_before_tex_math_opens_its_phrase():
    # SMTG-Bham/doped Fig. 2 (12b): "… for (i) $V_{Cu}^{0}$ in Cu$_2$SiSe$_3$ and (j) $V_{Cd}^{-1}$ in CdTe.": the labels
    # open their formulas (as they open words), so both panels get the head and their own formula (here c and d).
    p = full("Outputs from doped. (a) Average distance. (b) Average performance. Automated plots of eigenvalues from "
             "DFT supercell calculations for (c) $V_{Cu}^{0}$ in Cu$_2$SiSe$_3$ and (d) $V_{Cd}^{-1}$ in CdTe. (e) Site "
             "displacement analysis.")
    assert "Automated plots" in p["c"] and "Automated plots" in p["d"]
    assert "Cu" in p["c"] and "CdTe" not in p["c"]
    assert "CdTe" in p["d"] and "SiSe" not in p["d"]


def test_a_heading_with_a_colon_that_opens_the_caption_is_its_title():
    # SMTG-Bham/easyunfold Fig. 1 (12b): the heading before "(a) …; (b) …." is every panel's, c and d's too.
    p = full("Schematics of band folding in a 2D lattice: (a) The primitive cell in real space; (b) The supercell in "
             "real space. (c) A slice of the band structure of the primitive cell; (d) The same slice in the "
             "Brillouin zone of the supercell.")
    assert all("Schematics of band folding" in p[lab] for lab in "abcd")
    assert "primitive cell in real space" not in p["c"]


def test_a_heading_with_a_colon_after_the_title_stays_with_its_labels():
    # (guard) after a title sentence, "Spectra measured for: (a) …, (b) …" belongs to a and b only.
    p = full("Optical properties of the films. Spectra measured at room temperature for: (a) the fresh film, (b) the aged film. "
             "(c) Photographs of the films.")
    assert "room temperature" in p["a"] and "room temperature" in p["b"]
    assert "room temperature" not in p["c"]


def test_persian_abjad_letters_are_panel_labels():
    # ErfanParsa24/Thesis Fig. 4.1 (12i): "(الف) … است.(ب) …(ج) …" are panels a, b, c (abjad order), glued to the
    # full stop before them; the Latin letters in the last panel's text stay its words.
    p = full("(الف) شماتیک نانوروبان زیگزاگ $\\beta_{12}$-بورفین با پایه تشکیل شده است.(ب) شماتیک یک نانوروبان با "
             "ناخالصی لبه پراکنده.(ج) اساس شامل پنج اتم است که با \\lr{a، b، c، d و e} نشان داده می‌شوند.")
    assert set(p) == {"a", "b", "c"}
    assert p["a"].startswith("شماتیک نانوروبان") and "پراکنده" not in p["a"]
    assert "پراکنده" in p["b"] and "a، b" in p["c"]


def test_a_lone_or_unordered_abjad_letter_is_no_label():
    # (guard) one bracketed letter, or letters not running from alef, are left as they are.
    from figdex.ingest.captions.abjad import abjad_labels

    lone = "طیف جذب نمونه (ب) در دمای اتاق."
    assert abjad_labels(lone) == lone
    unordered = "(ج) طیف جذب. (ب) تصویر میکروسکوپ."
    assert abjad_labels(unordered) == unordered
    assert abjad_labels("(الف) طیف جذب. (ب) تصویر.") == "(a) طیف جذب. (b) تصویر."


def test_a_bold_label_with_a_bracketed_alternative_names_both_panels():
    # Ner-Ber/magnitude_prediction_paper Fig. 8 (12m): "\textbf{a} (\textbf{c}), PDFs … New Zealand (Japan) …": a and c
    # share the phrase, and so do b and d.
    p = full("\\textbf{MAGNET's output for Japan and New Zealand data sets}. \\textbf{a} (\\textbf{c}), PDFs produced by "
             "MAGNET for events of the New Zealand (Japan) data set. \\textbf{b} (\\textbf{d}), Marginal magnitude "
             "distribution for the New Zealand (Japan) data set.")
    assert set(p) == {"a", "b", "c", "d"}
    assert "PDFs produced" in p["a"] and "PDFs produced" in p["c"] and "Marginal" not in p["a"]
    assert "Marginal" in p["b"] and "Marginal" in p["d"] and "PDFs" not in p["d"]


def test_a_bracketed_reference_after_a_bold_label_is_no_alternative():
    # (guard) "(see \textbf{c})" is a cross-reference, not a second label of the phrase.
    p = full("Growth curves. \\textbf{a}, Optical density over time (see \\textbf{c}). \\textbf{b}, Colony counts. "
             "\\textbf{c}, Doubling times.")
    assert "Optical density" in p["a"] and "Optical density" not in p["c"]


def test_a_label_after_showing_opens_its_phrase():
    # 10.1021/acsami.9b18820 Fig. 1 (12i): "Reciprocal space maps showing (B-E) the … peak, (G-J) YBCO peak, …, and (F, K)
    # Integrated RSMs …": the words before the first label are every listed panel's.
    p = full("(A) X-ray diffraction pattern near the (002) YBCO peak. Reciprocal space maps showing (B-E) the (103) STO "
             "substrate peak, (G-J) YBCO peak, indexed relative to the STO lattice parameters, and (F, K) Integrated "
             "RSMs along the L-index for each sample.")
    assert set(p) == set("abcdefghijk")
    assert all(p[lab].startswith("Reciprocal space maps showing") for lab in "bfgk")
    assert "STO substrate" in p["b"] and "STO substrate" not in p["g"] and "Integrated" in p["k"]


def test_panels_named_before_an_adverb_and_a_verb_open_their_sentence():
    # habi/acinar-analysis-manuscript Fig. 1 (12d): "Panels J and K also show …" inside I-L's text is J's and K's only.
    p = full("Example images. A--B: Light microscopy images. C--D: Middle slice of one of the extracted acini. Panel C "
             "also shows the segmentation stopper at the left border. The scale bar is 100 μm long. Panels A & C: Day 4. "
             "Panels B & D: Day 10.")
    assert "segmentation stopper" in p["c"] and "segmentation stopper" not in p["d"]
    assert "Middle slice" in p["d"] and "100 μm" in p["d"]
