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
