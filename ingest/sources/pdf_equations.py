"""Numbered display equations: running text, not a figure's own words or strokes.

A display equation set between a figure and its caption, or between a figure and the text over or under it,
is read as short lines of symbols (never long enough to count as running text) and often drawn in part as
strokes or a Form XObject (fraction bars, an equation editor's object): the figure's region grew into it
(IOP 2016 Figure 3: equation (6) over the circuit; JFQA 2023 Figure 3: equation (3) under the plot).
What sets it apart is its number, "(6)", set flush at the running text's right margin (or, as Cambridge
does, at its left margin) with white space between it and the formula.  Part of the PDF parser.
"""

from __future__ import annotations

import re
from collections import Counter

from figdex.ingest.sources.pdf_layout import Box, Line, union

# "(6)", "(12a)", "(3.2)", "(A.1)", "(S4)": an equation's number.
_NUMBER = r"\((?:[A-Z]\.?)?\d{1,3}(?:[.\-\u2013]\d{1,3})?[a-z]?\)"
_ALONE = re.compile(r"\s*" + _NUMBER + r"\s*")
_ENDS = re.compile(r".*\S\s+" + _NUMBER + r"\s*")
_STARTS = re.compile(r"\s*" + _NUMBER + r"\s+\S.*")
_SLACK = 2.5  # points between the number's edge and the margin


def _margins(values: list[float]) -> list[float]:
    """The x positions at least three running-text lines start (or end) at: the columns' margins."""
    counts = Counter(round(v) for v in values)
    return [float(v) for v, n in counts.items() if n >= 3]


def equation_rows(lines: list[Line], prose: list[Line], body_size: float) -> list[Box]:
    """The boxes of the numbered display equations on a page: each number's line with every line level with it
    (and those level with them) in its column.  ``prose``: the page's running-text lines; ``body_size``: their
    type size."""
    if len(prose) < 3 or body_size <= 0:
        return []
    lefts, rights = _margins([ln.box[0] for ln in prose]), _margins([ln.box[2] for ln in prose])
    running = {id(ln) for ln in prose}
    rows = []
    for ln in lines:
        text = ln.text.strip()
        # (a line as tall as the text's letters: a plot's small tick labels "(1)" are not numbers of equations)
        if id(ln) in running or ln.height < 0.7 * body_size or not text:
            continue
        alone = bool(_ALONE.fullmatch(text))
        # The formula and its number read as one line: much wider than its characters need (the white space
        # between them), where a label's line is as wide as its letters.
        sparse = ln.width > 1.5 * len(text) * max(ln.size, 1.0)
        right = [r for r in rights if abs(ln.box[2] - r) <= _SLACK]
        left = [x for x in lefts if abs(ln.box[0] - x) <= _SLACK]
        if right and (alone or sparse and _ENDS.fullmatch(text)):
            column = (max([x for x in lefts if x < ln.box[0] - _SLACK] or [ln.box[0]]), right[0])
        elif left and (alone or sparse and _STARTS.fullmatch(text)):
            column = (left[0], min([r for r in rights if r > ln.box[2] + _SLACK] or [ln.box[2]]))
        else:
            continue
        row, members, grown = ln.box, {id(ln)}, True
        while grown:  # (a fraction's numerator and denominator stand over and under the number's line)
            grown = False
            for other in lines:
                b = other.box
                if (id(other) in members or id(other) in running or b[0] < column[0] - _SLACK
                        or b[2] > column[1] + _SLACK or min(b[3], row[3]) - max(b[1], row[1]) < 1.0):
                    continue
                row, grown = union([row, b]), True
                members.add(id(other))
        rows.append(row)
    return rows
