"""Rulers broken by their label: ├──── 20 µm ────┤, as FEI, Thermo and some JEOL databars draw them.

Each half is a flat run of its own, and each half alone reads as half the bar (the scale off by
2×).  Two runs on the same rows, of one mask, of about one length, with a gap between them and an
end tick at each outer end, are one ruler measured from tick centre to tick centre.  The ticks make
the join safe without OCR: two collinear runs in a picture rarely both end in a short upright
stroke on their outer ends.  (``scalebars.split_bars`` joins halves around a label OCR read; this
joins them where OCR missed the label or none was asked for.)
"""

from __future__ import annotations

import numpy as np

Stack = tuple[int, int, int, int]  # x0, x1 (exclusive), top, bottom (exclusive)

_TICK_TALLEST = 20  # px a tick may rise past the line on one side (FEI's 4 µm ruler: 15)
_TICK_WIDEST = 3  # columns of one tick (JPEG's FEI ticks: 3)


def join_rulers(gray: np.ndarray, mask: np.ndarray, stacks: list[Stack]) -> list[tuple[Stack, Stack, float]]:
    """(left half, right half, length from tick centre to tick centre) of each pair of ``stacks``
    that is one ruler cut by its label."""
    out = []
    for left, right, top, bottom in _pairs(stacks):
        ends = _end_ticks(gray, mask, left, right, top, bottom)
        if ends is not None:
            out.append((left, right, round(ends[1] - ends[0], 1)))
    return out


def join_line_rulers(gray: np.ndarray, stacks: list[Stack], polarity: str) -> list[tuple[Stack, Stack, float]]:
    """``join_rulers`` for the stacks of a thin-line mask (``scalebars._line_masks``: the line's own rows,
    no tick): each pair's ticks read in a cut of ``gray`` halfway between the line's grey and its
    ground's (``bar_gaps._ink_cut``).  A grey ruler under every cut (FEI's 129 on a black strip) with
    ticks of 2 rows or more was in no mask with its ticks."""
    from figdex.models.bar_gaps import _ink_cut

    out = []
    for left, right, top, bottom in _pairs(stacks):
        cut = _ink_cut(gray, left, right, top, bottom, polarity, rows=_TICK_TALLEST + 2)
        if cut is None:
            continue
        ink, r0, c0 = cut
        window = gray[r0:r0 + ink.shape[0], c0:c0 + ink.shape[1]]
        l, r = (left[0] - c0, left[1] - c0, left[2] - r0, left[3] - r0), \
            (right[0] - c0, right[1] - c0, right[2] - r0, right[3] - r0)
        ends = _end_ticks(window, ink, l, r, top - r0, bottom - r0)
        if ends is not None:
            out.append((left, right, round(ends[1] - ends[0], 1)))
    return out


def _pairs(stacks: list[Stack]):
    """(left, right, top, bottom) of each pair of stacks on the same rows (±1: JPEG) that may be the two
    halves of one ruler: of about one length, a gap of 4 px or more between them, at most half the
    whole."""
    by_rows: dict[tuple[int, int], list[Stack]] = {}
    for s in stacks:
        if s[3] - s[2] <= 5:
            by_rows.setdefault((s[2], s[3]), []).append(s)
    rows = list(by_rows)
    for key in rows:
        # The other half may have gained or lost a row at one cut (JPEG): rows ±1.
        others = [s for k in rows if abs(k[0] - key[0]) <= 1 and abs(k[1] - key[1]) <= 1 for s in by_rows[k]]
        for left in by_rows[key]:
            for right in others:
                gap = right[0] - left[1]
                total = right[1] - left[0]
                a, b = left[1] - left[0], right[1] - right[0]
                if gap < 4 or gap > 0.5 * total or min(a, b) < 0.6 * max(a, b):
                    continue
                yield left, right, min(left[2], right[2]), max(left[3], right[3])


