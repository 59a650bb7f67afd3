"""Rulers whose ends are marked by a dot or a square (●────●, ■────■) instead of a tick.

A line through two filled marks has its rows' runs from one mark's outer edge to the other's, so the
stack's ends are the marks' outer edges; ``_tick_centres`` (bar_ends) takes only 1-4 columns as an end
tick and leaves such a ruler measured outer edge to outer edge, a mark's width too long.  The length of
a ruler is taken between its end marks' centres (eval/separation_gold_README.md: end-tick centre to
end-tick centre), so each mark is found here and measured at its ink-weighted column.

A mark: at each end of the stack, a run of 3 or more adjacent columns where the mask rises above and
below the line (a mark crosses its line; one-sided ticks are ``_tick_centres``'), beginning within 2
columns of the stack's end (a dot's outermost column may not rise), about as tall as wide (a dot or a
square, not a frame's side or a block of text), the two of one width and height (±2 px or a third),
each rise ending free (under a quarter of the ruler), and the line clear of rises between them.
"""

from __future__ import annotations

import numpy as np

_FEWEST_COLUMNS = 3  # narrower end marks are ticks (bar_ends._tick_centres, cross_ticks)
_WIDEST = 16


def marker_centres(colour: np.ndarray, mask: np.ndarray, x0: int, x1: int, top: int,
                   bottom: int) -> tuple[float, float] | None:
    """Centres of the end marks (dots or squares crossing the line) of a ruler found as the stack
    (x0, x1, top, bottom) of ``mask`` (one grey cut; ``colour`` its image, H x W x channels), or None."""
    H = mask.shape[0]
    n = x1 - x0
    if n < 20 or top < 1 or bottom >= H:
        return None
    limit = max(3, n // 4)  # a mark is small beside its ruler; a rise running on is content or a frame
    widest = min(_WIDEST, n // 5)
    span = np.arange(x0, x1)
    up = _rise(mask[max(0, top - limit - 1):top][::-1, x0:x1])
    down = _rise(mask[bottom:bottom + limit + 1, x0:x1])
    if (up > limit).any() or (down > limit).any():
        return None
    rising = (up > 0) | (down > 0)
    marks = []
    for cols in (rising, rising[::-1]):
        first = next((i for i in range(3) if cols[i]), None)
        if first is None:
            return None
        width = next((i for i in range(first, len(cols)) if not cols[i]), len(cols)) - first
        end = first + width
        if not _FEWEST_COLUMNS <= width <= widest or cols[end:end + 3].any():
            return None
        marks.append((first, end))
    (la, lb), (ra, rb) = marks[0], (n - marks[1][1], n - marks[1][0])
    left_up, left_down = int(up[la:lb].max()), int(down[la:lb].max())
    right_up, right_down = int(up[ra:rb].max()), int(down[ra:rb].max())
    if min(left_up, left_down, right_up, right_down) < 1:
        return None  # a mark crosses its line
    wl, wr = lb - la, rb - ra
    hl, hr = left_up + left_down + bottom - top, right_up + right_down + bottom - top
    if abs(wl - wr) > max(2, wl // 3) or abs(hl - hr) > max(2, hl // 3):
        return None
    if not (0.5 * wl <= hl <= 2 * wl + 2):
        return None  # about as tall as wide: a dot or a square, not a flag or a post
    # A dot or a square is as tall on its outer half as on its inner; an arrowhead (◄────►) grows from
    # its tip inward: its rise is an arrow's, and the arrow runs tip to tip (left to measure_bar's ends).
    rise = up + down
    for a, b, outer_first in ((la, lb, True), (ra, rb, False)):
        half = (b - a) // 2
        outer, inner = rise[a:a + half].sum(), rise[b - half:b].sum()
        if not outer_first:
            outer, inner = inner, outer
        if outer < 0.6 * inner:
            return None
    if rising[lb + 3:ra - 3].any():
        return None  # a rise along the line: texture, text or an axis's ticks, not a marked ruler
    reach = max(left_up, right_up) if min(left_up, right_up) >= min(left_down, right_down) else 0
    rows = slice(top - reach, top) if reach else slice(bottom, bottom + max(left_down, right_down))
    profile = colour[rows, x0:x1].astype(np.float64).mean(axis=0)  # the mark rows, column by column
    bar = np.median(colour[top:bottom, x0 + lb:x0 + ra].reshape(-1, colour.shape[2]), axis=0).astype(np.float64)
    ground = np.median(profile[lb + 2:ra - 2], axis=0)
    axis = bar - ground
    reach2 = float(axis @ axis)
    if reach2 < 25 ** 2:
        return None

    def centre(a: int, b: int) -> float:
        xs = np.arange(max(0, a - 1), min(n, b + 1))
        w = np.clip((profile[xs] - ground) @ axis / reach2, 0.0, 1.0)
        return float(np.dot(w, span[xs]) / w.sum()) if w.sum() > 0 else float(span[a] + span[b - 1]) / 2

    return centre(la, lb), centre(ra, rb)


def _rise(band: np.ndarray) -> np.ndarray:
    """For each column of ``band`` (rows going away from the line), how many rows from the first are
    all mask: the height a mark stands off the line on that side."""
    if not band.shape[0]:
        return np.zeros(band.shape[1], int)
    off = ~band.astype(bool)
    first_off = np.where(off.any(axis=0), off.argmax(axis=0), band.shape[0])
    return first_off.astype(int)
