"""Rulers marked by dots or squares, and outlined bars (#17): a line whose ends are filled marks wider than a tick
(●────●, ■────■) is measured between the marks' centres (models/bar_markers.py), and a comb of
square marks without a line (▪ ▪ … ▪) from its first mark's centre to its last's (models/bar_combs.py).
Before, the first read to the marks' outer or inner edges (a mark's width off: 2-4 % on a 180-px
ruler) and the second was not found (marks over 4 px wide were not ticks).

An outlined bar (a white bar in a 1-px dark outline) has its outline's edge rows as a dark line with
a "tick" at each end (the outline's sides): read as a ruler, that line outscored the bar inside and
took its place (models/bar_ends.py ``_closes_a_box``); short thick ones (12x4, 14x5, 20x6) were lost.

Drawn at 4x and box-filtered down, so the ends are anti-aliased as a rendered figure's are."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from figdex.models.bar_combs import find_combs
from figdex.models.ocr import load_rgb
from figdex.models.scalebars import _row_runs
from tests.bar_cases import bar_error
from tests.instrument_files import restored

_S = 4  # supersampling


def _render(draw, size: tuple[int, int], ground: int, noise: float = 4.0, seed: int = 0) -> np.ndarray:
    W, H = size
    im = Image.new("L", (W * _S, H * _S), ground)
    draw(ImageDraw.Draw(im))
    a = np.asarray(im.resize((W, H), Image.BOX)).astype(float)
    a += np.random.default_rng(seed).normal(0, noise, a.shape)
    return np.repeat(np.clip(a, 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def _marked_ruler(shape: str, mark: float, line: float, ink: int, ground: int, length: float = 180.0):
    xa, y = 60.3, 150.6
    xb = xa + length

    def draw(d):
        d.rectangle([xa * _S, (y - line / 2) * _S, xb * _S, (y + line / 2) * _S], fill=ink)
        for xc in (xa, xb):
            box = [(xc - mark / 2) * _S, (y - mark / 2) * _S, (xc + mark / 2) * _S, (y + mark / 2) * _S]
            (d.ellipse if shape == "dot" else d.rectangle)(box, fill=ink)

    gold = (int(xa - mark / 2), int(y - line / 2), int(xb + mark / 2) + 1, int(y + line / 2) + 1)
    return _render(draw, (320, 200), ground), gold, length


@pytest.mark.parametrize("shape", ["dot", "square"])
@pytest.mark.parametrize("mark,line", [(5, 1), (7, 1.5), (9, 2), (6, 2)])
@pytest.mark.parametrize("ink,ground", [(0, 255), (255, 30)])
def test_marked_ruler_measured_between_mark_centres(shape, mark, line, ink, ground):
    image, gold, length = _marked_ruler(shape, mark, line, ink, ground)
    err = bar_error(image, gold, length, vertical=False)
    assert err is not None and err < 0.01


def test_plain_bar_keeps_its_end_to_end_length():
    # No marks: the line's own ends (coverage-summed), not a ruler.
    def draw(d):
        d.rectangle([60.3 * _S, 149 * _S, 240.3 * _S, 152 * _S], fill=0)

    err = bar_error(_render(draw, (320, 200), 255), (60, 149, 241, 152), 180.0, vertical=False)
    assert err is not None and err < 0.01


def _square_comb(mark: float, ink: int, ground: int, label: bool = False, spacing: float = 80.3):
    xa, y = 40.4, 150.3

    def draw(d):
        for k in range(11):
            xc = xa + k * spacing
            d.rectangle([(xc - mark / 2) * _S, (y - mark / 2) * _S, (xc + mark / 2) * _S, (y + mark / 2) * _S],
                        fill=ink)
        if label:  # a Hitachi label over the ruler's middle: a short run of glyphs, not a lattice's row
            for k, x in enumerate(range(400, 470, 12)):
                d.rectangle([x * _S, 126 * _S, (x + 2 + k % 2 * 6) * _S, 140 * _S], fill=ink)

    length = 10 * spacing
    gold = (int(xa - mark / 2), int(y - mark / 2), int(xa + length + mark / 2) + 1, int(y + mark / 2) + 1)
    return _render(draw, (900, 200), ground, seed=5), gold, length


@pytest.mark.parametrize("mark", [3, 5, 7, 9])
@pytest.mark.parametrize("ink,ground", [(0, 230), (255, 40)])
def test_comb_of_square_marks_found(mark, ink, ground):
    image, gold, length = _square_comb(mark, ink, ground)
    err = bar_error(image, gold, length, vertical=False)
    assert err is not None and err < 0.005


def test_comb_of_square_marks_with_label_above():
    image, gold, length = _square_comb(7, 0, 230, label=True)
    err = bar_error(image, gold, length, vertical=False)
    assert err is not None and err < 0.005


@pytest.mark.parametrize("row_step", [14, 20, 40])
def test_particle_lattice_is_not_a_comb(row_step):
    # Rows of evenly spaced square particles: each row alone would pass as a comb of marks.
    im = Image.new("L", (600, 300), 220)
    d = ImageDraw.Draw(im)
    for j in range(5):
        for k in range(20):
            x, y = 30 + 25 * k, 40 + row_step * j
            d.rectangle([x, y, x + 6, y + 6], fill=20)
    gray = np.asarray(im)
    mask = gray < 110
    assert find_combs(gray, mask, _row_runs(mask)) == []


@pytest.mark.parametrize("ink,ground", [(0, 255), (255, 30)])
def test_arrowheads_are_not_end_marks(ink, ground):
    # ◄────►: a filled head grows from its tip inward; read as a mark, it was measured between the
    # heads' centroids (8 % short); the arrow runs tip to tip.
    xa, y, length, head, half = 60.3, 150.6, 180.0, 10, 5

    def draw(d):
        d.rectangle([(xa + head / 2) * _S, (y - 1) * _S, (xa + length - head / 2) * _S, (y + 1) * _S], fill=ink)
        for tip, sign in ((xa, 1), (xa + length, -1)):
            d.polygon([(tip * _S, y * _S), ((tip + sign * head) * _S, (y - half) * _S),
                       ((tip + sign * head) * _S, (y + half) * _S)], fill=ink)

    err = bar_error(_render(draw, (320, 200), ground, noise=3.0, seed=2), (60, 149, 241, 152), length, vertical=False)
    assert err is not None and err < 0.01


@pytest.mark.parametrize("length,thick", [(12, 4), (14, 5), (20, 6), (30, 8)])
def test_outlined_bar_is_the_bar_inside_its_outline(length, thick):
    g = np.clip(np.random.default_rng(4).normal(110, 12, (150, 200)), 0, 255)
    x0, y0 = 120, 120
    g[y0 - 1:y0 + thick + 1, x0 - 1:x0 + length + 1] = 10
    g[y0:y0 + thick, x0:x0 + length] = 250
    image = np.repeat(g.astype(np.uint8)[..., None], 3, axis=2)
    err = bar_error(image, (x0, y0, x0 + length, y0 + thick), float(length), vertical=False)
    assert err is not None and err < 0.01


@pytest.mark.parametrize("name,folder,manifest,box,length", [
    # Tuned-on splits' outlined bars (eval/scale_bars_held_out_4.tsv, _5.tsv), found before: kept.
    ("Bezares_Figure3-FigureSupplement2.png", "scale_bars_4", "eval/scale_bars_held_out_4_restore.tsv",
     (517, 814, 640, 819), 124.0),
    ("jbpark_Industry_CNTF.png", "scale_bars_5", "eval/scale_bars_held_out_5_restore.tsv", (244, 498, 304, 502), 61.0),
])
def test_real_outlined_bars_kept(name, folder, manifest, box, length):
    x0, y0, x1, y1 = box
    err = bar_error(load_rgb(restored(name, folder, manifest)), (x0, y0, x1 + 1, y1 + 1), length, vertical=False)
    assert err is not None and err < 0.03
