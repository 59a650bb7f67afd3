"""How a figure's region grows once found: shapes absorbed from the page's pool, labels set beside it, the column it
must stay in.  Helpers of ``pdf_regions._region`` (kept apart so that module stays readable).
"""

from __future__ import annotations

import re

from figdex.ingest.sources.pdf_layout import Box, Line, area, gap, intersection, union, x_overlap

_PANEL_TITLE = re.compile(r"^\(?[A-Z]\)?\s+[A-Z][a-z]")


def _in_columns(b: Box, region: Box, columns: tuple[float, float]) -> bool:
    """``b`` stays within the caption's column (with its slack over the gutter) or the region found so far."""
    return b[0] >= min(columns[0], region[0]) - 2 and b[2] <= max(columns[1], region[2]) + 2


def _labels_beside(region: Box, small_text: list[Line], pool: list, allowed, prose: list[Line]) -> Box:
    """``region`` grown to the short labels set level with it, left or right, further off than the 10 pt
    that ``grow`` takes text at (up to 24 pt and three of the label's heights): a plot's y-axis title
    ("λ" 19 pt left of its tick labels, IEEE) or a flow chart's "Step 1:" column 21 pt left of its boxes
    (ICDAR).  Not a label nearer to another drawing than to the figure (the next figure's axis title),
    nor one with running text over or under it (a section heading in the text column beside), nor a
    letter of a stack (sideways text read a letter a line), nor a line wider than a fifth of the figure (an author block's names, a column of wrapped text).  Each is
    measured from the figure as found, not as grown: labels do not chain into the text beside."""
    found = region
    for ln in small_text:
        b = ln.box
        off = b[0] - found[2] if b[0] >= found[2] else found[0] - b[2] if b[2] <= found[0] else None
        if (off is None or not 10 < off <= min(24.0, 3 * ln.height) or len(ln.text.split()) > 4
                or ln.width > 0.2 * (found[2] - found[0])
                or not found[1] < (b[1] + b[3]) / 2 < found[3] or not allowed(b)):
            continue
        if any(gap(g.box, b) < off for g in pool):
            continue
        if any(x_overlap(p.box, b) > 0 and gap(p.box, b) <= 2 * ln.height for p in prose):
            continue
        if any(o is not ln and x_overlap(o.box, b) > 0 and gap(o.box, b) <= 0.5 * ln.height for o in small_text):
            continue  # (a letter of a line set sideways, read one letter a line: a margin notice)
        region = union([region, b])
    return region


def _absorb(pool: list, members: list, region: Box, accept) -> tuple[Box, bool]:
    """Move each shape of ``pool`` that ``accept(box, region)`` takes into ``members``, in order, the
    region growing as it goes (a later shape is judged against the grown region); returns the region
    and whether any was taken.  (The pool is rebuilt, not cut one by one: a page may draw tens of
    thousands of shapes.)"""
    rest, took = [], False
    for g in pool:
        if accept(g.box, region):
            members.append(g)
            region = union([region, g.box])
            took = True
        else:
            rest.append(g)
    pool[:] = rest
    return region, took


# A panel's sub-caption mark, "(a) Original", "(b)Teacher".
_PANEL_MARK = re.compile(r"\(([a-h])\)")


def _subcaptions_under(region: Box, small_text: list[Line], cap_box: Box) -> list[Line]:
    """The rows of panels' sub-captions ("(a) Original  (b) Teacher Model ...") set between a figure and its caption
    under it, further under the panels than a label's 10 pt (the YOLO preprint's grid: 21 pt): the figure's own
    words when they name two panels or more and stand under its drawings.  The lines under them (the rest of each
    sub-caption) then join as its labels do."""
    band = [ln for ln in small_text if cap_box[3] - 1 <= ln.box[1] and ln.box[3] <= region[1] + 1
            and _PANEL_MARK.match(ln.text.strip()) and x_overlap(ln.box, region) >= 0.9 * ln.width]
    top = max((ln.box[3] for ln in band), default=None)
    # (the row nearest the drawings, within a row's spacing of them: a second row further down joins by growing)
    row = [ln for ln in band if top is not None and top - ln.box[3] <= 0.5 * ln.height and region[1] - top <= 40]
    letters = {m for ln in row for m in _PANEL_MARK.findall(ln.text)}
    return row if len(letters) >= 2 else []


def side_panel(region: Box, small_text: list[Line], text_lines: list[Line], cap_box: Box,
               prose: list[Line]) -> list[Line]:
    """The lines of a panel set beside the figure as words only, under its caption above: the figure found holds
    one panel's sub-caption ("(b) DAG" under a drawn graph) and, beside it, between the figure's top and the
    caption, stands the next letter's sub-caption ("(a) SCM") under a stack of short lines (a block of equations,
    a listing).  That sub-caption and the stack over it (each line within three line heights of the one under
    it, over it in x) are the figure's (a Quarto manuscript's subfigures: structural equations beside their DAG),
    up to a paragraph's last line (one starting where the running-text line over it starts).  The same when the
    top panel's sub-caption is the figure's top edge, its panel of words over it."""
    marked = [(ln, m.group(1)) for ln in text_lines if intersection(ln.box, region) >= 0.9 * area(ln.box)
              and (m := _PANEL_MARK.match(ln.text.strip()))]
    inner = {letter for _, letter in marked}
    if not inner:
        return []
    heads = [ln for ln in small_text if (m := _PANEL_MARK.match(ln.text.strip()))
             and any(abs(ord(m.group(1)) - ord(k)) == 1 for k in inner) and m.group(1) not in inner
             and x_overlap(ln.box, region) <= 0 and ln.box[1] >= cap_box[3] - 1 and ln.box[3] <= region[3]]
    beside = True
    if not heads and len(inner) >= 2:
        # (Or stacked: the top panel's sub-caption is the figure's top edge, its panel of words over it: "(a) SCM"
        # under two equations, over "(b) DAG" under its graph.)
        heads = [ln for ln, _ in marked if ln.box[3] >= region[3] - 2 and len(ln.text.split()) <= 6]
        beside = False
    if len(heads) != 1:
        return []
    taken = [heads[0]]
    span = heads[0].box
    rest = sorted((ln for ln in small_text if ln.box[1] >= heads[0].box[3] - 1), key=lambda ln: ln.box[1])
    for ln in rest:
        last = taken[-1]
        if ln.box[1] - last.box[3] > 3 * max(ln.height, last.height) or any(
                abs(p.box[0] - ln.box[0]) <= 2 and 0 <= p.box[1] - ln.box[3] <= 1.5 * ln.height for p in prose):
            break
        if (x_overlap(ln.box, span) <= 0 or beside and x_overlap(ln.box, region) > 0
                or _PANEL_MARK.match(ln.text.strip())):
            continue
        taken.append(ln)
        span = union([span, ln.box])
    return taken if len(taken) >= 2 else []


