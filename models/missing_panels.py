"""Panels of labels the caption names but the image did not give up (figure separation, models/separation.py):
a neighbour's region that splits at a gutter into two large parts gives one part to the missing label."""

from __future__ import annotations

Box = tuple[int, int, int, int]


def regions_for_missing_labels(mask, regions, expected: list[str], notes: list[str]):
    """A label the caption names but the image did not give up leaves its panel inside the region
    of a neighbour in the caption's order.  Where that region splits at a gutter into two large
    parts, the neighbour keeps the part with its label and the missing label takes the other
    (after the previous label's part, before the next one's)."""
    regions = list(regions)
    have = {r[0] for r in regions}
    for i, lab in enumerate(expected):
        if lab in have:
            continue
        prev = next((x for x in reversed(expected[:i]) if x in have), None)
        nxt = next((x for x in expected[i + 1:] if x in have), None)
        for host, after in ((prev, True), (nxt, False)):
            k = next((j for j, r in enumerate(regions) if r[0] == host), None) if host else None
            if k is None:
                continue
            _, part, label_box, certainty = regions[k]
            split = _two_panels(mask, part, label_box, after)
            if split is None:
                continue
            host_part, new_part = split
            regions[k] = (host, host_part, label_box, certainty)
            regions.insert(k + 1 if after else k, (lab, new_part, None, 0.45))
            have.add(lab)
            notes.append(f"label {lab} not found: its panel split from {host}'s region")
            break
    return regions


def _two_panels(mask, region: Box, label_box: Box | None, new_after: bool) -> tuple[Box, Box] | None:
    """(the part with the label, the other part) of ``region`` cut at its widest gutter that
    leaves a large part with ink on each side; the new part lies after (right of or below) the
    labelled one when ``new_after``, before it otherwise."""
    from figdex.models.layout import gutters

    x0, y0, x1, y1 = region
    total = int(mask[y0:y1, x0:x1].sum())
    best = None
    for axis in (0, 1):
        size = (y1 - y0) if axis == 0 else (x1 - x0)
        for a, b in gutters(mask, region, axis, 3):
            cut = (a + b) // 2
            first = (x0, y0, x1, cut) if axis == 0 else (x0, y0, cut, y1)
            second = (x0, cut, x1, y1) if axis == 0 else (cut, y0, x1, y1)
            extents = [(p[3] - p[1]) if axis == 0 else (p[2] - p[0]) for p in (first, second)]
            inks = [int(mask[p[1]:p[3], p[0]:p[2]].sum()) for p in (first, second)]
            if min(extents) < 0.25 * size or min(inks) < 0.15 * total:
                continue
            host, new = (first, second) if new_after else (second, first)
            if label_box is not None and not within(label_box, host):
                continue
            if best is None or b - a > best[0]:
                best = (b - a, host, new)
    return None if best is None else (best[1], best[2])


def within(inner: Box, outer: Box) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] <= cx < outer[2] and outer[1] <= cy < outer[3]
