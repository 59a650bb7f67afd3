"""Text lines of a PDF page, built from pdfium's characters (see ``page_lines``).  Part of the PDF
parser (``pdf_layout`` has the geometry of captions and figure regions that works on these lines)."""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate

from figdex.ingest.sources.pdf_glyphs import _bold_name, _char_box, _character, _font_name, _glyph_boxed
from figdex.ingest.sources.pdf_layout import _BOLD_WEIGHT, CAPTION_START, Line, close_letter_spacing, union


def page_lines(textpage, raw_module, matrix=None, symbol_objects: dict | None = None,
               clipped_text: dict | None = None, slashes: list | None = None) -> list[Line]:
    """Text lines of a page, built from its characters: pdfium's own line breaks, split again where a
    gap wider than the line's height opens (two columns pdfium read as one line), then fragments on
    one baseline joined (a bold "(A)" inside a caption, superscripts).  ``matrix``: page space to the
    displayed page (``pdf_graphics.display_matrix``) for a rotated page, whose text pdfium reports
    unrotated (a landscape sheet's lines would run down the page, one letter a line).
    ``symbol_objects``: addresses of the page's text objects set in a font that draws signs on letters
    or digits, with its table (``pdf_graphics.page_graphics`` finds them): Symbol's letters are read
    as Greek, Mathematical Pi's digits as operators.
    ``clipped_text``: addresses of text objects drawn through a clip, with its box
    (``pdf_graphics.page_graphics``): their characters outside it are not seen on the page, and left out.
    ``slashes``: boxes of solidus strokes drawn as paths (``pdf_graphics.page_graphics``): one standing in
    the gap between two glyphs of a line is read as "/" there ("1/T", not "1 T"); and ("bar", box): a short
    fraction bar, whose denominator under it is read into the line after its numerator ("t/h", ``_fractions``)."""
    import ctypes

    from figdex.ingest.sources.pdf_font_encodings import (
        SIGN_CODES, advent_signs, ascii_accent, control_characters, math_symbol_ascii, one_piece_punctuation,
    )
    from figdex.ingest.sources.pdf_ligatures import lost_ligatures
    from figdex.ingest.sources.pdf_math_scripts import MATH_SPACED, math_font, script_joins
    from figdex.ingest.sources.pdf_line_numbers import without_margin_numbers
    from figdex.ingest.sources.pdf_graphics import address, transform_box

    handle = textpage.raw
    n = raw_module.FPDFText_CountChars(handle)
    rect = raw_module.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    get_loose_box = raw_module.FPDFText_GetLooseCharBox
    # [box, chars, first char index, each char's (left, right) (None: a space for a gap), angle]
    fragments: list[list] = []
    get_angle = raw_module.FPDFText_GetCharAngle
    current = None
    last_left = 0.0
    last_v = (0.0, 0.0)  # the last glyph's bottom and top
    codes = [raw_module.FPDFText_GetUnicode(handle, i) for i in range(n)]
    encoded = control_characters(handle, raw_module, codes)  # an old TeX PDF's ligatures, accents, Greek
    encoded.update(lost_ligatures(handle, raw_module, codes))  # "Te" for "The": a ligature mapped to "T"
    encoded.update(advent_signs(handle, raw_module, codes))  # "speci¢c" for "specific": an old Elsevier font
    encoded.update(one_piece_punctuation(handle, raw_module, codes))  # "G1; G2" for "G1, G2": a math font's comma
    encoded.update(math_symbol_ascii(handle, raw_module, codes))  # "l0i" for "l′i": an unmapped CMSY's prime
    accent = None  # an accent drawn before the letter it is set over
    soft = None  # the fragment whose last character is a space pdfium generated (not drawn)
    last_i = -1  # the index of the last glyph read into a fragment
    solidus = [s for s in slashes or () if s[0] != "bar"]  # (the strokes; "bar"s are ``_fractions``')
    for i, code in enumerate(codes):
        if 0xDC00 <= code <= 0xDFFF and i and 0xD800 <= codes[i - 1] <= 0xDBFF:
            continue  # the low half of a surrogate pair, already joined to its high half
        if code == 0x273F and "LASY" in _font_name(textpage, raw_module, i).upper():
            continue  # a wavy underline's piece (ulem's \\uwave, latexdiff's added text), drawn under the words: no text
        ch = encoded.get(i) or _character(code, codes[i + 1] if 0xD800 <= code <= 0xDBFF and i + 1 < n else 0)
        if ch in ("\r", "\n") or not ch:
            current = accent = None
            continue
        get_loose_box(handle, i, rect_ref)
        box = (rect.left, min(rect.bottom, rect.top), rect.right, max(rect.bottom, rect.top))
        if box[2] - box[0] > 30 or box[3] - box[1] > 30:
            box = _char_box(handle, raw_module, i, rect)
        if matrix is not None:
            box = transform_box(box, matrix)
        if clipped_text:
            clip = clipped_text.get(address(raw_module.FPDFText_GetTextObject(handle, i)))
            if clip is not None and not (clip[0] - 1 <= (box[0] + box[2]) / 2 <= clip[2] + 1
                                         and clip[1] - 1 <= (box[1] + box[3]) / 2 <= clip[3] + 1):
                continue
        if ch < " " and not ch.isspace() and ch != "\x02" and i not in encoded:
            # A control code no encoding read ("m\x0f" for a txfonts epsilon) is not text, as poppler drops it;
            # the width it was drawn in is no word space ("m," not "m ,").
            if current is not None and abs((current[0][1] + current[0][3]) / 2 - (box[1] + box[3]) / 2) < box[3] - box[1]:
                current[0] = (current[0][0], current[0][1], max(current[0][2], box[2]), current[0][3])
            continue
        if ch in "`^~\"" and (mark := ascii_accent(handle, raw_module, codes, i)):
            ch = mark  # (a TeX accent glyph mapped to ASCII, drawn over its letter: "mod`ele" is "modèle")
        if ch in _SPACING_ACCENTS and (_letter(codes, i - 1) or _letter(codes, i + 1)):
            ch = _SPACING_ACCENTS[ch]  # TeX's \\"u: a spacing diaeresis drawn over the letter, as its own glyph
        if "\u0300" <= ch <= "\u036f":  # a combining accent (read from an old TeX font)
            # A combining mark follows its letter: the one it is drawn over, before or after it.
            if current is not None and current[1][-1] != " " and (box[0] + box[2]) / 2 <= current[0][2] + 0.5:
                current[1].append(ch)
                current[3].append(current[3][-1])
            else:
                accent = ch
            continue
        if ch.isspace():
            last_glyph = current[3][-1] if current is not None else None
            if last_glyph is not None and box[2] <= last_glyph[0] and box[2] > box[0] and current[4] == 0:
                continue  # a space drawn back before the glyph it follows (bioRxiv's zero-width space in "Figure 2​:")
            if current is not None and raw_module.FPDFText_IsGenerated(handle, i) and script_joins(
                    textpage, raw_module, codes, last_i, i + 1, last_v, current[0][2], matrix):
                continue
            if current is not None:
                soft = current if raw_module.FPDFText_IsGenerated(handle, i) else None
                current[1].append(" ")
                # (placed at the right edge of the glyph before it: pdfium's own box for a space may
                # lie inside that glyph, and a line drawn out of order is read again by position)
                current[3].append((current[0][2], current[0][2]) if current[1][-2:-1] != [" "] else None)
            continue
        if (symbol_objects and 0xF021 <= code <= 0xF0FF
                and address(raw_module.FPDFText_GetTextObject(handle, i)) in symbol_objects):
            ch = chr(code - 0xF000)  # (Word's Symbol text: its bytes at U+F0xx, "\uf064\uf031\uf033" for δ13)
        if ch == "\x02" or raw_module.FPDFText_IsHyphen(handle, i):
            ch = "\x02"  # a hyphen that breaks a word at a line end
        elif ch == "`" and _font_name(textpage, raw_module, i).split("+")[-1].upper().startswith("CMMI"):
            ch = "\u2113"  # TeX's math italic (OML encoding) has \ell at 0x60; without a ToUnicode map pdfium says "`"
        elif symbol_objects and ch in SIGN_CODES:
            table = symbol_objects.get(address(raw_module.FPDFText_GetTextObject(handle, i)))
            ch = table.get(ch, ch) if table else ch
        # Text set at another angle (a licence line printed up the margin, a landscape caption) is
        # never part of an upright line beside it, however close its letters come.
        angle = round(get_angle(handle, i) / 0.05) * 0.05
        if current is not None and current[4] == angle:
            cb = current[0]
            h = max(cb[3] - cb[1], box[3] - box[1], 1.0)
            # A glyph with a giant box (a big bracket, a broken font) must not pull lines together.
            similar = h <= 2.5 * max(min(cb[3] - cb[1], box[3] - box[1]), 0.5)
            same_line = similar and abs((cb[1] + cb[3]) / 2 - (box[1] + box[3]) / 2) < 0.5 * h
            # A column gutter is about one line high (IEEE: 12 pt at 10-pt type): wider gaps part lines.
            # The letters of a ligature ("fl", "ffi") share one glyph's box: they overlap the last one.
            # Past a word space a wider gap still follows (justified lines, table cells, formulas), but
            # not a column's width before a caption's label: two captions side by side on one baseline
            # (FAA handbook: "Figure 7-26. Self-locking nuts.    Figure 7-27. Stainless ...") are two lines.
            # (Beside a caption, a label with no stop opens one too: elsarticle's minipages "Figure 8: Datasets
            # vs Parameter (k) variation    Figure 9 Datasets vs ...", 29 pt apart.)
            follows = -0.5 * h < box[0] - cb[2] < 0.7 * h or box[0] >= last_left - 0.01 and not (
                box[0] - cb[2] > 3 * h and current[1][-1] == " " and (
                    _opens_caption(codes, i) or _opens_caption(codes, i, True) and (
                        _opens_caption(codes, current[2]) or _opens_caption(codes, current[2], True))))
            if same_line and follows:
                slash = _drawn_slash(solidus, current, box, h) if solidus else None
                if slash is not None:
                    while current[1][-1:] == [" "]:  # (pdfium's space for the gap the stroke stands in)
                        current[1].pop()
                        current[3].pop()
                    current[1].append("/")
                    current[3].append((slash[0], slash[2]))
                    cb = current[0] = union([cb, slash])
                current[0] = (min(cb[0], box[0]), min(cb[1], box[1]), max(cb[2], box[2]), max(cb[3], box[3]))
                # (Between a sub- or superscript and the letter after it, a narrower gap is a word space:
                # "(C0 = 10", as poppler and a reader part them.)
                # (Not before a comma, a full stop or a closing bracket: "G2, G3", no space is set there.)
                shifted = (last_v[1] - last_v[0] < 0.75 * (box[3] - box[1])  # (the last glyph the smaller one)
                           and ch not in ",.;)]}")
                # (A thin word space before a word switched to italics, "of Eleutherodactylus", is narrower
                # than the rule's: a lower-case letter, then a capital in another font, a gap past 0.05 h
                # where a word's letters touch.)
                switched = (0.05 * h < box[0] - cb[2] <= 0.15 * h and current[1][-1:] != [" "]
                            and current[1][-1].islower() and ch.isupper()
                            and _font_name(textpage, raw_module, i) != _font_name(textpage, raw_module, i - 1))
                letters = ch.isalpha() and current[1][-1].isalpha()
                # (In TeX math only relations and binary operators are spaced: a script followed by the next
                # atom, a letter or "|", 1-2 pt on, is one formula, "S^E S^P|S^P S^E" read "SESP|SPSE", not
                # "SE SP |SP SE"; pdfium's generated space for that gap goes too.)
                if shifted and box[0] - cb[2] <= 0.3 * h and ch not in MATH_SPACED and math_font(
                        textpage, raw_module, i) and math_font(textpage, raw_module, last_i):
                    if soft is current and current[1][-1:] == [" "]:
                        current[1].pop()
                        current[3].pop()
                    shifted = None
                # (A word space narrower than the rule's in a line whose letters touch: "mg/L methylene",
                # 1.0 pt at 9.6-pt type where a word's letters stand 0.0-0.1 pt apart.)
                narrow = (letters and 0.09 * h < box[0] - cb[2] <= 0.15 * h and pairs[0] >= 10
                          and pairs[1] >= 0.9 * pairs[0])
                # (A binary operator or relation TeX spaced on its left is spaced on its right too: "AK ∪ (AK", the
                # loose boxes of "∪" and "(" meeting across the medium space.)
                spaced_sign = (current[1][-2:-1] == [" "] and current[1][-1] in _SPACED_SIGNS
                               and ch not in ",.;:)]}" and box[0] - cb[2] > 0 and math_font(textpage, raw_module, last_i))
                if shifted is not None and (box[0] - cb[2] > 0.15 * h or shifted and box[0] - cb[2] > 0.07 * h
                                            or switched or narrow or spaced_sign) and current[1][-1:] != [" "]:
                    current[1].append(" ")
                    current[3].append(None)
                elif letters:
                    pairs[0] += 1
                    pairs[1] += box[0] - cb[2] < 0.03 * h
                current[1].append(ch)
                current[3].append((box[0], box[2]))
                last_left, last_v, last_i = box[0], (box[1], box[3]), i
                if accent:
                    current[1].append(accent)
                    current[3].append(current[3][-1])
                    accent = None
                continue
        current = [box, [ch], i, [(box[0], box[2])], angle]
        pairs = [0, 0]  # the fragment's letter pairs with no space between, and those that touch
        if accent:
            current[1].append(accent)
            current[3].append(current[3][-1])
            accent = None
        last_left, last_v, last_i = box[0], (box[1], box[3]), i
        fragments.append(current)
    # A manuscript's line numbers go before the join: a number drawn with the end of a line ("1044 for OmF ...")
    # runs across the line's start and could not be read into it.
    fragments = without_margin_numbers(fragments, codes)
    # Join fragments on one baseline that touch (objects drawn separately, a bold label, super/subscripts);
    # twice, for a piece that joins two lines only once it is in one of them (a minus between "W" and "m2").
    lines, thin = _join(fragments)
    if thin:
        lines = _join(lines)[0]
    bars = [s[1] for s in slashes or () if s[0] == "bar"]
    lines, opened = _fractions(lines, bars) if bars else (lines, set())
    out = []
    for line in lines:
        box, chars, first = line[0], line[1], line[2]
        # (NFC: an accent read as a combining mark after its letter becomes the accented letter, "è".)
        text = unicodedata.normalize("NFC", close_letter_spacing("".join(chars).strip()))
        if not text:
            continue
        # The first letter's box height: pdfium's font size leaves out the text matrix (often 1.0),
        # and a line's box grows with sub- and superscripts.
        first_box = transform_box(_char_box(handle, raw_module, first, rect), matrix)
        size = first_box[3] - first_box[1]
        if id(line) in opened:  # (a numerator's small glyph first: the tallest of the letters after it)
            for k in range(first + 1, min(first + 8, n)):
                if codes[k] > 32:
                    other = transform_box(_char_box(handle, raw_module, k, rect), matrix)
                    size = max(size, other[3] - other[1])
        glyph_boxed = _glyph_boxed(handle, raw_module, first, size)
        bold = raw_module.FPDFText_GetFontWeight(handle, first) >= _BOLD_WEIGHT or _bold_name(
            textpage, raw_module, first)
        if not bold and first + 12 < n and CAPTION_START.match(text):
            # A label set in another font than the words after it ("Figure 1 Flow chart ..." where the
            # fonts' names say nothing of their weight): typographically a caption's label.
            bold = _font_name(textpage, raw_module, first) != _font_name(textpage, raw_module, first + 12)
            # (Or a bold title run on into the legend's words: Nature Communications' "Fig. 6 Viral ... a The ...".)
            last = next((k for k in range(min(first + len(chars), n) - 1, first + 40, -1) if chr(codes[k]).isalpha()), None)
            if not bold and last is not None:
                bold = _font_name(textpage, raw_module, first) != _font_name(textpage, raw_module, last)
        out.append(Line(tuple(box), text, size, bold, glyph_boxed))
    out.sort(key=lambda ln: (-ln.box[3], ln.box[0]))
    return out


