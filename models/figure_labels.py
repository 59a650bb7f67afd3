"""The panel labels of one figure as separation takes them (#15): letters found in the image
(models/panel_labels.py), kept in reading order (models/reading_order.py), gaps filled when no
caption is known, and cut to the caption's label set.  Kept apart from separation.py so that
the labels can be scored on their own (bench/label_scores.py) exactly as separation finds them."""

from __future__ import annotations

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


def labels_kept(labels: list[PanelLabel], expected_labels: list[str] | None,
                expected: list[str] | None) -> list[PanelLabel]:
    """The labels separation reports: with a caption, only those of its label set (none when it
    names no label); without one, all."""
    if not expected_labels:  # [] (ingest: no caption) and None name no label set
        return labels
    allowed = set(expected or ()) | {"0"}
    return [lab for lab in labels if lab.label in allowed]
