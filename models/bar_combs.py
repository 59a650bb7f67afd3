"""Rulers of ticks without a line: Hitachi SEMs print the scale as a comb of 11 evenly spaced upright
ticks (┃ ┃ ┃ … ┃), no line joining them, the length from the first tick's centre to the last's.

``find_bars`` looks for level runs; a comb has none (its rows hold only tick-wide runs), and each tick,
4-20 px tall, is too short for an upright bar.  Here the column runs of one mask that are tick-tall
are grouped by their rows (top and bottom ±1 px); within a group, adjacent columns make a tick (1-4 px
wide), and five or more ticks in a row at one spacing (±1.5 px or a tenth of it), with the band's rows
clear between them and no line along the band above or below (an axis's ticks hang from their axis),
are one ruler.  Each end tick's centre is its columns' ink-weighted column, as ``bar_rulers`` weighs a
ruler's end ticks.
"""

from __future__ import annotations

import numpy as np

_TICK_SHORTEST, _TICK_TALLEST = 3, 24  # rows of a tick (a downscaled Hitachi strip: 4; a full-size one: 17)
_TICK_WIDEST = 4
# A comb of square marks (▪ ▪ ▪ … ▪: a Hitachi ruler drawn at screen size) is a comb of ticks as wide
# as they are tall: a mark may be up to its height + 1 columns wide, and no wider than this.
_MARK_WIDEST = 12
_FEWEST = 5  # ticks of a comb (Hitachi: 11): three or four evenly spaced strokes are too easily glyphs


def find_combs(gray: np.ndarray, mask: np.ndarray, runs: tuple[np.ndarray, np.ndarray, np.ndarray],
               overlay: np.ndarray | None = None) -> list[tuple[tuple[int, int, int, int], float]]:
    """(box (x0, y0, x1, y1; x1, y1 exclusive), length from the first tick's centre to the last's) of
    each comb of ticks in ``mask`` (one grey cut of ``gray``), whose level runs (row, first column, end
    column) are ``runs``.  ``overlay``: coloured pixels drawn over the figure (a line detector's strokes
    across a ruler), which may hide part of a tick: a tick's column reaches through them, and a tick's
    centre is read on its uncovered pixels."""
    H, W = mask.shape
    hidden = None
    if overlay is not None and (overlay & ~mask).any():
        from figdex.models.scalebars import _row_runs

        hidden = overlay & ~mask
        runs = _row_runs(mask | hidden)
    # Only pixels of level runs a tick wide: a blob, a line or texture wider than a tick is left out.
    ys, starts, ends = runs
    narrow = (ends - starts) <= _MARK_WIDEST
    ys, starts, ends = ys[narrow], starts[narrow], ends[narrow]
    padded = np.zeros((H + 2, W), np.int8)
    for d in range(_MARK_WIDEST):
        inside = starts + d < ends
        padded[ys[inside] + 1, starts[inside] + d] = 1
    edges = np.diff(padded, axis=0)  # +1 where a column's run starts, -1 one row past its end
    ys, xs = np.nonzero(edges.T)  # column-major: xs are rows here, ys columns
    kinds = edges.T[ys, xs]
    starts, ends, cols = xs[kinds == 1], xs[kinds == -1], ys[kinds == 1]
    n = ends - starts
    keep = (n >= _TICK_SHORTEST) & (n <= _TICK_TALLEST)
    if hidden is not None:  # a column run of the overlay alone is no tick: it must hold some of the cut
        inked = np.concatenate([[0], np.cumsum(mask.T.ravel(), dtype=np.int64)])
        at = cols.astype(np.int64) * H
        keep &= inked[at + np.minimum(ends, H)] - inked[at + starts] > 0
    starts, ends, cols = starts[keep], ends[keep], cols[keep]
    if len(cols) < _FEWEST:
        return []
    out = []
    seen: set[tuple[int, int]] = set()
    # Ticks share their top and bottom rows; where the picture above (or below) the strip passes the cut
    # over some ticks, their runs reach into it: grouped by one edge (±1 px), the other edge is the
    # group's commonest, and a run need only reach it.
    for edge, other, shared in ((starts, ends, "top"), (ends, starts, "bottom")):
        counts = np.bincount(edge, minlength=H + 3)
        near = counts.copy()
        near[1:] += counts[:-1]
        near[:-1] += counts[1:]
        wanted = set(np.flatnonzero(near >= _FEWEST).tolist())
        if not wanted:
            continue
        by_edge: dict[int, list[int]] = {}
        for i, e in enumerate(edge.tolist()):
            if e in wanted or e - 1 in wanted or e + 1 in wanted:
                by_edge.setdefault(e, []).append(i)
        for e in sorted(wanted):
            idx = [i for r in (e - 1, e, e + 1) for i in by_edge.get(r, ())]
            if len(idx) < _FEWEST:
                continue
            values, counts = np.unique(other[idx], return_counts=True)
            o = int(values[np.argmax(counts)])
            t, b = (e, o) if shared == "top" else (o, e)
            if shared == "top":
                idx = [i for i in idx if ends[i] >= b - 1]
            else:
                idx = [i for i in idx if starts[i] <= t + 1]
            if len(idx) < _FEWEST or (t, b) in seen or b - t < _TICK_SHORTEST:
                continue
            seen.add((t, b))
            comb = _comb(gray, mask, sorted({int(cols[i]) for i in idx}), t, b, hidden)
            if comb is not None and comb not in out:
                out.append(comb)
    return out