def _drawn_slash(slashes: list, current: list, box, h: float):
    """The solidus stroke standing in the gap between the line's last glyph and the glyph ``box`` (each
    edge within half a point of the gap's, as tall as half the line at least, within its band), taken
    from ``slashes`` (read once); None when there is none."""
    previous = next((x for x in reversed(current[3]) if x is not None and x[1] > x[0]), None)
    if previous is None or box[0] - previous[1] < 0.2 * h:
        return None
    low, high = min(current[0][1], box[1]) - 0.3 * h, max(current[0][3], box[3]) + 0.3 * h
    for k, s in enumerate(slashes):
        if (s[0] >= previous[1] - 0.6 and s[2] <= box[0] + 0.6 and s[1] >= low and s[3] <= high
                and s[3] - s[1] >= 0.5 * h):
            return slashes.pop(k)
    return None


def _fractions(lines: list[list], bars: list) -> tuple[list[list], set]:
    """Built-up fractions read inline: a short bar drawn through a line's band (between its box's bottom
    and top, not under the line like a rule), with a line of its own right under it and within its width
    (the denominator, which pdfium reads as a line apart: "t" over "h" came out "t ratios", the "h" lost),
    and the numerator over it: the line's glyphs there, or a line of its own too ("T" over "Tc").  The
    fraction joins the line as "num/den" ("t/h ratios").  Also returns the ids of the lines that now open
    with a fraction (their type size is not their first, smaller, glyph's)."""
    opened = set()
    for bar in bars:
        mid = (bar[1] + bar[3]) / 2
        host = under = above = None
        for line in lines:
            lb = line[0]
            h = lb[3] - lb[1]
            if lb[0] >= bar[0] - 1 and lb[2] <= bar[2] + 1 and bar[1] - 0.6 * h <= lb[3] <= bar[3] + 1:
                under = under or line
            elif lb[0] >= bar[0] - 1 and lb[2] <= bar[2] + 1 and bar[1] - 1 <= lb[1] <= bar[3] + 0.6 * h:
                above = above or line
            elif lb[1] + 0.15 * h < mid < lb[3] - 0.15 * h and lb[0] <= bar[0] + 1 and lb[2] >= bar[2] - 1:
                host = host or line
        if host is None or under is None or len(under[1]) > 12 or above is not None and len(above[1]) > 12:
            continue
        denominator = [(c, x) for c, x in zip(under[1], under[3]) if c != " "]
        # the numerator: the host's glyphs over the bar, within its width, or the line over it
        over = [k for k, x in enumerate(host[3]) if x is not None and x[1] > x[0]
                and bar[0] - 1 <= (x[0] + x[1]) / 2 <= bar[2] + 1]
        if over:
            at, numerator = over[-1] + 1, []
        elif above is not None:
            at = next((k for k, x in enumerate(host[3]) if x is not None and x[0] >= bar[0] - 1), len(host[1]))
            numerator = [(c, x) for c, x in zip(above[1], above[3]) if c != " "]
        else:
            continue
        pieces = numerator + [("/", (bar[2], bar[2]))] + denominator
        following = host[3][at] if at < len(host[3]) else None
        if following is not None and host[1][at] != " " and following[0] - bar[2] > 1.0:
            pieces.append((" ", None))  # (a word space after the fraction: "T/Tc = 0.9")
        host[1][at:at] = [c for c, _ in pieces]
        host[3][at:at] = [x for _, x in pieces]
        host[0] = union([host[0]] + [ln[0] for ln in (under, above) if ln is not None])
        if at <= 1:
            opened.add(id(host))
        lines = [line for line in lines if line is not under and line is not above]
    return lines, opened


