"""python f13sheet.py PID OUT PAGE:x0,y0,x1,y1 ... : like f11sheet.py, tiles wrapped into rows of at most 1500 px, margin 12 pt (fresh_13, h169).  Reading aid only;
the tile edges can sit a point or two off the box on wide tiles (pdfium rounds the crop), so the snap numbers rule."""
from pathlib import Path
import sys
import pypdfium2 as pdfium
from PIL import Image, ImageDraw
S, M = 2.0, 12
pid, out = sys.argv[1], sys.argv[2]
doc = pdfium.PdfDocument(str(Path(__file__).resolve().parents[2] / "restored" / f"{pid}.pdf"))
tiles = []
for spec in sys.argv[3:]:
    page, box = spec.split(":")
    x0, y0, x1, y1 = map(float, box.split(","))
    pg = doc[int(page) - 1]
    w, h = pg.get_size()
    s = S if (x1 - x0) < 700 / S * 1.2 else 700 / (x1 - x0 + 2 * M)
    s = min(s, 900 / (y1 - y0 + 2 * M))
    cx0, cy0, cx1, cy1 = max(0, x0 - M), max(0, y0 - M), min(w, x1 + M), min(h, y1 + M)
    im = pg.render(scale=s, crop=(cx0, cy0, w - cx1, h - cy1), draw_annots=False).to_pil().convert("RGB")
    d = ImageDraw.Draw(im)
    d.rectangle([(x0 - cx0) * s - 1, (cy1 - y1) * s - 1, (x1 - cx0) * s, (cy1 - y0) * s], outline=(0, 200, 0), width=1)
    d.text((3, 3), spec, fill=(255, 0, 0))
    tiles.append(im)
rows, row, wsum = [], [], 0
for t in tiles:
    if row and wsum + t.size[0] > 1500:
        rows.append(row); row, wsum = [], 0
    row.append(t); wsum += t.size[0]
rows.append(row)
W = max(sum(t.size[0] for t in r) for r in rows); H = sum(max(t.size[1] for t in r) for r in rows)
sheet = Image.new("RGB", (W + 10 * 4, H + 10 * len(rows)), (200, 200, 200))
y = 0
for r in rows:
    x = 0
    for t in r:
        sheet.paste(t, (x, y)); x += t.size[0] + 10
    y += max(t.size[1] for t in r) + 10
sheet.save(out)
