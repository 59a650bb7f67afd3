"""python capcrops.py PID OUT 'PAGE x0 y0 x1 y1 [rot]' ... : caption areas of the rendered pages, stacked, to read them off the page."""
import sys
sys.path.insert(0, '/work/wt83/eval/pdf/tools')
import fresh2_annotate as f2
from PIL import Image
pid, out = sys.argv[1], sys.argv[2]
ims = []
for spec in sys.argv[3:]:
    v = spec.split(); p = f2.doc(pid)[int(v[0]) - 1]; w, h = p.get_size()
    x0, y0, x1, y1 = map(float, v[1:5])
    im = p.render(scale=2.0, crop=(x0, y0, w - x1, h - y1)).to_pil()
    if len(v) > 5:
        im = im.rotate(int(v[5]), expand=True)
    ims.append(im)
s = Image.new('RGB', (max(i.size[0] for i in ims), sum(i.size[1] + 6 for i in ims)), 'white'); y = 0
for i in ims:
    s.paste(i, (0, y)); y += i.size[1] + 6
s.save(out)