def _opens_caption(codes: list[int], i: int, unstopped: bool = False) -> bool:
    """The characters from ``i`` open a caption's label ("Figure 7-27.", "Fig. 3:"); ``unstopped``: or a
    label with no stop before a title's capitalised word ("Figure 9 Datasets")."""
    from figdex.ingest.sources.pdf_layout import caption_start

    text = "".join(chr(c) for c in codes[i:i + 24] if 0 < c < 0xD800 or 0xE000 <= c <= 0x10FFFF)
    line = Line((0, 0, 0, 0), text, 0.0, unstopped)  # (read as bold: its label needs no stop)
    return caption_start(line) is not None and (not unstopped or bool(re.match(
        r"\s*\S+\s*\S+\s+[A-Z][a-z]", text)))


# Spacing accents a TeX PDF's text layer reports as glyphs of their own next to the letter they are
# set over ("Gr¨uneisen"): read as the combining mark, joined to that letter.
_SPACING_ACCENTS = {"\u00a8": "\u0308", "\u00b4": "\u0301", "\u02c6": "\u0302", "\u02dc": "\u0303",
                    "\u00af": "\u0304", "\u02d8": "\u0306", "\u02d9": "\u0307", "\u02da": "\u030a",
                    "\u02c7": "\u030c", "\u02dd": "\u030b",
                    # (and under it: TeX's \\c{c}, "Especifica¸cões" for "Especificações", and \\k{a})
                    "\u00b8": "\u0327", "\u02db": "\u0328"}


