"""Line numbers down a manuscript's margin (a journal's discussion paper, a review copy): read into the
text lines they stand beside ("1044 Figure 1: Top panel ..."), they hide a caption's label from
``caption_start`` and widen every line to the margin.  Part of the PDF parser (``pdf_text_lines``)."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"^(\d{1,5})(?: +(\S)|$)")
_MIN_COLUMN = 4  # numbered lines in one column of the margin before it is taken for a line-number column
_ALIGN = 1.5  # pt: how far apart the numbers' left (or right) edges may be and still be one column


def _numbered(line: list) -> tuple | None:
    """(value, digits' (left, right), index of the first character after them or None) of a line that
    is a bare number, or opens with one set a gap wider than a word space (half its height) before its
    next glyph ("2016 was ..." opens a sentence one word space from it)."""
    chars, xs = line[1], line[3]
    m = _NUMBER.match("".join(chars).rstrip())
    if not m or line[4] != 0:
        return None
    n = len(m.group(1))
    spans = [x for x in xs[:n] if x is not None]
    if len(spans) != n:
        return None
    span = (min(s[0] for s in spans), max(s[1] for s in spans))
    if m.group(2) is None:
        return int(m.group(1)), span, None
    rest = next((k for k in range(n, len(chars)) if chars[k] != " " and xs[k] is not None), None)
    if rest is None or xs[rest][0] - span[1] <= 0.5 * (line[0][3] - line[0][1]):
        return None
    return int(m.group(1)), span, rest


def _is_line_numbering(column: list, lines: list[list]) -> bool:
    """Numbers counting up down the page by one, each line's, with no line of the same text between two
    of them (a numbered list's entries run on to lines of their own: references "1 Smith ...", "2 ...")."""
    ordered = sorted(column, key=lambda c: -(c[0][0][1] + c[0][0][3]))  # top of the page first
    pairs = list(zip(ordered, ordered[1:]))
    good = 0
    for (a, (va, _, ra)), (b, (vb, _, rb)) in pairs:
        if vb - va != 1:
            continue
        starts = [ln[3][r][0] for ln, r in ((a, ra), (b, rb)) if r is not None]
        low, high = b[0][3], a[0][1]  # (the gap between the two lines, top of b to bottom of a)
        between = any(low < (ln[0][1] + ln[0][3]) / 2 < high and any(abs(ln[0][0] - s) <= _ALIGN for s in starts)
                      for ln in lines if ln is not a and ln is not b)
        good += not between
    return good >= 0.8 * len(pairs)


def without_margin_numbers(lines: list[list], codes: list[int]) -> list[list]:
    """``lines`` (``pdf_text_lines``' fragments or lines: [box, chars, first char index, each char's (left,
    right), angle]) with the line numbers taken off where the page has a column of them: four or more lines that
    are a bare number or open with one, their digits' left (or right: numbers set flush right) edges
    within 1.5 pt, counting up by one down the page (``_is_line_numbering``).  A bare number is left out; a
    line that loses its number starts at its next glyph."""
    numbered = [(ln, found) for ln in lines if (found := _numbered(ln)) is not None]
    if len(numbered) < _MIN_COLUMN:
        return lines
    strip: dict[int, int] = {}
    for side in (0, 1):
        seen: set[int] = set()
        for _, (_, span, _) in numbered:
            column = [c for c in numbered if abs(c[1][1][side] - span[side]) <= _ALIGN]
            key = id(column[0][0])
            if key in seen or len(column) < _MIN_COLUMN:
                continue
            seen.add(key)
            if _is_line_numbering(column, lines):
                strip.update((id(ln), rest) for ln, (_, _, rest) in column)
    kept = []
    for line in lines:
        if id(line) not in strip:
            kept.append(line)
            continue
        rest = strip[id(line)]
        if rest is None:
            continue  # a bare number: the margin's, beside a figure it would be read into
        chars, xs = line[1], line[3]
        line[0] = (xs[rest][0], line[0][1], line[0][2], line[0][3])
        # (the first character's index gives the line's size and weight: a bold "Figure 1:" after the number)
        for index in range(line[2], min(line[2] + rest + 4, len(codes))):
            if codes[index] == ord(chars[rest][0]):
                line[2] = index
                break
        line[1], line[3] = chars[rest:], xs[rest:]
        kept.append(line)
    return kept
