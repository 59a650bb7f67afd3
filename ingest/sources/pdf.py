"""PDF articles: metadata, and every figure and scheme with its label, page, caption and region.

``parse_pdf(path)`` is the library function (the arXiv family falls back on it when an e-print
has no source); ``PdfParser`` registers it as the source parser ``pdf``.

Library: pypdfium2 (Apache-2.0 / BSD-3-Clause, Google's PDFium) reads text with positions, the
drawing objects and renders regions, fast and in one wheel.  PyMuPDF would do the same but is
AGPL-3.0, which an MIT project cannot ship; pdfminer.six/pdfplumber (MIT) are pure Python and
~20x slower on vector-heavy pages.  Its import stays inside the functions (heavy, optional extra).

Each figure's image is the region rendered at PDF_RENDER_DPI (300 dpi: scale-bar labels stay
readable), or, when the figure is one raster image and nothing drawn over it, that image's own
pixels at their native resolution.  Images are written under the cache directory
(``<cache_dir>/pdf/<sha256 of the PDF>/``) and the ingest pipeline copies them into the dataset.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from figdex import settings
from figdex.index.records import IMAGE_OK, Article, Figure, ParsedArticle
from figdex.ingest.sources.base import SourceError, SourceParser, register_parser
from figdex.ingest.sources.pdf_caption_side import heads_its_page, kinds_captioned_above, next_to
from figdex.ingest.sources.pdf_column_floats import figure_on_page_before, other_column_region, without_running_text
from figdex.ingest.sources.pdf_graphics import (
    _bounds, compose, display_matrix, inverse, page_graphics, transform_box, turned_matrix,
)
from figdex.ingest.sources.pdf_furniture import below_running_head, drawing_key, repeated_drawings, repeated_lines
from figdex.ingest.sources.pdf_metadata import article_metadata
from figdex.ingest.sources.pdf_sheets import in_half, sheet_halves
from figdex.ingest.sources.pdf_text_figures import frames, text_figure_region
from figdex.ingest.sources.pdf_legend_pages import figures_on_pages_after_legends
from figdex.ingest.sources.pdf_layout import (
    Box, Caption, Graphic, Line, area, caption_blocks, caption_start, intersection, join_lines, label_neighbours,
    label_stops, union,
)
from figdex.ingest.sources.pdf_hyphens import document_words
from figdex.ingest.sources.pdf_ink import trim_to_ink
from figdex.ingest.sources.pdf_regions import figure_region
from figdex.limits import (
    MAX_FILE_SECONDS, MAX_IMAGE_PIXELS, MAX_PDF_PAGE_OBJECTS, MAX_PDF_PAGES, PDF_RENDER_DPI,
)

_SCANNED = ("scanned or image-only PDF: its pages are pictures with no text layer, so no caption, "
            "figure or text can be read; run OCR on it (e.g. `ocrmypdf in.pdf out.pdf`) and ingest that copy")


@dataclass
class PdfFigure:
    """A figure found on a page: what the gold file and ``figdex eval pdf`` compare."""

    kind: str
    label: str
    number: str
    page: int  # 1-based
    caption: str  # the caption as printed, label included
    region: Box | None  # PDF points, origin bottom left
    image_file: str | None = None
    native: bool = False  # the image is the embedded raster's own pixels
    graphics: list = field(default_factory=list, repr=False)  # the drawing objects in the region
    size: float = 0.0  # the type size of the caption's first line
    caption_lines: list = field(default_factory=list, repr=False)  # its lines' text, as pdfium read them
    caption_box: Box | None = field(default=None, repr=False)


@dataclass
class PdfDocumentResult:
    article: Article
    figures: list[PdfFigure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pages: int = 0
    scanned: bool = False


def _open(path: Path):
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise SourceError(f"{path}: reading PDFs needs pypdfium2, which is not installed; "
                          "install it with: pip install 'figdex[pdf]'") from None

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise SourceError(f"{path}: not a readable PDF ({exc}); if it is password-protected, save an "
                          "unprotected copy; if it is damaged or cut short, download it again") from None
    if len(doc) == 0:
        doc.close()
        raise SourceError(f"{path}: the PDF has no pages; download it again")
    return doc


def parse_pdf(path: str | Path, *, render: bool = True, out_dir: Path | None = None,
              deadline: float | None = None) -> ParsedArticle:
    """The article in a PDF with its figures; ``render=False`` finds the figures without images
    (what ``figdex eval pdf`` times).  Raises SourceError naming the file when it cannot be read."""
    result = analyse_pdf(path, render=render, out_dir=out_dir, deadline=deadline)
    return to_parsed_article(result)


def to_parsed_article(result: PdfDocumentResult) -> ParsedArticle:
    figures, counts = [], Counter()
    for fig in result.figures:
        counts[fig.kind] += 1
        caption = re.sub(r"^\s*" + re.escape(fig.label) + r"\s*[.:|\u2502\u2014\u2013-]?\s*", "", fig.caption)
        figures.append(Figure(
            number=counts[fig.kind], label=fig.label, caption=caption, kind=fig.kind,
            image_file=fig.image_file, image_status=IMAGE_OK if fig.image_file else "missing",
            page=fig.page,
        ))
    return ParsedArticle(result.article, tuple(figures), tuple(result.problems))


def analyse_pdf(path: str | Path, *, render: bool = True, out_dir: Path | None = None,
                deadline: float | None = None) -> PdfDocumentResult:
    path = Path(path)
    deadline = deadline or time.monotonic() + MAX_FILE_SECONDS
    doc = _open(path)
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        n_pages = len(doc)
        if n_pages > MAX_PDF_PAGES:
            raise SourceError(f"{path}: {n_pages} pages, more than the {MAX_PDF_PAGES} figdex reads from one PDF "
                              "(a book or a batch of articles?); split it into one PDF per article")
        problems: list[str] = []
        pages_text: list[list[Line]] = []
        scanned_pages = 0
        found: list[PdfFigure] = []
        pending: list[tuple] = []  # each text page's parts, read before any figure is looked for
        sizes: dict[int, tuple[float, float]] = {}
        page_graphics_of: dict[int, tuple | None] = {}  # page number -> (its drawings, its box): a figure's page may be the one before its caption's
        for index in range(n_pages):
            if time.monotonic() > deadline:
                raise SourceError(f"{path}: reading its pages took more than {MAX_FILE_SECONDS} s (figdex's limit "
                                  "per file); split the PDF or remove it from the input")
            try:
                page = doc[index]
                textpage = page.get_textpage()
            except pdfium.PdfiumError as exc:  # a damaged page object: the other pages are still read
                problems.append(f"page {index + 1}: pdfium could not read it ({exc}); its figures are not found")
                pages_text.append([])
                continue
            symbol_text: dict[int, dict] = {}
            turned = turned_matrix(page, textpage, raw)  # a page set sideways without a /Rotate entry
            matrix = turned or display_matrix(page)
            clipped_text: dict[int, Box] = {}
            slashes: list[Box] = []  # ("1/T" with its "/" drawn as a stroke: read into the text line)
            graphics, too_many = page_graphics(page, raw, symbol_text, matrix, clipped_text, slashes)
            lines = _lines_or_none(textpage, raw, matrix, symbol_text, clipped_text, slashes)
            width, height = page.get_size()
            page_box = (0.0, 0.0, height, width) if turned else (0.0, 0.0, width, height)
            halves = [page_box] if turned else sheet_halves(page, lines, page_box)
            # A two-up sheet's text in reading order: the left page's lines, then the right one's.
            pages_text.append([ln for half in halves for ln in in_half(lines, half)] if len(halves) > 1 else lines)
            if too_many:
                problems.append(f"page {index + 1}: more than {MAX_PDF_PAGE_OBJECTS:,} drawing objects; "
                                "its figures' regions were not computed (figdex's limit)")
            if _is_scanned_page(lines, graphics, page):
                scanned_pages += 1
                continue
            pending.append((index, page, lines, graphics, page_box, halves, turned, too_many))
        # A drawing repeated at one place in the top or foot band of the pages (a journal's logo, its header
        # rule) is furniture: the only drawing above a caption heading its page, it took the figure's place.
        furniture = repeated_drawings([(g, box[3]) for _, _, _, g, box, _, _, _ in pending])
        above = kinds_captioned_above([(ln, [g for g in gr if drawing_key(g, box[3]) not in furniture], box)
                                       for _, _, ln, gr, box, halves, turned, _ in pending if len(halves) == 1 and not turned])
        for index, page, lines, graphics, page_box, halves, turned, too_many in pending:
            graphics = [g for g in graphics if drawing_key(g, page_box[3]) not in furniture]
            sizes[index] = page.get_size()
            page_graphics_of[index + 1] = (graphics, page_box) if len(halves) == 1 and not turned else None
            for half in halves:  # a two-up sheet's figures keep its page number and its coordinates
                figures = _page_figures(in_half(lines, half), in_half(graphics, half), half, index + 1, too_many, above)
                if turned:  # regions back in the page's own coordinates (the gold's, the renderer's)
                    back = compose(display_matrix(page), inverse(turned))
                    for fig in figures:
                        fig.region = transform_box(fig.region, back) if fig.region else None
                        fig.graphics = []
                found.extend(figures)
        scanned = n_pages > 0 and scanned_pages >= max(1, (n_pages + 1) // 2)
        if scanned:
            problems.insert(0, f"{path}: {_SCANNED}")
            found = []
        figures_on_pages_after_legends(found, page_graphics_of, pages_text)  # (legends listed on a page of their own)
        figures = _choose(found, problems)
        _captions_under_the_figure_of_the_page_before(figures, pages_text, page_graphics_of)
        # A hyphen at a caption line's end stays where the document writes the compound with one.
        words = document_words(ln.text for page_lines in pages_text for ln in page_lines)
        for fig in figures:
            fig.caption = label_stops(join_lines(fig.caption_lines, words))
        repeated = repeated_lines(pages_text, {i: size[1] for i, size in sizes.items()})
        for fig in figures:
            drawn = page_graphics_of.get(fig.page)
            if fig.region is not None and drawn and repeated:  # (a running head inside a form's box)
                fig.region = below_running_head(fig.region, pages_text[fig.page - 1], drawn[0], drawn[1][3], repeated)
            if fig.region is not None:
                # (On a scanned page, the page's image cut to the caption's window may hold the figure beside
                # too; ``page_graphics`` keeps a page-sized image only under an invisible OCR layer.)
                scan = drawn and any(g.kind == "image" and area(g.box) > 0.8 * area(drawn[1]) for g in drawn[0])
                fig.region = trim_to_ink(doc[fig.page - 1], fig.region, caption_box=fig.caption_box if scan else None)
        article = article_metadata(doc, path, pages_text, scanned)
        if render and figures:
            out = out_dir or _cache_dir(path)
            out.mkdir(parents=True, exist_ok=True)
            for fig in figures:
                if fig.region is None:
                    problems.append(f"{fig.label} (page {fig.page}): its caption was found but no graphics near "
                                    "it; stored without an image")
                    continue
                fig.image_file, fig.native, note = _render(doc[fig.page - 1], fig, out, raw)
                if note:
                    problems.append(note)
        return PdfDocumentResult(article, figures, problems, n_pages, scanned)
    finally:
        doc.close()


def _captions_under_the_figure_of_the_page_before(figures: list[PdfFigure], pages_text: list[list[Line]],
                                                  page_graphics_of: dict) -> None:
    """A caption with no drawing near it that heads its page takes the figure ending the page before,
    and that page's number (``pdf_column_floats.figure_on_page_before``)."""
    for fig in figures:
        if fig.region is not None or fig.page < 2 or not fig.caption_lines:
            continue
        before = page_graphics_of.get(fig.page - 1)
        if not before or not page_graphics_of.get(fig.page):
            continue
        graphics, page_box = before
        claimed = [f.region for f in figures if f.page == fig.page - 1 and f.region is not None]
        hit = figure_on_page_before(fig.caption_lines[0], pages_text[fig.page - 1], pages_text[fig.page - 2],
                                    graphics, claimed, page_box)
        if hit is not None:
            fig.region, fig.graphics = hit
            fig.page -= 1
    figures.sort(key=lambda f: f.page)


