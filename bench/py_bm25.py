"""The pure-Python BM25 floor of ``search_backends.py``: the same answers as figdex's FTS5 index.

A positional inverted index built and queried in plain Python (``array`` postings, ``bisect``
intersections, ``heapq`` top-k; no C extension).  It reproduces what FTS5 computes for the
bench's queries so that the floor does the same work as the engines it is compared with:

* tokens: ``unicode61 remove_diacritics 2`` (exact for ASCII text, close otherwise) then
  SQLite's Porter stemmer, ported from ``fts5_tokenize.c`` (tokens of 3-64 bytes only);
* a query word is an FTS5 phrase of its tokens ("bright-field" = "bright" then "field", in
  adjacent positions of one column); the query is the AND of its words;
* the score is FTS5's ``bm25()`` with column weights: per phrase, its instances weighted by
  column, ``idf = log((N - n + 0.5) / (n + 0.5))`` (1e-6 when not positive), the row's total
  token count against the average, k1 = 1.2, b = 0.75; ties by row id, as figdex orders them.

``search_backends.py`` checks the top 10 of every query against the raw FTS5 call.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from array import array
from bisect import bisect_left
from functools import lru_cache

# -- SQLite's Porter stemmer (fts5_tokenize.c), rule for rule --------------------------------------


def _vowel(c: str, y_is_vowel: bool) -> bool:
    return c in "aeiou" or (y_is_vowel and c == "y")


def _gobble_vc(s: str, prev_cons: bool) -> int:
    """Index after the first vowel-then-consonant run of ``s`` (0 when there is none)."""
    cons = prev_cons
    i, n = 0, len(s)
    while i < n:
        cons = not _vowel(s[i], cons)
        if not cons:
            break
        i += 1
    i += 1
    while i < n:
        cons = not _vowel(s[i], cons)
        if cons:
            return i + 1
        i += 1
    return 0


def _m_gt0(s: str) -> bool:
    return _gobble_vc(s, False) != 0


def _m_gt1(s: str) -> bool:
    n = _gobble_vc(s, False)
    return bool(n and _gobble_vc(s[n:], True))


def _m_eq1(s: str) -> bool:
    n = _gobble_vc(s, False)
    return bool(n and not _gobble_vc(s[n:], True))


def _o_star(s: str) -> bool:
    if s[-1] in "wxy":
        return False
    mask, cons = 0, False
    for c in s:
        cons = not _vowel(c, cons)
        mask = (mask << 1) + cons
    return (mask & 7) == 5


def _has_vowel(s: str) -> bool:
    return any(_vowel(c, i > 0) for i, c in enumerate(s))


def _m_gt1_s_or_t(s: str) -> bool:
    return s[-1] in "st" and _m_gt1(s)


# (suffix, replacement, condition on the stem); within a step the first suffix that matches is
# the only one tried, as in the generated C (whose switch on the last-but-one letter does that).
_STEP2 = [("ational", "ate", _m_gt0), ("tional", "tion", _m_gt0), ("enci", "ence", _m_gt0),
          ("anci", "ance", _m_gt0), ("izer", "ize", _m_gt0), ("logi", "log", _m_gt0),
          ("bli", "ble", _m_gt0), ("alli", "al", _m_gt0), ("entli", "ent", _m_gt0), ("eli", "e", _m_gt0),
          ("ousli", "ous", _m_gt0), ("ization", "ize", _m_gt0), ("ation", "ate", _m_gt0),
          ("ator", "ate", _m_gt0), ("alism", "al", _m_gt0), ("iveness", "ive", _m_gt0),
          ("fulness", "ful", _m_gt0), ("ousness", "ous", _m_gt0), ("aliti", "al", _m_gt0),
          ("iviti", "ive", _m_gt0), ("biliti", "ble", _m_gt0)]
_STEP3 = [("ical", "ic", _m_gt0), ("ness", "", _m_gt0), ("icate", "ic", _m_gt0), ("iciti", "ic", _m_gt0),
          ("ful", "", _m_gt0), ("ative", "", _m_gt0), ("alize", "al", _m_gt0)]
_STEP4 = [("al", "", _m_gt1), ("ance", "", _m_gt1), ("ence", "", _m_gt1), ("er", "", _m_gt1),
          ("ic", "", _m_gt1), ("able", "", _m_gt1), ("ible", "", _m_gt1), ("ant", "", _m_gt1),
          ("ement", "", _m_gt1), ("ment", "", _m_gt1), ("ent", "", _m_gt1), ("ion", "", _m_gt1_s_or_t),
          ("ou", "", _m_gt1), ("ism", "", _m_gt1), ("ate", "", _m_gt1), ("iti", "", _m_gt1),
          ("ous", "", _m_gt1), ("ive", "", _m_gt1), ("ize", "", _m_gt1)]


def _by_letter(rules):
    """Rules grouped by their suffix's last-but-one letter, in order (the C switch)."""
    groups: dict[str, list] = {}
    for rule in rules:
        groups.setdefault(rule[0][-2], []).append(rule)
    return groups


