"""Grids of many small unlabelled images and plots (#15, h191, models/grid_panels.py): the cells of
a grid are masters even where an image's colours fade to near-white at its border, or where the
classifier calls a few of many cells another kind unsurely; single plots stay whole."""

from __future__ import annotations

import numpy as np

from figdex.models import grid_panels
from figdex.models.grid_panels import aligned_cells, faint_mask
from figdex.models.layout import ink_mask


def _kernel_grid(rows: int = 3, cols: int = 4, size: int = 100, gap: int = 18) -> np.ndarray:
    """White paper with rows x cols heat maps, each with its own pattern of dark squares (so no white
    line runs through all rows inside a map) and, in some rows, a border of near-white cells (234-245)
    that the ink mask (24 levels) does not see: the ink stops 12-24 px short of the gutter there."""
    H = rows * size + (rows + 1) * gap
    W = cols * size + (cols + 1) * gap
    img = np.full((H, W, 3), 255, np.uint8)
    rng = np.random.default_rng(7)
    for r in range(rows):
        for c in range(cols):
            y, x = gap + r * (size + gap), gap + c * (size + gap)
            img[y:y + size, x:x + size] = 238  # the faint field of the map
            for _ in range(60):
                dy, dx = rng.integers(0, size - 10, 2)
                img[y + dy:y + dy + 10, x + dx:x + dx + 10] = (200, 80, 60)
            # Every map is inked to its edges except a faint border on one side in some rows.
            img[y:y + size, x:x + 3] = (190, 190, 190)
            img[y:y + size, x + size - 3:x + size] = (190, 190, 190)
            if (r + c) % 3 == 0:
                img[y:y + size, x:x + 14] = 240  # the left border fades: 14 px of near-white
            if (r + 2 * c) % 4 == 1:
                img[y:y + size, x + size - 22:x + size] = 245  # the right border fades: 22 px
    return img


def test_heat_maps_fading_to_near_white_at_their_borders_are_still_a_grid():
    """SpikeAI Fig. 9 of fresh-2026-12n (72 kernels, 18-20 px gutters): in some rows a kernel's ink
    stops 12-23 px short of the gutter, so h174's edge check (4.5 px) read the gutter as white
    inside a plot and no grid was found; the faint ink edges it."""
    img = _kernel_grid()
    mask = ink_mask(img)
    box = (0, 0, img.shape[1], img.shape[0])
    assert aligned_cells(mask, box) is None  # the ink mask alone: the gutters look unedged
    cells = aligned_cells(mask, box, faint_mask(img))
    assert cells is not None and len(cells) == 12
    for i, (x0, y0, x1, y1) in enumerate(cells):
        r, c = divmod(i, 4)
        assert abs(y0 - (18 + r * 118)) <= 2 and abs(x0 - (18 + c * 118)) <= 30


def test_a_grey_panel_plot_whose_white_lines_up_is_not_cut_by_its_faint_ink():
    """A ggplot panel on light grey (235: faint ink, not ink): white between sparse dark points lines
    up in rows and columns on the ink mask, but the gutters are grey in the faint mask, so they are
    not paper and the faint edges do not count: one plot, no grid."""
    img = np.full((460, 620, 3), 255, np.uint8)
    img[10:450, 10:610] = 235  # the grey panel
    img[20:210, 30:290] = (40, 40, 40)  # upper band: points up to the white (grey) column 290-310
    img[20:210, 310:590] = (40, 40, 40)
    img[240:430, 30:290] = (40, 40, 40)  # lower band: its right points start 80 px past it
    img[240:430, 390:590] = (40, 40, 40)
    mask = ink_mask(img)
    box = (0, 0, img.shape[1], img.shape[0])
    assert aligned_cells(mask, box) is None
    assert aligned_cells(mask, box, faint_mask(img)) is None
    paper = img.copy()  # the same on white paper with the lower right image fading: a grid
    paper[(paper == 235).all(axis=2)] = 255
    paper[240:430, 310:390] = 240
    assert aligned_cells(ink_mask(paper), box, faint_mask(paper)) is not None


def _alike(monkeypatch, found):
    import figdex.models.classify as classify

    monkeypatch.setattr(classify, "classify_many", lambda items: found[:len(items)])
    cells = [(i * 10, 0, i * 10 + 8, 8) for i in range(len(found))]
    return grid_panels.alike_cells(np.zeros((8, 10 * len(found), 3), np.uint8), cells, [])


def test_a_few_unsure_odd_cells_do_not_undo_a_large_grid(monkeypatch):
    """70 kernels called drawings and 2 called plots at 0.52 and 0.54 (SpikeAI Fig. 9) are one grid;
    an odd cell called surely, more than a tenth odd, or a small grid with one odd cell are not."""
    many = [("illustration", 0.9)] * 70 + [("graph", 0.52), ("graph", 0.54)]
    assert _alike(monkeypatch, many)
    assert not _alike(monkeypatch, [("illustration", 0.9)] * 70 + [("graph", 0.52), ("graph", 0.8)])
    assert not _alike(monkeypatch, [("illustration", 0.9)] * 14 + [("graph", 0.52)] * 2)
    assert not _alike(monkeypatch, [("microscopy", 0.9)] * 7 + [("graph", 0.52)])


def test_a_crop_classified_twice_is_embedded_once():
    """The grid's cells are classified for ``alike_cells`` and again as masters: the Lite0 vectors are
    computed once per crop (h191: SpikeAI Fig. 9 from 17 s to 5 s), and the classes are the same."""
    from figdex.models.image_classifier import LearnedClassifier

    calls = []

    class Fake:
        def embed(self, crops):
            calls.append(len(crops))
            return np.stack([np.full(4, float(c.mean()), np.float32) for c in crops])

    weights = np.vstack([np.eye(4, 2), np.zeros((1, 2))])
    model = LearnedClassifier(("graph", "photo"), ("lite0",), weights, {}, embedder=Fake())
    crops = [np.full((9, 9, 3), v, np.uint8) for v in (10, 200, 10)]
    first = model.predict(crops)
    again = model.predict(crops[::-1])
    assert calls == [2]  # the two distinct crops, once
    assert np.allclose(first, again[::-1])
