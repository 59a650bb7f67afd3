"""Characters of fonts that carry no Unicode map, read from their encoding.  Part of the PDF parser
(``pdf_text_lines`` builds lines from what is read here).

* A Symbol-encoded font (Symbol, EuclidSymbol, SymbolMT) puts Greek on the Latin letters' codes:
  pdfium reports "r" for rho, "m" for mu.
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

# Mathematical Pi One's signs on the codes pdfium reports (only those whose reading is sure).
MATH_PI = {"1": "+", "2": "\u2212", "3": "\u00d7", "5": "=", "6": "\u00b1", ",": "<", ".": ">"}
SIGN_CODES = frozenset(SYMBOL_GREEK) | frozenset(MATH_PI)


def sign_table(font_name: str) -> dict[str, str] | None:
    """The table reading a font's letters or digits as the signs it draws (by the font's name), or None."""
    name = font_name.lower()
    if "symbol" in name:
        return SYMBOL_GREEK
    if "mathematicalpi-one" in name.replace(" ", ""):
        return MATH_PI
    return None


_GREEK_CAPITALS = ["Γ", "Δ", "Θ", "Λ", "Ξ", "Π", "Σ", "Υ", "Φ", "Ψ", "Ω"]  # 0x00-0x0A of OT1 and OML
# OT1 0x12-0x18 are accents, set over the letter: combining marks.
_OT1 = _GREEK_CAPITALS + ["ff", "fi", "fl", "ffi", "ffl", "ı", "ȷ", "\u0300", "\u0301", "\u030c", "\u0306",
                          "\u0304", "\u030a", "\u0327", "ß", "æ", "œ", "ø", "Æ", "Œ", "Ø"]
_OML = _GREEK_CAPITALS + list("αβγδϵζηθικλμνξπρστυϕχ")
_OMS = list("−·×∗÷⋄±∓⊕⊖⊗⊘⊙◯∘•≍≡⊆⊇≤≥⪯⪰∼≈⊂⊃≪≫≺≻")
_OMX = list("()[]⌊⌋⌈⌉{}⟨⟩|‖/\\()()[]⌊⌋⌈⌉{}⟨⟩/\\")
_LINE_BREAKS = (0x0A, 0x0D)
_BY_NAME = (("CMEX", _OMX), ("CMBSY", _OMS), ("CMSY", _OMS), ("CMMI", _OML), ("CMR", _OT1), ("CMBX", _OT1),
            ("CMTI", _OT1), ("CMSL", _OT1), ("CMSS", _OT1), ("CMCSC", _OT1), ("CMB", _OT1))


def control_characters(handle, raw_module, codes: list[int]) -> dict[int, str]:
    """What the control codes (under 0x20) of a page's characters stand for, by character index,
    read from the encoding of the font each is set in; empty when the page has none (pdfium's own
    line breaks are not: it marks them generated)."""
    controls = [i for i, code in enumerate(codes) if code < 0x20 and code != 0x02
                and not (code in _LINE_BREAKS and raw_module.FPDFText_IsGenerated(handle, i))]
    if not controls:
        return {}
    from figdex.ingest.sources.pdf_graphics import address
    from figdex.ingest.sources.pdf_text_lines import font_name

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
    for i in unnamed:
        count, in_words = letters.get(fonts[i], (0, 0))
        table = _OT1 if count >= 10 and in_words >= 0.7 * count else _OML if count else _OMS
        out[i] = table[codes[i]]
    return out
