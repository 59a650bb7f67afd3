"""python f14ann.py PID SPEC [add]: SPEC lines 'page|label|x0 y0 x1 y1|caption12' (region drawn by eye, snapped unless
the line ends with '|nosnap'); prints snapped boxes and writes /tmp/f14/PID-sheet.png (f11sheet); 'add' keeps them
(in fresh6/gold_f14.json, as fresh6_annotate.py's add).  fresh_14, h179 (f13ann.py for the next part); figdex's parser is never imported."""
import sys, subprocess, json
from pathlib import Path
TOOLS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOOLS))
import fresh2_annotate as f2, fresh3_annotate as f3
pid, spec = sys.argv[1], sys.argv[2]
add = "add" in sys.argv[3:]
recs = []
for ln in open(spec):
    ln = ln.rstrip("\n")
    if not ln.strip() or ln.startswith("#"):
        continue
    parts = ln.split("|")
    page, label, box, cap = int(parts[0]), parts[1], [float(v) for v in parts[2].split()], parts[3]
    if not (len(parts) > 4 and parts[4] == "nosnap"):
        box = [round(float(v), 1) for v in f2.snap(pid, page, box)]
    n = len(cap.split())
    assert cap.startswith(label), (label, cap)
    assert 0 < n <= 12, (label, n)
    recs.append((page, label, box, cap))
    print(page, label, box, n, "|", cap)
Path("/tmp/f14").mkdir(exist_ok=True)
subprocess.run([sys.executable, str(TOOLS / "fresh6" / "f13sheet.py"), pid, f"/tmp/f14/{pid}-sheet.png"]
               + [f"{p}:{','.join(str(v) for v in b)}" for p, _, b, _ in recs], check=True)
if add:
    store = TOOLS / "fresh6" / "gold_f14.json"
    for p, l, b, c in recs:
        f3.add(pid, p, l, b, c, store=store)
    print("kept", len(recs))
