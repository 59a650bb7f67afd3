"""The bar measure of `figdex eval scale` alone (#17): the eval's own ``_bars`` / ``_tsv_bars`` /
``_bar_totals`` on the bars of each split named, without the label crops' OCR and the instrument files
(on a shared machine the full eval of a split can take half an hour).  Prints found, within 3 %, the
median error and the seconds per split, then every failure; with ``--json`` also writes every gold
bar's error (None: not found), to compare two versions bar by bar.

    PYTHONPATH=… python bench/scale_bars_only.py held_out_6 held_out_3 dev [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def main() -> None:
    import figdex.models.evaluate_scale as es
    from figdex.cli.figures import REPO_ROOT, SHARED
    from figdex.models.evaluate import load_gold

    ap = argparse.ArgumentParser()
    ap.add_argument("splits", nargs="+")
    ap.add_argument("--json")
    args = ap.parse_args()
    scored: list = []
    score = es._bar_error

    def recorded(s, found, gold_box, gold_length, where):  # every bar's error, not only the failures
        err = score(s, found, gold_box, gold_length, where)
        scored.append([list(map(str, where)), list(gold_box), gold_length, err])
        return err

    es._bar_error = recorded
    out = {}
    for split in args.splits:
        t, s = time.time(), es.ScaleScores(split)
        scored.clear()
        if split in es.BAR_TSV_SPLITS:
            errors = es._tsv_bars(s, es.read_bar_tsv(REPO_ROOT / "eval" / f"scale_bars_{split}.tsv", REPO_ROOT, SHARED))
        else:
            figs = load_gold([(REPO_ROOT / "tests" / "data" / "separation_gold.json", REPO_ROOT),
                              (REPO_ROOT / "eval" / "separation_gold_shared.json", SHARED)])
            errors = es._bars(s, [f for f in figs if f.get("scale_split") in es.SPLITS[split]])
        es._bar_totals(s, errors)
        seconds = round(time.time() - t, 1)
        out[split] = {"bars": s.bars, "found": s.bars_found, "within": s.bars_found_within_3pct,
                      "median": s.bar_length_error_median, "seconds": seconds, "errors": list(scored)}
        print(split, s.bars, s.bars_found, s.bars_found_within_3pct, s.bar_length_error_median, seconds, flush=True)
        for failure in s.failures:
            print("   ", failure, flush=True)
        if args.json:  # after each split: a long run cut short keeps what it measured
            Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
