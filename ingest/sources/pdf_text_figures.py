"""Figures that are only text: a framed box of example sentences, an indented block of grammar rules,
an optimisation problem set as text lines, a sample of XML.  pdfium sees no drawing there (or only
the frame's four thin lines, which look like rules), so ``figure_region`` finds nothing and the
caption would be stored without a region.

Used only for a caption that has no drawing anywhere near it.  The figure is then, in this order:

* a frame: two horizontal thin lines of the same extent joined by two vertical ones, next to the
  caption (within ``MAX_CAPTION_GAP``);
* a block of text lines next to the caption, in its column, that does not read as running text: its
  lines are indented or cut short against the column's text edges, or set in another size.  The block
  ends at a wider gap than its own lines leave, at a running-text line, another caption, a region
  already taken, or the page's head/foot band.
"""

from __future__ import annotations

from statistics import median

from figdex.ingest.sources.pdf_layout import (
    Box, Caption, Graphic, Line, area, caption_start, intersection, is_body_text, line_gap, union, x_overlap,
)
from figdex.ingest.sources.pdf_regions import column_range

MAX_CAPTION_GAP = 24.0  # points between a figure's edge and its caption
_THIN = 2.5  # points: a stroke, not a shape
_MAX_RULES = 300  # a page with more thin lines is a table or a drawing, not a framed text box


def frames(graphics: list[Graphic]) -> list[Box]:
    """Rectangles drawn as four thin lines (a top and a bottom rule of the same extent, and a vertical
    rule at each end between them)."""
    paths = [g.box for g in graphics if g.kind in ("path", "image")]  # some PDFs draw rules as 1-pixel images
    across = [b for b in paths if b[3] - b[1] <= _THIN and b[2] - b[0] >= 40]
    down = [b for b in paths if b[2] - b[0] <= _THIN and b[3] - b[1] >= 20]
    if len(across) > _MAX_RULES or len(down) > _MAX_RULES:
        return []
    out = []
    for top in across:
        for bottom in across:
            if bottom[1] >= top[1] - 15 or abs(bottom[0] - top[0]) > 3 or abs(bottom[2] - top[2]) > 3:
                continue

            def side(x: float, end: int) -> bool:
                return any(abs(v[end] - x) <= 3 and v[1] <= bottom[3] + 3 and v[3] >= top[1] - 3 for v in down)

            if side(top[0], 0) and side(top[2], 2):
                out.append((min(top[0], bottom[0]), bottom[1], max(top[2], bottom[2]), top[3]))
    return out


def text_figure_region(caption: Caption, lines: list[Line], graphics: list[Graphic], page_box: Box,
                       claimed: list[Box]) -> tuple[Box, list[Graphic]] | None:
    """The region of a text-only figure next to ``caption`` and the graphics in it, or None."""
    cap = caption.box
    columns = column_range(cap, lines, page_box)
    span = (max(cap[0] - 12, columns[0]), min(cap[2] + 12, columns[1]))
    span_box = (span[0], 0.0, span[1], 0.0)
    others = [c for c in claimed if c != cap]

    def free(b: Box) -> bool:
        return not any(intersection(b, c) > 0 for c in others)

    best = None
    for frame in frames(graphics):
        if x_overlap(frame, span_box) < 0.6 * (frame[2] - frame[0]) or not free(frame):
            continue
        if frame[1] >= cap[3] - 1:
            distance = frame[1] - cap[3]
        elif frame[3] <= cap[1] + 1:
            distance = cap[1] - frame[3]
        else:
            continue
        if distance <= MAX_CAPTION_GAP and (best is None or distance < best[0]):
            best = (distance, frame)
    if best is not None:
        return best[1], _inside(best[1], graphics)
    # A text figure may be wider than its caption: the block's lines are looked for across the column, up to
    # halfway to a caption (or figure) level with this one beside it (two code listings side by side, each
    # captioned under itself: JSS's "Figure 4:" and "Figure 5:").
    within = list(columns)
    for other in others:
        level = min(other[3], cap[3]) - max(other[1], cap[1])
        if level <= 0.5 * min(other[3] - other[1], cap[3] - cap[1]) or x_overlap(other, cap) > 0:
            continue
        if other[0] >= cap[2]:
            within[1] = min(within[1], (cap[2] + other[0]) / 2)
        elif other[2] <= cap[0]:
            within[0] = max(within[0], (other[2] + cap[0]) / 2)
    return _text_block(caption, lines, graphics, page_box, columns, free, (within[0], within[1]))


