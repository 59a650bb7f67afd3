"""Panel-label precision/recall alone, fast: only the label stage of separation
(models/figure_labels.py, the same code ``separate()`` runs), without the cuts, classes and
scale bars, so that a change to the label finders can be tried on hundreds of figures in minutes.

    python bench/label_scores.py --sets folds fresh-2026-12 ... --ocr-cache DIR [--details FILE]

``folds``: every development fold (records without a ``set``); other names: one development
set of eval/devset/separation_dev.json.  Scoring is that of ``figdex eval separation``
(models/evaluate.match_labels: same label, boxes touching), in both modes (figure alone; its
caption's labels first).  ``--details`` writes each figure's labels found and gold for looking
at the failures.  `figdex eval separation` stays the measurement: it also scores AP50.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEVSET = REPO / "eval" / "devset"


def records(sets: list[str]) -> list[dict]:
    data = json.loads((DEVSET / "separation_dev.json").read_text(encoding="utf-8"))
    out = []
    for rec in data["figures"]:
        tag = rec.get("set") or "folds"
        if tag not in sets:
            continue
        path = DEVSET / ("open" if rec.get("open") else "restored") / rec["file"]
        if path.exists():
            out.append({**rec, "path": path, "part": tag})
    return out


def figure_result(rec: dict, mode: str, ocr) -> dict:
    from figdex.models.evaluate import match_labels
    from figdex.models.figure_labels import figure_labels, labels_kept
    from figdex.models.ocr import load_rgb

    image = load_rgb(rec["path"])
    expected_labels, said = None, ""
    if mode == "caption" and rec.get("caption"):
        from figdex.ingest.captions import distribute_caption

        split = distribute_caption(rec["caption"])
        expected_labels = [s.label for s in split.subcaptions]
        said = " ".join(split.full_text(s.label) for s in split.subcaptions)  # as separate() joins them
    notes: list[str] = []
    labels, expected = figure_labels(image, ocr, expected_labels, ocr.read(image), notes)
    found = labels_kept(labels, expected_labels, expected, said)
    tp, gold = match_labels(found, rec["masters"])
    return {"id": rec["id"], "part": rec["part"], "field": rec.get("field", "?"), "mode": mode, "tp": tp,
            "pred": len(found), "gold": gold, "notes": notes,
            "found": [(lab.label, lab.text, list(lab.box), round(lab.confidence, 3)) for lab in found],
            "gold_labels": [(m["label"], m.get("label_text"), m["label_box"]) for m in rec["masters"]
                            if m.get("label_box")]}


def totals(rows: list[dict]) -> dict:
    tp, pred, gold = (sum(r[k] for r in rows) for k in ("tp", "pred", "gold"))
    return {"figures": len(rows), "label_precision": round(tp / pred if pred else 1.0, 4),
            "label_recall": round(tp / gold if gold else 1.0, 4), "tp": tp, "pred": pred, "gold": gold}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", required=True)
    parser.add_argument("--ocr-cache", type=Path, default=None)
    parser.add_argument("--details", type=Path, default=None)
    args = parser.parse_args()
    from figdex.models.evaluate_devset import CachingOcr
    from figdex.models.ocr import get_ocr

    ocr = CachingOcr(get_ocr(), args.ocr_cache)
    rows = [figure_result(rec, mode, ocr) for mode in ("alone", "caption") for rec in records(args.sets)]
    summary = {}
    for mode in ("alone", "caption"):
        mine = [r for r in rows if r["mode"] == mode]
        summary[f"{mode} all"] = totals(mine)
        for key in sorted({r["field"] for r in mine}):
            summary[f"{mode} field:{key}"] = totals([r for r in mine if r["field"] == key])
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    if args.details:
        args.details.write_text(json.dumps(rows, indent=0), encoding="utf-8")


if __name__ == "__main__":
    main()
