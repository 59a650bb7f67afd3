"""Regular grids of unlabelled images: each cell is its own master image.

Without printed labels, whether the white space between images separates master images is
the gutter model's call (models/gutter_tree.py).  It reads one gutter at a time, so a grid of
micrographs, maps or plots with thin white gutters (1-6 px, much thinner than the figure's
widest) looks to it like white space inside one image, and the grid is kept as one master.
What marks a grid is not any one gutter but the repetition: gutters that cross the whole
block, cutting it into rows and columns of (nearly) one size, every cell holding an image of
one kind.  White space inside a schematic, a reaction scheme or one plot is rarely that
regular, and the cells of a schematic are not alike (the classes checked below).  The
development data's convention (eval/devset/README.md, "Faceted grids of plots and grids of
images") makes each framed image or plot separated by white space its own master.
"""

from __future__ import annotations

import numpy as np

from figdex.models.layout import content_box

Box = tuple[int, int, int, int]
STRIP = 0.35  # an interval at most this share of the median one is a strip (a title, tick labels)
EQUAL = 1.25  # the main rows (columns) of a grid are this alike in size: largest / smallest
CELLS = 1.5  # and the cells of the whole grid: largest / smallest, per side
KIND = {"microscopy": "image", "diffraction": "image", "photo": "image", "graph": "plot", "illustration": "drawing"}
FILL = 0.6  # each cell's ink spans at least this share of its row and column


def _intervals(mask: np.ndarray, box: Box, axis: int) -> list[tuple[int, int]]:
    """The ink intervals of ``box`` between lines (rows for axis 0) empty across the whole box."""
    x0, y0, x1, y1 = box
    sub = mask[y0:y1, x0:x1]
    full = sub.mean(axis=1 - axis) > 0.005  # as layout.gutters: JPEG specks do not bridge a gutter
    offset = y0 if axis == 0 else x0
    out, start = [], None
    for i, f in enumerate(list(full) + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            out.append((offset + start, offset + i))
            start = None
    return out


def _main_intervals(runs: list[tuple[int, int]]) -> list[tuple[int, int]] | None:
    """Intervals with the thin strips (a row of titles, tick labels, an axis title) joined to the
    neighbour across the narrower gutter; None when the main ones are not of one size."""
    if not runs:
        return None
    sizes = [b - a for a, b in runs]
    big = [i for i, s in enumerate(sizes) if s > STRIP * max(sizes)]
    if not big:
        return None
    groups = {i: [runs[i][0], runs[i][1]] for i in big}
    for i, (a, b) in enumerate(runs):
        if i in groups:
            continue
        before = max((j for j in big if j < i), default=None)
        after = min((j for j in big if j > i), default=None)
        gap_before = a - runs[i - 1][1] if before is not None else None
        gap_after = runs[i + 1][0] - b if after is not None else None
        host = before if gap_after is None or (gap_before is not None and gap_before <= gap_after) else after
        groups[host][0], groups[host][1] = min(groups[host][0], a), max(groups[host][1], b)
    main = [tuple(groups[i]) for i in sorted(groups)]
    core = [runs[i][1] - runs[i][0] for i in big]
    if max(core) > EQUAL * min(core):
        return None
    return main


def grid_cells(mask: np.ndarray, box: Box) -> list[Box] | None:
    """The cells of ``box`` when it is a regular grid (at least two cells), in reading order; else None.

    Rows are found first across the whole box, then columns across each row; every row must have
    the same number of columns (a grid, not a layout of unlike parts)."""
    rows = _main_intervals(_intervals(mask, box, 0))
    if rows is None:
        return None
    x0, _, x1, _ = box
    cells: list[Box] = []
    counts = set()
    for r0, r1 in rows:
        cols = _main_intervals(_intervals(mask, (x0, r0, x1, r1), 1))
        if cols is None:
            return None
        counts.add(len(cols))
        for c0, c1 in cols:
            cell = content_box(mask, (c0, r0, c1, r1))
            if cell is None or (cell[2] - cell[0]) < FILL * (c1 - c0) or (cell[3] - cell[1]) < FILL * (r1 - r0):
                return None
            cells.append(cell)
    if len(counts) != 1 or len(cells) < 2:
        return None
    # The cells of all rows are about one size too (rows of two wide images over rows of three
    # are no grid); outer cells carry the tick labels, so a little more leeway than within a row.
    widths = [c[2] - c[0] for c in cells]
    heights = [c[3] - c[1] for c in cells]
    if max(widths) > CELLS * min(widths) or max(heights) > CELLS * min(heights):
        return None
    return cells


def alike_cells(image: np.ndarray, cells: list[Box], text_boxes) -> bool:
    """Whether the cells hold images of one kind: every one a plot, or every one a micrograph,
    photo or pattern; drawings only in grids of four or more (a row of two or three
    molecules is a scheme's parts, a 4 x 4 grid of diagrams a grid)."""
    from figdex.models.classify import classify_many
    from figdex.models.missing_panels import within
    from figdex.models.ocr import NUMBER_TEXT

    items = []
    for c in cells:
        numbers = sum(1 for tb in text_boxes if within(tb.box, c) and NUMBER_TEXT.match(tb.text.strip()))
        items.append((image[c[1]:c[3], c[0]:c[2]], (), numbers))
    # A micrograph beside its diffraction pattern is two images all the same (and the classifier
    # wavers between the two on dim micrographs): the image classes are one kind here.
    kinds = {KIND.get(cls) for cls, _ in classify_many(items)}
    if len(kinds) != 1 or None in kinds:
        return False
    return kinds != {"drawing"} or len(cells) >= 4


def split_grids(image: np.ndarray, mask: np.ndarray, blocks: list[Box], text_boxes) -> tuple[list[Box], int]:
    """``blocks`` with each one that is a regular grid of alike images replaced by its cells, and
    how many were split."""
    out, split = [], 0
    for box in blocks:
        cells = grid_cells(mask, box)
        if cells is not None and alike_cells(image, cells, text_boxes):
            out.extend(cells)
            split += 1
        else:
            out.append(box)
    return out, split
