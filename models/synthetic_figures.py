"""Synthetic compound figures composed from real master images, for training the gutter model.

The gutter model (models/gutter_tree.py) learns which gutters of a figure's XY-cut tree are
boundaries between master images.  The development set has a few hundred gold figures, so it has
seen few layouts: a schematic beside a plot, a row of three micrographs under two plots, tight
gutters between photographs.  Here real master images cut from the gold figures of the training
papers (``PanelSource``: plots, micrographs, photographs, schematics, with the OCR's lines and the
label finder's candidates that lie inside them) are arranged into new rows and grids with gutters
of every width, and labelled with real printed labels (the gold label boxes of those figures,
cut out and pasted at a panel's top-left, above it or beside it, in one size per figure).  Every
placed panel is a gold master of the synthetic figure; the gutters inside a panel, a schematic's
white space among them, are its negatives.

Everything is drawn by numpy from one seeded generator and resized by Pillow's bilinear filter,
with no fonts: the same sources and seed give the same pixels, hence the same training examples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[int, int, int, int]
MIN_PANEL = 40  # px: smaller masters (insets cut out, stray bits) make poor panels
MAX_ASPECT = 4.0  # wider or taller panels (a colour bar, a strip of thumbnails) are left out


@dataclass(frozen=True)
class PanelSource:
    """One real master image, with what the OCR and the label finder read inside it (its coordinates)."""
    pixels: np.ndarray  # RGB uint8, the master's box of its figure (its own printed label whitened)
    text_boxes: tuple  # models.ocr.TextBox
    label_boxes: tuple[Box, ...]  # label candidates the finder read inside it (curve labels, letters)
    key: str  # figure id and master index, for the record


@dataclass(frozen=True)
class LabelGlyph:
    pixels: np.ndarray  # RGB uint8, a gold label box of a real figure
    text: str  # the printed label, as printed ("A", "(b)")


@dataclass(frozen=True)
class SyntheticFigure:
    image: np.ndarray
    text_boxes: tuple
    label_boxes: tuple[Box, ...]
    masters: tuple[Box, ...]
    sources: tuple[str, ...]


def _inside(inner: Box, outer: Box) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx < outer[2] and outer[1] <= cy < outer[3]


def _shift(box: Box, dx: float, dy: float, s: float = 1.0) -> Box:
    return (int(round(box[0] * s + dx)), int(round(box[1] * s + dy)), int(round(box[2] * s + dx)), int(round(box[3] * s + dy)))


def panel_sources(rec: dict, image: np.ndarray, text_boxes, label_boxes) -> tuple[list[PanelSource], list[LabelGlyph]]:
    """The masters of one gold figure as panel sources, and its printed labels as glyphs."""
    from figdex.models.ocr import TextBox

    H, W = image.shape[:2]
    panels, glyphs = [], []
    for i, m in enumerate(rec["masters"]):
        x0, y0, x1, y1 = (max(0, min(v, lim)) for v, lim in zip(m["box"], (W, H, W, H)))
        lb = m.get("label_box")
        if lb:
            lx0, ly0, lx1, ly1 = (max(0, min(v, lim)) for v, lim in zip(lb, (W, H, W, H)))
            if lx1 - lx0 >= 4 and ly1 - ly0 >= 6 and m.get("label_text"):
                glyphs.append(LabelGlyph(image[ly0:ly1, lx0:lx1].copy(), m["label_text"]))
        w, h = x1 - x0, y1 - y0
        if min(w, h) < MIN_PANEL or max(w / h, h / w) > MAX_ASPECT:
            continue
        crop = image[y0:y1, x0:x1].copy()
        blank = None
        if lb:  # the master's own label is whitened: a synthetic figure prints its own
            bx0, by0 = max(lb[0] - x0 - 1, 0), max(lb[1] - y0 - 1, 0)
            bx1, by1 = min(lb[2] - x0 + 1, w), min(lb[3] - y0 + 1, h)
            if bx1 > bx0 and by1 > by0:
                crop[by0:by1, bx0:bx1] = 255
                blank = (bx0 + x0, by0 + y0, bx1 + x0, by1 + y0)
        box = (x0, y0, x1, y1)
        texts = tuple(TextBox(_shift(t.box, -x0, -y0), t.text, t.confidence) for t in text_boxes
                      if _inside(t.box, box) and not (blank and _inside(t.box, blank)))
        labels = tuple(_shift(b, -x0, -y0) for b in label_boxes if _inside(b, box) and not (blank and _inside(b, blank)))
        panels.append(PanelSource(crop, texts, labels, f"{rec['id']}#{i}"))
    return panels, glyphs


def _resize(pixels: np.ndarray, w: int, h: int) -> np.ndarray:
    from PIL import Image

    if pixels.shape[1] == w and pixels.shape[0] == h:
        return pixels
    return np.asarray(Image.fromarray(pixels).resize((max(1, w), max(1, h)), Image.BILINEAR))


LABEL_STYLES = ("lower", "upper", "paren_lower", "paren_upper")
POSITIONS = ("above", "inside", "left")


def _label_text(style: str, k: int) -> str:
    ch = "abcdefghijklmnopqrstuvwxyz"[k]
    return {"lower": ch, "upper": ch.upper(), "paren_lower": f"({ch})", "paren_upper": f"({ch.upper()})"}[style]


def compose(panels: list[PanelSource], glyphs: list[LabelGlyph], rng: np.random.Generator) -> SyntheticFigure:
    """One synthetic figure: 1-3 rows of 1-4 real panels, gutters of one width per figure, and
    (in about 60 % of figures) real printed labels in one style, size and position."""
    from figdex.models.ocr import TextBox

    rows = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
    counts = [int(rng.choice([1, 2, 3, 4], p=[0.2, 0.35, 0.3, 0.15])) for _ in range(rows)]
    gutter = int(rng.choice([rng.integers(2, 8), rng.integers(8, 25), rng.integers(25, 60)], p=[0.3, 0.5, 0.2]))
    row_gap = int(max(2, gutter * rng.uniform(0.6, 1.6)))
    by_glyph: dict[str, list[LabelGlyph]] = {}
    for g in glyphs:
        by_glyph.setdefault(g.text, []).append(g)
    labelled = bool(rng.random() < 0.6)
    style = str(rng.choice(LABEL_STYLES, p=[0.45, 0.4, 0.1, 0.05]))
    position = str(rng.choice(POSITIONS, p=[0.35, 0.5, 0.15]))
    label_h = int(rng.integers(10, 30))
    placed = []  # (panel, x, y, w, h) in figure pixels
    y, width = 0, 0
    for n in counts:
        height = int(rng.integers(120, 360))
        x = 0
        for _ in range(n):
            p = panels[int(rng.integers(len(panels)))]
            ph, pw = p.pixels.shape[:2]
            w = int(round(pw * height / ph * rng.uniform(0.9, 1.1)))
            x += label_h + 3 if labelled and position == "left" else 0
            top = y + (label_h + 3 if labelled and position == "above" else 0)
            placed.append((p, x, top, w, height))
            x += w + gutter
        width = max(width, x - gutter)
        y = top + height + row_gap
    H, W = y - row_gap, width
    image = np.full((H, W, 3), 255, np.uint8)
    texts, labels, masters, keys = [], [], [], []
    for k, (p, x, top, w, h) in enumerate(placed):
        image[top:top + h, x:x + w] = _resize(p.pixels, w, h)
        sx, sy = w / p.pixels.shape[1], h / p.pixels.shape[0]
        texts += [TextBox((int(round(t.box[0] * sx + x)), int(round(t.box[1] * sy + top)),
                           int(round(t.box[2] * sx + x)), int(round(t.box[3] * sy + top))), t.text, t.confidence)
                  for t in p.text_boxes]
        labels += [(int(round(b[0] * sx + x)), int(round(b[1] * sy + top)), int(round(b[2] * sx + x)),
                    int(round(b[3] * sy + top))) for b in p.label_boxes]
        box = [x, top, x + w, top + h]
        text = _label_text(style, k)
        pool = by_glyph.get(text) or by_glyph.get(text.strip("()"))
        if labelled and pool and k < 26:
            g = pool[int(rng.integers(len(pool)))]
            gh, gw = g.pixels.shape[:2]
            lw = max(3, int(round(gw * label_h / gh)))
            if position == "above":
                lx, ly = x, top - label_h - 3
            elif position == "left":
                lx, ly = x - lw - 3, top
            else:
                lx, ly = x + int(rng.integers(0, 6)), top + int(rng.integers(0, 6))
            lx, ly = max(0, lx), max(0, ly)
            lw, lh = min(lw, W - lx), min(label_h, H - ly)
            image[ly:ly + lh, lx:lx + lw] = _resize(g.pixels, lw, lh)
            lbox = (lx, ly, lx + lw, ly + lh)
            texts.append(TextBox(lbox, g.text, 0.9))
            if rng.random() < 0.85:  # the label finder misses some printed labels
                labels.append(lbox)
            box = [min(box[0], lx), min(box[1], ly), max(box[2], lx + lw), max(box[3], ly + lh)]
        masters.append(tuple(box))
        keys.append(p.key)
    return SyntheticFigure(image, tuple(texts), tuple(labels), tuple(masters), tuple(keys))


def synthetic_figures(panels: list[PanelSource], glyphs: list[LabelGlyph], n: int, seed: int):
    """``n`` synthetic figures from one seeded generator (the same inputs give the same figures)."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield compose(panels, glyphs, rng)
