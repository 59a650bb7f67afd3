"""Sheets that hold two pages side by side ("two-up": an old preprint set two portrait pages on one
landscape sheet).  Each half is then read as a page of its own: its body text, columns, head and foot
bands and captions are those of a page half the sheet wide.  The figures keep the sheet's page number
and their regions stay in the sheet's coordinates (what a reader of the PDF, or the gold, sees).

A sheet is two-up when it is landscape, lines of text sit on both sides of its middle (a page of a
plot and its caption has one), and a blank
vertical strip at the middle runs from the head band to the foot band: the gutter between the two
pages.  The strip is looked for in a coarse render, not in the drawing objects' boxes: a plot's
curve clipped to its axes reports the box of the whole curve (in the 1994 preprint, 5,000 points
off the sheet).  A landscape page whose text or figures cross the middle stays one page.
"""

from __future__ import annotations

from figdex.ingest.sources.pdf_layout import Box, Line

MIN_GUTTER = 12.0  # points of blank strip between the two pages
_SEARCH = (0.38, 0.62)  # where the gutter may lie, as shares of the sheet's width
_MIN_LINES = 3  # text lines of three words or more on the sheet, one at least on each side
_BAND = 0.065  # head and foot bands (share of the height): two page numbers may share a line there
_SCALE = 0.5  # pixels per point of the render
_MIDDLE_SLACK = 8.0  # points the gutter may miss the sheet's middle by


def sheet_halves(page, lines: list[Line], page_box: Box) -> list[Box]:
    """The page boxes of a sheet: its two halves when it holds two pages side by side, else itself."""
    x0, y0, x1, y1 = page_box
    width, height = x1 - x0, y1 - y0
    if width < 1.15 * height:
        return [page_box]
    worded = [ln for ln in lines if len(ln.text.split()) >= 3]
    middle = x0 + width / 2
    if (len(worded) < _MIN_LINES or not any(ln.box[2] <= middle + 0.12 * width for ln in worded)
            or not any(ln.box[0] >= middle - 0.12 * width for ln in worded)):
        return [page_box]
    gutter = _blank_strip(page, page_box)
    if gutter is None:
        return [page_box]
    # Two pages of one size meet at the middle: a blank strip beside it is a column gutter (a CHI
    # extended abstract's landscape page: a margin column and two text columns, the gutter at 57 %).
    if not gutter[0] - _MIDDLE_SLACK <= middle <= gutter[1] + _MIDDLE_SLACK:
        return [page_box]
    split = min(max(middle, gutter[0]), gutter[1])
    if not any(ln.box[2] <= split for ln in worded) or not any(ln.box[0] >= split for ln in worded):
        return [page_box]
    return [(x0, y0, split, y1), (split, y0, x1, y1)]


def _blank_strip(page, page_box: Box) -> tuple[float, float] | None:
    """The blank vertical strip (x from, x to) nearest the sheet's middle between its head and foot
    bands, at least MIN_GUTTER wide; None when there is none."""
    x0, y0, x1, y1 = page_box
    width, height = x1 - x0, y1 - y0
    lo, hi = x0 + _SEARCH[0] * width, x0 + _SEARCH[1] * width
    band = _BAND * height
    bitmap = page.render(scale=_SCALE, crop=(lo - x0, band, x1 - hi, band), grayscale=True)
    import numpy as np

    pixels = np.asarray(bitmap.to_pil().convert("L"))
    columns = (pixels < 248).any(axis=0).tolist()
    strips, start = [], None
    for c, inked in enumerate(columns + [True]):
        if not inked and start is None:
            start = c
        elif inked and start is not None:
            if (c - start) / _SCALE >= MIN_GUTTER:
                strips.append((lo + start / _SCALE, lo + c / _SCALE))
            start = None
    middle = x0 + width / 2
    return min(strips, key=lambda s: max(0.0, s[0] - middle, middle - s[1]), default=None)


def in_half(items: list, half: Box) -> list:
    """The lines or graphics whose centre lies in ``half``."""
    return [it for it in items if half[0] <= (it.box[0] + it.box[2]) / 2 < half[2]]
