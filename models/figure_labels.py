"""The panel labels of one figure as separation takes them (#15): letters found in the image
(models/panel_labels.py), kept in reading order (models/reading_order.py), gaps filled when no
caption is known, and cut to the caption's label set.  Kept apart from separation.py so that
the labels can be scored on their own (bench/label_scores.py) exactly as separation finds them."""

from __future__ import annotations

import re

import numpy as np

from figdex.models.ocr import OcrEngine, TextBox
from figdex.models.panel_labels import (PanelLabel, find_panel_labels, implied_label_sequence, in_reading_order,
                                        labels_in_reading_order)


def figure_labels(image: np.ndarray, ocr: OcrEngine, expected_labels: list[str] | None,
                  text_boxes: list[TextBox], notes: list[str]) -> tuple[list[PanelLabel], list[str] | None]:
    """(labels found, the label set the panels are cut by: the caption's, or one implied by the
    letters found; None when neither).  ``notes`` gets a line for each decision."""
    expected = [lab for lab in (expected_labels or []) if lab != "0"] or None
    labels = list(find_panel_labels(image, ocr, expected, text_boxes=text_boxes))
    ordered = labels_in_reading_order(labels, expected)
    if len(ordered) < len(labels):
        # Letters out of reading order are axis categories, a colour bar's text, a cycle's states
        # (i)-(v): the gutters decide the panels (a caption's labels are paired with its blocks).
        # One stray letter among labels that otherwise run in order is dropped alone.
        dropped = "".join(lab.label for lab in labels if lab not in ordered)
        notes.append(f"letters {''.join(lab.label for lab in labels)} out of reading order: "
                     + (f"{dropped} not a panel label" if ordered else "not panel labels"))
        labels = ordered
    caption_names_none = expected is None and expected_labels is not None  # a caption without panel labels
    if expected is None and not caption_names_none:
        # No caption: labels found with gaps (a, b, c, f, h, j) imply the letters between them;
        # looking again with that set as the prior finds the small ones beside plots.
        implied = implied_label_sequence([lab.label for lab in labels])
        if implied:
            again = list(find_panel_labels(image, ocr, implied, text_boxes=text_boxes))
            if len(again) > len(labels) and in_reading_order(again, implied):
                labels, expected = again, implied
                notes.append(f"no caption; labels {implied[0]}-{implied[-1]} implied by those found")
    if expected and len(labels) < len(expected):
        missing = sorted(set(expected) - {lab.label for lab in labels})
        notes.append(f"labels not found in the image: {', '.join(missing)}")
    return labels, expected


# A letter read this surely is kept when the caption names it anywhere, also where the caption's split
# missed it: "converging (panel A)", "in Panel B. ... in Panel C", "shown in panel d" (fresh-2026-12j/12i).
SURE_LABEL = 0.8


# "... interquartile range. G-I Raster plots as in (A-C) ...": a bare range of one case opening a sentence
# before a capitalised word (a LaTeX bold label once its markup is gone); the caption's split misses these
# (procedural_paper Fig. 3, fresh-2026-12k: G-L).
_BARE_RANGE = re.compile(r"(?:^|(?<=[.;:]\s))(?:([A-L])\s*[-\u2013\u2014]\s*([A-L])|([a-l])\s*[-\u2013\u2014]\s*([a-l]))"
                         r"\s+(?=[A-Z][a-z])")


def named_letters(text: str) -> set[str]:
    """The single letters a caption names explicitly in any form ("(a)", "in Panel B", "panels b-d",
    "A and C:", "G-I Raster plots"), lower-cased."""
    from figdex.ingest.captions.mentions import expand, find_mentions

    letters = {lab for m in find_mentions(text) for lab in expand(m.raw, "alpha") if len(lab) == 1 and lab.isalpha()}
    for m in _BARE_RANGE.finditer(text):
        lo, hi = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        lo, hi = lo.lower(), hi.lower()
        if lo < hi:
            letters |= {chr(c) for c in range(ord(lo), ord(hi) + 1)}
    return letters


