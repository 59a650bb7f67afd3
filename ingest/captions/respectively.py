""""respectively" lists: n items in a sentence that names n panels, item i for panel i.

"Results obtained from cases ST, MT1, MT2, and MT3 are shown in (a)–(d), respectively." gives
(a) "Results obtained from cases ST are shown in", (b) "… cases MT1 …"; "(C-E) … positive for
cytokeratin AE1/3, TTF-1, and N-CAM, respectively" gives C its first stain, E its last.  Without
this every panel keeps the whole list, and a label run "(B.), (C.), and (D.), respectively" after
the list was cut like phrases that name their panels ("… of Au (a) and Ag (b) …"), which it is not.
"""

from __future__ import annotations

import re

from dataclasses import replace

from figdex.index.records import CaptionSplit
from figdex.ingest.sources.common import MARK_END, MARK_START, clean_text

_RESP = re.compile(r"\brespectively\b", re.I)
# A run of label mentions ends right before "respectively" ("(a)–(d), respectively", "(a and b, respectively)").
_RUN_GAP = re.compile(r"^[\s,;]*(?:(?:and|or)\s*)?$")
# Words that end a list's last item ("… and MT3 are shown …", "… and SK currents were …").
_STOP = frozenset("are is were was be been at in with for of on from by to as show shows shown showing "
                  "respectively which that where when while obtained measured".split())
_FUNCTION = frozenset("the a an of in on at for with from by to and or as cases case".split())
_MAX_WORDS = 4  # an item longer than this is a clause, not a list item


def adjacent_run(text: str, s: int, e: int, mentions: list) -> list | None:
    """The sentence's label mentions when they are one run right before its "respectively" and the
    sentence has no other: "Corresponding Ca2+ currents, … and SK currents are shown in (B.), (C.),
    and (D.), respectively."  The whole sentence then goes to each of them (see ``rewrite``)."""
    hit = _RESP.search(text, s, e)
    inside = [m for m in mentions if s <= m.start < e]
    if hit is None or len(inside) < 1 or inside[-1].end > hit.start():
        return None
    gaps = [_plain(text[a.end:b.start]) for a, b in zip(inside, inside[1:])]
    gaps.append(_plain(text[inside[-1].end:hit.start()]))
    if not all(_RUN_GAP.match(g) for g in gaps):
        return None
    if _plain(text[s:inside[0].start]).strip()[-1:] in (".", ";", ":", ""):
        return None  # the run opens the sentence: labels introducing their text
    return inside


def _plain(text: str) -> str:
    return text.replace(MARK_START, "").replace(MARK_END, "")


def item_list(sentence: str, n: int) -> tuple[str, list[str]] | None:
    """The list of ``n`` items nearest before "respectively" in ``sentence`` (label marks already
    taken out, holes as "\\x03"): (the list as written, its items), or None."""
    hit = _RESP.search(sentence)
    if hit is None or n < 2:
        return None
    best = None
    for conj in re.finditer(r",?\s+(?:and|or)\s+", sentence[:hit.start()]):
        found = _list_at(sentence, conj, n, hit.start())
        if found:
            best = found  # the last one before "respectively" wins
    return best


