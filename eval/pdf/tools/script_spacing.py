"""The gold's spaces at sub- and superscripts, checked against the glyph gaps printed on the page.

The gold's caption words came from poppler's pdftotext, which parts a word where a sub- or superscript
starts or ends (another size or baseline) and then writes a space between the parts although the page
prints none: "δm H" for δm_H, "13 C" for ¹³C, "WS2 ." for WS₂.  This tool reads poppler's own word boxes
(``pdftotext -bbox``: no figdex code), finds each gold caption's words among them, and lists every
space of the gold that sits between two words of different size or baseline whose printed gap is
under ``JOIN_SHARE`` of the caption's ordinary word spaces (median) -- a gap the reader does not see as
a space.  With ``--write`` it joins those words in gold.json (each ``caption12`` line edited in place;
nothing else touched) and tops the caption back up to 12 words from poppler's words after it.

    python eval/pdf/tools/script_spacing.py [--split fresh_4 ...] [--write]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import unicodedata
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GOLD = ROOT / "eval" / "pdf" / "gold.json"
JOIN_SHARE = 0.4  # a gap under 0.4 of the caption's median word space is no space (seen: 0-0.7 pt vs 2-3.5 pt)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=None)
def poppler_text(pdf: str, page: int) -> str:
    return _nfkc(subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), pdf, "-"],
                                capture_output=True, text=True, check=True).stdout)


@lru_cache(maxsize=None)
def page_glyphs(pdf: str, page: int) -> list[tuple[str, tuple, float, float]]:
    """The page's printed glyphs (pdfium, no generated spaces): (text, ink box, font size, baseline y)."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    doc = pdfium.PdfDocument(pdf)
    tp = doc[page - 1].get_textpage()
    out = []
    x, y = ctypes.c_double(), ctypes.c_double()
    rect = raw.FS_RECTF()
    for i in range(tp.count_chars()):
        ch = tp.get_text_range(i, 1)
        if not ch.strip() or raw.FPDFText_IsGenerated(tp.raw, i) == 1:
            continue
        raw.FPDFText_GetCharOrigin(tp.raw, i, ctypes.byref(x), ctypes.byref(y))
        # the loose box spans the glyph's advance (origin to origin + width): gaps between advances, not
        # between inks, which side bearings widen (a "." or a "3" has a wide one)
        raw.FPDFText_GetLooseCharBox(tp.raw, i, ctypes.byref(rect))
        box = (min(rect.left, rect.right), min(rect.bottom, rect.top),
               max(rect.left, rect.right), max(rect.bottom, rect.top))
        for part in _nfkc(ch):
            out.append((part, box, raw.FPDFText_GetFontSize(tp.raw, i), y.value))
    return out


def _extended(pdf: str, page: int, caption: str, extra: int = 8) -> str:
    """The gold caption with the next ``extra`` words of poppler's text after it (to top it up to 12)."""
    text = poppler_text(pdf, page)
    flat = re.sub(r"\s+", "", text)
    key = re.sub(r"\s+", "", caption)
    at = flat.find(key)
    if at < 0:
        return caption
    # the same place in the spaced text: count non-space characters
    seen, pos = 0, 0
    while seen < at + len(key) and pos < len(text):
        seen += not text[pos].isspace()
        pos += 1
    return caption + " " + " ".join(text[pos:].split()[:extra]) if text[pos:pos + 1].isspace() else caption + " ".join(
        text[pos:].split()[:extra])


def corrected(record: dict, fig: dict, n_words: int = 12):
    """(new caption12, [(left, right, gap pt, median word gap pt)]) or (None, reason)."""
    from difflib import SequenceMatcher

    pdf = str(ROOT / record["file"])
    glyphs = page_glyphs(pdf, fig["page"])
    # (a caption of fewer than 12 words is all of it; one of 12 is topped up after a join)
    caption = fig["caption12"]
    if len(caption.split()) >= n_words:
        caption = _extended(pdf, fig["page"], caption)
    flat_caption = caption.replace(" ", "")
    page_flat = "".join(g[0] for g in glyphs)
    at = page_flat.find(flat_caption[:12])
    if at < 0:
        return None, "caption not found among pdfium's glyphs"
    window = page_flat[at:at + len(flat_caption) + 40]
    sm = SequenceMatcher(None, flat_caption, window, autojunk=False)
    where = {}
    for a, b, n in sm.get_matching_blocks():
        for k in range(n):
            where[a + k] = at + b + k
    # each space of the (extended) caption: between flat characters k-1 and k
    spaces, k = [], 0
    for ch in caption:
        if ch == " ":
            spaces.append(k)
        else:
            k += 1
    measured = []
    for k in spaces:
        left, right = where.get(k - 1), where.get(k)
        if left is None or right is None or right != left + 1:
            measured.append(None)
            continue
        gl, gr = glyphs[left], glyphs[right]
        if gr[1][0] - gl[1][2] < -1 or min(gl[1][3], gr[1][3]) < max(gl[1][1], gr[1][1]) - 2 * max(gl[2], gr[2]):
            measured.append(None)  # another line
            continue
        size = max(gl[2], gr[2], 1.0)
        script = abs(gl[2] - gr[2]) > 0.1 * size or abs(gl[3] - gr[3]) > 0.1 * size
        measured.append((gr[1][0] - gl[1][2], script))
    plain = [m[0] for m in measured if m and not m[1] and -1 < m[0] < 20]
    if not plain:
        return None, "no word spaces measured"
    space = statistics.median(plain)
    words, joined = caption.split(" "), []
    out = [words[0]]
    for w, m in zip(words[1:], measured):
        if m and m[1] and m[0] < JOIN_SHARE * space:
            joined.append((out[-1], w, round(m[0], 2), round(space, 2)))
            out[-1] += w
        else:
            out.append(w)
    new = " ".join(out[:n_words])
    if not joined or new == fig["caption12"]:
        return fig["caption12"], []
    return new, joined


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", action="append")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    gold = json.loads(GOLD.read_text())
    text = GOLD.read_text()
    for record in gold["pdfs"]:
        if args.split and record["split"] not in args.split:
            continue
        if not (ROOT / record["file"]).is_file():
            continue
        for fig in record["figures"]:
            new, joined = corrected(record, fig)
            if new is None:
                print(f"?? {record['id']} {fig['label']}: {joined}")
                continue
            if not joined:
                continue
            print(f"{record['split']} {record['id']} {fig['label']} p{fig['page']}: "
                  + "; ".join(f"{a!r}+{b!r} gap {g} pt (spaces {s} pt)" for a, b, g, s in joined))
            print(f"    {fig['caption12']!r}\n -> {new!r}")
            if args.write:
                old_line = f'"caption12": {json.dumps(fig["caption12"], ensure_ascii=False)}'
                assert text.count(old_line) >= 1, old_line
                text = text.replace(old_line, f'"caption12": {json.dumps(new, ensure_ascii=False)}', 1)
    if args.write:
        GOLD.write_text(text)


if __name__ == "__main__":
    main()
