"""python scanbox.py PID PAGE x0 y0 x1 y1 [rows] : the ink box inside a rough box on a scan (fresh_10, h131).

The usual snap (fresh2_annotate.snap) takes every pixel under 245 and so grows to any scan speck or to the rough
box's own edge on a speckled page; here a row or column counts only with >= 2 dark pixels (< 128) on a 288-dpi grey
poppler render (CropBox coordinates, as every region).  A result touching the rough box means the box cut something:
draw it larger.  With "rows", the dark-pixel count of every row is printed instead (to find gaps, specks, captions).
"""
import glob, os, subprocess, sys, tempfile
from pathlib import Path

import numpy as np
from PIL import Image

S = 4
pid, page = sys.argv[1], int(sys.argv[2])
x0, y0, x1, y1 = map(float, sys.argv[3:7])
pdf = Path(__file__).resolve().parents[2] / "restored" / f"{pid}.pdf"
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run(["pdftoppm", "-r", str(72 * S), "-gray", "-f", str(page), "-l", str(page), pdf, f"{tmp}/p"], check=True)
    a = np.array(Image.open(glob.glob(f"{tmp}/p*.pgm")[0])) < 128
H = a.shape[0] / S
sub = a[int((H - y1) * S):int((H - y0) * S), int(x0 * S):int(x1 * S)]
if sys.argv[7:] == ["rows"]:
    for i, n in enumerate(sub.sum(1)):
        if n:
            print(round(y1 - i / S, 2), int(n))
else:
    rows, cols = np.where(sub.sum(1) >= 2)[0], np.where(sub.sum(0) >= 2)[0]
    print([round(x0 + cols[0] / S, 1), round(y1 - (rows[-1] + 1) / S, 1), round(x0 + (cols[-1] + 1) / S, 1),
           round(y1 - rows[0] / S, 1)])
