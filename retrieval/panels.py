"""Panel-level matching: keep the hits whose own text ties them to the query.

A master image's search document holds its figure's whole caption, so a query matches every
panel of a figure whose caption mentions it anywhere: `export --query SEM` took the schematics
and HRTEM panels of a figure with one SEM panel.  At panel level a panel matches only through
what describes that panel itself: its sub-caption, its labels (computed per panel, user labels
included) and its image class; an image that is a whole figure (panel "0") keeps its caption,
which describes it.  The engines still find and rank the candidates (figure level); this
narrows them, with the tantivy analyser (lower case, ASCII folding, English stemming) so that
"images" matches "image" as the engines do.

eval/export_precision.tsv has the hand-checked panels this was measured on.
"""

from __future__ import annotations

from functools import lru_cache

from figdex.index.query import Term, UserQuery
from figdex.index.records import Hit

MATCH_MODES = ("panel", "figure")  # panel: the default of export and --class searches
WHOLE_FIGURE = "0"  # the panel label of an image that is its whole figure (not separated)


@lru_cache(maxsize=1)
def _analyzer():
    from figdex.index.tantivy_documents import build_analyzer

    return build_analyzer()


def _tokens(text: str) -> list[str]:
    return _analyzer().analyze(text) if text else []


def own_text(hit: Hit) -> str:
    """The text that describes this image itself (not its neighbours in the figure)."""
    labels = [label.split(":", 1)[-1] for label in hit.labels]
    parts = [hit.subcaption or "", *labels, hit.image_class or ""]
    if hit.label == WHOLE_FIGURE:
        parts.append(hit.caption or "")
    return " ; ".join(p for p in parts if p)


def _term_matches(term: Term, tokens: list[str]) -> bool:
    wanted = _tokens(term.text)
    if not wanted:
        return False
    if term.prefix and not term.phrase:
        # A stem is not a prefix of the longer words ("nano" -> "nano"), but the word's own
        # start is: compare with the unstemmed prefix's first token.
        return any(t.startswith(wanted[0]) for t in tokens)
    n = len(wanted)
    return any(tokens[i:i + n] == wanted for i in range(len(tokens) - n + 1))


def panel_matches(query: UserQuery, hit: Hit) -> bool:
    """Whether every group of ``query`` (terms joined by OR) has a term in the hit's own text.

    Excluded terms are not looked at: the engine has already left out the images whose text
    (any field) holds one."""
    tokens = _tokens(own_text(hit))
    return all(any(_term_matches(term, tokens) for term in group) for group in query.groups)
