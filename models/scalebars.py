"""Scale bars: find the bar lines, read their labels, pair them, and compute nm per pixel.

Bars are solid, thin, horizontal rectangles of one colour (dark on light or light on dark),
with or without end ticks.  Labels are text boxes that parse as a length ("200 nm").  A bar
and a label pair when the label sits just above or below the bar and overlaps it
horizontally (or sits beside it on the same line).  A bar without text takes its length from
the caption ("Scale bars, 5 µm (c)") when the caption names one for its panel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from figdex.models.bar_blocks import block_limits, joined_stacks, labelled_block
from figdex.models.bar_colour import chroma_line_mask, colour_sides, measure_colour_bar
from figdex.models.bar_combs import find_combs
from figdex.models.bar_ends import cross_ticks, ground_ends, measure_bar
from figdex.models.bar_gaps import join_label_gaps, joined_length
from figdex.models.bar_rulers import gap_labels, join_line_rulers, join_rulers, side_labels, struck_labels
from figdex.models.bar_trace import bridge_overlay, trace_line
from figdex.models.ocr import OcrEngine, TextBox
from figdex.models.scale_text import ScaleLabel, joined_labels, parse_scale_label

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Bar:
    box: Box
    length_px: float
    polarity: str  # dark | light
    score: float  # how bar-like (solidity, contrast, position)
    gap: tuple[int, int] | None = None  # columns (rows, upright) of the label a ruler is broken by (├─ 5 µm ─┤)
    orientation: str = "horizontal"  # or "vertical": an upright bar, its length the box's height


@dataclass(frozen=True)
class ScaleReading:
    bar: Bar | None
    label: ScaleLabel | None
    label_box: Box | None
    nm_per_px: float | None
    source: str  # bar | caption | none
    confidence: float


# Grey levels a bar is cut out at: several, because a bar's level is unknown (a white bar on bright
# content needs the 230 cut, a grey 2-px bar on black the 130 one, a blurred bar its middle).
_DARK_CUTS = (40, 70, 110, 150)
_LIGHT_CUTS = (130, 170, 200, 230)
_LINE_CONTRAST = 40  # a thin line's grey over (under) both rows 2 px from it
_COLOUR_CHROMA = 90  # max-min over R, G, B: a blue or red bar on a grey micrograph
_UPRIGHT_PENALTY = 0.2
_COMB_SCORE = 0.85  # five or more evenly spaced lone ticks: a ruler (as a ticked bar scores)
_COMB_CUTS = (110, 150, 130, 170)  # dark, then light: the middle cuts only (a comb is black or white; each cut costs)
# The shortest bar taken, when it stands alone: OMERO.figure draws 8-9 px bars, 1-2 rows, on panels a
# figure shrinks to 60-80 px.  Runs under ``min_length`` are most often glyph strokes (the bar of a T,
# an E), which touch the rest of their glyph; a tiny bar has nothing of its mask within 2 px of it.
_TINY_LENGTH = 8
_TINY_PENALTY = 0.3
_UPRIGHT_MIN_LENGTH = 20


def find_bars(image: np.ndarray, min_length: int = 10, vertical: bool = True) -> list[Bar]:
    """Candidate scale bar lines in one panel (RGB, or grey): horizontal ones, and with ``vertical``
    upright ones too (``orientation="vertical"``), found the same way in the transposed image.

    A bar is a stack of rows that each hold a run of one mask over the same columns (±1 px), one
    to a third of its length thick, standing out from the rows above and below it.  Rows, not
    connected components: text touching the bar, end ticks and bright content around it join a
    bar's component and hid it."""
    bars = _find_level_bars(image, min_length)
    if vertical:
        # Upright bars of 20 px or more only: the strokes of glyphs (l, 1, I) are short upright runs,
        # and the transposed pass at 10 px cost as much again as the level one (bench in scale_gold.md).
        upright_min = max(min_length, _UPRIGHT_MIN_LENGTH)
        for bar in _find_level_bars(np.ascontiguousarray(image.swapaxes(0, 1)), upright_min):
            x0, y0, x1, y1 = bar.box
            # Upright bars rank below level ones: an upright line beside a label is more often a
            # panel's edge or an axis than a scale bar.
            bars.append(replace(bar, box=(y0, x0, y1, x1), orientation="vertical",
                                score=round(bar.score - _UPRIGHT_PENALTY, 3)))
    return bars


