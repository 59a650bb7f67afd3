"""Panels a caption names by position only ("Top: … Middle: … Bottom: …", "(left) … (right)").

Such a caption prints no letters, yet it says how the figure is laid out: two or three rows, or
two or three columns.  Where the gutters (the learned model, models/gutter_tree.py) found fewer
blocks than that, the figure is cut into that many rows (columns) at its widest full-width
(full-height) gutters.  The XY-cut's widest-gutter-first tree often never reaches those gutters
in stacked plots, whose white space inside a plot (between the rows of a box plot) is wider than
the space between plots.
"""

from __future__ import annotations

import re
from itertools import combinations

from figdex.models.layout import content_box, gutters

Box = tuple[int, int, int, int]
_WORD = re.compile(r"\b(top|bottom|upper|lower|left|right|middle|centre|center)\b", re.I)
_NORMAL = {"upper": "top", "lower": "bottom", "centre": "middle", "center": "middle"}
ROWS, COLUMNS = {"top", "bottom"}, {"left", "right"}


def positions_named(text: str, pattern: re.Pattern) -> tuple[int, int] | None:
    """(axis, count) when the caption's position phrases (``pattern``: separation's) name the rows
    (axis 0) or the columns (axis 1) of one line of panels: both ends, or one end and the middle
    (two or three).  None for corners ('bottom left'), rows and columns together (a grid), or a
    lone position ('Left: …' says nothing of how many panels)."""
    named: set[str] = set()
    for match in pattern.finditer(text):
        words = [_NORMAL.get(w.lower(), w.lower()) for w in _WORD.findall(match.group(0))]
        if len(words) != 1:
            return None  # 'bottom left', 'upper right': panels in a grid
        named.add(words[0])
    rows, columns = named & ROWS, named & COLUMNS
    if rows and columns:
        return None
    ends = rows or columns
    if not ends:
        return None
    count = 3 if "middle" in named else len(ends)
    if count < 2:
        return None
    return (0 if rows else 1), count


