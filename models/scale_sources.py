"""One scale per image from every source, ranked, with their disagreements kept.

Rank: the instrument's metadata (what the microscope wrote), then the databar's field width or
pixel size (printed to three or four digits), then a scale bar with its label, then the
caption's statement.  The best source present gives ``nm_per_px``; every other source that gives
a number is checked against it.  A check more than ``TOLERANCE`` off turns the source into
"conflict" (the value kept stays the best-ranked one, and ``checks`` holds both), so a wrong
reading is visible instead of silently outvoted.  A bar that agrees with the databar, or a
caption that agrees with the bar, make "both".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from figdex.models.databar import Databar, find_databar
from figdex.models.instrument_meta import InstrumentScale
from figdex.models.ocr import OcrEngine, TextBox
from figdex.models.scale_text import ScaleLabel
from figdex.models.scalebars import ScaleReading, read_scale

# A bar's length is measured to a pixel or two and a databar's field width is rounded to three
# digits: agreement within 10 % is agreement; 1.7-80× (a field width read as a bar label) is not.
TOLERANCE = 0.10


@dataclass(frozen=True)
class ScaleCheck:
    source: str  # databar | bar | caption
    nm_per_px: float
    ratio: float  # this source's nm/px over the kept one
    agrees: bool

    def as_json(self) -> dict:
        return {"source": self.source, "nm_per_px": self.nm_per_px, "ratio": round(self.ratio, 4),
                "agrees": self.agrees}


@dataclass(frozen=True)
class ImageScale:
    nm_per_px: float | None
    source: str  # metadata | databar | bar | caption | both | conflict | label-only | none
    kept: str | None  # which source nm_per_px comes from
    reading: ScaleReading  # what the pixels gave (bars and labels, the databar's field boxes left out)
    databar: Databar | None
    metadata: InstrumentScale | None
    checks: tuple[ScaleCheck, ...] = ()
    confidence: float = 0.0

    @property
    def note(self) -> str | None:
        return self.metadata.note if self.metadata is not None else None

    def detail_json(self) -> dict:
        """What is stored beside nm_per_px (master_images.scale_detail)."""
        out: dict = {"kept": self.kept}
        if self.metadata is not None:
            out["metadata"] = self.metadata.as_json()
        if self.checks:
            out["checks"] = [c.as_json() for c in self.checks]
        return out


def _bar_value(reading: ScaleReading) -> tuple[str, float] | None:
    """The pixel reading as one source: a bar with its own label, or a bar measured by the caption."""
    if reading.nm_per_px is None:
        return None
    return ("caption" if reading.source == "caption" else "bar"), reading.nm_per_px


def image_scale(image: np.ndarray, text_boxes: list[TextBox], caption_label: ScaleLabel | None = None,
                metadata: InstrumentScale | None = None, ocr: OcrEngine | None = None) -> ImageScale:
    """Scale of one image: metadata, databar, bars and caption, ranked and cross-checked.  With
    ``ocr``, a broken ruler's label that the text detector missed is read from the ruler's gap."""
    from figdex.models.panel_labels import to_gray

    databar = find_databar(to_gray(image), text_boxes)
    if databar is not None:
        # A databar's values ("Width = 7.520 µm", "1.73 mm") are never a bar's label.
        taken = set(databar.field_boxes)
        text_boxes = [tb for tb in text_boxes if tb.box not in taken]
    reading = read_scale(image, text_boxes, caption_label, ocr)
    if databar is None or databar.nm_per_px is None:
        reading = _data_line(image, text_boxes, reading, ocr)
    return combine(reading, databar, metadata)


def _data_line(image: np.ndarray, text_boxes: list[TextBox], reading: ScaleReading,
               ocr: OcrEngine | None) -> ScaleReading:
    """The SEM data line's tick ruler and label (``bar_dataline``: Hitachi SU/TM) where the bars and labels
    gave no scale, or where the label they paired is the data line ruler's own (a ruler's ticks on
    textured picture, which ``find_bars`` does not hold apart, leave a fragment of texture to pair)."""
    if reading.nm_per_px is not None and reading.label_box is None:
        return reading
    from figdex.models.bar_dataline import BAND, data_line_reading

    if reading.nm_per_px is not None and reading.label_box[1] < (1 - BAND) * image.shape[0]:
        return reading  # a label above the image's bottom band: no data line's

    line = data_line_reading(image, text_boxes, ocr)
    if line is None:
        return reading
    if reading.nm_per_px is None:
        return line
    a, b = line.label_box, reading.label_box
    same = min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])
    return line if same else reading


def combine(reading: ScaleReading, databar: Databar | None, metadata: InstrumentScale | None) -> ImageScale:
    candidates: list[tuple[str, float]] = []
    if metadata is not None and metadata.nm_per_px:
        candidates.append(("metadata", metadata.nm_per_px))
    if databar is not None and databar.nm_per_px:
        candidates.append(("databar", databar.nm_per_px))
    bar = _bar_value(reading)
    if bar is not None:
        candidates.append(bar)
    if not candidates:
        return ImageScale(None, reading.source, None, reading, databar, metadata, (), reading.confidence)
    kept, value = candidates[0]
    checks = tuple(ScaleCheck(src, v, v / value, abs(v / value - 1) <= TOLERANCE) for src, v in candidates[1:])
    # The bar reading's own bar-vs-caption verdict counts too.
    conflict = any(not c.agrees for c in checks) or (reading.source == "conflict")
    if kept == "metadata":
        source, confidence = "metadata", 1.0
    elif kept == "databar":
        source, confidence = ("both" if checks and checks[0].agrees else "databar"), 0.9
    else:
        source, confidence = reading.source, reading.confidence
    if conflict:
        source, confidence = "conflict", confidence * 0.6 if kept != "metadata" else confidence
    return ImageScale(value, source, kept, reading, databar, metadata, checks, round(confidence, 3))