def column_runs(columns: list[int]) -> list[list[int]]:
    """Sorted column indices grouped into runs of neighbours: one tick (a few px wide) per run."""
    runs, run = [], [columns[0]]
    for c in columns[1:]:
        if c == run[-1] + 1:
            run.append(c)
        else:
            runs.append(run)
            run = [c]
    runs.append(run)
    return runs


def _comb(gray: np.ndarray, mask: np.ndarray, columns: list[int], top: int, bottom: int,
          hidden: np.ndarray | None = None) -> tuple[tuple[int, int, int, int], float] | None:
    """The longest evenly spaced row of ticks among ``columns`` (the columns of one group of tick-tall
    runs, rows ``top``..``bottom``), measured; None when there is none of ``_FEWEST`` ticks.  ``hidden``:
    the overlay's pixels off the mask, left out of the profile the ticks are read on."""
    H, W = mask.shape
    ticks = column_runs(columns)
    if hidden is not None:  # pieces of one tick that a stroke crosses: columns covered all between them
        merged = [ticks[0]]
        for t in ticks[1:]:
            gap = range(merged[-1][-1] + 1, t[0])
            if len(gap) <= _TICK_WIDEST and hidden[top:bottom, gap.start:gap.stop].any(axis=0).all():
                merged[-1] = list(range(merged[-1][0], t[-1] + 1))
            else:
                merged.append(t)
        ticks = merged
    widest = min(_MARK_WIDEST, max(_TICK_WIDEST, bottom - top + 1))  # a tick, or a mark about square
    ticks = [t for t in ticks if len(t) <= widest]
    best: list[list[int]] = []
    i = 0
    while i < len(ticks) - 1:
        j, spacing = i + 1, ticks[i + 1][0] - ticks[i][0]
        tol = max(1.5, 0.1 * spacing)
        # One tick lost in a step (a JPEG'd quarter-size strip: a 2-row tick under the cut) is a gap of
        # two spacings; two in a row end the comb.
        while j + 1 < len(ticks) and min(abs(ticks[j + 1][0] - ticks[j][0] - k * spacing) for k in (1, 2)) <= tol:
            j += 1
        if j - i + 1 > len(best):
            best = ticks[i:j + 1]
        i = j
    if len(best) < _FEWEST or best[1][0] - best[0][0] < 6 or best[1][0] - best[0][-1] < 4:
        return None  # ticks must stand apart: stripes of a texture a pixel or two apart are not a comb
    x0, x1 = best[0][0], best[-1][-1] + 1
    tick_cols = {c + d for t in best for c in t for d in (-1, 0, 1)}
    spacing = float(np.median([b[0] - a[0] for a, b in zip(best, best[1:])]))
    for a, b in zip(best, best[1:]):  # where a tick was lost, its faint remains may stand in the band
        if b[0] - a[0] > 1.5 * spacing:
            middle = (a[-1] + b[0]) // 2
            tick_cols |= set(range(middle - 3, middle + 4))
    between = [c for c in range(x0, x1) if c not in tick_cols]
    if not between:
        return None
    band = mask[top:bottom, between]
    if band.any():
        return None  # ink between the ticks on their rows: a texture or text, not a comb
    for r in (top - 2, top - 1, bottom, bottom + 1):  # (a band found by one edge may be a row short)
        if 0 <= r < H and mask[r, between].mean() > 0.5:
            return None  # a line along the ticks' ends: an axis with its ticks (or a ruler find_bars reads)
    if max(len(t) for t in best) > _TICK_WIDEST and _lattice_row(mask, x0, x1, top, bottom, spacing):
        return None
    rows = gray[top:bottom].astype(np.float64)
    if hidden is not None and hidden[top:bottom].any():
        seen = ~hidden[top:bottom]
        # A column's mean over its uncovered rows; a column covered all along reads as the ground between.
        profile = np.where(seen.any(axis=0), (rows * seen).sum(axis=0) / np.maximum(1, seen.sum(axis=0)), np.nan)
        profile[np.isnan(profile)] = float(np.nanmedian(profile[between])) if seen[:, between].any() else 0.0
    else:
        profile = rows.mean(axis=0)
    ground = float(np.median(profile[between]))
    ink = float(np.median([profile[c] for t in best for c in t]))
    if abs(ink - ground) < 25:
        return None

    def centre(xs: list[int]) -> float:
        span = range(max(0, xs[0] - 1), min(W, xs[-1] + 2))
        w = np.clip([(profile[x] - ground) / (ink - ground) for x in span], 0.0, 1.0)
        return float(np.dot(w, list(span)) / w.sum())

    return (x0, top, x1, bottom), round(centre(best[-1]) - centre(best[0]), 1)


def _lattice_row(mask: np.ndarray, x0: int, x1: int, top: int, bottom: int, spacing: float) -> bool:
    """True where a comb of square marks (columns x0..x1, rows top..bottom) is a row of a lattice of
    particles: a band as tall, within two spacings above or below it (and clear of it), holds half as
    much of the mask as the comb's own band.  A ruler's label above or beside it is a short run of
    glyphs over a long ruler, far less."""
    h = bottom - top
    rows = mask[:, x0:x1].sum(axis=1).astype(np.int64)
    own = int(rows[top:bottom].sum())
    sums = np.concatenate([[0], np.cumsum(rows)])
    reach = int(2 * spacing)
    starts = [t for t in range(top - reach, top - h) if t >= 0] + \
        [t for t in range(bottom + 1, bottom + reach) if t + h <= len(rows)]
    return any(int(sums[t + h] - sums[t]) >= 0.5 * own for t in starts)
