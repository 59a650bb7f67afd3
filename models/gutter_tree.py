"""A learned decision on the layout's gutters: is this gutter a boundary between master images?

The recursive XY-cut (models/layout.py) splits a figure at its widest background gutter, then
each part again, giving a binary tree whose nodes are rectangles of the figure.  Most master
images are nodes of that tree (about 0.9 of the development set's masters on folds 0-2:
the rest abut with no gutter between them).  What rules got wrong is *which* gutters to cut:
white space inside a schematic, between a plot and its axis title or legend, between the
molecules of a reaction scheme, is a gutter too.

``GutterModel`` scores each internal node's cut from cheap, scale-free features of the two
sides (their sizes and shapes, ink and texture, the OCR text and tick numbers inside them,
whether a panel-label candidate sits at a side's top-left corner, the gutter's width against
the figure's widest).  ``masters_from_tree`` picks the most probable consistent reading of the
whole tree; a node it does not cut is one master image.

The model is a logistic regression (weights in ``models/weights/gutter-model.json`` with their
sha256, z-scoring folded in), trained by ``python -m figdex.models.train_gutters`` on the
development data (eval/devset: every fold and the development sets) and the legacy gold figures,
with synthetic compound figures composed from their masters (models/synthetic_figures.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from figdex.errors import UnavailableError
from figdex.models.layout import content_box, gutters

Box = tuple[int, int, int, int]
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
NAME = "gutter-model"
CONFIG = WEIGHTS_DIR / f"{NAME}.json"
MAX_DEPTH = 12  # deeper than any real panel grid; bounds the work on noisy images
MIN_SIDE = 12  # px: parts thinner than this are specks, not panels

FEATURES = (
    "axis", "gap_rel_side", "gap_rel_widest", "node_area", "depth",
    "side_balance", "thin_side", "cross_extent_ratio", "aspect_min", "aspect_max",
    "text_cover_max", "text_cover_min", "text_ink_max", "numbers_min", "numbers_max",
    "background_min", "background_max", "texture_min", "texture_max", "saturation_diff",
    "dark_max", "flat_max", "axes_count",
    "label_sides", "label_one_side", "leaves_min", "leaves_max", "min_side_area",
    "gap_std", "gap_grain", "gap_white",
)


class GutterModelError(UnavailableError):
    """The gutter model's weights are missing or do not match their checksum."""


@dataclass
class Node:
    box: Box
    depth: int
    axis: int = -1  # 0: the cut runs along a row (parts above/below); 1: along a column
    gap: tuple[int, int] | None = None
    children: list["Node"] = field(default_factory=list)

    def leaves(self) -> int:
        return 1 if not self.children else sum(c.leaves() for c in self.children)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def cut_tree(mask: np.ndarray, region: Box, min_gap: int = 2, depth: int = 0) -> Node | None:
    """The XY-cut tree of ``region`` (widest gutter first), each node trimmed to its ink."""
    box = content_box(mask, region)
    if box is None:
        return None
    node = Node(box, depth)
    if depth >= MAX_DEPTH:
        return node
    candidates = [(b - a, axis, a, b) for axis in (0, 1) for a, b in gutters(mask, box, axis, min_gap)]
    if not candidates:
        return node
    _, axis, a, b = max(candidates)
    x0, y0, x1, y1 = box
    cut = (a + b) // 2
    parts = [(x0, y0, x1, cut), (x0, cut, x1, y1)] if axis == 0 else [(x0, y0, cut, y1), (cut, y0, x1, y1)]
    children = [c for c in (cut_tree(mask, p, min_gap, depth + 1) for p in parts) if c is not None]
    if len(children) == 2:
        node.axis, node.gap, node.children = axis, (a, b), children
    return node


def _area(b: Box) -> int:
    return max(0, b[2] - b[0]) * max(0, b[3] - b[1])


def _inside(inner: Box, outer: Box) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx < outer[2] and outer[1] <= cy < outer[3]


@dataclass(frozen=True)
class FigureContext:
    """What the features read from the whole figure once: pixels, ink, OCR lines, label candidates."""
    image: np.ndarray
    mask: np.ndarray
    text_boxes: tuple  # models.ocr.TextBox
    number_boxes: tuple[Box, ...]
    label_boxes: tuple[Box, ...]
    widest_gap: int


