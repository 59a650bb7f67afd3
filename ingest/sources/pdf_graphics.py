"""The drawing objects of a PDF page (images, paths, shadings, Form XObjects) as boxes in the page's
displayed space: what ``pdf_layout`` groups into figure regions.  Part of the PDF parser.

A page with a /Rotate entry is seen as it is displayed (and rendered): pdfium reports text and objects
in the unrotated page space, so ``display_matrix`` maps them onto the displayed page (origin bottom
left), where ``page.get_size()``, rendering and the gold's regions are.
"""

from __future__ import annotations

import re

from figdex.ingest.sources.pdf_layout import Box, Graphic, area, union
from figdex.limits import MAX_PDF_PAGE_OBJECTS

Matrix = tuple[float, float, float, float, float, float]


def display_matrix(page, rotation: int | None = None) -> Matrix | None:
    """The matrix from pdfium's page space to the displayed page (origin bottom left), or None for a
    page without rotation whose crop box starts at the media box's origin.  ``get_rotation`` is
    clockwise; the crop box is what is displayed (and rendered), so a crop box set inside a larger
    media box (OUP's printer's sheet with the trimmed page on it) moves everything by its corner.
    ``rotation``: turn the page so (``turned_matrix``), whatever it says."""
    rotation = (page.get_rotation() if rotation is None else rotation) % 360
    left, bottom, right, top = page.get_cropbox()
    if rotation == 0:
        if abs(left) < 0.01 and abs(bottom) < 0.01:
            return None
        return (1.0, 0.0, 0.0, 1.0, -left, -bottom)
    # (a, b, c, d, e, f): X = a x + c y + e, Y = b x + d y + f
    if rotation == 90:  # the left edge is now the top
        return (0.0, -1.0, 1.0, 0.0, -bottom, right)
    if rotation == 180:
        return (-1.0, 0.0, 0.0, -1.0, right, top)
    return (0.0, 1.0, -1.0, 0.0, top, -left)  # 270: the left edge is now the bottom