def _letter(codes: list[int], i: int) -> bool:
    return 0 <= i < len(codes) and 0 < codes[i] < 0x110000 and chr(codes[i]).isalpha()


# TeX's binary operators and relations that never open a formula as a sign of their own (not "−", "±", "×", "∼",
# "≥": "−5", "×10", "≥65" follow a word space unspaced).
_SPACED_SIGNS = frozenset("\u222a\u2229\u2208\u2209\u2282\u2286\u2283\u2287\u2227\u2228\u21d2\u21d4\u2261")


def _join(fragments: list[list]) -> tuple[list[list], bool]:
    """Fragments (or lines) on one baseline joined: side by side when they touch, read again left to
    right when one runs across the other (``_interleave``).  True when a thin glyph was let in (the
    caller joins once more: the line it lengthened may now touch the next)."""
    fragments = sorted(fragments, key=lambda f: (-round((f[0][1] + f[0][3]) / 2), f[0][0]))
    lines: list[list] = []
    thin = False
    for frag in fragments:
        box = frag[0]
        for line in reversed(lines[-8:]):
            lb = line[0]
            if line[4] != frag[4]:
                continue
            h = max(lb[3] - lb[1], box[3] - box[1], 1.0)
            # (A glyph much taller than the line must not pull lines together; a thin one within its
            # band, a minus drawn as a bar, cannot.)
            if h > 2.5 * max(min(lb[3] - lb[1], box[3] - box[1]), 0.5):
                if not lb[1] - 1 <= box[1] <= box[3] <= lb[3] + 1:
                    continue
                thin = True
            centre_a, centre_b = (lb[1] + lb[3]) / 2, (box[1] + box[3]) / 2
            if (abs(centre_a - centre_b) < 0.45 * h and -0.5 * h < box[0] - lb[2] < 0.7 * h
                    and not _two_columns(line, frag)):
                line[0] = union([lb, box])
                spaced = box[0] - lb[2] > 0.15 * min(lb[3] - lb[1], box[3] - box[1])  # "1st": no space
                space = spaced and line[1][-1:] != [" "] and frag[1][:1] != [" "]
                line[1] = line[1] + ([" "] if space else []) + frag[1]
                line[3] = line[3] + ([None] if space else []) + frag[3]
                break
            if (abs(centre_a - centre_b) < 0.45 * h and -0.5 * h < lb[0] - box[2] < 0.7 * h
                    and not _two_columns(line, frag)):
                # (and a line it now touches on its left, read first but joined to nothing: latexdiff's "tICA" then
                # "solution," a point lower, read after the words to its right: the caller joins once more)
                thin = thin or any(o is not line and o[4] == frag[4] and abs((o[0][1] + o[0][3]) / 2 - centre_b) < 0.45 * h
                                   and -0.5 * h < box[0] - o[0][2] < 0.7 * h for o in lines[-8:])
                line[0] = union([lb, box])
                # (as on the right: a space only for a gap, not for "WO3" read after its ".", a
                # subscript lowering its fragment's middle below the full stop's)
                spaced = lb[0] - box[2] > 0.15 * min(lb[3] - lb[1], box[3] - box[1])
                space = spaced and frag[1][-1:] != [" "] and line[1][:1] != [" "]
                line[1] = frag[1] + ([" "] if space else []) + line[1]
                line[3] = frag[3] + ([None] if space else []) + line[3]
                line[2] = frag[2]
                break
            across = min(lb[2], box[2]) - max(lb[0], box[0])  # (a glyph narrower than half the line's height: within it)
            # (A script of one or two glyphs under the line's last letters, its top inside the line's band: "AOi",
            # "i" stacked under the superscript "O", its middle lowered past 0.45 of the line's height.)
            script = (len(frag[1]) <= 2 and box[3] - box[1] <= 0.7 * (lb[3] - lb[1]) and lb[0] <= box[0]
                      and box[2] <= lb[2] and box[3] - lb[1] >= 0.3 * (box[3] - box[1]) and centre_b < centre_a)
            if ((abs(centre_a - centre_b) < 0.45 * h or script and abs(centre_a - centre_b) < 0.6 * h)
                    # (or the line read first is the narrow one: "∗" of "q∗" read before the line it is set in)
                    and (across > 0.5 * h or across >= 0.9 * min(box[2] - box[0], lb[2] - lb[0]) > 0)
                    # (the spacing measure is the lower of the two heights, but not a lone dot's: a
                    # "." of "1.07" let in made every 0.4-pt gap of the line a word space, "pM (t)")
                    and _interleave(line, frag, max(min(lb[3] - lb[1], box[3] - box[1]),
                                                    0.5 * max(lb[3] - lb[1], box[3] - box[1])))):
                break
        else:
            lines.append([box, list(frag[1]), frag[2], list(frag[3]), frag[4]])
    return lines, thin


