"""python prop.py PID PAGE CAPX CAPY [full] [below] ... : proposals (f2.propose) for several captions at once, plus caption words."""
import sys
sys.path.insert(0, '/work/wt83/eval/pdf/tools')
import fresh2_annotate as f2
pid = sys.argv[1]
args = sys.argv[2:]
i = 0
while i < len(args):
    page, x, y, opts = int(args[i]), float(args[i + 1]), float(args[i + 2]), args[i + 3]
    i += 4
    box, cap = f2.propose(pid, page, x, y, full='f' in opts, below='b' in opts)
    print(page, [float(v) for v in box] if box else None, '|', f2.words(pid, page, cap[:4]))
