"""Figure separation time per figure on one core, against the raw OCR engine in the same run.

    python bench/separation_speed.py [--n 24]

Pins the process to one CPU and one ONNX thread (FIGDEX_THREADS=1), then for each figure of the
development set (eval/devset/open, every fold: speed is not tuned on) times

* figdex's whole ``separate()`` (labels, cuts, classes, scale bars);
* the baseline: the OCR engine's own full read of the figure (detection + recognition), the
  least any OCR-based separator pays;
* the panel-label recogniser before and after skipping glyph tokens that the text detector
  has already read as numbers or words (the earlier code recognised every token).

Target (#15): separation <= 1.5 s per figure on one core.
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

    from figdex.models.ocr import get_ocr, load_rgb
    from figdex.models.panel_labels import _crop, _inside_read_text, glyph_tokens, to_gray
    from figdex.models.separation import separate

    gold = json.loads((REPO / "eval" / "devset" / "separation_dev.json").read_text(encoding="utf-8"))
    # The fresh set stays unseen: only the development folds are timed.
    figures = [f for f in gold["figures"] if f.get("open") and not f.get("set")]  # folds only, as measured before
    figures = figures[:: max(1, len(figures) // args.n)][: args.n]
    ocr = get_ocr()
    separate(load_rgb(REPO / "eval" / "devset" / "open" / figures[0]["file"]), None, ocr=ocr)  # warm up
    rows = []
    for fig in figures:
        image = load_rgb(REPO / "eval" / "devset" / "open" / fig["file"])
        t = time.perf_counter()
        separate(image, None, ocr=ocr)
        total = time.perf_counter() - t
        t = time.perf_counter()
        text_boxes = ocr.read(image)
        raw = time.perf_counter() - t
        tokens = glyph_tokens(to_gray(image))
        kept = [tok for tok in tokens if not _inside_read_text(tok.box, text_boxes)]
        t = time.perf_counter()
        for tok in tokens:
            ocr.recognise(_crop(image, tok.box, 32))
        all_tokens = time.perf_counter() - t
        per_token = all_tokens / max(1, len(tokens))
        rows.append((fig["id"], image.shape[1], image.shape[0], total, raw, len(tokens), len(kept),
                     all_tokens, per_token * len(kept)))
        print(f"{fig['id'][:58]:58s} {image.shape[1]:5d}x{image.shape[0]:<5d} separate {total:5.2f} s  "
              f"raw OCR {raw:5.2f} s  tokens {len(tokens):4d} -> {len(kept):4d}", flush=True)
    med = statistics.median
    print()
    print(f"figures: {len(rows)}, one core, one ONNX thread")
    print(f"separate(): median {med(r[3] for r in rows):.2f} s/figure, mean {statistics.mean(r[3] for r in rows):.2f}")
    print(f"raw OCR read (baseline): median {med(r[4] for r in rows):.2f} s/figure; "
          f"separate / raw OCR: {sum(r[3] for r in rows) / sum(r[4] for r in rows):.2f}x")
    print(f"label tokens recognised: {sum(r[5] for r in rows)} before, {sum(r[6] for r in rows)} after the skip; "
          f"recognition {sum(r[7] for r in rows) / len(rows):.2f} -> {sum(r[8] for r in rows) / len(rows):.2f} s/figure")


if __name__ == "__main__":
    main()