_STEP2_BY, _STEP3_BY, _STEP4_BY = _by_letter(_STEP2), _by_letter(_STEP3), _by_letter(_STEP4)


def _apply(w: str, groups) -> str:
    if len(w) < 2:
        return w
    for suffix, repl, cond in groups.get(w[-2], ()):
        if len(w) > len(suffix) and w.endswith(suffix):
            stem = w[:-len(suffix)]
            return stem + repl if cond(stem) else w
    return w


@lru_cache(maxsize=None)
def porter(w: str) -> str:
    if not 3 <= len(w.encode()) <= 64:
        return w
    # Step 1a.
    if w[-1] == "s":
        if w[-2] == "e":
            w = w[:-2] if (len(w) > 4 and w[-4:-2] == "ss") or (len(w) > 3 and w[-3] == "i") else w[:-1]
        elif w[-2] != "s":
            w = w[:-1]
    # Step 1b.
    step1b = False
    if len(w) > 1 and w[-2] == "e":
        if len(w) > 3 and w.endswith("eed"):
            if _m_gt0(w[:-3]):
                w = w[:-1]
        elif w.endswith("ed") and _has_vowel(w[:-2]):
            w, step1b = w[:-2], True
    elif len(w) > 1 and w[-2] == "n":
        if len(w) > 3 and w.endswith("ing") and _has_vowel(w[:-3]):
            w, step1b = w[:-3], True
    if step1b:
        if len(w) > 2 and w[-2:] in ("at", "bl", "iz"):
            w += "e"
        else:
            c = w[-1] if w else ""
            if w and len(w) > 1 and not _vowel(c, False) and c not in "lsz" and c == w[-2]:
                w = w[:-1]
            elif w and _m_eq1(w) and _o_star(w):
                w += "e"
    # Step 1c.
    if w and w[-1] == "y" and _has_vowel(w[:-1]):
        w = w[:-1] + "i"
    # Steps 2-4.
    w = _apply(w, _STEP2_BY)
    w = _apply(w, _STEP3_BY)
    w = _apply(w, _STEP4_BY)
    # Step 5a.
    if w and w[-1] == "e" and (_m_gt1(w[:-1]) or (_m_eq1(w[:-1]) and not _o_star(w[:-1]))):
        w = w[:-1]
    # Step 5b.
    if len(w) > 1 and w[-1] == "l" and w[-2] == "l" and _m_gt1(w[:-1]):
        w = w[:-1]
    return w


