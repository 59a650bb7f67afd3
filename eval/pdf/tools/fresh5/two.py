"""python two.py PID S PAGE [x0 y0 x1 y1 ...] -- PAGE ... : pages with a grid and boxes, side by side."""
import sys
sys.path.insert(0, '/work/wt83/eval/pdf/tools')
import fresh2_annotate as f2
from PIL import Image
pid, S = sys.argv[1], float(sys.argv[2])
groups, cur = [], []
for a in sys.argv[3:]:
    if a == '--':
        groups.append(cur); cur = []
    else:
        cur.append(a)
groups.append(cur)
ims = []
for g in groups:
    vals = [float(v) for v in g[1:]]
    ims.append(f2.grid(pid, int(g[0]), [vals[i:i + 4] for i in range(0, len(vals), 4)], S=S))
sheet = Image.new('RGB', (sum(i.size[0] for i in ims), max(i.size[1] for i in ims)), 'white')
x = 0
for im in ims:
    sheet.paste(im, (x, 0)); x += im.size[0]
sheet.save(f'/tmp/f5/{pid}-two.png')
