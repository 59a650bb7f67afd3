"""Hand-annotation helper for the fresh_2 split (kept to show how it was made; does NOT use figdex's parser).

    python eval/pdf/tools/fresh2_annotate.py caps PID            caption starts (Figure/Fig./FIG. N) from poppler words
    python eval/pdf/tools/fresh2_annotate.py lines PID PAGE y0 y1  poppler text lines between two heights
    python eval/pdf/tools/fresh2_annotate.py snap PID PAGE x0 y0 x1 y1   a box drawn by eye, snapped to the ink inside it
    python eval/pdf/tools/fresh2_annotate.py words PID PAGE x0 y0 x1 y1  the first 12 words inside a box (pdftotext)
    python eval/pdf/tools/fresh2_annotate.py show PID PAGE OUT.png [x0 y0 x1 y1 ...]   page with a 25-pt grid and boxes

Coordinates are PDF points, origin bottom-left.  Rendering is pypdfium2, text is poppler's pdftotext:
both are independent of figdex's PDF parser, which is never imported here.
"""
import html
import json
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "eval" / "pdf" / "manifest.json"


def path(pid):
    for record in json.loads(MANIFEST.read_text()):
        if record["id"] == pid:
            return str(ROOT / record["file"])
    return str(ROOT / "eval" / "pdf" / "restored" / f"{pid}.pdf")


def doc(pid):
    return pdfium.PdfDocument(path(pid))


def grid(pid, page, boxes=(), S=1.3):
    pg = doc(pid)[page - 1]
    w, h = pg.get_size()
    im = pg.render(scale=S).to_pil().convert("RGB")
    d = ImageDraw.Draw(im)
    for x in range(0, int(w) + 1, 25):
        d.line([(x * S, 0), (x * S, h * S)], fill=(255, 190, 190) if x % 100 else (255, 0, 0), width=1)
        if x % 100 == 0:
            d.text((x * S + 2, 2), str(x), fill=(255, 0, 0))
    for y in range(0, int(h) + 1, 25):
        yy = (h - y) * S
        d.line([(0, yy), (w * S, yy)], fill=(190, 190, 255) if y % 100 else (0, 0, 255), width=1)
        if y % 100 == 0:
            d.text((2, yy + 2), str(y), fill=(0, 0, 255))
    for b in boxes:
        d.rectangle([b[0] * S, (h - b[3]) * S, b[2] * S, (h - b[1]) * S], outline=(0, 170, 0), width=2)
    return im


def snap(pid, page, r, S=4.0, thr=245):
    pg = doc(pid)[page - 1]
    w, h = pg.get_size()
    x0, y0, x1, y1 = r
    im = pg.render(scale=S, crop=(x0, y0, w - x1, h - y1)).to_pil().convert("L")
    a = np.asarray(im) < thr
    ys, xs = np.nonzero(a)
    if not len(xs):
        return None
    return [round(x0 + xs.min() / S, 1), round(y1 - (ys.max() + 1) / S, 1),
            round(x0 + (xs.max() + 1) / S, 1), round(y1 - ys.min() / S, 1)]


def words(pid, page, c, n=12):
    h = doc(pid)[page - 1].get_size()[1]
    x0, y0, x1, y1 = c
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-x", str(int(x0)), "-y", str(int(h - y1)),
                          "-W", str(int(x1 - x0 + 1)), "-H", str(int(y1 - y0 + 1)), "-nopgbrk", path(pid), "-"],
                         capture_output=True, text=True).stdout
    out = re.sub(r"-\n(?=[a-z])", "", out)
    return " ".join(unicodedata.normalize("NFKC", out).split()[:n])


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def caps(pid):
    d = doc(pid)
    res = []
    for p in range(1, len(d) + 1):
        h = d[p - 1].get_size()[1]
        out = subprocess.run(["pdftotext", "-bbox", "-f", str(p), "-l", str(p), path(pid), "-"],
                             capture_output=True, text=True).stdout
        ws = [(float(a), float(b), float(c), float(e), html.unescape(t)) for a, b, c, e, t in WORD.findall(out)]
        for i, w in enumerate(ws[:-1]):
            if re.fullmatch(r"(Figure|Fig\.?|FIG\.?|FIGURE|Scheme|SCHEME|Chart)", w[4]) and \
                    re.fullmatch(r"S?\d+[.:|]?", ws[i + 1][4].strip()):
                res.append((p, w[4] + " " + ws[i + 1][4], round(w[0], 1), round(h - w[1], 1),
                            " ".join(x[4] for x in ws[i:i + 9])))
    return res


def lines(pid, page, y0, y1):
    h = doc(pid)[page - 1].get_size()[1]
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), path(pid), "-"],
                         capture_output=True, text=True).stdout
    for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', out, re.S):
        a, b, c, e = map(float, m.groups()[:4])
        top, bot = h - b, h - e
        if bot <= y1 and top >= y0:
            t = " ".join(html.unescape(x) for x in re.findall(r">([^<]*)</word>", m.group(5)))
            print(f"{a:6.1f} {bot:6.1f} {c:6.1f} {top:6.1f} | {t[:90]}")


