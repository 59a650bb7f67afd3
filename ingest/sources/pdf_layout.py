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
_DELIMITER = re.compile(r"^\s*(?:[.:|\u2502\u2014\u2013\u2219\u00b7]|-\s|\)\s*[A-Z]|$)")
_BOLD_WEIGHT = 600


@dataclass
class Line:
    box: Box
    text: str
    size: float = 0.0  # font size of its first character
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


# -- text lines ----------------------------------------------------------------------------------

def page_lines(textpage, raw_module) -> list[Line]:
    """Text lines of a page: pdfium's text runs, merged along a baseline until a gap wider than a
    line's height (so two columns stay apart), top to bottom."""
    runs = []
    for i in range(textpage.count_rects()):
        box = textpage.get_rect(i)
        text = textpage.get_text_bounded(*box)
        if not text.strip():
            continue
        runs.append((box, text))
    runs.sort(key=lambda r: (-round((r[0][1] + r[0][3]) / 2), r[0][0]))
    lines: list[list] = []
    for box, text in runs:
        for line in reversed(lines[-6:]):
            lb = line[0]
            h = max(lb[3] - lb[1], box[3] - box[1], 1.0)
            centre_a, centre_b = (lb[1] + lb[3]) / 2, (box[1] + box[3]) / 2
            if abs(centre_a - centre_b) < 0.45 * h and -h < box[0] - lb[2] < 0.9 * h:
                line[0] = union([lb, box])
                line[1] += ("" if line[1].endswith(" ") or text.startswith(" ") else " ") + text
                break
        else:
            lines.append([box, text])
    out = []
    for box, text in lines:
        index = textpage.get_index(box[0] + 0.5, (box[1] + box[3]) / 2, 2.0, 2.0)
        size, bold = 0.0, False
        if index is not None and index >= 0:
            size = raw_module.FPDFText_GetFontSize(textpage.raw, index)
            bold = raw_module.FPDFText_GetFontWeight(textpage.raw, index) >= _BOLD_WEIGHT or _bold_name(
                textpage, raw_module, index)
        out.append(Line(tuple(box), text.strip(), size, bold))
    out.sort(key=lambda ln: (-ln.box[3], ln.box[0]))
    return out


def _bold_name(textpage, raw_module, index: int) -> bool:
    import ctypes

    buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int(0)
    n = raw_module.FPDFText_GetFontInfo(textpage.raw, index, buf, 128, ctypes.byref(flags))
    name = buf.raw[: max(0, n - 1)].decode("latin-1", "replace")
    return bool(re.search(r"bold|black|heavy|semibold|\.B$|-B$|Medi", name, re.I))


def is_body_text(line: Line, column_width: float) -> bool:
    """A line of running text (not an axis label or panel letter): long and wide."""
    words = len(line.text.split())
    return words >= 7 and len(line.text) >= 35 and line.width >= 0.55 * column_width


# -- captions ------------------------------------------------------------------------------------

def caption_start(line: Line) -> tuple[str, str, str] | None:
    """(kind, printed label, number) when ``line`` opens a figure/scheme caption, else None."""
    m = CAPTION_START.match(line.text)
    if not m:
        return None
    word, number, after = m.group("word"), m.group("num"), m.group("after")
    if word.lower().rstrip(".").endswith("s") and word.lower().startswith("fig"):
        return None  # "Figures 3 and 4 show": a reference, not a caption
    if not (_DELIMITER.match(after) or line.bold):
        return None
    lower = word.lower()
    kind = "scheme" if lower.startswith("scheme") else "chart" if lower.startswith("chart") else "figure"
    label = f"{word.strip()} {number}" if not word.endswith(".") else f"{word} {number}"
    label = re.sub(r"\s+", " ", label)
    return kind, label, number


def caption_blocks(lines: list[Line]) -> list[Caption]:
    """Every caption on a page with the lines of its text."""
    captions = []
    used: set[int] = set()
    for i, line in enumerate(lines):
        if i in used:
            continue
        start = caption_start(line)
        if start is None:
            continue
        cap = Caption(start[0], start[1], start[2], [line])
        span = line.box
        size = line.size
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
            if vgap > 0.9 * max(last.height, nxt.height, 1.0):
                if x_overlap(nxt.box, span) > 0:
                    break
                continue
            if x_overlap(nxt.box, span) < 0.3 * min(nxt.width, span[2] - span[0]):
                continue
            if nxt.box[0] < span[0] - 0.25 * (span[2] - span[0]) and nxt.width > 1.5 * (span[2] - span[0]):
                break  # a full-width line under a one-column caption: body text
            if caption_start(nxt) or (size and nxt.size and abs(nxt.size - size) > 1.2):
                break
            cap.lines.append(nxt)
            used.add(j)
            span = union([span, nxt.box]) if nxt.width <= 1.6 * (span[2] - span[0]) + 20 else span
            last = nxt
        captions.append(cap)
    return captions


