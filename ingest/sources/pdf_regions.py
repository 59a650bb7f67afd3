"""The region of a figure next to its caption: the graphics and short text between the caption and
the nearest running text (above it first, then below, then beside it).  Part of the PDF parser; the
lines, captions and boxes it works on are ``pdf_layout``'s.
"""

from __future__ import annotations

import re

from figdex.ingest.sources.pdf_layout import (
    _TABLE_LABEL, Box, Caption, Graphic, Line, _is_body_text, area, drawn_over, gap, intersection, union, x_overlap,
)
from figdex.ingest.sources.pdf_caption_frame import shade_ground
from figdex.ingest.sources.pdf_equations import equation_rows
from figdex.ingest.sources.pdf_region_growth import (
    _PANEL_TITLE, _absorb, _in_columns, _labels_beside, _subcaptions_under, framed_text, section_heading, side_panel,
    solid, subcaption_stacks, without_wrapped_prose,
)

# A table's caption ("Table 1: Sample characteristics ..."): never a figure's own text, even set inside
# the table's shaded box (Lancet), which made it look like a panel's words.
_TABLE_CAPTION = re.compile(r"^\s*(?:Table|TABLE)\s+[A-Z]?\d{1,3}\s*[.:|\u2502]\s*\S")
# A bold "Table 2" and its title with no stop (CHI), set in a narrow margin column: the table's caption too.
_BOLD_TABLE_LABEL = re.compile(r"^\s*(?:Table|TABLE)\s+[A-Z]?\d{1,3}\s+[A-Z]")


def figure_region(caption: Caption, graphics: list[Graphic], lines: list[Line], page_box: Box,
                  claimed: list[Box], directions: tuple[str, ...] = ("above", "below", "left", "right"),
                  frames: list[Box] = (),
                  ) -> tuple[Box, list[Graphic]] | None:
    """The box of the figure ``caption`` labels, and the graphics in it; None when no graphics are near.

    Looks above the caption first (where journals put figures), then below, then beside it (a
    caption set in a margin column).  ``claimed``: caption boxes and regions already given to other
    figures on the page, which bound the search.  ``directions``: where to look, in order (the page
    loop looks above every caption before it looks below any, so that a caption with nothing drawn
    above it does not take the figure that sits above the next caption).  ``frames``: boxes drawn as
    four separate rules (``pdf_text_figures.frames``), whose text is a figure's as a panel's is.
    """
    cap_box = caption.box
    cap_lines = {id(ln) for ln in caption.lines}
    columns = column_range(cap_box, lines, page_box)
    beside = []
    for direction in directions:
        found = _region(direction, cap_box, cap_lines, graphics, lines, page_box, claimed, columns, frames)
        if found is not None and direction not in ("left", "right"):
            return found
        if found is not None:
            beside.append(found)
    # A caption in a side column has its figure on one side and the page margin on the other (where a
    # journal prints its copyright line sideways): the larger drawing is the figure.
    return max(beside, key=lambda hit: area(hit[0]), default=None)


def column_range(cap_box: Box, lines: list[Line], page_box: Box) -> tuple[float, float]:
    """The horizontal range a figure of this caption may take: its column on a two-column page (most
    running-text lines under half the page wide), the whole width otherwise or for a wide caption."""
    width = page_box[2] - page_box[0]
    body = [ln for ln in lines if len(ln.text.split()) >= 7 and len(ln.text) >= 35]
    middle = page_box[0] + width / 2
    narrow = [ln for ln in body if ln.width < 0.55 * width]
    left = sum(ln.box[2] <= middle + 15 for ln in narrow)
    right = sum(ln.box[0] >= middle - 15 for ln in narrow)
    # Two columns: most running text is under half the page wide, on both sides (not a margin
    # column of captions beside full-width text).
    if len(body) < 6 or len(narrow) < 0.6 * len(body) or min(left, right) < 3:
        return page_box[0], page_box[2]
    if cap_box[2] <= middle + 15:
        return page_box[0], middle + 18
    if cap_box[0] >= middle - 15:
        return middle - 18, page_box[2]
    return page_box[0], page_box[2]