def search_labels(expected_labels: list[str] | None, caption: str) -> list[str] | None:
    """The label set to look for: the caption's split, widened by the letters the caption names explicitly
    elsewhere when together they run a, b, c ... without a gap (the split gave A-F of a caption that also
    names "G-I" and "J-L": the letters g-l are then looked for too, as the figure alone finds them).
    Letters only implied (before the last one named) never widen it: they are not named."""
    if not expected_labels or not caption:
        return expected_labels
    split = {lab for lab in expected_labels if lab != "0"}
    if not split or not all(len(lab) == 1 and "a" <= lab <= "l" for lab in split):
        return expected_labels
    union = split | {ch for ch in named_letters(caption) if "a" <= ch <= "l"}
    if union == split and min(split) > "a" and len(split) == ord(max(split)) - ord(min(split)) + 1:
        # The split found "Panel B ... Panel C ... Panel D" and nothing before B: the caption speaks
        # of a panel A it does not name (``caption_letters``), so A is looked for too, as it was
        # before the split read "Panel B" as a label (h150).  Without this the split's B-D is the
        # prior and an A printed in the image is never looked for (muschellij2 Fig. 3, fresh-2026-12j).
        union = split | {chr(c) for c in range(ord("a"), ord(min(split)))}
    if union == split or union != {chr(c) for c in range(ord("a"), ord(max(union)) + 1)}:
        return expected_labels
    return sorted(union)


def caption_figure_labels(image: np.ndarray, ocr: OcrEngine, expected_labels: list[str] | None, caption: str,
                          text_boxes: list[TextBox], notes: list[str]) -> tuple[list[PanelLabel], list[str] | None]:
    """``figure_labels`` with the caption's label set widened by the letters it names elsewhere
    (``search_labels``), where the widened letters only add labels: when looking for them too changes
    which marks are taken for the split's own letters (a quadrant's "a", "b", "d" inside panel A, named
    "(a, true positive; d, true negative)", outnumbering the printed "A", "B", "C" in the other case:
    trait-prediction Fig. 4, fresh-2026-12q), the split's own set decides (#15: never worse)."""
    wanted = search_labels(expected_labels, caption)
    if wanted == expected_labels:
        return figure_labels(image, ocr, wanted, text_boxes, notes)
    ocr = _Remembered(ocr)  # both looks read the same glyphs: each is recognised once
    widened_notes: list[str] = []
    labels, expected = figure_labels(image, ocr, wanted, text_boxes, widened_notes)
    own_notes: list[str] = []
    own, own_expected = figure_labels(image, ocr, expected_labels, text_boxes, own_notes)
    taken = {lab.label: lab.box for lab in labels}
    if all(taken.get(lab.label) == lab.box for lab in own):
        notes.extend(widened_notes)
        return labels, expected
    notes.extend(own_notes)
    notes.append("letters the caption names elsewhere changed which marks are its split's labels: the split's set")
    return own, own_expected


class _Remembered:
    """An OCR engine that recognises each crop once (``recognise`` only; the rest is the engine's)."""

    def __init__(self, engine: OcrEngine):
        self.engine, self.seen = engine, {}

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def recognise(self, crop):
        key = (crop.shape, crop.tobytes())
        if key not in self.seen:
            self.seen[key] = self.engine.recognise(crop)
        return self.seen[key]


def caption_letters(text: str) -> set[str]:
    """The letters a caption names in any form ("(a)", "in Panel B", "panels b-d", "A and C:"), with
    the letters before the last one named: a caption that speaks of panels B to D has a panel A."""
    letters = named_letters(text)
    last = max((ch for ch in letters if ch <= "l"), default=None)  # past l: a variable ("(x)"), not a run
    return letters | ({chr(c) for c in range(ord("a"), ord(last) + 1)} if last else set())


def allowed_labels(labels: list[PanelLabel], expected_labels: list[str] | None, expected: list[str] | None,
                   caption: str = "") -> set[str] | None:
    """The labels a panel may bear with a caption: its label set, "0", and letters read surely that the
    caption names in any other form (never one it does not name).  None: no caption, any label."""
    if not expected_labels:  # [] (ingest: no caption) and None name no label set
        return None
    named = caption_letters(caption) if caption else set()
    return set(expected or ()) | {"0"} | {lab.label for lab in labels
                                          if lab.label in named and lab.confidence >= SURE_LABEL}


def labels_kept(labels: list[PanelLabel], expected_labels: list[str] | None,
                expected: list[str] | None, caption: str = "") -> list[PanelLabel]:
    """The labels separation reports: with a caption, only those of its label set (none when it
    names no label) and the sure ones it names elsewhere (``allowed_labels``); without one, all."""
    allowed = allowed_labels(labels, expected_labels, expected, caption)
    return labels if allowed is None else [lab for lab in labels if lab.label in allowed]
