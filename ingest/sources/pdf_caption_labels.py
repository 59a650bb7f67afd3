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
    its smaller type, its title opening with a capital.  A reference in running text is in the running text's size."""
    m = CAPTION_START.match(line.text)
    if (not m or body_size <= 0 or line.size >= 0.9 * body_size or not re.match(r"\s[A-Z][a-z]", m.group("after"))
            or len(line.text.split()) < 5):
        return None
    return caption_start(Line(line.box, line.text, line.size, True, line.glyph_boxed))