# A panel's sub-caption opening its own line: "(a) Applying ...", "(B) Insertion ...".
_PANEL_OPENING = re.compile(r"^\s*\(([a-hA-H])\)\s")


def subcaption_stacks(lines: list[Line]) -> set[int]:
    """The ids of lines that are panels' sub-captions set side by side, each a line of its own: "(a) Applying
    constant gauge transformation to given" level with "(b) Insertion of a symmetry flux twist ..." (the panel
    letters one apart), and the lines wrapped under each in its own column.  Long lines of words as they are,
    they are a figure's, not running text that bounds it (an arXiv preprint's subfigures under a centred
    "Figure 10:" caption, whose region stopped at them)."""
    marks = [(ln, m.group(1)) for ln in lines if (m := _PANEL_OPENING.match(ln.text))]
    heads = [ln for ln, letter in marks if any(
        other is not ln and abs(ord(mark) - ord(letter)) == 1 and mark.islower() == letter.islower()
        and abs((other.box[1] + other.box[3]) / 2 - (ln.box[1] + ln.box[3]) / 2) < 0.4 * ln.height
        and x_overlap(other.box, ln.box) <= 0 for other, mark in marks)]
    out = {id(ln) for ln in heads}
    for head in heads:
        last = head
        under = sorted((ln for ln in lines if ln.box[3] <= head.box[1] + 1 and ln.box[0] >= head.box[0] - 2
                        and ln.box[2] <= head.box[2] + 2), key=lambda ln: -ln.box[3])
        for ln in under:  # (the sub-caption's own next lines, in its column, at its leading)
            if last.box[1] - ln.box[3] > 0.8 * max(last.height, ln.height) or _PANEL_OPENING.match(ln.text):
                break
            out.add(id(ln))
            last = ln
    return out


def solid(box: Box, frames) -> bool:
    """Not a table's rule: a shape thicker than a rule, or a side of a frame drawn as four rules (a draft build's
    empty frame where an image goes, a row of them 31 pt over the row under its sub-captions)."""
    return min(box[2] - box[0], box[3] - box[1]) > 2.5 or any(
        f[0] - 1 <= box[0] and box[2] <= f[2] + 1 and f[1] - 1 <= box[1] and box[3] <= f[3] + 1
        and min(f[2] - f[0], f[3] - f[1]) > 20 for f in frames)


def framed_text(region: Box, lines: list[Line], frames) -> list[Line]:
    """The lines that start inside a frame the figure holds: what it prints, however far past the frame it runs
    (a draft build prints each image's file path in its empty frame, some to the page's edge)."""
    held = [f for f in frames if f[0] >= region[0] - 2 and f[2] <= region[2] + 2 and f[1] >= region[1] - 2
            and f[3] <= region[3] + 2]
    return [ln for ln in lines if any(f[0] <= ln.box[0] <= f[2] and f[1] <= (ln.box[1] + ln.box[3]) / 2 <= f[3]
                                      for f in held)]


# A numbered section heading: "2.3. But where does it all fit?", "4 Results".
_SECTION = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z][a-z]")


def section_heading(line: Line, prose: list[Line], graphics: list, text_size: float) -> bool:
    """``line`` is a numbered section heading, running text that bounds a figure however short: in the running
    text's size or larger, at the left edge of its lines, with no drawing within 3 pt of it (a Quarto preprint's
    "2.3. But where does it all fit?" 10 pt over a flow chart was taken as its label)."""
    if not (_SECTION.match(line.text) and text_size > 0 and line.size >= 0.9 * text_size
            and any(abs(p.box[0] - line.box[0]) <= 2 for p in prose)):
        return False
    b = line.box
    near = (b[0] - 3, b[1] - 3, b[2] + 3, b[3] + 3)
    return not any(intersection(g.box, near) > 0 or g.box[1] < near[3] and near[1] < g.box[3]
                   and g.box[0] < near[2] and near[0] < g.box[2] for g in graphics)


def without_wrapped_prose(small: list[Line], lines: list[Line]) -> list[Line]:
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
    # A sentence's end at the body's type size (a paragraph's last line carried over to the top of the
    # page over a figure: "for more confident structural determination.") is running text too.
    wrapped.update(id(ln) for ln in candidates if len(ln.text.split()) >= 5 and ln.text.rstrip().endswith("."))
    return [ln for ln in small if id(ln) not in wrapped]
