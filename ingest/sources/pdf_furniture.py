"""Running heads and feet: the lines a journal repeats at the top or foot of its pages (title and
authors, the journal's name, a page number).  Part of the PDF parser: a figure region that reaches up
into a running head (a Form XObject whose box covers the page's top, PoS) is cut below it and the
rule under it, before the region is trimmed to its ink.
"""

from __future__ import annotations

import re
from collections import Counter

from figdex.ingest.sources.pdf_layout import Box, Graphic, Line, x_overlap

_BAND = 0.16  # of the page height: where running heads and feet are set (a scan keeps wide margins)


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text)).strip().lower()


def repeated_lines(pages_text: list[list[Line]], heights: dict[int, float]) -> set[str]:
    """The texts (digits read as one sign) of lines set in the top or foot band of at least three
    pages, or of half the pages of a short document: running heads and feet."""
    counts: Counter = Counter()
    for index, lines in enumerate(pages_text):
        height = heights.get(index)
        if not height:
            continue
        keys = {_key(ln.text) for ln in lines
                if ln.box[1] >= (1 - _BAND) * height or ln.box[3] <= _BAND * height}
        counts.update(k for k in keys if len(k) >= 4)
    need = max(2, min(3, len(pages_text) // 2))
    return {k for k, n in counts.items() if n >= need}


def below_running_head(region: Box, lines: list[Line], graphics: list[Graphic] | None, height: float,
                       repeated: set[str]) -> Box:
    """``region`` cut below a running head inside its top (and above a running foot inside its
    bottom), with the rule set under (over) it: what the page repeats is not the figure's."""
    x0, y0, x1, y1 = region
    for ln in lines:
        if _key(ln.text) not in repeated or x_overlap(ln.box, region) <= 0 or _titles_a_drawing(ln, graphics, height):
            continue
        if ln.box[1] >= (1 - _BAND) * height and y0 < ln.box[1] < y1 and not _drawn_over(ln, graphics, region, lines, repeated):
            # (the rule within 10 pt of the head itself: not one stepped down to from rule to rule, a plot's
            # tick marks and error bars' caps 10 pt apart led the cut through the figure)
            rules = [g.box[1] for g in graphics or () if g.box[3] - g.box[1] <= 2.5
                     and ln.box[1] - 10 <= g.box[3] <= ln.box[1] + 1 and x_overlap(g.box, region) > 0]
            y1 = min(y1, min(rules + [ln.box[1]]) - 0.5)
        elif ln.box[3] <= _BAND * height and y0 < ln.box[3] < y1:
            rules = [g.box[3] for g in graphics or () if g.box[3] - g.box[1] <= 2.5
                     and ln.box[3] - 1 <= g.box[1] <= ln.box[3] + 10 and x_overlap(g.box, region) > 0]
            y0 = max(y0, max(rules + [ln.box[3]]) + 0.5)
    return (x0, y0, x1, y1) if y1 - y0 > 8 else region


def _drawn_over(line: Line, graphics: list[Graphic] | None, region: Box, lines: list[Line], repeated: set[str]) -> bool:
    """A drawing of the figure, or a line of its words the pages do not repeat, reaches higher than ``line`` beside
    it (not a box holding the line, not a rule): the line is the figure's own, a legend's title the pages repeat
    ("Device" by the plots of three figures at page tops, a sn-jnl manuscript), not a running head, which stands
    over all the figure's drawing and words."""
    if any(o is not line and _key(o.text) not in repeated and o.box[3] >= line.box[3] + 2
           and x_overlap(o.box, line.box) <= 0 and region[0] - 1 <= o.box[0] and o.box[2] <= region[2] + 1
           and o.box[3] <= region[3] + 1 for o in lines):
        return True
    for g in graphics or ():
        b = g.box
        if (b[3] - b[1] <= 2.5 or b[2] - b[0] <= 2.5 or b[0] <= line.box[0] and b[2] >= line.box[2]
                or not (region[0] - 1 <= b[0] and b[2] <= region[2] + 1 and b[1] >= region[1] - 1)):
            continue
        if b[3] >= line.box[3] + 2 and b[1] < line.box[1]:
            return True
    return False


def _titles_a_drawing(line: Line, graphics: list[Graphic] | None, height: float) -> bool:
    """``line`` set right over (or under) a drawing, within 3 pt, and no wider than it: a plot's title or axis
    label that the pages repeat (an appendix's grids of the same panels, "Wave, beta = 5", at the top of three
    pages of the PINN preprint), not a running head.  (A drawing whose box holds the line -- a Form XObject's
    box over the page's top --, a rule, and a strip of a scanned page reaching its edge do not count.)"""
    for g in graphics or ():
        b = g.box
        if (b[3] - b[1] <= 2.5 or b[2] - b[0] <= 2.5 or (b[1] <= line.box[1] and b[3] >= line.box[3])
                or b[0] <= 1 or b[1] <= 1 or b[3] >= height - 1):
            continue
        if x_overlap(b, line.box) >= 0.9 * line.width and (0 <= line.box[1] - b[3] <= 3 or 0 <= b[1] - line.box[3] <= 3):
            return True
    return False


def drawing_key(graphic: Graphic, height: float) -> tuple | None:
    """Where a drawing wholly inside the top or foot band is drawn (its box to the point), else None: only
    such drawings can be a page's furniture."""
    b = graphic.box
    if graphic.kind == "image" or not (b[1] >= (1 - _BAND) * height or b[3] <= _BAND * height):
        return None
    return tuple(round(v) for v in b)


def repeated_drawings(pages: list[tuple[list[Graphic], float]]) -> set[tuple]:
    """The places of drawings (paths, forms) in the top or foot band at one box on at least three pages,
    or half the pages of a short document (``repeated_lines``' measure): a running head's rule or logo."""
    counts: Counter = Counter()
    for graphics, height in pages:
        counts.update({k for g in graphics if (k := drawing_key(g, height)) is not None})
    need = max(2, min(3, len(pages) // 2))
    return {k for k, n in counts.items() if n >= need}
