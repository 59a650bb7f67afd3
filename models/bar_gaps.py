"""Bars broken by their label without end ticks: ─── 10 µm ───, as FIB/SEM info strips print them.

``bar_rulers.join_rulers`` joins the halves of a ticked ruler on the ticks alone; untagged halves were
joined only around a label OCR had read (``scalebars.split_bars``), so wherever OCR is not run (the bar
score, a label the detector missed) each half was read as the bar: a third of it or less.  Two
collinear runs are one bar here when the gap between them holds text: ink of the bar's own mask in the
gap, taller than the bar (glyphs), clear of both halves' inner ends by 2 px or more, centred in the gap
(a label is printed in the middle), and over rows that the halves' own rows lie within.  Two dashes of
a dashed line have ground between them; a run beside a glyph has no twin on the glyph's other side.
"""

from __future__ import annotations

import numpy as np

Stack = tuple[int, int, int, int]  # x0, x1 (exclusive), top, bottom (exclusive)


def join_label_gaps(mask: np.ndarray, stacks: list[Stack], gray: np.ndarray | None = None,
                    polarity: str = "light") -> list[tuple[Stack, Stack]]:
    """(left half, right half) of each pair of ``stacks`` that is one bar printed through its label.
    With ``gray``, ``mask`` is a thin-line mask (``scalebars._line_masks``: the line's own rows, no
    glyph or tick), and the label and ticks are read in a cut of ``gray`` halfway between the line's
    grey and its ground's, ``polarity`` (light or dark) as the line: a grey 2-px line under the cuts
    (an FEI strip's 129 on black) or a noisy JPEG line that the cuts break is whole only there."""
    out = []
    by_rows: dict[tuple[int, int], list[Stack]] = {}
    for s in stacks:
        by_rows.setdefault((s[2], s[3]), []).append(s)
    for (top, bottom), row in by_rows.items():
        # The other half may have gained or lost a row at one cut (JPEG): rows ±1.
        others = [s for k, v in by_rows.items() if abs(k[0] - top) <= 1 and abs(k[1] - bottom) <= 1 for s in v]
        for left in row:
            right = min((s for s in others if s[0] > left[1]), key=lambda s: s[0], default=None)
            if right is None:
                continue
            a, b, gap = left[1] - left[0], right[1] - right[0], right[0] - left[1]
            # Halves of about one length; a label between them is wider than a glyph and not wider
            # than four times the halves (10 µm between two 26-px halves: 92 px).
            if min(a, b) < 0.6 * max(a, b) or gap < 8 or gap > 4 * (a + b):
                continue
            t, b = min(top, right[2]), max(bottom, right[3])
            ink, l, r, y = mask, left, right, t
            if gray is not None:  # the cut's window, and the halves in its coordinates
                cut = _ink_cut(gray, left, right, t, b, polarity)
                if cut is None:
                    continue
                ink, r0, c0 = cut
                l, r, y = (left[0] - c0, left[1] - c0, left[2] - r0, left[3] - r0), \
                    (right[0] - c0, right[1] - c0, right[2] - r0, right[3] - r0), t - r0
            # A tick at an outer end makes a ruler, measured between tick centres: join_rulers' (it
            # wants both ticks; a ruler with one is not joined on its outer ends here either).
            if _ticked(ink, l[0], y, y + b - t) or _ticked(ink, r[1] - 1, y, y + b - t):
                continue
            if _text_in_gap(ink, l, r, y, y + b - t):
                out.append((left, right))
    return out


