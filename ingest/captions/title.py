"""Labels in a caption's title sentence that do not make it a panel's text (split out of split.py)."""

from __future__ import annotations

from figdex.ingest.captions.mentions import INTRO, POST, REF, Mention
from figdex.ingest.captions.pieces import strip_marks
from figdex.ingest.captions.sentences import sentence_spans


def title_asides(text: str, mentions: list[Mention], scheme: str) -> list[Mention]:
    """"Five ligand pairs (A, B) for different targets (…) having structural differences …. (A) Eg5: charge change,
    (B) SHP2: …, (C) PDE10: …": a label list inside the title sentence, in the middle of it (words of the title go on
    after it), naming only some of the panels, each of which opens its own text later, is no panel mention: the title
    is the whole figure's (rule 4) and the list stays as written (rule 7), as a cross-reference does (rule 6).  Not
    "Effects of X (A, B) and Y (C-E).", whose labels name every panel, nor "Expression in tumours (A, B).", where the
    list closes the title."""
    spans = sentence_spans(text)
    if not spans:
        return mentions
    s, e = spans[0]
    inside = [m for m in mentions if s <= m.start < e and m.role != REF]
    if not inside or any(m.role != POST or m.style != "paren" for m in inside):
        return mentions
    named = {lab for m in inside for lab in m.labels(scheme)}
    every = {lab for m in mentions if m.role != REF for lab in m.labels(scheme)}
    opened = {lab for m in mentions if m.role == INTRO and m.start >= e for lab in m.labels(scheme)}
    after = strip_marks(text[inside[-1].end:e]).strip().rstrip(".")
    if not (named < every and named <= opened) or len(after.split()) < 3:
        return mentions
    return [Mention(m.start, m.end, m.raw, m.style, REF, m.note) if m in inside else m for m in mentions]