def _end_ticks(gray: np.ndarray, mask: np.ndarray, left: Stack, right: Stack, top: int,
               bottom: int) -> tuple[float, float] | None:
    """Centres of the ticks at the outer ends of the two halves, or None unless both ends have one
    (the same way: up, down or both) and no column inside either half rises (a texture or text)."""
    H = mask.shape[0]

    def rise(x: int) -> tuple[int, int]:
        """How far the mask runs on up and down from the line in column x (0: not at all)."""
        up = down = 0
        while up < _TICK_TALLEST + 1 and top - up - 1 >= 0 and mask[top - up - 1, x]:
            up += 1
        while down < _TICK_TALLEST + 1 and bottom + down < H and mask[bottom + down, x]:
            down += 1
        return up, down

    def tick(xs: range) -> tuple[list[int], tuple[bool, bool]] | None:
        cols = [(x, rise(x)) for x in xs if 0 <= x < mask.shape[1]]
        risen = [(x, r) for x, r in cols if (r[0] >= 1 and r[1] >= 1) or max(r) >= 2]
        if not risen or len(risen) > _TICK_WIDEST or any(max(r) > _TICK_TALLEST for _, r in risen):
            return None
        xs_risen = [x for x, _ in risen]
        if xs_risen[-1] - xs_risen[0] + 1 != len(xs_risen):
            return None
        peak = max(risen, key=lambda xr: sum(xr[1]))[1]
        return xs_risen, (peak[0] > 0, peak[1] > 0)

    left_tick = tick(range(left[0] - 1, left[0] + 4))
    right_tick = tick(range(right[1] - 4, right[1] + 1))
    # A screenshot shrunk to a quarter leaves one 1-px tick a few grey levels over the ground, under
    # every cut: the column at the line's end that stands out over the other tick's rows is that tick.
    line = float(np.median(gray[top:bottom, left[0] + 4:left[1] - 1]))
    if left_tick is None and right_tick is not None:
        left_tick = _faint_tick(gray, mask, range(left[0] - 1, left[0] + 2), right_tick, rise, top, bottom, line)
    elif right_tick is None and left_tick is not None:
        right_tick = _faint_tick(gray, mask, range(right[1] - 2, right[1] + 1), left_tick, rise, top, bottom, line)
    if left_tick is None or right_tick is None or left_tick[1] != right_tick[1]:
        return None
    inner = list(range(left_tick[0][-1] + 2, left[1] - 1)) + list(range(right[0] + 1, right_tick[0][0] - 1))
    if any(r[0] >= 2 or r[1] >= 2 for r in map(rise, inner)):
        return None
    up, _ = left_tick[1]
    # The tick's own rows: as far as its tallest column runs on, on the side it rises.
    tall = max(max(rise(x)) for x in left_tick[0] + right_tick[0])
    tick_rows = slice(max(0, top - tall), top) if up else slice(bottom, min(H, bottom + tall))
    profile = gray[tick_rows].astype(np.float64).mean(axis=0)
    ground = float(np.median(profile[left_tick[0][-1] + 2:left[1] - 1]))
    if abs(line - ground) < 25:
        return None

    def centre(xs: list[int]) -> float:
        span = range(max(0, xs[0] - 1), min(gray.shape[1], xs[-1] + 2))
        w = np.clip([(profile[x] - ground) / (line - ground) for x in span], 0.0, 1.0)
        return float(np.dot(w, list(span)) / w.sum()) if w.sum() > 0 else float(np.mean(xs))

    return centre(left_tick[0]), centre(right_tick[0])


def _faint_tick(gray: np.ndarray, mask: np.ndarray, xs: range, other: tuple[list[int], tuple[bool, bool]],
                rise, top: int, bottom: int, line: float) -> tuple[list[int], tuple[bool, bool]] | None:
    """The end tick no cut sees, matched to the ``other`` end's tick: one column of ``xs`` whose grey over
    the rows the other tick runs on (off the line) stands out from the columns 2-3 px either side of
    it by 8 grey levels or more, on every such row, towards the line's grey, while neither of its
    neighbours does.  None when no column or more than one does (texture, a glyph)."""
    H, W = gray.shape
    up = max(rise(x)[0] for x in other[0])
    down = max(rise(x)[1] for x in other[0])
    rows = list(range(max(0, top - up), top)) + list(range(bottom, min(H, bottom + down)))
    if len(rows) < 4:
        return None
    if xs.start < 3 or xs.stop + 3 > W:
        return None
    g = gray[rows, xs.start - 3:xs.stop + 3].astype(np.int16)  # those rows, the columns looked at

    def stands_out(x: int) -> bool:
        i = x - xs.start + 3
        ground = np.median(g[:, [i - 3, i - 2, i + 2, i + 3]], axis=1)
        step = g[:, i] - ground
        sign = 1 if line > float(np.median(ground)) else -1
        return bool((sign * step >= 8).all())

    hits = [x for x in xs if stands_out(x)]
    if len(hits) != 1 or mask[rows, hits[0]].any():
        return None  # a tick a cut sees is found by ``tick``; two columns are not one thin tick
    return [hits[0]], other[1]


