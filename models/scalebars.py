"""Scale bars: find the bar lines, read their labels, pair them, and compute nm per pixel.

Bars are solid, thin, horizontal rectangles of one colour (dark on light or light on dark),
with or without end ticks.  Labels are text boxes that parse as a length ("200 nm").  A bar
and a label pair when the label sits just above or below the bar and overlaps it
horizontally (or sits beside it on the same line).  A bar without text takes its length from
the caption ("Scale bars, 5 µm (c)") when the caption names one for its panel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from figdex.models.ocr import OcrEngine, TextBox
from figdex.models.scale_text import ScaleLabel, parse_scale_label

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Bar:
    box: Box
    length_px: float
    polarity: str  # dark | light
    score: float  # how bar-like (solidity, contrast, position)


@dataclass(frozen=True)
class ScaleReading:
    bar: Bar | None
    label: ScaleLabel | None
    label_box: Box | None
    nm_per_px: float | None
    source: str  # bar | caption | none
    confidence: float


def find_bars(gray: np.ndarray, min_length: int = 10) -> list[Bar]:
    """Candidate scale bar lines in a grey image (one panel)."""
    from scipy import ndimage

    H, W = gray.shape
    out: list[Bar] = []
    seen: set[tuple[int, int, int, int]] = set()
    for polarity, mask in (("dark", gray < 70), ("dark", gray < 110), ("light", gray > 200), ("light", gray > 170)):
        labels, _ = ndimage.label(mask)
        for idx, sl in enumerate(ndimage.find_objects(labels), 1):
            if sl is None:
                continue
            y0, y1, x0, x1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
            w, h = x1 - x0, y1 - y0
            if w < min_length or w > 0.8 * W or h > max(3, 0.35 * w):
                continue
            comp = labels[y0:y1, x0:x1] == idx
            # The bar body: the rows where the component spans (nearly) its full width.
            full_rows = comp.mean(axis=1) >= 0.9
            thickness = int(full_rows.sum())
            if thickness < 1 or thickness > max(2, 0.25 * w):
                continue
            body = comp[full_rows]
            if body.mean() < 0.95:
                continue
            # Contrast: the bar must stand out from what is just above and below its body.
            rows = np.flatnonzero(full_rows)
            top, bottom = y0 + rows[0], y0 + rows[-1] + 1
            above = gray[max(0, top - 2):top, x0:x1]
            below = gray[bottom:min(H, bottom + 2), x0:x1]
            bar_val = float(gray[top:bottom, x0:x1].mean())
            around = np.concatenate([above.ravel(), below.ravel()]) if above.size + below.size else np.array([bar_val])
            contrast = float(np.abs(around - bar_val).mean())
            if contrast < 25:
                continue
            # Scale bars live in the lower part of a panel more often than not.
            position = 0.15 if (top / max(H, 1)) > 0.6 else 0.0
            score = min(1.0, contrast / 120) * 0.6 + 0.25 * min(1.0, thickness / 3) + position
            key = (x0, int(top), x1, int(bottom))
            if key not in seen:
                seen.add(key)
                out.append(Bar(key, float(w), polarity, round(score, 3)))
    return out


def label_boxes(text_boxes: list[TextBox]) -> list[tuple[TextBox, ScaleLabel]]:
    found = []
    for tb in text_boxes:
        parsed = parse_scale_label(tb.text, tb.confidence)
        # A label is the length alone ("200 nm"); a length inside a longer line is an
        # instrument data bar ("WD: 28.0 mm") unless nothing better exists.
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
        left = [b for b in bars if 0 <= tx0 - b.box[2] <= th and b.box[1] < ty1 and b.box[3] > ty0]
        right = [b for b in bars if 0 <= b.box[0] - tx1 <= th and b.box[1] < ty1 and b.box[3] > ty0]
        for lb in left:
            for rb in right:
                if lb.polarity == rb.polarity and abs(lb.box[1] - rb.box[1]) <= 2 and \
                        abs(lb.length_px - rb.length_px) <= 0.25 * max(lb.length_px, rb.length_px):
                    box = (lb.box[0], min(lb.box[1], rb.box[1]), rb.box[2], max(lb.box[3], rb.box[3]))
                    out.append(Bar(box, float(box[2] - box[0]), lb.polarity,
                                   round(min(1.0, max(lb.score, rb.score) + 0.1), 3)))
    return out


def read_scale(crop: np.ndarray, text_boxes: list[TextBox], caption_label: ScaleLabel | None = None) -> ScaleReading:
    """nm per pixel of one master image from its bars and labels, or from the caption's statement."""
    from figdex.models.panel_labels import to_gray

    gray = to_gray(crop)
    bars = find_bars(gray)
    labels = label_boxes(text_boxes)
    bars += split_bars(bars, labels)
    pairs = pair(bars, labels)
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
    if caption_label is not None and bars:
        # The caption states the length; the bar without text is the best bar-like line.
        bar = max(bars, key=lambda b: (b.score, b.length_px))
        return ScaleReading(bar, caption_label, None, caption_label.nm / bar.length_px, "caption",
                            round(0.5 + 0.4 * bar.score, 3))
    return ScaleReading(None, None, None, None, "none", 0.0)


def read_label_crop(crop: np.ndarray, ocr: OcrEngine) -> tuple[str, ScaleLabel | None]:
    """Read a crop that holds just a scale label (recognition only)."""
    box = ocr.recognise(crop)
    if box is None:
        return "", None
    return box.text, parse_scale_label(box.text, box.confidence)
