"""Thick bars: a long bar whose ends wander over its rows, and a short block bar with its label.

``find_bars`` stacks rows holding a run over the same columns (±1 px as the stack's first row) and takes
stacks up to a third of their length thick.  Two kinds of bar fall outside that:

- a long thick bar in a JPEG (an 891 x 30 px white bar on an SEM inset of a 4167-px photograph), whose
  ends wander 2-3 px over its rows, stacks as two halves, each with the other's white on one side, so
  neither stands out from both sides: ``joined_stacks`` joins halves that touch and agree at both ends;
- a block bar about twice as long as thick (a 42 x 20 px white block over its "25 µm" on a confocal
  section): thicker than a third of its length, as glyph blocks and blobs are.  ``labelled_block`` takes
  one only where a line of text of its polarity lies just above or below it, under its columns.
"""

from __future__ import annotations

import numpy as np

_JOIN_SHIFT = 2  # columns two touching halves may differ by at each end: under 2 % of a bar this long
_JOIN_SHORTEST = 100
# A block bar: at most half its length thick (a third is find_bars' own limit), at least this long, and
# at most this share of the image's longer side thick (a thicker block is a shape of the picture).
_BLOCK_SHORTEST = 16
_BLOCK_SHARE = 0.1


def joined_stacks(stacks: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Stacks (x0, x1, top, bottom) of ``_stack_runs``, at least ``_JOIN_SHORTEST`` long, that touch
    (one's bottom row the other's top) and agree within ``_JOIN_SHIFT`` columns at both ends, joined
    into one (the columns of the thicker part), chains of them too.  Only the joined stacks."""
    long_ = sorted((s for s in stacks if s[1] - s[0] >= _JOIN_SHORTEST), key=lambda s: s[2])
    by_top: dict[int, list[tuple[int, int, int, int]]] = {}
    for s in long_:
        by_top.setdefault(s[2], []).append(s)
    out: list[tuple[int, int, int, int]] = []
    inner: set[tuple[int, int, int, int]] = set()  # a part below another: its chain is that one's
    for s in long_:
        if s in inner:
            continue
        joined = s
        while True:
            nxt = next((t for t in by_top.get(joined[3], ()) if abs(t[0] - joined[0]) <= _JOIN_SHIFT
                        and abs(t[1] - joined[1]) <= _JOIN_SHIFT), None)
            if nxt is None:
                break
            inner.add(nxt)
            x0, x1 = (joined[0], joined[1]) if joined[3] - joined[2] >= nxt[3] - nxt[2] else (nxt[0], nxt[1])
            joined = (x0, x1, joined[2], nxt[3])
        if joined != s:
            out.append(joined)
    return out




def block_limits(w: np.ndarray, thickness: np.ndarray, size: int) -> np.ndarray:
    """For stacks ``w`` long and ``thickness`` thick in an image whose longer side is ``size``: True where
    the stack may be a block bar (thicker than find_bars' third, at most half its length)."""
    return (thickness > np.maximum(3, w / 3 + 0.5)) & (thickness <= w / 2 + 0.5) & (w >= _BLOCK_SHORTEST) & \
        (thickness <= _BLOCK_SHARE * size)


def labelled_block(mask: np.ndarray, x0: int, x1: int, top: int, bottom: int) -> bool:
    """True where a line of text in ``mask`` (the cut the block was found in) lies just below or above the
    block ``mask[top:bottom, x0:x1]``: starting within the block's thickness of it, 0.5-3 times as tall
    as the block is thick, ending in clear rows, of two or more glyphs (column groups) filling 15-75 % of
    their box, and sharing at least half of the narrower one's columns with the block.  A blob or a
    legend's swatch has no such line under its own columns; a panel's solid shapes are not glyphs."""
    H, W = mask.shape
    w, th = x1 - x0, bottom - top
    c0, c1 = max(0, x0 - w // 2), min(W, x1 + w)
    inked = mask[:, c0:c1].any(axis=1)
    for step in (1, -1):  # below, then above
        start = bottom if step == 1 else top - 1
        rows = [r for r in range(start, start + step * (th + 1), step) if 0 <= r < H]
        first = next((r for r in rows if inked[r]), None)
        if first is None or (step == 1 and first == bottom) or (step == -1 and first == top - 1):
            continue  # nothing near, or ink touching the block (not a label standing apart)
        end = first
        while 0 <= end + step < H and inked[end + step] and abs(end + step - first) < 3 * th + 1:
            end += step
        if not (0 <= end + step < H) or inked[end + step]:
            continue  # runs on: content, not a line of text
        r0, r1 = min(first, end), max(first, end) + 1
        if not 0.5 * th <= r1 - r0 <= 3 * th:
            continue
        cols = np.flatnonzero(mask[r0:r1, c0:c1].any(axis=0)) + c0
        groups = 1 + int((np.diff(cols) > 1).sum())
        tx0, tx1 = int(cols[0]), int(cols[-1]) + 1
        fill = float(mask[r0:r1, tx0:tx1].mean())
        overlap = min(x1, tx1) - max(x0, tx0)
        if groups >= 2 and 0.15 <= fill <= 0.75 and overlap >= 0.5 * min(w, tx1 - tx0):
            return True
    return False