def _page_figures(lines: list[Line], graphics: list[Graphic], page_box: Box, page: int,
                  too_many: bool, captioned_above: set[str] = frozenset()) -> list[PdfFigure]:
    """The figures of one page.  Every caption looks above itself first; only then do the captions
    still without a figure look below and beside (a caption under a text-only figure would otherwise
    take the drawing above the next caption); a caption with no drawing anywhere near gets its
    text-only figure (a framed box, an indented block of examples or rules) when there is one."""
    claimed: list[Box] = []
    captions = caption_blocks(lines, graphics)
    claimed.extend(c.box for c in captions)
    hits: dict[int, tuple] = {}
    if not too_many:
        boxes = _outer_frames(frames(graphics))
        # (a kind the document captions over its drawings looks under itself first: ``pdf_caption_side``)
        over = [c.kind in captioned_above or heads_its_page(c, graphics, lines, page_box) for c in captions]
        # Each caption's first drawing on the side it looks first is its own: no other caption's figure takes it.
        own = [next_to(c, graphics, lines, page_box, "below" if o else "above") for c, o in zip(captions, over)]
        for first in (True, False):
            for i, caption in enumerate(captions):
                if i in hits:
                    continue
                directions = (("below",) if over[i] else ("above",)) if first else (
                    ("above", "left", "right") if over[i] else ("below", "left", "right"))
                others = [b for j, b in enumerate(own) if b is not None and j != i and j not in hits]
                hit = figure_region(caption, graphics, lines, page_box, claimed + others, directions, boxes)
                if hit is not None:
                    hit = (without_running_text(hit[0], caption, lines, page_box), hit[1])
                    hits[i] = hit
                    claimed.append(hit[0])
        for i, caption in enumerate(captions):
            if i not in hits:
                hit = text_figure_region(caption, lines, graphics, page_box, claimed)
                if hit is not None:
                    hits[i] = hit
                    claimed.append(hit[0])
        # Last, a tall figure in the other column (its caption at the foot of this one).  Captions set
        # apart from the running text's type size go first: a body line that opens with "Fig. 8."
        # must not take the figure whose caption is further down.
        body_size = _body_size(lines)
        for i in sorted(set(range(len(captions))) - set(hits),
                        key=lambda i: abs(captions[i].lines[0].size - body_size) < 0.05 * body_size):
            hit = other_column_region(captions[i], graphics, lines, page_box, claimed)
            if hit is not None:
                hits[i] = hit
                claimed.append(hit[0])
    return [_figure(caption, page, hits.get(i)) for i, caption in enumerate(captions)]


