"""Image classes of master images from what the pixels look like, with the caption as a weak hint.

Classes: microscopy, diffraction, graph, illustration, photo, parent, other.  ``classify`` uses
the learned classifier (models/image_classifier.py: logistic regression on EfficientNet-Lite0
features plus the cheap features below, trained on real micrographs and hand-labelled panels)
when torch and its weights are installed, and otherwise the pixel rules of ``rule_classify``.
The rule features are few and cheap (background share, colourfulness, texture, axis lines,
dark-field spots); the rules were tuned on the hand-annotated separation gold figures and are
weak on standalone micrographs (eval/classifier.md).  Caption terms (TEM, XRD, schematic …)
only break ties: the image decides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from figdex.models.layout import ink_mask

CLASSES = ("microscopy", "diffraction", "graph", "illustration", "photo", "parent", "other")

_TERM_HINTS = {
    "microscopy": {"TEM", "HRTEM", "STEM", "HAADF-STEM", "ABF-STEM", "SEM", "ESEM", "cryo-EM", "AFM", "STM",
                   "optical microscopy", "fluorescence microscopy", "EDS", "EELS"},
    "diffraction": {"SAED", "FFT", "EBSD"},
    "graph": {"XRD", "XPS", "Raman", "FTIR", "UV-vis", "photoluminescence", "NMR", "XAS"},
    "illustration": {"schematic", "DFT", "MD"},
    "photo": {"photograph"},
}


@dataclass(frozen=True)
class Features:
    background: float  # share of background-coloured pixels
    saturation: float  # mean colour saturation of ink pixels
    texture: float  # mean absolute Laplacian of grey over the crop
    dark: float  # share of near-black pixels
    bright_spots: float  # share of very bright pixels (diffraction spots)
    axes: bool  # long horizontal and vertical lines meeting at the lower left (plot axes)
    flat: float  # share of ink pixels in large flat colour areas


def features(crop: np.ndarray) -> Features:
    rgb = crop[..., :3].astype(np.float32)
    gray = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    mask = ink_mask(crop)
    # Channel by channel, not max(axis=-1) (a reduction over a 3-long last axis is numpy's slow
    # path), and the saturation only where there is ink, which is where it is averaged: the same
    # float32 values (max 0 means min 0: 0 / 1 = 0), 5x faster on whole figures.
    r, g, b = rgb[..., 0][mask], rgb[..., 1][mask], rgb[..., 2][mask]
    mx, mn = np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)
    sat = (mx - mn) / np.maximum(mx, 1)
    ink = mask.sum()
    lap = np.abs(4 * gray[1:-1, 1:-1] - gray[:-2, 1:-1] - gray[2:, 1:-1] - gray[1:-1, :-2] - gray[1:-1, 2:])
    # Flat areas: ink pixels whose 3x3 neighbourhood hardly varies (fills of schematics, plot backgrounds).
    flat = (lap < 3) & mask[1:-1, 1:-1]
    return Features(
        background=float(1 - mask.mean()),
        saturation=float(sat.mean()) if ink else 0.0,
        texture=float(lap.mean()) if lap.size else 0.0,
        dark=float((gray < 40).mean()),
        bright_spots=float((gray > 220).mean()),
        axes=_has_axes(gray),
        flat=float(flat.sum() / max(1, mask[1:-1, 1:-1].sum())),
    )


def _has_axes(gray: np.ndarray) -> bool:
    dark = gray < 120
    h, w = dark.shape
    if h < 30 or w < 30:
        return False
    rows = dark.mean(axis=1)
    cols = dark.mean(axis=0)
    bottom = rows[h // 3:].max() >= 0.55
    left_or_right = max(cols[: w // 2].max(), cols[w // 2:].max()) >= 0.55
    return bool(bottom and left_or_right)


def classify(crop: np.ndarray, terms: tuple[str, ...] = (), numbers: int | None = None) -> tuple[str, float]:
    """(class, confidence) of one master image crop.

    ``numbers``: how many numeric text lines the OCR read inside the crop (tick labels); plots
    have several, schematics and micrographs rarely more than one.  None when not known.
    The learned classifier decides when it is available (torch + models/weights/), else the rules.
    """
    return classify_many([(crop, terms, numbers)])[0]


def classify_many(items: list[tuple[np.ndarray, tuple[str, ...], int | None]]) -> list[tuple[str, float]]:
    """``classify`` of several (crop, terms, numbers) at once: the learned classifier's CNN sees
    them in batches (on a GPU when there is one, figdex/devices.py); the same classes as one by one."""
    out: list[tuple[str, float] | None] = [("other", 0.3) if c.shape[0] < 8 or c.shape[1] < 8 else None
                                           for c, _, _ in items]
    todo = [i for i, o in enumerate(out) if o is None]
    if not todo:
        return out
    from figdex.models.image_classifier import get_classifier

    model = get_classifier()
    if model is None:
        return [o if o is not None else rule_classify(*items[i]) for i, o in enumerate(out)]
    probs = model.predict([items[i][0] for i in todo], [items[i][2] for i in todo])
    for i, p in zip(todo, probs):
        out[i] = model.decide(p, _hint(items[i][1]))
    return out


def rule_classify(crop: np.ndarray, terms: tuple[str, ...] = (), numbers: int | None = None) -> tuple[str, float]:
    """The pixel rules: (class, confidence) without any model (the light install)."""
    if crop.shape[0] < 8 or crop.shape[1] < 8:
        return "other", 0.3
    f = features(crop)
    hint = _hint(terms)
    ticks = numbers is not None and numbers >= 4
    if (f.axes and f.background > 0.45) or (ticks and f.background > 0.45):
        return "graph", 0.9
    if f.background < 0.3:
        if f.axes and f.flat > 0.6 and (ticks or numbers is None):
            return "graph", 0.7  # a plot on a coloured background
        if f.saturation > 0.35 and f.flat > 0.5 and hint not in ("microscopy", "diffraction"):
            return "illustration", 0.7  # rendered schematics: saturated, smooth shading
    if f.background < 0.3:
        # The crop is filled with an image.
        if f.dark > 0.55 and f.bright_spots < 0.08 and f.texture < 12:
            return "diffraction", 0.7 if hint != "microscopy" else 0.5
        if f.saturation < 0.18 or hint in ("microscopy", "diffraction"):
            return ("diffraction", 0.6) if hint == "diffraction" else ("microscopy", 0.85)
        if f.flat > 0.6 and f.texture < 8:
            return "illustration", 0.6
        return ("photo", 0.6) if hint == "photo" else ("microscopy", 0.6)
    if f.background > 0.55 and f.flat > 0.35:
        if hint == "graph" or (f.axes and f.saturation < 0.3):
            return "graph", 0.7
        return "illustration", 0.7
    if hint:
        return hint, 0.5
    if numbers is not None and numbers < 2 and not f.axes:
        return "illustration", 0.5
    return ("graph", 0.5) if f.background > 0.6 else ("illustration", 0.4)


def _hint(terms: tuple[str, ...]) -> str | None:
    for cls, names in _TERM_HINTS.items():
        if set(terms) & names:
            return cls
    return None
