"""Figures each on a page of their own after a page of legends.  Part of the PDF parser (``pdf`` calls it on
the captions found, before one is chosen per label).

A manuscript may list its figure legends together on one page ("Figures", then "Figure 1: ...",
"Figure 2: ...") and append each figure as a page sized to the figure, with no caption on it (bioRxiv's
2019 Ebola preprint: a 432 x 299 pt page, a 490 x 513 pt one, a 360 x 551 pt one after letter-sized pages).
The legends then had no drawing near them, and the figure pages no caption: the figures were missed, or
the legends' text taken for text-only figures.  When the pages right after such a page of legends are,
one for each legend, pages of a size the document's text pages do not have, holding drawings and no
caption, each legend (in order of number) takes the drawings of one of them, and that page's number.
"""

from __future__ import annotations

from collections import Counter

from figdex.ingest.sources.pdf_layout import Box, area, union


def figures_on_pages_after_legends(found: list, page_graphics_of: dict, pages_text: list) -> None:
    """Moves, in place, the legends of a page of legends to the caption-less figure pages after it."""
    sizes = Counter(box[2:] for box in (v[1] for v in page_graphics_of.values() if v))
    if len(sizes) < 2:
        return
    text_size = sizes.most_common(1)[0][0]
    captioned = {f.page for f in found}
    for page in sorted(captioned):
        legends = [f for f in found if f.page == page]
        if any(f.graphics for f in legends) or not all(_number(f.number) is not None for f in legends):
            continue
        legends.sort(key=lambda f: _number(f.number))
        numbers = [_number(f.number) for f in legends]
        if len({f.kind for f in legends}) != 1 or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            continue  # (one kind, numbered one after another: a list of legends, not references in a paragraph)
        targets = [page + k for k in range(1, len(legends) + 1)]
        regions = [_figure_page(p, page_graphics_of, pages_text, text_size, captioned) for p in targets]
        if any(r is None for r in regions):
            continue
        for fig, target, region in zip(legends, targets, regions):
            fig.page, fig.region = target, region
            fig.graphics = list(page_graphics_of[target][0])


def _figure_page(page: int, page_graphics_of: dict, pages_text: list, text_size, captioned: set) -> Box | None:
    """The region of the figure filling ``page`` (its drawings and the words among them), or None when it is
    no caption-less page of its own size with drawings over most of it."""
    drawn = page_graphics_of.get(page)
    if page in captioned or not drawn or not drawn[0] or drawn[1][2:] == text_size:
        return None
    graphics, page_box = drawn
    box = union([g.box for g in graphics] + [ln.box for ln in pages_text[page - 1]])
    box = (max(box[0], page_box[0]), max(box[1], page_box[1]), min(box[2], page_box[2]), min(box[3], page_box[3]))
    if box[2] <= box[0] or box[3] <= box[1] or area(box) < 0.5 * area(page_box):
        return None
    return box


def _number(number: str) -> int | None:
    return int(number) if number.isdigit() else None
