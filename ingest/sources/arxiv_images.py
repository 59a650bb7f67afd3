"""The image of each LaTeX figure, from the graphics files of its e-print.

A figure made of one PNG/JPEG file keeps that file's bytes (its native pixels).  PDF graphics
are rendered with pypdfium2 (Apache-2.0/BSD, an optional extra: ``pip install 'figdex[pdf]'``)
at 300 dpi, EPS/PS with Ghostscript when it is installed; anything that cannot be rendered is
reported with the reason and the figure is stored without an image.  A figure of several
graphics (sub-figures) is composed into one image, panels laid out in rows by the widths the
LaTeX gives them, as the page prints them, so that figure separation sees what a reader sees.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

from figdex.errors import FigdexError
from figdex.ingest.sources.arxiv_source import Graphic
from figdex.ingest.sources.eprint_archive import Eprint
from figdex.limits import LimitError, image_size_problem, open_image

RASTER = (".png", ".jpg", ".jpeg")
OTHER_RASTER = (".gif", ".tif", ".tiff", ".bmp")
RENDER_DPI = 300  # keeps scale-bar text of vector figures readable
MAX_RENDER_SIDE = 6000  # pixels of the long side of one rendered graphic
COMPOSE_WIDTH = 2400  # pixels of a composed multi-panel figure's full text width
GUTTER = 12  # white pixels between composed panels


class RenderError(FigdexError, ValueError):
    """A graphic that cannot be turned into pixels; the message says why (kept as the figure's problem)."""


def figure_image(eprint: Eprint, graphics: tuple[Graphic, ...]) -> tuple[bytes, str] | None:
    """(file bytes, extension) of the figure's image, or None when it has no graphics.

    Raises RenderError naming each graphic that could not be read."""
    if not graphics:
        return None
    missing = [g.name for g in graphics if g.member is None]
    if missing:
        raise RenderError(f"graphics not in the e-print: {', '.join(missing)}")
    if len(graphics) == 1:
        member = graphics[0].member
        ext = os.path.splitext(member)[1].lower()
        if ext in RASTER:
            data = eprint.files[member]
            _check_raster(member, data)
            return data, ".jpg" if ext == ".jpeg" else ext
        return _png(render(eprint, member)), ".png"
    images = [(render(eprint, g.member), g.width) for g in graphics]
    return _png(compose(images)), ".png"


def _check_raster(name: str, data: bytes) -> None:
    try:
        with open_image(io.BytesIO(data)) as im:
            im.verify()
    except LimitError as exc:
        raise RenderError(f"{name}: {str(exc).split(': ', 1)[-1]}") from None
    except Exception as exc:  # noqa: BLE001  Pillow raises many kinds for broken files
        raise RenderError(f"{name}: not a readable image ({exc})") from None


def render(eprint: Eprint, member: str):
    """A graphic of the e-print as an RGB Pillow image."""
    ext = os.path.splitext(member)[1].lower()
    data = eprint.files[member]
    if ext in RASTER + OTHER_RASTER:
        try:
            im = open_image(io.BytesIO(data))
            im.load()
        except LimitError as exc:
            raise RenderError(f"{member}: {str(exc).split(': ', 1)[-1]}") from None
        except Exception as exc:  # noqa: BLE001
            raise RenderError(f"{member}: not a readable image ({exc})") from None
        return _rgb(im)
    if ext == ".pdf":
        return _render_pdf(member, data)
    if ext in (".eps", ".ps"):
        return _render_eps(member, data)
    raise RenderError(f"{member}: {ext or 'extension-less'} graphics are not rendered (PDF, EPS, PNG and JPEG are)")


def _render_pdf(member: str, data: bytes):
    try:
        import pypdfium2 as pdfium
    except ImportError:
        raise RenderError(f"{member}: PDF graphic not rendered: pypdfium2 is not installed "
                          "(pip install 'figdex[pdf]')") from None
    try:
        pdf = pdfium.PdfDocument(data)
        try:
            page = pdf[0]
            width, height = page.get_size()  # points
            scale = RENDER_DPI / 72
            scale = min(scale, MAX_RENDER_SIDE / max(width, height, 1))
            problem = image_size_problem(max(1, round(width * scale)), max(1, round(height * scale)))
            if problem:
                raise RenderError(f"{member}: {problem}")
            image = page.render(scale=scale).to_pil()
        finally:
            pdf.close()
    except RenderError:
        raise
    except Exception as exc:  # noqa: BLE001  pdfium's errors for broken files
        raise RenderError(f"{member}: not a readable PDF ({exc})") from None
    return _rgb(image)


def _render_eps(member: str, data: bytes):
    if shutil.which("gs") is None:
        raise RenderError(f"{member}: EPS graphic not rendered: Ghostscript (gs) is not installed "
                          "(apt install ghostscript)")
    from PIL import Image

    try:
        im = Image.open(io.BytesIO(data))
        im.load(scale=max(1, round(RENDER_DPI / 72)))
    except Exception as exc:  # noqa: BLE001
        raise RenderError(f"{member}: Ghostscript could not render it ({exc})") from None
    return _rgb(im)


def _rgb(im):
    from PIL import Image

    if im.mode in ("RGBA", "LA", "P"):
        im = im.convert("RGBA")
        white = Image.new("RGB", im.size, "white")
        white.paste(im, mask=im.getchannel("A"))
        return white
    return im.convert("RGB") if im.mode != "RGB" else im


def compose(images: list) -> object:
    """Panels laid out in rows as LaTeX sets them: each takes its width fraction (half the text width
    when the LaTeX gives none); a row ends when the next panel would not fit."""
    from PIL import Image

    rows: list[list] = [[]]
    used = 0.0
    for im, width in images:
        frac = min(1.0, width if width else 0.5)
        if rows[-1] and used + frac > 1.001:
            rows.append([])
            used = 0.0
        rows[-1].append((im, frac))
        used += frac
    laid = []
    for row in rows:
        scaled = []
        for im, frac in row:
            w = max(1, round(COMPOSE_WIDTH * frac) - GUTTER)
            h = max(1, round(im.height * w / im.width))
            scaled.append(im.resize((w, h)))
        laid.append(scaled)
    height = sum(max(im.height for im in row) for row in laid) + GUTTER * (len(laid) - 1)
    width = max(sum(im.width for im in row) + GUTTER * (len(row) - 1) for row in laid)
    problem = image_size_problem(width, height)
    if problem:
        raise RenderError(f"the composed figure: {problem}")
    canvas = Image.new("RGB", (width, height), "white")
    y = 0
    for row in laid:
        row_w = sum(im.width for im in row) + GUTTER * (len(row) - 1)
        x = (width - row_w) // 2
        row_h = max(im.height for im in row)
        for im in row:
            canvas.paste(im, (x, y))
            x += im.width + GUTTER
        y += row_h + GUTTER
    return canvas


def _png(im) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def write_if_changed(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (via a temporary name) unless the file already holds it."""
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
