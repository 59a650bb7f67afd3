"""Page geometry of a PDF: text lines, drawing objects, figure captions (the regions they label are
found by ``pdf_regions``).

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

# "Figure 3", "Fig. 3", "FIG. 3", "Figure S2", "Scheme 1", "Chart 2": a label as printed, at a line start;
# books number figures by chapter ("Figure 3-11", "Figure 7-26.": IBM Redbooks, FAA handbooks).
# An OCR text layer over a scan reads a label's stops as commas ("Fig,5.4.", "Fig.5,5."): read as stops.
# An appendix numbers its figures after its letter, with a stop or without ("Figure B.1", IOP's "Figure A1").
# A figure numbered within a box of a report (IPCC: "Box 7.5, Figure 1 |", "Cross-Chapter Box 6, Figure 1 |"):
# the box's name opens the label, and each box numbers its figures from 1.
CAPTION_START = re.compile(
    r"^\s*(?P<box>(?:Cross-Chapter\s+)?Box\s+[A-Z]?\d{1,3}(?:\.\d{1,3})?,\s*)?(?P<word>Fig(?:ure)?s?[.,]?|FIG(?:URE)?S?\.?|Scheme|SCHEME|Chart|CHART)\s*"
    r"(?P<num>(?:S|[A-RT-Z]\.?(?=\d))?\d{1,3}(?:[-\u2013.,]\d{1,3}(?![\d.,]\d))?[A-Za-z]?)"
    r"(?P<after>.*)$", re.S)
# What may follow the number in a caption (not in a body sentence such as "Figure 3 shows ...").
_DELIMITER = re.compile(r"^\s*(?:[.:|\u2502\u2014\u2013\u2219\u00b7]|-\s|$)")
_BOLD_WEIGHT = 600
_NUMBER = re.compile(r"^[-\u2212+]?[\d.,]+%?$")
# The rest of a panel list after a label that ends in a letter: "a, b." in "Fig. 5.1a, b. Electric ...".
_PANEL_LIST = re.compile(r"(?:\s*(?:,|and|&|[-\u2013])\s*[a-z])+(?=\s*[.:]\s)")
# Sub-captions side by side: "(a) ..." opening the line, "(b) ..." further on it.
_SUBCAPTION_ROW = re.compile("|".join(rf"^\s*\({a}\)\s.*\s\({b}\)\s" for a, b in zip("abcdefgh", "bcdefghi"))
                             + r"|^\s*\([a-h]\)\s+[A-Z][^.;:,]{0,55}$", re.S)  # (a panel and the next: "(b) ... (c) ...")
# (or one panel's sub-caption, short and titled, no sentence: chemrxiv's "(d) Finetuned model with SIDT delta model")
_LISTED = re.compile(r";\s*(?:Fig(?:ure)?s?\.?|Table|Scheme|Video)\s*S?\d{1,3}[A-Za-z]?\s*[.:]")


@dataclass
class Line:
    box: Box
    text: str
    size: float = 0.0  # height of its first character's box (the font size as drawn)
    bold: bool = False  # its first character is bold
    glyph_boxed: bool = False  # its font gives no ascent/descent: ``size`` is its first glyph's own height

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


def join_lines(texts: list[str], words=None) -> str:
    """Lines joined as printed: a hyphen pdfium marked as soft (\\x02) at a line end joins the word,
    and stays when it belongs to a compound (``pdf_hyphens``: ``words``, the document's words, decide);
    a hard one ("3-Alkyl/Aryl-3-" over "Hydroxyoxindoles") joins the compound and stays, unless the
    document writes the two parts as one word elsewhere."""
    from figdex.ingest.sources.pdf_hyphens import HARD_BREAK, SOFT_BREAK, resolve_soft_breaks

    out = ""
    for text in texts:
        text = text.replace("\r", "").replace("\n", " ").strip()
        if not text:
            continue
        if out.endswith("\x02"):
            out = out[:-1] + SOFT_BREAK + text
        elif re.search(r"[^\s-]-$", out) and text[:1].isalpha():
            out = out[:-1] + HARD_BREAK + text
        elif re.search(r"\w\u2013$", out) and text[:1].isalnum():
            out += text  # (a range broken after its en dash, "(A1–" over "A9)": one word, as printed)
        elif out:
            out += " " + text
        else:
            out = text
    out = re.sub(r"\s+", " ", out.replace("\x02", "-").replace("\ufffe", "-")).strip()
    return resolve_soft_breaks(out, words)


def _is_body_text(line: Line, column_width: float) -> bool:
    return is_body_text(line, column_width)


def is_body_text(line: Line, column_width: float) -> bool:
    """A line of running text (not an axis label or panel letter): long and wide."""
    words = line.text.split()
    # A "line" much taller than its letters is glyphs of a drawing or formula merged, not running text;
    # one of one- and two-letter tokens is a row of tick labels ("0- 1+ 2+ ...").
    # A row of numbers (an axis's tick labels read across a grid of plots) is not running text either.
    # A row of sub-captions set side by side under a figure's panels ("(a) WorldExpo (b) TRANCOS (c) UCSD
    # original split") is the figure's, however long it runs.
    return (len(words) >= 7 and len(line.text) >= 35 and line.width >= 0.55 * column_width
            and line.height <= 2.2 * max(line.size, 1.0) and sum(map(len, words)) >= 2.5 * len(words)
            and sum(_numeric(w) for w in words) < 0.6 * len(words) and not _SUBCAPTION_ROW.match(line.text))


def drawn_over(direction: str, lines: list[Line], graphics: list[Graphic], sizes: list[float],
                body_width: float) -> set[int]:
    """The long lines that are a figure's own words, not running text: set off the running text's type size
    (or bold), with a drawing right against them on the side away from the caption (``direction``) -- a row
    of a chart's category names under its bars, a legend's row beside its swatches, a panel's title ("b. AFOLU
    regional trends ...") between two panels, a note under a plot (IPCC).  Running text of another size
    over a figure (an abstract, a table) has the figure under it, on the caption's side, not over it."""
    if direction not in ("above", "below") or not sizes:
        return set()
    body_size = sizes[len(sizes) // 2]

    def off_size(ln: Line) -> bool:
        # (A page of figures with next to no running text has no type size of its own to tell them by.)
        return abs(ln.size - body_size) > 0.05 * body_size or len(sizes) < 8

    out = set()
    # (A drawing's own small words -- tick labels, a year axis -- are part of it: a panel title may stand on them.)
    # (Under a caption set over its drawing, not a long rule: one closes a scheme's notes, ACS.)
    anchors = [g.box for g in graphics if (g.box[2] - g.box[0]) * (g.box[3] - g.box[1]) >= 20 and (direction == "above" or not (
               min(g.box[2] - g.box[0], g.box[3] - g.box[1]) <= 2.5 and max(g.box[2] - g.box[0], g.box[3] - g.box[1]) > 60))]
    # (Not under a caption set over its drawing: a scheme's footnotes under it are no drawing of it, ACS.)
    # (Smaller than the running text: a heading over the text under it is no drawing, arXiv 1902.03049.)
    anchors += [ln.box for ln in lines if ln.size < 0.95 * body_size and not is_body_text(ln, body_width)
                and direction == "above"]
    # (A note of several lines under a plot: each line found stands for the drawing over the next.  Not a table's
    # row, three numbers or more, nor its caption: a table over a figure is no part of it, arXiv 1504.06236.)
    rest = [ln for ln in lines if (ln.bold or off_size(ln)) and is_body_text(ln, body_width)
            and sum(_numeric(w) for w in ln.text.split()) < 3 and not _TABLE_LABEL.match(ln.text)]
    found = True
    while found:
        found = False
        for ln in rest:
            reach, h = max(1.5 * ln.height, 8.0), ln.height
            for b in anchors:
                if x_overlap(b, ln.box) <= 0 or b == ln.box:
                    continue
                # (level with the line, or over it within a line and a half; not a shade under it and the text around;
                # a bold panel title, "b. Global land-use change ...", heads the drawing under it too)
                over = b[3] >= ln.box[1] + 1 and ln.box[1] - h <= b[1] <= ln.box[3] + reach
                under = b[1] <= ln.box[3] - 1 and ln.box[1] - reach <= b[3] <= ln.box[3] + h
                if (over if direction == "above" else under) or ln.bold and under and _PANEL_HEAD.match(ln.text):
                    out.add(id(ln))
                    anchors.append(ln.box)
                    found = True
                    break
        rest = [ln for ln in rest if id(ln) not in out]
    return out


_TABLE_LABEL = re.compile(r"^\s*(?:Table|TABLE)\s+[A-Z]?[\dIVX]+\b")
_PANEL_HEAD = re.compile(r"^\s*(?:\([a-h]\)|[a-h][.)])\s+[A-Z]")


def _numeric(word: str) -> bool:
    """A tick label: a number ("0.5", "-3", "20%"), digits with one letter ("v0.12.1", "10k"), or a date of a time
    axis ("1-Oct-06", "Jan-2020", "2019/03")."""
    return (bool(_NUMBER.match(word)) or (any(c.isdigit() for c in word) and sum(c.isalpha() for c in word) <= 1)
            or bool(_DATE.fullmatch(word)))


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
_DATE = re.compile(rf"\d{{1,4}}[-/.]{_MONTH}[-/.]?\d{{0,4}}|{_MONTH}[-/.]?\d{{2,4}}|\d{{4}}[-/]\d{{1,2}}", re.I)


# -- captions ------------------------------------------------------------------------------------

def caption_start(line: Line) -> tuple[str, str, str] | None:
    """(kind, printed label, number) when ``line`` opens a figure/scheme caption, else None."""
    m = CAPTION_START.match(line.text)
    if not m:
        return None
    word, number, after = m.group("word").replace(",", "."), m.group("num").replace(",", "."), m.group("after")
    if word.lower().rstrip(".").endswith("s") and word.lower().startswith("fig"):
        return None  # "Figures 3 and 4 show": a reference, not a caption
    if _LISTED.search(after):
        return None  # "Figure S2. NMR of A; Figure S3. NMR of B": a list of supplementary files (MDPI)
    panels = _PANEL_LIST.match(after) if number[-1:].isalpha() else None
    if panels:  # "Fig. 5.1a, b. Electric fields ...": the label names its panels before its stop
        number, after = number[:-1], after[panels.end():]
    elif re.match(r"\s*[),;]", after):
        return None  # "Fig. 3), it did shift ...": a reference in running text (Nature sets them bold)
    chapter_title = bool(re.search(r"\d[-\u2013]\d", number) and re.match(r"\s+[A-Z0-9]", after))
    if not (_DELIMITER.match(after) or line.bold or chapter_title):
        return None  # (a chapter-numbered label is followed by its title with no stop: "Figure 3-1 CREATE ...")
    if (not _DELIMITER.match(after) and re.match(r"\s*[a-z]", after) and not re.match(r"\s*[a-z]\)", after)
            and not (line.bold and word.strip(".").isupper())  # (Wiley's bold "FIGURE 6 pCT slice, ...": a caption)
            and not (line.bold and re.match(r"\s[a-h]\s+[A-Z]", after))):  # (Springer's bold "Fig. 3 a The gadget.")
        return None  # "Figure 6 shows ...": a sentence about the figure (not a bold "Fig. 6 a) ..." caption)
    lower = word.lower()
    kind = "scheme" if lower.startswith("scheme") else "chart" if lower.startswith("chart") else "figure"
    label = f"{word.strip()} {number}" if not word.endswith(".") else f"{word} {number}"
    label = re.sub(r"\s+", " ", label)
    if m.group("box"):  # (its number names the box too: "Box 7.5, Figure 1" and "Box 7.6, Figure 1" differ)
        box = re.sub(r"\s+", " ", m.group("box")).strip()
        label, number = f"{box} {label}", f"{re.sub(r'[^0-9.]', '', box)}-{number}"
    return kind, label, number


def label_stops(text: str) -> str:
    """``text`` with its opening label's commas read as the stops they print ("Fig, 5.4." -> "Fig. 5.4.",
    an OCR layer's reading; ``CAPTION_START``)."""
    m = CAPTION_START.match(text)
    if not m or "," not in m.group("word") + m.group("num"):
        return text
    return (text[:m.start("word")] + m.group("word").replace(",", ".") + text[m.end("word"):m.start("num")]
            + m.group("num").replace(",", ".") + text[m.end("num"):])


# A label set letter-spaced in small capitals, which the text layer reads letter by letter with spaces
# ("F I G . 1 . Eriocaulon ...", Cambridge journals): the letters, its stops and its number.
_SPACED_LABEL = re.compile(r"^(\s*)((?:[A-Za-z] ){2,}[A-Za-z])( ?\.)? (\d(?: ?\d){0,2})( ?[.:])?(?= |$)")


def close_letter_spacing(text: str) -> str:
    """``text`` with a letter-spaced opening label read as printed ("F I G . 1 ." -> "FIG. 1."); any other
    spaced letters (a spaced heading, an axis's letters) stay as they are."""
    m = _SPACED_LABEL.match(text)
    if not m:
        return text
    word, appendix = m.group(2).replace(" ", ""), ""
    if not m.group(3) and word[-1].isupper() and re.fullmatch(r"(?i)(?:fig(?:ure)?|scheme|chart)[A-Z]", word):
        # an appendix's letter before the number, read as one more letter of the word (Wiley's "F I G U R E A 1")
        word, appendix = word[:-1], word[-1]
    word += (m.group(3) or "").strip()
    label = f"{word} {appendix}{m.group(4).replace(' ', '')}{(m.group(5) or '').strip()}"
    if not CAPTION_START.match(label) or not re.fullmatch(r"(?i)fig(?:ure)?\.?|scheme|chart", word):
        return text
    return m.group(1) + label + text[m.end():]


def label_neighbours(a: str, b: str) -> bool:
    """Two figure numbers one apart ("3" and "4", "S2" and "S3"; "3-10" and "3-11" within a chapter)."""
    ca, cb = re.match(r"(.*?)(\d+)\D*$", a), re.match(r"(.*?)(\d+)\D*$", b)
    if ca and cb and ("-" in a or "-" in b or "\u2013" in a or "\u2013" in b):
        return ca.group(1) == cb.group(1) and abs(int(ca.group(2)) - int(cb.group(2))) == 1
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    return bool(da and db) and abs(int(da) - int(db)) == 1 and a[:1].isalpha() == b[:1].isalpha()


def _apart(line: Line, level: list[Line]) -> bool:
    """Some of ``level`` (lines on ``line``'s baseline, beside it) stand apart from it across a gutter, not as
    pieces of the same line that pdfium broke up ("3", "μ", "M; [3H]estrone ..." of JBC's caption: each within
    a letter's width of the next)."""
    reach = [line.box[0], line.box[2]]
    rest = sorted(level, key=lambda o: o.box[0])
    joined = True
    while joined and rest:
        joined = False
        for o in rest:
            if o.box[0] - reach[1] < 0.7 * line.height and reach[0] - o.box[2] < 0.7 * line.height:
                reach = [min(reach[0], o.box[0]), max(reach[1], o.box[2])]
                rest.remove(o)
                joined = True
                break
    return bool(rest)


def _bare_label(line: Line) -> bool:
    """The line is a caption's label alone ("Figure 2."), its text on the lines below."""
    m = CAPTION_START.match(line.text)
    return bool(m) and not m.group("after").strip(" .:|\u2502\u2014\u2013-")


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


def _in_a_list(lines: list[Line], i: int, usual_gap: float) -> bool:
    """The label at the head of ``lines[i]`` goes on a list run in over the lines above: the line right
    over it, in its column at the paragraph's spacing, ends with ";" (MDPI's "Supplementary Materials:
    ..., Figure S2: EDX of ...;" then "Figure S3: UV-Vis ...;" on the next line), not a caption."""
    line = lines[i]
    above = [o for o in lines[max(0, i - 8):i] if o.box[1] >= line.box[3] - 1
             and o.box[1] - line.box[3] <= 1.8 * usual_gap + 1 and x_overlap(o.box, line.box) > 0.5 * line.width]
    return bool(above) and min(above, key=lambda o: o.box[1]).text.rstrip().endswith(";")


def _in_a_label_list(lines: list[Line], i: int, usual_gap: float) -> bool:
    """``lines[i]`` is one entry of a list of figures: the line right over or under it, flush with it in its
    column at the paragraph's spacing, opens with a label of the same kind numbered one apart (Science
    Advances' "Fig. S1. Cycling behavior ..." then "Fig. S2. Calendar life ..." under "Supplementary
    Materials").  A caption is a block that opens with its label, and no figure stands between the two lines;
    captions of figures side by side sit level, not stacked."""
    line = lines[i]
    start = caption_start(line)
    if start is None:
        return False
    for o in lines[max(0, i - 10):i + 11]:
        if o is line or abs(o.box[0] - line.box[0]) > 3:
            continue
        vgap = o.box[1] - line.box[3] if o.box[1] >= line.box[1] else line.box[1] - o.box[3]
        if not -0.5 * line.height <= vgap <= 1.8 * usual_gap + 1:
            continue
        other = caption_start(o)
        if other and other[0] == start[0] and label_neighbours(other[2], start[2]):
            return True
    return False


def caption_blocks(lines: list[Line], graphics: list | None = None) -> list[Caption]:
    """Every caption on a page with the lines of its text.  A caption ends at a wider gap than the
    page's paragraphs use, at a drawing between two lines, or where running text resumes."""
    from figdex.ingest.sources.pdf_caption_labels import names_figure, small_type_caption, titled_line

    usual_gap = line_gap(lines)
    graphics = graphics or []
    sizes = sorted(ln.size for ln in lines if len(ln.text.split()) >= 5)
    body_size = sizes[len(sizes) // 2] if sizes else 0.0
    # (the running text's size among wide lines: a figure's many short small labels of five words, a list of
    # protein families, can outnumber the running text's lines, Nature Communications)
    wide = sorted(ln.size for ln in lines if len(ln.text.split()) >= 7 and ln.width >= 120)
    wide_size = wide[len(wide) // 2] if wide else 0.0
    captions = []
    used: set[int] = set()
    for i, line in enumerate(lines):
        if i in used:
            continue
        start = caption_start(line) or small_type_caption(line, max(body_size, wide_size))
        if start is None or _in_a_list(lines, i, usual_gap) or _in_a_label_list(lines, i, usual_gap):
            continue
        # A hanging label ("Figure 6" in a margin, its text to the right): the same baseline's
        # next line is the caption's first line.
        head = line
        for j in range(i + 1, min(i + 12, len(lines))):
            other = lines[j]
            if j in used or abs((other.box[1] + other.box[3]) / 2 - (line.box[1] + line.box[3]) / 2) > 0.4 * line.height:
                continue
            if 0 <= other.box[0] - line.box[2] < 45 and len(line.text.split()) <= 3:
                head = Line(union([line.box, other.box]), line.text + " " + other.text, line.size, line.bold, line.glyph_boxed)
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
            # A bold title with no full stop, set larger than the text, and its legend under it in the regular
            # weight (a submitted manuscript's figure pages: "Figure 2: Overview of ..." then "Statistics of
            # ..."): one caption, however the title's larger type and leading set it apart.
            # (The title's own second line, bold in its size, runs on across that leading too.)
            legend = (all(ln.bold for ln in cap.lines) and not last.text.rstrip().endswith(".")
                      and line.size > 1.1 * body_size  # (a title set larger than the running text)
                      and vgap < 1.5 * max(last.height, 1.0)
                      and (not nxt.bold and nxt.size < last.size and len(nxt.text.split()) >= 4
                           and nxt.width >= 0.5 * (span[2] - span[0])  # (a legend's line, not a label in a drawing)
                           or nxt.bold and abs(nxt.size - last.size) < 0.05 * last.size)
                      and x_overlap(nxt.box, span) > 0.5 * min(nxt.width, span[2] - span[0]))
            # (A label alone on its line over a hairline, its title under the rule: Annual Reviews' "Figure 1"
            # label, rule, "Social network research ..."; the rule is the caption's furniture, not its end, and
            # it widens the gap under the label.)
            ruled = last is line and _bare_label(line) and any(
                g.kind == "path" and g.box[3] - g.box[1] <= 1.5 and g.box[1] >= nxt.box[3] - 1
                and g.box[3] <= last.box[1] + 1 and x_overlap(g.box, span) > 0.3 * (span[2] - span[0])
                for g in graphics)
            # (A label alone on its line, its title under it: Frontiers' small bold "FIGURE 1", JFQA's centred one over
            # a larger title; the label's own leading sets it apart, and its capitals are no measure of the type size.)
            titled = last is line and _bare_label(line) and x_overlap(nxt.box, line.box) > 0 and len(nxt.text.split()) >= 2
            # (Notes in smaller type under a caption's title that name its figure: JFQA's "In Figure 1, the lines ...".)
            notes = (len(cap.lines) <= 3 and nxt.size < 0.9 * last.size and vgap < 2 * max(last.height, nxt.height)
                     and names_figure(nxt.text[:60], cap.number))
            legend = legend or notes
            # (A title sentence on the label's line, the legend under it past a little more leading: APS manuscripts'
            # "FIG. 6. Two synchronization processes." then "The example is ..." 4 pt under it, 2 pt more than the
            # caption's own lines; the lines under it are the title's size, and within the title's width or centred
            # under it, not the running text.)
            headed = last is line and titled_line(line, nxt, lines[j + 1:j + 3], vgap)
            # (A caption set smaller than the body leaves its own, smaller gaps: its line height counts too.)
            if not legend and (vgap > 0.9 * max(last.height, nxt.height, 1.0) or not (ruled or titled or headed) and vgap > max(
                    1.8 * usual_gap, usual_gap + 1.2, 0.45 * min(last.height, nxt.height))):
                if x_overlap(nxt.box, span) > 0:
                    break
                continue
            if x_overlap(nxt.box, span) < 0.3 * min(nxt.width, span[2] - span[0]):
                continue  # (a line of the other column, level with this one: neither ends nor continues it)
            if (last.text.rstrip().endswith(".") and nxt.text[:1].islower()
                    and not (last is line and _bare_label(line)) and not re.match(r"[a-z]\)", nxt.text)):
                break  # a sentence of running text goes on under a one-line caption (not "a) ..." under "Figure 2.")
            if not ruled and any(g.box[1] >= nxt.box[3] - 1 and g.box[3] <= last.box[1] + 1
                                 and x_overlap(g.box, span) > 0.3 * (span[2] - span[0]) for g in graphics):
                break  # a drawing (a rule, a frame) between the two lines
            if (nxt.box[0] < span[0] - 0.25 * (span[2] - span[0]) and nxt.width > 1.5 * (span[2] - span[0])
                    and not ((titled or headed) and abs(nxt.box[0] + nxt.box[2] - span[0] - span[2]) < 6)
                    and not notes):  # (a title centred under it)
                break  # a full-width line under a one-column caption: body text
            size = last.size
            if (last is line and last.size < 0.78 * last.height
                    and (abs(nxt.size - last.height) <= 0.1 * last.height or last.glyph_boxed and not nxt.glyph_boxed)):
                # A label in small capitals (Hindawi's "FIGURE 1:"): its first letter is no measure of
                # the caption's type size, the line's height is, when the next line's size says so.
                # (Or when the label's font declares no ascent, its size a capital's own height: elsarticle's
                # CMCSC "Figure 2:" 5.4 pt in an 8-pt caption whose line is 7.9 pt high, the next 7.1.)
                size = last.height
            if caption_start(nxt) and not re.search(r"\b[a-z]+$", last.text.rstrip()):
                break  # another caption (not the rest of a sentence cut at "... shown in" / "Figure 6. RSP ...", JACMP)
            if last.glyph_boxed and nxt.glyph_boxed:
                size, nxt_size = last.height, nxt.height  # (the glyphs' heights differ, the lines' do not)
            else:
                nxt_size = nxt.size
            if abs(nxt_size - size) > 0.22 * max(size, 1.0) and not legend and not (titled and size < nxt_size < 1.6 * size):
                if len(nxt.text.split()) <= 2 and nxt.width < 0.3 * (span[2] - span[0]) and nxt_size < size:
                    continue  # a plot's small label drawn over the caption's lines (A&A), not its end
                break  # text of another size (the body under a caption)
            level = [o for k, o in enumerate(lines[max(0, j - 4):j + 5], start=max(0, j - 4))
                     if k != j and abs((o.box[1] + o.box[3]) / 2 - (nxt.box[1] + nxt.box[3]) / 2) < 0.4 * nxt.height
                     and x_overlap(o.box, span) > 0 and x_overlap(o.box, nxt.box) <= 0 and not caption_start(o)]
            if level and _apart(nxt, level):
                break  # two columns side by side under a full-width caption: running text
            if level and len(level) <= 4 and not any(id(o) in {id(c) for c in cap.lines} for o in level):
                # (the line's pieces, read in order: "([3H]PAH, 3" "μ" "M; [3H]estrone sulfate, 40")
                pieces = sorted([nxt] + level, key=lambda o: o.box[0])
                text = pieces[0].text
                for a, b in zip(pieces, pieces[1:]):  # (a space where a word space's gap opens, as in a line)
                    text += (" " if b.box[0] - a.box[2] > 0.15 * max(a.height, 1.0) else "") + b.text
                nxt = Line(union([o.box for o in pieces]), text, pieces[0].size, pieces[0].bold, pieces[0].glyph_boxed)
                used.update(k for k, o in enumerate(lines) if any(o is piece for piece in level))
            cap.lines.append(nxt)
            used.add(j)
            span = union([span, nxt.box]) if nxt.width <= 1.6 * (span[2] - span[0]) + 20 or titled or notes else span
            last = nxt
        captions.append(cap)
    return captions


@dataclass(eq=False)  # one drawing object each: compared by identity (a region's pool of thousands is cut one by one)
class Graphic:
    box: Box
    kind: str  # image | path | form | shading
    obj: object = None  # "top" for an image drawn directly on the page: its own pixels can be taken
