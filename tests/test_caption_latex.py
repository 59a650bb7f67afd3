"""Captions given as LaTeX source (#15, tenth round): `figdex captions split`, `figures separate --caption`
and the eval take a caption as written, and theses and manuscripts write theirs as LaTeX.  figdex's own
LaTeX ingest converts a caption to its printed text before splitting it; the splitter now does the same
for any caption holding LaTeX control words, so bold LaTeX labels split as bold HTML labels do.

The captions are real ones (shortened) of fresh-2026-12i, looked at after its one measurement
(eval/devset/README.md, "fresh-2026-12i measured once"), and of the folds.
"""

from __future__ import annotations

from figdex.ingest.captions import split_caption
from figdex.ingest.captions.evaluate import eval_tokens
from tests.caption_cases import full


def test_bold_latex_labels_open_their_panels():
    # gszep/thesis Fig. 1.2: "\textbf{a} A simplified schematic ... \textbf{b} The amplified signals ..."
    p = full("\\textbf{a} A simplified schematic of a flow cytometer illustrating hydrodynamic focusing. "
             "\\textbf{b} The amplified signals are processed with gating strategies in FlowJo.")
    assert set(p) == {"a", "b"}
    assert p["a"].startswith("A simplified schematic") and "FlowJo" not in p["a"]
    assert p["b"].startswith("The amplified signals") and "\\textbf" not in p["b"]


def test_bold_capital_labels_with_a_colon_and_a_bold_title():
    # dieterich-lab/MiMB_JACUSA2_chapter Fig. 6: a bold title, then "\textbf{A}: ..." labels.
    p = full("\\textbf{Case 1. WT versus KO.} \\textbf{A}: NMF rank selection. \\textbf{B}: NMF result represented "
             "by the basis matrix $W$. \\textbf{C}: Barplot of the top 5 patterns.")
    assert set(p) == {"a", "b", "c"}
    assert "basis matrix W" in p["b"] and "$" not in p["b"]


def test_a_bare_percent_is_a_percent_sign_not_a_comment():
    # joss.02675 Fig. 1 (Markdown with TeX math): LaTeX would read "8% of ..." as a comment and drop panels b-c.
    split = split_caption("(a) Peaks above 8% of the signal amplitude $\\phi$ are kept. (b) Profile in steps of "
                          "15°. (c) Profile in steps of 1°.")
    assert [s.label for s in split.subcaptions] == ["a", "b", "c"]
    assert "8% of the signal" in split.subcaptions[0].text


def test_plain_captions_are_not_converted():
    # No backslash before letters: dollar signs and percent signs stay as written (no maths is read into them).
    split = split_caption("SEM images (a) before and (b) after cycling, at $5 a gram and 5 % Li.")
    assert [s.label for s in split.subcaptions] == ["a", "b"]
    assert split.subcaptions[1].text.endswith("at $5 a gram and 5 % Li.")


def test_the_scorer_compares_latex_gold_as_printed():
    assert eval_tokens("cycled \\ce{SnO2} cathode at $\\theta$") == eval_tokens("cycled SnO2 cathode at θ")


def test_a_bold_title_ending_in_the_first_label_gives_that_label():
    # fresh-2026-12m MAGNET Fig. 3 (Nature style): the bold title and the first label share one bold group.
    p = full("\\textbf{Benchmarking MAGNET. a}, \\textbf{b}, \\textbf{c}, Minus mean information content of our "
             "model (red). \\textbf{d, e, f}, Receiver Operating Characteristic (ROC) and \\textbf{g, h, i} the "
             "interpolated precision-recall (PR) curve.")
    assert set(p) == set("abcdefghi")
    assert "Minus mean" in p["a"] and "Receiver" not in p["a"]  # the title is shared, as printed
    assert "interpolated precision-recall" in p["g"] and "Minus mean" not in p["g"]


def test_a_bold_title_ending_in_a_word_keeps_it_whole():
    # Only a stop followed by a label list ends the title: "... of Fig. 2" or a bold sentence is no label.
    p = full("\\textbf{Overview of the set-up.} \\textbf{a} The chamber. \\textbf{b} The detector.")
    assert set(p) == {"a", "b"}
    split = split_caption("\\textbf{Comparison with Ref. Smith} of the measured spectra.")
    assert [s.label for s in split.subcaptions] in ([], ["0"])
