"""Coloured bars: found by their hue where their brightness is the ground's, measured along their colour.

A red ruler on a blue-grey micrograph can have the ground's luminance to a grey level (gashaw's
screenshot: line 76, ground 76), and a cyan bar on a grey SEM image nearly so: the grey cuts do not
see them, and the grey checks of ``find_bars`` (both sides must differ in grey) threw the chroma
cut's stack away.  Here a coloured stack is held to colour distances, a thin line is found by how
much its hue differs from the rows 2 px above and below it (as ``_line_masks`` does for grey), and
a coloured bar is measured on its colour projected onto the axis from the ground's colour to the
bar's: a grey picture of that bar alone, in which its ends' coverage and its ruler ticks are read
as for a grey bar.
"""

from __future__ import annotations

import numpy as np

_CHROMA_LINE = 40  # chromatic difference to both rows 2 px off (about 0.8 of a max-min chroma step)
_REACH = 25  # least colour distance from the ground to the bar for a projection to mean anything
_WINDOW = 24  # rows above and below the line kept for ticks (bar_rulers: ticks up to 20 px)


def chroma_line_mask(rgb: np.ndarray) -> np.ndarray | None:
    """Pixels of a thin (1-3 px) line whose hue differs from the rows 2 px above and below it: the
    chromatic part of the colour difference (the difference less its grey component) over
    ``_CHROMA_LINE`` on both sides.  None where the image has no colour to speak of (a grey image
    saved as RGB: nothing to find, and not worth the arrays)."""
    c = rgb[..., :3].astype(np.int16)
    r, g, b = c[..., 0], c[..., 1], c[..., 2]  # channel by channel: max over a 3-long axis is numpy's slow path
    if c.shape[0] < 5 or int((np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)).max()) <= _CHROMA_LINE:
        return None
    a, b = c[..., 0] - c[..., 1], c[..., 1] - c[..., 2]  # opponent axes: grey is (0, 0)

    def off(shift: int) -> np.ndarray:
        da, db = np.zeros_like(a, np.int32), np.zeros_like(b, np.int32)
        if shift > 0:
            da[:-shift], db[:-shift] = a[:-shift] - a[shift:], b[:-shift] - b[shift:]
        else:
            da[-shift:], db[-shift:] = a[-shift:] - a[:shift], b[-shift:] - b[:shift]
        # |d|² less 3·mean(d)² = ((dR-dG)² + (dG-dB)² + (dB-dR)²) / 3
        return (da * da + db * db + (da + db) * (da + db)) // 3

    t2 = _CHROMA_LINE * _CHROMA_LINE
    return (off(2) > t2) & (off(-2) > t2)


