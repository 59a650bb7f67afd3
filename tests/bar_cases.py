"""What the bar-finder tests share: the relative length error of a found bar, scored as `figdex eval scale`
scores it (tests/test_scale_bar_ends*.py and tests/test_scale_rulers.py had each copied it)."""

from __future__ import annotations

import numpy as np

from figdex.models.evaluate_scale import bar_matches
from figdex.models.scalebars import find_bars


def bar_error(image: np.ndarray, gold: tuple[int, int, int, int], length: float, **find_kw) -> float | None:
    """The found bar on the gold box (x1, y1 exclusive) nearest the gold length, its relative error; None
    when no bar is on the gold box.  ``find_kw`` go to find_bars (the bar-end tests look for horizontal
    bars only: ``vertical=False``)."""
    hits = [b for b in find_bars(image, **find_kw) if bar_matches(b.box, gold)]
    return min(abs(b.length_px - length) / length for b in hits) if hits else None
