"""Framed plots stacked or gridded (h143, h181, h186, h187, h191): each plot's frame (a long horizontal
line above and below, joined by vertical lines at both ends) marks it, where no white row or column crosses the
figure between the plots.  Split from grid_panels.py, which uses ``frame_cells`` in ``split_grids``.
"""

from __future__ import annotations

import numpy as np

from figdex.models.layout import content_box

Box = tuple[int, int, int, int]


# Framed plots stacked or gridded (h143).  The rows of a figure of framed plots are rarely
# separated by rows empty across the figure: a shared y-axis title crosses them, and the white
# inside sparse scatter plots reads as gutter while the 2 px frame edges are under the speck
# threshold.  The frames themselves (a long horizontal line above and below, joined by vertical
# lines at both ends) mark the plots.
FRAME_SIDE = 0.95  # a frame's vertical edges are inked along this share of its height
FRAME_MIN = 0.12  # a frame spans at least this share of the figure's width and height (not a legend)
FRAME_MAIN = 0.5  # frames of at least this share of the largest one's area are plots; smaller ones legends
# Stacked plots (h181, fresh-2026-12m: nine light curves one under another, six MATLAB traces): a
# frame at least STACK_WIDE of the figure's width may be as short as STACK_MIN of its height.
STACK_WIDE = 0.5
STACK_MIN = 0.05
# Frames at most TOUCH px apart touch (one faceted plot: ``frame_cells``' check "apart"), so a frame's
# side has no white break longer than that: two frames stacked farther apart in one column (a corner
# plot's, 37 px; dimagfnl Fig. 7's rows, 3 px) are not one frame.
TOUCH = 2
# Frames are the plots of the figure only where they make up much of it (h186, fresh-2026-12n: three
# framed insets drawn inside one seaborn joint plot cover 0.14 of its content box; stacked and gridded
# framed plots of 12m and 12n cover 0.47-0.81 with their tick labels and titles beside them).
FRAME_COVER = 0.3


def _long_runs(mask: np.ndarray, min_len: int) -> list[tuple[int, int, int]]:
    """(row, x0, x1) of each horizontal ink run at least ``min_len`` long."""
    m = mask.astype(np.int8)
    d = np.diff(np.pad(m, ((0, 0), (1, 1))), axis=1)
    out = []
    for y in np.flatnonzero(m.sum(axis=1) >= min_len):
        starts, ends = np.flatnonzero(d[y] == 1), np.flatnonzero(d[y] == -1)
        out.extend((int(y), int(a), int(b)) for a, b in zip(starts, ends) if b - a >= min_len)
    return out


def _side(mask: np.ndarray, x: int, y0: int, y1: int, tol: int) -> bool:
    """Whether some column within ``tol`` px of ``x`` is inked along the frame's height (the top and
    bottom lines run on past the frame's corners by the length of the tick marks), unbroken: the
    white between two frames stacked in one column (a corner plot's, h181) is no part of a side.
    ``frames`` asks the same of many bottoms at once (``_unbroken_sides``); tests compare the two."""
    cols = mask[y0:y1, max(0, x - tol):x + tol + 1]
    if cols.size == 0:
        return False
    for j in np.flatnonzero(cols.mean(axis=0) >= FRAME_SIDE):
        white = np.flatnonzero(np.diff(np.concatenate(([1], cols[:, j].astype(np.int8), [1]))))
        if not white.size or int(np.max(white[1::2] - white[::2])) <= TOUCH:
            return True
    return False


def _column_sums(mask: np.ndarray, xs: np.ndarray, tol: int) -> tuple[np.ndarray, np.ndarray]:
    """The columns within ``tol`` px of any of ``xs`` (sorted) and, for each, its inked pixels above
    each row (a prefix sum, shape (H + 1, len(columns))): a column's ink between two rows in O(1)."""
    H, W = mask.shape
    near = np.zeros(W + 1, np.int32)
    np.add.at(near, np.clip(xs - tol, 0, W), 1)
    np.add.at(near, np.clip(xs + tol + 1, 0, W), -1)
    cols = np.flatnonzero(np.cumsum(near[:W]) > 0)
    sums = np.zeros((H + 1, cols.size), np.int32)
    np.cumsum(mask[:, cols], axis=0, out=sums[1:])
    return cols, sums


def _sides(cols: np.ndarray, sums: np.ndarray, x: int, y0: int, y1s: np.ndarray, tol: int) -> np.ndarray:
    """``_side`` for one column ``x`` and top ``y0`` and many bottoms ``y1s`` at once, from ``_column_sums``:
    the same shares (whole counts over whole heights), so the same answers."""
    lo, hi = np.searchsorted(cols, [max(0, x - tol), x + tol + 1])
    inked = sums[y1s, lo:hi] - sums[y0, lo:hi]
    return (inked / (y1s - y0)[:, None]).max(axis=1) >= FRAME_SIDE