# -- unicode61 remove_diacritics 2 -----------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1 << 16)
def _fold(word: str) -> str:
    """Lower case without diacritics (only non-ASCII words get here)."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """FTS5 ``porter unicode61 remove_diacritics 2`` tokens of ``text``."""
    if text.isascii():
        return [porter(t) for t in _TOKEN.findall(text.lower())]
    return [porter(t) for raw in _TOKEN.findall(text) for t in _TOKEN.findall(_fold(raw))]


# -- the index -------------------------------------------------------------------------------------

_COL = 1 << 16  # a position is column * _COL + offset in the column


class PyBM25:
    """Positional postings per term: ascending doc ids (``array('i')``), the column-weighted
    frequency per doc (``array('f')``; the weights are multiples of 0.5, so exact), and the
    term's positions in each doc (one ``array('I')`` per term, sliced by ``starts``)."""

    def __init__(self, docs, weights: dict[str, float], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        fields = list(weights.items())
        self.weights = [w for _, w in fields]
        self.ids: dict[str, array] = {}
        self.wtf: dict[str, array] = {}
        self.starts: dict[str, array] = {}
        self.positions: dict[str, array] = {}
        self.length: dict[int, int] = {}
        total = 0
        for doc, text in docs:  # docs in ascending id order: postings stay sorted
            seen: dict[str, list[int]] = {}
            weighted: dict[str, float] = {}
            n = 0
            for col, (name, weight) in enumerate(fields):
                base = col * _COL
                toks = tokens(text[name])
                n += len(toks)
                for off, tok in enumerate(toks):
                    pos = seen.get(tok)
                    if pos is None:
                        seen[tok] = [base + off]
                        weighted[tok] = weight
                    else:
                        pos.append(base + off)
                        weighted[tok] += weight
            self.length[doc] = n
            total += n
            for tok, pos in seen.items():
                ids = self.ids.get(tok)
                if ids is None:
                    ids = self.ids[tok] = array("i")
                    self.wtf[tok] = array("f")
                    self.starts[tok] = array("I", [0])
                    self.positions[tok] = array("I")
                ids.append(doc)
                self.wtf[tok].append(weighted[tok])
                positions = self.positions[tok]
                positions.extend(pos)
                self.starts[tok].append(len(positions))
        self.n = len(self.length)
        self.avgdl = total / max(1, self.n)

    def _phrase(self, toks: list[str]) -> tuple[array, array]:
        """(doc ids, weighted instance counts) of a phrase: a term's own postings, or the docs
        where the terms stand in consecutive positions of one column."""
        if len(toks) == 1:
            tok = toks[0]
            return (self.ids[tok], self.wtf[tok]) if tok in self.ids else (array("i"), array("f"))
        if any(t not in self.ids for t in toks):
            return array("i"), array("f")
        weights = self.weights
        order = sorted(range(len(toks)), key=lambda i: len(self.ids[toks[i]]))
        first = toks[order[0]]
        out_ids, out_wtf = array("i"), array("f")
        cursors = [0] * len(toks)
        for j0, doc in enumerate(self.ids[first]):
            rows = [0] * len(toks)
            rows[order[0]] = j0
            for i in order[1:]:
                ids = self.ids[toks[i]]
                j = bisect_left(ids, doc, cursors[i])
                cursors[i] = j
                if j == len(ids) or ids[j] != doc:
                    break
                rows[i] = j
            else:
                sets = [None] + [set(self._positions(toks[i], rows[i])) for i in range(1, len(toks))]
                f = 0.0
                for p in self._positions(toks[0], rows[0]):
                    if all(p + i in sets[i] for i in range(1, len(toks))):
                        f += weights[p // _COL]
                if f:
                    out_ids.append(doc)
                    out_wtf.append(f)
        return out_ids, out_wtf

    def _positions(self, tok: str, row: int):
        starts = self.starts[tok]
        return self.positions[tok][starts[row]:starts[row + 1]]

    def search(self, query: str, k: int = 10) -> list[tuple[int, float]]:
        """Top ``k`` (doc id, score) of the AND of the query's words, score descending then id."""
        phrases = [tokens(word) for word in query.split()]
        if not phrases or any(not p for p in phrases):
            return []
        postings = [self._phrase(p) for p in phrases]
        if any(not len(ids) for ids, _ in postings):
            return []
        n = self.n
        idf = []
        for ids, _ in postings:
            x = math.log((n - len(ids) + 0.5) / (len(ids) + 0.5))
            idf.append(x if x > 0 else 1e-6)
        k1, b, avgdl, length = self.k1, self.b, self.avgdl, self.length
        lead = min(range(len(postings)), key=lambda i: len(postings[i][0]))
        others = [i for i in range(len(postings)) if i != lead]
        cursors = [0] * len(postings)
        scored = []
        lead_ids, lead_wtf = postings[lead]
        for j0, doc in enumerate(lead_ids):
            freqs = [0.0] * len(postings)
            freqs[lead] = lead_wtf[j0]
            for i in others:
                ids = postings[i][0]
                j = bisect_left(ids, doc, cursors[i])
                cursors[i] = j
                if j == len(ids) or ids[j] != doc:
                    break
                freqs[i] = postings[i][1][j]
            else:
                norm = k1 * (1 - b + b * length[doc] / avgdl)
                score = 0.0
                for i, f in enumerate(freqs):  # in query order, as FTS5 sums them
                    score += idf[i] * ((f * (k1 + 1.0)) / (f + norm))
                scored.append((-score, doc))
        return [(doc, -neg) for neg, doc in heapq.nsmallest(k, scored)]
