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

from figdex.models.layout import content_box, faint_mask

Box = tuple[int, int, int, int]
STRIP = 0.35  # an interval at most this share of the median one is a strip (a title, tick labels)
EQUAL = 1.25  # the main columns of a grid's row are this alike in size: largest / smallest
# and its main rows: an image row with its labels under it (no gap between) beside one with a gap
# (OCDFT Fig. 8, h149: 607 / 466 px) is one grid all the same; the cells' CELLS check still holds.
ROWS_EQUAL = 1.35
CELLS = 1.5  # and the cells of the whole grid: largest / smallest, per side
KIND = {"microscopy": "image", "diffraction": "image", "photo": "image", "graph": "plot", "illustration": "drawing"}
PLOT_NUMBERS = 3  # a plot cell holds at least this many numbers (its tick labels), where the figure was read
FILL = 0.6  # each cell's ink spans at least this share of its row and column
MANY = 9  # a grid of at least this many cells (h191) may hold a few cells the classifier calls
ODD = 0.1  # another kind unsurely: at most this share of them (``_main_kind``)
SURE = 0.7  # a framed cell the classifier calls a drawing at least this surely is one


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


def _main_intervals(runs: list[tuple[int, int]], equal: float = EQUAL) -> list[tuple[int, int]] | None:
    """Intervals with the thin strips (a row of titles, tick labels, an axis title) joined to the
    neighbour across the narrower gutter; None when the main ones are not of one size."""
    groups = _joined(runs, equal)
    return None if groups is None else [g[0] for g in groups]


def _joined(runs: list[tuple[int, int]], equal: float = EQUAL) -> list[tuple[tuple[int, int], tuple[int, int], list]] | None:
    """As ``_main_intervals``, each main interval with its core run and the strips joined to it."""
    if not runs:
        return None
    sizes = [b - a for a, b in runs]
    big = [i for i, s in enumerate(sizes) if s > STRIP * max(sizes)]
    if not big:
        return None
    groups = {i: [runs[i][0], runs[i][1]] for i in big}
    strips: dict[int, list] = {i: [] for i in big}
    for i, (a, b) in enumerate(runs):
        if i in groups:
            continue
        before = max((j for j in big if j < i), default=None)
        after = min((j for j in big if j > i), default=None)
        gap_before = a - runs[i - 1][1] if before is not None else None
        gap_after = runs[i + 1][0] - b if after is not None else None
        host = before if gap_after is None or (gap_before is not None and gap_before <= gap_after) else after
        groups[host][0], groups[host][1] = min(groups[host][0], a), max(groups[host][1], b)
        strips[host].append((a, b))
    core = [runs[i][1] - runs[i][0] for i in big]
    if max(core) > equal * min(core):
        return None
    return [(tuple(groups[i]), runs[i], strips[i]) for i in sorted(groups)]


def _row_columns(mask: np.ndarray, x0: int, x1: int, core: tuple[int, int],
                 strips: list) -> tuple[list[tuple[int, int]], int, int] | None:
    """A row's columns, found across its core run, and the vertical span its cells take: the core
    and the strips whose ink keeps to the columns (each image's own label or tick numbers under it).
    A strip whose ink crosses a gutter is a title over the whole row (OCDFT Fig. 8's 'Diffuse
    Orbitals', h149): it would bridge the gutters, so it neither joins the columns nor any cell."""
    cols = _main_intervals(_intervals(mask, (x0, core[0], x1, core[1]), 1))
    if cols is None:
        return None
    top, bottom = core
    for a, b in strips:
        runs = _intervals(mask, (x0, a, x1, b), 1)
        if all(any(c0 <= r0 and r1 <= c1 for c0, c1 in cols) for r0, r1 in runs):
            top, bottom = min(top, a), max(bottom, b)
    return cols, top, bottom


