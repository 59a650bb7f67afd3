"""Characters of fonts that carry no Unicode map, read from their encoding.  Part of the PDF parser
(``pdf_text_lines`` builds lines from what is read here).

* A Symbol-encoded font (Symbol, EuclidSymbol, SymbolMT) puts Greek on the Latin letters' codes:
  pdfium reports "r" for rho, "m" for mu; and its signs on the codes above 0x80, which pdfium reads as
  Latin-1 ("á" for the angle bracket 0xE1).
* Linotype's Mathematical Pi fonts (MathematicalPi-One, set for the signs in older Wiley and Elsevier
  papers) put operators on digits and punctuation: pdfium reports "Ca21" for Ca2+, "6 SD" for ± SD.
* A TeX font without a Unicode map reports its own codes, and the codes under 0x20 are not text: in
  a text font (OT1) they are ligatures ("fi" is 0x0C) and accents (the macron of "ū" is 0x16), in
  math italic (OML) Greek ("ϵ" is 0x0F), in the symbol font (OMS) operators (the minus is 0x00, the
  circle of "©" 0x0D), in the extension font (OMX) big delimiters.  The font's name says which
  (CMR10, CMMI10, CMSY10, CMEX10); an old dvips PDF's bitmap Type 3 fonts have no name, and which is
  which is read off the page: a text font sets words (runs of lower-case letters), math italic
  single letters, the symbol font no letters.  Other named fonts' control codes are left as they are.
"""

from __future__ import annotations

SYMBOL_GREEK = dict(zip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                        "αβχδεφγηιϕκλμνοπθρστυϖωξψζΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ"))

# Symbol's signs above 0x80, as pdfium reports them without a Unicode map: the code read as Latin-1
# ("á" is 0xE1, Symbol's angle bracket: IOP's "<tau>" printed as "áτñ").  Codes whose Latin-1 character
# is itself a sign Symbol draws (±, °, ×, ÷, ¬, ®, ©, µ) are left out: a mapped Symbol font reports
# them as they are, and they cannot be told from an unmapped code.
_SYMBOL_HIGH_SIGNS = {
    0xA1: "\u03d2", 0xA2: "\u2032", 0xA3: "\u2264", 0xA4: "\u2044", 0xA5: "\u221e", 0xA6: "\u0192",
    0xAB: "\u2194", 0xAD: "\u2191", 0xAF: "\u2193", 0xB2: "\u2033", 0xB3: "\u2265", 0xB4: "\u00d7",
    0xB6: "\u2202", 0xB7: "\u2022", 0xB8: "\u00f7", 0xB9: "\u2260", 0xBA: "\u2261", 0xBB: "\u2248",
    0xBC: "\u2026", 0xC0: "\u2135", 0xC1: "\u2111", 0xC2: "\u211c", 0xC3: "\u2118", 0xC4: "\u2297",
    0xC5: "\u2295", 0xC6: "\u2205", 0xC7: "\u2229", 0xC8: "\u222a", 0xC9: "\u2283", 0xCA: "\u2287",
    0xCB: "\u2284", 0xCC: "\u2282", 0xCD: "\u2286", 0xCE: "\u2208", 0xCF: "\u2209", 0xD0: "\u2220",
    0xD1: "\u2207", 0xD2: "\u00ae", 0xD3: "\u00a9", 0xD4: "\u2122", 0xD5: "\u220f", 0xD6: "\u221a",
    0xD8: "\u00ac", 0xD9: "\u2227", 0xDA: "\u2228", 0xDB: "\u21d4", 0xDC: "\u21d0", 0xDD: "\u21d1",
    0xDE: "\u21d2", 0xDF: "\u21d3", 0xE0: "\u25ca", 0xE1: "\u27e8",
    0xE2: "\u00ae", 0xE3: "\u00a9", 0xE4: "\u2122", 0xE5: "\u2211", 0xF1: "\u27e9", 0xF2: "\u222b",
}
SYMBOL_SIGNS = {**SYMBOL_GREEK, **{chr(code): sign for code, sign in _SYMBOL_HIGH_SIGNS.items()}}

# Mathematical Pi One's signs on the codes pdfium reports (only those whose reading is sure).
MATH_PI = {"1": "+", "2": "\u2212", "3": "\u00d7", "5": "=", "6": "\u00b1", ",": "<", ".": ">"}
SIGN_CODES = frozenset(SYMBOL_SIGNS) | frozenset(MATH_PI)


def sign_table(font_name: str) -> dict[str, str] | None:
    """The table reading a font's letters or digits as the signs it draws (by the font's name), or None."""
    name = font_name.lower()
    if "symbol" in name:
        return SYMBOL_SIGNS
    if "mathematicalpi-one" in name.replace(" ", ""):
        return MATH_PI
    return None