def turned_matrix(page, textpage, raw, sample: int = 400) -> Matrix | None:
    """For a page set sideways without saying so (no /Rotate: a landscape figure and its caption
    printed up the page, Royal Society), the matrix that turns it upright, as if it said so; None
    for a page whose text mostly runs across it, or that has a /Rotate entry of its own."""
    if page.get_rotation() % 360:
        return None
    n = raw.FPDFText_CountChars(textpage.raw)
    step = max(1, n // sample)
    quarters = [0, 0, 0, 0]
    for i in range(0, n, step):
        if 0x20 < raw.FPDFText_GetUnicode(textpage.raw, i) and not raw.FPDFText_IsGenerated(textpage.raw, i):
            quarters[round(raw.FPDFText_GetCharAngle(textpage.raw, i) / 1.5707963) % 4] += 1
    total = sum(quarters)
    if total < 40:
        return None
    # pdfium's angle runs clockwise: text at 270 degrees reads up the page, as a page turned 90 shows it.
    for quarter, rotation in ((3, 90), (1, 270)):
        if quarters[quarter] >= 0.5 * total and not _upright_caption(textpage, raw, n, quarter):
            return display_matrix(page, rotation)
    return None


_LABEL = re.compile(r"(?:Figure|Fig\.|FIGURE|FIG\.|Scheme|SCHEME)\s?\d")


def _upright_caption(textpage, raw, n: int, quarter: int) -> bool:
    """The page's upright text opens a caption and its sideways text does not: an upright page whose figure is
    made of words set up the page (the Transformer paper's attention maps, "Figure 4: Two attention heads ..."
    under them), not a page turned sideways."""
    texts = {0: [], quarter: []}
    for i in range(n):
        code = raw.FPDFText_GetUnicode(textpage.raw, i)
        side = round(raw.FPDFText_GetCharAngle(textpage.raw, i) / 1.5707963) % 4
        if side in texts and 0 < code < 0x110000:
            texts[side].append(chr(code))
    return bool(_LABEL.search("".join(texts[0]))) and not _LABEL.search("".join(texts[quarter]))


def inverse(matrix: Matrix) -> Matrix:
    a, b, c, d, e, f = matrix
    det = a * d - b * c
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def address(handle) -> int:
    """A pdfium object handle's address: what identifies it (two handles of one object are equal)."""
    import ctypes

    return ctypes.c_void_p.from_buffer(handle).value or 0 if handle else 0  # (a third of ctypes.cast's time)


def page_graphics(page, raw, symbol_text: dict | None = None, matrix: Matrix | None | bool = False,
                  clipped_text: dict | None = None, slashes: list | None = None) -> tuple[list[Graphic], bool]:
    """Images, paths and shadings of a page in displayed page coordinates; Form XObjects as one graphic
    each, except page-sized ones (a page wrapped in a form), which are opened.  True when past the bound.
    An image is marked "top" (its own pixels may be taken) only when drawn on an unrotated page, not
    inside a form.
    ``symbol_text``, when given, receives the addresses of the page's text objects set in a font that
    draws signs on letters or digits (Symbol, EuclidSymbol, SymbolMT: their "r" is a rho; Mathematical
    Pi: its "1" is a plus), each with its table (``pdf_font_encodings.sign_table``), for ``page_lines``.
    ``clipped_text``, when given, receives the addresses of the text objects inside an opened form that
    are clipped, each with its clip's box: a page of another document placed as a figure (MDPI: a
    figure cut out of the manuscript's page) shows only what its clip lets through, and pdfium still
    reports all of that page's text.  The objects' own boxes are cut to their clip likewise.  Text filled white
    with nothing drawn under it gets a clip that shows none of it (``_NOWHERE``).
    ``slashes``, when given, receives the boxes of small paths shaped as a solidus (``_is_slash``): IOP draws
    the "/" of "1/T" as a filled stroke between the glyphs, and the text layer reads "1 T"; and ("bar", box)
    for each short thin horizontal path (a built-up fraction's bar, if text stands over and under it)."""
    import ctypes

    from figdex.ingest.sources.pdf_font_encodings import sign_table

    width, height = page.get_size()
    page_area = width * height
    out: list[Graphic] = []
    count = 0
    texts = [0, 0]  # text objects, those drawn invisible (render mode 3: an OCR layer over a scan)
    backgrounds: list[Graphic] = []
    tables: dict[int, dict | None] = {}  # font address -> its sign table (None: a text font)
    white_text: list[tuple[int, Box]] = []  # text objects filled white: (address, box)
    name = ctypes.create_string_buffer(128)

    def symbol_font(obj) -> dict | None:
        font = raw.FPDFTextObj_GetFont(obj)
        key = address(font)
        if key not in tables:
            length = raw.FPDFFont_GetBaseFontName(font, name, 128) if key else 0
            tables[key] = sign_table(name.raw[: max(0, length - 1)].decode("latin-1", "replace"))
        return tables[key]

    def visit(handle, matrix, objects_iter, direct=True):
        nonlocal count
        for obj_handle in objects_iter:
            count += 1
            if count > MAX_PDF_PAGE_OBJECTS:
                return True
            kind = raw.FPDFPageObj_GetType(obj_handle)
            # (Only inside a form: its page of another document is what a clip cuts down to a figure;
            # the page's own objects are clipped to their page, and reading each one's clip costs time.)
            clip = None if direct else _clip_box(obj_handle, raw, matrix)
            if kind == raw.FPDF_PAGEOBJ_TEXT:
                texts[0] += 1
                texts[1] += raw.FPDFTextObj_GetTextRenderMode(obj_handle) == raw.FPDF_TEXTRENDERMODE_INVISIBLE
                if symbol_text is not None:
                    table = symbol_font(obj_handle)
                    if table is not None:
                        symbol_text[address(obj_handle)] = table
                if clipped_text is not None and clip is not None:
                    clipped_text[address(obj_handle)] = clip
                elif clipped_text is not None and _white_fill(obj_handle, raw):
                    white_text.append((address(obj_handle), transform_box(_bounds(obj_handle, raw), matrix)))
                continue
            box = transform_box(_bounds(obj_handle, raw), matrix)
            if clip is not None:
                box = (max(box[0], clip[0]), max(box[1], clip[1]), min(box[2], clip[2]), min(box[3], clip[3]))
            box = (max(box[0], 0.0), max(box[1], 0.0), min(box[2], width), min(box[3], height))
            if box[2] <= box[0] or box[3] <= box[1]:
                if not (kind == raw.FPDF_PAGEOBJ_PATH and (box[2] >= box[0] and box[3] >= box[1])):
                    continue
            if kind == raw.FPDF_PAGEOBJ_FORM:
                if area(box) > 0.4 * page_area:
                    inner = compose(matrix, _matrix(obj_handle, raw))
                    n = raw.FPDFFormObj_CountObjects(obj_handle)
                    if visit(obj_handle, inner, (raw.FPDFFormObj_GetObject(obj_handle, i) for i in range(n)), False):
                        return True
                    continue
                tight = _form_content_box(obj_handle, compose(matrix, _matrix(obj_handle, raw)), raw, clipped_text)
                if tight is not None:  # what it draws, not its declared BBox (often the whole page)
                    box = (max(box[0], tight[0]), max(box[1], tight[1]), min(box[2], tight[2]), min(box[3], tight[3]))
                out.append(Graphic(box, "form"))
                continue
            if area(box) > 0.8 * page_area:
                if kind == raw.FPDF_PAGEOBJ_IMAGE:
                    backgrounds.append(Graphic(box, "image"))
                continue  # a page background
            name = {raw.FPDF_PAGEOBJ_IMAGE: "image", raw.FPDF_PAGEOBJ_SHADING: "shading"}.get(kind, "path")
            if (slashes is not None and name == "path" and 3.0 <= box[3] - box[1] <= 16.0
                    and 0.2 <= (box[2] - box[0]) / (box[3] - box[1]) <= 0.8 and _is_slash(obj_handle, raw, matrix)):
                slashes.append(box)
            elif slashes is not None and name == "path" and box[3] - box[1] <= 1.2 and 2.0 <= box[2] - box[0] <= 40.0:
                slashes.append(("bar", box))  # (maybe a built-up fraction's bar: ``pdf_text_lines``)
            # Handles die with their page: an image is found again by its box when it is rendered.
            upright = matrix is None or matrix[:4] == (1.0, 0.0, 0.0, 1.0)  # (a crop box's offset only)
            out.append(Graphic(box, name, "top" if name == "image" and direct and upright else None))
        return False

    n = raw.FPDFPage_CountObjects(page.raw)
    matrix = display_matrix(page) if matrix is False else matrix  # (a turned page's: ``turned_matrix``)
    too_many = visit(page.raw, matrix, (raw.FPDFPage_GetObject(page.raw, i) for i in range(n)))
    for key, box in white_text:
        # White text with nothing drawn under it is unseen: TBMM's BMC template sets each figure's title
        # again, white, over its "Figure 1" label, and it was read into the caption ("Figure 1 ific EGFR").
        # (White on a drawing, a micrograph's scale bar label, is seen, and kept.)
        middle = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
        if not any(g.box[0] <= middle[0] <= g.box[2] and g.box[1] <= middle[1] <= g.box[3]
                   for g in out + backgrounds):
            clipped_text[key] = _NOWHERE
    if texts[0] and texts[1] >= 0.8 * texts[0]:
        # A scanned page under an invisible OCR text layer: its page-sized image is the page's figures and
        # text together, which the regions cut the figures out of (``pdf_regions``), not a background.
        out.extend(backgrounds)
    return out, bool(too_many)


_NOWHERE = (-1e9, -1e9, -1e9, -1e9)  # a clip no glyph is inside: the text object is not seen at all


def _white_fill(handle, raw) -> bool:
    """A text object drawn by filling its glyphs in white (not stroked or invisible: those are others' cases)."""
    import ctypes

    if raw.FPDFTextObj_GetTextRenderMode(handle) != raw.FPDF_TEXTRENDERMODE_FILL:
        return False
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not raw.FPDFPageObj_GetFillColor(handle, r, g, b, a):
        return False
    return min(r.value, g.value, b.value) >= 250 and a.value > 0


def _is_slash(handle, raw, matrix) -> bool:
    """A path of one straight stroke, or a thin filled parallelogram, rising to the right on the displayed
    page (a solidus; not a bar, a box, a triangle marker or a curve)."""
    import ctypes

    n = raw.FPDFPath_CountSegments(handle)
    if not 2 <= n <= 5:
        return False
    a, b, c, d, e, f = compose(matrix, _matrix(handle, raw)) if matrix is not None else _matrix(handle, raw)
    x, y = ctypes.c_float(), ctypes.c_float()
    points = []
    for i in range(n):
        segment = raw.FPDFPath_GetPathSegment(handle, i)
        if not segment or raw.FPDFPathSegment_GetType(segment) == raw.FPDF_SEGMENT_BEZIERTO:
            return False
        raw.FPDFPathSegment_GetPoint(segment, ctypes.byref(x), ctypes.byref(y))
        points.append((a * x.value + c * y.value + e, b * x.value + d * y.value + f))
    low, high = min(p[1] for p in points), max(p[1] for p in points)
    height = high - low
    if height <= 0:
        return False
    bottom = [p[0] for p in points if p[1] - low <= 0.1 * height]
    top = [p[0] for p in points if high - p[1] <= 0.1 * height]
    # (its ends: the top's points right of the bottom's by a third of its height, and each end narrow)
    return (sum(top) / len(top) - sum(bottom) / len(bottom) >= 0.3 * height
            and max(top) - min(top) <= 0.25 * height and max(bottom) - min(bottom) <= 0.25 * height)


def _clip_box(handle, raw, matrix) -> Box | None:
    """The box an object's clip leaves visible, in displayed page space (the intersection of its clip
    paths' point boxes; a curve's control points can only widen it), or None when it has no clip."""
    import ctypes

    clip = raw.FPDFPageObj_GetClipPath(handle)
    if not clip:
        return None
    x, y = ctypes.c_float(), ctypes.c_float()
    out = None
    for i in range(raw.FPDFClipPath_CountPaths(clip)):
        xs, ys = [], []
        for j in range(raw.FPDFClipPath_CountPathSegments(clip, i)):
            segment = raw.FPDFClipPath_GetPathSegment(clip, i, j)
            if segment and raw.FPDFPathSegment_GetPoint(segment, x, y):
                xs.append(x.value)
                ys.append(y.value)
        if not xs:
            continue
        box = transform_box((min(xs), min(ys), max(xs), max(ys)), matrix)
        out = box if out is None else (max(out[0], box[0]), max(out[1], box[1]), min(out[2], box[2]), min(out[3], box[3]))
    return out


def _form_content_box(handle, matrix, raw, clipped_text: dict | None = None, limit: int = 5000) -> Box | None:
    """Page-space box of what a Form XObject's own objects draw (text included) where their clips let
    them show, or None; its clipped text objects go into ``clipped_text`` (``page_graphics``)."""
    n = raw.FPDFFormObj_CountObjects(handle)
    if n <= 0 or n > limit:
        return None
    boxes = []
    for i in range(n):
        child = raw.FPDFFormObj_GetObject(handle, i)
        b = transform_box(_bounds(child, raw), matrix)
        clip = _clip_box(child, raw, matrix)  # (a page of another document cut down to its figure)
        if clip is not None and clipped_text is not None and raw.FPDFPageObj_GetType(child) == raw.FPDF_PAGEOBJ_TEXT:
            clipped_text[address(child)] = clip
        if clip is not None:
            b = (max(b[0], clip[0]), max(b[1], clip[1]), min(b[2], clip[2]), min(b[3], clip[3]))
        if b[2] > b[0] or b[3] > b[1]:
            boxes.append(b)
    return union(boxes) if boxes else None


def _bounds(handle, raw) -> Box:
    import ctypes

    l, b, r, t = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    raw.FPDFPageObj_GetBounds(handle, l, b, r, t)
    return (l.value, b.value, r.value, t.value)


def _matrix(handle, raw):
    import ctypes

    m = raw.FS_MATRIX()
    raw.FPDFPageObj_GetMatrix(handle, ctypes.byref(m))
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def compose(outer, inner):
    """Matrix of ``inner`` applied first, then ``outer`` (None: identity)."""
    if outer is None:
        return inner
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def transform_box(box: Box, matrix) -> Box:
    if matrix is None:
        return box
    a, b, c, d, e, f = matrix
    if a == d == 1.0 and b == c == 0.0:  # a crop box's offset alone (every character of such a page)
        return (box[0] + e, box[1] + f, box[2] + e, box[3] + f)
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[0], box[3]), (box[2], box[1]), (box[2], box[3])):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return (min(xs), min(ys), max(xs), max(ys))
