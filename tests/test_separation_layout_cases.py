"""Layout cases of #15's failure list that hold on figures of any paper: a bracketed label that
opens a panel's title line, and unlabelled drawings beside a column of labelled steps (a pipeline
figure's input and output)."""

from __future__ import annotations

import numpy as np

from figdex.models.ocr import TextBox
from figdex.models.panel_labels import _titled_label
from figdex.models.layout import unlabelled_flanks


def test_a_bracketed_letter_opening_a_title_line_is_a_label_with_its_own_box():
    # As the text detector reads knowledge-graph-review Fig. 4: "(a)" touches its title.
    lab = _titled_label(TextBox((584, 36, 943, 72), "(a) Matrix Factorization", 0.99))
    assert lab.label == "a" and lab.text == "(a)"
    assert lab.box[0] == 584 and lab.box[2] - lab.box[0] < 60  # the "(a)", not the whole line
    assert _titled_label(TextBox((0, 0, 90, 20), "b) Spectra", 0.9)).label == "b"
    # Words and numbers that open a line are not labels.
    for text in ("A Cell counts", "(ab) x", "(1) 50 °C", "Figure 2", "(a)"):
        assert _titled_label(TextBox((0, 0, 90, 20), text, 0.9)) is None


def _pipeline(legend_width: int = 0):
    """A drawing, a column of three framed steps labelled at their top-left, a drawing."""
    mask = np.zeros((300, 1000), bool)
    mask[80:220, 20:260] = True  # input drawing
    for y in (10, 110, 210):
        mask[y:y + 80, 320:680] = True  # the labelled steps
    mask[60:240, 740:980 - legend_width] = True  # output drawing
    labels = [(322, y + 2, 340, y + 20) for y in (10, 110, 210)]
    return mask, labels


def test_drawings_beside_a_column_of_labelled_steps_are_masters_of_their_own():
    mask, labels = _pipeline()
    flanks, middle = unlabelled_flanks(mask, 1000, 300, labels)
    assert flanks == [(0, 0, 260, 300), (740, 0, 1000, 300)]
    assert middle == (320, 0, 680, 300)


def test_a_narrow_legend_beside_the_last_panel_is_no_flank():
    mask = np.zeros((300, 1000), bool)
    mask[20:280, 30:470] = True  # panel a
    mask[20:280, 520:900] = True  # panel b
    mask[100:160, 930:990] = True  # b's legend, beyond a full-height gutter
    flanks, middle = unlabelled_flanks(mask, 1000, 300, [(32, 22, 50, 40), (522, 22, 540, 40)])
    assert flanks == [] and middle == (0, 0, 1000, 300)


def test_a_colour_bar_joins_its_map_and_a_shared_strip_joins_none():
    from figdex.models.layout import join_strips

    # The gutter model's blocks on gamd_livecoms_tutorial Fig. 8 (fresh-2026-12e): a 3x2 grid of
    # free-energy maps, colour bars beside the right column and one colour-bar title for both rows.
    maps = [(15, 125, 1151, 1129), (1164, 126, 2247, 1130), (2260, 125, 3297, 1129),
            (15, 1155, 1151, 2159), (1164, 1156, 2245, 2159), (2258, 1155, 3295, 2159)]
    bars, title = [(3333, 133, 3424, 1024), (3333, 1162, 3424, 2053)], (3469, 395, 3515, 1791)
    joined = join_strips(maps + bars + [title])
    assert sorted(joined) == sorted(maps[:2] + maps[3:5] + [(2260, 125, 3424, 1129), (2258, 1155, 3424, 2159), title])
    # Stacked plots of one thickness are no strips of each other.
    rows = [(0, 0, 1000, 180), (0, 200, 1000, 380), (0, 400, 1000, 580)]
    assert sorted(join_strips(rows)) == rows


def test_header_rows_and_overlapping_blocks_make_one_image():
    from figdex.models.layout import join_strips

    # gamd_livecoms_tutorial Fig. 2: a table-like overview, two header rows over three columns.
    blocks = [(5, 5, 1156, 106), (1160, 5, 3532, 106), (5, 119, 1651, 572), (1655, 119, 2476, 572),
              (2480, 120, 3532, 572)]
    assert join_strips(blocks) == [(5, 5, 3532, 572)]
    # deep-rules Fig. 1: two halves of one poster whose boxes overlap are one image.
    assert join_strips([(77, 36, 1877, 1701), (1425, 36, 2733, 1701)]) == [(77, 36, 2733, 1701)]


def test_labels_centred_under_line_drawings_cut_midway_between_them():
    """DelPhi tutorial Fig. 3 (fresh-2026-12e, development data): "(a) (b) (c)" printed in one row
    under three thin line drawings.  The cut looked for gutters just before each label and for
    much ink on both sides, found none, and cut just left of "(b)" and "(c)": two panels were
    split (AP50 of the figure 0.11).  Labels under their panels are cut midway between them."""
    import json

    import pytest

    from figdex.models.layout import cut_by_labels, ink_mask
    from figdex.models.ocr import load_rgb
    from tests.conftest import REPO

    devset = REPO / "eval" / "devset"
    rec = next(f for f in json.loads((devset / "separation_dev.json").read_text(encoding="utf-8"))["figures"]
               if f["id"] == "delphi001/delphi_tutorial_livecoms#Figure 3")
    path = devset / "restored" / rec["file"]
    if not path.exists():
        pytest.skip("restore with: python eval/devset/restore.py")
    mask = ink_mask(load_rgb(path))
    H, W = mask.shape
    labels = [(m["label"], tuple(m["label_box"])) for m in rec["masters"]]
    parts = dict(cut_by_labels(mask, (0, 0, W, H), labels))
    for m in rec["masters"]:  # each drawing (almost) whole in its label's part (before: b 49 %)
        x0, _, x1, _ = m["box"]
        px0, _, px1, _ = parts[m["label"]]
        assert min(x1, px1) - max(x0, px0) >= 0.85 * (x1 - x0), (m["label"], parts[m["label"]], m["box"])