def gap_labels(image: np.ndarray, bars: list, text_boxes: list, ocr, most: int = 2) -> list:
    """TextBoxes read from the gaps of the best broken rulers (``Bar.gap``) that no text box covers:
    the text detector misses a label squeezed between the two halves of a line (FEI's "10 µm"), and
    without it the ruler has no length.  The crop: the gap's columns, and the rows around the line
    that hold ink in them."""
    from figdex.models.ocr import TextBox
    from figdex.models.panel_labels import to_gray

    gray = to_gray(image).astype(np.int16)
    out = []
    broken = sorted((b for b in bars if b.gap is not None and b.orientation == "horizontal"), key=lambda b: -b.score)
    for bar in broken[:most]:
        gx0, gx1 = bar.gap
        _, top, _, bottom = bar.box
        if any(tb.box[0] < gx1 and tb.box[2] > gx0 and tb.box[1] < bottom and tb.box[3] > top for tb in text_boxes):
            continue  # read already
        cols = gray[:, gx0 + 1:gx1 - 1]
        if cols.shape[1] < 4:
            continue
        ground = float(np.median(cols[top:bottom]))
        ink = (np.abs(cols - ground) > 60).any(axis=1)
        y0, y1 = top, bottom
        limit = gx1 - gx0  # a label is not taller than the gap is wide
        while y0 > 0 and ink[y0 - 1] and bottom - y0 < limit:
            y0 -= 1
        while y1 < len(ink) and ink[y1] and y1 - top < limit:
            y1 += 1
        if not ink[top:bottom].any() or y1 - y0 < 6:
            continue
        y0, y1 = max(0, y0 - 3), min(gray.shape[0], y1 + 3)
        read = ocr.recognise(np.ascontiguousarray(image[y0:y1, gx0:gx1]))
        if read is not None and read.text.strip():
            out.append(TextBox((gx0, y0, gx1, y1), read.text, read.confidence))
    return out


def side_labels(image: np.ndarray, bars: list, ocr, most: int = 3) -> list:
    """(bar, TextBox) for each of the best upright bars with a label read beside it, turned to lie
    level: an upright bar's label runs up or down beside it ("5 cm" along a vertical bar), and the
    text detector reads only level lines.  The crop: the columns of ink next to the bar (1 to 4 px
    from it: text does not touch its bar), over the bar's rows; read turned both ways, the reading
    that parses as a length is kept."""
    from figdex.models.ocr import TextBox
    from figdex.models.panel_labels import to_gray
    from figdex.models.scale_text import parse_scale_label

    gray = to_gray(image).astype(np.int16)
    H, W = gray.shape
    out = []
    upright = sorted((b for b in bars if b.orientation == "vertical"), key=lambda b: -b.score)
    for bar in upright[:most]:
        x0, y0, x1, y1 = bar.box
        reach = max(8, int(0.6 * (y1 - y0)))
        for side in (1, -1):
            start = x1 if side == 1 else x0 - 1
            cols = range(start, min(W, start + reach) if side == 1 else max(-1, start - reach), side)
            strip = gray[y0:y1]
            ground = float(np.median(strip[:, [c for c in cols]])) if len(cols) else 0.0
            ink = [bool((np.abs(strip[:, c] - ground) > 60).any()) for c in cols]
            first = next((i for i, v in enumerate(ink) if v), None)
            if first is None or not 1 <= first <= 4:
                continue
            last = first
            while last + 1 < len(ink) and ink[last + 1]:
                last += 1
            a, b = sorted((cols[first], cols[last]))
            a, b = max(0, a - 3), min(W, b + 4)
            if b - a < 6:
                continue
            crop = np.ascontiguousarray(image[y0:y1, a:b])
            best = None
            for turned in (np.rot90(crop, k=-1), np.rot90(crop, k=1)):
                read = ocr.recognise(np.ascontiguousarray(turned))
                if read is not None and parse_scale_label(read.text, read.confidence) is not None:
                    if best is None or read.confidence > best.confidence:
                        best = read
            if best is not None:
                out.append((bar, TextBox((a, y0, b, y1), best.text, best.confidence)))
                break
    return out


