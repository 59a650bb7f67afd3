"""The caption steers separation, never to a worse fit than the figure alone (#15, h202), and a caption
that reads a grid of plots by rows (columns) makes each row (column) one master, its plots dependents
(the devset's gold convention).  Synthetic regions, label marks and captions, worded as the captions of
the development sets word them (fresh-2026-12q: ZLB Fig. 2, trait-prediction Fig. 4; fresh-2026-12p:
mphys-report Fig. 5)."""

from __future__ import annotations

import numpy as np

from figdex.models.figure_labels import caption_figure_labels
from figdex.models.ocr import OcrEngine, TextBox
from figdex.models.position_panels import lines_of_grid, lines_read

ZLB = ("Distributions from 500 simulations. First row: intercept terms (should converge to zero). Second and "
       "third rows: lagged inflation and output gap coefficients. Fourth row: lagged interest rate. Fifth and "
       "sixth rows: coefficients on output gap and inflation shocks.")


def test_captions_that_head_their_parts_with_rows_or_columns():
    assert lines_read(ZLB) == (0, 6)
    assert lines_read("Maps of the field. Top row: the model; bottom row: the data.") == (0, 0)
    assert lines_read("Sections (left column) and profiles (right column).") == (1, 0)
    # Rows only described name the plots in them (fresh-2026-12n: artigo2 Fig. 14, SPI Fig. 2, Autocal Fig. 6).
    assert lines_read("The top row displays the x, y and z axes. The bottom row presents the angles.") is None
    assert lines_read("Each row represents a query against its support.") is None
    assert lines_read("Degradation over time. From top to bottom: channel 94, 131 and 171.") is None
    # Corners, or rows and columns together, name cells (polychronies Fig. 2); one heading names no grid.
    assert lines_read("A step (top left) and noise (top right); trials (middle row); rates (lower row).") is None
    assert lines_read("Top row: maps. Left column: the model.") is None
    assert lines_read("First row: the only one named.") is None
    assert lines_read("A single plot of the fit.") is None


def _grid(rows: int, cols: int, w: int = 250, h: int = 60, gap: int = 30) -> list:
    return [("0", (70 + c * (w + 10), 46 + r * (h + gap), 70 + c * (w + 10) + w, 46 + r * (h + gap) + h), None, 0.7)
            for r in range(rows) for c in range(cols)]


def test_a_grid_read_by_rows_is_one_master_per_row_with_its_plots_as_dependents():
    notes: list[str] = []
    regions, cells = lines_of_grid(ZLB, _grid(6, 3), notes)
    assert len(regions) == 6 and all(r[0] == "0" for r in regions)
    assert [len(cells[r[1]]) for r in regions] == [3, 3, 3, 3, 3, 3]
    first = regions[0][1]
    # The row spans its three plots and reaches down to the next row (its tick labels lie there).
    assert first == (70, 46, 70 + 2 * 260 + 250, 46 + 90 - 1)
    assert cells[first] == tuple(r[1] for r in _grid(1, 3))
    assert regions[-1][1][3] == 46 + 5 * 90 + 60 + 30  # the last reaches as far as the others
    assert "rows" in notes[-1]


def test_a_grid_read_by_columns_is_one_master_per_column():
    regions, cells = lines_of_grid("Left column: the model. Right column: the data.", _grid(3, 2), [])
    assert len(regions) == 2 and [len(cells[r[1]]) for r in regions] == [3, 3]


def test_no_lines_where_the_caption_or_the_regions_do_not_read_so():
    grid = _grid(6, 3)
    assert lines_of_grid("A grid of histograms.", grid, []) == (grid, {})
    # More rows named than the grid has; labelled panels; too few regions.
    assert lines_of_grid(ZLB, _grid(4, 3), []) == (_grid(4, 3), {})
    labelled = [("a", *grid[0][1:])] + grid[1:]
    assert lines_of_grid(ZLB, labelled, []) == (labelled, {})
    assert lines_of_grid("Top row: x. Bottom row: y.", grid[:3], []) == (grid[:3], {})
    # One plot per row: a column of panels the caption lists from top to bottom stays as it is.
    column = [("0", (10, 10 + 100 * i, 300, 90 + 100 * i), None, 0.7) for i in range(4)]
    assert lines_of_grid("Top row: w. Second row: x. Third row: y. Bottom row: z.", column, []) == (column, {})


class _Marks(OcrEngine):
    """An engine that has read only the given single-letter lines (no glyph is recognised alone)."""

    name = "marks"

    def __init__(self, marks):
        self.marks = [TextBox(box, text, conf) for text, box, conf in marks]

    def read(self, image):
        return list(self.marks)

    def recognise(self, image):
        return None


# trait-prediction Fig. 4 (fresh-2026-12q), as the label finder read it: the printed panel labels "A", "B"
# at the top and "C" at the left margin, and the quadrant letters "a", "b", "C", "d" inside panel A's
# conceptual framework, which the caption names "(a, true positive; d, true negative)".
TRAIT = [("A", (102, 7, 120, 28), 1.0), ("B", (1131, 7, 1146, 28), 1.0), ("C", (9, 935, 27, 956), 0.98),
         ("a", (233, 151, 247, 168), 0.97), ("b", (670, 146, 683, 167), 0.97), ("C", (233, 512, 245, 527), 0.9),
         ("d", (669, 506, 682, 527), 0.97)]
TRAIT_SAID = ("Conceptual framework contrasting concordant samples with discordant samples. The concordant quadrants "
              "(a, true positive; d, true negative) give the state, whereas the discordant quadrants (b, false "
              "negative; c, false positive) list possible causes. Stacked bar plots. Feature importance.")


def _labels(marks, split, said):
    ocr = _Marks(marks)
    image = np.full((1619, 1956, 3), 255, np.uint8)
    image[1500:1516, 1500:1512] = 0  # one glyph-sized mark: the finder looks at read lines only beside glyphs
    image[1503:1513, 1503:1509] = 255
    notes: list[str] = []
    labels, expected = caption_figure_labels(image, ocr, split, said, ocr.read(image), notes)
    return {lab.label: lab.box for lab in labels}, expected, notes


def test_letters_named_elsewhere_never_displace_the_splits_own_labels():
    found, expected, notes = _labels(TRAIT, ["a", "b", "c"], TRAIT_SAID)
    # Looking for "d" too made the lower-case quadrant letters outnumber the printed capitals.
    assert found == {"a": (102, 7, 120, 28), "b": (1131, 7, 1146, 28), "c": (9, 935, 27, 956)}
    assert expected == ["a", "b", "c"] and "split's set" in notes[-1]


def test_letters_named_elsewhere_that_only_add_labels_are_kept():
    # "(A) ... (B) ... (C) ... as in D": the widened set finds D beside the others, which stay where they were.
    marks = [("A", (10, 10, 28, 31), 1.0), ("B", (510, 10, 528, 31), 1.0), ("C", (10, 510, 28, 531), 1.0),
             ("D", (510, 510, 528, 531), 1.0)]
    found, expected, _ = _labels(marks, ["a", "b", "c"], "Maps. Profiles. Spectra, as in panel D.")
    assert sorted(found) == ["a", "b", "c", "d"] and expected == ["a", "b", "c", "d"]
