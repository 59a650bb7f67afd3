"""Regular grids of unlabelled images (#15, h126, models/grid_panels.py): the cells of a grid whose
thin gutters the gutter model read as white space inside one image are masters all the same."""

from __future__ import annotations

import json

import numpy as np
import pytest

from figdex.models.grid_panels import grid_cells
from tests.conftest import REPO

DEVSET = REPO / "eval" / "devset"


def _record(fig_id: str) -> dict:
    data = json.loads((DEVSET / "separation_dev.json").read_text(encoding="utf-8"))
    return next(f for f in data["figures"] if f["id"] == fig_id)


def _iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix / float((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix)


def test_a_grid_with_thin_gutters_and_titles_is_cut_into_its_cells():
    mask = np.zeros((620, 930), bool)
    for top in (0, 320):
        mask[top:top + 14, 100:200] = True  # a title over the row, a strip joined to the row
        for left in (0, 310, 620):
            mask[top + 20:top + 300, left:left + 300] = True  # 10 px gutters
    cells = grid_cells(mask, (0, 0, 930, 620))
    assert cells is not None and len(cells) == 6
    assert cells[0] == (0, 0, 300, 300) and cells[4] == (310, 340, 610, 620)


def test_unlike_parts_and_one_plot_with_its_tick_labels_are_no_grid():
    mask = np.zeros((400, 900), bool)
    mask[50:350, 0:200] = True  # a scheme: a small part, a gutter, a part twice as wide
    mask[50:350, 260:860] = True
    assert grid_cells(mask, (0, 0, 900, 400)) is None
    plot = np.zeros((400, 500), bool)
    plot[20:360, 60:480] = True  # the plot's frame and content
    plot[375:390, 60:480] = True  # its tick numbers, a strip below a 15 px gutter
    plot[100:120, 0:40] = True  # its axis title, a strip left of a 20 px gutter
    assert grid_cells(plot, (0, 0, 500, 400)) is None
    rows = np.zeros((600, 600), bool)  # two wide images over a row of three: no grid
    rows[0:280, 0:290], rows[0:280, 310:600] = True, True
    rows[300:600, 0:190], rows[300:600, 205:395], rows[300:600, 410:600] = True, True, True
    assert grid_cells(rows, (0, 0, 600, 600)) is None


def test_the_micrograph_grid_of_segtrack_fig_2_is_its_eight_masters():
    """An open figure (CC-BY): 2 x 4 micrographs with 8 px gutters and row titles at the left; the
    classifier calls some of them diffraction patterns, which are images all the same."""
    from figdex.models.grid_panels import alike_cells
    from figdex.models.layout import clear_rule_lines, ink_mask
    from figdex.models.ocr import load_rgb

    rec = _record("10.69761/HDTA8338#cEwjf0su9Q")
    image = load_rgb(DEVSET / "open" / rec["file"])
    mask, painted = clear_rule_lines(image, ink_mask(image))
    cells = grid_cells(mask, (0, 0, image.shape[1], image.shape[0]))
    assert cells is not None and len(cells) == len(rec["masters"]) == 8
    for gold in (m["box"] for m in rec["masters"]):
        assert max(_iou(c, gold) for c in cells) >= 0.8, gold
    assert alike_cells(painted, cells, [])


def test_the_peak_grid_of_operando_fig_s22_is_separated_alone():
    """A 2 x 3 grid of plots without labels that the gutter model read as 4 blocks (3 of 6 masters
    matched before the rule, 6 of 6 after, alone and with the caption).  Restored, not committed."""
    from figdex.models.separation import separate

    rec = _record("canismarko/operando-secondary-particle-kinetics#Figure S22")
    path = DEVSET / "restored" / rec["file"]
    if not path.exists():
        pytest.skip(f"{rec['file']} is not committed: run eval/devset/restore.py to restore it")
    from figdex.models.ocr import load_rgb

    result = separate(load_rgb(path), None)
    assert len(result.masters) == 6
    for gold in (m["box"] for m in rec["masters"]):
        assert max(_iou(m.box, gold) for m in result.masters) >= 0.5, gold


def test_stacked_frames_apart_are_cells_and_abutting_or_nested_frames_are_not():
    """Framed plots (h143): the frames, not whole-width gutters, mark the cells; frames sharing an
    edge (one faceted plot) or a legend framed inside a plot are no layout of plots."""
    from figdex.models.grid_frames import frame_cells, frames

    def frame(mask, x0, y0, x1, y1):
        mask[y0, x0:x1] = mask[y1 - 1, x0:x1] = True
        mask[y0:y1, x0] = mask[y0:y1, x1 - 1] = True

    mask = np.zeros((700, 500), bool)
    mask[330:520, 5:15] = True  # a shared y-axis title across the gutter between the two plots
    for top in (20, 360):
        mask[top - 15:top - 5, 200:300] = True  # a title over each plot
        frame(mask, 60, top, 480, top + 300)
        mask[top + 100:top + 102, 60:480] = True  # a gridline: a nested frame, not a plot
    mask[665:680, 80:460] = True  # the shared x tick numbers under the last plot
    assert frames(mask) == [(60, 20, 480, 320), (60, 360, 480, 660)]
    cells = frame_cells(mask)
    assert cells == [(60, 5, 480, 320), (5, 330, 480, 680)]  # the y-axis title goes to the lower plot
    abut = np.zeros((700, 500), bool)
    frame(abut, 60, 20, 480, 341)
    frame(abut, 60, 340, 480, 660)
    assert frame_cells(abut) is None
    legend = np.zeros((700, 500), bool)
    frame(legend, 60, 20, 480, 660)
    frame(legend, 300, 40, 460, 200)
    assert frame_cells(legend) is None


@pytest.mark.parametrize("fig", ["Figure 7", "Figure 8"])
def test_the_stacked_scatter_plots_of_stip_are_their_four_masters(fig):
    """fresh-2026-12j (tuning data of h143), restored: four framed plots stacked under titles with one
    y-axis title across them; no row is empty across the figure (the title crosses the gutters, sparse
    scatter rows read as empty), so the grid rule of h126 found no grid and the figure was one master."""
    from figdex.models.grid_panels import frame_cells, framed_plots
    from figdex.models.layout import clear_rule_lines, ink_mask
    from figdex.models.ocr import load_rgb

    rec = _record(f"spencerw/stip_planetesimal_paper#{fig}")
    path = DEVSET / "restored" / rec["file"]
    if not path.exists():
        pytest.skip(f"{rec['file']} is not committed: run eval/devset/restore.py to restore it")
    image = load_rgb(path)
    mask, painted = clear_rule_lines(image, ink_mask(image))
    assert grid_cells(mask, (0, 0, image.shape[1], image.shape[0])) is None
    cells = frame_cells(mask)
    assert cells is not None and len(cells) == len(rec["masters"]) == 4
    for gold in (m["box"] for m in rec["masters"]):
        assert max(_iou(c, gold) for c in cells) >= 0.7, gold
    assert framed_plots(painted, cells)


def test_a_title_across_a_row_neither_bridges_its_gutters_nor_joins_its_cells():
    """h149: a title strip over a row whose ink crosses the gutters is left out of the columns and the
    cells; each image's own label under it (ink within its column) stays in its cell.  The lower row
    runs into its labels (no gap), 1.3 x the upper row's core: still one grid."""
    mask = np.zeros((700, 960), bool)
    mask[0:20, 200:760] = True  # 'Anti-Bonding Orbitals' across the top row's gutters
    for left in (0, 330, 660):
        mask[40:270, left:left + 300] = True  # the top row's images
        mask[285:300, left + 100:left + 200] = True  # each one's label, under a gutter of its own
        mask[390:690, left:left + 300] = True  # the bottom row: images and labels without a gap
    mask[320:340, 200:760] = True  # 'Diffuse Orbitals' between the rows, joined to the top row
    cells = grid_cells(mask, (0, 0, 960, 700))
    assert cells == [(0, 40, 300, 300), (330, 40, 630, 300), (660, 40, 960, 300),
                     (0, 390, 300, 690), (330, 390, 630, 690), (660, 390, 960, 690)]


def test_the_orbital_grid_of_ocdft_fig_8_is_its_six_masters():
    """fresh-2026-12j (tuning data of h149), restored: a 2 x 3 grid of orbital renderings on a
    transparent background with a title over each row that crosses the gutters; the columns were
    found across the titles, so no grid was found (4 of 6 masters matched, 6 of 6 with the rule)."""
    from figdex.models.grid_panels import alike_cells
    from figdex.models.layout import clear_rule_lines, ink_mask
    from figdex.models.ocr import load_rgb

    rec = _record("WDerricotte/OCDFT_PCCP#Figure 8")
    path = DEVSET / "restored" / rec["file"]
    if not path.exists():
        pytest.skip(f"{rec['file']} is not committed: run eval/devset/restore.py to restore it")
    image = load_rgb(path)
    mask, painted = clear_rule_lines(image, ink_mask(image))
    cells = grid_cells(mask, (0, 0, image.shape[1], image.shape[0]))
    assert cells is not None and len(cells) == len(rec["masters"]) == 6
    for gold in (m["box"] for m in rec["masters"]):
        assert max(_iou(c, gold) for c in cells) >= 0.8, gold
    assert alike_cells(painted, cells, [])


def _cut_by_shared_gutters(path, rec, n, least_iou):
    """The figure at ``path`` is no grid to ``grid_cells`` but ``aligned_cells`` cuts it into its ``n`` gold masters."""
    from figdex.models.grid_panels import aligned_cells
    from figdex.models.layout import clear_rule_lines, ink_mask
    from figdex.models.ocr import load_rgb

    image = load_rgb(path)
    mask, _ = clear_rule_lines(image, ink_mask(image))
    box = (0, 0, image.shape[1], image.shape[0])
    assert grid_cells(mask, box) is None
    cells = aligned_cells(mask, box)
    assert cells is not None and len(cells) == len(rec["masters"]) == n
    for gold in (m["box"] for m in rec["masters"]):
        assert max(_iou(c, gold) for c in cells) >= least_iou, gold


def test_facet_grids_of_unlike_column_widths_are_cut_by_the_gutters_every_row_shares():
    """h168: a ggplot facet_grid (Wirecuts Fig. 8, open: 3 x 4 box-plot facets of unlike widths) is no
    grid to ``grid_cells`` (its columns are not of one size); the 14 px gutters empty in every row are."""
    rec = _record("heike/Wirecuts---data-descriptor#Figure 8")
    _cut_by_shared_gutters(DEVSET / "open" / rec["file"], rec, 12, 0.7)


def test_a_seaborn_grid_with_a_short_last_row_is_its_nineteen_plots():
    """h168: asymp_hd Fig. 3, 19 box plots in rows of five (restored, not committed): the white
    between the boxes of each plot hides the columns from ``grid_cells``; the last row's empty slot
    (only the tick labels of the plot above reach into it) is no cell."""
    rec = _record("adamlabadorf/asymp_hd_mrnaseq_manuscript#Figure 3")
    path = DEVSET / "restored" / rec["file"]
    if not path.exists():
        pytest.skip(f"{rec['file']} is not committed: run eval/devset/restore.py to restore it")
    _cut_by_shared_gutters(path, rec, 19, 0.6)


def test_rows_cut_at_different_places_share_no_gutter():
    from figdex.models.grid_panels import aligned_cells

    rows = np.zeros((600, 600), bool)  # two wide images over a row of three: no shared gutter
    rows[0:280, 0:290], rows[0:280, 310:600] = True, True
    rows[300:600, 0:190], rows[300:600, 205:395], rows[300:600, 410:600] = True, True, True
    assert aligned_cells(rows, (0, 0, 600, 600)) is None
    one = np.zeros((300, 600), bool)  # one plot: a single row is no grid
    one[0:280, 0:290], one[0:280, 310:600] = True, True
    assert aligned_cells(one, (0, 0, 600, 300)) is None


def test_white_inside_plots_that_lines_up_across_rows_is_no_gutter():
    """h174: the white shared by every row is a gutter only where each row's ink edges it on both
    sides.  Two rows of two plots cut at x=300-320 are a grid; a lower row whose plots leave white
    far past that column (sparse points, ragged category labels) is not."""
    from figdex.models.grid_panels import aligned_cells

    grid = np.zeros((620, 620), bool)
    for top in (0, 320):
        grid[top:top + 300, 0:300] = True
        grid[top:top + 300, 320:620] = True
        grid[top:top + 300, 100:104] = False  # white inside each plot: no gutter (not in every row)
    cells = aligned_cells(grid, (0, 0, 620, 620))
    assert cells is not None and len(cells) == 4
    ragged = grid.copy()
    ragged[320:620, 300:620] = False  # the lower row: its right plot's ink starts 80 px past the gutter
    ragged[320:620, 400:620] = True
    assert aligned_cells(ragged, (0, 0, 620, 620)) is None


def test_a_labelled_faceted_bar_chart_with_ragged_category_labels_is_not_cut_by_aligned_white():
    """h174: fresh-2026-12j's CEV Fig. 3 (open): four GO-term bar charts, each three facets with
    right-aligned category labels of unlike lengths.  The white every row shares (x 532-549) runs
    up to 91 px further in rows whose labels are short: white beside text, not a gutter, so h168's
    rule cut it into 12 cells that match none of its four masters; the narrower rule finds no grid."""
    from figdex.models.grid_panels import aligned_cells
    from figdex.models.layout import clear_rule_lines, ink_mask
    from figdex.models.ocr import load_rgb

    rec = _record("10.1080/20013078.2020.1750810#Figure 3")
    image = load_rgb(DEVSET / "open" / rec["file"])
    mask, _ = clear_rule_lines(image, ink_mask(image))
    assert aligned_cells(mask, (0, 0, image.shape[1], image.shape[0])) is None


def test_a_regular_grid_whose_cells_are_not_alike_is_not_tried_as_a_facet_grid(monkeypatch):
    """h174: ``aligned_cells`` is tried only where ``grid_cells`` finds no grid; a regular grid the
    classifier finds unlike is kept whole, not cut again by coarser gutters (hbn-pod2 Fig. 8)."""
    from figdex.models import grid_panels

    mask = np.zeros((620, 620), bool)
    for top in (0, 320):
        for left in (0, 320):
            mask[top:top + 300, left:left + 300] = True
    monkeypatch.setattr(grid_panels, "alike_cells", lambda *a: False)
    monkeypatch.setattr(grid_panels, "aligned_cells", lambda *a: pytest.fail("aligned_cells tried"))
    monkeypatch.setattr(grid_panels, "frame_cells", lambda *a: None)
    image = np.zeros((620, 620, 3), np.uint8)
    assert grid_panels.split_grids(image, mask, [(0, 0, 620, 620)], []) == ([(0, 0, 620, 620)], 0)
