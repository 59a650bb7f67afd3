"""Glyphs stacked in a column: the letters of a word printed sideways, which are no panel labels."""

from __future__ import annotations

from typing import Sequence, TypeVar

T = TypeVar("T")


def drop_rotated_words(tokens: Sequence[T]) -> list[T]:
    """``tokens`` (anything with a ``box``: x0, y0, x1, y1) less the letters of words printed
    sideways.  Those are no labels (a y-axis title "Bond distance / Å"): the joiner only joins
    glyphs along a line, so each rotated glyph stands alone and reads as a letter ("d", "e",
    "C"), and a figure's rotated titles out-number its labels (SMTG-Bham/surfaxe Fig. 1: a, d,
    e, c chosen over a, b, c).  Such glyphs stack in a column, sharing their left and right
    edges, a fraction of a glyph apart; panel labels one above another are a panel's height
    apart.  Three or more stacked glyphs are dropped."""
    n = len(tokens)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(n), key=lambda k: tokens[k].box[1])
    for a, i in enumerate(order):
        x0, y0, x1, y1 = tokens[i].box
        for j in order[a + 1:]:
            u0, v0, u1, v1 = tokens[j].box
            if v0 > y1 + 0.6 * max(x1 - x0, u1 - u0):
                break
            gap = v0 - y1
            overlap = min(x1, u1) - max(x0, u0)
            # Stacked, not overlapping (the two thresholds give the same glyph twice), edges shared.
            if gap >= -1 and overlap >= 0.6 * min(x1 - x0, u1 - u0) and \
                    gap <= 0.5 * max(x1 - x0, u1 - u0):
                parent[root(i)] = root(j)
    stacks: dict[int, set] = {}
    for k in range(n):
        stacks.setdefault(root(k), set()).add(tokens[k].box)
    return [t for k, t in enumerate(tokens) if _glyphs_in_stack(stacks[root(k)]) < 3]


def _glyphs_in_stack(boxes: set) -> int:
    """Distinct glyphs in a stack: the two thresholds see one glyph twice, as overlapping boxes."""
    ordered = sorted(boxes, key=lambda b: b[1])
    count, bottom = 1, ordered[0][3]
    for b in ordered[1:]:
        if b[1] >= bottom - 1:
            count += 1
        bottom = max(bottom, b[3]) if b[1] < bottom - 1 else b[3]
    return count
