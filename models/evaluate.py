"""Evaluation of figure separation against hand-made gold files (scale reading: evaluate_scale.py).

Separation (gold: tests/data/separation_gold.json, eval/separation_gold_shared.json):
panel-label precision/recall (same label, boxes overlapping), master-image AP at IoU 0.5
(class-agnostic, all-point interpolation), label accuracy of matched masters, class precision
per class, seconds per figure.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

Box = tuple[int, int, int, int]


def iou(a: Box, b: Box) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _near(a: Box, b: Box, slack: int = 4) -> bool:
    return not (a[2] + slack < b[0] or b[2] + slack < a[0] or a[3] + slack < b[1] or b[3] + slack < a[1])


@dataclass
class SeparationScores:
    figures: int = 0
    label_precision: float = 0.0
    label_recall: float = 0.0
    label_precision_captioned: float = 0.0  # figures whose caption names their labels (the ingest case)
    label_recall_captioned: float = 0.0
    ap50: float = 0.0
    label_accuracy: float = 0.0
    class_precision: dict = field(default_factory=dict)
    class_hits: dict = field(default_factory=dict)  # predicted class -> [right, matched masters]
    seconds_per_figure: float = 0.0
    files: list = field(default_factory=list)
    failures: list = field(default_factory=list)


def load_gold(paths: list[tuple[Path, Path]]) -> list[dict]:
    """(gold json, root its file paths are relative to) pairs -> figure records with absolute paths."""
    figures = []
    for gold, root in paths:
        if not gold.exists():
            continue
        for fig in json.loads(gold.read_text(encoding="utf-8"))["figures"]:
            path = root / fig["file"]
            if path.exists():
                figures.append({**fig, "path": path})
    return figures


def evaluate_separation(figures: list[dict], captions: dict[str, str] | None = None) -> SeparationScores:
    from figdex.models.ocr import get_ocr, load_rgb
    from figdex.models.separation import separate

    ocr = get_ocr()
    scores = SeparationScores()
    detections = []  # (confidence, is_true_positive)
    n_gold = label_tp = label_pred = label_gold = matched = matched_same_label = 0
    cap = {"tp": 0, "pred": 0, "gold": 0}
    class_hits: dict[str, list[int]] = {}
    seconds = 0.0
    for fig in figures:
        expected = fig.get("labels_in_caption") or None
        t = time.perf_counter()
        result = separate(load_rgb(fig["path"]), expected, ocr=ocr)
        seconds += time.perf_counter() - t
        scores.figures += 1
        scores.files.append(str(fig["file"]))
        gold_masters = fig["masters"]
        n_gold += len(gold_masters)
        # panel labels
        tp, n_labels = match_labels(result.labels_found, gold_masters)
        label_gold += n_labels
        label_pred += len(result.labels_found)
        label_tp += tp
        if expected:
            cap["tp"] += tp
            cap["pred"] += len(result.labels_found)
            cap["gold"] += n_labels
        # masters
        pairs, failures = match_masters(result.masters, gold_masters, str(fig["file"]))
        scores.failures.extend(failures)
        for m, g in pairs:
            detections.append((m.rank, g is not None))
            if g is not None:
                matched += 1
                matched_same_label += m.label == g["label"]
                class_hits.setdefault(m.image_class, []).append(int(m.image_class == g["class"]))
    scores.label_precision = label_tp / label_pred if label_pred else 0.0
    scores.label_recall = label_tp / label_gold if label_gold else 0.0
    scores.label_precision_captioned = cap["tp"] / cap["pred"] if cap["pred"] else 0.0
    scores.label_recall_captioned = cap["tp"] / cap["gold"] if cap["gold"] else 0.0
    scores.ap50 = average_precision(detections, n_gold)
    scores.label_accuracy = matched_same_label / matched if matched else 0.0
    scores.class_precision = {c: round(sum(v) / len(v), 3) for c, v in sorted(class_hits.items())}
    scores.class_hits = {c: [sum(v), len(v)] for c, v in sorted(class_hits.items())}
    scores.seconds_per_figure = seconds / max(1, scores.figures)
    return scores


def match_labels(found, gold_masters: list[dict]) -> tuple[int, int]:
    """(labels found that name a gold label at its place, printed gold labels)."""
    gold_labels = [(m["label"], tuple(m["label_box"])) for m in gold_masters if m.get("label_box")]
    used: set[int] = set()
    for pl in found:
        for i, (lab, box) in enumerate(gold_labels):
            if i not in used and lab == pl.label and _near(pl.box, box):
                used.add(i)
                break
    return len(used), len(gold_labels)


def match_masters(masters, gold_masters: list[dict], name: str) -> tuple[list[tuple], list[tuple]]:
    """Greedy IoU >= 0.5 matching, most certain master first: ([(master, gold or None)], failures)."""
    pairs, failures, taken = [], [], set()
    for m in sorted(masters, key=lambda m: m.rank, reverse=True):
        best, best_iou = None, 0.5
        for i, g in enumerate(gold_masters):
            v = iou(m.box, tuple(g["box"]))
            if i not in taken and v >= best_iou:
                best, best_iou = i, v
        if best is None:
            failures.append((name, m.label, list(m.box), "no gold master at IoU 0.5"))
        else:
            taken.add(best)
        pairs.append((m, gold_masters[best] if best is not None else None))
    failures += [(name, g["label"], g["box"], "gold master missed") for i, g in enumerate(gold_masters) if i not in taken]
    return pairs, failures


def average_precision(detections: list[tuple], n_gold: int) -> float:
    """VOC all-point interpolated AP."""
    if not n_gold:
        return 0.0
    detections = sorted(detections, key=lambda d: d[0], reverse=True)
    tp = fp = 0
    precisions, recalls = [], []
    for _, ok in detections:
        tp += ok
        fp += not ok
        precisions.append(tp / (tp + fp))
        recalls.append(tp / n_gold)
    ap, prev_r = 0.0, 0.0
    for i, r in enumerate(recalls):
        p = max(precisions[i:])
        ap += (r - prev_r) * p
        prev_r = r
    return ap
