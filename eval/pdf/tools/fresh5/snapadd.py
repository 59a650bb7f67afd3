"""python snapadd.py PID 'PAGE|LABEL|x0 y0 x1 y1|CAPTION12' ... : snap each box drawn by eye to the ink, keep it."""
import sys
sys.path.insert(0, '/work/wt83/eval/pdf/tools')
import fresh2_annotate as f2
import fresh3_annotate as f3
from pathlib import Path
pid = sys.argv[1]
for spec in sys.argv[2:]:
    page, label, box, cap = spec.split('|')
    b = f2.snap(pid, int(page), [float(v) for v in box.split()])
    b = [float(v) for v in b]
    assert 0 < len(cap.split()) <= 12, cap
    f3.add(pid, int(page), label, b, cap, store=Path('/tmp/f5/gold_f5.json'))
    print(page, label, b, '|', cap)
