"""pdfium's per-character facts the PDF parser's text lines are built from: a character's box, its
font's name and weight, and the character a text code stands for.  Part of the PDF parser
(``pdf_text_lines`` builds lines from these; ``pdf_font_encodings`` and ``pdf_math_scripts`` read font names)."""

from __future__ import annotations

import re


def glyph_box(handle, raw_module, index: int) -> tuple[float, float, float, float] | None:
    """The glyph's own box (left, bottom, right, top as pdfium gives them), or None where pdfium has none."""
    import ctypes

    left, right, bottom, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    if not raw_module.FPDFText_GetCharBox(handle, index, left, right, bottom, top):
        return None
    return left.value, bottom.value, right.value, top.value


def _glyph_boxed(handle, raw_module, index: int, loose_height: float) -> bool:
    """The character's font declares no ascent and descent: pdfium's loose box is then the glyph's own
    (4.2 pt for an "m", 6.3 for an "l" of one 8.97-pt caption, CIKM's LinLibertineTB), and its height
    says nothing of the type size."""
    tight = glyph_box(handle, raw_module, index)
    return tight is not None and abs((tight[3] - tight[1]) - loose_height) <= 0.05 * max(loose_height, 0.1)


def _char_box(handle, raw_module, index: int, rect) -> tuple[float, float, float, float]:
    """A character's box: pdfium's loose box (the font's ascent to descent, so one line's letters share
    a height), cut to the glyph's own box along an axis where the loose one is ten times larger (a
    bitmap Type 3 font of an old dvips PDF gives some glyphs a loose box 240 pt high, which would merge
    a page's lines)."""
    import ctypes

    raw_module.FPDFText_GetLooseCharBox(handle, index, ctypes.byref(rect))
    loose = (rect.left, min(rect.bottom, rect.top), rect.right, max(rect.bottom, rect.top))
    if loose[2] - loose[0] <= 30 and loose[3] - loose[1] <= 30:
        return loose  # within what any glyph's own box allows (10 x 1 pt + 20): no second call
    tight = glyph_box(handle, raw_module, index)
    if tight is None:
        return loose
    box = list(loose)
    for lo in (0, 1):
        if loose[lo + 2] - loose[lo] > 10 * max(tight[lo + 2] - tight[lo], 1.0) + 20:
            box[lo], box[lo + 2] = tight[lo], tight[lo + 2]
    return tuple(box)


def _font_name(textpage, raw_module, index: int) -> str:
    return font_name(textpage.raw, raw_module, index)


def font_name(handle, raw_module, index: int) -> str:
    """The name of the font character ``index`` of a text page is set in ("" when it has none)."""
    import ctypes

    buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int(0)
    n = raw_module.FPDFText_GetFontInfo(handle, index, buf, 128, ctypes.byref(flags))
    return buf.raw[: max(0, n - 1)].decode("latin-1", "replace")


def _bold_name(textpage, raw_module, index: int) -> bool:
    import ctypes

    buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int(0)
    n = raw_module.FPDFText_GetFontInfo(textpage.raw, index, buf, 128, ctypes.byref(flags))
    name = buf.raw[: max(0, n - 1)].decode("latin-1", "replace")
    return bool(re.search(r"bold|black|heavy|semibold|\.B$|-B$|Medi", name, re.I))


def _character(code: int, following: int) -> str:
    """The character of a pdfium text code.  pdfium reports characters beyond the BMP (math
    alphanumerics such as U+1D465) as two UTF-16 halves at two indexes: the high half becomes the whole
    character (the caller skips the low half); a half without its partner becomes U+FFFD, since a lone
    surrogate cannot be stored or printed as UTF-8."""
    if 0xD800 <= code <= 0xDBFF:
        if 0xDC00 <= following <= 0xDFFF:
            return chr(0x10000 + ((code - 0xD800) << 10) + (following - 0xDC00))
        return "\ufffd"
    if 0xDC00 <= code <= 0xDFFF:
        return "\ufffd"
    return chr(code) if 0 < code < 0x110000 else ""
