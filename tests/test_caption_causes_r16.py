"""Round h192 of issue #15 (caption splitting): causes read off fresh-2026-12n and fresh-2026-12m, one test per cause
(re-applied one at a time in round h194); h192's cause 1, a change of the eval's scoring, was adopted by the lead
afterwards as a metric fix."""

from figdex.ingest.captions.split import split_caption


def _texts(split):
    return {s.label: s.text for s in split.subcaptions}


# Cause 2: a LaTeX caption that walks through one figure's panels in order, with no label of its own, names its own
# panels even when the caller knows no LaTeX label for it (faadzlan/oe2020Revised Figs. 2, 7-10: the records, like a
# manuscript whose \label stands after \caption, carry no label).
WALK = (r"The amplitude and frequency response. Figure \ref{fig:ampFreqComp}a shows the amplitude response, "
        r"Fig. \ref{fig:ampFreqComp}b the frequency response and Fig. \ref{fig:ampFreqComp}c also the frequency "
        r"response, but using the Strouhal number.")


def test_a_reference_walking_through_the_panels_is_the_figures_own():
    split = split_caption(WALK)
    texts = _texts(split)
    assert set(texts) == {"a", "b", "c"}
    assert "amplitude response" in texts["a"] and "Strouhal" in texts["c"] and "Strouhal" not in texts["b"]
    assert "amplitude and frequency response" in split.shared


def test_references_that_do_not_walk_the_panels_stay_references():
    from figdex.ingest.captions.own_figure import own_panel_references

    # One panel only, letters out of order, two keys, or a caption with labels of its own: never taken as its own.
    for caption in (r"Same as Fig. \ref{fig:x}a, for the finer mesh.",
                    r"As Fig. \ref{fig:x}b and Fig. \ref{fig:x}a, for the finer mesh.",
                    r"As Fig. \ref{fig:x}a and Fig. \ref{fig:y}b, for the finer mesh.",
                    r"(a) Mesh as in Fig. \ref{fig:x}a. (b) Flow as in Fig. \ref{fig:x}b."):
        assert own_panel_references(caption) == caption
    assert {s.label for s in split_caption(r"(a) Mesh as in Fig. \ref{fig:x}a. (b) Flow as in Fig. \ref{fig:x}b."
                                           ).subcaptions} == {"a", "b"}
    # A known label of this figure decides alone.
    assert own_panel_references(WALK, ("fig:other",)) == WALK


# Cause 3: a sentence that opens with its first label as a clause's subject and holds every panel ("(a) shows …, while
# (b) shows …") is a list: a note after it that repeats neither panel's own words is the figure's, shared
# (faadzlan/oe2020Revised Fig. 2 "Note that the gap ratio …"); a list of labelled phrases keeps its old reading.
def test_a_note_after_a_sentence_walking_every_panel_is_shared():
    split = split_caption("Problem geometry. (a) shows the side view of the domain while (b) shows the top view of the "
                          "domain. Note that the gap ratio between the cylinder and the plate is 0.16D.")
    texts = _texts(split)
    assert "gap ratio" in split.shared and "gap ratio" not in texts["b"]
    # Repeating one panel's own words, it stays that panel's.
    split = split_caption("Problem geometry. (a) shows the side view of the domain while (b) shows the top view of the "
                          "domain. The top view omits the plate.")
    assert "omits" in _texts(split)["b"] and "omits" not in split.shared


# Cause 4: a statement naming panels that opens in lower case after a full stop, with no comma after the list ("… a
# maximum density of 1. in panels b and c lines are coloured …", georgebusby Fig. 3) is its own sentence and goes,
# without the reference, to the panels it names (rule 4), not to the last panel whole.
def test_a_lower_case_statement_naming_panels_goes_to_them():
    split = split_caption(r"Negative covariance. \textbf{a} heatmap of covariance \textbf{b} the genome-wide "
                          r"distribution, normalised to a maximum density of 1. \textbf{c} the distribution for "
                          r"significant SNPs, normalised to a maximum density of 1. in panels \textbf{b} and "
                          r"\textbf{c} lines are coloured by ancestry as in panel \textbf{a}")
    texts = _texts(split)
    assert texts["b"].endswith("lines are coloured by ancestry as in panel a")
    assert texts["c"].endswith("lines are coloured by ancestry as in panel a") and "in panels" not in texts["c"]
    assert "coloured" not in texts["a"]


# Cause 1 (the eval's tokens): a gold panel of a LaTeX caption may hold math but no control word ("computed value of
# $D_I$."); it is compared as printed when the caption is LaTeX, as the splitter prints it (Cassvell Fig. 2 b, d;
# Ner-Ber/magnitude_prediction_paper Fig. 1 a).
def test_panel_text_of_a_latex_caption_is_compared_as_printed():
    from figdex.ingest.captions.evaluate import GoldCaption, eval_tokens, evaluate

    caption = r"Study case. Panel (a): $\Delta H$ (green). Panel (b): computed value of $D_I$."
    assert eval_tokens("computed value of $D_I$.", caption) == eval_tokens("computed value of DI.")
    # A plain caption's text is left as it is ("$5" is a price, not math).
    assert eval_tokens("costs $5 and $6", "Prices. (a) costs $5 and $6") == eval_tokens("costs $5 and $6")
    gold = GoldCaption("x#Figure 2", caption, {"a": r"Study case. $\Delta H$ (green).",
                                               "b": "Study case. computed value of $D_I$."})
    assert evaluate("t", [gold]).token_f1 == 1.0