def split_by_position(mask, axis: int, count: int, min_gap: int = 2) -> list[Box] | None:
    """The figure's content cut into ``count`` rows (axis 0) or columns (axis 1) at gutters that
    run across all of it; None where no such gutters exist (panels bridged by a shared axis).

    Of the gutters at least a quarter as wide as the widest, the set giving the most even parts:
    the panels a caption names by position are alike, and white space inside a sparse plot (between
    the rows of a box plot) can be wider than the gutter between plots, so the widest set alone
    cuts plots in two.  Every part is at least a third of an even share of the extent."""
    H, W = mask.shape
    box = content_box(mask, (0, 0, W, H))
    if box is None:
        return None
    lo, hi = (box[1], box[3]) if axis == 0 else (box[0], box[2])
    found = gutters(mask, box, axis, min_gap)
    if len(found) < count - 1:
        return None
    widest = max(b - a for a, b in found)
    # The widest gutters only: a text-rich figure has hundreds of gaps between its lines.
    candidates = sorted(g for g in found if g[1] - g[0] >= widest / 4)
    candidates = sorted(candidates, key=lambda g: g[0] - g[1])[:24]
    best = None
    for chosen in combinations(sorted(candidates), count - 1):
        cuts = [lo] + [(a + b) // 2 for a, b in chosen] + [hi]
        sizes = [b - a for a, b in zip(cuts, cuts[1:])]
        if min(sizes) < (hi - lo) / count / 3:
            continue
        even = min(sizes) / max(sizes)
        if best is None or even > best[0]:
            best = (even, cuts)
    if best is None:
        return None
    cuts = best[1]
    parts = [(box[0], a, box[2], b) if axis == 0 else (a, box[1], b, box[3]) for a, b in zip(cuts, cuts[1:])]
    return [p for p in (content_box(mask, part) for part in parts) if p is not None]


def rows_named_by_position(mask, caption: str, pattern: re.Pattern, regions: list, notes: list[str]) -> list:
    """``regions`` (label, box, label box, certainty), or, where they are fewer than the rows
    (columns) the caption names by position, the figure cut into that many, each a master "0"."""
    named = positions_named(caption, pattern) if caption else None
    parts = split_by_position(mask, *named) if named and len(regions) < named[1] else None
    if not parts or len(parts) != named[1]:
        return regions
    notes.append(f"the caption names {named[1]} {('rows', 'columns')[named[0]]} by position: each a master \"0\"")
    return [("0", part, None, 0.5) for part in parts]


# A caption that reads a grid of plots by rows as it would by panel labels, with row headings ("First row: ...",
# "Second and third rows: ...", "(top row) ..."), or by columns ("Left column: ..."): each row (column) is one panel
# the caption names, so one master, its plots dependents (the devset's gold convention: "a position the caption
# names covers several plots"; ZLB Fig. 2, fresh-2026-12q).  Rows only described ("The top row displays the x, y
# and z axes", "Each row represents a query", "From top to bottom: ...") name the plots in them, each its own
# master in the gold (fresh-2026-12n: artigo2 Fig. 14, SPI Fig. 2, Autocal Fig. 6).  Two headings at least.
_ORDINAL = r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|\d{1,2}(?:st|nd|rd|th))"
_END = {0: r"(?:top|bottom|middle|upper|lower|centre|center)", 1: r"(?:left|right|middle|centre|center)"}
_NOUN = {0: "rows?", 1: "columns?"}
_ORDINALS = {w: i + 1 for i, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth".split())}


def _line_heading(axis: int) -> re.Pattern:
    word = rf"(?:{_ORDINAL}|{_END[axis]})"
    return re.compile(rf"(?:^|[.;]\s+|\()(?:the\s+)?{word}(?:\s*(?:,|and|&|to|-)\s*{word})*\s+{_NOUN[axis]}\s*[:)]",
                      re.I)


_READING = {axis: _line_heading(axis) for axis in (0, 1)}
_CORNER = re.compile(r"\b(?:top|bottom|upper|lower)[\s-]+(?:left|right)\b", re.I)


def lines_read(caption: str) -> tuple[int, int] | None:
    """(axis, the highest ordinal named or 0) when the caption heads two or more of its parts with rows
    (axis 0) or columns (axis 1) of the figure, not both; None otherwise."""
    found = {axis: [m.group(0) for m in _READING[axis].finditer(caption or "")] for axis in (0, 1)}
    if bool(found[0]) == bool(found[1]) or _CORNER.search(caption):  # corners ("top left") name cells
        return None
    axis = 0 if found[0] else 1
    if len(found[axis]) < 2:
        return None
    words = re.findall(r"[a-z]+|\d+", " ".join(found[axis]).lower())
    highest = max([_ORDINALS.get(w, 0) for w in words] + [int(w) for w in words if w.isdigit()], default=0)
    return axis, highest


def lines_of_grid(caption: str, regions: list, notes: list[str]) -> tuple[list, dict]:
    """``regions`` (label, box, label box, certainty), or, where they are unlabelled plots in two or
    more rows (columns) and the caption reads them by rows (columns), one region per row (column),
    with {that region's box: the boxes of its plots} for their dependents."""
    read = lines_read(caption) if caption else None
    if read is None or len(regions) < 4 or any(r[0] != "0" for r in regions):
        return regions, {}
    axis, highest = read
    lines: list[list] = []
    lo, hi = (1, 3) if axis == 0 else (0, 2)
    for r in sorted(regions, key=lambda r: r[1][lo]):
        box = r[1]
        if lines and (box[lo] + box[hi]) / 2 < max(b[1][hi] for b in lines[-1]):
            lines[-1].append(r)
        else:
            lines.append([r])
    if len(lines) < 2 or max(len(line) for line in lines) < 2 or highest > len(lines):
        return regions, {}
    spans = [(min(r[1][0] for r in line), min(r[1][1] for r in line), max(r[1][2] for r in line),
              max(r[1][3] for r in line)) for line in lines]
    if axis == 0:
        # A row's x tick labels lie under its plots (grid cells may stop above them): each row reaches down to
        # the next row, the last as far as the others reach on average; separation trims each to its ink.
        reach = [nxt[1] - box[3] for box, nxt in zip(spans, spans[1:])]
        extra = max(0, int(sum(reach) / len(reach)))
        spans = [(b[0], b[1], b[2], max(b[3], (spans[i + 1][1] - 1) if i + 1 < len(spans) else b[3] + extra))
                 for i, b in enumerate(spans)]
    out, cells = [], {}
    for line, box in zip(lines, spans):
        out.append(("0", box, None, min(r[3] for r in line)))
        if len(line) > 1:
            cells[box] = tuple(sorted((r[1] for r in line), key=lambda b: (b[0], b[1]) if axis == 0 else (b[1], b[0])))
    notes.append(f"the caption reads the grid by {('rows', 'columns')[axis]}: each {('row', 'column')[axis]} "
                 "a master \"0\", its plots dependents")
    return out, cells