def _float_columns(columns, window, cap_box, text_lines, claimed, page_box, is_body_text, body_width,
                   above=None):
    """``columns``, or the whole page width for a caption set above a figure that spans both columns
    (ACS: a short caption at the left over a page-wide scheme): the other column holds no running
    text and no other caption beside the caption and the window under it.  ``above``: a caption under
    a page-wide figure, set in two columns (Nature Communications: "Fig. 6 | ..." runs on at the head of
    the right column): the other column holds no running text nor caption between the caption's top
    and the window's, and a full line of it starts level with the caption (its text goes on there; not
    a label of the figure beside) in the type size of the caption (``above``: its first line), set apart
    from the running text's (a caption level with the other column's running text is not run on there)."""
    if columns == (page_box[0], page_box[2]):
        return columns
    middle = (page_box[0] + page_box[2]) / 2
    other = (middle, page_box[2]) if columns[0] <= page_box[0] else (page_box[0], middle)
    low, high = (cap_box[3] - 1, window[3]) if above else (window[1], cap_box[3])
    if above:
        level = [ln for ln in text_lines if x_overlap(ln.box, (other[0], 0, other[1], 0)) > 0.5 * ln.width
                 and abs(ln.box[3] - cap_box[3]) <= 0.5 * max(ln.height, 1.0) and is_body_text(ln, body_width)]
        # (not the other column's own caption set level with this one: two figures side by side)
        if not level or any(intersection(ln.box, box) > 0.5 * area(ln.box) for ln in level for box in claimed):
            return columns
        sizes = sorted(ln.size for ln in text_lines if len(ln.text.split()) >= 7)
        body_size = sizes[len(sizes) // 2] if sizes else 0.0
        if not any(abs(ln.size - above.size) <= 0.05 * above.size and ln.size <= 0.92 * body_size for ln in level):
            return columns

    def beside(b: Box) -> bool:
        # (the other column's first line under the float sits level with this one's: not beside it)
        return x_overlap(b, (other[0], 0, other[1], 0)) > 0.5 * (b[2] - b[0]) and b[1] < high and b[1] > low - 2

    if any(beside(ln.box) and is_body_text(ln, body_width) for ln in text_lines):
        return columns
    if any(box != cap_box and beside(box) for box in claimed):
        return columns
    return page_box[0], page_box[2]


def _scan_text_block(window: Box, lines: list[Line], page_box: Box, body_size: float) -> Box:
    """A scanned page's window cut to its text block: between the running text's left and right edges
    (the scan's margins hold specks, not figures) and under its running head (the page's top line, short,
    in the top eighth of the page), for the page image the window cuts."""
    body = [ln for ln in lines if len(ln.text.split()) >= 7 and abs(ln.size - body_size) <= 0.25 * max(body_size, 1.0)]
    if len(body) < 3:
        return window
    x0, x1 = min(ln.box[0] for ln in body) - 8, max(ln.box[2] for ln in body) + 8
    top = max(lines, key=lambda ln: ln.box[3])
    y1 = window[3]
    if top.box[1] > page_box[3] - 0.125 * (page_box[3] - page_box[1]) and len(top.text.split()) <= 8:
        y1 = min(y1, top.box[1] - 1)
    return (max(window[0], x0), window[1], min(window[2], x1), y1)


def _region(direction, cap_box, cap_lines, graphics, lines, page_box, claimed, columns, frames=()):
    width = page_box[2] - page_box[0]
    height = page_box[3] - page_box[1]
    col_width = cap_box[2] - cap_box[0]
    # Text inside a large drawn panel (a framed or shaded box, a form) is the figure's own text.
    panels = [b for b in [g.box for g in graphics] + list(frames) if area(b) >= 5000 and not intersection(b, cap_box)]
    text_lines = [ln for ln in lines if id(ln) not in cap_lines]
    boxed = {id(ln) for ln in text_lines if any(intersection(ln.box, p) >= 0.95 * area(ln.box) for p in panels)}
    body_width = min(col_width, width / 2)

    # A scanned page with an OCR text layer: the figure is drawn in the page's one image, and every
    # line of words (a formula, a short closing line) bounds it, not only long running text.
    scan = any(g.kind == "image" and area(g.box) >= 0.5 * width * height for g in graphics)
    # (OCR read inside a figure: tick labels and marks at their own small size, a drawing's strokes read as
    # giant letters; a formula is at the text's size.)
    sizes = sorted(ln.size for ln in lines if len(ln.text.split()) >= 7)
    scan_size = sizes[len(sizes) // 2] if scan and sizes else 0.0
    boxed |= drawn_over(direction, text_lines, graphics, sizes, body_width)  # (a chart's row of names: its own)
    stacks = subcaption_stacks(text_lines)  # (panels' sub-captions side by side, each on lines of its own)
    boxed |= stacks

    # On a page of two text columns, a line across the gutter that starts where no running-text line starts
    # is a drawing's own title (a chart's axis title, centred under plots drawn over both columns' width).
    middle = page_box[0] + width / 2
    prose = [ln for ln in text_lines if _is_body_text(ln, body_width)]
    two_columns = (sum(ln.box[2] < middle for ln in prose) >= 3 and sum(ln.box[0] > middle for ln in prose) >= 3)

    def across_gutter(ln: Line) -> bool:
        # (next to a drawing that crosses the gutter too: a centred running head over two column figures
        # is furniture that still bounds them)
        return (two_columns and ln.box[0] < middle < ln.box[2]
                and not any(o is not ln and abs(o.box[0] - ln.box[0]) <= 4 for o in prose)
                and any(g.box[0] < middle < g.box[2] and gap(g.box, ln.box) <= 3 * ln.height for g in graphics))

    def is_body_text(ln: Line, column_width: float) -> bool:
        if (scan and len(ln.text.split()) >= 3 and len(ln.text) >= 15 and ln.width >= 60
                and 0.75 * scan_size <= ln.size <= 1.6 * scan_size):
            return True
        if _TABLE_CAPTION.match(ln.text) and _is_body_text(ln, column_width):
            return True
        if ln.bold and _BOLD_TABLE_LABEL.match(ln.text) and len(ln.text.split()) >= 4:
            return True  # (however narrow: the table over it is not the figure under its own caption)
        return id(ln) not in boxed and (_is_body_text(ln, column_width) and not across_gutter(ln) or section_heading(
            ln, prose, graphics, sizes[len(sizes) // 2] if sizes else 0.0))  # ("2.3. But where ..." over a flow chart)
    row_span = cap_box  # the width a row of panels set wide apart may take
    if direction in ("above", "below"):
        span = (max(cap_box[0] - 12, columns[0]), min(cap_box[2] + 12, columns[1]))
        # The window: from the caption to the nearest body-text line (or claimed box) in its span.
        limit = page_box[3] if direction == "above" else page_box[1]
        for ln in text_lines:
            if x_overlap(ln.box, (span[0], 0, span[1], 0)) < 0.5 * min(ln.width, span[1] - span[0]):
                continue
            if direction == "above" and ln.box[1] >= cap_box[3] - 1 and is_body_text(ln, body_width):
                limit = min(limit, ln.box[1])
            if direction == "below" and ln.box[3] <= cap_box[1] + 1 and is_body_text(ln, body_width):
                limit = max(limit, ln.box[3])
        # (a numbered display equation between the caption and the figure's far side is running text too)
        for box in equation_rows(text_lines, prose, sizes[len(sizes) // 2] if sizes else 0.0):
            if x_overlap(box, (span[0], 0, span[1], 0)) <= 0:
                continue
            if direction == "above" and box[1] >= cap_box[3] - 1:
                limit = min(limit, box[1])
            if direction == "below" and box[3] <= cap_box[1] + 1:
                limit = max(limit, box[3])
        for box in claimed:
            # (a region claimed in the next column may reach a few points into the caption's padded span
            # with its own margin: no bound on this column's figure)
            if box == cap_box or x_overlap(box, (span[0], 0, span[1], 0)) <= max(5.0, 0.05 * (span[1] - span[0])):
                continue
            if direction == "above" and box[1] >= cap_box[3] - 1:
                limit = min(limit, box[1])
            if direction == "below" and box[3] <= cap_box[1] + 1:
                limit = max(limit, box[3])
        if direction == "above":
            window = (page_box[0], cap_box[3] - 2, page_box[2], limit)
            narrow = columns != (page_box[0], page_box[2])
            first = max((ln for ln in lines if id(ln) in cap_lines), key=lambda ln: ln.box[3])
            columns = _float_columns(columns, window, cap_box, text_lines, claimed, page_box, is_body_text, body_width,
                                     above=first)
            if narrow and columns == (page_box[0], page_box[2]):  # (its panels spread over both columns' width)
                row_span = (page_box[0], cap_box[1], page_box[2], cap_box[3])
        else:
            window = (page_box[0], limit, page_box[2], cap_box[1] + 2)
            columns = _float_columns(columns, window, cap_box, text_lines, claimed, page_box, is_body_text, body_width)
    else:
        # Beside the caption: between it and the column edge, as high as the text around allows.
        # A caption set beside its figure sits in a margin column: the figure may take the rest of the
        # page width, whatever the text columns are.
        columns = (page_box[0], page_box[2])
        if direction == "left":
            window = (columns[0], page_box[1], cap_box[0] + 2, page_box[3])
        else:
            window = (cap_box[2] - 2, page_box[1], columns[1], page_box[3])
        span = (window[0], window[2])
        top, bottom = page_box[3], page_box[1]
        for ln in text_lines:
            # (a line mostly in the caption's own column, under or over it, does not bound the figure beside)
            if x_overlap(ln.box, window) <= 0.5 * ln.width or not is_body_text(ln, (window[2] - window[0]) * 0.8):
                continue
            if ln.box[1] >= cap_box[3]:
                top = min(top, ln.box[1])
            elif ln.box[3] <= cap_box[1]:
                bottom = max(bottom, ln.box[3])
        window = (window[0], bottom, window[2], top)
    if any(g.kind == "image" and area(g.box) > 0.8 * width * height for g in graphics):  # (a scan under OCR text)
        window = _scan_text_block(window, lines, page_box, scan_size)
    if window[3] - window[1] < 8 or window[2] - window[0] < 20:
        return None

    def inside(b: Box) -> bool:
        return (b[1] >= window[1] - 2 and b[3] <= window[3] + 2 and b[0] >= window[0] - 2
                and b[2] <= window[2] + 2)

    def is_rule(g: Graphic) -> bool:
        # A caption's or table's horizontal rule (a thin line across the caption's whole span), or a
        # running head's / foot's rule in the page margin: never part of a figure.
        b = g.box
        thin = b[3] - b[1] <= 2.5
        return g.kind == "path" and thin and not solid(b, frames) and (  # (a frame's side is no rule)
            (b[2] - b[0] >= 0.85 * (cap_box[2] - cap_box[0]) and b[2] - b[0] > 100)
            or b[1] > page_box[3] - 0.09 * height or b[3] < page_box[1] + 0.09 * height)

    # A drawing mostly inside the window counts, cut to it: a Form XObject's box is its declared
    # BBox, often larger than what it draws.
    # Old PDFs draw text as one tiny image per glyph (bitmap fonts): those are letters, not figures.
    tiny = [g for g in graphics if g.kind == "image" and g.box[2] - g.box[0] < 12 and g.box[3] - g.box[1] < 12]
    glyphs = ({id(g) for g in tiny} if len(tiny) > 40 else set()) | shade_ground(cap_box, graphics)  # (and a box's shade)
    # Running heads and feet (a journal's bar, a rule, a logo) sit in the page's top and bottom bands.
    band_top, band_bottom = page_box[3] - 0.065 * height, page_box[1] + 0.065 * height
    candidates = []
    for g in graphics:
        if id(g) in glyphs or g.box[1] >= band_top or g.box[3] <= band_bottom:
            continue
        if g.box[3] - g.box[1] <= 25 and (g.box[3] > band_top or g.box[1] < band_bottom):
            continue  # a running head's or foot's bar reaching into the page: page furniture
        if is_rule(g):
            continue
        if inside(g.box):
            candidates.append(g)
        elif (g.kind == "form" and intersection(g.box, window) >= 0.3 * area(g.box) > 0
              or scan and g.kind == "image" and area(g.box) >= 0.5 * width * height and intersection(g.box, window) > 0):
            cut = (max(g.box[0], window[0]), max(g.box[1], window[1]), min(g.box[2], window[2]), min(g.box[3], window[3]))
            # (never into the caption's own lines: their ink would be trimmed to as the figure's)
            if direction == "above" and cut[1] < cap_box[3] < cut[3]:
                cut = (cut[0], cap_box[3], cut[2], cut[3])
            elif direction == "below" and cut[1] < cap_box[1] < cut[3]:
                cut = (cut[0], cut[1], cut[2], cap_box[1])
            candidates.append(Graphic(cut, g.kind, g.obj))
    if not candidates:
        return None
    # Seed: the graphic nearest the caption that overlaps its span; grow by proximity.
    if direction in ("above", "below"):
        near = [g for g in candidates
                if x_overlap(g.box, (span[0], 0, span[1], 0)) > 0.25 * min(g.box[2] - g.box[0], cap_box[2] - cap_box[0])
                and (g.box[0] >= columns[0] - 2 and g.box[2] <= columns[1] + 2 or g.box[0] < columns[1] < g.box[2]
                     or g.box[0] < columns[0] < g.box[2])]
        if not near and len(cap_lines) == 1:
            # A one-line caption set flush left under (or over) a centred figure ("Fig. 1. Continued."):
            # a drawing in its column that starts right at its edge.
            near = [g for g in candidates if g.box[0] < columns[1] and g.box[2] > columns[0]
                    and 0 <= (g.box[1] - cap_box[3] if direction == "above" else cap_box[1] - g.box[3]) <= 24]
    else:
        near = [g for g in candidates if g.box[1] <= cap_box[3] and g.box[3] >= cap_box[1]]
    if not near:
        return None
    seed = min(near, key=lambda g: gap(g.box, cap_box))
    reach = (window[3] - window[1]) if direction in ("above", "below") else (window[2] - window[0])
    small_text = [ln for ln in text_lines if inside(ln.box) and not is_body_text(ln, body_width)
                  and band_bottom < ln.box[1] and ln.box[3] < band_top]
    small_text = without_wrapped_prose(small_text, text_lines)
    seed_gap = gap(seed.box, cap_box)
    if direction in ("left", "right"):
        # A figure beside its caption may open with its own labels (a panel letter, a sideways axis
        # title) before its first drawing: they are the figure's edge.
        seed_gap = min([seed_gap] + [gap(ln.box, cap_box) for ln in small_text if gap(ln.box, seed.box) <= 18])
    # (Beside: 60 pt off, or 90 for a drawing level with all the caption: JBC's plot 60 pt into the page.)
    side_limit = 90 if seed.box[1] <= cap_box[1] and seed.box[3] >= cap_box[3] else 60
    if seed_gap > 0.45 * reach + 40 or (direction in ("left", "right") and seed_gap > side_limit):
        return None
    members = [seed]
    region = seed.box
    pool = [g for g in candidates if g is not seed]
    # (What another figure took does not grow this one: JBC's plot stands 12 pt over the next one's panels, beside
    # its caption; a LaTeX minipage's plot stands 29 pt beside the one over the other minipage's caption, ICLR.)
    pool = [g for g in pool if not any(c != cap_box and intersection(g.box, c) >= 0.5 * area(g.box) for c in claimed)]
    # (Nor a table drawn right under its own "TABLE 2." line, 29 pt over a column figure: IEEE Access sets its
    # tables and figures in one column with no running text between.)
    heads = [ln.box for ln in text_lines if _TABLE_LABEL.match(ln.text)]
    pool = [g for g in pool if not any(0 <= h[1] - g.box[3] <= 30 and x_overlap(h, g.box) > 0.5 * (h[2] - h[0])
                                       for h in heads)]
    changed = True
    middle = page_box[0] + width / 2
    two_column = columns != (page_box[0], page_box[2])

    def allowed(b: Box) -> bool:
        # On a two-column page a figure stays in its caption's column unless a drawing crosses the
        # gutter (a full-width figure over a short one-column caption, as IEEE sets them).
        if not two_column or (region[0] < middle - 0.08 * width and region[2] > middle + 0.08 * width):
            return True
        reach = 0.08 * width  # well into both columns, not a panel's shadow over the gutter
        # (but not into the figure already found in the other column: a drawing clipped to its own
        # frame reports the box it would fill unclipped, FAA's nuts reach 40 pt into the next figure)
        # (nor a drawing whose union with the figure would take the other column's figure: IEEE Access's table
        # over both columns, 18 pt over a column figure, took the figure beside in the other column with it)
        grown = union([region, b])
        if b[0] < middle - reach < middle + reach < b[2] and not any(
                box != cap_box and box[3] - box[1] > 30
                and (intersection(b, box) > 0 or intersection(grown, box) > 0.2 * area(box)) for box in claimed):
            return True
        # Within the column and its slack over the gutter, but not wholly past the page's middle: the
        # figure beside in the other column may start there (IOP: its sideways axis title 10 pt off).
        inside_column = b[0] >= columns[0] - 2 and b[2] <= columns[1] + 2
        return inside_column and (b[0] < middle if columns[0] <= page_box[0] else b[2] > middle)


    def same_row(b: Box) -> bool:
        return min(b[3], region[3]) - max(b[1], region[1]) >= 0.5 * min(b[3] - b[1], region[3] - region[1])

    def grow() -> None:
        nonlocal region, changed
        changed = True
        while changed:
            # Near, or a panel beside in the same row (grids of plots leave wider gutters).
            region, changed = _absorb(pool, members, region, lambda box, reg: (
                (gap(box, reg) <= 18 or (same_row(box) and gap(box, reg) <= 30)) and allowed(box)))
            for ln in list(small_text):
                # (A panel's title opening with its letter, "C Global Protein Stability Assay", within a row's
                # spacing under a figure beside its caption: the next row of the figure starts there, Cell Press.)
                reach = 20 if direction in ("left", "right") and _PANEL_TITLE.match(ln.text) \
                    and x_overlap(ln.box, region) >= 0.9 * ln.width else 10
                # (A panel's sub-caption level with the figure's, in the row beside: the next panel's, as a
                # drawing in the same row is taken.)
                if id(ln) in stacks and region[1] <= (ln.box[1] + ln.box[3]) / 2 <= region[3]:
                    reach = 30
                # (A line of words across the gutter does not take a one-column figure over both columns, as a
                # drawing does: the author lines centred over an arXiv paper's first-page figure are no labels.)
                if gap(ln.box, region) <= reach and allowed(ln.box) and (not two_column or _in_columns(ln.box, region, columns)
                                                                         or region[0] < middle < region[2]):
                    region = union([region, ln.box])
                    small_text.remove(ln)
                    changed = True

    grow()
    # A caption centred under a grid whose gutter is wider than a row's (a Word report's 2 x 2 plots, 34 pt apart):
    # the figure found on one side of the caption's middle goes on across it, in the same row.
    middle_of_caption, w = (cap_box[0] + cap_box[2]) / 2, region[2] - region[0]
    if direction in ("above", "below") and not region[0] + 0.3 * w <= middle_of_caption <= region[2] - 0.3 * w:
        right = middle_of_caption > (region[0] + region[2]) / 2
        region, _ = _absorb(pool, members, region, lambda box, reg: same_row(box) and gap(box, reg) <= 60 and allowed(box)
                            and (box[0] >= reg[2] if right else box[2] <= reg[0]))
        grow()
    cap_width = row_span[2] - row_span[0]
    if direction in ("above", "below") and region[2] - region[0] < 0.6 * cap_width:
        # A row of panels set wide apart under one wide caption: the panels in the same row within
        # the caption's width are the same figure, however wide the gutters between them.
        region, _ = _absorb(pool, members, region, lambda box, reg: (
            x_overlap(box, row_span) >= 0.5 * (box[2] - box[0]) and same_row(box)
            and gap(box, reg) <= 0.5 * cap_width and allowed(box)))
        grow()
    if direction == "above":
        # Another row of the same grid, set further apart than its panels (ACS: a row of structures
        # with their names under it): shapes within the figure's width, up to 40 pt over it (a
        # table's rules, or a table set as an image wider than the figure, are not).
        # (Neither takes a drawing level with another caption or figure: Science's Fig. 1 over Fig. 2, its caption
        # beside it, on a white box drawn under both.)
        def level_with_other(box: Box) -> bool:
            return any(b != cap_box and b[1] < box[3] and box[1] < b[3] for b in claimed)

        # (Nor a frame around running text in the text's own size: Tuning-LDA's shadowed "Result 6" box, 26 pt
        # over a column figure, is the prose's callout, not a row of the figure.)
        text_size = sizes[len(sizes) // 2] if sizes else 0.0

        def prose_frame(box: Box) -> bool:
            return any(intersection(ln.box, box) >= 0.95 * area(ln.box) and abs(ln.size - text_size) <= 0.05 * text_size
                       for ln in prose)

        grown = True
        while grown:
            region, grown = _absorb(pool, members, region, lambda box, reg: (
                box[1] >= reg[3] - 1 and box[1] - reg[3] <= 40 and box[0] >= reg[0] - 2
                and solid(box, frames)  # not a table's rule
                and box[2] <= reg[2] + 2 and allowed(box) and not level_with_other(box) and not prose_frame(box)))
        grow()
        image_boxes = {g.box for g in pool if g.kind == "image"}
        # Panels stacked further apart (the NMR SI: two spectra images 64 pt apart, nothing between
        # them): a large drawing over the figure, within its width, is more of it -- the window already
        # stops at the running text or another figure's caption above.
        grown = True
        while grown:
            region, grown = _absorb(pool, members, region, lambda box, reg: (
                box[1] >= reg[3] - 1 and area(box) >= 0.5 * area(reg) and box in image_boxes
                and x_overlap(box, reg) >= 0.8 * (box[2] - box[0]) and allowed(box) and not level_with_other(box)))
        grow()
        # A figure's panels stacked wide apart under running text or the page's head (IPCC: a plot whose axes are
        # not drawn, a panel's title 35 pt under the panel over it): all drawing within the figure's width.  Not
        # under another caption or figure: what stands between is that one's (ACS: a scheme under its caption).
        # (Nor with a table's label in the window: "TABLE II" centred over its table, IEEE.)
        if not any(b != cap_box and b[1] >= cap_box[3] - 1 and abs(b[1] - window[3]) <= 1 for b in claimed) and not any(
                _TABLE_LABEL.match(ln.text) and ln.box[1] >= region[3] - 1 and inside(ln.box) for ln in text_lines):
            region, _ = _absorb(pool, members, region, lambda box, reg: (
                box[1] >= reg[3] - 1 and solid(box, frames) and box[0] >= reg[0] - 12
                and box[2] <= reg[2] + 12 and allowed(box) and not level_with_other(box) and not prose_frame(box)))
            grow()
    if direction in ("left", "right"):
        # A grid beside its caption (ASBMB): rows further apart than their panels, over and under the
        # row beside the caption, within the figure's width.
        # (Not level with another caption or figure: that is the next figure's row.)
        others = [b for b in claimed if b != cap_box]
        grown = True
        while grown:
            region, grown = _absorb(pool, members, region, lambda box, reg: (
                gap(box, reg) <= 40 and box[0] >= reg[0] - 2 and box[2] <= reg[2] + 2
                and min(box[2] - box[0], box[3] - box[1]) > 2.5
                and not any(b[1] <= box[3] and box[1] <= b[3] for b in others)))
        grow()
    if direction == "below":
        # A caption set above its figure (ACS schemes) heads a float that runs down to the text
        # under it: structures and arrows spread apart with wide white space are all its drawing.
        taken = True
        while taken:  # (taking a drawing across the gutter allows the other column's)
            taken = [g for g in pool if allowed(g.box)]
            if taken:
                members.extend(taken)
                region = union([region] + [g.box for g in taken])
                kept = {id(g) for g in taken}
                pool[:] = [g for g in pool if id(g) not in kept]
        grow()
    if direction == "above":
        # (and then a panel of words under its sub-caption: "(a) SCM" under its equations, beside a DAG)
        for pick in (lambda: _subcaptions_under(region, small_text, cap_box),
                     lambda: side_panel(region, small_text, text_lines, cap_box, prose)):
            row = pick()
            if row:
                region = union([region] + [ln.box for ln in row])
                small_text[:] = [ln for ln in small_text if all(ln is not r for r in row)]
                grow()
    # A frame drawn as four rules (a boxed abstract) holding what was found: the figure is the frame (its side
    # rule seeded the region, and its text stands further off that rule than a panel's labels do), unless it
    # holds another caption or figure too.
    for f in frames:
        if (f[0] - 2 <= region[0] and region[2] <= f[2] + 2 and f[1] - 2 <= region[1] and region[3] <= f[3] + 2
                and inside(f) and not any(c != cap_box and intersection(c, f) > 0 for c in claimed)):
            region = union([region, f])
    region = union([region] + [ln.box for ln in framed_text(region, text_lines, frames)])  # (a draft's image paths)
    region = _labels_beside(region, small_text, pool, allowed, prose)
    region = (max(region[0], page_box[0]), max(region[1], page_box[1]),
              min(region[2], page_box[2]), min(region[3], page_box[3]))
    if area(region) < 400 or region[2] - region[0] < 15 or region[3] - region[1] < 15:
        return None
    return region, members