def _gap_sums(mask: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """For the columns ``cols``: how many white runs of ``TOUCH + 1`` px start above each row (a prefix
    sum, shape (H + 1, len(cols))), so whether a column is unbroken between two rows is O(1)."""
    H = mask.shape[0]
    span = TOUCH + 1
    white = np.zeros((H + 1, cols.size), np.int32)
    np.cumsum(~mask[:, cols], axis=0, out=white[1:])
    starts = np.zeros((H, cols.size), np.int32)
    if H >= span:
        starts[:H - span + 1] = (white[span:] - white[:-span]) == span
    gaps = np.zeros((H + 1, cols.size), np.int32)
    np.cumsum(starts, axis=0, out=gaps[1:])
    return gaps


def _unbroken_sides(cols: np.ndarray, sums: np.ndarray, gaps: np.ndarray, x: int, y0: int, y1s: np.ndarray,
                    tol: int) -> np.ndarray:
    """``_side`` itself for one column ``x``, top ``y0`` and many bottoms ``y1s`` at once: some column near
    ``x`` inked along ``FRAME_SIDE`` of the height with no white run longer than ``TOUCH`` in it."""
    lo, hi = np.searchsorted(cols, [max(0, x - tol), x + tol + 1])
    inked = (sums[y1s, lo:hi] - sums[y0, lo:hi]) / (y1s - y0)[:, None] >= FRAME_SIDE
    last = np.maximum(y1s - TOUCH, y0)  # a white run of TOUCH + 1 px inside [y0, y1) starts before y1 - TOUCH
    broken = (gaps[last, lo:hi] - gaps[y0, lo:hi]) > 0
    return (inked & ~broken).any(axis=1)


CHUNK = 256  # bottoms tried at once, farthest first


def frames(mask: np.ndarray) -> list[Box]:
    """The outermost rectangular frames of plot size, not nested in one another.

    A frame is a long horizontal run (its top) with a later one (its bottom) starting and ending
    within ``tol`` of it, joined by inked columns at both ends; of the bottoms, the farthest (gridlines
    nest inside).  Images with thousands of long runs (bright bands of MRI time series, h187:
    8,767 runs, 6.4 million aligned pairs) made the pairwise column means take over 40 minutes;
    the bottoms are now tried farthest first, a chunk at a time, on prefix sums of the columns."""
    H, W = mask.shape
    runs = _long_runs(mask, max(40, int(FRAME_MIN * W)))
    tol = max(6, W // 100)
    found: list[Box] = []
    if not runs:
        return found
    ys, xa, xb = (np.array(v, dtype=np.int64) for v in zip(*runs))
    cols, sums = _column_sums(mask, np.unique(np.concatenate([xa, xb - 1])), tol)
    gaps = _gap_sums(mask, cols)
    for i, (yt, a, b) in enumerate(runs):
        short = (STACK_MIN if b - a >= STACK_WIDE * W else FRAME_MIN) * H  # stacked wide plots may be short
        later = slice(i + 1, None)
        cand = np.flatnonzero((ys[later] - yt >= max(30, short)) & (np.abs(xa[later] - a) <= tol) &
                              (np.abs(xb[later] - b) <= tol)) + i + 1
        best = None
        for end in range(cand.size, 0, -CHUNK):
            j = cand[max(0, end - CHUNK):end]
            ok = np.flatnonzero(_unbroken_sides(cols, sums, gaps, a, yt, ys[j], tol) &
                                _unbroken_sides(cols, sums, gaps, b - 1, yt, ys[j], tol))
            if ok.size:
                k = int(j[ok[-1]])
                best = (min(a, int(xa[k])), yt, max(b, int(xb[k])), int(ys[k]) + 1)  # the farthest bottom
                break
        if best:
            found.append(best)

    def inside(p: Box, q: Box) -> bool:
        return p != q and p[0] >= q[0] - 3 and p[1] >= q[1] - 3 and p[2] <= q[2] + 3 and p[3] <= q[3] + 3

    # Largest first: a frame line of several px gives one frame per px row, each "inside" the others
    # within the 3 px leeway; only the first of them is kept (h181: before, all of them were dropped).
    outer: list[Box] = []
    for f in sorted(set(found), key=lambda f: (-(f[2] - f[0]) * (f[3] - f[1]), f[1], f[0])):
        if not any(inside(f, g) for g in outer):
            outer.append(f)
    return sorted(outer, key=lambda f: (f[1], f[0]))


def frame_cells(mask: np.ndarray) -> list[Box] | None:
    """The cells of a figure of two or more alike framed plots apart from one another, each frame
    with the white space and text above and left of it up to the previous frame (titles, tick labels,
    a y-axis title) and, in the last row or column, to the figure's edge; None when there is no such layout."""
    from figdex.models.grid_panels import EQUAL  # (grid_panels imports this module after defining it)

    H, W = mask.shape
    fs = frames(mask)
    if len(fs) < 2:
        return None
    area = max((f[2] - f[0]) * (f[3] - f[1]) for f in fs)
    main = [f for f in fs if (f[2] - f[0]) * (f[3] - f[1]) >= FRAME_MAIN * area]
    if len(main) < 2:
        return None
    ws, hs = [f[2] - f[0] for f in main], [f[3] - f[1] for f in main]
    if max(ws) > EQUAL * min(ws) or max(hs) > EQUAL * min(hs):
        return None
    whole = content_box(mask, (0, 0, W, H))
    if whole is None or sum(w * h for w, h in zip(ws, hs)) < FRAME_COVER * (whole[2] - whole[0]) * (whole[3] - whole[1]):
        return None  # insets inside one plot, not the figure's plots
    for i, p in enumerate(main):  # apart: frames sharing an edge are one faceted plot
        for q in main[i + 1:]:
            if p[0] < q[2] + 3 and q[0] < p[2] + 3 and p[1] < q[3] + 3 and q[1] < p[3] + 3:
                return None
    # Rows: frames overlapping vertically; a grid has as many frames in every row.
    rows: list[list[Box]] = []
    for f in main:
        if rows and f[1] < rows[-1][0][3] and f[3] > rows[-1][0][1]:
            rows[-1].append(f)
        else:
            rows.append([f])
    rows = [sorted(r) for r in rows]
    cells: list[Box] = []
    for ri, row in enumerate(rows):
        top = 0 if ri == 0 else max(f[3] for f in rows[ri - 1])
        bottom = H if ri == len(rows) - 1 else min(f[1] for f in rows[ri + 1])
        bottom = max(bottom, max(f[3] for f in row))
        for ci, f in enumerate(row):
            left = 0 if ci == 0 else row[ci - 1][2]
            # The last frame of a short row (seven plots in rows of two, h191: Autocal Fig. 6 of 12n)
            # ends where the next column's frames begin in the other rows, not at the figure's edge.
            right = row[ci + 1][0] if ci < len(row) - 1 else min((g[0] for g in main if g[0] >= f[2]), default=W)
            # Below the frame: tick labels and an x-axis title belong to it only in the last row,
            # else the space up to the next row's frames goes to that row (its titles).
            y1 = bottom if ri == len(rows) - 1 else f[3]
            cell = content_box(mask, (left, top, right, y1))
            if cell is not None:
                cells.append(cell)
    return cells if len(cells) >= 2 else None


# Small framed plots in a grid (h205, fresh-2026-12o: cfriedline gypsy moth Fig. 3, 3 x 5 seaborn violin
# plots, each frame 141 px of 1500, 0.094 < FRAME_MIN): the white columns between the plots are filled by the
# next plot's y tick labels, so the grid rules cut only at the widest gutters (2 columns of 1 and 4 plots),
# and the frames are too narrow for ``frames`` on the whole figure.  Looked for inside each cell of a grid
# found, the frames are of plot size there; where every cell holds frames of one size and some hold several,
# the frames are the plots: each cell is cut at its frames' right edges (a frame's tick labels are on its left).
HOLLOW = 0.6  # a plot's frame is mostly paper inside: at most this share inked (a bar of a bar chart is filled)


def _hollow(mask: np.ndarray, f: Box) -> bool:
    inner = mask[f[1] + 3:f[3] - 3, f[0] + 3:f[2] - 3]
    return inner.size > 0 and float(inner.mean()) <= HOLLOW


def frames_within(mask: np.ndarray, cells: list[Box]) -> list[Box] | None:
    """``cells`` with each one that holds several framed plots side by side cut into them, each from the
    previous frame's right edge (the cell's left for the first) to its own frame's right edge (the cell's
    right for the last); None unless every cell holds at least one hollow frame of the cell's height
    (``FILL``), all frames of the grid alike (``EQUAL``) and apart, and some cell holds two or more."""
    from figdex.models.grid_panels import EQUAL, FILL

    found: list[list[Box]] = []
    for x0, y0, x1, y1 in cells:
        fs = [(a + x0, b + y0, c + x0, d + y0) for a, b, c, d in frames(mask[y0:y1, x0:x1])]
        if fs:
            big = max((f[2] - f[0]) * (f[3] - f[1]) for f in fs)
            fs = [f for f in fs if (f[2] - f[0]) * (f[3] - f[1]) >= FRAME_MAIN * big]  # legends aside
        if not fs or any(f[3] - f[1] < FILL * (y1 - y0) or not _hollow(mask, f) for f in fs):
            return None
        fs.sort()
        if any(q[0] < p[2] + 3 or q[1] >= p[3] or p[1] >= q[3] for p, q in zip(fs, fs[1:])):
            return None  # touching or overlapping frames, or frames one above another: not a row of plots
        found.append(fs)
    every = [f for fs in found for f in fs]
    ws, hs = [f[2] - f[0] for f in every], [f[3] - f[1] for f in every]
    if len(every) <= len(cells) or max(ws) > EQUAL * min(ws) or max(hs) > EQUAL * min(hs):
        return None
    out: list[Box] = []
    for (x0, y0, x1, y1), fs in zip(cells, found):
        if len(fs) == 1:
            out.append((x0, y0, x1, y1))
            continue
        for j, f in enumerate(fs):
            left = x0 if j == 0 else fs[j - 1][2]
            right = x1 if j == len(fs) - 1 else f[2]
            part = content_box(mask, (left, y0, right, y1))
            if part is None:
                return None
            out.append(part)
    return out
