"""Evaluation of figure separation and scale reading against hand-made gold files.

Separation (gold: tests/data/separation_gold.json, eval/separation_gold_shared.json):
panel-label precision/recall (same label, boxes overlapping), master-image AP at IoU 0.5
(class-agnostic, all-point interpolation), label accuracy of matched masters, class precision
per class, seconds per figure.  Scale: label reading accuracy (value and unit both right) on
label crops and whole images whose file name is the label, bar length error against bars
measured by hand, and how many nature figures state a scale in their caption.
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


@dataclass
class ScaleScores:
    crops: int = 0
    crop_accuracy: float = 0.0
    images: int = 0
    image_accuracy: float = 0.0
    bars: int = 0
    bar_length_error: float | None = None  # mean relative error of the bars found
    bar_length_error_median: float | None = None
    bar_found: float = 0.0
    caption_scale_share: float | None = None
    ms_per_crop: float = 0.0
    seconds_per_image: float = 0.0
    failures: list = field(default_factory=list)


def bar_matches(found: Box, gold: Box) -> bool:
    """A found bar is the gold bar when its middle row lies on the gold bar's rows (±2 px) and their
    columns overlap by half.  (An area IoU, used before, cannot take a 1-2 px bar: one row off
    halves it.)"""
    middle = (found[1] + found[3]) / 2
    inter = min(found[2], gold[2]) - max(found[0], gold[0])
    union = max(found[2], gold[2]) - min(found[0], gold[0])
    return gold[1] - 2 <= middle <= gold[3] + 2 and union > 0 and inter / union > 0.5


def evaluate_scale(crop_dir: Path | None, image_dir: Path | None, bar_figures: list[dict],
                   nature_captions: list[str] | None = None) -> ScaleScores:
    from figdex.models.ocr import get_ocr, load_rgb
    from figdex.models.panel_labels import to_gray
    from figdex.models.scale_text import parse_scale_label, parse_scale_statement
    from figdex.models.scalebars import find_bars, read_label_crop, read_scale

    ocr = get_ocr()
    s = ScaleScores()
    if crop_dir and crop_dir.is_dir():
        ok = n = 0
        t = time.perf_counter()
        for gt_file in sorted(crop_dir.glob("*.gt.txt")):
            truth = parse_scale_label(gt_file.read_text(encoding="utf-8").strip())
            image = next((p for p in gt_file.parent.glob(gt_file.name[:-7] + ".*") if not p.name.endswith(".txt")), None)
            if truth is None or image is None:
                continue  # not a length ("b1"): not a scale label
            text, got = read_label_crop(load_rgb(image), ocr)
            n += 1
            good = got is not None and got.unit == truth.unit and abs(got.value - truth.value) < 1e-9
            ok += good
            if not good:
                s.failures.append((image.name, truth.text, text))
        s.crops, s.crop_accuracy = n, ok / n if n else 0.0
        s.ms_per_crop = 1000 * (time.perf_counter() - t) / max(1, n)
    if image_dir and image_dir.is_dir():
        ok = n = 0
        t = time.perf_counter()
        for path in sorted(image_dir.glob("*.png")):
            truth = parse_scale_label(path.stem)
            if truth is None:
                continue
            image = load_rgb(path)
            reading = read_scale(image, ocr.read(image))
            n += 1
            good = reading.label is not None and reading.label.unit == truth.unit and \
                abs(reading.label.value - truth.value) < 1e-9
            ok += good
            if not good:
                s.failures.append((path.name, truth.text, reading.label.text if reading.label else None))
        s.images, s.image_accuracy = n, ok / n if n else 0.0
        s.seconds_per_image = (time.perf_counter() - t) / max(1, n)
    errors, found, total = [], 0, 0
    for fig in bar_figures:
        image = load_rgb(fig["path"])
        for m in fig["masters"]:
            x0, y0, x1, y1 = m["box"]
            bars = find_bars(image[y0:y1, x0:x1])
            for gold in m.get("scale_bars", []):
                total += 1
                gb = gold["box"]
                best = min(bars, key=lambda b: abs(b.box[0] + x0 - gb[0]) + abs(b.box[1] + y0 - gb[1]) +
                           abs(b.box[2] + x0 - gb[2]), default=None)
                if best is not None and bar_matches((best.box[0] + x0, best.box[1] + y0, best.box[2] + x0,
                                                     best.box[3] + y0), gb):
                    found += 1
                    errors.append(abs(best.length_px - gold["length_px"]) / gold["length_px"])
                else:
                    s.failures.append((str(fig["file"]), m["label"], gb, "bar not found"))
    s.bars = total
    s.bar_found = found / total if total else 0.0
    if errors:
        errors.sort()
        s.bar_length_error = sum(errors) / len(errors)
        s.bar_length_error_median = errors[len(errors) // 2]
    if nature_captions is not None:
        stated = sum(1 for c in nature_captions if parse_scale_statement(c) is not None)
        s.caption_scale_share = stated / len(nature_captions) if nature_captions else 0.0
    return s
