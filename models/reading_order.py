"""Panel labels in reading order (#15): letters that do not run as panel labels are read (a
categorical axis "A B C H E G", a colour bar's text, a cycle's states) are no panel labels."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from figdex.models.panel_labels import PanelLabel


def in_reading_order(labels: list[PanelLabel], order: list[str] | None = None) -> bool:
    """Whether the labels run in order (``order``: the caption's labels; else the alphabet) as
    panel labels are read: block by block, where the layout is cut (recursively, as an XY-cut
    cuts a page) into bands or columns and each is read before the next -- row by row, column by
    column, or Nature's "a, b down the left, c-e down the right, f, g across the foot".

    Letters read on a categorical axis ("A B C H E G" ticks) or beside a colour bar also give
    a run of single letters, but their letters do not follow their places: a, c, e, d down a
    column, or a "D" above the "A".  A band (a column) holds the labels whose tops (left edges)
    lie within two label heights of each other: a panel is taller than two of its labels, so
    labels closer than that share a row even when one is printed a little lower."""
    if len(labels) < 2:
        return True
    rank = {lab: i for i, lab in enumerate(order or ())}
    height = float(np.median([c.box[3] - c.box[1] for c in labels]))
    keys = {id(c): (rank.get(c.label, len(rank)) if order else c.label) for c in labels}
    return _reads_in_order(list(labels), keys, max(8.0, 2 * height))


def labels_in_reading_order(labels: list[PanelLabel], order: list[str] | None = None) -> list[PanelLabel]:
    """The labels that run in reading order: all of them, or all but the fewest letters whose
    removal leaves the rest in order (at most one in four, three or more kept), or none.

    One misread or misplaced letter (a "b" read in a legend, a label printed inside its image a
    little below its row) used to cost the whole figure its labels.  Junk runs (a categorical
    axis, a colour bar's text) are out of order in more than one letter and stay dropped; without
    a caption the letters kept must still run a, b, c ... with no gap of their own (a gap only
    where a dropped letter was)."""
    from itertools import combinations

    if in_reading_order(labels, order):
        return labels
    n = len(labels)
    for k in range(1, n // 4 + 1):
        if n - k < 3:
            break
        best, best_loss = None, None
        for dropped in combinations(range(n), k):
            rest = [c for i, c in enumerate(labels) if i not in dropped]
            if not _clean_run(rest, [labels[i] for i in dropped], order) or not in_reading_order(rest, order):
                continue
            # Of several letters whose removal would do, the stray one is the letter out of line:
            # the kept labels share rows and columns best, then the dropped are least sure.
            loss = (-_aligned(rest), sum(labels[i].confidence for i in dropped))
            if best_loss is None or loss < best_loss:
                best, best_loss = rest, loss
        if best is not None:
            return best
    return []


def _clean_run(rest: list[PanelLabel], dropped: list[PanelLabel], order: list[str] | None) -> bool:
    """Without a caption: the kept letters are a, b, c ... with gaps only at dropped letters."""
    if order:
        return True
    kept = {c.label for c in rest}
    if not all(len(lab) == 1 and lab.isalpha() for lab in kept):
        return False
    gone = {c.label for c in dropped}
    top = max(kept)
    return all(chr(code) in kept or chr(code) in gone for code in range(ord("a"), ord(top) + 1))


def _reads_in_order(labels: list[PanelLabel], keys: dict, tol: float) -> bool:
    """True when some cut of ``labels`` into bands (by top) or column blocks (by left edge) puts every
    key before the cut ahead of every key after it, and both sides read in order again."""
    if len(labels) < 2:
        return True
    split = False
    for along in (1, 0):  # bands (tops), then column blocks (left edges)
        line_of = _line_of(labels, along, tol)
        lines = max(line_of.values()) + 1
        if lines < 2:
            continue
        split = True
        for cut in range(1, lines):
            first = [c for c in labels if line_of[id(c)] < cut]
            second = [c for c in labels if line_of[id(c)] >= cut]
            if (max(keys[id(c)] for c in first) < min(keys[id(c)] for c in second)
                    and _reads_in_order(first, keys, tol) and _reads_in_order(second, keys, tol)):
                return True
    return not split  # labels stacked on one spot give no order to check


def _line_of(labels: list[PanelLabel], along: int, tol: float) -> dict[int, int]:
    """Each label's band (``along`` = 1: by top) or column (0: by left edge), numbered in order: a
    label joins the current one while within ``tol`` of its mean edge (its members, not the
    nearest start, decide: a label between two lines goes with the one it was gathered into)."""
    line_of: dict[int, int] = {}
    edges: list[int] = []
    for c in sorted(labels, key=lambda c: c.box[along]):
        if edges and c.box[along] - np.mean(edges) > tol:
            edges = []
        if not edges:
            number = max(line_of.values(), default=-1) + 1
        edges.append(c.box[along])
        line_of[id(c)] = number
    return line_of


def _aligned(labels: list[PanelLabel]) -> int:
    """Pairs of labels that share a row (tops) or a column (left edges) within 0.8 label heights."""
    height = float(np.median([c.box[3] - c.box[1] for c in labels]))
    tol = max(3.0, 0.8 * height)
    return sum(1 for i, a in enumerate(labels) for b in labels[i + 1:]
               if abs(a.box[0] - b.box[0]) <= tol or abs(a.box[1] - b.box[1]) <= tol)
