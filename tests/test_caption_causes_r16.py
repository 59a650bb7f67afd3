"""Round h192 of issue #15 (caption splitting): causes read off fresh-2026-12n and fresh-2026-12m, one test per cause."""

from figdex.ingest.captions.split import split_caption


def _texts(split):
    return {s.label: s.text for s in split.subcaptions}


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
