"""Reading a crop that holds just a scale label ("200 nm"), by recognition only.

Several views of the crop are recognised and each reading parsed (``parse_scale_label``); the
reading kept is the surest once the priors of scale labels are applied (``plausibility``):
a value printed on a scale bar is nearly always 1, 2, 2.5, 3, 4 or 5 times a power of ten.
A bare number ("200": the unit faint, occluded or small) is no reading: nm and µm are both
common, and no prior tells them apart.
"""

from __future__ import annotations

import re

import numpy as np

from figdex.models.ocr import OcrEngine
from figdex.models.scale_text import ScaleLabel, parse_scale_label, plausibility
from figdex.models.scalebars import find_bars

def read_label_crop(crop: np.ndarray, ocr: OcrEngine) -> tuple[str, ScaleLabel | None]:
    """Read a crop that holds just a scale label: (the text kept, its parse or None).

    Views: the crop as given; the crop with a margin of its border colour (a recogniser trained
    on text lines with margins misreads glyphs cut at the edge); the text's rows alone when the
    crop also holds the bar (read with the bar, "2 µm" came out "2"); and a black-on-white
    binarisation at twice the size (light text on a light, coloured ground: "200 µm" on pink
    read "200m" in every other view).  Of the readings that parse as a length the most
    plausible wins, except that a reading with a decimal point beats one with the same digits
    without it: OCR drops a point far more often than it invents one ("1.0 µm" read "10um")."""
    views = [crop, _with_margin(crop)]
    text_rows = _without_bar(crop)
    if text_rows is not None:
        views.append(_with_margin(text_rows))
    views.append(_binarised(_with_margin(text_rows if text_rows is not None else crop), scale=2))
    readings = [(text, conf, parse_scale_label(text, conf)) for text, conf in ocr.recognise_many(views)]
    parsed = [r for r in readings if r[2] is not None]
    if not parsed:
        best = max(readings, key=lambda r: r[1], default=("", 0.0, None))
        return best[0], None
    text, _, label = max(parsed, key=lambda r: r[2].confidence * plausibility(r[2]))
    for other_text, _, other in parsed:
        # A point between digits ("1.0"), not a speck before them (".5" off a binarised "5").
        if other.unit == label.unit and re.search(r"\d\s*[.,]\s*\d", other_text) and "." not in label.text and \
                other.text.replace(".", "").lstrip("0") == label.text.replace(".", "").lstrip("0") and \
                other.confidence >= 0.5:
            text, label = other_text, other
    return text, label


def _ink(grey: np.ndarray) -> np.ndarray:
    """The text pixels: those on the side of Otsu's threshold that the crop's border is not on."""
    threshold = _otsu(grey)
    dark = grey < threshold
    border = np.concatenate([dark[0], dark[-1], dark[:, 0], dark[:, -1]])
    return ~dark if border.mean() > 0.5 else dark


def _otsu(grey: np.ndarray) -> float:
    hist = np.histogram(grey, 256, (0, 256))[0].astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128.0
    levels = np.arange(256)
    weight0 = np.cumsum(hist)
    weight1 = total - weight0
    mass0 = np.cumsum(hist * levels)
    mean0 = mass0 / np.maximum(weight0, 1)
    mean1 = (mass0[-1] - mass0) / np.maximum(weight1, 1)
    between = weight0 * weight1 * (mean0 - mean1) ** 2
    return float(np.argmax(between)) + 0.5


def _binarised(crop: np.ndarray, scale: int = 2) -> np.ndarray:
    """Black text on white, ``scale`` times the size (nearest neighbour keeps the edges hard)."""
    grey = crop.astype(np.float64).mean(axis=2) if crop.ndim == 3 else crop.astype(np.float64)
    out = np.where(_ink(grey), 0, 255).astype(np.uint8)
    out = np.repeat(np.repeat(out, scale, axis=0), scale, axis=1)
    return np.repeat(out[..., None], 3, axis=2)


def _with_margin(crop: np.ndarray) -> np.ndarray:
    h = crop.shape[0]
    pad = max(2, h // 5)
    border = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])
    fill = np.median(border, axis=0).astype(crop.dtype)
    out = np.empty((h + 2 * pad, crop.shape[1] + 2 * pad) + crop.shape[2:], crop.dtype)
    out[...] = fill
    out[pad:pad + h, pad:pad + crop.shape[1]] = crop
    return out


def _without_bar(crop: np.ndarray) -> np.ndarray | None:
    """The rows of a label crop above (or below) a bar drawn across a third of it or more."""
    H, W = crop.shape[:2]
    long = [b for b in find_bars(crop, vertical=False) if b.length_px >= W / 3]
    if not long:
        return None
    bar = max(long, key=lambda b: b.length_px)
    above, below = crop[:max(0, bar.box[1] - 1)], crop[bar.box[3] + 1:]
    rows = above if above.shape[0] >= below.shape[0] else below
    return rows if rows.shape[0] >= 8 else None
