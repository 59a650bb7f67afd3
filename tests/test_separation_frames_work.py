"""The frames of framed plots (models/grid_panels.py ``frames``) in bounded work (#15 speed, h187).

arXiv:2401.02892 Fig. 7 (fresh-2026-12h, MRI time series in bright horizontal bands) has 8,767 long
horizontal ink runs and 6.4 million pairs of them aligned as a frame's top and bottom; taking a column
mean over the pair's height for each pair kept ``separate()`` on that one figure for over 40 minutes.
The frames found must stay those of the pairwise definition (``_side`` for every pair)."""

from __future__ import annotations

import numpy as np
import pytest

from figdex.models import grid_frames as gp


def _frames_pairwise(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``frames`` as it was before h187: every aligned pair tried with ``_side``, the last one kept."""
    H, W = mask.shape
    runs = gp._long_runs(mask, max(40, int(gp.FRAME_MIN * W)))
    tol = max(6, W // 100)
    found = []
    for i, (yt, a, b) in enumerate(runs):
        best = None
        for yb, a2, b2 in runs[i + 1:]:
            if yb - yt < max(30, gp.FRAME_MIN * H) or abs(a - a2) > tol or abs(b - b2) > tol:
                continue
            if gp._side(mask, a, yt, yb, tol) and gp._side(mask, b - 1, yt, yb, tol):
                best = (min(a, a2), yt, max(b, b2), yb + 1)
        if best:
            found.append(best)

    def inside(p, q):
        return p != q and p[0] >= q[0] - 3 and p[1] >= q[1] - 3 and p[2] <= q[2] + 3 and p[3] <= q[3] + 3

    return sorted(set(f for f in found if not any(inside(f, g) for g in found)), key=lambda f: (f[1], f[0]))


def _frame(mask, x0, y0, x1, y1):
    mask[y0, x0:x1] = mask[y1 - 1, x0:x1] = True
    mask[y0:y1, x0] = mask[y0:y1, x1 - 1] = True


def _banded(seed: int = 0) -> np.ndarray:
    """Two unframed panels of bright bands (every other row inked across the panel, as an MRI time
    series' bright stripes read in the ink mask), none of them framed."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((900, 700), bool)
    for x0 in (20, 370):
        mask[20:880:2, x0:x0 + 300] = True  # 430 rows of runs, all aligned with one another
        mask[rng.integers(20, 880, 40), x0 + rng.integers(0, 300, 40)] = False  # a few breaks
    return mask


def test_banded_panels_take_few_vectorised_steps_and_no_pairwise_means(monkeypatch):
    """Hundreds of aligned runs (881 runs, 129,399 aligned pairs here): before h187 each pair took two
    column means (``_side``); now one prefix sum, and per top run a few chunks of bottoms at once."""
    mask = _banded()
    expected = _frames_pairwise(mask)
    runs = gp._long_runs(mask, max(40, int(gp.FRAME_MIN * mask.shape[1])))
    assert len(runs) > 700
    calls = {"side": 0, "sides": 0}

    def side(*args):
        calls["side"] += 1
        if calls["side"] > 1000:
            raise AssertionError("frames() takes a column mean per aligned pair of runs")
        return True

    sides = getattr(gp, "_sides", None)  # absent before h187

    def counted(*args):
        calls["sides"] += 1
        return sides(*args)

    monkeypatch.setattr(gp, "_side", side)
    if sides is not None:
        monkeypatch.setattr(gp, "_sides", counted)
    assert gp.frames(mask) == expected
    assert calls["side"] == 0
    per_run = 2 * -(-len(runs) // getattr(gp, "CHUNK", 1))  # both sides, each chunk of the run's later runs at most
    assert calls["sides"] <= per_run * len(runs)


@pytest.mark.parametrize("seed", range(4))
def test_frames_are_those_of_the_pairwise_definition(seed):
    """Framed plots with gridlines (nested frames), ticks past the corners, a broken side, stacked and
    side by side, among bands: the same frames as the pairwise definition."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((800, 900), bool)
    for x0, y0 in ((30, 30), (470, 30), (30, 420)):
        w, h = 380 + int(rng.integers(-20, 20)), 330 + int(rng.integers(-20, 20))
        _frame(mask, x0, y0, x0 + w, y0 + h)
        mask[y0 + h // 3, x0:x0 + w] = True  # a gridline
        mask[y0 + h - 1, x0 - 8:x0] = True  # a tick past the corner
        if rng.random() < 0.5:
            mask[y0 + 40:y0 + 80, x0] = False  # a side broken over 12 % of the height: no frame
    mask[430:760:2, 480:860] = True  # bright bands
    assert gp.frames(mask) == _frames_pairwise(mask)
    assert gp.frames(np.zeros((50, 60), bool)) == []


@pytest.mark.parametrize("seed", range(3))
def test_unbroken_sides_at_once_are_side_itself(seed):
    """h181's ``_side`` also asks that the inked column has no white gap longer than ``TOUCH``; the
    vectorised form must give its very answers, gaps of 0 to 5 px near the limit included."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((300, 120), bool)
    for x in range(10, 110, 7):
        mask[:, x] = True
        for _ in range(int(rng.integers(0, 4))):
            y, n = int(rng.integers(0, 295)), int(rng.integers(1, 6))
            mask[y:y + n, x] = False  # a white gap of 1-5 px
    mask |= rng.random(mask.shape) < 0.02
    xs = np.arange(10, 110, 7)
    cols, sums = gp._column_sums(mask, xs, 3)
    gaps = gp._gap_sums(mask, cols)
    for _ in range(60):
        x, y0 = int(rng.choice(xs)), int(rng.integers(0, 200))
        y1s = np.sort(rng.integers(y0 + 5, 300, 20))
        got = gp._unbroken_sides(cols, sums, gaps, x, y0, y1s, 3)
        assert got.tolist() == [gp._side(mask, x, y0, int(y1), 3) for y1 in y1s]
