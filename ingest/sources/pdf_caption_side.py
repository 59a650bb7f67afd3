"""Which side of its figure a document sets a kind of caption on, from the geometry of its pages: ACS sets its
schemes' and charts' captions over them and its figures' under them, MDPI 2012 sets every caption over its
figure.  Part of the PDF parser: a kind whose captions sit over their figures looks below first, so that it
does not take the figure over it, which belongs to the caption over that one.
"""

from __future__ import annotations

from figdex.ingest.sources.pdf_layout import Box, Caption, Graphic, Line, caption_blocks, is_body_text, x_overlap

_NEAR = 25.0  # points: a figure starts this close to its caption, with nothing else between


def _nearest(cap: Caption, graphics: list[Graphic], lines: list[Line], page_box: Box, side: str) -> float:
    """How far the nearest drawing over (``side`` "above") or under the caption is; infinite when running text or
    nothing comes first."""
    return _nearest_drawing(cap, graphics, lines, page_box, side)[0]


def next_to(cap: Caption, graphics: list[Graphic], lines: list[Line], page_box: Box, side: str) -> Box | None:
    """The drawing right over (``side`` "above") or under the caption, within ``_NEAR`` with no running text
    between, or None: what this caption's figure starts with, which another caption's must not take (ACS
    Inorg. Chem.: a scheme's drawing 16 pt over the figure under it, both read as one figure from either caption)."""
    distance, box = _nearest_drawing(cap, graphics, lines, page_box, side)
    return box if distance <= _NEAR else None


def _nearest_drawing(cap, graphics, lines, page_box, side) -> tuple[float, Box | None]:
    box, width = cap.box, cap.box[2] - cap.box[0]
    height = page_box[3] - page_box[1]
    top, bottom = page_box[3] - 0.065 * height, page_box[1] + 0.065 * height  # (running heads and feet)
    own = {id(ln) for ln in cap.lines}

    def distance(b: Box) -> float | None:
        if x_overlap(b, box) <= 0:
            return None
        d = b[1] - box[3] if side == "above" else box[1] - b[3]
        return d if d >= -2 else None

    drawn = [(d, g.box) for g in graphics if min(g.box[2] - g.box[0], g.box[3] - g.box[1]) > 2.5
             and g.box[1] < top and g.box[3] > bottom and (d := distance(g.box)) is not None]
    text = [d for ln in lines if id(ln) not in own and is_body_text(ln, width) and (d := distance(ln.box)) is not None]
    nearest = min(drawn, default=(float("inf"), None), key=lambda d: d[0])
    return nearest if nearest[0] < min(text, default=float("inf")) else (float("inf"), None)


def kinds_captioned_above(pages: list[tuple[list[Line], list[Graphic], Box]]) -> set[str]:
    """The kinds of figure ("figure", "scheme", "chart") whose captions the document sets over their drawings:
    its captions of that kind with a drawing right under them (within ``_NEAR``, nothing between) and none as
    near over them are two or more, and more than twice those the other way round."""
    over: dict[str, int] = {}
    under: dict[str, int] = {}
    for lines, graphics, page_box in pages:
        for cap in caption_blocks(lines, graphics):
            above = _nearest(cap, graphics, lines, page_box, "above")
            below = _nearest(cap, graphics, lines, page_box, "below")
            if below <= _NEAR and above > 2 * below + 10:
                over[cap.kind] = over.get(cap.kind, 0) + 1
            elif above <= _NEAR and below > 2 * above + 10:
                under[cap.kind] = under.get(cap.kind, 0) + 1
    # (Two captions at least, and twice as many as the other way: one caption over its figure in a paper of
    # text figures over their captions is that figure's own layout, NAACL 2013.)
    return {kind for kind, n in over.items() if n >= 2 and n > 2 * under.get(kind, 0)}


def heads_its_page(cap: Caption, graphics: list[Graphic], lines: list[Line], page_box: Box) -> bool:
    """Nothing over the caption but the page's running head (in its top tenth), and a drawing right under it (within
    ``_NEAR``): its figure can only be that one, and the caption looks there first whatever its kind's side (ACS
    Inorg. Chem.'s one scheme heads its page; the figure caption under the scheme took its drawing while the
    scheme's caption still looked over itself)."""
    box = cap.box
    top = page_box[3] - 0.1 * (page_box[3] - page_box[1])  # (ACS's head stands 7 % of the page from its top)
    own = {id(ln) for ln in cap.lines}
    if any(id(ln) not in own and x_overlap(ln.box, box) > 0 and ln.box[1] >= box[3] - 1 and ln.box[1] < top
           for ln in lines):
        return False
    if any(min(g.box[2] - g.box[0], g.box[3] - g.box[1]) > 2.5 and x_overlap(g.box, box) > 0
           and g.box[1] >= box[3] - 2 and g.box[1] < top for g in graphics):
        return False
    return _nearest(cap, graphics, lines, page_box, "below") <= _NEAR