def grid_cells(mask: np.ndarray, box: Box) -> list[Box] | None:
    """The cells of ``box`` when it is a regular grid (at least two cells), in reading order; else None.

    Rows are found first across the whole box, then columns across each row; every row must have
    the same number of columns (a grid, not a layout of unlike parts)."""
    rows = _joined(_intervals(mask, box, 0), ROWS_EQUAL)
    if rows is None:
        return None
    x0, _, x1, _ = box
    cells: list[Box] = []
    counts = set()
    for _, core, strips in rows:
        found = _row_columns(mask, x0, x1, core, strips)
        if found is None:
            return None
        cols, r0, r1 = found
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


# Facet grids (h168, fresh-2026-12l): ggplot/seaborn small multiples.  Their columns are often of
# unlike widths (facet_grid with free scales: Wirecuts Fig. 8's 531, 355, 862 and 400 px; a legend
# beside the last column) and the plots inside them have white between their boxes or bars, so no
# column of a row is "main" and the rule above finds no grid.  What marks them is that the same
# gutters cross every row: white columns empty in all rows, the widest of them the gutters.
GUTTER = 0.6  # a white column empty in every row is a gutter when at least this share of the widest
MIN_GUTTER = 8  # px: the widest must be at least this (white between the bars of one plot is thinner)


def aligned_cells(mask: np.ndarray, box: Box, faint: np.ndarray | None = None) -> list[Box] | None:
    """The cells of ``box`` when two or more rows are cut by the same wide gutters into two or more
    columns (of any widths), each gutter edged by ink on both sides in every row (``_edged``; by
    ``faint`` ink where given, ``faint_mask``); a last row may leave its last cells empty (19 plots
    in rows of five).  None else."""
    rows = _joined(_intervals(mask, box, 0), ROWS_EQUAL)
    if rows is None or len(rows) < 2:
        return None
    x0, _, x1, _ = box
    empty = np.ones(x1 - x0, dtype=bool)
    for _, core, _ in rows:
        empty &= mask[core[0]:core[1], x0:x1].mean(axis=0) <= 0.005  # as _intervals
    inked = np.flatnonzero(~empty)
    if inked.size == 0:
        return None
    gaps, start = [], None
    for i in range(int(inked[0]), int(inked[-1]) + 2):
        if i <= inked[-1] and empty[i]:
            start = i if start is None else start
        elif start is not None:
            gaps.append((start, i))
            start = None
    widest = max((b - a for a, b in gaps), default=0)
    if widest < MIN_GUTTER:
        return None
    cuts = [g for g in gaps if g[1] - g[0] >= GUTTER * widest]
    edges = [int(inked[0])] + [e for g in cuts for e in g] + [int(inked[-1]) + 1]
    runs = [(x0 + edges[i], x0 + edges[i + 1]) for i in range(0, len(edges), 2)]
    joined = _joined(runs, float("inf"))  # a y-axis title or legend column joins its plot column
    if joined is None or len(joined) < 2:
        return None
    cols = [g[0] for g in joined]
    gutters = [(x0 + a, x0 + b) for a, b in cuts if any(a0 <= x0 + a and x0 + b <= b0 for a0, b0 in _spans(cols))]
    cells: list[Box] = []
    for ri, (_, core, strips) in enumerate(rows):
        top, bottom = core
        for a, b in strips:  # as _row_columns: strips that keep to the columns (titles, tick labels)
            inside = _intervals(mask, (x0, a, x1, b), 1)
            if all(any(c0 <= r0 and r1 <= c1 for c0, c1 in cols) for r0, r1 in inside):
                top, bottom = min(top, a), max(bottom, b)
        row: list[Box | None] = []
        for c0, c1 in cols:
            cell = content_box(mask, (c0, top, c1, bottom))
            filled = cell is not None and (cell[2] - cell[0]) >= FILL * (c1 - c0) and \
                (cell[3] - cell[1]) >= FILL * (bottom - top)
            row.append(cell if filled else None)
        n = len(row) if ri < len(rows) - 1 else max((i + 1 for i, c in enumerate(row) if c), default=0)
        if None in row[:n] or not _edged(mask, core, x0, x1, [g for g in gutters if g[1] <= cols[n - 1][1]] if n else [],
                                         faint):
            return None  # an empty slot inside a row, or a gutter that is white inside an image of this row
        cells.extend(row[:n])
    return cells if len(cells) >= 4 else None