def _body_size(lines: list[Line]) -> float:
    """The running text's type size on a page (the median size of its long lines)."""
    sizes = sorted(ln.size for ln in lines if len(ln.text.split()) >= 7)
    return sizes[len(sizes) // 2] if sizes else 0.0


def _outer_frames(boxes: list[Box]) -> list[Box]:
    """The frames a figure's text may sit in: large ones, not inside another (a ruled table's cells
    make hundreds of frames, and each region looks at every one for every text line)."""
    large = sorted({tuple(round(v, 1) for v in b) for b in boxes if area(b) >= 5000}, key=area, reverse=True)
    outer: list[Box] = []
    for b in large:
        if not any(o[0] <= b[0] and o[1] <= b[1] and o[2] >= b[2] and o[3] >= b[3] for o in outer):
            outer.append(b)
    return outer


def _lines_or_none(textpage, raw, matrix, symbol_text, clipped_text=None, slashes=None) -> list[Line]:
    from figdex.ingest.sources.pdf_text_lines import page_lines

    from figdex.ingest.sources.pdf_caption_labels import ocr_label_digits

    return [ocr_label_digits(ln) for ln in page_lines(textpage, raw, matrix, symbol_text, clipped_text, slashes)]


def _figure(caption: Caption, page: int, hit) -> PdfFigure:
    region = hit[0] if hit else None
    return PdfFigure(caption.kind, caption.label, caption.number, page, caption.text, region,
                     graphics=hit[1] if hit else [], size=caption.lines[0].size,
                     caption_lines=[ln.text for ln in caption.lines], caption_box=caption.box)


def _choose(found: list[PdfFigure], problems: list[str]) -> list[PdfFigure]:
    """One figure per printed label, and one more per page a figure is continued on ("Fig. 1.
    Continued."): of the captions with one label, one with graphics beats one without (a body line
    that happens to start with "Figure 2."), and one set in the type size of the document's other
    captions beats one that is not; a bare tag ("Fig. 1." alone under a full-page figure) takes the
    caption printed for it on the page before or after.  A label with no graphics anywhere is kept
    only when it is the first of its number (a figure whose drawing pdfium could not see still has
    its caption)."""
    # "Fig. 9c" where the document has a Figure 9: a reference to its panel c in running text (a
    # protocol's "Fig. 9c — =INDEX(...)", a wrapped "(see) Fig. 11b."), not a caption of its own.
    numbers = {(f.kind, f.number.upper()) for f in found}
    panels = [f for f in found if f.region is not None and re.fullmatch(r"S?\d+[A-Za-z]", f.number)]
    for fig in found:
        # Panels captioned as figures of their own over the figure's caption on one page ("Figure 7a: After
        # tuning ...", "Figure 7b: Delta ..." over "Figure 7: RQ1, RQ2 ...", elsarticle): the figure is
        # theirs together, their lines with them (which had kept the caption under them from any drawing).
        own = [f for f in panels if f.page == fig.page and f.kind == fig.kind
               and f.number[:-1].upper() == fig.number.upper()]
        if fig.region is None and len(own) >= 2:
            fig.region = union([f.region for f in own] + [f.caption_box for f in own if f.caption_box])
            fig.graphics = [g for f in own for g in f.graphics]
    found = [f for f in found if not (re.fullmatch(r"S?\d+[A-Za-z]", f.number)
                                      and (f.kind, f.number[:-1].upper()) in numbers)]
    continued = [f for f in found if f.region is not None and _CONTINUED.match(_after_label(f))]
    found = [f for f in found if not any(f is c for c in continued)]
    sizes = sorted(f.size for f in found if f.region is not None)
    caption_size = sizes[len(sizes) // 2] if sizes else 0.0

    def rank(fig: PdfFigure) -> tuple:
        # (then the larger region: a few lines taken by a reference in running text are not a figure)
        return (fig.region is not None, abs(fig.size - caption_size) <= 0.08 * max(caption_size, 1.0),
                area(fig.region) if fig.region else 0.0)

    groups: dict[tuple[str, str], list[PdfFigure]] = {}
    for fig in found:
        groups.setdefault((fig.kind, fig.number.upper()), []).append(fig)
    kept = []
    for group in groups.values():
        best = max(group, key=rank)  # (the first of the best: max keeps the first of equals)
        if not _after_label(best).strip(" .:|"):
            # A bare tag under its figure: the caption printed for it on a page next to it.
            text = [f for f in group if abs(f.page - best.page) == 1
                    and _after_label(f).strip(" .:|")]
            if text:
                best.caption, best.caption_lines = text[0].caption, text[0].caption_lines
        kept.append(best)
    # Captions without graphics that continue a numbered sequence are real figures missed; ones that
    # stand alone are references in running text.
    out = []
    numbers = {(f.kind, f.number.upper()) for f in kept if f.region is not None}
    for fig in kept:
        if fig.region is None and numbers and (fig.kind, fig.number.upper()) not in numbers:
            has_neighbour = any(label_neighbours(fig.number, n) for k, n in numbers if k == fig.kind)
            if not has_neighbour:
                continue
        out.append(fig)
    out.extend(f for f in continued if (f.kind, f.number.upper()) in numbers)
    return sorted(out, key=lambda f: f.page)


# "Fig. 1. Continued.", "Figure 2 (continued)", "Fig. 3 cont.": the same figure on one more page.
_CONTINUED = re.compile(r"^\W*(?:continued|cont\.|cont'd)\W*$", re.I)


def _after_label(fig: PdfFigure) -> str:
    return fig.caption[len(fig.label):] if fig.caption.startswith(fig.label) else fig.caption


def _is_scanned_page(lines: list[Line], graphics: list[Graphic], page) -> bool:
    """A page that is a picture: next to no text and an image (or a form holding one) over most of it."""
    text_chars = sum(len(ln.text.strip()) for ln in lines)
    if text_chars > 40 or any(caption_start(ln) for ln in lines):
        return False  # (a full-page figure with its tag, "Fig. 1.", under it is a page of the article)
    width, height = page.get_size()
    # One page-sized image, or a scan stored as strips of images.
    covered = sum(area(g.box) for g in graphics if g.kind in ("image", "form"))
    if covered >= 0.5 * width * height:
        return True
    import pypdfium2.raw as raw  # an image inside a page-sized form was opened: look at the raw objects

    n = raw.FPDFPage_CountObjects(page.raw)
    for i in range(min(n, 50)):
        obj = raw.FPDFPage_GetObject(page.raw, i)
        if raw.FPDFPageObj_GetType(obj) in (raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM):
            if area(_bounds(obj, raw)) >= 0.5 * width * height:
                return True
    return False


def _cache_dir(path: Path) -> Path:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Path(settings.get("cache_dir")) / "pdf" / digest[:32]


def _render(page, fig: PdfFigure, out: Path, raw) -> tuple[str | None, bool, str | None]:
    """The figure's image file: the embedded raster's own pixels when the figure is that one image,
    else the region rendered at PDF_RENDER_DPI (coarser when that would pass MAX_IMAGE_PIXELS)."""
    region = fig.region
    stem = f"p{fig.page}_{fig.kind}{re.sub(r'[^A-Za-z0-9]', '', fig.number)}"
    graphics = fig.graphics
    images = [g for g in graphics if g.kind == "image"]
    # One raster image holding the whole figure (its white margins may have been trimmed off):
    # its own pixels, cut to the figure.
    if (len(images) == 1 and images[0].obj is not None and area(region) > 0
            and area(images[0].box) <= 1.25 * area(region)
            and intersection(images[0].box, region) >= 0.98 * area(region)):
        native = _native_image(page, images[0].box, out / f"{stem}.png", region)
        if native:
            return native, True, None
    width_pt, height_pt = region[2] - region[0], region[3] - region[1]
    scale = PDF_RENDER_DPI / 72.0
    note = None
    if width_pt * height_pt * scale * scale > MAX_IMAGE_PIXELS:
        scale = (MAX_IMAGE_PIXELS / (width_pt * height_pt)) ** 0.5 * 0.99
        note = (f"{fig.label} (page {fig.page}): rendered at {scale * 72:.0f} dpi, not {PDF_RENDER_DPI}, to stay "
                f"within the {MAX_IMAGE_PIXELS // 1_000_000} MP figdex stores")
    page_w, page_h = page.get_size()
    crop = (region[0], region[1], page_w - region[2], page_h - region[3])
    bitmap = page.render(scale=scale, crop=crop, may_draw_forms=True)
    image = bitmap.to_pil().convert("RGB")
    target = out / f"{stem}.png"
    image.save(target)
    return str(target), False, note


def _native_image(page, box: Box, target: Path, region: Box | None = None) -> str | None:
    import pypdfium2.raw as raw

    shown = display_matrix(page)  # (``box`` is in the displayed page's coordinates; pdfium's are the page's)
    matches = [obj for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=0)
               if max(abs(a - b) for a, b in zip(transform_box(obj.get_bounds(), shown), box)) < 1.0]
    if len(matches) != 1:
        return None
    image_obj = matches[0]
    try:
        width, height = image_obj.get_px_size()
        if width * height > MAX_IMAGE_PIXELS or min(width, height) < 16:
            return None
        pil = image_obj.get_bitmap(render=False).to_pil()
        if pil.mode not in ("RGB", "L"):
            pil = pil.convert("RGB")
        if region is not None and tuple(region) != tuple(box):  # the trimmed part, in the image's pixels
            sx, sy = pil.width / (box[2] - box[0]), pil.height / (box[3] - box[1])
            pil = pil.crop((int((region[0] - box[0]) * sx), int((box[3] - region[3]) * sy),
                            int(round((region[2] - box[0]) * sx)), int(round((box[3] - region[1]) * sy))))
        pil.save(target)
        return str(target)
    except Exception:  # masks, unusual colour spaces: rendering the region is always possible
        return None


@register_parser
class PdfParser(SourceParser):
    name = "pdf"
    priority = 100  # a PDF is recognised by its header alone

    def sniff(self, path: Path, head: str) -> bool:
        return head.lstrip("\ufeff")[:1024].lstrip().startswith("%PDF-")

    def parse(self, path: Path) -> Iterator[ParsedArticle]:
        yield parse_pdf(path)
