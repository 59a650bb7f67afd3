"""Where a found bar ends and how long it is: its end pixels by their coverage, ruler ticks (├──┤ with
short or tall ticks, ┼──┼ crossing a thin line), and the ground a grey cut ran on over (split out of
models/scalebars.py, which finds the candidate bars and pairs them with their labels)."""

from __future__ import annotations

import numpy as np

from figdex.models.bar_markers import marker_centres


def measure_bar(colour: np.ndarray, mask: np.ndarray, x0: int, x1: int, top: int, bottom: int,
                ticks: bool = True) -> tuple[float, bool]:
    """The bar's length to a fraction of a pixel, the gold's rule (eval/separation_gold_README.md):
    whole pixels inside plus the coverage of the end pixels, (colour - background) over (bar -
    background) along the body rows; from end-tick centre to end-tick centre where the bar has
    ticks (├────┤), or end marks (●────●, bar_markers)."""
    if ticks:
        # ●────● or ■────■: end marks wider than a tick, measured between their centres as ticks are.
        ticks = _tick_centres(colour, mask, x0, x1, top, bottom) or marker_centres(colour, mask, x0, x1, top, bottom)
    else:
        ticks = None
    if ticks is not None:
        return round(ticks[1] - ticks[0], 1), True
    if x1 - x0 < 4:
        return float(x1 - x0), False
    rows = colour[top:bottom].mean(axis=0)  # (W, channels)
    bar = np.median(rows[x0 + 1:x1 - 1], axis=0)
    length = float(x1 - x0 - 4)
    for inside, step in ((x0, -1), (x1 - 1, 1)):
        length += _end_cover(rows, bar, inside, step)
    return round(length, 1), False