def _two_columns(line: list, frag: list) -> bool:
    """Two runs of words in different type sizes on different baselines, each long (not a sub- or
    superscript, not a bold label): lines of two columns meeting across a narrow gutter (CHI: a caption in
    a 7.3-pt margin column, 4 pt from the 8.3-pt running text, its lines read on into the text's)."""
    a, b = line[0], frag[0]
    ha, hb = a[3] - a[1], b[3] - b[1]
    if not (abs(ha - hb) > 0.08 * max(ha, hb) and abs(a[1] - b[1]) > 0.15 * min(ha, hb)):
        return False
    if len(line[1]) < 12 or len(frag[1]) < 12 or line[1].count(" ") > len(line[1]) - 12 or frag[1].count(" ") > len(frag[1]) - 12:
        return False
    # (and a gutter between their glyphs, a third of a line high: a word run on in another font touches)
    left, right = (line, frag) if a[0] <= b[0] else (frag, line)
    ends = [x[1] for c, x in zip(left[1], left[3]) if c != " " and x is not None and x[1] > x[0]]
    starts = [x[0] for c, x in zip(right[1], right[3]) if c != " " and x is not None and x[1] > x[0]]
    return bool(ends and starts) and min(starts) - max(ends) > 0.3 * min(ha, hb)


