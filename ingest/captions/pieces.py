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
    return _TRAILING_CONNECTOR.sub("", chunk.strip(" ,;:，；：、")).strip(" ,;:，；：、")  # (full-width: Chinese)


def tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:)])", r"\1", clean_text(text))
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"([,;])\s*([,;.])", r"\2", text)
    return CONNECTOR.sub("", clean_text(text)).strip(" ,;:") if text else ""


def one_word_heads(text: str, segs: list[tuple[int, int]], labels: list[tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """"Solid model … (a) and 2D geometry frames along the transverse (b) and longitudinal (c) directions": a
    one-word phrase right after a longer one ("and", "or", a comma between) shares that one's words before its
    last ("2D geometry frames along the").  ``segs``: each label's phrase; ``labels``: the label marks' spans.
    Returns {index of the phrase: the span of the words it shares}."""
    heads = {}
    for j in range(2, len(segs)):
        words = list(re.finditer(r"\S+", text[segs[j - 1][0]:segs[j - 1][1]]))
        if len(strip_marks(text[segs[j][0]:segs[j][1]]).split()) == 1 < len(words) and re.fullmatch(
                r"\s*(?:,\s*)?(?:and|or)?\s*", strip_marks(text[labels[j - 1][1]:segs[j][0]])):
            heads[j] = (segs[j - 1][0], segs[j - 1][0] + words[-1].start())
    return heads


_ARTICLE = re.compile(r"(?<!\S)(?:the|a|an)\s", re.I)
_HEAD_VERB = re.compile(r"\b(?:is|are|was|were|been|shown|plotted|displayed|depicted|presented|given)\b", re.I)


def article_head(text: str, segs: list[tuple[int, int]]) -> tuple[int, int] | None:
    """"Plots of the near-field enhancements are shown of the Pt NC's extinction maximum (λ=200 nm, Panel (a)), a
    Fabry-Perot resonance of … (Panel (b)), and a Whispering Gallery Mode resonance of … (Panel (c))": phrases closed
    by their labels, each after the first opening with an article, are the objects of the words before the first
    phrase's last article, when those words say what is shown (a verb): that head is every label's (rule 3).  Not
    "Overview of the setup (a), a photograph of the device (b), …", whose first phrase has no verb.  ``segs``: each
    label's phrase, without the connector before it.  Returns the head's span or None."""
    if len(segs) < 2 or not all(_ARTICLE.match(strip_marks(text[a:b])) for a, b in segs[1:]):
        return None
    first = text[segs[0][0]:segs[0][1]]
    articles = list(_ARTICLE.finditer(first))
    if not articles or not _HEAD_VERB.search(first[:articles[-1].start()]):
        return None
    return segs[0][0], segs[0][0] + articles[-1].start()