_GREEK_CAPITALS = ["Γ", "Δ", "Θ", "Λ", "Ξ", "Π", "Σ", "Υ", "Φ", "Ψ", "Ω"]  # 0x00-0x0A of OT1 and OML
# OT1 0x12-0x18 are accents, set over the letter: combining marks.
_OT1 = _GREEK_CAPITALS + ["ff", "fi", "fl", "ffi", "ffl", "ı", "ȷ", "\u0300", "\u0301", "\u030c", "\u0306",
                          "\u0304", "\u030a", "\u0327", "ß", "æ", "œ", "ø", "Æ", "Œ", "Ø"]
# T1 (Cork), the other TeX text encoding (\usepackage[T1]{fontenc}), puts its accents under 0x0D, quotes and
# dashes at 0x0D-0x16 and its ligatures at 0x1B-0x1F, where OT1 has "œ", "ø", "Æ", "Œ", "Ø": read as OT1, a T1
# bitmap font (MiKTeX's unnamed Type 3) prints "Conødence" for "Confidence", "eœect" for "effect".
_T1 = ["\u0300", "\u0301", "\u0302", "\u0303", "\u0308", "\u030b", "\u030a", "\u030c", "\u0306", "\u0304",
       "\u0307", "\u0327", "\u0328", "\u201a", "\u2039", "\u203a", "\u201c", "\u201d", "\u201e", "\u00ab",
       "\u00bb", "\u2013", "\u2014", "", "", "ı", "ȷ", "ff", "fi", "fl", "ffi", "ffl"]
_OML = _GREEK_CAPITALS + list("αβγδϵζηθικλμνξπρστυϕχ")
_OMS = list("−·×∗÷⋄±∓⊕⊖⊗⊘⊙◯∘•≍≡⊆⊇≤≥⪯⪰∼≈⊂⊃≪≫≺≻")
_OMX = list("()[]⌊⌋⌈⌉{}⟨⟩|‖/\\()()[]⌊⌋⌈⌉{}⟨⟩/\\")
_LINE_BREAKS = (0x0A, 0x0D)
_BY_NAME = (("CMEX", _OMX), ("CMBSY", _OMS), ("CMSY", _OMS), ("CMMI", _OML), ("CMR", _OT1), ("CMBX", _OT1),
            ("CMTI", _OT1), ("CMSL", _OT1), ("CMSS", _OT1), ("CMCSC", _OT1), ("CMB", _OT1))


# OMS (TeX's math symbol font, CMSY) above 0x20 where an unmapped font's code reads as a digit, a lower-case
# letter or "[", "]", "^", "_": CMSY draws none of those (its letters are the calligraphic capitals, left as they
# are), and a font with a Unicode map never reports them, so the reading is sure ("l0i" for "l′i").
_OMS_ASCII = {**dict(zip("0123456789", "\u2032\u221e\u2208\u220b\u25b3\u25bd\u0338\u21a6\u2200\u2203")),
              **dict(zip("abcdefghijklmnopqrstuvwxyz", ["\u22a3", "\u230a", "\u230b", "\u2308", "\u2309", "{", "}",
                                                       "\u27e8", "\u27e9", "|", "\u2016", "\u2195", "\u21d5", "\\",
                                                       "\u2240", "\u221a", "\u2a3f", "\u2207", "\u222b", "\u2294",
                                                       "\u2293", "\u2291", "\u2292", "\u00a7", "\u2020", "\u2021"])),
              "[": "\u222a", "]": "\u2229", "^": "\u2227", "_": "\u2228"}


def math_symbol_ascii(handle, raw_module, codes: list[int]) -> dict[int, str]:
    """By character index, the signs an unmapped TeX math symbol font (CMSY, CMBSY) draws where pdfium reports
    its codes as ASCII: 0x30 is the prime (LNCS "Instruction l′i" read "li0")."""
    candidates = [i for i, code in enumerate(codes) if chr(code) in _OMS_ASCII] if codes else []
    if not candidates:
        return {}
    from figdex.ingest.sources.pdf_glyphs import font_name

    out = {}
    for i in candidates:
        name = font_name(handle, raw_module, i).split("+")[-1].upper()
        if name.startswith(("CMSY", "CMBSY")):
            out[i] = _OMS_ASCII[chr(codes[i])]
    return out


