"""Separation scored on the synthetic-training round's held-out fold and on the development sets.

    python -m figdex.models.holdout_separation --ocr-cache DIR [--weights FILE] [--groups ...] [--jobs 2]

The held-out fold (eval/devset/synthetic_holdout.json) is a fixed set of papers of
fresh-2026-12b and fresh-2026-12c that no gutter model was trained on and no choice of that
round was made on.  Every figure is separated alone and with its caption by the gutter model in
``--weights`` (default: the shipped one), and scored as `figdex eval separation` scores it; scale
bars are skipped (they enter no score).  Groups: ``heldout-12b``, ``heldout-12c`` (the fold),
``dev-12b``, ``dev-12c`` (the other papers of those sets), ``fresh-2026-12`` and ``folds``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT / "eval" / "devset" / "separation_dev.json"
HOLDOUT = ROOT / "eval" / "devset" / "synthetic_holdout.json"
GROUPS = ("heldout-12b", "heldout-12c", "dev-12b", "dev-12c", "fresh-2026-12", "folds")


def held_out_papers() -> set[str]:
    return set(json.loads(HOLDOUT.read_text(encoding="utf-8"))["papers"])


def group_of(rec: dict, held: set[str]) -> str:
    tag = rec.get("set")
    if tag in ("fresh-2026-12b", "fresh-2026-12c"):
        return ("heldout-" if rec["paper"] in held else "dev-") + tag[-3:]
    return tag or "folds"


def figures_by_group(groups) -> list[dict]:
    """Development-set records (restored images only) of ``groups``, each with its ``group``."""
    from figdex.models.evaluate_devset import load_devset

    held = held_out_papers()
    out, seen = [], set()
    for part in ("dev", "fresh"):
        figures, missing = load_devset(DEVSET, part)
        if missing:
            print(f"note: {missing} figures are not restored here (python eval/devset/restore.py)", file=sys.stderr)
        for rec in figures:
            g = group_of(rec, held)
            if g in groups and rec["id"] not in seen:
                seen.add(rec["id"])
                out.append({**rec, "group": g})
    return out


def main(argv=None) -> int:
    from figdex.models.cv_separation import _map, _separate, print_summary
    from figdex.models.gutter_tree import CONFIG, load_gutter_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=CONFIG, help="a gutter-model JSON (default: the shipped one)")
    parser.add_argument("--groups", nargs="+", choices=GROUPS, default=list(GROUPS[:4]))
    parser.add_argument("--ocr-cache", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="per-figure results (JSON)")
    args = parser.parse_args(argv)

    model = load_gutter_model.__wrapped__(args.weights)
    figures = figures_by_group(set(args.groups))
    items = [(rec, "model", model, args.ocr_cache, ("alone", "caption")) for rec in figures]
    rows = [r for rs in _map(_separate, items, args.jobs, "separating") for r in rs]
    group = {rec["id"]: rec["group"] for rec in figures}
    for r in rows:
        r["set"] = group[r["id"]]
    print(f"weights {args.weights} ({model.sha256[:12]})")
    print_summary(rows)  # "all": every figure of the groups run; "field:...": across them too
    if args.out:
        args.out.write_text(json.dumps(rows, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
