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
    from figdex.models.grid_panels import frame_cells, frames

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