def control_characters(handle, raw_module, codes: list[int]) -> dict[int, str]:
    """What the control codes (under 0x20) of a page's characters stand for, by character index,
    read from the encoding of the font each is set in; empty when the page has none (pdfium's own
    line breaks are not: it marks them generated)."""
    controls = [i for i, code in enumerate(codes) if code < 0x20 and code != 0x02
                and not (code in _LINE_BREAKS and raw_module.FPDFText_IsGenerated(handle, i))]
    if not controls:
        return {}
    from figdex.ingest.sources.pdf_graphics import address
    from figdex.ingest.sources.pdf_glyphs import font_name

    out, unnamed = {}, []
    for i in controls:
        name = font_name(handle, raw_module, i).split("+")[-1].upper()
        table = next((t for prefix, t in _BY_NAME if name.startswith(prefix)), None)
        if table is not None:
            out[i] = table[codes[i]]
        elif not name:
            unnamed.append(i)
    if not unnamed:
        return out
    fonts = []
    for i in range(len(codes)):
        obj = raw_module.FPDFText_GetTextObject(handle, i)
        fonts.append(address(raw_module.FPDFTextObj_GetFont(obj)) if obj else 0)

    def lower(i: int) -> bool:
        return 0 <= i < len(codes) and 0x61 <= codes[i] <= 0x7A

    letters: dict[int, list[int]] = {}  # font -> [lower-case letters, those next to another of the font]
    for i, font in enumerate(fonts):
        if lower(i):
            counts = letters.setdefault(font, [0, 0])
            counts[0] += 1
            counts[1] += any(lower(j) and fonts[j] == font for j in (i - 1, i + 1))
    cork = _cork_votes(codes, unnamed, fonts, lower)
    for i in unnamed:
        count, in_words = letters.get(fonts[i], (0, 0))
        table = _OT1 if count >= 10 and in_words >= 0.7 * count else _OML if count else _OMS
        if table is _OT1 and cork.get(fonts[i], 0) > 0:
            table = _T1
        out[i] = table[codes[i]]
    return out


def _cork_votes(codes: list[int], unnamed: list[int], fonts: list[int], lower) -> dict[int, int]:
    """By font, how much more its control codes read as T1 than as OT1: a code of 0x1B-0x1F inside a word
    (T1's "ff" .. "ffl"; OT1's "œ", "ø" there are far rarer in English) counts for T1, one of 0x0B-0x0F (OT1's
    ligatures; T1's cedilla, ogonek and single guillemets) against it.  (T1's quotes and dashes are no sign:
    OT1 has its dotless i and its macron and breve accents on those codes, "bū" in an old TeX paper.)"""
    votes: dict[int, int] = {}

    def alnum(j: int, digit: bool = False) -> bool:
        c = chr(codes[j]) if 0 <= j < len(codes) and 0 < codes[j] < 0x110000 else ""
        return c.isdigit() if digit else c.isalnum()

    closing = {fonts[i] for i in unnamed if codes[i] == 0x11 and alnum(i - 1) and not alnum(i + 1)}
    for i in unnamed:
        code = codes[i]
        if 0x1B <= code <= 0x1F and lower(i - 1) and lower(i + 1):
            votes[fonts[i]] = votes.get(fonts[i], 0) + 1
        # (But T1's quotes round a word, 0x10 before it and 0x11 after it, "\x10YES\x11" for "“YES”", where OT1's
        # dotless i opens no word; and its en dash stands by a digit, "A1\x15A9", where OT1's breve sets over none.)
        elif (code == 0x10 and not alnum(i - 1) and alnum(i + 1) and fonts[i] in closing
              or code in (0x15, 0x16) and (alnum(i - 1, True) or alnum(i + 1, True))):
            votes[fonts[i]] = votes.get(fonts[i], 0) + 1
        elif 0x0B <= code <= 0x0F:
            votes[fonts[i]] = votes.get(fonts[i], 0) - 1
    return votes


# Advent 3B2's own text fonts (named "Adv..."; Elsevier, 1990s-2000s) without a Unicode map put the "ff", "fi",
# "fl", "ffi", "ffl" ligatures on the codes of "¡¢£¤¥" and the en dash on "^": the text layer reads
# "speci¢city", "In£uence", "a¤nity", "exon^intron", "239^244" where the page prints the letters and "–".
_ADVENT = {0xA1: "ff", 0xA2: "fi", 0xA3: "fl", 0xA4: "ffi", 0xA5: "ffl", 0x5E: "\u2013"}


def advent_signs(handle, raw_module, codes: list[int]) -> dict[int, str]:
    """What the page's "¡¢£¤¥^" stand for where an Advent font sets them, by character index; empty on most pages
    (fonts named otherwise, and those signs in any other font, are left as they read)."""
    from figdex.ingest.sources.pdf_glyphs import font_name

    def letter(j: int) -> bool:
        return 0 <= j < len(codes) and chr(codes[j]).isalpha()

    out = {}
    for i, code in enumerate(codes):
        # (A ligature stands in a word, next to a letter: "£5" is a pound sign whatever the font.)
        if code in _ADVENT and (code == 0x5E or letter(i - 1) or letter(i + 1)) \
                and font_name(handle, raw_module, i).split("+")[-1].startswith("Adv"):
            out[i] = _ADVENT[code]
    return out


