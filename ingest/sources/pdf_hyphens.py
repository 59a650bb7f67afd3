"""A hyphen at a line's end: does it split a word ("rectangu-" over "lar": drop it) or belong to a
compound ("Noise-" over "corrupted", "Si-" over "MoTe2": keep it)?  pdfium marks both the same way
(a soft hyphen), so the document decides: the way the same word is written inside lines elsewhere in
it (hyphenated, more often than as one word or two).  When the document never writes it inside a line, a hyphen before
a capital or a digit is kept (a chemical name, a symbol: "P-MoTe2", "3-Hydroxy...") and one before a
lower-case letter is dropped.  Part of the PDF parser."""

from __future__ import annotations

import re
from collections import Counter

SOFT_BREAK = "\ue000"  # (private use) where ``join_lines`` joined a line ending in a soft hyphen
HARD_BREAK = "\ue001"  # ... and where it joined one ending in a hyphen pdfium did not mark as soft
_TOKEN = re.compile(r"[^\W_][\w-]*[^\W_]|[^\W_]")
_TAIL = re.compile(r"([^\W_]+)$")
_HEAD = re.compile(r"^([^\W_]+)")
_URL = re.compile(r"(?:https?|ftp)://|^www\.|^doi\.org/", re.I)


def document_words(lines_text) -> Counter:
    """How often each word (lower case) is written inside a line of the document, hyphenated compounds
    and their parts joined included ("noise-corrupted", "noisecorrupted")."""
    counts: Counter = Counter()
    for text in lines_text:
        previous = None
        for token in _TOKEN.findall(text.replace("\x02", "-")):
            token = token.lower()
            counts[token] += 1
            if previous:  # two words apart ("33re binding"): a third way to write a compound
                counts[f"{previous} {token}"] += 1
            previous = token
            parts = token.split("-")
            if len(parts) > 2:  # "al-mote2-co": each hyphen's two neighbours, as a compound of two
                for a, b in zip(parts, parts[1:]):
                    if a and b:
                        counts[f"{a}-{b}"] += 1
    return counts


def resolve_soft_breaks(text: str, words: Counter | None = None) -> str:
    """``text`` with each SOFT_BREAK made a hyphen or nothing (see the module's docstring)."""
    if SOFT_BREAK not in text and HARD_BREAK not in text:
        return text
    pieces = re.split(f"([{SOFT_BREAK}{HARD_BREAK}])", text)
    result = pieces[0]
    for mark, right in zip(pieces[1::2], pieces[2::2]):
        tail, head = _TAIL.search(result), _HEAD.match(right)
        # A hyphen pdfium did not take for a break is kept unless the document says otherwise (a formula
        # split after its hyphen-free element: "Ti0.84Zr0.16-" over "Mn0.9Cr0.7", written whole elsewhere).
        keep = mark == HARD_BREAK or right[:1].isupper() or right[:1].isdigit()
        if _URL.search(result.rsplit(" ", 1)[-1]):
            # (a web address breaks at its own hyphens and adds none: "https://www.nordpoolgroup.com/the-" over
            # "power-market/": the hyphen is the address's)
            result += "-" + right
            continue
        if words and tail and head:
            a, b = tail.group(1).lower(), head.group(1).lower()
            hyphenated, joined = words.get(f"{a}-{b}", 0), words.get(a + b, 0) + words.get(f"{a} {b}", 0)
            if hyphenated != joined:
                keep = hyphenated > joined
            elif not keep and words.get(b, 0) and _prefix_compounds(a, words) >= 2:
                # Neither way written elsewhere, but the left part opens other compounds there and the right
                # one is a word of its own ("single-" over "line" where "single-vortex", "single-pin" are).
                keep = True
        result += ("-" if keep else "") + right
    return result


def _prefix_compounds(a: str, words: Counter) -> int:
    """How many different hyphenated compounds the document opens with ``a-`` inside its lines."""
    return sum(1 for w in words if w.startswith(a + "-") and " " not in w and w.count("-") == 1)
