"""Caption distribution: split a figure caption into per-panel sub-captions with keywords and terms."""

from __future__ import annotations

from dataclasses import replace

from figdex.index.records import CaptionSplit, SubCaption
from figdex.ingest.captions.split import split_caption
from figdex.limits import MAX_CAPTION_CHARS


def distribute_caption(caption: str, caption_html: str | None = None, keywords: tuple[str, ...] = (),
                       given: tuple[tuple[str, str], ...] = (), own: tuple[str, ...] = ()) -> CaptionSplit:
    """Split ``caption`` and record, per sub-caption, the query keywords and characterization
    terms found in its full description (shared text + its own text).  Text past
    MAX_CAPTION_CHARS is not analysed (ingest cuts and notes such captions before they get here).

    ``given``: (panel label, text) pairs the source states apart from the caption (LaTeX
    sub-figures); when any has text they are the split, with ``caption`` as the shared part.  ``own``: this
    figure's names (its printed number or LaTeX label), see ``split_caption``."""
    from figdex.ingest.captions.terms import default_matcher

    if len(caption) > MAX_CAPTION_CHARS:
        caption, caption_html = caption[:MAX_CAPTION_CHARS], None
    if given and any(text.strip() for _, text in given):
        shared = _given_shared(caption, given)
        split = CaptionSplit("alpha", tuple(SubCaption(label, text[:MAX_CAPTION_CHARS]) for label, text in given),
                             shared)
    else:
        split = split_caption(caption, caption_html, own)
    matcher = default_matcher()
    subs = tuple(
        replace(sub, keywords=matcher.keywords(split.full_text(sub.label), keywords),
                terms=matcher.terms(split.full_text(sub.label)))
        for sub in split.subcaptions
    )
    return replace(split, subcaptions=subs)


def _given_shared(caption: str, given: tuple[tuple[str, str], ...]) -> str:
    """The caption without the panel captions that a source appended to it ("(a) text" each)."""
    tail = " ".join(f"({label}) {text}" for label, text in given if text.strip())
    return caption[: -len(tail)].rstrip() if tail and caption.endswith(tail) else caption


__all__ = ["distribute_caption", "split_caption"]
