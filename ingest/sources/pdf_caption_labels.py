"""Caption labels that ``pdf_layout.caption_blocks`` reads with the page's type sizes in view: a label in small type
with no stop and no weight of its own, and the notes under a caption that name its figure.  Part of the PDF parser."""

from __future__ import annotations

import re

from figdex.ingest.sources.pdf_layout import CAPTION_START, Line, caption_start


def names_figure(text: str, number: str) -> bool:
    """``text`` names figure ``number`` ("In Figure 1, the lines ...": JFQA's notes under a caption's title)."""
    return bool(re.search(rf"(?i)\bfig(?:ure)?\.?\s*{re.escape(number)}\b", text))


def small_type_caption(line: Line, body_size: float) -> tuple[str, str, str] | None:
    """A caption whose label has no stop and no weight of its own in the text layer ("Fig. 1 Thermodynamics of
    ...", Nature Communications 2022: label and title in one bold font pdfium reports as weight 0): set apart by
    its smaller type, its title opening with a capital (or an acronym: "Figure 16 VEM: Datasets vs Runtimes"; or the
    article "A": "Fig. 1 A framework to bin ...").  A
    reference in running text is in the running text's size."""
    m = CAPTION_START.match(line.text)
    if (not m or body_size <= 0 or line.size >= 0.9 * body_size or not re.match(r"\s(?:[A-Z][a-zA-Z]|A\s+[a-z])", m.group("after"))
            or len(line.text.split()) < 5):
        return None
    return caption_start(Line(line.box, line.text, line.size, True, line.glyph_boxed))


# An OCR layer over a scan reads a label's second "1" as a capital I or a small l, often set apart ("FIG. 1 I. An
# initially ...", J. theor. Biol. 1983, for "FIG. 11."): a digit, then I or l, then the label's stop.  (A text layer
# never prints a figure number so; a Roman "FIG. I." has no digit before it and is left alone.)
_OCR_ONE = re.compile(r"^(\s*(?:FIG(?:URE)?|Fig(?:ure)?)[.,]?\s*\d{1,2})\s?[Il](?=\d?[.,:]\s)")


def ocr_label_digits(line: Line) -> Line:
    """``line`` with a caption label's "1" that an OCR layer read as "I" or "l" read as the digit."""
    text = _OCR_ONE.sub(r"\g<1>1", line.text, count=1)
    return line if text == line.text else Line(line.box, text, line.size, line.bold, line.glyph_boxed)


def titled_line(line, nxt, after: list, vgap: float) -> bool:
    """``line``, a caption's label and a title sentence, and ``nxt`` under it at less than two thirds of a line's
    height, opening the legend: the caption's type size (``nxt`` or the line under it, within 4 %), under the
    title (within its width, or centred under it)."""
    from figdex.ingest.sources.pdf_layout import _bare_label, x_overlap

    if not (line.text.rstrip().endswith(".") and len(line.text.split()) >= 4 and not _bare_label(line)
            and 0 <= vgap <= 0.6 * min(line.height, nxt.height) and len(nxt.text.split()) >= 4
            and (nxt.text[:1].isupper() or nxt.text[:1] == "(")):
        return False
    inside = nxt.box[0] >= line.box[0] - 3 and nxt.box[2] <= line.box[2] + 3
    centred = abs(nxt.box[0] + nxt.box[2] - line.box[0] - line.box[2]) < 4
    below = [o for o in after if 0 <= nxt.box[1] - o.box[3] <= 0.6 * nxt.height and x_overlap(o.box, nxt.box) > 0]
    sized = any(abs(o.size - line.size) <= 0.04 * line.size for o in [nxt] + below[:1])
    return (inside or centred) and sized
