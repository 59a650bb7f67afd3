"""Shared helper of the caption-cause tests (tests/test_caption_causes_r*.py)."""

from __future__ import annotations

from figdex.ingest.captions import split_caption


def full(caption: str) -> dict[str, str]:
    """Each label of the split with its full sub-caption (shared text included), as search indexes it."""
    split = split_caption(caption)
    return {s.label: split.full_text(s.label) for s in split.subcaptions}
