"""python f11sheet.py PID OUT.png PAGE:x0,y0,x1,y1 ... : each box drawn on its page's surroundings (a 20-pt margin,
2x render without annotations), tiles side by side, to look at every region at once (fresh_11, h144).  Reading aid only."""
import sys
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

S, M = 2.0, 20
pid, out = sys.argv[1], sys.argv[2]
doc = pdfium.PdfDocument(str(Path(__file__).resolve().parents[2] / "restored" / f"{pid}.pdf"))
tiles = []
for spec in sys.argv[3:]:
    page, box = spec.split(":")
    x0, y0, x1, y1 = map(float, box.split(","))
    pg = doc[int(page) - 1]
    w, h = pg.get_size()
    cx0, cy0, cx1, cy1 = max(0, x0 - M), max(0, y0 - M), min(w, x1 + M), min(h, y1 + M)
    im = pg.render(scale=S, crop=(cx0, cy0, w - cx1, h - cy1), draw_annots=False).to_pil().convert("RGB")
    d = ImageDraw.Draw(im)
    d.rectangle([(x0 - cx0) * S - 1, (cy1 - y1) * S - 1, (x1 - cx0) * S, (cy1 - y0) * S], outline=(0, 200, 0), width=1)
    d.text((3, 3), spec, fill=(255, 0, 0))
    tiles.append(im)
W = sum(t.size[0] for t in tiles)
sheet = Image.new("RGB", (W, max(t.size[1] for t in tiles)), "white")
x = 0
for t in tiles:
    sheet.paste(t, (x, 0))
    x += t.size[0]
sheet.save(out)
