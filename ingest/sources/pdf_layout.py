"""Page geometry of a PDF: text lines, drawing objects, figure captions and the regions they label.

Coordinates are PDF points with the origin at the bottom left of the page (PDF's own), boxes are
``(x0, y0, x1, y1)`` with ``y1`` the top.  Everything here works on what pdfium reports; no model.

How a figure is found (the approach of PDFFigures 2.0, Clark & Divvala 2016, rewritten from its
paper, not its code): a caption is a line that opens with "Figure 3." / "Fig. 3 |" / "Scheme 1:"
(or a bold "Figure 3"); its text runs on through the lines below it in the same column; the
figure is the cluster of graphics (raster images, vector paths) and short text (axis labels,
panel letters) between the caption and the nearest body-text line above it (below it when there
is nothing above).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

Box = tuple[float, float, float, float]

# "Figure 3", "Fig. 3", "FIG. 3", "Figure S2", "Scheme 1", "Chart 2": a label as printed, at a line start.
CAPTION_START = re.compile(
    r"^\s*(?P<word>Fig(?:ure)?s?\.?|FIG(?:URE)?S?\.?|Scheme|SCHEME|Chart|CHART)\s*(?P<num>S?\d{1,3}[A-Za-z]?)"
    r"(?P<after>.*)$", re.S)
# What may follow the number in a caption (not in a body sentence such as "Figure 3 shows ...").
_DELIMITER = re.compile(r"^\s*(?:[.:|\u2502\u2014\u2013\u2219\u00b7]|-\s|$)")
_BOLD_WEIGHT = 600


@dataclass
class Line:
    box: Box
    text: str
    size: float = 0.0  # height of its first character's box (the font size as drawn)
    bold: bool = False  # its first character is bold

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]


@dataclass
class Caption:
    kind: str  # figure | scheme | chart
    label: str  # as printed: "Figure 3", "Fig. 3", "Scheme 1"
    number: str  # "3", "S2"
    lines: list[Line] = field(default_factory=list)

    @property
    def box(self) -> Box:
        return union([ln.box for ln in self.lines])

    @property
    def text(self) -> str:
        return join_lines([ln.text for ln in self.lines])


def union(boxes) -> Box:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def area(b: Box) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def intersection(a: Box, b: Box) -> float:
    return area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def iou(a: Box, b: Box) -> float:
    inter = intersection(a, b)
    return inter / (area(a) + area(b) - inter) if inter else 0.0


def gap(a: Box, b: Box) -> float:
    """Distance between two boxes (0 when they touch or overlap)."""
    dx = max(0.0, max(a[0], b[0]) - min(a[2], b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[3], b[3]))
    return max(dx, dy)


def x_overlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def join_lines(texts: list[str]) -> str:
    """Lines joined as printed: a hyphen pdfium marked as soft (\\x02) at a line end joins the word."""
    out = ""
    for text in texts:
        text = text.replace("\r", "").replace("\n", " ").strip()
        if not text:
            continue
        if out.endswith("\x02"):
            out = out[:-1] + text
        elif out:
            out += " " + text
        else:
            out = text
    return re.sub(r"\s+", " ", out.replace("\x02", "-").replace("\ufffe", "-")).strip()


def _is_body_text(line: Line, column_width: float) -> bool:
    return is_body_text(line, column_width)


def is_body_text(line: Line, column_width: float) -> bool:
    """A line of running text (not an axis label or panel letter): long and wide."""
    words = line.text.split()
    # A "line" much taller than its letters is glyphs of a drawing or formula merged, not running text;
    # one of one- and two-letter tokens is a row of tick labels ("0- 1+ 2+ ...").
    return (len(words) >= 7 and len(line.text) >= 35 and line.width >= 0.55 * column_width
            and line.height <= 2.2 * max(line.size, 1.0) and sum(map(len, words)) >= 2.5 * len(words))


# -- captions ------------------------------------------------------------------------------------

def caption_start(line: Line) -> tuple[str, str, str] | None:
    """(kind, printed label, number) when ``line`` opens a figure/scheme caption, else None."""
    m = CAPTION_START.match(line.text)
    if not m:
        return None
    word, number, after = m.group("word"), m.group("num"), m.group("after")
    if word.lower().rstrip(".").endswith("s") and word.lower().startswith("fig"):
        return None  # "Figures 3 and 4 show": a reference, not a caption
    if re.match(r"\s*[),;]", after):
        return None  # "Fig. 3), it did shift ...": a reference in running text (Nature sets them bold)
    if not (_DELIMITER.match(after) or line.bold):
        return None
    if not _DELIMITER.match(after) and re.match(r"\s*[a-z]", after):
        return None  # "Figure 6 shows ...": a sentence about the figure, not its caption
    lower = word.lower()
    kind = "scheme" if lower.startswith("scheme") else "chart" if lower.startswith("chart") else "figure"
    label = f"{word.strip()} {number}" if not word.endswith(".") else f"{word} {number}"
    label = re.sub(r"\s+", " ", label)
    return kind, label, number


def line_gap(lines: list[Line]) -> float:
    """The page's usual gap between one line and the next in a paragraph (median, points)."""
    gaps = []
    for a, b in zip(lines, lines[1:]):
        g = a.box[1] - b.box[3]
        if (-1 < g < 15 and len(a.text.split()) >= 5 and len(b.text.split()) >= 5
                and x_overlap(a.box, b.box) > 0.5 * min(a.width, b.width)):
            gaps.append(g)
    gaps.sort()
    return max(gaps[len(gaps) // 2], 0.5) if gaps else 2.0


def caption_blocks(lines: list[Line], graphics: list | None = None) -> list[Caption]:
    """Every caption on a page with the lines of its text.  A caption ends at a wider gap than the
    page's paragraphs use, at a drawing between two lines, or where running text resumes."""
    usual_gap = line_gap(lines)
    graphics = graphics or []
    captions = []
    used: set[int] = set()
    for i, line in enumerate(lines):
        if i in used:
            continue
        start = caption_start(line)
        if start is None:
            continue
        # A hanging label ("Figure 6" in a margin, its text to the right): the same baseline's
        # next line is the caption's first line.
        head = line
        for j in range(i + 1, min(i + 12, len(lines))):
            other = lines[j]
            if j in used or abs((other.box[1] + other.box[3]) / 2 - (line.box[1] + line.box[3]) / 2) > 0.4 * line.height:
                continue
            if 0 <= other.box[0] - line.box[2] < 45 and len(line.text.split()) <= 3:
                head = Line(union([line.box, other.box]), line.text + " " + other.text, line.size, line.bold)
                used.add(j)
                break
        line = head
        cap = Caption(start[0], start[1], start[2], [line])
        span = line.box
        last = line
        for j in range(i + 1, len(lines)):
            nxt = lines[j]
            if j in used:
                continue
            if nxt.box[3] > last.box[1] + 0.5 * last.height:
                # same height as the last line: another column (or a wrapped label); skip it
                if x_overlap(nxt.box, span) > 0 and nxt.box[0] > last.box[2]:
                    continue
                continue
            vgap = last.box[1] - nxt.box[3]
            # (A caption set smaller than the body leaves its own, smaller gaps: its line height counts too.)
            if vgap > 0.9 * max(last.height, nxt.height, 1.0) or vgap > max(1.8 * usual_gap, usual_gap + 1.2,
                                                                             0.45 * min(last.height, nxt.height)):
                if x_overlap(nxt.box, span) > 0:
                    break
                continue
            if last.text.rstrip().endswith(".") and nxt.text[:1].islower():
                break  # a sentence of running text goes on under a one-line caption
            if any(g.box[1] >= nxt.box[3] - 1 and g.box[3] <= last.box[1] + 1
                   and x_overlap(g.box, span) > 0.3 * (span[2] - span[0]) for g in graphics):
                break  # a drawing (a rule, a frame) between the two lines
            if x_overlap(nxt.box, span) < 0.3 * min(nxt.width, span[2] - span[0]):
                continue
            if nxt.box[0] < span[0] - 0.25 * (span[2] - span[0]) and nxt.width > 1.5 * (span[2] - span[0]):
                break  # a full-width line under a one-column caption: body text
            if caption_start(nxt) or abs(nxt.size - last.size) > 0.22 * max(last.size, 1.0):
                break  # another caption, or text of another size (the body under a caption)
            if any(k != j and abs((o.box[1] + o.box[3]) / 2 - (nxt.box[1] + nxt.box[3]) / 2) < 0.4 * nxt.height
                   and x_overlap(o.box, span) > 0 and x_overlap(o.box, nxt.box) <= 0 and not caption_start(o)
                   for k, o in enumerate(lines[max(0, j - 4):j + 5], start=max(0, j - 4))):
                break  # two columns side by side under a full-width caption: running text
            cap.lines.append(nxt)
            used.add(j)
            span = union([span, nxt.box]) if nxt.width <= 1.6 * (span[2] - span[0]) + 20 else span
            last = nxt
        captions.append(cap)
    return captions


# -- figure regions ------------------------------------------------------------------------------

def _without_wrapped_prose(small: list[Line], lines: list[Line]) -> list[Line]:
    """``small`` less the running text set in a narrow column beside a figure (text wrapped around
    it): three or more stacked lines of sentences at the body's type size, aligned on one
    edge.  Axis labels and legends are shorter, or smaller, or not stacked like that."""
    sizes = sorted(ln.size for ln in lines if len(ln.text.split()) >= 7)
    if not sizes:
        return small
    body_size = sizes[len(sizes) // 2]

    def prose(ln: Line) -> bool:
        return (len(ln.text.split()) >= 4 and len(ln.text) >= 20
                and abs(ln.size - body_size) <= 0.08 * max(body_size, 1.0))

    candidates = [ln for ln in small if prose(ln)]
    wrapped: set[int] = set()
    for ln in candidates:
        for edge in (0, 2):  # left-aligned, or justified to one right edge (a paragraph's indented first line)
            stack = [o for o in candidates if abs(o.box[edge] - ln.box[edge]) <= 2
                     and abs((o.box[1] + o.box[3]) / 2 - (ln.box[1] + ln.box[3]) / 2) <= 3.5 * max(ln.height, 1.0)]
            if len(stack) >= 3:
                wrapped.update(id(o) for o in stack)
    return [ln for ln in small if id(ln) not in wrapped]


@dataclass
class Graphic:
    box: Box
    kind: str  # image | path | form | shading
    obj: object = None  # "top" for an image drawn directly on the page: its own pixels can be taken


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


def _float_columns(columns, window, cap_box, text_lines, claimed, page_box, is_body_text, body_width):
    """``columns``, or the whole page width for a caption set above a figure that spans both columns
    (ACS: a short caption at the left over a page-wide scheme): the other column holds no running
    text and no other caption beside the caption and the window under it."""
    if columns == (page_box[0], page_box[2]):
        return columns
    middle = (page_box[0] + page_box[2]) / 2
    other = (middle, page_box[2]) if columns[0] <= page_box[0] else (page_box[0], middle)
    low, high = window[1], cap_box[3]

    def beside(b: Box) -> bool:
        # (the other column's first line under the float sits level with this one's: not beside it)
        return x_overlap(b, (other[0], 0, other[1], 0)) > 0.5 * (b[2] - b[0]) and b[1] < high and b[1] > low - 2

    if any(beside(ln.box) and is_body_text(ln, body_width) for ln in text_lines):
        return columns
    if any(box != cap_box and beside(box) for box in claimed):
        return columns
    return page_box[0], page_box[2]


def _region(direction, cap_box, cap_lines, graphics, lines, page_box, claimed, columns, frames=()):
    width = page_box[2] - page_box[0]
    height = page_box[3] - page_box[1]
    col_width = cap_box[2] - cap_box[0]
    # Text inside a large drawn panel (a framed or shaded box, a form) is the figure's own text.
    panels = [b for b in [g.box for g in graphics] + list(frames) if area(b) >= 5000 and not intersection(b, cap_box)]
    text_lines = [ln for ln in lines if id(ln) not in cap_lines]
    boxed = {id(ln) for ln in text_lines
             if any(intersection(ln.box, p) >= 0.95 * area(ln.box) for p in panels)}
    body_width = min(col_width, width / 2)

    def is_body_text(ln: Line, column_width: float) -> bool:
        return id(ln) not in boxed and _is_body_text(ln, column_width)
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
        for box in claimed:
            if box == cap_box or x_overlap(box, (span[0], 0, span[1], 0)) <= 5:
                continue
            if direction == "above" and box[1] >= cap_box[3] - 1:
                limit = min(limit, box[1])
            if direction == "below" and box[3] <= cap_box[1] + 1:
                limit = max(limit, box[3])
        if direction == "above":
            window = (page_box[0], cap_box[3] - 2, page_box[2], limit)
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
            if x_overlap(ln.box, window) <= 0 or not is_body_text(ln, (window[2] - window[0]) * 0.8):
                continue
            if ln.box[1] >= cap_box[3]:
                top = min(top, ln.box[1])
            elif ln.box[3] <= cap_box[1]:
                bottom = max(bottom, ln.box[3])
        window = (window[0], bottom, window[2], top)
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
        return g.kind == "path" and thin and (
            (b[2] - b[0] >= 0.85 * (cap_box[2] - cap_box[0]) and b[2] - b[0] > 100)
            or b[1] > page_box[3] - 0.09 * height or b[3] < page_box[1] + 0.09 * height)

    # A drawing mostly inside the window counts, cut to it: a Form XObject's box is its declared
    # BBox, often larger than what it draws.
    # Old PDFs draw text as one tiny image per glyph (bitmap fonts): those are letters, not figures.
    tiny = [g for g in graphics if g.kind == "image" and g.box[2] - g.box[0] < 12 and g.box[3] - g.box[1] < 12]
    glyphs = {id(g) for g in tiny} if len(tiny) > 40 else set()
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
        elif g.kind == "form" and intersection(g.box, window) >= 0.3 * area(g.box) > 0:
            cut = (max(g.box[0], window[0]), max(g.box[1], window[1]), min(g.box[2], window[2]), min(g.box[3], window[3]))
            candidates.append(Graphic(cut, g.kind, g.obj))
    if not candidates:
        return None
    # Seed: the graphic nearest the caption that overlaps its span; grow by proximity.
    if direction in ("above", "below"):
        near = [g for g in candidates
                if x_overlap(g.box, (span[0], 0, span[1], 0)) > 0.25 * min(g.box[2] - g.box[0], cap_box[2] - cap_box[0])
                and (g.box[0] >= columns[0] - 2 and g.box[2] <= columns[1] + 2 or g.box[0] < columns[1] < g.box[2]
                     or g.box[0] < columns[0] < g.box[2])]
    else:
        near = [g for g in candidates if g.box[1] <= cap_box[3] and g.box[3] >= cap_box[1]]
    if not near:
        return None
    seed = min(near, key=lambda g: gap(g.box, cap_box))
    reach = (window[3] - window[1]) if direction in ("above", "below") else (window[2] - window[0])
    small_text = [ln for ln in text_lines if inside(ln.box) and not is_body_text(ln, body_width)
                  and band_bottom < ln.box[1] and ln.box[3] < band_top]
    small_text = _without_wrapped_prose(small_text, text_lines)
    seed_gap = gap(seed.box, cap_box)
    if direction in ("left", "right"):
        # A figure beside its caption may open with its own labels (a panel letter, a sideways axis
        # title) before its first drawing: they are the figure's edge.
        seed_gap = min([seed_gap] + [gap(ln.box, cap_box) for ln in small_text if gap(ln.box, seed.box) <= 18])
    if seed_gap > 0.45 * reach + 40 or (direction in ("left", "right") and seed_gap > 40):
        return None
    members = [seed]
    region = seed.box
    pool = [g for g in candidates if g is not seed]
    changed = True
    middle = page_box[0] + width / 2
    two_column = columns != (page_box[0], page_box[2])

    def allowed(b: Box) -> bool:
        # On a two-column page a figure stays in its caption's column unless a drawing crosses the
        # gutter (a full-width figure over a short one-column caption, as IEEE sets them).
        if not two_column or (region[0] < middle - 0.08 * width and region[2] > middle + 0.08 * width):
            return True
        reach = 0.08 * width  # well into both columns, not a panel's shadow over the gutter
        return (b[0] >= columns[0] - 2 and b[2] <= columns[1] + 2) or b[0] < middle - reach < middle + reach < b[2]


    def same_row(b: Box) -> bool:
        return min(b[3], region[3]) - max(b[1], region[1]) >= 0.5 * min(b[3] - b[1], region[3] - region[1])

    def grow() -> None:
        nonlocal region, changed
        changed = True
        while changed:
            changed = False
            for g in list(pool):
                # Near, or a panel beside in the same row (grids of plots leave wider gutters).
                if (gap(g.box, region) <= 18 or (same_row(g.box) and gap(g.box, region) <= 30)) and allowed(g.box):
                    members.append(g)
                    region = union([region, g.box])
                    pool.remove(g)
                    changed = True
            for ln in list(small_text):
                if gap(ln.box, region) <= 10 and allowed(ln.box):
                    region = union([region, ln.box])
                    small_text.remove(ln)
                    changed = True

    grow()
    cap_width = cap_box[2] - cap_box[0]
    if direction in ("above", "below") and region[2] - region[0] < 0.6 * cap_width:
        # A row of panels set wide apart under one wide caption: the panels in the same row within
        # the caption's width are the same figure, however wide the gutters between them.
        for g in list(pool):
            if (x_overlap(g.box, cap_box) >= 0.5 * (g.box[2] - g.box[0]) and same_row(g.box)
                    and gap(g.box, region) <= 0.5 * cap_width and allowed(g.box)):
                members.append(g)
                region = union([region, g.box])
                pool.remove(g)
        grow()
    if direction == "above":
        # Another row of the same grid, set further apart than its panels (ACS: a row of structures
        # with their names under it): shapes within the figure's width, up to 40 pt over it (a
        # table's rules, or a table set as an image wider than the figure, are not).
        grown = True
        while grown:
            grown = False
            for g in list(pool):
                if (g.box[1] >= region[3] - 1 and g.box[1] - region[3] <= 40 and g.box[0] >= region[0] - 2
                        and min(g.box[2] - g.box[0], g.box[3] - g.box[1]) > 2.5  # not a table's rule
                        and g.box[2] <= region[2] + 2 and allowed(g.box)):
                    members.append(g)
                    region = union([region, g.box])
                    pool.remove(g)
                    grown = True
        grow()
    if direction == "below":
        # A caption set above its figure (ACS schemes) heads a float that runs down to the text
        # under it: structures and arrows spread apart with wide white space are all its drawing.
        for g in list(pool):
            if allowed(g.box):
                members.append(g)
                region = union([region, g.box])
                pool.remove(g)
        grow()
    region = (max(region[0], page_box[0]), max(region[1], page_box[1]),
              min(region[2], page_box[2]), min(region[3], page_box[3]))
    if area(region) < 400 or region[2] - region[0] < 15 or region[3] - region[1] < 15:
        return None
    return region, members
