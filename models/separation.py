"""Figure separation: master images (Master-Dependent-Inset model), their classes and scales.

One pass per figure: panel labels (the caption's label set as prior) → label-guided cut of
the figure into one region per label → each region trimmed to its content, classified,
checked for dependents (several images under one label → a "parent"), and scaled from its
scale bars (or from the caption's scale statement for that panel).  A figure where no labels
are found is one master image, label "0".

Where no labels define the panels (none printed, or too few without a caption), which gutters
separate master images is decided by a learned model (the default, setting ``gutters = model``;
models/gutter_tree.py: logistic regression on the XY-cut tree's gutters, trained on all the
development data) or by hand-written rules (``gutters = rules``).  Out of fold by paper on all
the development data (models/cv_separation.py) the model scores AP50 0.479 alone and 0.599 with
the caption, the rules 0.461 and 0.598 (eval/devset/README.md).
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np

from figdex.models.classify import classify, classify_many
from figdex.models.databar import Databar, find_databar
from figdex.models.instrument_meta import InstrumentScale
from figdex.models.layout import (clear_rule_lines, content_box, cut_by_labels, ink_mask, join_strips, unlabelled_flanks,
                                  xy_cut)
from figdex.models.ocr import NUMBER_TEXT as _NUMBER, OcrEngine, TextBox, get_ocr
from figdex.models.figure_labels import allowed_labels, caption_figure_labels, labels_kept
from figdex.models.panel_labels import PanelLabel, to_gray
from figdex.models.missing_panels import regions_for_missing_labels, within as _within
from figdex.models.position_panels import lines_of_grid, rows_named_by_position
from figdex.models.scale_sources import ImageScale, image_scale
from figdex.models.scale_text import ScaleLabel, parse_scale_statement
from figdex.models.scalebars import ScaleReading

Box = tuple[int, int, int, int]
IMAGE_CLASSES = ("microscopy", "diffraction", "photo")
# A caption that names panels by position ("Left: …", "(top)", "right panel") says the figure has
# several panels even when none is lettered.
_POSITIONS = re.compile(
    r"(?:^|[.;]\s+|\()(?:top|bottom|left|right|middle|centre|center|upper|lower)(?:\s+(?:left|right|panel|row|column|image|plot))?"
    r"\s*[:)]|\b(?:top|bottom|left|right|middle|upper|lower)\s+(?:panels?|rows?|columns?|images?|plots?)\b", re.I)


@dataclass(frozen=True)
class Master:
    label: str
    box: Box
    image_class: str
    confidence: float
    label_box: Box | None = None
    dependents: tuple[Box, ...] = ()
    insets: tuple[Box, ...] = ()
    scale: ScaleReading | None = None
    # How sure the separation is that ``box`` is one whole master image (a label read at its
    # corner: high; a block paired with a caption label by reading order: lower).  ``confidence``
    # is the class's.  Detections are ranked by ``rank`` (box first, class as tie-break).
    box_confidence: float = 1.0
    # The instrument's info strip (figure pixels; ``box`` stops above it) and the scale from every
    # source, ranked (``scale`` is the bar reading among them).
    databar: Databar | None = None
    resolved: ImageScale | None = None

    @property
    def rank(self) -> tuple[float, float]:
        return (self.box_confidence, self.confidence)

    @property
    def nm_per_px(self) -> float | None:
        if self.resolved is not None:
            return self.resolved.nm_per_px
        return self.scale.nm_per_px if self.scale else None

    @property
    def scale_source(self) -> str:
        if self.resolved is not None:
            return self.resolved.source
        return self.scale.source if self.scale else "none"


@dataclass(frozen=True)
class Separation:
    width: int
    height: int
    masters: tuple[Master, ...]
    labels_found: tuple[PanelLabel, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    text_boxes: tuple[TextBox, ...] = ()  # every line the OCR read in the figure: ingest keeps each master's


def separate(
    image: np.ndarray,
    expected_labels: list[str] | None = None,
    subcaptions: dict[str, str] | None = None,
    terms: dict[str, tuple[str, ...]] | None = None,
    ocr: OcrEngine | None = None,
    single: bool = False,
    metadata: InstrumentScale | None = None,
) -> Separation:
    """Split one figure. ``expected_labels``/``subcaptions``/``terms`` come from its caption.

    ``single``: the image is known to be one image (a file from a plain image folder), so no
    panel labels are looked for; it is still classified and its scale bar read.  ``metadata``:
    the pixel size its file carries (models/instrument_meta.py), for a single image only.
    """
    started = time.perf_counter()
    ocr = ocr or get_ocr()
    H, W = image.shape[:2]
    # Photographs framed in abutting lines: the lines are their gutters, page-coloured for the gutter model.
    mask, layout_image = clear_rule_lines(image, ink_mask(image))
    notes: list[str] = []
    text_boxes = ocr.read(image)
    # Letters the caption names outside its split are looked for too (the caption never takes away a label
    # the figure alone gives, issue #15); found, they are labels of the caption's set below.
    said = " ".join((subcaptions or {}).values())
    labels, expected = ([], None) if single else caption_figure_labels(image, ocr, expected_labels, said, text_boxes,
                                                                       notes)
    # (label, region, label box, certainty that the region is one whole master image)
    regions: list[tuple[str, Box, Box | None, float]]
    line_cells: dict[Box, tuple[Box, ...]] = {}  # a row (column) the caption reads: its plots
    if single:
        regions = [("0", (0, 0, W, H), None, 1.0)]
    elif expected is None and len(labels) < 3:
        positional = bool(_POSITIONS.search(said))
        regions = _regions_without_caption(layout_image, mask, W, H, labels, text_boxes, notes, positional)
        regions = rows_named_by_position(mask, said, _POSITIONS, regions, notes)
        regions, line_cells = lines_of_grid(said, regions, notes)
    elif len(labels) == 2 and expected and sorted(lab.label for lab in labels) == sorted(expected) and \
            (alone := _blocks_each_labelled(layout_image, mask, W, H, labels, text_boxes)):
        # Both of the caption's two labels read, and the gutter model's blocks are two, one under
        # each label: the panels the figure alone gives (hpylori Fig. 3: the labels at different
        # heights side by side, which a cut between the labels splits across both plots).
        notes.append("two labels, each naming one of the gutter model's two blocks: those blocks")
        regions = alone
    elif len(labels) >= 2:
        # A caption's labels, or (no caption) three or more letters running a, b, c … in one
        # case and size: curve labels rarely do that, so the labels define the panels.
        by_label = {lab.label: lab.box for lab in labels}
        by_conf = {lab.label: lab.confidence for lab in labels}
        flanks, middle = unlabelled_flanks(mask, W, H, [lab.box for lab in labels])
        regions = [(lab, part, by_label.get(lab), 0.5 + 0.5 * by_conf.get(lab, 0.0)) for lab, part in
                   cut_by_labels(mask, middle, [(lab.label, lab.box) for lab in labels])]
        if flanks:
            notes.append("unlabelled drawings beside the labelled panels: each a master labelled \"0\"")
            regions = [("0", box, None, 0.5) for box in flanks if box[0] == 0] + regions + \
                [("0", box, None, 0.5) for box in flanks if box[0] > 0]
        if expected and len(labels) < len(expected):
            regions = regions_for_missing_labels(mask, regions, expected, notes)
    elif expected and len(expected) >= 2:
        regions = _cells_for_caption_labels(layout_image, mask, W, H, expected, text_boxes, notes)
    else:
        # One label (or none) where the caption names one panel (or none): the figure is that panel.
        regions = [(labels[0].label if labels else "0", (0, 0, W, H), labels[0].box if labels else None, 0.8)]
    if expected_labels:  # [] (ingest: no caption) and None name no label set
        # The caption's label set is a hard constraint: a panel is named by one of its labels or
        # is "0"; nothing past the set (a letter read in a plot, a spare letter in reading order)
        # and, when the caption names no label, no letter at all.  Out of fold on the development
        # data this took panel-label precision with the caption from 0.860 to 0.906 (recall 0.812
        # to 0.789: letters printed but not named by the caption); the boxes do not change.
        # A letter read surely that the caption names elsewhere than in its split ("in Panel B") is kept:
        # the caption never takes away a label the figure alone would give (issue #15).
        allowed = allowed_labels(labels, expected_labels, expected, said)
        regions = [(label if label in allowed else "0", part, label_box if label in allowed else None, certainty)
                   for label, part, label_box, certainty in regions]
        labels = labels_kept(labels, expected_labels, expected, said)
    kept = []
    for label, part, label_box, certainty in regions:
        box = content_box(mask, part)
        if box is None and not single:
            continue
        # A file is one image even when it is one flat colour (an empty SEM frame under its databar).
        kept.append((label, label_box, certainty, _master_view(image, mask, box or part, text_boxes, part)))
    # The masters' crops are classified together: the learned classifier's CNN takes them as one batch.
    classes = classify_many([(view.crop, (terms or {}).get(label, ()), view.numbers) for label, _, _, view in kept])
    masters = [replace(_master(image, mask, label, view, label_box, subcaptions or {}, metadata if single else None,
                               classified, ocr), box_confidence=round(certainty, 3))
               for (label, label_box, certainty, view), classified in zip(kept, classes)]
    for line, cells in line_cells.items():  # a row (column) the caption reads is a parent of its plots
        masters = [replace(m, image_class="parent", confidence=0.7, dependents=cells)
                   if _within(m.box, line) else m for m in masters]
    if not masters:
        masters = [Master("0", (0, 0, W, H), "other", 0.2)]
    return Separation(W, H, tuple(masters), tuple(labels), round(time.perf_counter() - started, 3), tuple(notes),
                      tuple(text_boxes))


def _panel_blocks(mask, W, H, min_gap: int = 2) -> list[Box]:
    """Large gutter-separated blocks; small leftovers (axis titles, legends) join the nearest block.

    Thin white separators between photographs are gutters too (min_gap 2 px); a strip (an axis
    title under a plot) is not a panel however long it is."""
    leaves = xy_cut(mask, (0, 0, W, H), min_gap=min_gap)
    big = [b for b in leaves if (b[2] - b[0]) * (b[3] - b[1]) >= 0.04 * W * H
           and (b[2] - b[0]) >= 0.12 * W and (b[3] - b[1]) >= 0.12 * H]
    for small in (b for b in leaves if b not in big):
        if not big:
            break
        cx, cy = (small[0] + small[2]) / 2, (small[1] + small[3]) / 2
        k = min(range(len(big)), key=lambda i: max(big[i][0] - cx, 0, cx - big[i][2]) +
                max(big[i][1] - cy, 0, cy - big[i][3]))
        b = big[k]
        big[k] = (min(b[0], small[0]), min(b[1], small[1]), max(b[2], small[2]), max(b[3], small[3]))
    return big


def _blocks_each_labelled(image, mask, W, H, labels, text_boxes):
    """The figure-alone regions for these labels when every block is named by one of them and every
    label names a block (else None)."""
    named = list(labels)  # a copy: the gutter path may cut the list it is given down to one corner label
    regions = _regions_without_caption(image, mask, W, H, named, text_boxes, [])
    if len(regions) == len(labels) == len(named) and all(label_box is not None for _, _, label_box, _ in regions):
        return regions
    return None


def _regions_without_caption(image, mask, W, H, labels, text_boxes, notes, positional: bool = False):
    """No caption to say which labels exist: the gutters decide the panels, found labels name them.

    Which gutters separate panels is the learned gutter model's call (setting ``gutters =
    model``), or the earlier hand-written rules' (``rules``: large gutter blocks, kept apart
    without labels only when they are images of one kind and size in a row or grid).
    Letters read inside plots are often curve labels, so labels only name blocks here; blocks
    left unnamed get the missing letters of the a, b, c … sequence in reading order.  When no
    label names any block, each block is a master labelled "0"; a caption that names panels
    by position ("Left: …", "(top)") keeps the large gutter blocks apart."""
    from figdex import settings

    rules = settings.get("gutters") == "rules"
    if rules:
        certainty = {box: None for box in _panel_blocks(mask, W, H)}
    else:
        certainty = dict(learned_blocks(image, mask, text_boxes, labels))
    order = sorted(certainty, key=lambda b: (round(b[1] / max(1.0, H / 12)), b[0]))
    height = float(np.median([b.box[3] - b.box[1] for b in labels])) if labels else 10.0
    named: dict[int, PanelLabel] = {}
    for lab in labels:
        cx, cy = (lab.box[0] + lab.box[2]) / 2, (lab.box[1] + lab.box[3]) / 2
        for i, b in enumerate(order):
            inside = b[0] - 2 * height <= cx <= b[2] and b[1] - 2 * height <= cy <= b[1] + 0.35 * (b[3] - b[1])
            if inside and i not in named:
                named[i] = lab
                break
    by_position = 'no panel labels; the caption names panels by position: each block labelled "0"'
    if len(order) > 1 and not named:
        labels[:] = []
        if not rules:
            # A colour bar or a header row is no master alone, and masters never overlap.
            joined = sorted(join_strips(order), key=lambda b: (round(b[1] / max(1.0, H / 12)), b[0]))
            # Thin gutters repeated across a regular grid of alike images are boundaries, where the
            # gutter model read some of them as white space inside one image.
            cells = _grid_cells(image, mask, [(0, 0, W, H)], text_boxes, notes, more_than=len(joined))
            if cells:
                return cells
            if len(joined) == 1:
                notes.append("no panel labels: the gutter model's blocks are one image and its strips")
                return [("0", (0, 0, W, H), None, 0.6)]
            notes.append('no panel labels: the gutter model cut the figure into blocks, each labelled "0"')
            return [("0", box, None, certainty.get(box, min(certainty.values()))) for box in joined]
        if positional:
            notes.append(by_position)
            return [("0", box, None, 0.5) for box in order]
        if _clear_unlabelled_panels(image, order, text_boxes):
            notes.append('no panel labels: images of one kind and size in a row or grid, each labelled "0"')
            return [("0", box, None, 0.7) for box in order]
        notes.append("no panel labels and no clear panel grid: one image")
        return [("0", (0, 0, W, H), None, 0.6)]
    if len(order) <= 1 and positional and not rules:
        blocks = _panel_blocks(mask, W, H)  # the model kept the figure whole; the caption says otherwise
        if len(blocks) > 1:
            notes.append(by_position)
            return [("0", box, None, 0.5) for box in sorted(blocks, key=lambda b: (round(b[1] / max(1.0, H / 12)), b[0]))]
    if len(order) <= 1:
        # One panel: letters inside it are curve or region labels; only one at its top-left names it.
        corner = [lab for lab in labels if lab.box[0] < 0.15 * W and lab.box[1] < 0.15 * H]
        labels[:] = corner[:1]
        cells = None if corner or rules else _grid_cells(image, mask, [(0, 0, W, H)], text_boxes, notes)
        if cells:
            labels[:] = []
            return cells
        return [(corner[0].label if corner else "0", (0, 0, W, H), corner[0].box if corner else None, 0.9)]
    used = {lab.label for lab in named.values()}
    spare = iter(ch for ch in "abcdefghijklmnopqrstuvwxyz" if ch not in used)
    if all(len(lab.label) == 1 for lab in named.values()):
        names = [named[i].label if i in named else next(spare) for i in range(len(order))]
    else:
        names = [named[i].label if i in named else "0" for i in range(len(order))]

    def sure(i: int, box: Box) -> float:
        if certainty[box] is None:  # the rules: a block a label names is likelier whole
            return 0.8 if i in named else 0.5
        return 0.5 + 0.5 * certainty[box] if i in named else 0.5 * certainty[box]

    regions = [(name, box, named[i].box if i in named else None, sure(i, box))
               for i, (name, box) in enumerate(zip(names, order))]
    labels[:] = [lab for lab in labels if any(lab is v for v in named.values())]  # the ones that name a panel
    return regions


def _grid_cells(image, mask, blocks: list[Box], text_boxes, notes, more_than: int = 1) -> list | None:
    """Unlabelled blocks with each regular grid of alike images cut into its cells (models/grid_panels.py),
    as regions labelled "0"; None when no block is such a grid or the cells are not more than ``more_than``."""
    from figdex.models.grid_panels import split_grids

    H = mask.shape[0]
    boxes, split = split_grids(image, mask, blocks, text_boxes)
    if not split or len(boxes) <= more_than:
        return None
    notes.append('no panel labels: a regular grid of alike images, each cell labelled "0"')
    return [("0", box, None, 0.7) for box in sorted(boxes, key=lambda b: (round(b[1] / max(1.0, H / 12)), b[0]))]


def _clear_unlabelled_panels(image, blocks: list[Box], text_boxes: list[TextBox]) -> bool:
    """Blocks without labels are separate panels only when they are alike: every one a plot, or
    every one a micrograph/photo/pattern of the same class, of similar size."""
    areas = [(b[2] - b[0]) * (b[3] - b[1]) for b in blocks]
    if max(areas) > 2.5 * min(areas):
        return False
    classes = set()
    for b in blocks:
        numbers = sum(1 for tb in text_boxes if _within(tb.box, b) and _NUMBER.match(tb.text.strip()))
        classes.add(classify(image[b[1]:b[3], b[0]:b[2]], (), numbers)[0])
        if len(classes) > 1:
            return False
    return classes <= {"graph"} or len(classes) == 1 and classes <= set(IMAGE_CLASSES)


def learned_blocks(image, mask, text_boxes, labels) -> list[tuple[Box, float]]:
    """Master-image blocks where the gutter model (models/gutter_tree.py) reads panel boundaries."""
    from figdex.models.gutter_tree import cut_tree, figure_context, masters_from_tree

    H, W = mask.shape
    tree = cut_tree(mask, (0, 0, W, H))
    if tree is None:
        return [((0, 0, W, H), 0.5)]
    ctx = figure_context(image, mask, tree, text_boxes, [lab.box for lab in labels])
    return masters_from_tree(ctx, tree, _gutter_model())


# A gutter model other than the shipped one, for cross-validation (models/cv_separation.py scores
# each fold with a model fitted without it).  None: the shipped weights.
_GUTTER_MODEL_OVERRIDE: list = [None]


@contextmanager
def using_gutter_model(model):
    """Separate with ``model`` (a gutter_tree.GutterModel) instead of the shipped weights."""
    previous, _GUTTER_MODEL_OVERRIDE[0] = _GUTTER_MODEL_OVERRIDE[0], model
    try:
        yield
    finally:
        _GUTTER_MODEL_OVERRIDE[0] = previous


def _gutter_model():
    from figdex.models.gutter_tree import load_gutter_model

    return _GUTTER_MODEL_OVERRIDE[0] or load_gutter_model()


def _cells_for_caption_labels(image, mask, W, H, expected, text_boxes, notes):
    """No labels legible: when the gutter model's blocks, or failing that the large gutter
    blocks, are exactly as many as the caption names panels, pair them in reading order;
    otherwise keep the figure whole."""
    from figdex import settings

    learned = learned_blocks(image, mask, text_boxes, []) if settings.get("gutters") == "model" else []
    if len(learned) == len(expected):
        rows = sorted(learned, key=lambda bc: (round(bc[0][1] / max(1, H / 8)), bc[0][0]))
        notes.append("labels paired with the gutter model's blocks in reading order")
        return [(lab, box, None, 0.6 * c) for lab, (box, c) in zip(sorted(expected), rows)]
    leaves = [b for b in xy_cut(mask, (0, 0, W, H)) if (b[2] - b[0]) * (b[3] - b[1]) >= 0.02 * W * H]
    if len(leaves) == len(expected):
        rows = sorted(leaves, key=lambda b: (round(b[1] / max(1, H / 8)), b[0]))
        notes.append("labels paired with gutter blocks in reading order")
        return [(lab, box, None, 0.6) for lab, box in zip(sorted(expected), rows)]
    notes.append("figure kept whole: labels not legible and gutters do not give one block per label")
    return [("0", (0, 0, W, H), None, 0.3)]


@dataclass(frozen=True)
class _MasterView:
    """Where a master image lies before it is classified: its box (above any databar), the region
    with the databar (``whole``, offset ``ox``, ``oy``), the text read there, its crop and numbers."""

    box: Box
    whole: np.ndarray
    inside: list
    ox: int
    oy: int
    databar: Databar | None
    crop: np.ndarray
    numbers: int


def _master_view(image, mask, box, text_boxes: list[TextBox], region: Box | None = None) -> _MasterView:
    # The databar is looked for in the whole region: trimming to ink may have cut it (or, under an
    # empty dark frame, kept only it).
    ox, oy, rx1, ry1 = region or box
    whole = image[oy:ry1, ox:rx1]  # with the databar: its bar and fields are read from here
    inside = [_shift(tb, ox, oy) for tb in text_boxes if _within(tb.box, (ox, oy, rx1, ry1))]
    databar = find_databar(to_gray(whole), inside)
    if databar is not None:
        # The strip is the instrument's, not the specimen's: the master (its class, thumbnail and
        # embedding) stops above it; the strip's box is kept in figure pixels.
        above = (ox, oy, rx1, oy + databar.content_box[3])
        box = content_box(mask, above) or above
    else:
        x0, y0, x1, y1 = box
        whole, ox, oy = image[y0:y1, x0:x1], x0, y0
        inside = [_shift(tb, x0, y0) for tb in text_boxes if _within(tb.box, box)]
    x0, y0, x1, y1 = box
    numbers = sum(1 for tb in text_boxes if _within(tb.box, box) and _NUMBER.match(tb.text.strip()))
    return _MasterView(box, whole, inside, ox, oy, databar, image[y0:y1, x0:x1], numbers)


def _master(image, mask, label, view: _MasterView, label_box, subcaptions, metadata: InstrumentScale | None,
            classified: tuple[str, float], ocr: OcrEngine | None = None) -> Master:
    """The master image of ``view``, whose crop was classified as ``classified``: its dependents and scale."""
    box, whole, inside, ox, oy, databar = view.box, view.whole, view.inside, view.ox, view.oy, view.databar
    image_class, confidence = classified
    dependents = _dependents(image, mask, box, label_box)
    if len(dependents) >= 2:
        image_class, confidence = "parent", 0.7
    scale = resolved = None
    if image_class in IMAGE_CLASSES or image_class == "parent" or metadata is not None or databar is not None:
        caption_scale: ScaleLabel | None = parse_scale_statement(subcaptions.get(label, ""))
        resolved = image_scale(whole, inside, caption_scale, metadata, ocr)
        scale = resolved.reading
        if scale.bar is not None:
            bx0, by0, bx1, by1 = scale.bar.box
            scale = ScaleReading(replace(scale.bar, box=(bx0 + ox, by0 + oy, bx1 + ox, by1 + oy),
                                         gap=None if scale.bar.gap is None else
                                         tuple(v + (ox if scale.bar.orientation == "horizontal" else oy)
                                               for v in scale.bar.gap)),
                                 scale.label, _offset(scale.label_box, ox, oy), scale.nm_per_px, scale.source,
                                 scale.confidence)
    if databar is not None:
        databar = replace(databar, box=_offset(databar.box, ox, oy), content_box=box,
                          field_boxes=tuple(_offset(b, ox, oy) for b in databar.field_boxes))
    if resolved is not None:
        resolved = replace(resolved, reading=scale, databar=databar)
    return Master(label, box, image_class, confidence, label_box, tuple(dependents), (), scale,
                  databar=databar, resolved=resolved)


def _dependents(image, mask, box, label_box) -> list[Box]:
    """Several separate images under one label (e.g. two micrographs side by side)."""
    x0, y0, x1, y1 = box
    area = (x1 - x0) * (y1 - y0)
    blocks = [b for b in xy_cut(mask, box, min_gap=1) if (b[2] - b[0]) * (b[3] - b[1]) >= 0.08 * area
              and (b[2] - b[0]) >= 24 and (b[3] - b[1]) >= 24]
    if len(blocks) < 2:
        return []
    classes = classify_many([(image[b[1]:b[3], b[0]:b[2]], (), None) for b in blocks])
    images = [b for b, (cls, _) in zip(blocks, classes) if cls in IMAGE_CLASSES]
    return images if len(images) == len(blocks) else []


def _shift(tb: TextBox, dx: int, dy: int) -> TextBox:
    x0, y0, x1, y1 = tb.box
    return TextBox((x0 - dx, y0 - dy, x1 - dx, y1 - dy), tb.text, tb.confidence)


def _offset(box: Box | None, dx: int, dy: int) -> Box | None:
    return None if box is None else (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)