def _spans(cols: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The white spans between neighbouring columns."""
    return [(cols[i][1], cols[i + 1][0]) for i in range(len(cols) - 1)]


EDGE = 0.25  # a row's white around a gutter runs past it by at most this share of its width (at least EDGE_MIN px)
EDGE_MIN = 4


def _edged(mask: np.ndarray, core: tuple[int, int], x0: int, x1: int, gutters: list[tuple[int, int]],
           faint: np.ndarray | None = None) -> bool:
    """Whether in this row each gutter has ink at its edges on both sides (h174): the white of a row
    around a true gutter is the gutter, where white inside a plot (between sparse points, beside
    ragged category labels, around two centred plots under a row of three) that happens to line up
    with the white of other rows runs far past it.  A side with no ink at all in this row (a y-axis
    title that only one row has) asks nothing.  Where the ink stops short, ``faint`` ink (h191: a heat
    map fading to near-white) may edge it, where the gutter is paper in the faint mask too: a ggplot
    panel's light grey is faint ink everywhere, so white lined up between its points is never edged."""
    if _sides_edged(mask, core, x0, x1, gutters, paper=False):
        return True
    return faint is not None and _sides_edged(faint, core, x0, x1, gutters, paper=True)


def _sides_edged(mask: np.ndarray, core: tuple[int, int], x0: int, x1: int, gutters: list[tuple[int, int]],
                 paper: bool) -> bool:
    """``_edged`` on one mask; with ``paper``, each gutter must also be empty in it."""
    empty = mask[core[0]:core[1], x0:x1].mean(axis=0) <= 0.005
    inked = np.flatnonzero(~empty)
    if inked.size == 0:
        return False
    for a, b in gutters:
        a, b = a - x0, b - x0
        if paper and not empty[a:b].all():
            return False
        tol = max(EDGE_MIN, EDGE * (b - a))
        left = inked[inked < a]
        right = inked[inked >= b]
        if left.size and a - (int(left[-1]) + 1) > tol:
            return False
        if right.size and int(right[0]) - b > tol:
            return False
    return True


def alike_cells(image: np.ndarray, cells: list[Box], text_boxes) -> bool:
    """Whether the cells hold images of one kind: every one a plot, or every one a micrograph,
    photo or pattern; drawings only in grids of four or more (a row of two or three
    molecules is a scheme's parts, a 4 x 4 grid of diagrams a grid)."""
    from figdex.models.classify import classify_many

    items = _items(image, cells, text_boxes)
    # A micrograph beside its diffraction pattern is two images all the same (and the classifier
    # wavers between the two on dim micrographs): the image classes are one kind here.
    found = classify_many(items)
    kinds = {KIND.get(cls) for cls, _ in found}
    if len(kinds) > 1 and len(cells) >= MANY:
        kinds = _main_kind(found)
    if len(kinds) != 1 or None in kinds:
        return False
    # Plots read their values off tick numbers: cells that hold few numbers are parts of a scheme the
    # classifier took for plots (network drawings of nodes and edges: h143, fresh-2026-12j LIBS Fig. 4).
    # Two or three cells are little repetition to go on; larger grids share tick numbers on outer cells.
    if kinds == {"plot"} and text_boxes and len(cells) < 4 and min(n for _, _, n in items) < PLOT_NUMBERS:
        return False
    return kinds != {"drawing"} or len(cells) >= 4


def _items(image: np.ndarray, cells: list[Box], text_boxes) -> list:
    """Each cell's crop, for the classifier, with the numbers read inside it (its tick labels)."""
    from figdex.models.missing_panels import within
    from figdex.models.ocr import NUMBER_TEXT

    return [(image[c[1]:c[3], c[0]:c[2]], (), sum(1 for tb in text_boxes if within(tb.box, c) and
                                                  NUMBER_TEXT.match(tb.text.strip()))) for c in cells]


def numbered_plots(image: np.ndarray, cells: list[Box], text_boxes) -> bool:
    """Whether every cell is called a plot once the classifier is told the numbers read in it (h205,
    fresh-2026-12q AntonioAPDL Fig. 2: a 3 x 3 facet grid of framed heat-map tables, three of them called
    drawings at 0.73-0.96 without their numbers, plots with them); at least PLOT_NUMBERS numbers each."""
    from figdex.models.classify import classify_many

    items = _items(image, cells, text_boxes)
    if not text_boxes or min(n for _, _, n in items) < PLOT_NUMBERS:
        return False
    return all(KIND.get(cls) == "plot" for cls, _ in classify_many(items))


def _main_kind(found: list[tuple[str, float]]) -> set:
    """The kind of a large grid's cells where a few (at most ``ODD`` of them) are called another kind,
    each unsurely (h191, fresh-2026-12n SpikeAI Fig. 9: 70 kernel images called drawings, 2 called plots
    at 0.52 and 0.54): those few do not undo the repetition.  Else the kinds as found."""
    kinds = [KIND.get(cls) for cls, _ in found]
    main = max(set(kinds), key=kinds.count)
    odd = [conf for (_, conf), k in zip(found, kinds) if k != main]
    return {main} if len(odd) <= ODD * len(found) and all(conf < SURE for conf in odd) else set(kinds)


def framed_plots(image: np.ndarray, cells: list[Box]) -> bool:
    """Whether the cells of alike frames hold plots or images: the frames are the axes, so no tick
    numbers are asked for (exponents such as 10^-1 do not read as numbers), and one cell the
    classifier is unsure of (a sparse scatter plot it calls a drawing at 0.53) does not undo the layout;
    a cell it surely calls a drawing (a flow chart's boxes) does."""
    from figdex.models.classify import classify_many

    found = classify_many([(image[c[1]:c[3], c[0]:c[2]], (), 0) for c in cells])
    if any(KIND.get(cls) == "drawing" and conf >= SURE for cls, conf in found):
        return False
    kinds = {KIND.get(cls) for cls, conf in found if not (KIND.get(cls) == "drawing" and conf < SURE)}
    return len(kinds) == 1 and None not in kinds and 2 * sum(KIND.get(c) != "drawing" for c, _ in found) > len(found)


def split_grids(image: np.ndarray, mask: np.ndarray, blocks: list[Box], text_boxes) -> tuple[list[Box], int]:
    """``blocks`` with each one that is a regular grid of alike images replaced by its cells, and
    how many were split; a grid found only on the faint mask marks ``mask`` (``grid_faint``)."""
    out, split = [], 0
    faint = None
    for box in blocks:
        cells = _finer(mask, grid_cells(mask, box))
        alike = cells is not None and alike_cells(image, cells, text_boxes)
        if cells is None:  # only where no regular grid was found: a grid whose cells are not alike
            faint = faint_mask(image) if faint is None else faint
            cells = _finer(mask, aligned_cells(mask, box, faint))  # is no facet grid either (hbn-pod2 Fig. 8)
            alike = cells is not None and alike_cells(image, cells, text_boxes)
        seen = cells is not None  # the ink mask found a grid (alike or not)
        if not alike and box == (0, 0, mask.shape[1], mask.shape[0]):
            cells = frame_cells(mask)
            alike = cells is not None and (framed_plots(image, cells) or numbered_plots(image, cells, text_boxes))
        if not alike and not seen and cells is None:  # h199: light grey facets the ink mask does not see
            from figdex.models.grid_faint import facet_row, faint_grid

            cells = faint_grid(image, mask, faint, box, text_boxes)
            alike = cells is not None
            if not alike:  # h205: rows of facets with free scales, each panel with its own tick labels
                cells = facet_row(faint, mask, box)
                alike = cells is not None and alike_cells(image, cells, text_boxes)
        if alike:
            out.extend(cells)
            split += 1
        else:
            out.append(box)
    return out, split


def _finer(mask: np.ndarray, cells: list[Box] | None) -> list[Box] | None:
    """A grid's cells, each cut into the small framed plots it holds where its frames say so (h205,
    ``frames_within``)."""
    return cells and (frames_within(mask, cells) or cells)


# The frame rule (framed plots stacked or gridded) lives in grid_frames; imported here, after the names it reads.
from figdex.models.grid_frames import frame_cells, frames, frames_within  # noqa: E402,F401
