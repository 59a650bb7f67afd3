"""Thin bars that slope or step a row: follow the line's ink past the end of its row stack.

An anti-aliased 1-2 px line drawn a little off level (a render's scale bar, a resampled figure)
steps down a row every so many columns; the ink of each column is shared by two or three rows in
proportions that change along the line.  ``find_bars`` wants rows that each hold one run over the
same columns, so such a line comes out as the longest stretch over which its rows agree: 145 px
of a 208 px bar.  The gold (eval/scale_bars_held_out_4.tsv) counts a column as the bar's when its
ink summed over the line's rows is at least half the line's usual column ink; this follows the
line column by column on the same rule.
"""

from __future__ import annotations

import numpy as np

_HALF = 3  # rows either side of the line's centre that a column's ink is summed over
_MIN_REACH = 40  # grey levels between the ground and the line: fainter lines are not followed
_MAX_THICKNESS = 3
_DRIFT = 12  # rows a line may step away from its stack's rows while it is followed


def trace_line(gray: np.ndarray, x0: int, x1: int, top: int, bottom: int,
               polarity: str) -> tuple[tuple[int, int, int, int], float] | None:
    """The box (x0, y0, x1, y1; x1, y1 exclusive) and length of the thin line whose row stack is
    ``gray[top:bottom, x0:x1]``, followed column by column past the stack's ends; None when the
    line is not thin, the ground around it is not flat, or it ends where its stack ends (±1 px:
    the stack's own measure is the better one there).

    A column belongs to the line while the ink over the 7 rows around the line's centre is between
    half and 1.6 times the line's median column ink, the outer rows of that window are clear (a
    thin line, not a blob or a second line beside it) and the ink's centre moves at most a pixel
    from the column before.  The length is the whole columns inside plus the coverage (column ink
    over the median) of each end column and of the fading column beyond it."""
    H, W = gray.shape
    if bottom - top > _MAX_THICKNESS or x1 - x0 < 20 or polarity not in ("dark", "light"):
        return None
    ground_rows = [r for r in (top - 4, top - 3, bottom + 2, bottom + 3) if 0 <= r < H]
    if len(ground_rows) < 4:
        return None
    ground = float(np.median(gray[ground_rows, x0:x1]))
    # One ground grey for the whole line: where the ground brightens or darkens along it (a TEM panel
    # running from 70 to 150 under a white bar), the ground at one end reads as ink and is followed.
    third = max(1, (x1 - x0) // 3)
    ends = [float(np.median(gray[ground_rows, a:a + third])) for a in (x0, x1 - third)]
    body = gray[top:bottom, x0:x1]
    ink = float(np.percentile(body.min(axis=0) if polarity == "dark" else body.max(axis=0),
                              10 if polarity == "dark" else 90))
    reach = ink - ground
    if abs(reach) < _MIN_REACH or (polarity == "dark") != (reach < 0):
        return None
    if abs(ends[0] - ends[1]) > 0.25 * abs(reach):
        return None
    # Most stacks end where their line does: nothing at either end to follow (checked cheaply first).
    near = gray[max(0, top - _HALF):min(H, bottom + _HALF),
                [x for x in (x0 - 2, x0 - 1, x1, x1 + 1) if 0 <= x < W]].astype(np.float32)
    if not ((near - ground) / reach >= 0.15).any():
        return None
    lo, hi = max(0, top - _HALF - _DRIFT), min(H, bottom + _HALF + _DRIFT)
    cover = np.clip((gray[lo:hi].astype(np.float32) - ground) / reach, 0.0, 1.0)  # rows lo..hi, every column
    centre0 = (top + bottom - 1) / 2 - lo
    sums = cover[max(0, int(round(centre0)) - _HALF):int(round(centre0)) + _HALF + 1, x0:x1].sum(axis=0)
    ref = float(np.median(sums))
    if ref < 0.5:
        return None

    def window(x: int, centre: float) -> tuple[np.ndarray, int] | None:
        c = int(round(centre))
        r0, r1 = c - _HALF, c + _HALF + 1
        if r0 < 0 or r1 > cover.shape[0]:  # the line drifted out of the rows looked at
            return None
        # Less this column's own ground (the 2 rows past either edge of the window): where the ground
        # brightens towards the bar's grey past its end, a ground column is not ink.
        beside = np.concatenate([cover[max(0, r0 - 2):r0, x], cover[r1:r1 + 2, x]])
        local = float(np.median(beside)) if beside.size else 0.0
        return np.clip(cover[r0:r1, x] - local, 0.0, 1.0), r0

    def centroid(col: np.ndarray, r0: int) -> float:
        return float(np.dot(col, np.arange(r0, r0 + len(col))) / col.sum())

    ends, rows_seen = [], [top - lo, bottom - 1 - lo]
    for start, step in ((x0, -1), (x1 - 1, 1)):
        got = window(start, centre0)
        if got is None or got[0].sum() <= 0:
            return None
        centre = centroid(*got)
        last, x, tail = start, start + step, 0.0
        while 0 <= x < W:
            got = window(x, centre)
            if got is None:
                break
            col, r0 = got
            s = float(col.sum())
            if s < 0.5 * ref:
                tail = s / ref if s > 0.15 * ref else 0.0  # a fading end, not the next thing along
                break
            if s > 1.6 * ref or col[0] > 0.3 or col[-1] > 0.3:
                break  # a blob, a glyph or a second line: not the thin line going on
            c = centroid(col, r0)
            if abs(c - centre) > 1.0:
                break
            centre, last = c, x
            rows_seen += [r for r in range(r0, r0 + len(col)) if col[r - r0] >= 0.5]
            x += step
        got = window(last, centre)
        end_cover = min(1.0, float(got[0].sum()) / ref) if got is not None else 1.0
        ends.append((last, end_cover, tail))
    (left, lcov, ltail), (right, rcov, rtail) = ends
    if left >= x0 - 1 and right <= x1:
        return None  # the line ends where its stack does
    length = right - left - 1 + lcov + rcov + ltail + rtail
    box = (left, lo + min(rows_seen), right + 1, lo + max(rows_seen) + 1)
    return box, round(length, 1)


def bridge_overlay(mask: np.ndarray, overlay: np.ndarray, gap: int = 5) -> np.ndarray:
    """``mask`` with each gap of a row filled where the gap is at most ``gap`` px, has the mask on both
    sides and is all ``overlay`` (coloured pixels): a coloured line drawn across a bar breaks each of
    the bar's rows at a different column.  Gaps of the ground (not coloured), and coloured runs at a
    row's end or longer than ``gap``, stay: a bar next to coloured content does not grow into it."""
    if not (overlay & ~mask).any():
        return mask
    H, W = mask.shape
    padded = np.zeros((H, W + 2), np.int8)
    padded[:, 1:-1] = ~mask
    edges = np.diff(padded, axis=1)
    ys, xs = np.nonzero(edges)
    kinds = edges[ys, xs]
    starts_y, starts = ys[kinds == 1], xs[kinds == 1]
    ends = xs[kinds == -1]
    keep = (starts > 0) & (ends < W) & (ends - starts <= gap)
    if not keep.any():
        return mask
    y, a, b = starts_y[keep], starts[keep], ends[keep]
    coloured = np.ones(len(y), bool)
    for k in range(gap):  # every pixel of the gap (at most ``gap`` long) is coloured
        inside = a + k < b
        coloured[inside] &= overlay[y[inside], a[inside] + k]
    y, a, b = y[coloured], a[coloured], b[coloured]
    out = mask.copy()
    for k in range(gap):  # each bridged gap is at most ``gap`` long: fill its k-th pixel where it has one
        inside = a + k < b
        out[y[inside], a[inside] + k] = True
    return out
