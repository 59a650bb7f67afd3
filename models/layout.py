"""Layout of a compound figure: background, ink, gutters, and cutting it into panels.

Two cutters share the gutter finder:
* ``xy_cut`` splits a region at its background gutters, recursively (the classic XY-cut);
* ``cut_by_labels`` splits a region until each part holds one panel label, preferring the
  widest gutter that separates the labels and, where panels touch (no gutter), cutting just
  before the label that starts the next panel (labels sit at their panel's top-left);
* ``unlabelled_flanks`` finds the unlabelled drawings beside the labelled panels (a pipeline's
  input and output), which no label's region should swallow.
"""

from __future__ import annotations

import numpy as np

Box = tuple[int, int, int, int]  # x0, y0, x1, y1


# Faint ink (h191, fresh-2026-12n SpikeAI Fig. 9: 72 kernel images whose colour scale fades to 234-245
# grey at their borders, under the ink mask's 24 levels): pixels this many levels off the paper.
FAINT = 6


def faint_mask(image: np.ndarray) -> np.ndarray:
    """The pixels that differ from the paper at all (beyond JPEG noise): the true extent of images whose
    colours fade to near-white at their edges (grid_panels' gutter edges; cells are cut on ``ink_mask``)."""
    return ink_mask(image, tolerance=FAINT)


