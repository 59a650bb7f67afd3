"""python crops.py PID S 'PAGE x0 y0 x1 y1' ... : each box's surroundings (with the box drawn), side by side."""
import sys
sys.path.insert(0, '/work/wt83/eval/pdf/tools')
import fresh2_annotate as f2
from PIL import Image
pid, S = sys.argv[1], float(sys.argv[2])
ims = []
for spec in sys.argv[3:]:
    v = spec.split(); page = int(v[0]); x0, y0, x1, y1 = map(float, v[1:5])
    h = f2.doc(pid)[page - 1].get_size()[1]; w = f2.doc(pid)[page - 1].get_size()[0]
    im = f2.grid(pid, page, [[x0, y0, x1, y1]], S=S)
    ims.append(im.crop((max(0, (x0 - 30) * S), max(0, (h - y1 - 30) * S), min(w * S, (x1 + 30) * S), min(h * S, (h - y0 + 45) * S))))
sheet = Image.new('RGB', (sum(i.size[0] for i in ims), max(i.size[1] for i in ims)), 'white')
x = 0
for i in ims:
    sheet.paste(i, (x, 0)); x += i.size[0]
sheet.save(f'/tmp/f5/{pid}-crops.png')
