"""Caption distribution: split a figure caption into per-panel sub-captions with keywords and terms."""

from __future__ import annotations

from dataclasses import replace

from figdex.index.records import CaptionSplit
from figdex.ingest.captions.split import split_caption
from figdex.limits import MAX_CAPTION_CHARS


def distribute_caption(caption: str, caption_html: str | None = None, keywords: tuple[str, ...] = ()) -> CaptionSplit:
    """Split ``caption`` and record, per sub-caption, the query keywords and characterization
    terms found in its full description (shared text + its own text).  Text past
    MAX_CAPTION_CHARS is not analysed (ingest cuts and notes such captions before they get here)."""
    from figdex.ingest.captions.terms import default_matcher

    if len(caption) > MAX_CAPTION_CHARS:
        caption, caption_html = caption[:MAX_CAPTION_CHARS], None
    split = split_caption(caption, caption_html)
    matcher = default_matcher()
    subs = tuple(
        replace(sub, keywords=matcher.keywords(split.full_text(sub.label), keywords),
                terms=matcher.terms(split.full_text(sub.label)))
        for sub in split.subcaptions
    )
    return replace(split, subcaptions=subs)


__all__ = ["distribute_caption", "split_caption"]