def ground_ends(gray: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> tuple[int, int]:
    """The stack's columns without those at either end that are ground, not bar: a column whose bar
    rows are as grey as the rows 1-2 px beside them (within 0.3 of the bar's median contrast to its
    sides) and off the bar's own grey (by more than that).  Searched outward from the middle third,
    each end stopping at the first ground column, so a bar that runs into content of its own colour
    (a tick, a frame, a white panel edge) keeps it; only the outer third of each end may go."""
    H = gray.shape[0]
    n = x1 - x0
    if n < 12:
        return x0, x1
    rows = gray[top:bottom, x0:x1].mean(axis=0)
    side_rows = [r for r in (top - 2, top - 1, bottom, bottom + 1) if 0 <= r < H]
    if not side_rows:
        return x0, x1
    sides = gray[side_rows, x0:x1].mean(axis=0)
    contrast = np.abs(rows - sides)
    middle = slice(n // 3, n - n // 3)
    ref, bar = float(np.median(contrast[middle])), float(np.median(rows[middle]))
    if ref < 25:
        return x0, x1
    # The last two columns, off the bar's grey away from its ground's, are a ruler's end tick (Zeiss draws
    # a black tick through a grey line, as dark beside the line as on it): bar, not ground.
    beyond = (rows - bar) * (float(np.median(sides[middle])) - bar) < 0
    beyond[2:n - 2] = False
    ground = (contrast < 0.3 * ref) & (np.abs(rows - bar) > 0.3 * ref) & ~beyond
    left = next((i for i in range(n // 3 - 1, -1, -1) if ground[i]), -1)
    right = next((i for i in range(n - n // 3, n) if ground[i]), n)
    return x0 + left + 1, x0 + right


def _end_cover(rows: np.ndarray, bar: np.ndarray, inside: int, step: int) -> float:
    """How many pixels of one end are ink: the stack's last two pixels and the two beyond it, each by
    its coverage (its colour projected between the background's and the bar's).  A cut at one grey
    level may stop a pixel short of a blurred end or a pixel past it; the coverage does not care.
    The background: of the pixels 3-4 px out, the one farther from the bar's colour (the nearer one
    may be a frame, a tick or a bright particle the bar runs into).  Past the panel's edge, or where
    the end runs into content of the bar's own colour, the stack's edge is all there is."""
    W = rows.shape[0]
    out = [x for x in (inside + 2 * step, inside + 3 * step, inside + 4 * step) if 0 <= x < W]
    if not out or not 0 <= inside + 2 * step < W:
        return 2.0
    bg = max((rows[x] for x in out), key=lambda c: float(np.linalg.norm(c - bar)))
    axis = bar - bg
    reach2 = float(axis @ axis)
    if reach2 < 25 ** 2:
        return 2.0
    cover = np.clip([(rows[inside + k * step] - bg) @ axis / reach2 for k in (-1, 0, 1, 2)], 0.0, 1.0)
    # The pixel inside the end pixel is whole unless clearly partly covered (noise on a solid bar).
    total = 1.0 if cover[0] > 0.8 else float(cover[0])
    total += float(cover[1])
    # Beyond the stack: only a tail that fades out from the end, not the next thing along the row.
    if cover[2] <= cover[1] + 0.05:
        total += float(cover[2])
        if cover[3] <= cover[2] + 0.05 and cover[2] > 0.15:
            total += float(cover[3])
    return total


def _tick_centres(colour: np.ndarray, mask: np.ndarray, x0: int, x1: int, top: int,
                  bottom: int) -> tuple[float, float] | None:
    """Centres of the end ticks of a ruler-style bar: a column or two at each end whose mask runs on
    3 px or more, but not much further, on the same side of the body (above, below or both), with no
    column between them doing so (in a texture, dark columns rise anywhere; a frame's sides run on
    past the label).  Each centre is the tick rows' coverage-weighted column, so a tick that
    straddles two pixels is found between them.  (Wider ticks on one side, as TVIPS draws them, are
    not ticks here: the instrument's ruler is as long as its outer ends.)"""
    H = mask.shape[0]
    reach = 3
    longest = max(8, 2 * (bottom - top) + 4)  # a tick is short; a frame's side is not
    if x1 - x0 < 10:
        return None
    longest = max(longest, _tall_ticks(mask, x0, x1, top, bottom))

    def rising(x: int, short: bool = False) -> tuple[bool, bool]:
        up = mask[max(0, top - reach):top, x]
        down = mask[bottom:min(H, bottom + reach), x]
        up_ok = up.size == reach and bool(up.all())
        down_ok = down.size == reach and bool(down.all())
        if short:
            up_ok = up_ok and not mask[max(0, top - longest - 1):top, x].all()
            down_ok = down_ok and not mask[bottom:bottom + longest + 1, x].all()
        return up_ok, down_ok

    # A crossing tick drawn with the line's own pen (an I-beam ├┤ under a JPEG'd SEM: an 8-row line, 8-px
    # ticks) is as wide as the line is thick, a cut's row either way; the end columns looked at grow so.
    # Only where the end columns leave half the ruler between them (a short thick bar's ends are not ticks).
    end = 4 if x1 - x0 < 4 * (bottom - top + 1) else max(4, bottom - top + 1)
    ends = {}
    for name, xs in (("left", range(x0, x0 + end)), ("right", range(x1 - end, x1))):
        if any(rising(x) != rising(x, short=True) for x in xs):
            return None  # a side running on past a tick's height: a frame or a texture
        ends[name] = [(x, r) for x in xs for r in [rising(x)] if r[0] or r[1]]
    # A tick crossing the line (rising above and below it: Zeiss SmartSEM's 4-px ┼, a label box's 3-px
    # ┼) may be up to 4 columns wide (``end`` for a thick line's) and is measured at its centre; a
    # one-sided one is 1-2 columns.
    widest = {name: end if all(r == (True, True) for _, r in cols) else 2 for name, cols in ends.items()}
    if not ends["left"] or not ends["right"] or len(ends["left"]) > widest["left"] or \
            len(ends["right"]) > widest["right"]:
        return None
    sides = {r for _, r in ends["left"]} & {r for _, r in ends["right"]}
    if not sides or any(any(rising(x)) for x in range(x0 + end, x1 - end)):
        return None
    up, down = next(iter(sides))
    if _closes_a_box(mask, x0, x1, top, bottom, ends["left"][0][0], up):
        return None
    rows = slice(top - reach, top) if up else slice(bottom, bottom + reach)
    profile = colour[rows].mean(axis=0)  # (W, channels): the tick rows, column by column
    bar = colour[top:bottom, x0 + 5:x1 - 5].reshape(-1, colour.shape[2]).mean(axis=0) \
        if x1 - x0 > 12 else colour[top:bottom, x0:x1].reshape(-1, colour.shape[2]).mean(axis=0)
    between = profile[ends["left"][-1][0] + 2:ends["right"][0][0] - 1]
    if not len(between):
        return None
    bg = np.median(between, axis=0)  # the tick rows between the ticks: ground (or a label's strokes)

    def centre(xs: list[int]) -> float:
        span = range(max(0, xs[0] - 1), min(colour.shape[1], xs[-1] + 2))
        axis = bar - bg
        reach2 = float(axis @ axis)
        if reach2 < 25 ** 2:
            return float(np.mean(xs))
        w = np.clip([(profile[x] - bg) @ axis / reach2 for x in span], 0.0, 1.0)
        return float(np.dot(w, list(span)) / w.sum()) if w.sum() > 0 else float(np.mean(xs))

    return centre([x for x, _ in ends["left"]]), centre([x for x, _ in ends["right"]])


def cross_ticks(gray: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> tuple[float, float] | None:
    """Tick centres of a small thin ruler whose end ticks cross the line by a pixel or so on both sides
    (a downscaled ┼──┼: 2-px line, ticks one row above and one below), else None.  Too short for
    ``_tick_centres`` (3 px past the line) and missed by the line mask, which stops at a tick's column.
    The ink is cut halfway between the line's grey and the ground 2 px beside it; a tick is one or two
    columns at each end (±1 px past the stack) inked in the rows just above and just below the line, no
    more than 3 px out, with those rows clear between the ticks."""
    H, W = gray.shape
    if bottom - top > 3 or x1 - x0 < 10 or top < 2 or bottom + 2 > H:
        return None
    # Only the pixels around the line are read: a window, not the whole image, per candidate (a big
    # figure has hundreds of thin candidates).  Coordinates below are the window's; the centres are shifted back.
    # A ruler printed on a panel's last (first) rows has fewer than 5 rows past it: the window's missing
    # rows repeat the image's edge row, ground there (a tick running into the edge reads as too tall).
    cx0 = max(0, x0 - 3)
    g = gray[max(0, top - 5):bottom + 5, cx0:min(W, x1 + 3)].astype(np.float64)
    g = np.pad(g, ((max(0, 5 - top), max(0, bottom + 5 - H)), (0, 0)), mode="edge")
    shift_x, W = cx0, g.shape[1]
    x0, x1, top, bottom = x0 - cx0, x1 - cx0, 5, 5 + bottom - top
    bar = float(np.median(g[top:bottom, x0 + 2:x1 - 2]))
    ground = float(np.median(g[[top - 2, bottom + 1], x0 + 2:x1 - 2]))
    if abs(bar - ground) < 40:
        return None
    sign = 1.0 if bar > ground else -1.0
    ink = sign * (g - (bar + ground) / 2) > 0

    def risen(x: int) -> bool:
        return bool(ink[top - 1, x] and ink[bottom, x]) and not (ink[top - 4:top, x].all() or
                                                                  ink[bottom:bottom + 4, x].all())

    left = [x for x in range(max(0, x0 - 1), x0 + 3) if risen(x)]
    right = [x for x in range(x1 - 3, min(W, x1 + 2)) if risen(x)]
    if not left or not right or left[-1] - left[0] > 1 or right[-1] - right[0] > 1:
        return None
    # Columns risen outward of the tick too: the inner edge of a wide end mark (■──■, ●──●; the line
    # mask stops at it), not a tick; bar_markers measures the mark on a grey cut, where it is whole.
    if (left[0] > 0 and risen(left[0] - 1)) or (right[-1] + 1 < W and risen(right[-1] + 1)):
        return None
    beside = ink[[top - 1, bottom], left[-1] + 2:right[0] - 1]
    if not beside.size or beside.mean() > 0.05:
        return None
    profile = g[[top - 1, bottom]].mean(axis=0)

    def centre(xs: list[int]) -> float:
        span = range(xs[0] - 1, min(W, xs[-1] + 2))
        w = np.clip([(profile[x] - ground) / (bar - ground) for x in span], 0.0, 1.0)
        return float(np.dot(w, list(span)) / w.sum()) + shift_x

    return centre(left), centre(right)


def _tall_ticks(mask: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> int:
    """The height of a ruler's end ticks where they are taller than a tick is taken to be (Zeiss SmartSEM
    draws ├──┤ with 13-px ticks on a 2-px line), else 0.  A frame's side runs on to the frame's other
    edge and turns there; a tall tick stops free: both ends have a column whose run, on the same side of
    the line, is as tall (±1 px), at most half the bar's length, and ends with nothing of the mask beside
    its last row or in the row past it (no corner), the tallest such pair's height."""
    H = mask.shape[0]
    limit = (x1 - x0) // 2

    def run(x: int, step: int) -> int:
        start = top - 1 if step < 0 else bottom
        n = 0
        while 0 <= start + n * step < H and n <= limit and mask[start + n * step, x]:
            n += 1
        if n < 3 or n > limit:
            return 0
        last, past = start + (n - 1) * step, start + n * step
        if 0 <= past < H and mask[past, max(0, x - 2):x + 3].any():
            return 0
        beside = [c for c in (x - 3, x - 2, x + 2, x + 3) if 0 <= c < mask.shape[1]]
        return 0 if mask[last, beside].sum() > 1 else n

    best = 0
    for step in (-1, 1):
        left = {run(x, step) for x in range(x0, min(x1, x0 + 4))} - {0}
        right = {run(x, step) for x in range(max(x0, x1 - 4), x1)} - {0}
        best = max([best] + [a for a in left for b in right if abs(a - b) <= 1])
    return best + 1 if best else 0


def _closes_a_box(mask: np.ndarray, x0: int, x1: int, top: int, bottom: int, x: int, up: bool) -> bool:
    """True where the "tick" at column ``x`` is the side of a rectangle outline: its column runs on to
    a row that holds the mask over nine tenths of the line's columns (the outline's other edge).  An
    outlined bar's edge rows are a line with a tick at each end; the bar is inside them."""
    H = mask.shape[0]
    step, y = (-1, top - 1) if up else (1, bottom)
    while 0 <= y < H and mask[y, x]:
        y += step
    last = y - step
    return last != (top - 1 if up else bottom) and bool(mask[last, x0:x1].mean() > 0.9)
