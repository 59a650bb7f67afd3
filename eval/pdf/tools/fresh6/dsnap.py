"""Dark-ink snap and profile on a scanned page (grey < 160, so the paper's specks stay out; pdfium render at 4x).

    python eval/pdf/tools/fresh6/dsnap.py PID PAGE x0 y0 x1 y1    (from the repository root)
        rows and columns of dark ink inside the box (PDF points), then its ink box; used for the 1957 Evolution scan
"""
import sys, numpy as np, pypdfium2 as pdfium
pid, page = sys.argv[1], int(sys.argv[2]); x0,y0,x1,y1 = map(float, sys.argv[3:7]); S=4
pg = pdfium.PdfDocument(f'eval/pdf/restored/{pid}.pdf')[page-1]; w,h = pg.get_size()
im = pg.render(scale=S, crop=(x0, y0, w-x1, h-y1), draw_annots=False).to_pil().convert('L')
ink = np.asarray(im) < 160
def runs(v, start, sign):
    out=[]; on=None
    for i,val in enumerate(list(v)+[False]):
        if val and on is None: on=i
        if not val and on is not None: out.append((round(start+sign*on/S,1), round(start+sign*i/S,1))); on=None
    return out
print("rows:", runs(ink.any(1), y1, -1)); print("cols:", runs(ink.any(0), x0, 1))
ys,xs=np.nonzero(ink); print("snap:", [round(x0+xs.min()/S,1), round(y1-(ys.max()+1)/S,1), round(x0+(xs.max()+1)/S,1), round(y1-ys.min()/S,1)])
