"""Snippets for the tantivy index: the words of a text that the query's terms match, marked.

tantivy's own ``SnippetGenerator`` re-tokenises and stems every word of each field of each hit
(about 20 µs per caption, half of a whole search at 10k-100k documents) and never marks prefix
terms.  Here a regular expression finds the words that *can* match, those starting with a term's
stem less its last letter (Snowball stems are such prefixes but for y -> i and a few special
words), and only those words are stemmed, through the index's own analyser, with a cache.  So a
word is marked exactly when the index would match it.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

_WORD = r"[^\W_]"  # tantivy's simple tokenizer: runs of alphanumeric characters
_CACHE_MAX = 200_000
_RUN = re.compile(rf"{_WORD}+")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


class Highlighter:
    def __init__(self, analyze: Callable[[str], list[str]], terms: Sequence[tuple[str, bool]], width: int):
        """``terms``: (analysed token, is a prefix) of every searched term; ``width``: snippet characters."""
        self.analyze = analyze
        self.exact = {t for t, prefix in terms if not prefix}
        self.prefixes = tuple(t for t, prefix in terms if prefix)
        self.width = width
        self.heads = sorted({t[:-1].lower() if len(t) > 2 else t.lower() for t, _ in terms})
        self._stems: dict[str, str] = {}

    def _stem(self, word: str) -> str:
        stem = self._stems.get(word)
        if stem is None:
            if len(self._stems) > _CACHE_MAX:
                self._stems.clear()
            tokens = self.analyze(word)
            stem = self._stems[word] = tokens[0] if len(tokens) == 1 else ""
        return stem

    def matches(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each word of ``text`` a term matches."""
        if not self.heads or not text:
            return []
        low = text.lower()
        if len(low) != len(text):  # lower() changed offsets (a few letters, e.g. "İ"): the regex way
            candidates = re.compile(rf"(?<!{_WORD})(?:{'|'.join(map(re.escape, self.heads))}){_WORD}*",
                                    re.IGNORECASE)
            spans = [m.span() for m in candidates.finditer(text)]
        else:
            # str.find per head is far faster than a regex alternation tried at every position.
            starts = set()
            for head in self.heads:
                pos = low.find(head)
                while pos >= 0:
                    if pos == 0 or not _is_word_char(low[pos - 1]):
                        starts.add(pos)
                    pos = low.find(head, pos + 1)
            spans = [(p, _RUN.match(low, p).end()) for p in sorted(starts)]
        out = []
        for start, end in spans:
            stem = self._stem(text[start:end])
            if stem and (stem in self.exact or stem.startswith(self.prefixes)):
                out.append((start, end))
        return out

    def snippet(self, text: str, spans: list[tuple[int, int]]) -> str:
        """About ``width`` characters of ``text`` around the densest run of ``spans``, matches in
        ``<mark>``, ``…`` where the text was cut (FTS5's snippet() form)."""
        best, best_n, j = 0, 0, 0
        for i, (start, _) in enumerate(spans):  # spans are in order: a sliding window
            j = max(j, i)
            while j < len(spans) and spans[j][1] <= start + self.width:
                j += 1
            if j - i > best_n:
                best, best_n = i, j - i
        first = spans[best][0]
        # Some context before the first match, starting at a word.
        lo = max(0, first - self.width // 5)
        if lo > 0:
            space = text.find(" ", lo, first)
            lo = space + 1 if space >= 0 else first
        hi = min(len(text), lo + self.width)
        if hi < len(text):
            space = text.rfind(" ", max(spans[best][1], lo), hi)
            hi = space if space > 0 else hi
        parts, pos = [], lo
        for s, e in spans:
            if s >= lo and e <= hi:
                parts.append(text[pos:s] + "<mark>" + text[s:e] + "</mark>")
                pos = e
        parts.append(text[pos:hi])
        return ("…" if lo > 0 else "") + "".join(parts) + ("…" if hi < len(text) else "")
