"""Render PDF pages with a coordinate grid in PDF points (origin bottom-left) for hand annotation."""
import sys, json
import pypdfium2 as pdfium
from PIL import Image, ImageDraw
man = {r['id']: r for r in json.load(open('/work/wt19p/eval/pdf/manifest.json'))}
S = 1.25
def render(pid, page, boxes=()):
    doc = pdfium.PdfDocument('/work/wt19p/' + man[pid]['file'])
    pg = doc[page - 1]
    w, h = pg.get_size()
    im = pg.render(scale=S).to_pil().convert('RGB')
    d = ImageDraw.Draw(im)
    for x in range(0, int(w) + 1, 25):
        d.line([(x * S, 0), (x * S, h * S)], fill=(255, 180, 180) if x % 100 else (255, 0, 0), width=1)
        if x % 100 == 0:
            d.text((x * S + 2, 2), str(x), fill=(255, 0, 0))
    for y in range(0, int(h) + 1, 25):
        yy = (h - y) * S
        d.line([(0, yy), (w * S, yy)], fill=(180, 180, 255) if y % 100 else (0, 0, 255), width=1)
        if y % 100 == 0:
            d.text((2, yy + 2), str(y), fill=(0, 0, 255))
    for b in boxes:
        d.rectangle([b[0] * S, (h - b[3]) * S, b[2] * S, (h - b[1]) * S], outline=(0, 160, 0), width=3)
    return im
if __name__ == '__main__':
    pid = sys.argv[1]; pages = [int(p) for p in sys.argv[2].split(',')]
    ims = [render(pid, p) for p in pages]
    W = sum(i.width for i in ims); H = max(i.height for i in ims)
    out = Image.new('RGB', (W, H), 'white'); x = 0
    for i in ims: out.paste(i, (x, 0)); x += i.width
    out.save(sys.argv[3])
