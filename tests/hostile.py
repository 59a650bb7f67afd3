"""Hostile inputs made by the tests themselves, from real files where there is one to start from.

Nothing here is presented as real data: a bomb is a valid PNG header declaring huge dimensions
over a few bytes of pixels, a truncated JPEG is a real figure of the demo corpus cut short, a
deep page is a real page with elements nested inside one of its captions.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from tests.conftest import DEMO, REPO

REAL_JPEG = DEMO / "nature" / "figures" / "s41467-018-06297-9_fig1.jpg"
REAL_PNG_AS_JPG = DEMO / "nature" / "figures" / "s41467-018-06211-3_fig1.jpg"  # PNG content (MANIFEST)
NATURE_PAGE = DEMO / "nature" / "html" / "s41467-018-06297-9.html"
JATS_FILE = REPO / "tests" / "data" / "jats" / "pone.0000217.nxml"
CAPTION_START = '<p>Electrokinetics over patterned and fluid-filled surfaces.'  # Fig. 1 of NATURE_PAGE


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int = 20000, height: int = 20000) -> bytes:
    """A decompression bomb: a well-formed grey PNG that declares ``width`` x ``height`` pixels and
    carries one compressed row (a few hundred bytes; decoding it would need width*height bytes)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\0" * (width + 1)))
            + _chunk(b"IEND", b""))


def png(width: int, height: int, mode: str = "L", value=255) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, (width, height), value).save(buf, format="PNG")
    return buf.getvalue()


def truncated_jpeg(fraction: float = 0.5) -> bytes:
    """A real JPEG of the demo corpus cut short (a download that stopped)."""
    data = REAL_JPEG.read_bytes()
    return data[: int(len(data) * fraction)]


def converted(mode: str, fmt: str = "PNG", width: int = 240, **save) -> bytes:
    """The real JPEG in another pixel mode (CMYK JPEG, 16-bit grey PNG, palette GIF, ...), ``width``
    pixels wide (small: the image stages run OCR over each)."""
    import numpy as np
    from PIL import Image

    with Image.open(REAL_JPEG) as im:
        im = im.convert("RGB")
        im = im.resize((width, round(im.height * width / im.width)))
        if mode == "I;16":
            grey = np.asarray(im.convert("L"), dtype=np.uint16) * 257
            im = Image.fromarray(grey)  # mode I;16
        elif mode == "F":
            im = Image.fromarray(np.asarray(im.convert("L"), dtype=np.float32) / 7.0)  # mode F
        else:
            im = im.convert(mode)
        buf = io.BytesIO()
        im.save(buf, format=fmt, **save)
    return buf.getvalue()


def animated_gif() -> bytes:
    """Three frames cut from the real figure (half size), as an animated GIF."""
    from PIL import Image

    with Image.open(REAL_JPEG) as im:
        im = im.convert("RGB")
        im = im.resize((im.width // 2, im.height // 2))
        w, h = im.size
        frames = [im.crop((i * w // 3, 0, (i + 1) * w // 3, h)).convert("P") for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30"/></svg>'

# name -> (file name, bytes, whether a figdex image stage must accept it)
def hostile_images() -> dict[str, tuple[str, bytes, bool]]:
    return {
        "bomb": ("bomb.png", bomb_png(), False),
        "thin": ("thin.png", png(1, 100000), False),
        "wide": ("wide.png", png(100000, 1), False),
        "truncated": ("truncated.jpg", truncated_jpeg(), False),
        "empty": ("empty.png", b"", False),
        "svg": ("drawing.png", SVG, False),  # an SVG saved under an image name
        "cmyk": ("cmyk.jpg", converted("CMYK", "JPEG"), True),
        "grey16": ("grey16.png", converted("I;16"), True),
        "float": ("float.tif", converted("F", "TIFF"), True),
        "animated": ("animated.gif", animated_gif(), True),
        "palette": ("palette.png", converted("P"), True),
        "one_pixel": ("dot.png", png(1, 1), True),
    }


def write_images(folder: Path, names=None) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for key, (name, data, _) in hostile_images().items():
        if names is None or key in names:
            (folder / name).write_bytes(data)
            out[key] = folder / name
    return out


def nested(text: str, marker: str, depth: int, tag: str = "italic") -> str:
    """``text`` with ``depth`` nested ``tag`` elements inserted right after ``marker``."""
    i = text.index(marker) + len(marker)
    return text[:i] + f"<{tag}>" * depth + "x" + f"</{tag}>" * depth + text[i:]


def caption_page(extra: str) -> str:
    """The real Nature page with ``extra`` added to the start of Fig. 1's caption text."""
    page = NATURE_PAGE.read_text(encoding="utf-8")
    assert CAPTION_START in page
    return page.replace(CAPTION_START, CAPTION_START[:3] + extra + CAPTION_START[3:], 1)