def _ink_cut(gray: np.ndarray, left: Stack, right: Stack, top: int, bottom: int,
              polarity: str, rows: int = 0) -> tuple[np.ndarray, int, int] | None:
    """The ink of ``gray`` cut halfway between the halves' grey and the ground's 2 px above and below
    them, the line's polarity, in the window the gap checks read (the halves' columns and 3 more, the
    rows within a gap's height of the line, or ``rows`` where more), with the window's first row and column; None where the
    line stands less than 25 grey levels off its ground (no cut holds it and not the ground)."""
    H, W = gray.shape
    gap = right[0] - left[1]
    cols = np.r_[left[0]:left[1], right[0]:right[1]]
    line = float(np.median(gray[top:bottom, cols]))
    ground = float(np.median(gray[[r for r in (top - 2, bottom + 1) if 0 <= r < H]][:, cols]))
    if abs(line - ground) < 25:
        return None
    cut = (line + ground) / 2
    reach = max(gap, rows) + 2
    r0, c0 = max(0, top - reach), max(0, left[0] - 3)
    window = gray[r0:min(H, bottom + reach), c0:min(W, right[1] + 3)]
    return (window > cut if polarity == "light" else window < cut), r0, c0


def _ticked(mask: np.ndarray, x: int, top: int, bottom: int) -> bool:
    """Whether a column within 2 px of the end column ``x`` runs on 2 px or more above or below the line."""
    H, W = mask.shape
    for c in range(max(0, x - 2), min(W, x + 3)):
        if top >= 2 and mask[top - 2:top, c].all() or bottom + 2 <= H and mask[bottom:bottom + 2, c].all():
            return True
    return False


def _text_in_gap(mask: np.ndarray, left: Stack, right: Stack, top: int, bottom: int) -> bool:
    """Whether the gap between the halves holds a label: the rows of ink around the line's rows in the
    gap (grown while a row holds ink, as ``bar_rulers.gap_labels`` crops it), taller than the line,
    stopping short of the gap's width, clear of both halves, centred, and wider than a speck."""
    H = mask.shape[0]
    thick = bottom - top
    gap = right[0] - left[1]
    inside = mask[:, left[1]:right[0]]
    if not inside[top:bottom].any():
        return False  # a label printed in the gap crosses the line's rows
    y0, y1 = top, bottom
    while y0 > 0 and inside[y0 - 1].any() and y1 - y0 < gap:
        y0 -= 1
    while y1 < H and inside[y1].any() and y1 - y0 < gap:
        y1 += 1
    if y1 - y0 >= gap or y0 == 0 or y1 == H:
        return False  # runs on into content: not a line of text
    if y1 - y0 < max(thick + 4, 2 * thick):
        return False  # no taller than the line: a third dash, not glyphs
    # A label's columns hold strokes two or more pixels tall; a lone pixel at the rows' edge is a JPEG
    # speck (a noisy strip's), and must not read as ink touching a half.
    cols = np.flatnonzero(inside[y0:y1].sum(axis=0) >= 2)
    if not len(cols):
        return False
    first, last = int(cols[0]), int(cols[-1])
    if first < 2 or last > gap - 3:
        return False  # the ink touches a half: the run goes on, it is not a label apart from it
    if abs((first + last) / 2 - gap / 2) > 0.25 * gap or last - first + 1 < 0.3 * gap:
        return False  # not centred, or a speck: not a label printed in the middle
    # Above and below the halves themselves: ground (a label strip's bar stands alone).
    for x0, x1 in ((left[0], left[1]), (right[0], right[1])):
        if mask[max(0, top - 2):top, x0:x1].mean() > 0.2 or mask[bottom:bottom + 2, x0:x1].mean() > 0.2:
            return False
    return True


def joined_length(colour: np.ndarray, left: Stack, right: Stack, top: int, bottom: int) -> float:
    """From the left half's first pixel to the right half's last, each outer end by its coverage (the
    gold's rule for a broken bar), each half's ink its own (the gap holds the label's)."""
    from figdex.models.bar_ends import _end_cover

    rows = colour[top:bottom].mean(axis=0)
    length = float(right[1] - left[0] - 4)
    for (x0, x1), inside, step in (((left[0], left[1]), left[0], -1), ((right[0], right[1]), right[1] - 1, 1)):
        bar = np.median(rows[x0 + 1:x1 - 1] if x1 - x0 > 3 else rows[x0:x1], axis=0)
        length += _end_cover(rows, bar, inside, step)
    return round(length, 1)
