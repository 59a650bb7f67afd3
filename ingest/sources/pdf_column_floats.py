"""A figure set in the other column from its caption: a tall one-column figure fills one column of a
two-column page and its caption is set at the foot (or the head) of the other column, under or over
running text (American Physiological Society journals do this for figures too tall to leave room for
their caption).  Part of the PDF parser; used only for a caption that found no drawing above, below
or beside itself, nor a text-only figure.

The figure is then the largest cluster of drawings in the other column that nothing has claimed: it
must be tall (a quarter of the page or more, so a small plot beside running text never is), and no
running text may run through it.  (``without_running_text``, which cuts any region back from the other
column's running text, lives here too.)
"""

from __future__ import annotations

from figdex.ingest.sources.pdf_layout import (
    Box, Caption, Graphic, Line, _is_body_text, area, gap, intersection, is_body_text, union, x_overlap,
)
from figdex.ingest.sources.pdf_region_growth import _absorb

MIN_HEIGHT_SHARE = 0.25  # of the page: the figure fills most of a column
_FURNITURE = 0.065  # of the page height: the running head's and foot's bands


def other_column_region(caption: Caption, graphics: list[Graphic], lines: list[Line], page_box: Box,
                        claimed: list[Box]) -> tuple[Box, list[Graphic]] | None:
    """The box of the figure ``caption`` labels in the other column of a two-column page, and its
    drawings; None on a one-column page or when that column holds no tall, unclaimed drawing."""
    cap_box = caption.box
    middle = (page_box[0] + page_box[2]) / 2
    # (The column is the caption's half of the page: a column filled by a figure holds no running text
    # for ``column_range`` to count.)
    if cap_box[2] - cap_box[0] > 0.55 * (page_box[2] - page_box[0]):
        return None
    if cap_box[0] >= middle - 15:
        other = (page_box[0], middle + 18)
    elif cap_box[2] <= middle + 15:
        other = (middle - 18, page_box[2])
    else:
        return None
    height = page_box[3] - page_box[1]
    top, bottom = page_box[3] - _FURNITURE * height, page_box[1] + _FURNITURE * height

    def in_other(b: Box) -> bool:
        return b[0] >= other[0] - 2 and b[2] <= other[1] + 2 and b[1] > bottom and b[3] < top

    def free(b: Box) -> bool:
        return not any(intersection(b, c) > 0.1 * max(area(b), 1.0) for c in claimed)

    pool = [g for g in graphics if in_other(g.box) and free(g.box)
            and min(g.box[2] - g.box[0], g.box[3] - g.box[1]) > 2.5]  # not a rule
    if not pool:
        return None
    column_width = other[1] - other[0]
    cap_lines = {id(ln) for ln in caption.lines}
    body = [ln for ln in lines if id(ln) not in cap_lines and in_other(ln.box) and is_body_text(ln, 0.8 * column_width)]
    small = [ln for ln in lines if id(ln) not in cap_lines and in_other(ln.box) and free(ln.box)
             and not is_body_text(ln, 0.8 * column_width)]
    seed = max(pool, key=lambda g: area(g.box))
    pool.remove(seed)
    members, region = [seed], seed.box
    changed = True
    while changed:
        region, changed = _absorb(pool, members, region, lambda box, reg: gap(box, reg) <= 18)
        for ln in list(small):
            if gap(ln.box, region) <= 10:
                region = union([region, ln.box])
                small.remove(ln)
                changed = True
    if region[3] - region[1] < MIN_HEIGHT_SHARE * height or region[2] - region[0] < 0.5 * column_width:
        return None
    if any(intersection(ln.box, region) > 0.5 * area(ln.box) for ln in body):
        return None  # running text inside: a column of text with drawings, not one figure
    return region, members