def _find_level_bars(image: np.ndarray, min_length: int) -> list[Bar]:
    """The horizontal bars of find_bars."""
    from figdex.models.panel_labels import to_gray

    rgb = image if image.ndim == 3 else None
    gray = to_gray(image)
    H, W = gray.shape
    masks = [("dark", gray < t) for t in _DARK_CUTS] + [("light", gray > t) for t in _LIGHT_CUTS]
    overlay = None  # coloured pixels, where a grey figure has some drawn over it
    lines = _line_masks(gray)  # no ticks on these: a line mask's rows beside the line say nothing of ink
    if rgb is not None:
        # Channel by channel: numpy's max over a 3-long last axis is 7x slower, same values.
        r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
        chroma = np.maximum(np.maximum(r, g), b).astype(np.int16) - np.minimum(np.minimum(r, g), b)
        if (chroma > _COLOUR_CHROMA).any():
            # A coloured line drawn over the figure (a dashed circle, an arrow) that crosses a grey bar
            # cuts each of its rows at another column, and the rows no longer stack: bridged.
            overlay = chroma > _COLOUR_CHROMA
            masks = [(p, bridge_overlay(m, overlay)) for p, m in masks]
            masks.append(("colour", chroma > _COLOUR_CHROMA))
        hue_line = chroma_line_mask(rgb)  # a thin line of the ground's brightness, another hue
        if hue_line is not None:
            lines.append(("colour", hue_line))
    # The middle cuts of each polarity (dark 110 and 150, light 130 and 170) are looked at for combs.
    comb_masks = [masks[_DARK_CUTS.index(c)][1] for c in _COMB_CUTS[:2]] + \
        [masks[len(_DARK_CUTS) + _LIGHT_CUTS.index(c)][1] for c in _COMB_CUTS[2:]]
    masks += lines
    colour = (rgb[..., :3] if rgb is not None else gray[..., None]).astype(np.float32)
    # Integral images of grey and grey²: the bounds that reject most stacks, for all stacks at once.
    g64 = gray.astype(np.float64)
    sums = np.zeros((H + 1, W + 1))
    squares = np.zeros((H + 1, W + 1))
    sums[1:, 1:] = g64.cumsum(axis=0).cumsum(axis=1)
    squares[1:, 1:] = (g64 * g64).cumsum(axis=0).cumsum(axis=1)
    found: list[Bar] = []
    for polarity, mask in masks:
        passed: dict[tuple[int, int, int, int], float] = {}  # stack -> score, for join_rulers
        # Runs of a bar's length stacked as always; runs of a tiny bar (8-9 px, not upright: glyph strokes
        # stand alone) stacked apart, so that they only add candidates.
        tiny = (_TINY_LENGTH, min_length - 1) if min_length <= 10 else (0, -1)
        runs = _row_runs(mask)
        usual, short = _row_stacks(runs, [(min_length, int(0.8 * W)), tiny])
        usual += joined_stacks(usual)
        short = np.array(short, dtype=np.int64).reshape(-1, 4)
        stacks = np.concatenate([np.array(usual, dtype=np.int64).reshape(-1, 4), short[_tiny_alone(mask, short)]])
        w, thickness = stacks[:, 1] - stacks[:, 0], stacks[:, 3] - stacks[:, 2]
        block = block_limits(w, thickness, max(H, W))
        keep = block | (thickness <= np.maximum(3, w / 3 + 0.5))
        stacks, block = stacks[keep], block[keep]
        keep = ~_surely_not_bars(sums, squares, stacks, grey_contrast=polarity != "colour")
        stacks, block = stacks[keep], block[keep]
        if block.any():  # thicker than a third of its length: a block bar only with its label over or under it
            keep = np.array([not b or labelled_block(mask, *s) for s, b in zip(stacks.tolist(), block.tolist())], bool)
            stacks = stacks[keep]
        for x0, x1, top, bottom in stacks.tolist():
            thickness = bottom - top
            tiny = x1 - x0 < min_length
            bar_val = float(gray[top:bottom, x0:x1].mean())
            above = gray[max(0, top - 2):top, x0:x1]
            below = gray[bottom:min(H, bottom + 2), x0:x1]
            around = np.concatenate([above.ravel(), below.ravel()])
            contrast = float(np.abs(around - bar_val).mean()) if around.size else 0.0
            # Both sides must differ from the bar where there are two: the white gap inside a ruler
            # (├──┤ drawn in black) is flat and light, but is the page's white above.
            sides = [float(np.abs(side - bar_val).mean()) for side in (above, below) if side.size]
            if polarity == "colour":  # in colour: a hue bar may have the ground's grey
                contrast, sides = colour_sides(colour, x0, x1, top, bottom)
                body = colour[top:bottom, x0:x1].reshape(-1, colour.shape[2]).mean(axis=0)
            if contrast < 25 or min(sides, default=0.0) < 12:
                continue
            # A bar is one flat colour along its length; a run cut out of texture is not (this keeps
            # the candidates in a textured micrograph to a few dozen instead of thousands).
            flatness = float(gray[top:bottom, x0:x1].mean(axis=0).std())
            if polarity == "colour":
                flatness = float(np.linalg.norm(colour[top:bottom, x0:x1].mean(axis=0) - body, axis=1).std())
            if flatness > max(6.0, 0.3 * contrast):
                continue
            # Scale bars live in the lower part of a panel more often than not.
            position = 0.15 if (top / max(H, 1)) > 0.6 else 0.0
            score = min(1.0, contrast / 120) * 0.6 + 0.25 * min(1.0, thickness / 3) + position
            if tiny:  # a last resort: near a label, a longer bar is the likelier one (databars hold tiny strokes)
                score -= _TINY_PENALTY
            if polarity != "colour":
                # A cut that the ground passes at one end (a white bar on a ground that brightens from
                # 70 to 150 along it, cut at 130) runs on over the ground: the stack ends there.
                x0, x1 = ground_ends(gray, x0, x1, top, bottom)
            box, coloured = (x0, top, x1, bottom), None
            if polarity == "colour":  # read on the bar's own colour axis, its ticks and ends as a grey bar's
                coloured = measure_colour_bar(colour, x0, x1, top, bottom)
            if coloured is not None:
                box, length, ticked = coloured
                if ticked:
                    score += 0.3
                found.append(Bar(box, length, polarity, round(score, 3)))
                passed[(x0, x1, top, bottom)] = score
                continue
            length, ticked = measure_bar(colour, mask, x0, x1, top, bottom,
                                         ticks=not any(mask is m for _, m in lines))
            crossed = None if ticked or polarity == "colour" else cross_ticks(gray, x0, x1, top, bottom)
            if crossed is not None:  # ┼──┼ a pixel past a thin line: under reach of _tick_centres
                length, ticked = round(crossed[1] - crossed[0], 1), True
            if ticked:  # ├──┤: a ruler is a scale bar; a flat run in the picture may not be
                score += 0.3
            traced = None if ticked else trace_line(gray, x0, x1, top, bottom, polarity)
            if traced is not None:  # a thin line stepping a row: its stack was only part of it
                box, length = traced
            found.append(Bar(box, length, polarity, round(score, 3)))
            passed[(x0, x1, top, bottom)] = score
        if polarity != "colour" and not any(mask is m for _, m in lines):
            if any(mask is m for m in comb_masks):  # ┃ ┃ ┃ ┃ ┃: a Hitachi ruler of ticks alone
                for box, length in find_combs(gray, mask, runs, overlay):
                    found.append(Bar(box, length, polarity, _COMB_SCORE))
            for left, right, length in join_rulers(gray, mask, list(passed)):
                box = (left[0], min(left[2], right[2]), right[1], max(left[3], right[3]))
                score = max(passed[left], passed[right]) + 0.3  # ticked
                found.append(Bar(box, length, polarity, round(score, 3), (left[1], right[0])))
        if polarity != "colour":
            # ─── 10 µm ───: no ticks, text between.  A thin line's halves too (a grey or noisy 1-2 px
            # line is whole only in its line mask), its label read in a cut of its own grey.
            line = any(mask is m for _, m in lines)
            for left, right, length in join_line_rulers(gray, list(passed), polarity) if line else ():
                box = (left[0], min(left[2], right[2]), right[1], max(left[3], right[3]))
                found.append(Bar(box, length, polarity, round(max(passed[left], passed[right]) + 0.3, 3),
                                 (left[1], right[0])))
            for left, right in join_label_gaps(mask, list(passed), gray if line else None, polarity):
                top, bottom = min(left[2], right[2]), max(left[3], right[3])
                found.append(Bar((left[0], top, right[1], bottom), joined_length(colour, left, right, top, bottom),
                                 polarity, round(max(passed[left], passed[right]), 3), (left[1], right[0])))
    return _dedupe(found)


