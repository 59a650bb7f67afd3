"""Time of the row-stack bar finder (#17) against the component finder it replaced, same run.

The baseline is models/scalebars.py as it was before #17 (commit b32751e), loaded from git into a
temporary module; both run on every master of the separation gold figures (139 masters: the
CC-BY ones in the repo, the others from ../shared/corpus when present).

    PYTHONPATH=… python bench/scale_bars_speed.py
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_COMMIT = "b32751e"


def _baseline():
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASELINE_COMMIT}:models/scalebars.py"],
                            capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "scalebars_before_17.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("scalebars_before_17", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    from figdex.models.evaluate import load_gold
    from figdex.models.ocr import load_rgb
    from figdex.models.panel_labels import to_gray
    from figdex.models.scalebars import find_bars

    old = _baseline()
    figs = load_gold([(ROOT / "tests" / "data" / "separation_gold.json", ROOT),
                      (ROOT / "eval" / "separation_gold_shared.json", ROOT.parent / "shared" / "corpus")])
    crops = []
    for fig in figs:
        image = load_rgb(fig["path"])
        crops += [image[y0:y1, x0:x1] for x0, y0, x1, y1 in (m["box"] for m in fig["masters"])]
    t = time.perf_counter()
    n_old = sum(len(old.find_bars(to_gray(c))) for c in crops)
    t_old = time.perf_counter() - t
    t = time.perf_counter()
    n_new = sum(len(find_bars(c)) for c in crops)
    t_new = time.perf_counter() - t
    print(f"{len(crops)} masters: before #17 {t_old:.2f} s ({n_old} candidates), now {t_new:.2f} s "
          f"({n_new} candidates): {t_new / t_old:.1f}x the time")


if __name__ == "__main__":
    main()
    sys.exit(0)
