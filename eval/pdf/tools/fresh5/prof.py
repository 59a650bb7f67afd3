"""python prof.py PID PAGE x0 x1 ya yb : bands of ink rows (y top, y bottom, most ink in a row) between two heights in a column -- text lines are short regular bands, figures long ones."""
import sys
sys.path.insert(0, '/work/wt83/eval/pdf/tools')
import numpy as np
import fresh2_annotate as f2
P, p = sys.argv[1], int(sys.argv[2]); x0, x1, ya, yb = map(float, sys.argv[3:7])
pg = f2.doc(P)[p - 1]; w, h = pg.get_size(); S = 3
a = np.asarray(pg.render(scale=S).to_pil().convert('L')) < 160
rows = a[:, int(x0 * S):int(x1 * S)].sum(axis=1)
segs = []; prev = None
for r in range(int((h - yb) * S), int((h - ya) * S)):
    if rows[r] > 0:
        y = round(h - r / S, 1)
        if prev is None or r - prev > 1:
            segs.append([y, y, 0])
        segs[-1][1] = y; segs[-1][2] = max(segs[-1][2], int(rows[r])); prev = r
print([tuple(s) for s in segs])