def _tiny_alone(mask: np.ndarray, stacks: np.ndarray) -> np.ndarray:
    """For each (short) stack (x0, x1, top, bottom): True where it is 1-2 rows thick with no pixel of
    ``mask`` in the 2-px ring around it (inside the image).  Stack by stack (a few windows of a few
    dozen pixels each): an integral image of the whole mask cost more than all of them."""
    H, W = mask.shape
    keep = np.zeros(len(stacks), bool)
    for i, (x0, x1, top, bottom) in enumerate(stacks.tolist()):
        if bottom - top <= 2 and top >= 2 and bottom + 2 <= H and x0 >= 2 and x1 + 2 <= W:
            keep[i] = int(mask[top - 2:bottom + 2, x0 - 2:x1 + 2].sum()) == (x1 - x0) * (bottom - top)
    return keep


def _line_masks(gray: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Rows of a thin line (1-3 px) standing out from the rows 2 px above and below it, whatever its
    grey level: a blurred 1-px white bar peaks at 130 on black, under or just over every fixed cut,
    and its run at any one cut is a few pixels short.  And rows standing out from the rows 3 px off:
    a dim blurred bar 4-5 px thick (a grey 95 reciprocal-space bar on a diffraction pattern's black,
    under every light cut) has its shoulders 2 px from its middle rows, and stands out only from there."""
    g = gray.astype(np.int16)
    H = g.shape[0]
    out = []
    for k in (2, 3) if H >= 7 else (2,) if H >= 5 else ():
        up, down = np.empty_like(g), np.empty_like(g)
        up[k:], up[:k] = g[:-k], g[:k]
        down[:-k], down[-k:] = g[k:], g[-k:]
        out += [("light", g - np.maximum(up, down) > _LINE_CONTRAST),
                ("dark", np.minimum(up, down) - g > _LINE_CONTRAST)]
    return out


def _surely_not_bars(sums: np.ndarray, squares: np.ndarray, stacks: np.ndarray,
                     grey_contrast: bool = True) -> np.ndarray:
    """For each stack (x0, x1, top, bottom), True only where the full checks in find_bars would
    reject it too: the root mean square difference of a side to the bar's grey bounds its mean
    absolute difference (the contrast) from above, so a side whose bound is under the threshold
    cannot pass; and a one-row body's spread along its length is exact.  A colour stack is never
    rejected here: its sides, contrast and flatness are colour distances (bar_colour), and a hue bar
    may have its ground's grey."""
    if not len(stacks):
        return np.zeros(0, bool)
    H = sums.shape[0] - 1
    x0, x1, top, bottom = stacks.T
    w = (x1 - x0).astype(np.float64)

    def box(table: np.ndarray, r0: np.ndarray, r1: np.ndarray) -> np.ndarray:
        return table[r1, x1] - table[r0, x1] - table[r1, x0] + table[r0, x0]

    bar = box(sums, top, bottom) / (w * (bottom - top))
    up0, down1 = np.maximum(top - 2, 0), np.minimum(bottom + 2, H)
    n_up, n_down = w * (top - up0), w * (down1 - bottom)
    s_up, q_up = box(sums, up0, top), box(squares, up0, top)
    s_down, q_down = box(sums, bottom, down1), box(squares, bottom, down1)

    def rms(s: np.ndarray, q: np.ndarray, n: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.sqrt(np.maximum(0.0, (q - 2 * bar * s) / n + bar * bar))

    up, down = rms(s_up, q_up, n_up), rms(s_down, q_down, n_down)
    both = rms(s_up + s_down, q_up + q_down, n_up + n_down)
    side_min = np.minimum(np.where(n_up > 0, up, np.inf), np.where(n_down > 0, down, np.inf))
    has_side = (n_up + n_down) > 0
    if not grey_contrast:  # a hue bar may have its ground's grey on both sides
        return np.zeros(len(stacks), bool)
    reject = has_side & (side_min < 12)
    reject |= has_side & (both < 25)
    one_row = (bottom - top) == 1
    spread = np.sqrt(np.maximum(0.0, box(squares, top, bottom) / w - bar * bar))
    reject |= has_side & one_row & (spread > np.maximum(6.0, 0.3 * both) + 1e-6)
    return reject


def _row_stacks(runs: tuple[np.ndarray, np.ndarray, np.ndarray],
                lengths: list[tuple[int, int]]) -> list[list[tuple[int, int, int, int]]]:
    """For each (shortest, longest) of ``lengths``: (x0, x1, top, bottom) of each stack of rows holding a
    run of that length over the same columns (±1 px as the stack's first row), from a mask's runs
    (``_row_runs``); each range's runs are stacked apart from the others'."""
    return [_stack_runs(runs, shortest, longest) for shortest, longest in lengths]


def _row_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, first column and end column (exclusive) of every run of ``mask``, row by row."""
    H = mask.shape[0]
    padded = np.zeros((H, mask.shape[1] + 2), np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    ys, xs = np.nonzero(edges)
    kinds = edges[ys, xs]
    # Every run of the mask at once (row-major: by row, then by column).
    rise, fall = kinds == 1, kinds == -1
    return ys[rise], xs[rise], xs[fall]


def _stack_runs(runs: tuple[np.ndarray, np.ndarray, np.ndarray], min_length: int,
                max_length: int) -> list[tuple[int, int, int, int]]:
    """The stacks of ``_row_stacks`` from the runs of one length range."""
    ys, starts, ends = runs
    lengths = ends - starts
    keep = (lengths >= min_length) & (lengths <= max_length)
    if not keep.any():
        return []
    run_y, run_x0, run_x1 = ys[keep].tolist(), starts[keep].tolist(), ends[keep].tolist()
    open_: dict[tuple[int, int], list[int]] = {}  # first-row (x0, x1) -> [top, last row]
    out = []
    i, n, previous = 0, len(run_y), -2
    while i < n:
        y = run_y[i]
        if y != previous + 1:  # rows without a run between: every open stack ended
            out.extend((k[0], k[1], st[0], st[1] + 1) for k, st in open_.items())
            open_ = {}
        continued: dict[tuple[int, int], list[int]] = {}
        while i < n and run_y[i] == y:
            x0, x1 = run_x0[i], run_x1[i]
            i += 1
            key = (x0, x1) if (x0, x1) in open_ and (x0, x1) not in continued else \
                next(((x0 + a, x1 + b) for a in (0, -1, 1) for b in (0, -1, 1)
                      if (x0 + a, x1 + b) in open_ and (x0 + a, x1 + b) not in continued), None)
            if key is None:
                continued[(x0, x1)] = [y, y]
            else:
                stack = open_.pop(key)
                stack[1] = y
                continued[key] = stack
        out.extend((k[0], k[1], st[0], st[1] + 1) for k, st in open_.items())
        open_, previous = continued, y
    out.extend((k[0], k[1], st[0], st[1] + 1) for k, st in open_.items())
    return out


def _dedupe(bars: list[Bar]) -> list[Bar]:
    """One bar per place: candidates from several cuts on the same rows and columns are one bar;
    the most contrasted stays."""
    kept: list[Bar] = []
    by_row: dict[int, list[Bar]] = {}  # each kept bar under every row it touches
    for bar in sorted(bars, key=lambda b: -b.score):
        bx0, by0, bx1, by1 = bar.box
        near = {id(k): k for r in range(by0, by1 + 1) for k in by_row.get(r, ())}
        same = False
        for k in near.values():
            kx0, ky0, kx1, ky1 = k.box
            cols = (min(bx1, kx1) - max(bx0, kx0)) / max(1, min(bx1 - bx0, kx1 - kx0))
            if cols >= 0.9 and abs((bx1 - bx0) - (kx1 - kx0)) <= max(3, 0.1 * (kx1 - kx0)):
                same = True
                break
        if not same:
            kept.append(bar)
            for r in range(by0, by1 + 1):
                by_row.setdefault(r, []).append(bar)
    return kept


# A length printed as the value of a key: "Width = 7.520 µm", "JD = 3.9mm" (WD misread), "HFW: 592 nm".
_FIELD_VALUE = re.compile(r"[=:]\s*[-+]?\d")


def label_boxes(text_boxes: list[TextBox]) -> list[tuple[TextBox, ScaleLabel]]:
    found = []
    for tb in text_boxes:
        parsed = parse_scale_label(tb.text, tb.confidence)
        # A label is the length alone ("200 nm"); a length inside a longer line is an
        # instrument data bar ("WD: 28.0 mm") unless nothing better exists.
        if parsed is not None and _FIELD_VALUE.search(tb.text):
            continue  # "Width = 7.520 µm", "WD: 3.9mm": a databar field, even where the databar was not made out
        if parsed is not None:
            whole = len(tb.text.replace(" ", "")) <= len(parsed.text.replace(" ", "")) + 2
            found.append((tb, parsed if whole else ScaleLabel(parsed.text, parsed.value, parsed.unit, parsed.nm,
                                                               parsed.confidence * 0.5)))
    return found


def pair(bars: list[Bar], labels: list[tuple[TextBox, ScaleLabel]]) -> list[tuple[Bar, TextBox, ScaleLabel, float]]:
    """Greedy one-to-one pairing of bars and labels by distance; returns (bar, box, label, score)."""
    options = []
    for bar in bars:
        bx0, by0, bx1, by1 = bar.box
        for tb, lab in labels:
            tx0, ty0, tx1, ty1 = tb.box
            th = max(4, ty1 - ty0)
            overlap = min(bx1, tx1) - max(bx0, tx0)
            vgap = max(ty0 - by1, by0 - ty1, 0)
            hgap = max(tx0 - bx1, bx0 - tx1, 0)
            same_line = min(by1, ty1) - max(by0, ty0) > -th / 2
            if (overlap > -th and vgap <= 2.5 * th) or (same_line and hgap <= 3 * th):
                dist = vgap + hgap
                options.append((dist / th - bar.score - lab.confidence, bar, tb, lab))
    options.sort(key=lambda o: o[0])
    used_bars, used_labels, pairs = set(), set(), []
    for cost, bar, tb, lab in options:
        if id(bar) in used_bars or id(tb) in used_labels:
            continue
        used_bars.add(id(bar))
        used_labels.add(id(tb))
        pairs.append((bar, tb, lab, round(min(1.0, bar.score + lab.confidence) / 2 + 0.5 * (cost < 0), 3)))
    return pairs


def split_bars(bars: list[Bar], labels: list[tuple[TextBox, ScaleLabel]]) -> list[Bar]:
    """Bars drawn through their label ("├──── 5 µm ────┤", FEI databars): the two segments either
    side of the label, on one line and of one polarity, joined into one bar.  Measured alone, each
    half read as the whole bar and halved the scale."""
    out = []
    for tb, _ in labels:
        tx0, ty0, tx1, ty1 = tb.box
        th = max(4, ty1 - ty0)
        # OCR's box may overlap a half by a pixel or two.
        left = [b for b in bars if -3 <= tx0 - b.box[2] <= th and b.box[1] < ty1 and b.box[3] > ty0]
        right = [b for b in bars if -3 <= b.box[0] - tx1 <= th and b.box[1] < ty1 and b.box[3] > ty0]
        for lb in left:
            for rb in right:
                if lb.polarity == rb.polarity and abs(lb.box[1] - rb.box[1]) <= 2 and \
                        abs(lb.length_px - rb.length_px) <= 0.25 * max(lb.length_px, rb.length_px):
                    box = (lb.box[0], min(lb.box[1], rb.box[1]), rb.box[2], max(lb.box[3], rb.box[3]))
                    out.append(Bar(box, float(box[2] - box[0]), lb.polarity,
                                   round(min(1.0, max(lb.score, rb.score) + 0.1), 3)))
    return out


def _inside(bar: Box, text: Box, orientation: str = "horizontal") -> bool:
    """A glyph's stroke: inside the text box and shorter than the box is high.  (A bar under its
    label often lies inside OCR's loose box too, but is longer than a glyph is wide.)  An upright
    stroke: inside the box's columns and within its rows (an upright bar beside a level label may
    cross OCR's loose box, but runs past its top or bottom)."""
    if orientation == "vertical":
        middle = (bar[0] + bar[2]) / 2
        return text[0] < middle < text[2] and bar[1] >= text[1] - 2 and bar[3] <= text[3] + 2
    middle = (bar[1] + bar[3]) / 2
    return text[1] < middle < text[3] and bar[0] >= text[0] - 2 and bar[2] <= text[2] + 2 and \
        bar[2] - bar[0] < text[3] - text[1]


def read_scale(crop: np.ndarray, text_boxes: list[TextBox], caption_label: ScaleLabel | None = None,
               ocr: OcrEngine | None = None) -> ScaleReading:
    """nm per pixel of one master image from its bars and labels, or from the caption's statement.
    With ``ocr``, the label inside a broken ruler that the text detector missed is read again."""
    # Strokes of the glyphs ("5", "T", "—") are flat runs too: a bar inside a text box is text.
    bars = [b for b in find_bars(crop) if not any(_inside(b.box, tb.box, b.orientation) for tb in text_boxes)]
    if ocr is not None:
        text_boxes = text_boxes + gap_labels(crop, bars, text_boxes, ocr)
        text_boxes = text_boxes + struck_labels(crop, bars, text_boxes, ocr)
    labels = label_boxes(joined_labels(text_boxes))
    level = [b for b in bars if b.orientation == "horizontal"]
    level += split_bars(level, labels)
    upright = [b for b in bars if b.orientation == "vertical"]
    # An upright bar is taken only where no level bar has a label: an upright line beside a label
    # is more often a panel's edge than its bar, and must not take a level bar's label from it.
    pairs = pair(level, labels) or pair(upright, labels)
    if not pairs and upright and ocr is not None:
        # The best upright bar with a length read beside it (turned level), as a pair of its own.
        pairs = [(bar, tb, lab, round(min(1.0, bar.score + lab.confidence) / 2 + 0.5, 3))
                 for bar, tb in side_labels(crop, upright, ocr)
                 for _, lab in label_boxes([tb])][:1]
    if pairs:
        bar, tb, lab, conf = max(pairs, key=lambda p: (p[3], p[0].length_px))
        source = "bar"
        if caption_label is not None:
            agree = abs(caption_label.nm - lab.nm) <= 1e-6 * max(1.0, lab.nm)
            source = "both" if agree else "conflict"
            conf = min(1.0, conf + 0.2) if agree else conf * 0.6
        return ScaleReading(bar, lab, tb.box, lab.nm / bar.length_px, source, round(conf, 3))
    if labels and caption_label is None:
        tb, lab = max(labels, key=lambda x: x[1].confidence)
        return ScaleReading(None, lab, tb.box, None, "label-only", round(lab.confidence * 0.5, 3))
    if caption_label is not None and (level or upright):
        # The caption states the length; the bar without text is the best bar-like line.
        bar = max(level or upright, key=lambda b: (b.score, b.length_px))
        return ScaleReading(bar, caption_label, None, caption_label.nm / bar.length_px, "caption",
                            round(0.5 + 0.4 * bar.score, 3))
    return ScaleReading(None, None, None, None, "none", 0.0)
