"""Ligatures whose Unicode map names only their first letter.  Part of the PDF parser
(``pdf_text_lines`` builds lines from what is read here).

Some publishers' fonts (Hindawi/Wiley's Minion Pro, 2026) map the "Th", "ff", "fi" and "ffi" ligature
glyphs to "T" and "f" alone, so the text layer reads "Te", "Efect", "diferent", "frst" where the page
prints "The", "Effect", "different", "first".  Such a glyph gives itself away by its width: a "T" or an
"f" much wider than the same letter elsewhere in the same font, standing alone (a ligature mapped
properly shares its box with the letters it stands for, or is followed by them).

Which ligature a wide "f" is, is read from the widths of the font's wide "f"s on the page: a ligature
glyph is narrower than its letters set apart, by a factor that is the font's own, so the classes of
widths are matched in order to "fi", "ff", "ffi" (the pairing whose width ratios fit best).  "fl" and
"ffl" have the widths of "fi" and "ffi" in most fonts and are told from them by the letter after:
English has next to no "fiu", "fio", "fia", "fiy" ("influence", "flow", "flat", "briefly") nor "ffie"
("muffle"); before any other letter the far more frequent "fi" and "ffi" are read.
"""

from __future__ import annotations

import ctypes
from itertools import combinations

_WIDE = 1.15  # a glyph this much wider than its letter's narrowest width on the page may be a ligature
_LETTERS = {ord(c) for c in "Tfhi"}
_F_LIGATURES = ("fi", "ff", "ffi")  # in order of width in any font


def lost_ligatures(handle, raw_module, codes: list[int], min_letters: int = 20) -> dict[int, str]:
    """``{character index: the letters its glyph draws}`` for the page's "T"s and "f"s that are
    ligatures mapped to their first letter alone; empty on most pages (only fonts with at least
    ``min_letters`` of "T", "f", "h", "i" on the page are judged: a plot's labels are not)."""
    from figdex.ingest.sources.pdf_graphics import address

    wanted = [i for i, code in enumerate(codes) if code in _LETTERS]
    if not any(codes[i] in (0x54, 0x66) for i in wanted):
        return {}
    rect = raw_module.FS_RECTF()
    glyphs = {}  # index -> (font, letter, width / height, left, right)
    # ("T" and "f" first: the "h"s and "i"s are measured only on a page where one of them is wide.)
    heads = [i for i in wanted if codes[i] in (0x54, 0x66)]
    for i in heads:
        raw_module.FPDFText_GetLooseCharBox(handle, i, ctypes.byref(rect))
        height = abs(rect.top - rect.bottom)
        if height > 0 and rect.right > rect.left:
            glyphs[i] = (None, chr(codes[i]), (rect.right - rect.left) / height, rect.left, rect.right)
    for letter in "Tf":
        ratios = [g[2] for g in glyphs.values() if g[1] == letter]
        if ratios and max(ratios) >= _WIDE * min(ratios):
            break
    else:
        return {}  # (fonts differ: a wide "f" in another font than the narrowest shows up here too)
    glyphs = {}
    for i in wanted:
        raw_module.FPDFText_GetLooseCharBox(handle, i, ctypes.byref(rect))
        height = abs(rect.top - rect.bottom)
        if height <= 0 or rect.right <= rect.left:
            continue
        font = address(raw_module.FPDFTextObj_GetFont(raw_module.FPDFText_GetTextObject(handle, i)))
        glyphs[i] = (font, chr(codes[i]), (rect.right - rect.left) / height, rect.left, rect.right)
    narrowest: dict[tuple, float] = {}
    count: dict[int, int] = {}
    for font, letter, ratio, _, _ in glyphs.values():
        narrowest[font, letter] = min(narrowest.get((font, letter), ratio), ratio)
        count[font] = count.get(font, 0) + 1
    lost: dict[int, tuple] = {}
    for i, (font, letter, ratio, left, right) in glyphs.items():
        if letter not in "Tf" or count[font] < min_letters or ratio < _WIDE * narrowest[font, letter]:
            continue
        if not _alone(handle, raw_module, codes, i, left, right, rect):
            continue
        lost[i] = (font, letter, ratio)
    out: dict[int, str] = {}
    by_font: dict[int, list[int]] = {}
    for i, (font, letter, ratio) in lost.items():
        if letter == "T":
            h = narrowest.get((font, "h"))
            # "Th" drawn as one glyph: about as wide as "T" and "h" set apart (Minion: 0.93 of it).
            if h and 0.75 <= ratio / (narrowest[font, "T"] + h) <= 1.1:
                out[i] = "Th"
        else:
            by_font.setdefault(font, []).append(i)
    for font, indexes in by_font.items():
        if (font, "i") not in narrowest:
            continue
        f, i_width = narrowest[font, "f"], narrowest[font, "i"]
        sums = {"fi": f + i_width, "ff": 2 * f, "ffi": 2 * f + i_width}
        classes = _classes(sorted(lost[i][2] for i in indexes))
        names = _name_classes(classes, sums)
        if names is None:
            continue
        for i in indexes:
            ratio = lost[i][2]
            k = min(range(len(classes)), key=lambda c: abs(classes[c] - ratio))
            out[i] = _fi_or_fl(names[k], chr(codes[i + 1]) if i + 1 < len(codes) else "")
    return out


