"""Separation scored out of fold on all the development data, rules against the gutter model.

    python -m figdex.models.cv_separation --ocr-cache DIR [--gutters rules model] [--jobs 2]

Every figure of the development set's ``dev`` part (folds 0-4 and the development sets, see
models/evaluate_devset.py) is separated alone and with its caption, and scored as
`figdex eval separation` scores it.  With ``model``, the figures of fold k are separated by a
gutter model fitted (by models/train_gutters.py's fit) on every other fold and the legacy gold,
never on fold k: folds are by paper, so no paper is separated by a model that saw it.  The
rules have no fitted weights, so their score is the same in and out of fold.

Prints AP50, panel-label P/R and the share kept whole, overall, for the folds and each
development set apart, and per field; ``--out`` keeps the per-figure results (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from figdex.models.evaluate_devset import MODES, FigureResult, aggregate

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT / "eval" / "devset" / "separation_dev.json"


def _ocr(cache: Path | None):
    from figdex.models.evaluate_devset import CachingOcr
    from figdex.models.ocr import get_ocr

    return CachingOcr(get_ocr(), cache)


def _examples(args) -> tuple[str, list, list]:
    from figdex.models.train_gutters import figure_examples

    rec, cache = args
    _, _, _, xs, ys = figure_examples(rec, _ocr(cache))
    return rec["id"], [x.tolist() for x in xs], ys


def _no_bars(image, min_length: int = 10) -> list:
    return []


def _separate(args) -> list[dict]:
    from figdex.models import scalebars
    from figdex.models.evaluate_devset import run_figure, score_figure
    from figdex.models.separation import using_gutter_model

    rec, gutters, model, cache, modes = args
    # The scores read boxes, ranks and labels, never scales: looking for scale bars (most of
    # separate()'s time) is skipped in this process.
    scalebars.find_bars = _no_bars
    # The harness compares both gutter decisions, so this worker's choice must beat any inherited
    # value: its environment variable (named by the settings table) is the one source that does.
    from figdex import settings

    os.environ[settings.BY_NAME["gutters"].env] = gutters
    ocr = _ocr(cache)
    out = []
    with using_gutter_model(model):
        for mode in modes:
            # A figure without its caption runs alone in caption mode too (as ingest runs it).
            result = score_figure(rec, run_figure(rec, mode, ocr)) if mode == "alone" or rec.get("caption") \
                or not out else out[-1]["result"]
            out.append({"id": rec["id"], "fold": rec["fold"], "set": rec.get("set") or "folds", "mode": mode,
                        "result": result})
    return [{**{k: v for k, v in row.items() if k != "result"}, **asdict(row["result"])} for row in out]


def _map(fn, items, jobs: int, what: str):
    done = []
    if jobs > 1:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(jobs) as pool:
            for i, r in enumerate(pool.imap(fn, items, chunksize=1), 1):
                done.append(r)
                print(f"\r{what} {i}/{len(items)}", end="", file=sys.stderr)
    else:
        for i, item in enumerate(items, 1):
            done.append(fn(item))
            print(f"\r{what} {i}/{len(items)}", end="", file=sys.stderr)
    print(file=sys.stderr)
    return done


def fold_models(figures: list[dict], cache: Path | None, jobs: int,
                features: Path | None = None) -> dict[int, object]:
    """{fold: the gutter model fitted on every other fold and the legacy gold}.  ``features``:
    a file that keeps the training examples between runs (computed when missing)."""
    from figdex.models.evaluate import load_gold
    from figdex.models.gutter_tree import GutterModel
    from figdex.models.train_gutters import LEGACY, THRESHOLD, fit

    legacy = [{**rec, "fold": -1, "id": f"legacy:{rec['file']}"} for rec in load_gold(LEGACY)]
    if features is not None and features.exists():
        rows = json.loads(features.read_text(encoding="utf-8"))
    else:
        rows = _map(_examples, [(rec, cache) for rec in figures + legacy], jobs, "gutter features")
        if features is not None:
            features.write_text(json.dumps(rows), encoding="utf-8")
    fold_of = {rec["id"]: rec["fold"] for rec in figures + legacy}
    models = {}
    for k in sorted({rec["fold"] for rec in figures}):
        xs = [x for fid, rx, _ in rows if fold_of[fid] != k for x in rx]
        ys = [y for fid, _, ry in rows if fold_of[fid] != k for y in ry]
        w, b = fit(np.array(xs), np.array(ys, np.float64))
        models[k] = GutterModel(w, b, THRESHOLD, f"cv-fold-{k}")
    return models


def print_summary(rows: list[dict]) -> None:
    """The table of ``summarise(rows)``: AP50, label P/R and figures kept whole per mode and group."""
    print(f"{'mode':8} {'group':26} {'figs':>5} {'AP50':>6} {'lab P':>6} {'lab R':>6} {'whole':>8}")
    for s in summarise(rows):
        print(f"{s['mode']:8} {s['group']:26} {s['figures']:5d} {s['ap50']:6.3f} {s['label_precision']:6.3f} "
              f"{s['label_recall']:6.3f} {s['kept_whole']:5.2f}/{s['whole_figures']}")


def summarise(rows: list[dict]) -> list[dict]:
    """Scores per mode for all figures, the folds, each development set and each field."""
    out = []
    for mode in MODES:
        mine = [r for r in rows if r["mode"] == mode]
        if not mine:
            continue
        groups = {"all": mine}
        for key in ("set", "field"):
            for r in sorted(mine, key=lambda r: str(r[key])):
                groups.setdefault(f"{key}:{r[key]}", []).append(r)
        for name, rs in groups.items():
            fields = FigureResult.__dataclass_fields__
            sc = aggregate([FigureResult(**{k: r[k] for k in fields}) for r in rs])
            out.append({"mode": mode, "group": name, "figures": sc.figures, "ap50": round(sc.ap50, 3),
                        "label_precision": round(sc.label_precision, 3), "label_recall": round(sc.label_recall, 3),
                        "kept_whole": round(sc.kept_whole, 2), "whole_figures": sc.whole_figures})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gutters", nargs="+", choices=("rules", "model"), default=["rules", "model"])
    parser.add_argument("--ocr-cache", type=Path, default=None, help="reuse OCR reads between runs (same results)")
    parser.add_argument("--jobs", type=int, default=1, help="processes (figures are independent)")
    parser.add_argument("--only", default=None, help="only figures whose id contains this (quick looks)")
    parser.add_argument("--features", type=Path, default=None,
                        help="keep the gutter model's training examples in this file between runs")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--caption-names", choices=("none", "labels"), default=None,
                        help="only figures whose caption names no panel label, or some (quick looks at one case)")
    parser.add_argument("--out", type=Path, default=None, help="write the per-figure results here (JSON)")
    args = parser.parse_args(argv)

    from figdex.models.evaluate_devset import load_devset

    figures, missing = load_devset(DEVSET, "dev")
    if missing:
        print(f"note: {missing} figures are not restored here (python eval/devset/restore.py)", file=sys.stderr)
    if args.only:
        figures = [f for f in figures if args.only in f["id"]]
    if args.caption_names:
        from figdex.ingest.captions import distribute_caption

        figures = [f for f in figures if f.get("caption") and (args.caption_names == "none") ==
                   ({s.label for s in distribute_caption(f["caption"]).subcaptions} == {"0"})]
    report = {}
    for gutters in args.gutters:
        models = fold_models(figures, args.ocr_cache, args.jobs, args.features) if gutters == "model" else {}
        items = [(rec, gutters, models.get(rec["fold"]), args.ocr_cache, args.modes) for rec in figures]
        rows = [r for rs in _map(_separate, items, args.jobs, f"separating ({gutters})") for r in rs]
        report[gutters] = rows
        print(f"\n{gutters}{' (out of fold)' if gutters == 'model' else ''}")
        print_summary(rows)
    if args.out:
        args.out.write_text(json.dumps(report, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
