import json, sys
sys.path.insert(0, '/tmp/gold19')
from spec import ROUGH
import pypdfium2 as pdfium
from PIL import Image, ImageDraw
gold = json.load(open('/work/wt19p/eval/pdf/gold.json'))
items = []
for p in gold['pdfs']:
    for f in p['figures']:
        if (p['id'], f['label']) in ROUGH:
            items.append((p, f))
S = 1.0
tiles = []
for p, f in items:
    doc = pdfium.PdfDocument('/work/wt19p/' + p['file']); pg = doc[f['page'] - 1]; w, h = pg.get_size()
    x0, y0, x1, y1 = f['region']; m = 25
    cx0, cy0, cx1, cy1 = max(0, x0 - m), max(0, y0 - m), min(w, x1 + m), min(h, y1 + m)
    im = pg.render(scale=S, crop=(cx0, cy0, w - cx1, h - cy1)).to_pil().convert('RGB')
    d = ImageDraw.Draw(im)
    d.rectangle([(x0 - cx0) * S, (cy1 - y1) * S, (x1 - cx0) * S, (cy1 - y0) * S], outline=(0, 200, 0), width=2)
    d.text((3, 3), f"{p['id'][:14]} {f['label']}", fill=(255, 0, 0))
    tiles.append(im)
per = int(sys.argv[1]) if len(sys.argv) > 1 else 8
for k in range(0, len(tiles), per):
    group = tiles[k:k + per]
    cols = 4; rows = (len(group) + cols - 1) // cols
    cw = max(t.width for t in group); ch = max(t.height for t in group)
    out = Image.new('RGB', (cw * cols, ch * rows), 'white')
    for i, t in enumerate(group):
        out.paste(t, ((i % cols) * cw, (i // cols) * ch))
    out.save(f'/tmp/gold19/check_{k // per}.png'); print(out.size)
