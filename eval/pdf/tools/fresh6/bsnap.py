"""Snap inside a shaded box (IPCC AR6 chapter boxes): ink = pixels whose colour differs from the box's own shade.

    python eval/pdf/tools/fresh6/bsnap.py PID PAGE x0 y0 x1 y1     (from the repository root)
        the rough box must lie inside the shaded box and hold no caption or body line; the shade is the median colour
        of the rough box's border pixels; a pixel is ink where a channel differs from it by more than 12 (so a white
        figure panel set on the shade counts whole, as the figure's own ground); prints the ink box in PDF points
"""
import sys

import numpy as np
import pypdfium2 as pdfium

pid, page = sys.argv[1], int(sys.argv[2])
x0, y0, x1, y1 = map(float, sys.argv[3:7])
S = 4
pg = pdfium.PdfDocument(f"eval/pdf/restored/{pid}.pdf")[page - 1]
w, h = pg.get_size()
a = np.asarray(pg.render(scale=S, crop=(x0, y0, w - x1, h - y1), draw_annots=False).to_pil().convert("RGB")).astype(int)
border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
shade = np.median(border, axis=0)
ink = (np.abs(a - shade).max(axis=2) > 12)
ys, xs = np.nonzero(ink)
print("shade:", shade.tolist(), "snap:", [round(x0 + xs.min() / S, 1), round(y1 - (ys.max() + 1) / S, 1),
                                          round(x0 + (xs.max() + 1) / S, 1), round(y1 - ys.min() / S, 1)])