def struck_labels(image: np.ndarray, bars: list, text_boxes: list, ocr, most: int = 2) -> list:
    """TextBoxes read where a level line runs through its own label (FEI's "──2 µm──" with the line across the
    glyphs' middle): the text detector sees no text there, and the line, unbroken, has no gap to read.  The
    label's glyphs stand out of the line on both sides over a run of columns away from its ends; those columns
    are cropped with the glyphs' rows, the line wiped out (each line row takes the darker, for a light line, of
    the rows just above and below it, so that strokes crossing it stay whole), and read.  Kept only when the
    reading is a length."""
    from figdex.models.ocr import TextBox
    from figdex.models.panel_labels import to_gray
    from figdex.models.scale_text import parse_scale_label

    gray = to_gray(image).astype(np.int16)
    H, W = gray.shape
    out = []
    level = sorted((b for b in bars if b.orientation == "horizontal" and b.gap is None and b.length_px >= 40),
                   key=lambda b: (-b.score, -b.length_px))
    for bar in level:
        if len(out) >= most:
            break
        x0, top, x1, bottom = bar.box
        if any(tb.box[0] < x1 and tb.box[2] > x0 and tb.box[1] <= bottom and tb.box[3] >= top for tb in text_boxes):
            continue  # a label over or on it was read already
        rows = _line_rows(gray, x0, x1, top, bottom)
        if rows is None:
            continue
        lt, lb = rows  # the line's first and last row
        ground = float(np.median(np.concatenate([gray[max(0, lt - 8):lt - 3, x0:x1].ravel(),
                                                 gray[lb + 4:min(H, lb + 9), x0:x1].ravel()])))
        line = float(np.median(gray[lt:lb + 1, x0:x1]))
        if abs(line - ground) < 60 or lt < 3 or lb + 3 >= H:
            continue
        ink = np.abs(gray - ground) > 60
        up, down = ink[lt - 3:lt - 1, x0:x1].any(axis=0), ink[lb + 2:lb + 4, x0:x1].any(axis=0)
        margin = max(6, int(0.04 * (x1 - x0)))
        cols = [x0 + i for i in np.flatnonzero(up | down) if margin <= i < x1 - x0 - margin]
        run = _widest_run(cols, 12)
        if run is None or run[1] - run[0] < 8 or not up[run[0] - x0:run[1] - x0].any() or \
                not down[run[0] - x0:run[1] - x0].any():
            continue
        c0, c1 = max(0, run[0] - 4), min(W, run[1] + 5)
        y0, y1 = lt, lb + 1
        while y0 > 0 and ink[y0 - 1, c0:c1].any() and lb - y0 < c1 - c0:
            y0 -= 1
        while y1 < H and ink[y1, c0:c1].any() and y1 - lt < c1 - c0:
            y1 += 1
        if lt - y0 < 3 or y1 - lb < 3:
            continue
        y0, y1 = max(0, y0 - 3), min(H, y1 + 3)
        crop = np.array(image[y0:y1, c0:c1])
        pick = np.minimum if line > ground else np.maximum
        crop[lt - y0:lb + 1 - y0] = pick(image[lt - 1, c0:c1], image[lb + 1, c0:c1])
        read = ocr.recognise(np.ascontiguousarray(crop))
        if read is not None and parse_scale_label(read.text, read.confidence) is not None:
            out.append(TextBox((int(c0), int(y0), int(c1), int(y1)), read.text, read.confidence))
    return out


def _line_rows(gray: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> tuple[int, int] | None:
    """The first and last row of a level line around rows top..bottom: rows whose median over the columns
    stays with the line's (antialiased edges included), at most 8 rows either way."""
    middle = (top + bottom) // 2
    value = float(np.median(gray[middle, x0:x1]))
    lt = lb = middle
    while lt - 1 >= 0 and middle - lt < 8 and abs(float(np.median(gray[lt - 1, x0:x1])) - value) < 60:
        lt -= 1
    while lb + 1 < gray.shape[0] and lb - middle < 8 and abs(float(np.median(gray[lb + 1, x0:x1])) - value) < 60:
        lb += 1
    return (lt, lb) if lb - lt < 12 else None


def _widest_run(cols: list, join: int) -> tuple[int, int] | None:
    """(first, last + 1) of the run of ``cols`` with the most columns, gaps up to ``join`` bridged."""
    runs, start, prev = [], None, None
    for c in cols:
        if start is None or c - prev > join:
            if start is not None:
                runs.append((start, prev + 1))
            start = c
        prev = c
    if start is not None:
        runs.append((start, prev + 1))
    return max(runs, key=lambda r: sum(r[0] <= c < r[1] for c in cols)) if runs else None