def _interleave(line: list, frag: list, height: float) -> bool:
    """Join into ``line`` a fragment of the same baseline that runs across it: one line whose glyphs
    were drawn out of order (IOP: "of T H" first, then ", 0", then "ρ( μ )" put before and between
    them), read again left to right.  A space is kept where pdfium read one between two glyphs of
    the same fragment (not when another fragment's glyph falls between them), and put where a gap of
    a sixth of the line's height opens.  A glyph drawn twice at one place (bold faked by
    overprinting) is read once.  False, and nothing joined, when glyphs of the two collide (two lines
    set over each other: a caption over a plot's legend) or the two meet only across wide gaps (a
    diagram's labels on one baseline), not one line drawn out of order."""
    mine = [x for x in line[3] if x is not None and x[1] > x[0]]
    theirs = [x for x in frag[3] if x is not None and x[1] > x[0]]
    # One or two glyphs drawn apart (JACoW: a caption's colon, its own text object read last) may
    # reach a third further into their neighbours' loose boxes than a line set over another does.
    allowed = 0.5 if len(theirs) <= 2 else 0.3
    for left, right in theirs:
        for other_left, other_right in mine:
            overlap = min(right, other_right) - max(left, other_left)
            if overlap > allowed * min(right - left, other_right - other_left) and abs(left - other_left) > 0.3 * (right - left):
                return False
    glyphs = sorted([(x, c, 0) for c, x in zip(line[1], line[3]) if x is not None]
                    + [(x, c, 1) for c, x in zip(frag[1], frag[3]) if x is not None],
                    key=lambda g: g[0][0] - (0.5 if g[1] in "\u2032\u2033" else 0.0))  # (a prime over a subscript: "l′i")
    drawn = [g for g in glyphs if g[1] != " "]
    # (One or two glyphs boxed to their own ink, a full stop 2.6 pt high in a 6.9-pt line: Medicine's
    # "Figure 1." and the 3.7-pt sentence space after it, measured by the line it sits in.)
    far = 0.7 * (max(height, line[0][3] - line[0][1], frag[0][3] - frag[0][1]) if len(theirs) <= 2 else height)
    # (measured from the furthest right any glyph before reaches: a script under a letter, "ADi", ends inside it)
    reach = list(accumulate((g[0][1] for g in drawn), max))
    if any(a[2] != b[2] and b[0][0] - r > far for a, b, r in zip(drawn, drawn[1:], reach)):
        return False  # labels of a diagram on one baseline, far apart: not one line's words
    chars, xs = [], []
    last_source = None
    for k, ((left, right), c, source) in enumerate(glyphs):
        if c == " ":
            following = next((g for g in glyphs[k + 1:] if g[1] != " "), None)
            previous = next((g for g in reversed(glyphs[:k]) if g[1] != " "), None)
            if (chars and chars[-1] != " " and following and previous
                    and following[2] == source == previous[2]):
                chars.append(" ")
                xs.append((left, right))
            continue
        if chars and c == chars[-1] and abs(left - xs[-1][0]) < 0.3 * max(right - left, 0.5) and not (
                source == last_source and xs[-1] == (left, right)):  # (a ligature's letters share one box: "ff")
            continue
        last_source = source
        # (a comma or full stop opens no word: "lj ," was a script's italic correction before a math comma)
        if chars and chars[-1] != " " and left - xs[-1][1] > (0.3 if c in ",.;" else 0.15) * height:
            chars.append(" ")
            xs.append(None)
        chars.append(c)
        xs.append((left, right))
    for k in range(1, len(chars)):  # (a spacing accent drawn apart over the letter before it: PRB's "Gru¨neisen")
        if chars[k] in _SPACING_ACCENTS and chars[k - 1].isalpha() and xs[k] and xs[k - 1] and xs[k][0] < xs[k - 1][1]:
            chars[k] = _SPACING_ACCENTS[chars[k]]
    if frag[0][0] < line[0][0]:
        line[2] = frag[2]
    line[0] = union([line[0], frag[0]])
    line[1], line[3] = chars, xs
    return True