def ink_mask(image: np.ndarray, tolerance: int = 24) -> np.ndarray:
    """Pixels that differ from the figure's background colour (the commonest border colour).

    Separation asks for this mask of every master and every side of every gutter (1,300 times in
    ten figures): the border's colours are counted as one integer each (a 1-D unique, not
    ``unique(axis=0)``) and 8-bit channels are looked up in a table of the channel values that
    differ, not widened to int16: the same mask in under a quarter of the time (bench/README.md)."""
    if image.dtype != np.uint8 or image.ndim != 3:
        rgb = image[..., :3].astype(np.int16)
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
        colours, counts = np.unique(border // 8, axis=0, return_counts=True)
        background = colours[counts.argmax()] * 8 + 4
        return np.abs(rgb - background).max(axis=-1) > tolerance
    border = np.concatenate([image[0, :, :3], image[-1, :, :3], image[:, 0, :3], image[:, -1, :3]]).astype(np.int32) // 8
    # Channels // 8 lie in 0..31: the codes sort as the rows do, so a tie between equally
    # common colours goes the same way as with unique(axis=0).
    codes, counts = np.unique((border[:, 0] * 32 + border[:, 1]) * 32 + border[:, 2], return_counts=True)
    code = int(codes[counts.argmax()])
    background = np.array([code // 1024, code // 32 % 32, code % 32]) * 8 + 4
    values = np.arange(256)
    mask = None
    for c in range(3):
        differs = np.abs(values - background[c]) > tolerance
        hit = differs[image[..., c]]
        mask = hit if mask is None else mask | hit
    return mask


def clear_rule_lines(image: np.ndarray, mask: np.ndarray, min_thick: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """(``mask`` with separator lines cleared, ``image`` with them painted white): runs of rows
    (columns) of one flat colour that cross the whole figure (the columns: a whole band between
    such rows), at least ``min_thick`` px, against content that differs from them on each side.

    Photographs framed in black lines and abutting (a 3 x 3 grid of outcrop photos) have no
    background gutter at all: the lines are their gutters.  The gutter model reads how a gutter
    looks from its pixels (page colour between panels, grey noise inside a micrograph), hence the
    painted copy.  A black background around micrographs is no line: the rows beside it are
    mostly that colour too.  Unchanged inputs (the same objects) where there is no such line."""
    rgb = image[..., :3].astype(np.float32)
    # The three channels added in turn: the mean over a 3-long last axis is numpy's slow path, and
    # sums of 8-bit values are exact in float32, so the grey is the same.
    gray = (rgb[..., 0] + rgb[..., 1] + rgb[..., 2]) / np.float32(3) \
        if image.ndim == 3 and rgb.shape[-1] == 3 else rgb.mean(axis=-1)
    out = mask.copy()
    H, W = mask.shape
    rows = _flat_runs(gray, mask, (0, 0, W, H), 0, min_thick)
    for a, b in rows:
        out[a:b, :] = False
    edges = [0] + [v for run in rows for v in run] + [H]
    for top, bottom in zip(edges[::2], edges[1::2]):
        if bottom - top >= 2 * min_thick:
            for a, b in _flat_runs(gray, mask, (0, top, W, bottom), 1, min_thick):
                out[top:bottom, a:b] = False
    lines = mask & ~out
    if not lines.any():
        return mask, image
    painted = image.copy()
    painted[lines] = 255
    return out, painted


def _flat_runs(gray: np.ndarray, mask: np.ndarray, region: Box, axis: int, min_thick: int,
               spread: float = 40.0, contrast: float = 40.0) -> list[tuple[int, int]]:
    """Runs of rows (axis 0) or columns (axis 1) of ``region`` that are ink of one grey level (98%
    of the line within ``spread`` of its median: JPEG noise, a margin pixel at the ends) and differ
    by ``contrast`` on average from the lines a few px outside each end of the run (past the
    anti-aliased edge) that lie inside the region."""
    x0, y0, x1, y1 = region
    sub, ink = gray[y0:y1, x0:x1], mask[y0:y1, x0:x1]
    lines, inked = (sub, ink) if axis == 0 else (sub.T, ink.T)
    flat = inked.mean(axis=1) >= 0.98
    rows = np.flatnonzero(flat)  # the median only where a line is all ink: few lines of most figures
    if rows.size:
        some = lines[rows]
        flat[rows] = (np.abs(some - np.median(some, axis=1, keepdims=True)) <= spread).mean(axis=1) >= 0.98
    runs, start = [], None
    for i, f in enumerate(list(flat) + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            runs.append((start, i))
            start = None
    out = []
    for a, b in runs:
        if b - a < min_thick:
            continue
        level = float(lines[a:b].mean())
        # A line between two things: a run at the figure's edge is a frame or an instrument's
        # black strip (an SEM image over its databar), no gutter.
        beside = [lines[i] for i in (a - 3, b + 2) if 0 <= i < len(lines)]
        if len(beside) == 2 and all(float(np.abs(line - level).mean()) >= contrast for line in beside):
            # With its anti-aliased edges (lines half of its colour): a speck row left beside a
            # cleared frame would be a panel of its own.
            def edge(i: int) -> bool:  # half the line's colour
                return (np.abs(lines[i] - level) <= spread).mean() >= 0.5

            for _ in range(2):
                if a > 0 and edge(a - 1):
                    a -= 1
                if b < len(lines) and edge(b):
                    b += 1
            offset = y0 if axis == 0 else x0
            out.append((offset + a, offset + b))
    return out


def content_box(mask: np.ndarray, region: Box) -> Box | None:
    x0, y0, x1, y1 = region
    sub = mask[y0:y1, x0:x1]
    rows = np.flatnonzero(sub.any(axis=1))
    cols = np.flatnonzero(sub.any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return None
    return (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1)


def gutters(mask: np.ndarray, region: Box, axis: int, min_gap: int) -> list[tuple[int, int]]:
    """Runs of empty rows (axis=0) or columns (axis=1) inside ``region``, as absolute [start, end).

    Runs touching the region's edges are margins, not gutters, and are left out.
    """
    x0, y0, x1, y1 = region
    sub = mask[y0:y1, x0:x1]
    # A line counts as empty when at most 0.5% of it is ink (JPEG noise, hairline frames).
    profile = sub.mean(axis=1 - axis) <= 0.005
    offset = y0 if axis == 0 else x0
    runs, start = [], None
    for i, empty in enumerate(profile):
        if empty and start is None:
            start = i
        elif not empty and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(profile)))
    n = len(profile)
    return [(offset + a, offset + b) for a, b in runs if b - a >= min_gap and a > 0 and b < n]


def xy_cut(mask: np.ndarray, region: Box, min_gap: int = 4, min_size: int = 12) -> list[Box]:
    """Leaf blocks of the recursive XY-cut of ``region`` (trimmed to their content)."""
    box = content_box(mask, region)
    if box is None:
        return []
    candidates = []
    for axis in (0, 1):
        for a, b in gutters(mask, box, axis, min_gap):
            candidates.append((b - a, axis, (a + b) // 2))
    if not candidates:
        return [box] if (box[2] - box[0]) >= min_size or (box[3] - box[1]) >= min_size else []
    _, axis, cut = max(candidates)
    x0, y0, x1, y1 = box
    parts = [(x0, y0, x1, cut), (x0, cut, x1, y1)] if axis == 0 else [(x0, y0, cut, y1), (cut, y0, x1, y1)]
    return [leaf for part in parts for leaf in xy_cut(mask, part, min_gap, min_size)]


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def cut_by_labels(mask: np.ndarray, region: Box, labels: list[tuple[str, Box]],
                  min_gap: int = 3) -> list[tuple[str, Box]]:
    """Split ``region`` until each part holds exactly one label; returns (label, part) pairs."""
    if len(labels) <= 1:
        return [(labels[0][0] if labels else "", region)]
    x0, y0, x1, y1 = region
    best = None
    under = _labels_under_panels(mask, region, labels)
    for axis in (0, 1):
        for a, b in gutters(mask, region, axis, min_gap):
            cut = (a + b) // 2
            first = [lab for lab in labels if _centre(lab[1])[1 - axis] < cut]
            crosses = any(lab[1][1 if axis == 0 else 0] < cut < lab[1][3 if axis == 0 else 2] for lab in labels)
            if 0 < len(first) < len(labels) and not crosses and \
                    ((axis == 1 and under) or _both_sides_have_panels(mask, region, axis, cut, labels)):
                # Labels sit at their panel's top-left, so the gutter that separates two panels
                # ends just before the labels of the second: prefer gutters close to them, then
                # wide ones (a gutter inside the first panel is far from the next label).
                second = [lab for lab in labels if lab not in first]
                lead = min(lab[1][1] if axis == 0 else lab[1][0] for lab in second)
                height = float(np.median([lab[1][3] - lab[1][1] for lab in labels]))
                near = max(0.0, lead - b) <= 3 * height + 6
                if axis == 1 and under:
                    # Labels centred under their panels (a row of "(a) (b) (c)" below the
                    # drawings): the gutter lies midway between two labels, not just before one,
                    # and no label stands alone in a margin strip (thin line drawings hold little ink).
                    last = max(_centre(lab[1])[0] for lab in first)
                    nxt = min(_centre(lab[1])[0] for lab in second)
                    near = abs(cut - (last + nxt) / 2) <= 0.25 * (nxt - last)
                key = (near, b - a, -abs(len(first) - len(labels) / 2))
                if best is None or key > best[0]:
                    best = (key, axis, cut)
    if best is None:
        axis, cut = _geometric_cut(labels)
        if axis < 0:  # labels on top of each other: nothing to cut
            return [(lab, region) for lab, _ in labels[:1]]
    else:
        _, axis, cut = best
    if axis == 0:
        parts = [(x0, y0, x1, cut), (x0, cut, x1, y1)]
    else:
        parts = [(x0, y0, cut, y1), (cut, y0, x1, y1)]
    out = []
    groups = [[lab for lab in labels if part[0] <= _centre(lab[1])[0] < part[2] and
               part[1] <= _centre(lab[1])[1] < part[3]] for part in parts]
    if any(len(g) == len(labels) for g in groups):  # no progress: stop rather than recurse forever
        return [(labels[0][0], region)]
    for part, inside in zip(parts, groups):
        out.extend(cut_by_labels(mask, part, inside, min_gap))
    return out


def _labels_under_panels(mask, region: Box, labels) -> bool:
    """All labels in one row at the foot of the region, with (almost) no ink below them: they are
    printed under their panels (DelPhi tutorial Fig. 3), not at their top-left corners."""
    x0, y0, x1, y1 = region
    tops = [b[1] for _, b in labels]
    height = float(np.median([b[3] - b[1] for _, b in labels]))
    if len(labels) < 2 or max(tops) - min(tops) > height:
        return False
    foot = max(b[3] for _, b in labels)
    above = int(mask[y0:min(tops), x0:x1].sum())
    below = int(mask[foot:y1, x0:x1].sum())
    return min(tops) - y0 > 4 * height and below < 0.05 * max(1, above)


def _both_sides_have_panels(mask, region: Box, axis: int, cut: int, labels) -> bool:
    """A cut that leaves a label alone in a margin strip (e.g. the gutter between a column of
    labels and their panels) does not separate panels."""
    x0, y0, x1, y1 = region
    parts = [(x0, y0, x1, cut), (x0, cut, x1, y1)] if axis == 0 else [(x0, y0, cut, y1), (cut, y0, x1, y1)]
    label_area = float(np.median([(b[2] - b[0]) * (b[3] - b[1]) for _, b in labels]))
    for px0, py0, px1, py1 in parts:
        ink = int(mask[py0:py1, px0:px1].sum())
        for _, b in labels:
            cx, cy = _centre(b)
            if px0 <= cx < px1 and py0 <= cy < py1:
                ink -= int(mask[b[1]:b[3], b[0]:b[2]].sum())
        if ink < 25 * label_area:
            return False
    return True


def _geometric_cut(labels: list[tuple[str, Box]]) -> tuple[int, int]:
    """No gutter separates the labels: cut just before the label that starts the next row (or,
    within a row, the next column).  Labels sit at their panel's top-left, so the cut goes a
    little above/left of that label.  Always separates two label centres."""
    height = float(np.median([b[3] - b[1] for _, b in labels]))
    best = None
    for axis in (0, 1):  # 0: rows (cut along y), 1: columns (cut along x)
        order = sorted(labels, key=lambda lab: _centre(lab[1])[1 - axis])
        for prev, nxt in zip(order, order[1:]):
            gap = _centre(nxt[1])[1 - axis] - _centre(prev[1])[1 - axis]
            # Rows first: a gap of more than a label height between rows is a new row of panels.
            key = (gap > 1.5 * height, axis == 0, gap)
            if gap > 0 and (best is None or key > best[0]):
                start = nxt[1][1] if axis == 0 else nxt[1][0]
                prev_end = prev[1][3] if axis == 0 else prev[1][2]
                cut = int(max(prev_end, start - 0.4 * height))
                # The cut must fall strictly between the two centres.
                lo, hi = _centre(prev[1])[1 - axis], _centre(nxt[1])[1 - axis]
                cut = int(min(max(cut, lo + 1), hi - 0.5)) if hi - lo > 1 else int((lo + hi) / 2)
                best = (key, axis, cut)
    if best is None:
        return -1, -1
    return best[1], best[2]


def unlabelled_flanks(mask, W, H, label_boxes: list[Box]) -> tuple[list[Box], Box]:
    """(blocks left and right of every label, the region between them).  A pipeline figure draws
    its input and output beside a column of labelled steps; a full-height gutter with no label
    beyond it and a large drawing there makes that drawing its own master, not part of the
    nearest label's panel."""
    total = max(1, int(mask.sum()))
    lefts = [b[0] for b in label_boxes]
    rights = [b[2] for b in label_boxes]
    x0, x1 = 0, W
    flanks = []
    cols = gutters(mask, (0, 0, W, H), 1, max(4, W // 200))
    left = [(a, b) for a, b in cols if b <= min(lefts)]
    # Labels sit at their panel's left, so right of the last label is that label's own panel,
    # unless the labels form one column (steps stacked in the middle) with content right of
    # them, and the drawing lies past that content (checked below: the middle keeps its ink).
    height = float(np.median([b[3] - b[1] for b in label_boxes]))
    one_column = max(lefts) - min(lefts) <= 2 * height
    right = [(a, b) for a, b in cols if a >= max(rights)] if one_column else []
    # The gutter farthest from the labels that leaves a large drawing beyond it (dashed frames
    # around the labelled steps leave gutters between their dashes too); a legend or colour bar
    # beside the last panel is narrower, or holds less ink.
    for side, runs in (("left", left), ("right", right[::-1])):
        for run in runs:
            part = (0, 0, run[0], H) if side == "left" else (run[1], 0, W, H)
            ink = int(mask[part[1]:part[3], part[0]:part[2]].sum())
            box = content_box(mask, part)
            rest = (run[1], 0, x1, H) if side == "left" else (x0, 0, run[0], H)
            label_ink = sum(int(mask[b[1]:b[3], b[0]:b[2]].sum()) for b in label_boxes)
            # The labelled panels keep their content: a gutter between a column of labels and
            # their panels is no flank's edge.
            middle_ink = int(mask[:, rest[0]:rest[2]].sum()) - label_ink
            if box and box[2] - box[0] >= 0.12 * W and box[3] - box[1] >= 0.3 * H and ink >= 0.05 * total \
                    and middle_ink >= 0.3 * total:
                flanks.append(part)
                x0, x1 = (run[1], x1) if side == "left" else (x0, run[0])
                break
    return flanks, (x0, 0, x1, H)


def join_strips(blocks: list[Box], thin: float = 0.3) -> list[Box]:
    """Unlabelled blocks with thin strips (a colour bar beside its map, a header row over a
    table) joined to the block they belong to, and blocks that then overlap joined together.

    A strip is a block at most ``thin`` times as thick as the one block it sits against (the
    nearest block across it, overlapping half its length): alone it is no master image, with
    that block it is its part.  Two masters never overlap: overlapping blocks are one image."""
    blocks = list(blocks)
    changed = True
    while changed and len(blocks) > 1:
        changed = False
        for i, b in enumerate(blocks):
            host = _strip_host(b, [o for j, o in enumerate(blocks) if j != i], thin)
            if host is None:
                continue
            blocks = [o for o in blocks if o is not b and o != host] + [_union(b, host)]
            changed = True
            break
        for i, a in enumerate(blocks):
            other = next((o for o in blocks[i + 1:] if _overlap(a, o) > 0.1 * min(_area(a), _area(o))), None)
            if other is not None:
                blocks = [o for o in blocks if o is not a and o is not other] + [_union(a, other)]
                changed = True
                break
    return blocks


def _strip_host(b: Box, others: list[Box], thin: float) -> Box | None:
    hosts = []
    for axis in (0, 1):  # 0: the nearest block above or below (thickness: heights); 1: left or right
        lo, hi = (0, 2) if axis == 0 else (1, 3)  # extent along the strip
        a0, a1 = (1, 3) if axis == 0 else (0, 2)  # extent across it
        near = None
        for o in others:
            shared = min(b[hi], o[hi]) - max(b[lo], o[lo])
            if shared < 0.5 * min(b[hi] - b[lo], o[hi] - o[lo]):
                continue
            gap = max(o[a0] - b[a1], b[a0] - o[a1], 0)
            if near is None or gap < near[0]:
                near = (gap, o)
        if near is None or (b[a1] - b[a0]) > thin * (near[1][a1] - near[1][a0]):
            continue
        # A strip against several blocks of its host's row (column) is theirs together (a colour
        # bar's title beside two maps, a header over two columns): joining it to one would
        # swallow the others once they overlap, so it stays as it is.
        host = near[1]
        sharing = [o for o in others if min(b[hi], o[hi]) - max(b[lo], o[lo]) >= 0.25 * (b[hi] - b[lo])
                   and min(o[a1], host[a1]) > max(o[a0], host[a0])]
        if len(sharing) < 2:
            hosts.append(near)
    return min(hosts)[1] if hosts else None


def _area(b: Box) -> int:
    return max(0, b[2] - b[0]) * max(0, b[3] - b[1])


def _overlap(a: Box, b: Box) -> int:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
