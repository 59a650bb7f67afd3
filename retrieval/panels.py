"""Panel-level matching: keep the hits whose own text ties them to the query.

A master image's search document holds its figure's whole caption, so a query matches every
panel of a figure whose caption mentions it anywhere: `export --query SEM` took the schematics
and HRTEM panels of a figure with one SEM panel.  At panel level a panel matches only through
what describes that panel itself (``own_text``): its sub-caption less the figure's title, its
labels (less the terms of the title alone) and its image class; an image that is a whole
figure (panel "0") keeps its caption, which describes it.  The engines still find and rank
the candidates (figure level); this narrows them, with the tantivy analyser (lower case, ASCII
folding, English stemming) so that "images" matches "image" as the engines do.

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


def _title(caption: str) -> str:
    """The caption's first sentence: the figure's title, which caption distribution puts at the
    head of every sub-caption ("Evolution of Ag particles during in situ TEM imaging. EDS ...")."""
    head, sep, _ = (caption or "").partition(". ")
    return head + "." if sep else ""


# Computed label kinds drawn from the sub-caption text (terms such as "TEM", keywords); a value
# that comes from the figure's title only says nothing about the panel.
_TEXT_KINDS = ("term", "keyword", "caption")


def own_text(hit: Hit) -> str:
    """The text that describes this image itself, not its neighbours in the figure: the
    sub-caption without the figure's title (unless nothing else is left), its labels but those
    computed from the title alone, its class; a whole figure's caption (panel "0")."""
    if hit.label == WHOLE_FIGURE:
        return " ; ".join(p for p in (hit.subcaption, hit.caption, *(v.split(":", 1)[-1] for v in hit.labels),
                                      hit.image_class) if p)
    sub, title = hit.subcaption or "", _title(hit.caption)
    title_only: set[str] = set()
    if title and sub.startswith(title) and sub[len(title):].strip():
        sub = sub[len(title):]
        title_only = set(_tokens(title)) - set(_tokens(sub))
    labels = []
    for pair in hit.labels:
        kind, _, value = pair.rpartition(":")
        if kind in _TEXT_KINDS and title_only and set(_tokens(value)) <= title_only:
            continue
        labels.append(value)
    return " ; ".join(p for p in (sub, *labels, hit.image_class) if p)


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
