"""Figure separation time per figure on one core, against the raw OCR engine in the same run.

    python bench/separation_speed.py [--n 24]

Pins the process to one CPU and one ONNX thread (FIGDEX_THREADS=1), then for each figure of the
development set (eval/devset/open, every fold: speed is not tuned on) measures the CPU time of
this process (time.process_time: the machine is shared, so wall time says more about the others)
for

* figdex's whole ``separate()`` (labels, cuts, classes, scale bars), before and after: the
  earlier path is RapidOCR's full read with its lines recognised in batches of six
  (``RapidOcr(read_batch=6)``), the present one recognises them one at a time;
* the baseline: the OCR engine's own full read of the figure (detection + recognition, its
  batches of six), the least any OCR-based separator pays, and the same read one line at a time.

Each engine's memory of recognised crops is emptied before each figure: a figure is new to
ingest.  Target (#15): separation <= 1.5 s per figure on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ["FIGDEX_THREADS"] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=24, help="figures (spread over the papers)")
    args = parser.parse_args()

    from figdex.models.ocr import RapidOcr, load_rgb
    from figdex.models.separation import separate

    gold = json.loads((REPO / "eval" / "devset" / "separation_dev.json").read_text(encoding="utf-8"))
    # The fresh set stays unseen: only the development folds are timed.
    figures = [f for f in gold["figures"] if f.get("open") and not f.get("set")]  # folds only, as measured before
    figures = figures[:: max(1, len(figures) // args.n)][: args.n]
    engines = {"before": RapidOcr(read_batch=6), "after": RapidOcr()}
    warm = load_rgb(REPO / "eval" / "devset" / "open" / figures[0]["file"])
    for ocr in engines.values():
        separate(warm, None, ocr=ocr)
    rows = []
    for i, fig in enumerate(figures):
        image = load_rgb(REPO / "eval" / "devset" / "open" / fig["file"])
        cpu = {}
        # Alternated, so that neither path always runs with the caches the other has warmed.
        for name in (("before", "after") if i % 2 == 0 else ("after", "before")):
            ocr = engines[name]
            ocr._recognised.clear()
            t = time.process_time()
            separate(image, None, ocr=ocr)
            cpu[name] = time.process_time() - t
            t = time.process_time()
            ocr.read(image)
            cpu["read " + name] = time.process_time() - t
        rows.append(cpu)
        print(f"{fig['id'][:58]:58s} {image.shape[1]:5d}x{image.shape[0]:<5d} separate {cpu['before']:5.2f} -> "
              f"{cpu['after']:5.2f} s  raw OCR read {cpu['read before']:5.2f} -> {cpu['read after']:5.2f} s", flush=True)
    med = statistics.median
    print()
    print(f"figures: {len(rows)}, one core, one ONNX thread, CPU seconds of this process")
    for name in ("before", "after", "read before", "read after"):
        values = [r[name] for r in rows]
        print(f"{name:12s} median {med(values):5.2f} s/figure, mean {statistics.mean(values):5.2f}")
    print(f"separate after / before: {sum(r['after'] for r in rows) / sum(r['before'] for r in rows):.3f} (sums), "
          f"median of per-figure ratios {med(r['after'] / r['before'] for r in rows):.3f}")
    print(f"separate after / raw OCR read (the engine's own, batches of six): "
          f"{sum(r['after'] for r in rows) / sum(r['read before'] for r in rows):.2f}x")


if __name__ == "__main__":
    main()
