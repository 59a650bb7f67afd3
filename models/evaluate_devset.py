"""Separation measured on the development set (eval/devset/separation_dev.json), split by paper.

The set's records carry a ``fold`` (sha256 of the paper id mod 5, fixed before any tuning);
``held_out_folds`` of the file are the papers nothing was tuned on.  Records of a fresh set
(``set`` in the file's ``fresh_sets``: papers gathered after the held-out folds were looked at)
are scored only on their own; those of a development set (``development_sets``: a fresh set
already looked at and tuned on) are in the ``dev`` part with every fold.  Two ways to run a figure:

* ``alone``: the figure image only, as ``ingest-images`` and PDFs without a found caption run;
* ``caption``: the caption is split first and its labels, sub-captions and terms guide the
  separation, as ``ingest`` runs.

Scores are reported overall and per field and publisher: master-image AP50 (class-agnostic,
IoU 0.5), panel-label precision/recall (same label, boxes touching), the share of figures
without printed labels kept whole, and seconds per figure.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from figdex.models.evaluate import average_precision, match_labels, match_masters

MODES = ("alone", "caption")


@dataclass
class FigureResult:
    id: str
    field: str
    publisher: str
    detections: list  # (confidence, matched a gold master)
    n_gold: int
    label_tp: int
    label_pred: int
    label_gold: int
    whole_gold: bool  # the gold is one master without a printed label
    kept_whole: bool
    seconds: float
    failures: list


@dataclass
class DevScores:
    figures: int = 0
    ap50: float = 0.0
    label_precision: float = 0.0
    label_recall: float = 0.0
    whole_figures: int = 0
    kept_whole: float = 0.0
    seconds_per_figure: float = 0.0
    failures: list = field(default_factory=list)


SETS = ("held_out", "tune", "all", "fresh", "dev")


def in_set(rec: dict, which: str, held: set, fresh_sets: set, dev_sets: set = frozenset()) -> bool:
    """Whether a record belongs to ``which``: the held-out or tuning folds, all folds, the fresh
    sets ("fresh", or one by its name), ``dev`` (all folds and the development sets) or one
    development set by name.

    A record with a ``set`` was gathered after the held-out folds had been looked at and belongs
    to no fold's tuning or held-out part.  Its set is fresh (named in the file's ``fresh_sets``:
    scored only as "fresh" or by its name), development (``development_sets``: a fresh set already looked at and
    tuned on, in "dev" and scored on its own by name), or registered nowhere: then it is in no
    part at all, so a new set never leaks into tuning before it is registered."""
    if which not in SETS and which not in dev_sets and which not in fresh_sets:
        raise ValueError(f"unknown development-set part {which!r}; use one of "
                         f"{', '.join((*SETS, *sorted(dev_sets), *sorted(fresh_sets)))}")
    tag = rec.get("set")
    if tag:
        if tag in dev_sets:
            return which in ("dev", tag)
        return which in ("fresh", tag) and tag in fresh_sets
    if which == "fresh" or which in dev_sets or which in fresh_sets:
        return False
    return which in ("all", "dev") or (rec["fold"] in held) == (which == "held_out")


def devset_parts(data: dict) -> tuple[set, set, set]:
    """(held-out folds, fresh sets, development sets) named in a development-set file."""
    return set(data["held_out_folds"]), set(data.get("fresh_sets", [])), set(data.get("development_sets", []))


def load_devset(gold: Path, which: str = "held_out") -> tuple[list[dict], int]:
    """Records of ``which`` (see ``SETS``) whose image is here, and how many are not."""
    data = json.loads(gold.read_text(encoding="utf-8"))
    held, fresh_sets, dev_sets = devset_parts(data)
    out, missing = [], 0
    for rec in data["figures"]:
        if not in_set(rec, which, held, fresh_sets, dev_sets):
            continue
        path = gold.parent / ("open" if rec.get("open") else "restored") / rec["file"]
        if path.exists():
            out.append({**rec, "path": path})
        else:
            missing += 1
    return out, missing


class CachingOcr:
    """An OCR engine that remembers what it read, keyed by the pixels: repeated evaluation runs
    (both modes, several settings) read each figure once.  Results are those of the engine."""

    def __init__(self, engine, cache_dir: Path | None = None):
        self.engine, self.name = engine, getattr(engine, "name", "ocr")
        self.cache_dir = cache_dir
        self.memory: dict[str, object] = {}

    def _key(self, kind: str, image) -> str:
        return f"{self.name}-{kind}-{hashlib.sha1(image.tobytes() + str(image.shape).encode()).hexdigest()}"

    def _cached(self, kind, image, compute):
        import pickle

        key = self._key(kind, image)
        if key in self.memory:
            return self.memory[key]
        path = self.cache_dir / f"{key}.pkl" if self.cache_dir else None
        if path is not None and path.exists():
            value = pickle.loads(path.read_bytes())
        else:
            value = compute(image)
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(pickle.dumps(value))
        self.memory[key] = value
        return value

    def read(self, image):
        return self._cached("read", image, self.engine.read)

    def recognise(self, image):
        return self._cached("rec", image, self.engine.recognise)

    def recognise_many(self, crops):
        return [(b.text, b.confidence) if b else ("", 0.0) for b in (self.recognise(c) for c in crops)]


def score_figure(rec: dict, result) -> FigureResult:
    gold = rec["masters"]
    label_tp, label_gold = match_labels(result.labels_found, gold)
    pairs, failures = match_masters(result.masters, gold, rec["id"])
    detections = [(m.rank, g is not None) for m, g in pairs]
    whole_gold = len(gold) == 1 and not gold[0].get("label_box")
    kept_whole = whole_gold and len(result.masters) == 1 and pairs[0][1] is not None
    return FigureResult(rec["id"], rec.get("field", "?"), rec.get("publisher", "?"), detections, len(gold),
                        label_tp, len(result.labels_found), label_gold, whole_gold, kept_whole,
                        result.seconds, failures)


def run_figure(rec: dict, mode: str, ocr):
    from figdex.models.ocr import load_rgb
    from figdex.models.separation import separate

    image = load_rgb(rec["path"])
    if mode == "caption" and rec.get("caption"):
        from figdex.ingest.captions import distribute_caption

        split = distribute_caption(rec["caption"])
        labels = [s.label for s in split.subcaptions]
        subs = {s.label: split.full_text(s.label) for s in split.subcaptions}
        terms = {s.label: s.terms for s in split.subcaptions}
        return separate(image, labels, subs, terms, ocr=ocr)
    return separate(image, None, ocr=ocr)


def aggregate(results: list[FigureResult]) -> DevScores:
    s = DevScores(figures=len(results))
    detections = [d for r in results for d in r.detections]
    s.ap50 = average_precision(detections, sum(r.n_gold for r in results))
    pred, gold = sum(r.label_pred for r in results), sum(r.label_gold for r in results)
    tp = sum(r.label_tp for r in results)
    s.label_precision = tp / pred if pred else 1.0
    s.label_recall = tp / gold if gold else 1.0
    whole = [r for r in results if r.whole_gold]
    s.whole_figures = len(whole)
    s.kept_whole = sum(r.kept_whole for r in whole) / len(whole) if whole else 1.0
    s.seconds_per_figure = sum(r.seconds for r in results) / max(1, len(results))
    s.failures = [f for r in results for f in r.failures]
    return s


def evaluate_devset(figures: list[dict], modes=MODES, ocr=None,
                    on_figure=None) -> dict[str, dict[str, DevScores]]:
    """{mode: {"all": scores, "field:<f>": ..., "publisher:<p>": ...}} for the figures given.

    In ``caption`` mode a figure without a caption runs alone (as ingest would run it)."""
    from figdex.models.ocr import get_ocr

    ocr = ocr or get_ocr()
    out: dict[str, dict[str, DevScores]] = {}
    for mode in modes:
        results = []
        for rec in figures:
            started = time.perf_counter()
            results.append(score_figure(rec, run_figure(rec, mode, ocr)))
            if on_figure:
                on_figure(mode, rec, time.perf_counter() - started)
        groups: dict[str, list[FigureResult]] = {"all": results}
        for kind in ("field", "publisher"):
            for r in sorted(results, key=lambda r: getattr(r, kind)):
                groups.setdefault(f"{kind}:{getattr(r, kind)}", []).append(r)
        out[mode] = {name: aggregate(rs) for name, rs in groups.items()}
    return out
