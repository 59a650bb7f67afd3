"""The SEM data line: one line of white text drawn over (or under) the image's bottom rows, with no
databar table ("SU8600 15.00kV 8.1mm x500 UD 03/15/2024 15:34" and, to its right, a ruler of evenly
spaced upright ticks with its label "100µm" beside or under it; Hitachi SU and TM SEMs).

Three things stand in the way of ``read_scale`` there, each met here in general form:

- the full-image text detector may find no text on the line (small white glyphs over a busy picture):
  the image's bottom band is detected again, its glyphs enlarged to ``_TEXT_ROWS`` rows (and the ruler's
  surroundings alone, where the band's detection has no label by the ruler);
- the recogniser's angle classifier may turn the label over ("100µm" read as 'wurool'): the label's box
  is recognised again, upright, from a crop with a margin around it (which keeps µ and the digits);
- the ticks stand on textured picture, so no grey cut holds them apart from the ground (``bar_combs``
  needs a clear band): here a tick is a thin upright run that stands out from the columns 2-3 px to
  either side, the ticks share their top and bottom rows and are evenly spaced, whatever lies between.

The ruler's length runs from the first tick's centre to the last's, (ticks - 1) intervals, and is the
label's length.  Nothing is read unless a data line (a voltage with its unit and a working distance or a
magnification) lies in the bottom band: the comb alone, on a figure's picture, proves nothing.
"""

from __future__ import annotations

import re

import numpy as np

from figdex.models.bar_combs import column_runs
from figdex.models.ocr import OcrEngine, TextBox

Box = tuple[int, int, int, int]

BAND = 0.12  # the bottom band looked at, as a fraction of the height (Hitachi's line and ruler: 5-7 %)
_TEXT_ROWS = 60  # rows the line's glyphs are enlarged to for the detector (Hitachi: ~3.5 % of the height)
_LINE_SHARE = 0.035
_DETECT_SIDE = 736  # RapidOCR's detector enlarges an image whose short side is less: padded to it instead
_TICK_CONTRAST = 40  # grey a tick stands out by, over the columns 2-3 px to either side
_TICK_WIDEST = 4
_TICK_TALLEST = 24
_FEWEST = 7  # ticks of a data line's ruler (Hitachi: 11; a lost one or two allowed)
_LOST = 2  # ticks a ruler may have lost (on a bright patch of the picture), each between two found
_COVER = 0.75  # share of a band's rows a tick's column has
# Heights of the bands looked at: a tick is found by any band it spans (texture lengthens a tick, never
# makes a whole ruler of strokes of one height), so a few heights stand for all of 3-24.
_BAND_HEIGHTS = (3, 4, 6, 8, 11, 15, 20)
# A bottom band mostly of white paper is a figure's plot or drawing (axis ticks are evenly spaced
# upright strokes too): no instrument's data line lies on it, and its band is never detected again (seconds).
_PAPER = 235
_PAPER_SHARE = 0.5
_CROWDED = 1.5  # strokes of a band's height along a ruler, per tick, at most
_VOLTAGE = re.compile(r"\d+(?:[.,]\d+)?\s*k\s*V", re.I)
_DISTANCE = re.compile(r"\d+(?:[.,]\d+)?\s*mm", re.I)
_MAGNIFICATION = re.compile(r"(?:^|\s|[.,:;])[xX×]\s*\d+(?:[.,]\d+)?\s*k?(?![a-zA-Z])")


def is_data_line(text: str) -> bool:
    """A line of instrument settings: a voltage ("15.00kV") and a working distance ("8.1mm") or a
    magnification ("x500", "x1.20k")."""
    return bool(_VOLTAGE.search(text)) and bool(_DISTANCE.search(text) or _MAGNIFICATION.search(text))


def _lines(boxes: list[TextBox]) -> list[list[TextBox]]:
    """Boxes on one line (rows overlapping by half the lower box), left to right: the detector may cut
    a data line into pieces ("SU8600 15.00kV" | "8.1mm x500 ...")."""
    out: list[list[TextBox]] = []
    for tb in sorted(boxes, key=lambda t: t.box[1]):
        for line in out:
            a = line[0].box
            if min(a[3], tb.box[3]) - max(a[1], tb.box[1]) >= 0.5 * min(a[3] - a[1], tb.box[3] - tb.box[1]):
                line.append(tb)
                break
        else:
            out.append([tb])
    return [sorted(line, key=lambda t: t.box[0]) for line in out]


def data_line_boxes(boxes: list[TextBox]) -> list[TextBox]:
    """The boxes of the data line(s) among ``boxes``: each line whose text, joined, is a data line."""
    return [tb for line in _lines(boxes) if is_data_line(" ".join(tb.text for tb in line)) for tb in line]


