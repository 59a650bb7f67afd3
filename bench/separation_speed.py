"""Figure separation time per figure on one core, before and after, against the raw OCR engine in the same run.

    python bench/separation_speed.py [--n 24] [--base 38abd93]

Pins the processes to one CPU and one ONNX thread (FIGDEX_THREADS=1), then for each figure of the
development set (eval/devset/open, every fold: speed is not tuned on) measures the CPU time
(time.process_time: the machine is shared, so wall time says more about the others) of

* figdex's whole ``separate()`` (labels, cuts, classes, scale bars), before and after: "before"
  is the code of the commit ``--base`` (extracted with ``git archive`` into a temporary folder),
  "after" the working tree; each runs in its own worker process on the same core, the figures
  sent to both in turn (which goes first alternates);
* the baseline: the OCR engine's own full read of the figure (detection + recognition), timed in
  the "after" worker right after its separation, the least any OCR-based separator pays.

Each engine's memory of recognised crops is emptied before each figure: a figure is new to
ingest.  What the two separations decide (labels found; each master's label, boxes, class, rank
and scale) is compared figure by figure.  Target (#15): separation <= 1.5 s per figure on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _pin() -> None:
    os.environ["FIGDEX_THREADS"] = "1"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def _outcome(result) -> list:
    """What separation decided, as JSON: the labels found, and each master's label, boxes, class,
    rank and scale."""
    labels = [[lab.label, list(lab.box)] for lab in result.labels_found]
    masters = [[m.label, list(m.label_box or ()), list(m.box), m.image_class, list(m.rank), m.nm_per_px]
               for m in result.masters]
    return [labels, masters]


def worker() -> None:
    """Reads figure paths on stdin; answers one JSON line each (CPU seconds and outcome)."""
    _pin()
    from figdex.models.ocr import RapidOcr, load_rgb
    from figdex.models.separation import separate

    ocr = RapidOcr()
    warmed = False
    for line in sys.stdin:
        image = load_rgb(line.strip())
        if not warmed:  # sessions and lazy imports loaded before the first timing
            separate(image, None, ocr=ocr)
            warmed = True
        ocr._recognised.clear()
        t = time.process_time()
        out = _outcome(separate(image, None, ocr=ocr))
        cpu = time.process_time() - t
        t = time.process_time()
        ocr.read(image)
        read = time.process_time() - t
        print(json.dumps({"cpu": cpu, "read": read, "outcome": out, "shape": list(image.shape)}), flush=True)


def _start(pythonpath: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": pythonpath, "FIGDEX_THREADS": "1"}
    return subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            env=env, text=True, bufsize=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=24, help="figures (spread over the papers)")
    parser.add_argument("--base", default="38abd93", help="commit whose code is 'before' (git archive)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker()
    _pin()  # the workers inherit the one core

    gold = json.loads((REPO / "eval" / "devset" / "separation_dev.json").read_text(encoding="utf-8"))
    # The fresh set stays unseen: only the development folds are timed.
    figures = [f for f in gold["figures"] if f.get("open") and not f.get("set")]  # folds only, as measured before
    figures = figures[:: max(1, len(figures) // args.n)][: args.n]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", "--prefix=figdex/", args.base,
                                  "--", ".", ":(exclude)eval", ":(exclude)tests"],  # the code, not the data
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        # The working tree is importable as figdex through the folder that holds it (a symlink).
        after_path = Path(tmp) / "after"
        after_path.mkdir()
        (after_path / "figdex").symlink_to(REPO)
        workers = {"before": _start(tmp), "after": _start(str(after_path))}
        rows, differ = [], []
        for i, fig in enumerate(figures):
            path = str(REPO / "eval" / "devset" / "open" / fig["file"])
            got = {}
            # Alternated, so that neither path always runs right after the other has warmed the caches.
            for name in (("before", "after") if i % 2 == 0 else ("after", "before")):
                workers[name].stdin.write(path + "\n")
                got[name] = json.loads(workers[name].stdout.readline())
            row = {"before": got["before"]["cpu"], "after": got["after"]["cpu"], "read": got["after"]["read"]}
            rows.append(row)
            same = got["before"]["outcome"] == got["after"]["outcome"]
            if not same:
                differ.append(fig["id"])
            h, w = got["after"]["shape"][:2]
            print(f"{fig['id'][:58]:58s} {w:5d}x{h:<5d} separate {row['before']:5.2f} -> {row['after']:5.2f} s  "
                  f"raw OCR read {row['read']:5.2f} s  {'same' if same else 'DIFFERENT'}", flush=True)
        for proc in workers.values():
            proc.stdin.close()
            proc.wait()
    med = statistics.median
    print()
    print(f"figures: {len(rows)}, one core, one ONNX thread, CPU seconds; before = {args.base}, after = working tree")
    for name, title in (("before", "separate before"), ("after", "separate after"), ("read", "raw OCR read")):
        values = [r[name] for r in rows]
        print(f"{title:16s} median {med(values):5.2f} s/figure, mean {statistics.mean(values):5.2f}")
    print(f"separate after / before: {sum(r['after'] for r in rows) / sum(r['before'] for r in rows):.3f} (sums), "
          f"median of per-figure ratios {med(r['after'] / r['before'] for r in rows):.3f}")
    for name in ("before", "after"):
        print(f"separate {name} / raw OCR read (baseline): {sum(r[name] for r in rows) / sum(r['read'] for r in rows):.2f}x")
    print(f"labels and masters differ on {len(differ)} of {len(rows)} figures" + (f": {', '.join(differ)}" if differ else ""))


if __name__ == "__main__":
    main()
