"""A frame drawn round a figure and its caption together (BMC Cancer 2020: a rounded box, its four sides
thin lines and its corners small arcs): none of its pieces is a drawing of the figure.  A corner arc,
the drawing nearest a short caption set at the frame's left, seeded the figure there (IoU 0).  Part of the
PDF parser (``shade_ground``, moved here from pdf_layout, where it was the only user)."""

from __future__ import annotations

from figdex.ingest.sources.pdf_layout import Box, Graphic

_THIN = 2.5  # points: a stroke, not a shape
_CORNER = 8.0  # points: how far a rounded corner sets the sides out from the top and bottom rules' ends
_MAX_RULES = 200  # a page with more thin lines is a table or a drawing: no frame is looked for


def caption_frame_pieces(cap_box: Box, graphics: list[Graphic]) -> set[int]:
    """Ids of the paths that make up a frame round the caption and more: a top and a bottom rule of one
    extent, as wide as the caption or wider, over and under it, a thin side at each end (set out up
    to ``_CORNER`` for a rounded corner), and the corner pieces between them (paths inside the frame's
    border band, ``_CORNER`` wide)."""
    paths = [g for g in graphics if g.kind == "path"]
    across = [g.box for g in paths if g.box[3] - g.box[1] <= _THIN and g.box[2] - g.box[0] >= 40]
    down = [g.box for g in paths if g.box[2] - g.box[0] <= _THIN and g.box[3] - g.box[1] >= 20]
    if len(across) > _MAX_RULES or len(down) > _MAX_RULES:
        return set()
    out: set[int] = set()
    for top in across:
        if top[1] < cap_box[3] or top[0] > cap_box[0] or top[2] < cap_box[2]:
            continue
        for bottom in across:
            if bottom[3] > cap_box[1] or abs(bottom[0] - top[0]) > 3 or abs(bottom[2] - top[2]) > 3:
                continue

            def side(x: float, outward: int) -> bool:
                return any(0 <= (x - v[0]) * outward <= _CORNER and v[1] <= bottom[3] + _CORNER
                           and v[3] >= top[1] - _CORNER and v[3] - v[1] >= 0.8 * (top[1] - bottom[3])
                           for v in down)

            if not (side(top[0], 1) and side(top[2], -1)):
                continue
            outer = (min(top[0], bottom[0]) - _CORNER, bottom[1] - 1, max(top[2], bottom[2]) + _CORNER, top[3] + 1)
            inner = (outer[0] + 2 * _CORNER, outer[1] + _CORNER, outer[2] - 2 * _CORNER, outer[3] - _CORNER)
            for g in paths:
                b = g.box
                within = outer[0] <= b[0] and b[2] <= outer[2] and outer[1] <= b[1] and b[3] <= outer[3]
                on_border = b[0] < inner[0] or b[2] > inner[2] or b[1] < inner[1] or b[3] > inner[3]
                small_or_thin = min(b[2] - b[0], b[3] - b[1]) <= _THIN or max(b[2] - b[0], b[3] - b[1]) <= _CORNER
                if within and on_border and small_or_thin:
                    out.add(id(g))
    return out


def shade_ground(cap_box: Box, graphics: list) -> set[int]:
    """The shade of a box that holds a caption and its figure (IPCC's light-blue "Box 7.6"), drawn as fills
    wider than the caption on both sides, one of them against the caption, and the box's other pieces (strips
    over and beside the figure's white panel) flush with its left or right edge: the figure's ground, not its
    drawing (its panel is the white fill on it).  A frame round a figure and its caption (BMC) is no drawing of
    the figure either."""
    seeds = [g.box for g in graphics if g.kind == "path" and g.box[0] < cap_box[0] - 5 and g.box[2] > cap_box[2] + 5
             and g.box[3] - g.box[1] > 2.5 and g.box[1] <= cap_box[3] + 2 and g.box[3] >= cap_box[3] - 2]
    return {id(g) for g in graphics if g.kind == "path" and any(
        g.box[0] >= s[0] - 1 and g.box[2] <= s[2] + 1 and (abs(g.box[0] - s[0]) <= 1 or abs(g.box[2] - s[2]) <= 1)
        for s in seeds)} | caption_frame_pieces(cap_box, graphics)  # (a frame of lines, BMC Cancer 2020)