def _list_at(sentence: str, conj: re.Match, n: int, limit: int) -> tuple[str, list[str]] | None:
    head_end = conj.start()
    commas = [i for i in range(head_end) if sentence[i] == ","]
    if len(commas) < n - 2:
        return None
    cuts = commas[len(commas) - (n - 2):] if n > 2 else []
    middle = [sentence[a + 1:b].strip() for a, b in zip(cuts, [*cuts[1:], head_end])]
    if any(not p or len(p.split()) > _MAX_WORDS or re.search(r"[\x03()\[\]]", p) for p in middle):
        return None
    # The last item: the words after the conjunction up to a verb or preposition, a bracket or punctuation.
    words: list[re.Match] = []
    for w in re.finditer(r"[^\s,;:()\x03]+", sentence[conj.end():limit]):
        gap = sentence[conj.end() + words[-1].end():conj.end() + w.start()] if words else ""
        if w.group(0).lower().rstrip(".") in _STOP or gap.strip():
            break
        words.append(w)
    lead = sentence[conj.end():conj.end() + words[0].start()] if words else ""
    if not words or len(words) > _MAX_WORDS or lead.strip():
        return None
    last_end = conj.end() + words[-1].end()
    # The first item: as many words, counted back from its comma, as the shortest other item has
    # ("… cases ST, MT1, …": "ST"; "Corresponding Ca2+ currents, intracellular …, and SK currents":
    # "Ca2+ currents").
    first_end = cuts[0] if cuts else head_end
    k = min(len(x.split()) for x in [*middle, sentence[conj.end():last_end]])
    first = list(re.finditer(r"[^\s,;:()\x03]+", sentence[:first_end]))[-k:]
    if not first:
        return None
    while len(first) > 1 and first[0].group(0).lower() in _FUNCTION:
        first = first[1:]
    if first[0].group(0).lower() in _FUNCTION or re.search(r"[\x03()]", sentence[first[0].start():first_end]):
        return None
    items = [sentence[first[0].start():first_end], *middle, sentence[conj.end():last_end]]
    return clean_text(sentence[first[0].start():last_end]), [clean_text(x) for x in items]


def rewrite(sub_text: str, written: str, item: str) -> str:
    """A panel's text with the list replaced by its own item and "respectively" dropped."""
    if written not in sub_text:
        return sub_text
    out = sub_text.replace(written, item, 1)
    out = re.sub(r"\s*\(\s*respectively\s*\)|,?\s*\brespectively\b,?", "", out, count=1)
    return re.sub(r"\s+([,.;:)])", r"\1", out).strip()


def apply(split: CaptionSplit, text: str, spans: list[tuple[int, int]], mentions: list, scheme: str) -> CaptionSplit:
    """``split`` with each "respectively" list of the caption handed out item by item (``mentions``:
    the panel-label mentions that were cut points, in order)."""
    masked = list(text)
    for m in mentions:
        masked[m.start:m.end] = ["\x03"] * (m.end - m.start)
        word = _RESP.search(text, m.start, m.end) if _RESP.search(m.note or "") else None
        if word:  # "S1, S2 and S3 (a–c, respectively)": the bracket holding the labels holds the word too
            masked[word.start():word.end()] = list(word.group(0))
    masked_text = _plain("".join(masked))
    plain_spans = [(len(_plain(text[:s])), len(_plain(text[:e]))) for s, e in spans]
    own = {sub.label: sub.text for sub in split.subcaptions}
    for (s, e), (ps, pe) in zip(spans, plain_spans):
        if not _RESP.search(text, s, e):
            continue
        labels = _sentence_labels(text, s, e, mentions, scheme)
        found = item_list(masked_text[ps:pe], len(labels)) if labels else None
        if found is None:
            continue
        written, items = found
        for label, item in zip(labels, items):
            if label in own:
                own[label] = rewrite(own[label], written, item)
    subs = tuple(replace(sub, text=own[sub.label]) for sub in split.subcaptions)
    return replace(split, subcaptions=subs)


def _sentence_labels(text: str, s: int, e: int, mentions: list, scheme: str) -> list[str]:
    """The panels a sentence's "respectively" runs over: a run of labels right before it, or holding it
    ("(a and b, respectively)").  Labels that open the sentence ("(d,e) EDS spectra of X and Y,
    respectively") are left whole: the gold keeps such a list in both panels (5 of 7 development captions)."""
    inside = [m for m in mentions if s <= m.start < e]
    if not inside:
        return []
    holding = [m for m in inside if _RESP.search(m.note or "")]
    run = holding[:1] or adjacent_run(text, s, e, inside) or []
    return list(dict.fromkeys(lab for m in run for lab in m.labels(scheme)))