def _text_block(caption: Caption, lines: list[Line], graphics: list[Graphic], page_box: Box,
                span: tuple[float, float], free, within: tuple[float, float] | None = None,
                ) -> tuple[Box, list[Graphic]] | None:
    """The block of text lines over or under ``caption`` in the column ``span`` (its lines, those in ``within``
    when given; the column's running text measured across the whole span)."""
    cap = caption.box
    cap_ids = {id(ln) for ln in caption.lines}
    width = span[1] - span[0]
    column = [ln for ln in lines if id(ln) not in cap_ids and ln.text.strip()
              and x_overlap(ln.box, (span[0], 0.0, span[1], 0.0)) >= 0.5 * max(ln.width, 1.0)]
    body = [ln for ln in column if is_body_text(ln, width)]
    if within is not None and tuple(within) != tuple(span):
        column = [ln for ln in column if x_overlap(ln.box, (within[0], 0.0, within[1], 0.0)) >= 0.5 * max(ln.width, 1.0)]
    if len(body) < 3:
        return None  # no running text to tell a text figure from
    left, right = median(ln.box[0] for ln in body), median(ln.box[2] for ln in body)
    body_size = median(ln.size for ln in body)
    usual = line_gap(lines)
    height = page_box[3] - page_box[1]
    band_top, band_bottom = page_box[3] - 0.065 * height, page_box[1] + 0.065 * height

    def same_size(ln: Line) -> bool:
        return abs(ln.size - body_size) <= 0.08 * max(body_size, 1.0)

    def running(ln: Line) -> bool:
        return (is_body_text(ln, width) and same_size(ln) and abs(ln.box[0] - left) <= 4
                and ln.box[2] >= right - 12)

    for direction in ("above", "below"):
        if direction == "above":
            seq = sorted((ln for ln in column if ln.box[1] >= cap[3] - 1), key=lambda ln: ln.box[1])
            edge = cap[3]
        else:
            seq = sorted((ln for ln in column if ln.box[3] <= cap[1] + 1), key=lambda ln: -ln.box[3])
            edge = cap[1]
        block: list[Line] = []
        for ln in seq:
            distance = ln.box[1] - edge if direction == "above" else edge - ln.box[3]
            # The figure's own lines sit closer together than the float's margin to the text around it
            # (less than a line's height apart, formulas included).
            # (The float's own margin: up to three lines of the running text, where a document sets its
            # floats further apart than ``MAX_CAPTION_GAP``: LNCS's grammars stand 26-33 pt off their captions.)
            limit = (max(MAX_CAPTION_GAP, 3 * (body_size + usual)) if not block
                     else max(3 * usual, ln.height, 1.6 * body_size))
            if block and not same_size(ln) and abs(ln.size - block[-1].size) <= 0.05 * max(ln.size, 1.0):
                limit = max(limit, 2.2 * ln.height)  # a blank line inside a block set in its own size (an e-mail's paragraphs)
            if (distance > limit or caption_start(ln) or running(ln) or not free(ln.box)
                    or ln.box[3] > band_top or ln.box[1] < band_bottom):
                break
            block.append(ln)
            edge = max(edge, ln.box[3]) if direction == "above" else min(edge, ln.box[1])
        if not block:
            continue
        box = union(ln.box for ln in block)
        if box[3] - box[1] < 12 or box[2] - box[0] < 40:
            continue
        set_apart = sum(abs(ln.box[0] - left) > 4 or ln.box[2] < right - 12 for ln in block)
        other_size = sum(not same_size(ln) for ln in block)
        if set_apart >= 0.5 * len(block) or other_size >= 0.5 * len(block):
            # Drawings among the lines (a table's rules, underlines) belong to the figure.
            grown = (box[0] - 4, box[1] - 4, box[2] + 4, box[3] + 4)
            members = [g for g in graphics if intersection(g.box, grown) >= 0.5 * max(area(g.box), 1e-6)]
            return union([box] + [g.box for g in members]), members
    return None


def _inside(box: Box, graphics: list[Graphic]) -> list[Graphic]:
    return [g for g in graphics if g.box[0] >= box[0] - 2 and g.box[2] <= box[2] + 2
            and g.box[1] >= box[1] - 2 and g.box[3] <= box[3] + 2]
