"""Coordinated bracketed labels in a caption: "(a) data analysis or (b) python", "before (a) and after (b) cycling".

Two rules on a bracketed label that names the phrase before it followed by one that opens the phrase after it (the
roles found by ``mentions``): the pair is either two items of one list (both open their phrases) or two one-word
phrases (both name the words before them).
"""

from __future__ import annotations

import re

from figdex.ingest.captions.mentions import INTRO, POST, Mention
from figdex.ingest.sources.common import MARK_END, MARK_START


def _bracketed_post_intro_pairs(text: str, mentions: list[Mention]):
    """(index, mention, text between) for each bracketed label naming the phrase before it that is followed directly
    by a bracketed label opening the phrase after it: the pairs the two coordination rules below decide on."""
    for i in range(len(mentions) - 1):
        m, n = mentions[i], mentions[i + 1]
        if m.role == POST and n.role == INTRO and m.style == "paren" and n.style == "paren":
            yield i, m, text[m.end:n.start].replace(MARK_START, "").replace(MARK_END, "")


def coordinated_intros(text: str, mentions: list[Mention]) -> list[Mention]:
    """"… publications that mention (a) data analysis or (b) python.": a bracketed label after a content word
    (read as naming the phrase before it) opens its own phrase when the next label, after that phrase and "and" or
    "or", opens its own: the two are coordinated items of one list.  "Au (a) and Ag (b) particles" puts a content
    word ("Ag") before the next label, so it keeps naming the phrases before them."""
    out = list(mentions)
    for i, m, between in _bracketed_post_intro_pairs(text, out):
        if re.fullmatch(r"\s+[A-Za-z][^.;:()]*?,?\s+(?:and|or)\s+", between) and re.match(r"[\s\x01\x02]*[a-z]",
                                                                                       text[m.end:]):
            out[i] = Mention(m.start, m.end, m.raw, m.style, INTRO, m.note)
    return out


def coordinated_posts(text: str, mentions: list[Mention]) -> list[Mention]:
    """"The SEM images of NiO before (a) and after (b) cycling", "Over (e) and under (f) focus images of …": a label
    after one word joined by "and"/"or" to a label that names the phrase before it names its word too (a phrase of one
    word, parallel to the first), not the words after it; those complete both phrases (rule 3)."""
    out = list(mentions)
    for i, _, between in _bracketed_post_intro_pairs(text, out):
        if re.fullmatch(r"\s+(?:and|or)\s+[A-Za-z][\w-]*\s*", between):
            n = out[i + 1]
            out[i + 1] = Mention(n.start, n.end, n.raw, n.style, POST, n.note)
    return out
