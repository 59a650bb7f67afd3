"""python snapna.py PID PAGE x0 y0 x1 y1 : fresh2_annotate.snap on a render WITHOUT the PDF's annotations
(elsevier_ejmc_2017_fgfr1 carries a reader's highlights and a drawn square: not the printed page)."""
import sys
import numpy as np
sys.path.insert(0, __file__.rsplit('/', 2)[0])
import fresh2_annotate as f2
pid, page = sys.argv[1], int(sys.argv[2])
x0, y0, x1, y1 = map(float, sys.argv[3:7])
S = 4.0
pg = f2.doc(pid)[page - 1]
w, h = pg.get_size()
im = pg.render(scale=S, crop=(x0, y0, w - x1, h - y1), draw_annots=False).to_pil().convert("L")
ys, xs = np.nonzero(np.asarray(im) < 245)
print([round(x0 + xs.min() / S, 1), round(y1 - (ys.max() + 1) / S, 1),
       round(x0 + (xs.max() + 1) / S, 1), round(y1 - ys.min() / S, 1)])