def figure_on_page_before(caption_first_line: str, lines: list[Line], lines_before: list[Line],
                          graphics_before: list[Graphic], claimed_before: list[Box],
                          page_box: Box) -> tuple[Box, list[Graphic]] | None:
    """A caption that heads its page with nothing drawn near it labels the figure that ends the page
    before (bioRxiv's Google Docs export: a figure fills the foot of page 10, its caption opens page
    11).  The figure is what is drawn under the last running text of that page, claimed by no other
    figure, when it is large (a tenth of the page or more), or what is drawn over its first running
    text when that is larger; None otherwise."""
    head = next((ln for ln in lines if ln.text == caption_first_line), None)
    if head is None:
        return None
    column = page_box[2] - page_box[0]
    above = [ln for ln in lines if ln.box[1] > head.box[3] - 1 and is_body_text(ln, 0.5 * column)]
    if above:
        return None  # running text over the caption: it is not at the page's head
    height = page_box[3] - page_box[1]
    top, bottom = page_box[3] - _FURNITURE * height, page_box[1] + _FURNITURE * height
    # (Not the lines of the head and foot bands: a download's footer, "Variation in Working Memory, edited by
    # ...", under the figure at the foot of an OUP chapter's page, is no running text over it.)
    body = [ln for ln in lines_before if is_body_text(ln, 0.5 * column) and ln.box[1] >= bottom and ln.box[3] <= top]
    floor = min((ln.box[1] for ln in body), default=page_box[3])
    free = [g for g in graphics_before if area(g.box) > 4 and g.box[1] < top and g.box[3] > bottom  # (not a running head's rule)
            and not any(intersection(g.box, c) > 0.5 * area(g.box) for c in claimed_before)]
    drawn = [g for g in free if g.box[3] <= floor + 1]
    if body:
        # Or the figure heads that page, over its last running text (Nature Communications: a figure fills
        # page 4 down to a few paragraphs, its caption opens page 5): the larger of the two.
        ceiling = max(ln.box[3] for ln in body)
        over = [g for g in free if g.box[1] >= ceiling - 1]
        if over and (not drawn or area(union([g.box for g in over])) > area(union([g.box for g in drawn]))):
            drawn = over
    if not drawn:
        return None
    # The end of a paragraph under the running text (a short last line, drawn as paths or under a
    # highlight) is not the figure: what sits over the largest drawing and under a text line is left out.
    largest = max(drawn, key=lambda g: area(g.box))
    drawn = [g for g in drawn if g is largest or g.box[1] < largest.box[3] - 1
             or not any(intersection(g.box, ln.box) >= 0.8 * area(g.box) for ln in lines_before)]
    box = union([g.box for g in drawn])
    page_area = (page_box[2] - page_box[0]) * (page_box[3] - page_box[1])
    if area(box) < 0.1 * page_area or box[3] - box[1] < 0.1 * (page_box[3] - page_box[1]):
        return None
    return box, drawn


def without_running_text(region: Box, caption: Caption, lines: list[Line], page_box: Box) -> Box:
    """``region`` cut back to its caption's side where running text of the next column lies inside it:
    a plot's curve clipped to its axes reports the box of the whole curve (REVTeX: across the page), and
    a column's short lines (a heading, a paragraph's last line) can chain a figure into the text beside
    it.  Only for a figure over or under its caption (a caption beside its figure has other text)."""
    cap_box = caption.box
    if x_overlap(region, cap_box) < 0.5 * (cap_box[2] - cap_box[0]):
        return region
    cap_lines = {id(ln) for ln in caption.lines}
    half = (page_box[2] - page_box[0]) / 2
    inside = [ln for ln in lines if id(ln) not in cap_lines and _is_body_text(ln, half)
              and intersection(ln.box, region) > 0.5 * area(ln.box)]
    left = [ln.box[2] for ln in inside if ln.box[2] <= cap_box[0] + 5]
    right = [ln.box[0] for ln in inside if ln.box[0] >= cap_box[2] - 5]
    x0 = max(left) + 1 if len(left) >= 2 else region[0]
    x1 = min(right) - 1 if len(right) >= 2 else region[2]
    return (x0, region[1], x1, region[3]) if x1 - x0 > 15 else region