def detect(image: np.ndarray, region: Box, scale: int, ocr: OcrEngine) -> list[TextBox]:
    """Text boxes of ``region`` (x0, y0, x1, y1) of ``image``, detected again ``scale`` times enlarged and
    padded (not enlarged further by the detector), in the image's pixels."""
    import cv2

    x0, y0, x1, y1 = region
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    if crop.ndim == 2:
        crop = np.stack([crop] * 3, axis=-1)
    big = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC) if scale > 1 else crop
    canvas = np.zeros((max(_DETECT_SIDE, big.shape[0]), max(_DETECT_SIDE, big.shape[1]), 3), np.uint8)
    canvas[:big.shape[0], :big.shape[1]] = big[..., :3]
    out = []
    for tb in ocr.read(canvas):
        bx0, by0, bx1, by1 = tb.box
        if bx0 >= big.shape[1] or by0 >= big.shape[0]:
            continue
        out.append(TextBox((x0 + bx0 // scale, y0 + by0 // scale, x0 + min(big.shape[1], bx1) // scale,
                            y0 + min(big.shape[0], by1) // scale), tb.text, tb.confidence))
    return out


def _scale(height: int) -> int:
    """How much to enlarge the image's bottom rows for the detector: its glyphs to ``_TEXT_ROWS``."""
    return int(min(4, max(1, round(_TEXT_ROWS / max(1.0, _LINE_SHARE * height)))))


def thin_upright(gray: np.ndarray, polarity: str) -> np.ndarray:
    """Pixels of thin upright strokes (1-4 px wide): brighter (``light``) or darker (``dark``) by
    ``_TICK_CONTRAST`` than the pixels 2 px, or 3 px, to either side on their row."""
    g = gray.astype(np.int16) if polarity == "light" else 255 - gray.astype(np.int16)
    W = g.shape[1]
    out = np.zeros(g.shape, bool)
    for k in (2, 3):
        if W <= 2 * k:
            continue
        side = np.full(g.shape, 32767, np.int16)
        side[:, k:-k] = np.maximum(g[:, :-2 * k], g[:, 2 * k:])
        out |= g - side > _TICK_CONTRAST
    return out


def textured_combs(gray: np.ndarray, polarity: str) -> list[tuple[Box, float, int]]:
    """(box, length from the first tick's centre to the last's, ticks) of each ruler of evenly spaced
    upright ticks of one height in ``gray``, whatever the ground between them.  Texture breaks a tick's
    column of thin-stroke pixels here and there and lengthens it by a pixel or two at either end, so
    ticks are not column runs: for each band of rows (top, height), a tick column is one that has most
    of the band's rows, and the band whose ruler has the most ticks (then the tallest) is kept."""
    H, W = gray.shape
    mask = thin_upright(gray, polarity)
    sums = np.zeros((H + 1, W), np.int32)
    sums[1:] = np.cumsum(mask, axis=0)
    found: dict[tuple[int, int], tuple[int, int, tuple[Box, float, int]]] = {}
    for h in _BAND_HEIGHTS:
        if h > H:
            break
        cover = (sums[h:] - sums[:-h]) >= _COVER * h  # (top, column): a tick's column over rows top..top+h
        groups = (cover[:, 1:] & ~cover[:, :-1]).sum(axis=1) + cover[:, 0]  # runs of columns on each row
        for top in np.flatnonzero(groups >= _FEWEST).tolist():
            comb = _even_ticks(gray, mask, np.flatnonzero(cover[top]).tolist(), top, top + h, polarity)
            if comb is None:
                continue
            (x0, _, x1, _), _, ticks = comb
            row = cover[top, x0:x1]
            if int((row[1:] & ~row[:-1]).sum()) + 1 > _CROWDED * ticks:
                continue  # strokes between the ticks as tall as they are: glyphs or a texture's stripes
            key = (comb[0][0] // 8, comb[0][2] // 8)
            rank = (comb[2], h)
            if key not in found or rank > found[key][:2]:
                found[key] = (*rank, comb)
    return [c for _, _, c in found.values()]


def _even_ticks(gray: np.ndarray, mask: np.ndarray, columns: list[int], top: int, bottom: int,
                polarity: str) -> tuple[Box, float, int] | None:
    """The longest evenly spaced row of ticks among ``columns`` (one lost tick allowed between two, the
    first two included), its end ticks kept only where they hold the ruler's rows (``_whole_ends``), as
    (box, length, ticks), or None."""
    ticks = column_runs(columns)
    ticks = [t for t in ticks if len(t) <= _TICK_WIDEST]
    starts = [t[0] for t in ticks]
    n = len(starts)
    best: tuple[int, ...] = ()
    for i in range(n - 1):
        if n - i <= len(best):
            break  # no longer chain can start here
        for j0 in range(i + 1, min(n, i + 6)):  # texture may put strokes between two ticks
            gap = starts[j0] - starts[i]
            for spacing in (gap, gap / 2):  # the second tick may be the one lost
                if spacing < 6:
                    continue
                tol = max(1.5, 0.05 * spacing)
                chain, last, lost = [i, j0], starts[j0], int(spacing != gap)
                for k in range(j0 + 1, n):
                    step = starts[k] - last
                    if step > 2 * spacing + tol:
                        break
                    if abs(step - spacing) <= tol or abs(step - 2 * spacing) <= tol:
                        chain.append(k)
                        last = starts[k]
                        lost += abs(step - spacing) > tol
                if len(chain) > len(best) and lost <= _LOST:
                    best = tuple(chain)
    best = _whole_ends(mask, [ticks[k] for k in best], top, bottom)
    if len(best) < _FEWEST:
        return None
    g = gray[top:bottom].astype(np.float64)
    if polarity == "dark":
        g = 255 - g
    profile = g.mean(axis=0)
    x0, x1 = best[0][0], best[-1][-1] + 1
    tick_cols = {c + d for t in best for c in t for d in (-1, 0, 1)}
    between = [c for c in range(x0, x1) if c not in tick_cols]
    if not between:
        return None
    ground = float(np.median(profile[between]))
    inks = [max(profile[c] for c in t) for t in best]
    if min(inks) - ground < _TICK_CONTRAST or np.std(inks) > 0.25 * (np.median(inks) - ground):
        return None  # one tick as strong as the next: a ruler, not strokes of texture
    W = gray.shape[1]

    def centre(xs: list[int]) -> float:
        span = range(max(0, xs[0] - 1), min(W, xs[-1] + 2))
        ink = max(profile[x] for x in xs)
        w = np.clip([(profile[x] - ground) / max(1e-6, ink - ground) for x in span], 0.0, 1.0)
        return float(np.dot(w, list(span)) / w.sum())

    return (x0, top, x1, bottom), round(centre(best[-1]) - centre(best[0]), 1), len(best)


def _whole_ends(mask: np.ndarray, ticks: list[list[int]], top: int, bottom: int) -> list[list[int]]:
    """``ticks`` less any end tick that does not hold the ruler's rows: the rows near the band (top..bottom)
    where most ticks have a stroke pixel (in their columns or the next) are the ruler's, and an end tick
    must have ``_COVER`` of them.  A stroke of texture one spacing past a ruler, on a few of its rows (or
    a few past them), lengthened the ruler by a spacing."""
    if len(ticks) < _FEWEST:
        return ticks
    H = mask.shape[0]
    lo, hi = max(0, top - _TICK_TALLEST), min(H, bottom + _TICK_TALLEST)
    held = np.array([mask[lo:hi, max(0, t[0] - 1):t[-1] + 2].any(axis=1) for t in ticks])  # (tick, row)
    rows = held.mean(axis=0) >= 0.5
    inside = np.flatnonzero(rows)
    if not len(inside):
        return ticks
    # The run of ruler rows that meets the band.
    band = [r - lo for r in range(top, bottom)]
    seeds = [r for r in band if 0 <= r < len(rows) and rows[r]]
    if not seeds:
        return ticks
    r0 = r1 = seeds[0]
    while r0 > 0 and rows[r0 - 1]:
        r0 -= 1
    while r1 + 1 < len(rows) and rows[r1 + 1]:
        r1 += 1
    share = held[:, r0:r1 + 1].mean(axis=1)
    a, b = 0, len(ticks)
    while b - a > 2 and share[a] < _COVER:
        a += 1
    while b - a > 2 and share[b - 1] < _COVER:
        b -= 1
    return ticks[a:b]


def _label(image: np.ndarray, tb: TextBox, ocr: OcrEngine | None):
    """The length a box says when the box says only a length, read again upright from a crop with a
    margin around the box (the full read's angle classifier may have turned it over: "100µm" came back
    'wurool'), else as read; None when neither is one."""
    from figdex.models.scale_text import parse_scale_label

    def alone(text: str, confidence: float):
        got = parse_scale_label(text, confidence)
        if got is None or len(text.replace(" ", "")) > len(got.text.replace(" ", "")) + 2:
            return None  # "8.1mm x500": a length inside the data line is no ruler's label
        return got

    best = alone(tb.text, tb.confidence)
    if ocr is None:
        return best
    H, W = image.shape[:2]
    x0, y0, x1, y1 = tb.box
    h = max(4, y1 - y0)
    for share in (0.25, 0.4):
        m = max(2, int(round(share * h)))
        crop = np.ascontiguousarray(image[max(0, y0 - m):min(H, y1 + m), max(0, x0 - m):min(W, x1 + m)])
        if crop.ndim == 2:
            crop = np.ascontiguousarray(np.stack([crop] * 3, axis=-1))
        read = ocr.recognise(crop[..., :3])
        got = alone(read.text, read.confidence) if read is not None else None
        if got is not None and (best is None or got.confidence > best.confidence):
            best = got
    return best


def _covered(box: Box, text: Box) -> bool:
    """A comb whose columns lie mostly inside a text box on its rows: strokes of glyphs."""
    rows = min(box[3], text[3]) - max(box[1], text[1])
    cols = min(box[2], text[2]) - max(box[0], text[0])
    return rows > 0.5 * (box[3] - box[1]) and cols > 0.5 * (box[2] - box[0])


def _near(comb: Box, length: float, ticks: int, label: Box) -> float | None:
    """How far a label lies from a ruler (pixels), or None where it is not the ruler's: it must overlap the
    ruler's columns or start within two tick spacings of its end, and lie within two of its own heights
    above or below it."""
    tx0, ty0, tx1, ty1 = label
    th = max(4, ty1 - ty0)
    across = max(tx0 - comb[2], comb[0] - tx1, 0)
    down = max(ty0 - comb[3], comb[1] - ty1, 0)
    if across > 2 * length / (ticks - 1) or down > 2 * th:
        return None
    return across + down


def data_line_reading(image: np.ndarray, text_boxes: list[TextBox], ocr: OcrEngine | None):
    """A ``ScaleReading`` from the data line's tick ruler and its label, or None where the image's bottom
    band holds no ruler of ``_FEWEST`` evenly spaced ticks, no data line, or no label by the ruler.

    The ruler is looked for first (a tenth of a second on a 2000-px wide image); only where one stands
    clear of the text read is the band detected again (seconds), when the text given holds no data line."""
    from figdex.models.panel_labels import to_gray
    from figdex.models.scalebars import Bar, ScaleReading

    H, W = image.shape[:2]
    top = int((1 - BAND) * H)
    gray = to_gray(image)[top:]
    if gray.size == 0 or (gray >= _PAPER).mean() >= _PAPER_SHARE:
        return None
    given = [tb for tb in text_boxes if (tb.box[1] + tb.box[3]) / 2 >= top]
    combs = [((x0, y0 + top, x1, y1 + top), length, ticks, polarity) for polarity in ("light", "dark")
             for (x0, y0, x1, y1), length, ticks in textured_combs(gray, polarity) if length > 0]
    combs = [c for c in combs if not any(_covered(c[0], tb.box) for tb in given)]
    if not combs:
        return None
    boxes = given
    scale = _scale(H)
    if not data_line_boxes(boxes):
        if ocr is None:
            return None
        boxes = detect(image, (0, top, W, H), scale, ocr)
        combs = [c for c in combs if not any(_covered(c[0], tb.box) for tb in boxes)]
    line = data_line_boxes(boxes)
    if not line or not combs:
        return None
    candidates = boxes  # the line's own pieces never read as a length alone ("8.1mm x500 UD")
    options = []
    for tries in range(2):
        labels = [(tb, lab) for tb in candidates for lab in [_label(image, tb, ocr)] if lab is not None]
        for box, length, ticks, polarity in combs:
            for tb, lab in labels:
                gap = _near(box, length, ticks, tb.box)
                if gap is not None:
                    options.append(((ticks, -gap), Bar(box, length, polarity, 0.85), tb, lab))
        if options or ocr is None or tries:
            break
        # No label by a ruler: the detector missed it among the line's glyphs; the ruler's surroundings
        # (its columns and two spacings past them, from a little above it to the image's foot) alone.
        box, length, ticks, _ = max(combs, key=lambda c: c[2])
        reach = int(2 * length / (ticks - 1))
        region = (max(0, box[0] - reach), max(0, box[1] - 2 * (box[3] - box[1])), min(W, box[2] + reach), H)
        candidates = [tb for tb in detect(image, region, scale, ocr) if not data_line_boxes([tb])]
    if not options:
        return None
    _, bar, tb, lab = max(options, key=lambda o: o[0])
    return ScaleReading(bar, lab, tb.box, lab.nm / bar.length_px, "bar", round(min(1.0, 0.5 + lab.confidence / 2), 3))