def _fi_or_fl(name: str, following: str) -> str:
    if name == "fi" and following in tuple("uoay"):
        return "fl"
    if name == "ffi" and following in tuple("uoaye"):
        return "ffl"
    return name


def _alone(handle, raw_module, codes, i, left, right, rect) -> bool:
    """The glyph stands alone inside a word: its neighbours do not share its box (a ligature mapped
    properly gives its letters one box), the next letter is not the one a ligature would add, and
    a letter stands beside it (a lone "f" or "T" is a symbol, not a word's ligature)."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(codes):
            raw_module.FPDFText_GetLooseCharBox(handle, j, ctypes.byref(rect))
            if min(rect.right, right) - max(rect.left, left) > 0.3 * (right - left):
                return False
    following = chr(codes[i + 1]) if i + 1 < len(codes) and 0 < codes[i + 1] < 0x110000 else ""
    previous = chr(codes[i - 1]) if i and 0 < codes[i - 1] < 0x110000 else ""
    if chr(codes[i]) == "T":
        return following.islower() and following != "h"
    if following and following in "filj":
        return False
    return previous.isalpha() or following.isalpha()


def _classes(ratios: list[float], tolerance: float = 0.03) -> list[float]:
    """The distinct widths among sorted ``ratios`` (one per ligature glyph), each the mean of its run."""
    groups: list[list[float]] = []
    for r in ratios:
        if groups and r - groups[-1][-1] <= tolerance * r:
            groups[-1].append(r)
        else:
            groups.append([r])
    return [sum(g) / len(g) for g in groups]


def _name_classes(classes: list[float], sums: dict[str, float]) -> list[str] | None:
    """The ligatures of the width classes (ascending), or None when they cannot be named: each class
    is one of fi < ff < ffi, and a glyph is narrower than its letters set apart by one factor per
    font (0.65 to 1.0 of their sum): the pairing of classes to names whose factors agree best."""
    if len(classes) > len(_F_LIGATURES):
        return None
    best, best_spread = None, None
    for names in combinations(_F_LIGATURES, len(classes)):
        factors = [w / sums[n] for w, n in zip(classes, names)]
        if not all(0.6 <= x <= 1.05 for x in factors):
            continue
        spread = max(factors) - min(factors) if len(factors) > 1 else abs(factors[0] - 0.8)
        if best_spread is None or spread < best_spread:
            best, best_spread = list(names), spread
    return best