def _side_stats(ctx: FigureContext, box: Box) -> dict:
    from figdex.models.classify import features

    x0, y0, x1, y1 = box
    crop = ctx.image[y0:y1, x0:x1]
    # Pixel features on a bounded crop: the statistics are shares and means, so a strided view
    # of a large side gives the same picture at a fraction of the cost.
    step = max(1, int(np.ceil(max(crop.shape[:2]) / 384)))
    f = features(crop[::step, ::step]) if min(crop.shape[:2]) >= 3 else None
    area = max(1, _area(box))
    texts = [tb.box for tb in ctx.text_boxes if _inside(tb.box, box)]
    text_area = sum(_area(t) for t in texts)
    ink = int(ctx.mask[y0:y1, x0:x1].sum())
    text_ink = sum(int(ctx.mask[t[1]:t[3], t[0]:t[2]].sum()) for t in texts)
    numbers = sum(1 for t in ctx.number_boxes if _inside(t, box))
    w, h = x1 - x0, y1 - y0
    # A label names this side when it sits in the side's upper-left quarter (or just outside it).
    label = any(x0 - 0.05 * w <= (lb[0] + lb[2]) / 2 <= x0 + 0.35 * w and
                y0 - 0.05 * h <= (lb[1] + lb[3]) / 2 <= y0 + 0.35 * h for lb in ctx.label_boxes)
    return {
        "text_cover": min(1.0, text_area / area), "text_ink": text_ink / max(1, ink),
        "numbers": float(np.log1p(numbers)), "label": label,
        "background": f.background if f else 1.0, "texture": float(np.log1p(f.texture)) if f else 0.0,
        "saturation": f.saturation if f else 0.0, "dark": f.dark if f else 0.0,
        "flat": f.flat if f else 0.0, "axes": bool(f.axes) if f else False,
    }


def _gap_stats(ctx: FigureContext, node: Node) -> tuple[float, float, float]:
    """How the gutter itself looks: a gutter between panels is flat page colour; a "gutter"
    inside a micrograph (gray background between particles) is noisy and grey.
    (std of grey, mean step between neighbouring pixels, share of near-white pixels)."""
    x0, y0, x1, y1 = node.box
    a, b = node.gap
    strip = ctx.image[a:b, x0:x1] if node.axis == 0 else ctx.image[y0:y1, a:b]
    gray = strip[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    if gray.size == 0:
        return 0.0, 0.0, 1.0
    along = 1 if node.axis == 0 else 0  # neighbours along the gutter's length
    steps = np.abs(np.diff(gray, axis=along)) if gray.shape[along] > 1 else np.zeros(1)
    return float(gray.std() / 64.0), float(np.log1p(steps.mean())), float((gray > 235).mean())


def node_features(ctx: FigureContext, node: Node) -> np.ndarray:
    H, W = ctx.mask.shape
    side = float(min(W, H))
    a, b = node.children
    s = [_side_stats(ctx, c.box) for c in (a, b)]
    area_a, area_b = _area(a.box), _area(b.box)
    along = 1 if node.axis == 0 else 0  # extents measured across the cut
    thick = [(c.box[3] - c.box[1]) if node.axis == 0 else (c.box[2] - c.box[0]) for c in (a, b)]
    cross = [(c.box[2] - c.box[0]) if node.axis == 0 else (c.box[3] - c.box[1]) for c in (a, b)]
    aspects = [max(c.box[2] - c.box[0], 1) / max(c.box[3] - c.box[1], 1) for c in (a, b)]
    aspects = [float(np.log(x)) for x in aspects]
    gap = node.gap[1] - node.gap[0]
    del along
    values = {
        "axis": float(node.axis),
        "gap_rel_side": gap / side,
        "gap_rel_widest": gap / max(1, ctx.widest_gap),
        "node_area": _area(node.box) / float(W * H),
        "depth": node.depth / 4.0,
        "side_balance": min(area_a, area_b) / max(1, max(area_a, area_b)),
        "thin_side": min(thick) / side,
        "cross_extent_ratio": min(cross) / max(1, max(cross)),
        "aspect_min": min(aspects, key=abs),
        "aspect_max": max(aspects, key=abs),
        "text_cover_max": max(x["text_cover"] for x in s),
        "text_cover_min": min(x["text_cover"] for x in s),
        "text_ink_max": max(x["text_ink"] for x in s),
        "numbers_min": min(x["numbers"] for x in s),
        "numbers_max": max(x["numbers"] for x in s),
        "background_min": min(x["background"] for x in s),
        "background_max": max(x["background"] for x in s),
        "texture_min": min(x["texture"] for x in s),
        "texture_max": max(x["texture"] for x in s),
        "saturation_diff": abs(s[0]["saturation"] - s[1]["saturation"]),
        "dark_max": max(x["dark"] for x in s),
        "flat_max": max(x["flat"] for x in s),
        "axes_count": float(sum(x["axes"] for x in s)),
        "label_sides": float(s[0]["label"] and s[1]["label"]),
        "label_one_side": float(s[0]["label"] != s[1]["label"]),
        "leaves_min": float(np.log1p(min(a.leaves(), b.leaves()))),
        "leaves_max": float(np.log1p(max(a.leaves(), b.leaves()))),
        "min_side_area": min(area_a, area_b) / float(W * H),
    }
    values["gap_std"], values["gap_grain"], values["gap_white"] = _gap_stats(ctx, node)
    return np.array([values[name] for name in FEATURES], np.float64)


def figure_context(image: np.ndarray, mask: np.ndarray, tree: Node, text_boxes, label_boxes) -> FigureContext:
    from figdex.models.ocr import NUMBER_TEXT

    numbers = tuple(tb.box for tb in text_boxes if NUMBER_TEXT.match(tb.text.strip()))
    widest = max((n.gap[1] - n.gap[0] for n in tree.walk() if n.gap), default=1)
    return FigureContext(image, mask, tuple(text_boxes), numbers, tuple(label_boxes), widest)


@dataclass(frozen=True)
class GutterModel:
    weights: np.ndarray  # over FEATURES, z-scoring folded in
    bias: float
    threshold: float
    sha256: str

    def probability(self, x: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-(x @ self.weights + self.bias))))


