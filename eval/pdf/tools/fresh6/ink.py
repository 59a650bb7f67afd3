"""Ink of a box on a pdfium render (grey < 245), for snapping by hand:

    python ink.py prof PID PAGE x0 y0 x1 y1     runs of inked rows and columns, in PDF points -- where a snap
                                                that stops on its own bounds meets a rule, a frame or text
    python ink.py snapna PID PAGE x0 y0 x1 y1   the ink box on a render WITHOUT the PDF's annotations
                                                (elsevier_ejmc_2017_fgfr1 carries a reader's highlights and a
                                                drawn square: not the printed page)
"""
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit('/', 2)[0])
import fresh2_annotate as f2  # noqa: E402

S = 4.0


def runs(v, start, sign):
    out, on = [], None
    for i, val in enumerate(v):
        if val and on is None:
            on = i
        if not val and on is not None:
            out.append((round(start + sign * on / S, 1), round(start + sign * i / S, 1)))
            on = None
    if on is not None:
        out.append((round(start + sign * on / S, 1), round(start + sign * len(v) / S, 1)))
    return out


if __name__ == "__main__":
    mode, pid, page = sys.argv[1], sys.argv[2], int(sys.argv[3])
    x0, y0, x1, y1 = map(float, sys.argv[4:8])
    pg = f2.doc(pid)[page - 1]
    w, h = pg.get_size()
    im = pg.render(scale=S, crop=(x0, y0, w - x1, h - y1), draw_annots=mode != "snapna").to_pil().convert("L")
    ink = np.asarray(im) < 245
    if mode == "prof":
        print("rows (top down):", runs(ink.any(1), y1, -1))
        print("cols:", runs(ink.any(0), x0, 1))
    else:
        ys, xs = np.nonzero(ink)
        print([round(x0 + xs.min() / S, 1), round(y1 - (ys.max() + 1) / S, 1),
               round(x0 + (xs.max() + 1) / S, 1), round(y1 - ys.min() / S, 1)])
