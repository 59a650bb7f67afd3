"""Sub- and superscripts in TeX math: where no word space stands after one.  Part of the PDF parser
(``pdf_text_lines`` builds lines and asks here).

TeX spaces a formula's relations and binary operators and nothing else: "S^E S^P|S^P S^E" is set with 1-2 pt
between a script and the atom after it (the script's italic correction and \\scriptspace), which the word-space
rules after a script read as spaces ("SE SP |SP SE"), and pdfium generates a space character there too.
"""

from __future__ import annotations

import re

# Characters TeX math spaces around (relations, binary operators, punctuation) in the fonts they come in.
MATH_SPACED = frozenset("=+-\u2212<>\u2264\u2265\u00b1\u2213\u00d7\u00b7\u2217\u223c\u2248\u2261\u221d\u2192\u2190"
                         "\u2194\u21d2\u21d4\u2282\u2286\u2283\u2287\u2208\u2209\u222a\u2229\u2227\u2228,;:")
# TeX's math italic and math symbol fonts (Computer Modern, txfonts/pxfonts).
_MATH_FONTS = re.compile(r"(CMMI|CMSY|CMBSY|CMEX|R?TXMI|R?TXSY|R?PXMI|R?PXSY)", re.I)


def script_joins(textpage, raw_module, codes: list[int], last: int, following: int, last_v, right: float,
                  matrix) -> bool:
    """pdfium generated a space between a math script (a glyph of a math font smaller than the next one)
    and the character after it, which is no word space: the next is a math atom TeX does not space
    ("S^P|", "S^P S^E") or closing punctuation ("S^P."), at most 0.3 of its height on; or between any glyph of
    a math font and closing punctuation ("τ,")."""
    if last < 0 or following >= len(codes) or not 0x20 < codes[following] < 0x110000:
        return False
    ch = chr(codes[following])
    from figdex.ingest.sources.pdf_graphics import transform_box
    from figdex.ingest.sources.pdf_glyphs import _char_box

    box = _char_box(textpage.raw, raw_module, following, raw_module.FS_RECTF())
    box = transform_box(box, matrix) if matrix is not None else box
    height = box[3] - box[1]
    # (Nor one between a math letter and the punctuation after it, "τ ," for "$\tau$,": the letter's side
    # bearing, 1.2 pt, a few tenths of its height.)
    if ch in ",.;)" and box[0] - right <= 0.3 * max(last_v[1] - last_v[0], height) and math_font(
            textpage, raw_module, last):
        return True
    # (Nor one between a math script and the math comma after it, "lj ," for "$l_j$,": the script's italic
    # correction and \\scriptspace, 1.9 pt in a 9-pt LNCS caption, more than its box's height says; a comma or a
    # full stop opens no word.)
    if (ch in ",.;" and last_v[1] - last_v[0] < 0.75 * raw_module.FPDFText_GetFontSize(textpage.raw, following)
            and box[0] - right <= 0.25 * raw_module.FPDFText_GetFontSize(textpage.raw, following)
            and math_font(textpage, raw_module, last)):
        return True
    if not (last_v[1] - last_v[0] < 0.75 * height and box[0] - right <= 0.3 * height
            and math_font(textpage, raw_module, last)):
        return False
    return ch in ",.;)]}" or ch not in MATH_SPACED and math_font(textpage, raw_module, following)


def math_font(textpage, raw_module, index: int) -> bool:
    from figdex.ingest.sources.pdf_glyphs import font_name

    return index >= 0 and bool(_MATH_FONTS.match(font_name(textpage.raw, raw_module, index).split("+")[-1]))