# -- figure regions ------------------------------------------------------------------------------

@dataclass
class Graphic:
    box: Box
    kind: str  # image | path | form | shading
    obj: object = None  # the pdfium page object (images: for their native pixels)


def figure_region(caption: Caption, graphics: list[Graphic], lines: list[Line], page_box: Box,
                  claimed: list[Box]) -> tuple[Box, list[Graphic]] | None:
    """The box of the figure ``caption`` labels, and the graphics in it; None when no graphics are near.

    Looks above the caption first (where journals put figures), then below. ``claimed``: caption
    boxes and regions already given to other figures on the page, which bound the search.
    """
    cap_box = caption.box
    cap_lines = {id(ln) for ln in caption.lines}
    for direction in ("above", "below"):
        found = _region(direction, cap_box, cap_lines, graphics, lines, page_box, claimed)
        if found is not None:
            return found
    return None


def _region(direction, cap_box, cap_lines, graphics, lines, page_box, claimed):
    width = page_box[2] - page_box[0]
    span = (cap_box[0] - 12, cap_box[2] + 12)
    col_width = cap_box[2] - cap_box[0]
    # The window: from the caption to the nearest body-text line (or claimed box) in its span.
    limit = page_box[3] if direction == "above" else page_box[1]
    text_lines = [ln for ln in lines if id(ln) not in cap_lines]
    for ln in text_lines:
        if x_overlap(ln.box, (span[0], 0, span[1], 0)) < 0.5 * min(ln.width, span[1] - span[0]):
            continue
        if direction == "above" and ln.box[1] >= cap_box[3] - 1 and is_body_text(ln, min(col_width, width / 2)):
            limit = min(limit, ln.box[1])
        if direction == "below" and ln.box[3] <= cap_box[1] + 1 and is_body_text(ln, min(col_width, width / 2)):
            limit = max(limit, ln.box[3])
    for box in claimed:
        if box == cap_box or x_overlap(box, (span[0], 0, span[1], 0)) <= 0:
            continue
        if direction == "above" and box[1] >= cap_box[3] - 1:
            limit = min(limit, box[1])
        if direction == "below" and box[3] <= cap_box[1] + 1:
            limit = max(limit, box[3])
    if direction == "above":
        window = (page_box[0], cap_box[3] - 2, page_box[2], limit)
    else:
        window = (page_box[0], limit, page_box[2], cap_box[1] + 2)
    if window[3] - window[1] < 8:
        return None

    def inside(b: Box) -> bool:
        return (b[1] >= window[1] - 2 and b[3] <= window[3] + 2
                and x_overlap(b, (span[0] - 0.5 * width, 0, span[1] + 0.5 * width, 0)) > 0)

    candidates = [g for g in graphics if inside(g.box)]
    if not candidates:
        return None
    # Seed: the graphic nearest the caption that overlaps its span; grow by proximity.
    near = [g for g in candidates if x_overlap(g.box, (span[0], 0, span[1], 0)) > 0]
    if not near:
        return None
    seed = min(near, key=lambda g: gap(g.box, cap_box))
    if gap(seed.box, cap_box) > 0.45 * (window[3] - window[1]) + 40:
        return None
    members = [seed]
    region = seed.box
    pool = [g for g in candidates if g is not seed]
    small_text = [ln for ln in text_lines if inside(ln.box) and not is_body_text(ln, min(col_width, width / 2))]
    changed = True
    while changed:
        changed = False
        for g in list(pool):
            if gap(g.box, region) <= 14:
                members.append(g)
                region = union([region, g.box])
                pool.remove(g)
                changed = True
        for ln in list(small_text):
            if gap(ln.box, region) <= 6:
                region = union([region, ln.box])
                small_text.remove(ln)
                changed = True
    region = (max(region[0], page_box[0]), max(region[1], page_box[1]),
              min(region[2], page_box[2]), min(region[3], page_box[3]))
    if area(region) < 400 or region[2] - region[0] < 15 or region[3] - region[1] < 15:
        return None
    return region, members
