"""Text of the pieces a caption is cut into: label marks taken out, connectors left at a cut dropped,
spacing tidied (shared by the splitter's cutting and its assembly of sub-captions)."""

from __future__ import annotations

import re

from figdex.ingest.sources.common import MARK_END, MARK_START, clean_text

HOLE = "\x03"  # a label marker's characters once it was a cut point (not part of any text)
CONNECTOR = re.compile(r"^[\s,;:]*(?:(?:and|or|as well as|together with|while|whereas|but)\b)?[\s,;:]*", re.I)


def strip_marks(text: str) -> str:
    return clean_text(text.replace(MARK_START, "").replace(MARK_END, ""))


_TRAILING_CONNECTOR = re.compile(r"[\s,;:]*\b(?:and|or|as well as|together with|while|whereas|but|versus|vs\.?)\s*$", re.I)


def clean_piece(chunk: str) -> str:
    chunk = strip_marks(re.sub(HOLE + r"+\s?", " ", chunk))
    # A piece ends where the next label begins: a connector left at its end joined the two.
    return _TRAILING_CONNECTOR.sub("", chunk.strip(" ,;:")).strip(" ,;:")


def tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:)])", r"\1", clean_text(text))
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"([,;])\s*([,;.])", r"\2", text)
    return CONNECTOR.sub("", clean_text(text)).strip(" ,;:") if text else ""