# TeX's math italic layout (OML, and the fonts cloned from it) draws "," and "." on the codes of ";" and ":";
# a font of that layout whose Unicode map is ASCII reads "G1; G2; G3" where the page prints "G1, G2, G3"
# (Expert Systems with Applications 2013).  The glyph tells: a semicolon or a colon is drawn in two pieces.
_ONE_PIECE = {0x3B: ",", 0x3A: "."}


def one_piece_punctuation(handle, raw_module, codes: list[int]) -> dict[int, str]:
    """``{character index: "," or "."}`` for the page's ";" and ":" whose glyph is drawn in one piece (a comma's or
    a full stop's outline); empty on most pages.  A glyph pdfium cannot outline is left as it reads."""
    if 0x3B not in codes and 0x3A not in codes:
        return {}
    from figdex.ingest.sources.pdf_graphics import address

    pieces: dict[tuple, int | None] = {}
    out = {}
    for i, code in enumerate(codes):
        if code not in _ONE_PIECE:
            continue
        obj = raw_module.FPDFText_GetTextObject(handle, i)
        font = raw_module.FPDFTextObj_GetFont(obj) if obj else None
        if not font:
            continue
        key = (address(font), code)
        if key not in pieces:
            pieces[key] = _outline_pieces(raw_module, font, code)
        if pieces[key] == 1:
            out[i] = _ONE_PIECE[code]
    return out


def _outline_pieces(raw_module, font, code: int) -> int | None:
    """How many closed outlines the font draws for the character (its path's move-tos) when the glyph is as small
    as a comma or a full stop (RSC's one-piece triangle and Oxford's tilde on those codes are not); None when it
    has no outline or is larger."""
    import ctypes

    path = raw_module.FPDFFont_GetGlyphPath(font, code, 10.0)
    if not path:
        return None
    moves, xs, ys = 0, [], []
    x, y = ctypes.c_float(), ctypes.c_float()
    for s in range(raw_module.FPDFGlyphPath_CountGlyphSegments(path)):
        segment = raw_module.FPDFGlyphPath_GetGlyphPathSegment(path, s)
        moves += raw_module.FPDFPathSegment_GetType(segment) == raw_module.FPDF_SEGMENT_MOVETO
        if raw_module.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y)):
            xs.append(x.value)
            ys.append(y.value)
    # (pdfium's outline units: a full stop 0.08-0.19 across, a comma 0.23-0.32 high, a semicolon 0.6-0.7
    # high, a triangle or a tilde 0.66 across.)
    if not xs or max(xs) - min(xs) > 0.3 or max(ys) - min(ys) > 0.4:
        return None
    return moves or None


# ASCII characters a TeX font with a Unicode map reports for its accents: OT1 sets the grave at 0x12 and
# the circumflex at 0x5E, and a dvips map names them "grave", "circumflex" (U+0060, U+005E), so pdfium
# reads "mod`ele", "rivi`eres" for "modèle", "rivières".  Read as accents only where drawn over a letter.
_ASCII_ACCENTS = {"`": "\u0300", "^": "\u0302", "~": "\u0303", '"': "\u0308"}


def ascii_accent(handle, raw_module, codes: list[int], i: int) -> str | None:
    """The combining mark a grave, circumflex, tilde or double quote stands for when its glyph is drawn
    over the letter before or after it (its centre inside that letter's width, its foot above the
    letter's middle, as TeX's \\`e sets it), else None: a backquote, a caret or a quotation mark stands
    beside its letters, on or above the line, never over one."""
    from figdex.ingest.sources.pdf_glyphs import glyph_box

    ch = chr(codes[i]) if 0 < codes[i] < 0x110000 else ""
    if ch not in _ASCII_ACCENTS:
        return None

    def glyph(k: int):
        box = glyph_box(handle, raw_module, k)
        return None if box is None else (box[0], min(box[1], box[3]), box[2], max(box[1], box[3]))

    mark = glyph(i)
    if mark is None or mark[2] <= mark[0]:
        return None
    centre = (mark[0] + mark[2]) / 2
    for k in (i + 1, i - 1):
        if not (0 <= k < len(codes) and 0 < codes[k] < 0x110000 and chr(codes[k]).isalpha()):
            continue
        letter = glyph(k)
        if letter is not None and letter[0] < centre < letter[2] and mark[1] > (letter[1] + letter[3]) / 2:
            return _ASCII_ACCENTS[ch]
    return None
