"""python partann.py --part fresh_N PID SPEC [add]: the annotation snapper of the PDF gold's parts fresh_13 on (it was one
script copied per part as f13ann.py ... f18ann.py; one tool since stop 38).  SPEC lines 'page|label|x0 y0 x1 y1|caption12'
(region drawn by eye, snapped unless the line ends with |nosnap; a caption may hold "|"; '|wm' snaps without the
light-blue "For Peer Review" watermark of ScholarOne review PDFs, pixels with r >= 205, g >= 236, b >= 250 counting as
ground); prints snapped boxes and writes /tmp/fN/PID-sheet.png (f13sheet.py); 'add' keeps them in fresh6/gold_fN.json
(as fresh6_annotate.py's add; `fresh6_annotate.py --part fresh_N merge` rebuilds the part in gold.json).  figdex's
parser is never imported."""
import sys, subprocess, json
from pathlib import Path
TOOLS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOOLS))
import fresh2_annotate as f2, fresh3_annotate as f3


def wm_snap(pid, page, r, S=4.0):
    """f2.snap (grey < 245 on a 4x render) with the watermark's light blue taken as ground."""
    import numpy as np
    pg = f2.doc(pid)[page - 1]
    w, h = pg.get_size()
    x0, y0, x1, y1 = r
    rgb = np.asarray(pg.render(scale=S, crop=(x0, y0, w - x1, h - y1)).to_pil().convert("RGB")).astype(int)
    grey = (rgb[..., 0] * 299 + rgb[..., 1] * 587 + rgb[..., 2] * 114) / 1000
    wm = (rgb[..., 0] >= 205) & (rgb[..., 1] >= 236) & (rgb[..., 2] >= 250)
    ys, xs = np.nonzero((grey < 245) & ~wm)
    return [float(round(x0 + xs.min() / S, 1)), float(round(y1 - (ys.max() + 1) / S, 1)),
            float(round(x0 + (xs.max() + 1) / S, 1)), float(round(y1 - ys.min() / S, 1))]


args = sys.argv[1:]
if len(args) < 4 or args[0] != "--part" or not args[1].startswith("fresh_"):
    sys.exit("usage: partann.py --part fresh_N PID SPEC [add]")
n = args[1].removeprefix("fresh_")
pid, spec = args[2], args[3]
add = "add" in args[4:]
recs = []
for ln in open(spec):
    ln = ln.rstrip("\n")
    if not ln.strip() or ln.startswith("#"):
        continue
    parts = ln.split("|")
    flag = parts[-1] if len(parts) > 4 and parts[-1] in ("wm", "nosnap") else ""
    parts = parts[:4] + ["|".join(parts[3:len(parts) - bool(flag)])] + ([flag] if flag else [])
    parts = parts[:3] + parts[4:]  # a caption may hold '|' (|x|): the fields after the box up to a flag
    page, label, box, cap = int(parts[0]), parts[1], [float(v) for v in parts[2].split()], parts[3]
    if len(parts) > 4 and parts[4] == "wm":
        box = wm_snap(pid, page, box)
    elif not (len(parts) > 4 and parts[4] == "nosnap"):
        box = [round(float(v), 1) for v in f2.snap(pid, page, box)]
    n = len(cap.split())
    assert cap.startswith(label), (label, cap)
    assert 0 < n <= 12, (label, n)
    recs.append((page, label, box, cap))
    print(page, label, box, n, "|", cap)
Path(f"/tmp/f{n}").mkdir(exist_ok=True)
subprocess.run([sys.executable, str(TOOLS / "fresh6" / "f13sheet.py"), pid, f"/tmp/f{n}/{pid}-sheet.png"]
               + [f"{p}:{','.join(str(v) for v in b)}" for p, _, b, _ in recs], check=True)
if add:
    store = TOOLS / "fresh6" / f"gold_f{n}.json"
    for p, l, b, c in recs:
        f3.add(pid, p, l, b, c, store=store)
    print("kept", len(recs))
