"""A figure's region shrunk to the ink drawn in it (a coarse render of the page).  Part of the PDF parser:
a Form XObject's or an image's box often holds white margins that are not the figure, and on a scanned
page the region is the page's one image cut to the caption's window, which may hold the figure beside it.
"""

from __future__ import annotations

from figdex.ingest.sources.pdf_layout import Box

def trim_to_ink(page, region: Box, scale: float = 1.5, caption_box: Box | None = None) -> Box:
    """``region`` shrunk to what is drawn in it (a coarse render, near-white left out): a Form XObject's
    or an image's box often holds white margins that are not the figure.  ``caption_box`` (a scanned
    page's): the ink cut to the blocks, between wide blank gutters, over or under the caption
    (``_caption_blocks``), when the caption spans only some of them."""
    width, height = page.get_size()
    x0, y0, x1, y1 = region
    if x1 - x0 < 4 or y1 - y0 < 4:
        return region
    bitmap = page.render(scale=scale, crop=(x0, y0, width - x1, height - y1), grayscale=True)
    image = bitmap.to_pil().convert("L")
    ink = image.point(lambda v: 255 if v < 248 else 0).getbbox()
    if ink is None:
        return region
    if caption_box is not None:
        ink = _caption_blocks(image, ink, ((caption_box[0] - x0) * scale, (caption_box[2] - x0) * scale), scale)
        if ink is None:
            return region
    left, top, right, bottom = _without_specks(image, ink, scale)
    return (x0 + left / scale, y1 - bottom / scale, x0 + right / scale, y1 - top / scale)


def _without_specks(image, ink: tuple[int, int, int, int], scale: float, gap_pt: float = 36.0,
                    share: float = 0.005) -> tuple[int, int, int, int]:
    """The ink box less a speck at its edge: a few pixels of ink (a curve's end drawn past its clip, a
    stray mark) set apart from the figure by a wide blank band (``gap_pt``), with under ``share`` of
    the ink, would stretch the region over the white between."""
    import numpy as np

    dark = np.asarray(image) < 248
    box = list(ink)
    for axis in (0, 1):  # 0: rows (top, bottom), 1: columns (left, right)
        profile = dark.sum(axis=1 - axis)
        total = profile.sum()
        lo, hi = (box[1], box[3]) if axis == 0 else (box[0], box[2])
        used = np.nonzero(profile[lo:hi])[0] + lo
        if len(used) < 2 or total == 0:
            continue
        gaps = np.nonzero(np.diff(used) > gap_pt * scale)[0]
        if not len(gaps):
            continue
        start, end = 0, len(used)
        first, last = gaps[0], gaps[-1]
        if profile[used[0]:used[first] + 1].sum() < share * total:
            start = first + 1
        if profile[used[last + 1]:used[-1] + 1].sum() < share * total:
            end = last + 1
        if start < end:
            lo, hi = used[start], used[end - 1] + 1
        if axis == 0:
            box[1], box[3] = int(lo), int(hi)
        else:
            box[0], box[2] = int(lo), int(hi)
    return tuple(box)


def _caption_blocks(image, ink: tuple[int, int, int, int], span: tuple[float, float], scale: float,
                    gutter_pt: float = 12.0) -> tuple[int, int, int, int] | None:
    """The ink box cut to the side-by-side blocks (columns of ink between blank gutters ``gutter_pt``
    wide) that the caption's ``span`` (pixels) overlaps: two figures side by side over their own tags
    ("Fig. 5.14" under the left, "Fig. 5.15" under the right) in one scanned page image.  The box as it
    is when the caption spans every block or none (a caption under the whole figure, panels and all)."""
    import numpy as np

    dark = np.asarray(image) < 128  # (a 1-bit scan's specks of grey do not bridge a gutter)
    left, top, right, bottom = ink
    profile = dark[top:bottom, left:right].sum(axis=0)
    used = np.nonzero(profile > 1)[0]
    if len(used) < 2:
        return ink
    breaks = np.nonzero(np.diff(used) > gutter_pt * scale)[0]
    blocks = [(used[a], used[b]) for a, b in zip(np.r_[0, breaks + 1], np.r_[breaks, len(used) - 1])]
    hit = [(a + left, b + left + 1) for a, b in blocks if min(b + left, span[1]) - max(a + left, span[0]) > 0]
    if not hit or len(hit) == len(blocks):
        return ink
    x0, x1 = hit[0][0], hit[-1][1]
    box = image.crop((x0, top, x1, bottom)).point(lambda v: 255 if v < 248 else 0).getbbox()
    return (x0 + box[0], top + box[1], x0 + box[2], top + box[3]) if box else None
