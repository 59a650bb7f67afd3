"""python snapthr.py PID THR 'PAGE|LABEL|x0 y0 x1 y1|CAPTION12' ... : as snapadd, with a darker ink threshold (scans: paper grain and specks stay out)."""
import sys
sys.path.insert(0, '/work/wt83/eval/pdf/tools')
import fresh2_annotate as f2
import fresh3_annotate as f3
from pathlib import Path
pid, thr = sys.argv[1], int(sys.argv[2])
for spec in sys.argv[3:]:
    page, label, box, cap = spec.split('|')
    b = [float(v) for v in f2.snap(pid, int(page), [float(v) for v in box.split()], thr=thr)]
    if cap:
        assert 0 < len(cap.split()) <= 12, cap
        f3.add(pid, int(page), label, b, cap, store=Path('/tmp/f5/gold_f5.json'))
    print(page, label, b, '|', cap)
