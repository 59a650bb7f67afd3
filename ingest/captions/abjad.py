"""Persian and Arabic captions letter their panels in abjad order, bracketed: "(الف) …(ب) …(ج) …" for (a), (b), (c)
(theses in Persian write them so).  Part of the caption splitter: ``split.split_caption`` turns such labels into the
Latin letters they stand for (caption rule 1: a label is normalised to a lower-case letter) before it reads any label."""

from __future__ import annotations

import re

# Abjad order (alef, be, jim, dal, he, vav, ze, he, ta, ye); the Arabic yeh is written for the Persian ye too.
_ABJAD = ("الف", "ب", "ج", "د", "ه", "و", "ز", "ح", "ط", "ی")
_LABEL = re.compile(r"\(\s*(الف|[بجدهوزحطیي])\s*\)")


def abjad_labels(caption: str) -> str:
    """``caption`` with its bracketed abjad panel letters as Latin ones, "(ب)" -> "(b)", when they run in order from
    "(الف)" (alef, the first) with two or more labels; any other caption unchanged (a lone "(ب)" may be anything)."""
    found = [_ABJAD.index(x.replace("ي", "ی")) for x in _LABEL.findall(caption)]
    if len(found) < 2 or found[0] != 0 or any(b - a not in (0, 1) for a, b in zip(found, found[1:])):
        return caption
    return _LABEL.sub(lambda m: f"({chr(ord('a') + _ABJAD.index(m.group(1).replace('ي', 'ی')))})", caption)
