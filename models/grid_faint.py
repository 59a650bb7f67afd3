"""Facet grids the ink mask cannot see: light grey panels found on the faint mask (h199)."""

from __future__ import annotations

import numpy as np

from figdex.models.grid_panels import Box, aligned_cells, grid_cells

# Facet grids drawn in light grey (h199, fresh-2026-12o: ggplot's theme_minimal, COVID-incidence Figs. 7
# and 9, 54 and 90 facets): each panel's grid lines (235-245 grey) are under the ink mask's 24 levels,
# so the ink mask sees only the sparse points and curves, whose white runs across rows and columns at
# no regular place, and no grid is found.  The faint mask sees each panel whole (its grid), with white
# gutters of 5-11 px between them: the same grid rules, on it, find the facets.  Tried only where the
# ink mask found no grid at all (no cells), so every figure the ink rules cut stays as it was.
MANY_FAINT = 4  # a grid found on the faint mask has at least this many cells


def faint_cells(faint: np.ndarray, box: Box) -> list[Box] | None:
    """The cells of ``box`` found on the faint mask (``grid_cells``, else ``aligned_cells``); None where
    neither finds at least ``MANY_FAINT`` cells."""
    cells = grid_cells(faint, box)
    if cells is None:
        cells = aligned_cells(faint, box)
    return cells if cells is not None and len(cells) >= MANY_FAINT else None


def faint_alike(image: np.ndarray, cells: list[Box], text_boxes) -> bool:
    """Whether a faint-mask grid's cells are alike (``alike_cells``) or, for a grid of at least ``MANY``
    cells, mostly plots: the classifier calls an inner facet, with no tick labels of its own and only a
    few points on a light grid, a drawing (COVID-incidence Fig. 7: 23 of 54, 0.50-0.90), but a grid of
    many cells that only light grey ink shows, most of them plots, is one of plots (no photo or
    micrograph grid is missed by the ink mask, and a schematic's light boxes are not most of them plots)."""
    from figdex.models.classify import classify_many
    from figdex.models.grid_panels import KIND, MANY, alike_cells

    if alike_cells(image, cells, text_boxes):
        return True
    if len(cells) < MANY:
        return False
    found = classify_many([(image[c[1]:c[3], c[0]:c[2]], (), 0) for c in cells])
    kinds = [KIND.get(cls) for cls, _ in found]
    return 2 * kinds.count("plot") > len(kinds) and "image" not in kinds


def faint_grid(image: np.ndarray, mask: np.ndarray, faint: np.ndarray, box: Box, text_boxes) -> list[Box] | None:
    """The cells of a grid of ``box`` found on the faint mask whose cells are alike (``faint_alike``), with
    their faint pixels marked in ``mask`` (in place): the light panels are the plots' ink, so the masters
    are trimmed to them, not to their points (COVID-incidence Fig. 7: 52 of 54 shrank before); else None."""
    cells = faint_cells(faint, box)
    if cells is None or not faint_alike(image, cells, text_boxes):
        return None
    for x0, y0, x1, y1 in cells:
        mask[y0:y1, x0:x1] |= faint[y0:y1, x0:x1]
    return cells


# Facet rows with free scales (h205, fresh-2026-12q: anniecollins reproducibility Figs. 2 and 3, ggplot
# theme_minimal, three facets in one row, each with its own y tick labels): the ink mask finds no grid (the
# bars leave white columns everywhere; the light grid is under its 24 levels) and the faint grid rules ask for
# rows of four or more cells, or join each tick label's digits to whichever panel is nearer, digit by digit.
# On the faint mask each facet's panel is one main column of the row; what stands between two panels is the
# right one's y tick labels (ggplot sets them against their own panel), what stands right of the last
# panel (a legend, facet_grid's row strips) is shared, and the strip just above the panels (the facet
# strips) and just below (the x tick labels) are the facets' own; titles and axis titles farther out are not.
# One row only: grids of several rows are the faint grid rules' (``faint_cells``); a figure of two labelled
# facet grids side by side whose labels were not read (COVID-incidence Fig. 3 of 12o, 3 rows of 3 + 2 facets,
# two parents in the gold) is not cut into its 15 facets by this rule.
def facet_row(faint: np.ndarray, mask: np.ndarray, box: Box) -> list[Box] | None:
    """The facets of ``box`` when it is one row of two or more alike panels on the faint mask, each from
    just past the previous panel to its own panel's right edge, trimmed on ``mask``; None else."""
    from figdex.models.grid_panels import EQUAL, ROWS_EQUAL, STRIP, _intervals, _joined
    from figdex.models.layout import content_box

    rows = _joined(_intervals(faint, box, 0), ROWS_EQUAL)
    if rows is None or len(rows) != 1:
        return None
    x0, _, x1, _ = box
    cells: list[Box] = []
    counts = set()
    for _, core, strips in rows:
        runs = _intervals(faint, (x0, core[0], x1, core[1]), 1)
        sizes = [b - a for a, b in runs]
        big = [i for i, s in enumerate(sizes) if s > STRIP * max(sizes)]
        if len(big) < 2 or max(sizes[i] for i in big) > EQUAL * min(sizes[i] for i in big):
            return None
        above = [s for s in strips if s[1] <= core[0]]
        below = [s for s in strips if s[0] >= core[1]]
        top, bottom = (above[-1][0] if above else core[0]), (below[0][1] if below else core[1])
        counts.add(len(big))
        after = 0
        for i in big:
            cell = content_box(mask, (runs[after][0], top, runs[i][1], bottom))
            if cell is None:
                return None
            cells.append(cell)
            after = i + 1
    return cells if len(counts) == 1 else None