if __name__ == "__main__":
    cmd, pid = sys.argv[1], sys.argv[2]
    if cmd == "caps":
        for r in caps(pid):
            print(*r)
    elif cmd == "lines":
        lines(pid, int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif cmd == "snap":
        print(snap(pid, int(sys.argv[3]), [float(v) for v in sys.argv[4:8]]))
    elif cmd == "words":
        print(words(pid, int(sys.argv[3]), [float(v) for v in sys.argv[4:8]]))
    elif cmd == "show":
        vals = [float(v) for v in sys.argv[5:]]
        grid(pid, int(sys.argv[3]), [vals[i:i + 4] for i in range(0, len(vals), 4)]).save(sys.argv[4])


TOP, BOTTOM = 60, 40  # page margins left out of a proposal (running heads, feet, their rules)
BLOCK = re.compile(r'<block xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</block>', re.S)
LINE = re.compile(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', re.S)


def blocks(pid, page):
    """poppler's text blocks of a page: (x0, y0, x1, y1, [line widths], text), PDF points, origin bottom-left."""
    h = doc(pid)[page - 1].get_size()[1]
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), path(pid), "-"],
                         capture_output=True, text=True).stdout
    res = []
    for m in BLOCK.finditer(out):
        a, b, c, e = map(float, m.groups()[:4])
        ls = [(float(x0), float(x1)) for x0, _, x1, _, _ in LINE.findall(m.group(5))]
        text = " ".join(html.unescape(t) for t in re.findall(r">([^<]*)</word>", m.group(5)))
        res.append((a, h - e, c, h - b, [x1 - x0 for x0, x1 in ls], text))
    return res


def propose(pid, page, cap_x, cap_y, full=False, below=False):
    """A first guess, to be checked by eye: the ink between a caption and the nearest body-text block
    above it (below it with below=True), in the caption's column (the whole text width with full=True)."""
    pg = doc(pid)[page - 1]
    w, h = pg.get_size()
    bl = blocks(pid, page)
    cap = min(bl, key=lambda b: abs(b[0] - cap_x) + abs(b[3] - cap_y))
    xs = [b[0] for b in bl if len(b[4]) >= 3] or [36]
    xe = [b[2] for b in bl if len(b[4]) >= 3] or [w - 36]
    x0, x1 = (min(xs) - 4, max(xe) + 4) if full else (cap[0] - 4, cap[2] + 4)
    colw = x1 - x0

    def body(b):
        over = min(b[2], x1) - max(b[0], x0) > 0.5 * (b[2] - b[0])
        return over and len(b[4]) >= 2 and sum(lw >= 0.75 * min(colw, cap[2] - cap[0]) for lw in b[4]) >= 2
    if below:
        lim = max([b[3] for b in bl if body(b) and b[3] < cap[1] - 2] + [30])
        r = [x0, lim + 1, x1, cap[1] - 1]
    else:
        lim = min([b[1] for b in bl if body(b) and b[1] > cap[3] + 2] + [h - 30])
        r = [x0, cap[3] + 1, x1, lim - 1]
    r = [r[0], max(r[1], BOTTOM), r[2], min(r[3], h - TOP)]  # running heads, feet and their rules stay out
    return snap(pid, page, r), cap


if __name__ == "__main__" and sys.argv[1] == "propose":
    print(propose(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]),
                  "full" in sys.argv[6:], "below" in sys.argv[6:]))


def snap_text_out(pid, page, r, S=4.0, thr=245):
    """snap, after blanking poppler text lines in the box that read as running text (>= 6 words spanning more
    than half the box): for figures set beside or between lines of body text."""
    pg = doc(pid)[page - 1]
    w, h = pg.get_size()
    x0, y0, x1, y1 = r
    a = np.asarray(pg.render(scale=S, crop=(x0, y0, w - x1, h - y1)).to_pil().convert("L")) < thr
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), path(pid), "-"],
                         capture_output=True, text=True).stdout
    for m in LINE.finditer(out):
        lx0, ly0, lx1, ly1 = map(float, m.groups()[:4])
        n = len(re.findall(r"</word>", m.group(5)))
        if n >= 6 and min(lx1, x1) - max(lx0, x0) > 0.5 * (x1 - x0):
            top, bot = int((ly0 - (h - y1)) * S) - 2, int((ly1 - (h - y1)) * S) + 2
            c0, c1 = int((lx0 - x0) * S) - 2, int((lx1 - x0) * S) + 2
            a[max(top, 0):max(bot, 0), max(c0, 0):max(c1, 0)] = False
    ys, xs = np.nonzero(a)
    if not len(xs):
        return None
    return [round(x0 + xs.min() / S, 1), round(y1 - (ys.max() + 1) / S, 1),
            round(x0 + (xs.max() + 1) / S, 1), round(y1 - ys.min() / S, 1)]