def weights_digest(cfg: dict) -> str:
    payload = json.dumps({"features": cfg["features"], "weights": cfg["weights"], "bias": cfg["bias"],
                          "threshold": cfg["threshold"]}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


@lru_cache(maxsize=1)
def load_gutter_model(path: Path = CONFIG) -> GutterModel:
    """The shipped model; refused when missing, built for other features, or not its checksum."""
    if not path.exists():
        raise GutterModelError(f"{path} is missing: rebuild it with `python -m figdex.models.train_gutters`")
    cfg = json.loads(path.read_text(encoding="utf-8"))
    if tuple(cfg["features"]) != FEATURES:
        raise GutterModelError(f"{path} was trained on other features; rebuild it with "
                               "`python -m figdex.models.train_gutters`")
    digest = weights_digest(cfg)
    if digest != cfg["sha256"]:
        raise GutterModelError(f"{path}: checksum {digest[:12]}… is not the {cfg['sha256'][:12]}… it names; "
                               "restore the file from git or rebuild it with `python -m figdex.models.train_gutters`")
    return GutterModel(np.asarray(cfg["weights"], np.float64), float(cfg["bias"]), float(cfg["threshold"]), digest)


def masters_from_tree(ctx: FigureContext, tree: Node, model: GutterModel,
                      features: dict[int, np.ndarray] | None = None) -> list[tuple[Box, float]]:
    """(box, certainty) of each master: the most probable consistent reading of the tree.

    A node kept whole is one master image, so none of the gutters inside it is a boundary; a
    node cut has a boundary at its gutter and its two sides are read the same way.  Choosing
    per node the likelier of the two (log-probabilities summed over the nodes each reading
    decides, by dynamic programming) lets clear boundaries deep in the tree outvote an unsure
    one at the top, where a greedy walk from the root would stop at the first doubt.  The
    model's threshold enters as the prior odds of a boundary.  Certainty of a master: the
    posterior of the least sure decision that made it (the cuts above it, keeping it whole).
    ``features``: node features already computed, by ``id(node)`` (training reuses them)."""
    bias = float(np.log(model.threshold / (1.0 - model.threshold)))

    def solve(node: Node) -> tuple[float, float, list[tuple[Box, float]]]:
        # (log-probability that the node is one master, of its best reading, that reading)
        if not node.children or min(node.box[2] - node.box[0], node.box[3] - node.box[1]) < MIN_SIDE:
            return 0.0, 0.0, [(node.box, 1.0)]
        x = features[id(node)] if features is not None else node_features(ctx, node)
        p = min(max(model.probability(x), 1e-6), 1 - 1e-6)
        keep_a, best_a, masters_a = solve(node.children[0])
        keep_b, best_b, masters_b = solve(node.children[1])
        keep = float(np.log(1 - p)) + keep_a + keep_b
        cut = float(np.log(p)) + best_a + best_b
        # How sure the reading is of this node's decision: the posterior of the option taken
        # against the other, over the whole subtree (not the gutter's own p, which can be low
        # for a cut that the clear boundaries below it force).
        margin = float(np.clip((cut - bias) - keep, -50.0, 50.0))
        strip = _strip_side(node)
        if strip is not None:
            # A thin strip (column titles, a shared axis title) cut off a body that is itself
            # several masters: the strip's gutter is no boundary, yet the body's are.  Reading
            # the strip as part of the masters it sits against lets the body's boundaries count
            # (keeping the node whole would hide them, cutting it would make the strip a master).
            body = 1 - strip
            keep_body, best_body, masters_body = (keep_a, best_a, masters_a) if body == 0 else (keep_b, best_b, masters_b)
            keep_strip = keep_b if body == 0 else keep_a
            attach = float(np.log(1 - p)) + keep_strip + best_body
            sure = float(1.0 / (1.0 + np.exp(-np.clip(best_body - keep_body, -50.0, 50.0))))
            # Only a body sure of its own boundaries: a strip kept whole with its body is the
            # safer reading of a doubtful one (a screenshot beside its scroll bar).
            if len(masters_body) > 1 and sure >= ATTACH_SURE and attach > cut - bias and attach > keep:
                grown = _attach_strip(ctx, node.children[strip].box, node.axis, masters_body)
                if grown is not None:
                    return keep, attach, [(box, min(c, sure)) for box, c in grown]
        if margin > 0:
            sure = float(1.0 / (1.0 + np.exp(-margin)))
            return keep, cut, [(box, min(c, sure)) for box, c in masters_a + masters_b]
        return keep, keep, [(node.box, float(1.0 / (1.0 + np.exp(margin))))]

    return solve(tree)[2]


STRIP_RATIO = 0.2  # a side at most this thick (across the cut) against the other is a strip
ATTACH_SURE = 0.8  # how sure the body's own reading must be to have the strip attached to its masters


def _strip_side(node: Node) -> int | None:
    """Which child (0, 1) is a thin strip beside a much thicker body, if either."""
    a, b = (c.box for c in node.children)
    thick = [(x[3] - x[1]) if node.axis == 0 else (x[2] - x[0]) for x in (a, b)]
    for i in (0, 1):
        if thick[i] <= STRIP_RATIO * thick[1 - i]:
            return i
    return None


def _attach_strip(ctx: FigureContext, strip: Box, axis: int,
                  masters: list[tuple[Box, float]]) -> list[tuple[Box, float]] | None:
    """``masters`` grown by the pieces of ``strip`` each sits against: a piece (a title, an axis
    title) goes to the master it overlaps most across the cut, the nearest one when several
    overlap it alike; a piece spanning several masters (a shared title) goes to none.  None when
    the strip is row or column headers of a table-like drawing: several pieces, a long one of
    them against several masters (a workflow diagram's "User input" / "Process" rows)."""
    x0, y0, x1, y1 = strip
    thick = (y1 - y0) if axis == 0 else (x1 - x0)
    # Pieces are split at gaps wider than half the strip's thickness: wider than between words.
    pieces, start = [], (x0 if axis == 0 else y0)
    for a, b in gutters(ctx.mask, strip, 1 - axis, max(4, int(thick / 2))):
        pieces.append((start, a))
        start = b
    pieces.append((start, x1 if axis == 0 else y1))
    grown = [list(box) for box, _ in masters]
    lo, hi = (0, 2) if axis == 0 else (1, 3)  # the masters' extent along the strip
    lo2, hi2 = (1, 3) if axis == 0 else (0, 2)  # and across it
    boxes = [p for p in (content_box(ctx.mask, (a, y0, b, y1) if axis == 0 else (x0, a, x1, b)) for a, b in pieces) if p]
    for piece in boxes:
        length = max(1, piece[hi] - piece[lo])
        best, against = None, 0
        for k, (box, _) in enumerate(masters):
            share = max(0, min(piece[hi], box[hi]) - max(piece[lo], box[lo])) / length
            against += share >= 0.6
            near = max(box[lo2] - piece[hi2], piece[lo2] - box[hi2], 0)  # distance across
            if share >= 0.6 and (best is None or (round(share, 1), -near) > best[0]):
                best = ((round(share, 1), -near), k)
        extent = max((box[hi] - box[lo] for box, _ in masters), default=1)
        if against > 1 and len(boxes) > 1 and length >= 0.2 * extent:  # tick numbers are short
            return None
        if best is not None:
            g = grown[best[1]]
            grown[best[1]] = [min(g[0], piece[0]), min(g[1], piece[1]), max(g[2], piece[2]), max(g[3], piece[3])]
    return [(tuple(g), c) for g, (_, c) in zip(grown, masters)]