def colour_sides(colour: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> tuple[float, list[float]]:
    """The colour distance of a stack's body to the rows 1-2 px above and below it: the mean over both
    (the contrast) and each side's alone."""
    H = colour.shape[0]
    body = colour[top:bottom, x0:x1].reshape(-1, colour.shape[2]).mean(axis=0)
    sides = [colour[max(0, top - 2):top, x0:x1], colour[bottom:min(H, bottom + 2), x0:x1]]
    dists = [np.linalg.norm(s.reshape(-1, colour.shape[2]) - body, axis=1) for s in sides if s.size]
    if not dists:
        return 0.0, []
    return float(np.concatenate(dists).mean()), [float(d.mean()) for d in dists]


def projected_window(colour: np.ndarray, x0: int, x1: int, top: int,
                     bottom: int) -> tuple[np.ndarray, tuple[int, int]] | None:
    """A grey picture (0 ground .. 255 bar) of the pixels around a coloured stack: each pixel's colour
    projected onto the axis from the ground's colour (the median of the rows 2-4 px above and below)
    to the bar's (the stack's median), or onto that axis's chromatic part where it is most of it,
    with the window's offset (row, column).  None when the two
    colours are too close for the projection to be read."""
    H, W = colour.shape[:2]
    r0, r1 = max(0, top - _WINDOW), min(H, bottom + _WINDOW)
    # Room to follow the bar past its stack: a hue line mask breaks where JPEG dulls a few columns, and
    # trace_line follows a line stepping a row.
    margin = max(6, x1 - x0)
    c0, c1 = max(0, x0 - margin), min(W, x1 + margin)
    win = colour[r0:r1, c0:c1].astype(np.float32)
    t, b = top - r0, bottom - r0
    ground_rows = [r for r in (t - 4, t - 3, b + 2, b + 3) if 0 <= r < win.shape[0]]
    if not ground_rows:
        return None
    ground = np.median(win[ground_rows, x0 - c0:x1 - c0].reshape(-1, win.shape[2]), axis=0)
    bar = np.median(win[t:b, x0 - c0:x1 - c0].reshape(-1, win.shape[2]), axis=0)
    axis = bar - ground
    # Mostly a hue step: its chromatic part alone, so the ground's grey texture (darker and lighter
    # grains of a micrograph) projects to nothing; the bar still projects to 1 (the grey part is
    # orthogonal to it).
    chromatic = axis - axis.mean()
    if float(chromatic @ chromatic) >= 0.25 * float(axis @ axis):
        axis = chromatic
    reach2 = float(axis @ axis)
    if reach2 < _REACH ** 2:
        return None
    proj = np.clip((win - ground) @ axis / reach2, -0.2, 1.2)
    return np.clip(proj * 255.0, 0, 255).astype(np.uint8), (r0, c0)


def measure_colour_bar(colour: np.ndarray, x0: int, x1: int, top: int,
                       bottom: int) -> tuple[tuple[int, int, int, int], float, bool] | None:
    """Box, length and whether it is a ruler, of a coloured stack, read on its projected window as a
    light bar on a dark ground is read (ends by coverage, ├──┤ and ┼──┼ ticks, a thin line followed
    where it steps a row); None when the projection cannot be read."""
    from figdex.models.bar_ends import cross_ticks, measure_bar
    from figdex.models.bar_trace import trace_line

    got = projected_window(colour, x0, x1, top, bottom)
    if got is None:
        return None
    g, (r0, c0) = got
    wx0, wx1, wt, wb = _extent(g, x0 - c0, x1 - c0, top - r0, bottom - r0)
    box = (wx0 + c0, wt + r0, wx1 + c0, wb + r0)
    length, ticked = measure_bar(g[..., None].astype(np.float32), g > 127, wx0, wx1, wt, wb)
    if not ticked:
        crossed = cross_ticks(g, wx0, wx1, wt, wb) or _profile_ticks(g, wx0, wx1, wt, wb)
        if crossed is not None:
            return box, round(crossed[1] - crossed[0], 1), True
        traced = trace_line(g, wx0, wx1, wt, wb, "light")
        if traced is not None:
            (a, b, c, d), length = traced
            box = (a + c0, b + r0, c + c0, d + r0)
    return box, length, ticked


def _extent(g: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> tuple[int, int, int, int]:
    """The stack grown to the bar's extent on its projection (over half ink): the rows whose median over
    the stack's columns is, then the columns whose mean over those rows is.  A hue line mask holds
    only the line's middle row where the line is blurred, and breaks where JPEG dulls a few columns."""
    H, W = g.shape
    half = 127
    thick = max(3, (x1 - x0) // 3)
    while top > 0 and bottom - top < thick and np.median(g[top - 1, x0:x1]) > half:
        top -= 1
    while bottom < H and bottom - top < thick and np.median(g[bottom, x0:x1]) > half:
        bottom += 1
    cols = g[top:bottom].mean(axis=0)
    while x0 > 0 and cols[x0 - 1] > half:
        x0 -= 1
    while x1 < W and cols[x1] > half:
        x1 += 1
    return x0, x1, top, bottom


def _profile_ticks(g: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> tuple[float, float] | None:
    """Tick centres of a blurred ruler whose ticks rise 1-3 px off the line (too little for a cut's
    run of 3 px, and blurred into the rows beside it for ``cross_ticks``).  A side's profile: the ink
    of the 3 rows above (or below) the line, column by column, over its median along the line; for
    ticks crossing the line, the smaller of the two sides' (a label or a particle touches one side).
    Each end's 3 columns in or 3 out must hold a peak of at least 0.2 of the projection's range, the
    columns between staying under a third of the smaller peak; each centre is weighted by the excess."""
    H, W = g.shape
    if x1 - x0 < 16 or top < 3 or bottom + 3 > H:
        return None
    inner = slice(x0 + 6, x1 - 6)

    def side(rows: slice) -> np.ndarray:
        profile = g[rows].astype(np.float32).mean(axis=0)
        return profile - float(np.median(profile[inner]))

    above, below = side(slice(top - 3, top)), side(slice(bottom, bottom + 3))
    left, right = range(max(0, x0 - 3), x0 + 4), range(x1 - 4, min(W, x1 + 3))
    for excess in (np.minimum(above, below), above, below):
        peaks = [max(excess[list(r)]) for r in (left, right)]
        if min(peaks) < 0.2 * 255 or excess[inner].max() > min(peaks) / 3:
            continue

        def centre(span: range) -> float:
            w = np.clip(excess[list(span)], 0.0, None)
            return float(np.dot(w, list(span)) / w.sum())

        return centre(left), centre(right)
    return None
