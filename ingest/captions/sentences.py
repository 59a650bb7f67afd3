"""Cut a caption's text into sentences and clauses (split out of split.py, which distributes them over panels)."""

from __future__ import annotations

import re

from figdex.ingest.captions.pieces import strip_marks

_ABBREV = re.compile(r"(?:\b(?:Fig|Figs|Ref|Refs|Eq|Eqs|No|Nos|vs|ca|approx|al|e\.g|i\.e|cf|Supp|Suppl|resp|St|Dr|Mr|"
                     r"wt|vol|mol|min|max|temp|Exp|Ch|resp)|\b[A-Z])\.$")
# "… genes in panels B–F. Panels A and B show …": a capital after a range or after "panel(s)" is a label, not an
# initial, and its full stop ends the sentence.
_LABELS_END = re.compile(r"(?:\b[Pp]anels?\s+(?:[A-Z]\s*(?:[–—-]|,|and)\s*)?|(?<![\w.])[A-Z]\s*[–—-]\s*)[A-Z]$")
# A sentence ends before a capital, a bracket, a number, a bare label list ("b Text"), a
# lower-case label with its bracket ("… in red. b) Cross-section") or its full stop ("a. Title.
# Text … b. Title."; Markdown legends); a primed symbol ("… in (d). r′ is the distance …") too.  A closing quote
# may follow the stop ("… to be via `unbuffered fluids.' (B) Histogram …").
_SENT_END = re.compile(r"[.!?]['’\"”]?(?=[\s\x01\x02]+(?:[A-Z(\[\d\x01\"“‘]|[a-z]['′]?(?:\s*[,–-]\s*[a-z])*(?:\s|\)\s|,\s|\.\s+(?:[A-Z0-9]|[a-z][A-Z]))"
                       # "… site AX4. an-plagioclase with ~70% anorthite; ilm-ilmenite; …": an abbreviation key
                       r"|[a-z][a-z0-9+]{0,4}\s*[-–—=]\s*[A-Za-z][^;.]*;"
                       # "… a maximum density of 1. in panels b and c lines are coloured …": a statement naming panels
                       r"|in\s+panels?\s+[\x01(]*[A-Za-z][\x02)]*[\s,]))"
                       r"|[。！？](?=\s*\S)")  # Chinese and Japanese stops, with no space after them
# "… formation.(A) Metastasis …", "… 100 um.Graphs show …": captions pasted from PDFs and some
# XML lose the space after a sentence; without it the sentence splitter sees one long sentence.
GLUED = re.compile(r"(?<=[a-z0-9%)\]])([.!?])(?=\([A-Za-z0-9]{1,3}\)|[A-Z][a-z]{2,})")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    end = len(text) if end is None else end
    spans, cur = [], start
    for m in _SENT_END.finditer(text, start, end):
        if _ABBREV.search(text[max(0, m.start() - 6): m.end()]) and not (
                _LABELS_END.search(text[max(0, m.start() - 24): m.start()])
                # "Panel A. Mice were …": a label that is the whole sentence so far opens the text after it
                and not _LABELS_END.fullmatch(strip_marks(text[cur:m.start()]).strip())):
            continue
        if re.fullmatch(r"[a-z](?:\s*[,–-]\s*[a-z])*", strip_marks(text[cur:m.start()]).strip()):
            continue  # "a. Fluorescence image …": the full stop ends the label, not a sentence
        spans.append((cur, m.end()))
        cur = m.end()
    if cur < end:
        spans.append((cur, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split at semicolons outside brackets."""
    spans, cur, depth = [], start, 0
    for i in range(start, end):
        ch = text[i]
        depth += ch in "([" 
        depth -= ch in ")]" and depth > 0
        if ch == ";" and depth == 0:
            spans.append((cur, i + 1))
            cur = i + 1
    spans.append((cur, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]
