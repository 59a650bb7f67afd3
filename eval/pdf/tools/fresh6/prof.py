"""python prof.py PID PAGE x0 y0 x1 y1 : ink rows and columns (grey < 245) of a box, runs of inked rows/cols
printed in PDF points -- to see where a snap that stops on its own bounds meets a rule, a frame or text."""
import sys
import numpy as np
sys.path.insert(0, __file__.rsplit('/', 2)[0])
import fresh2_annotate as f2
pid, page = sys.argv[1], int(sys.argv[2])
x0, y0, x1, y1 = map(float, sys.argv[3:7])
S = 4.0
pg = f2.doc(pid)[page - 1]
w, h = pg.get_size()
a = np.asarray(pg.render(scale=S, crop=(x0, y0, w - x1, h - y1)).to_pil().convert("L")) < 245


def runs(v, start, sign):
    out, on = [], None
    for i, val in enumerate(v):
        if val and on is None:
            on = i
        if not val and on is not None:
            out.append((round(start + sign * on / S, 1), round(start + sign * i / S, 1))); on = None
    if on is not None:
        out.append((round(start + sign * on / S, 1), round(start + sign * len(v) / S, 1)))
    return out


print("rows (top down):", runs(a.any(1), y1, -1))
print("cols:", runs(a.any(0), x0, 1))
