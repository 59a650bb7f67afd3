"""Hitachi SEM calibration: the instrument's ``[SemImageFile]`` text, in a sidecar or in the TIFF's tags.

Hitachi SEMs (S-4800, SU8000/SU8600, Regulus, FlexSEM, TM tabletops) save each image with a text
file of the same name (``image.tif`` + ``image.txt``): an ``[SemImageFile]`` section of key=value
lines, written in UTF-16 by recent software and in 8-bit code pages by older ones.  ``PixelSize`` is
in nm for the saved ``DataSize`` (columns x rows); older files without it give the field of view
(``FOV=254 μm``).  Recent software copies some of the lines into the TIFF too: the Windows
``XPComment`` tag (40092, UTF-16LE bytes) or the ``ImageDescription`` (``PixelSize=317.5``).
The format is a maker's, read by key, never by a file's name.
"""

from __future__ import annotations

import re
from pathlib import Path

from figdex.models.instrument_axes import text_length_nm

SECTION = "[SemImageFile]"
_XP_COMMENT = 40092
_LINE = re.compile(r"^\s*([A-Za-z][\w.]*)\s*=\s*(.*?)\s*$")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


def decode(raw: bytes) -> str:
    """Text of a Hitachi sidecar or tag: UTF-16 (with a BOM, or LE without one, as XPComment), else UTF-8,
    else the 8-bit code page (latin-1 keeps every byte)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16", errors="replace")
    if len(raw) >= 4 and raw[1:2] == b"\x00" and raw[3:4] == b"\x00":
        return raw.decode("utf-16-le", errors="replace").rstrip("\x00")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def parse(text: str) -> dict[str, str]:
    """The key=value lines (the first of a repeated key wins); section lines are skipped."""
    out: dict[str, str] = {}
    for line in text.replace("\x00", "").splitlines():
        m = _LINE.match(line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


def sidecar(image: Path) -> Path | None:
    """The ``[SemImageFile]`` text beside an image (same stem, .txt in any case), or None."""
    for candidate in (image.with_suffix(".txt"), image.with_suffix(".TXT")):
        try:
            if candidate.is_file() and candidate.stat().st_size < 1 << 20 and \
                    SECTION in decode(candidate.read_bytes()[:4096]):
                return candidate
        except OSError:
            continue
    return None


def _number(value: str | None) -> float | None:
    m = _NUMBER.search(value or "")
    return float(m.group(0).replace(",", ".")) if m else None


def _voltage_kv(value: str | None) -> float | None:
    """'15000 Volt' -> 15.0; '15.0 kV' -> 15.0."""
    number = _number(value)
    if number is None:
        return None
    return number if re.search(r"k\s*v", value or "", re.I) else number / 1000


def hitachi_tags(page) -> dict[str, str]:
    """The key=value lines Hitachi software writes into a TIFF page (XPComment, ImageDescription); empty when
    neither carries a ``PixelSize=`` line."""
    for code in (_XP_COMMENT, 270):
        tag = page.tags.get(code)
        if tag is None:
            continue
        value = tag.value
        text = decode(bytes(value)) if isinstance(value, (bytes, bytearray, tuple, list)) else str(value)
        md = parse(text)
        if "PixelSize" in md:
            author = page.tags.get(40093)  # XPAuthor: the instrument's name ('SU8600')
            if author is not None and isinstance(author.value, (bytes, bytearray)):
                md.setdefault("XPAuthor", decode(bytes(author.value)).strip())
            return md
    return {}


def read_hitachi(path: Path, width_px: int | None, tags: dict[str, str] | None = None):
    """An InstrumentScale from the sidecar beside ``path`` and the tags' lines (``hitachi_tags``), the sidecar's
    values first; None when there is neither.  ``width_px``: the image's width as read, so that a pixel
    size written for another ``DataSize`` is rescaled."""
    from figdex.models.instrument_meta import InstrumentScale

    side = sidecar(path)
    md = dict(tags or {})
    where = "tags"
    if side is not None:
        md = {**md, **parse(decode(side.read_bytes()))}
        where = side.name
    if not md:
        return None
    size = re.match(r"\s*(\d+)\s*[xX*]\s*(\d+)", md.get("DataSize", ""))
    data_w = int(size.group(1)) if size else None
    pixel = _number(md.get("PixelSize"))
    pixel = pixel if pixel and pixel > 0 else None
    fov = text_length_nm(md.get("FOV"))
    nm_per_px, note = pixel, None
    if pixel and data_w and width_px and data_w != width_px:
        nm_per_px = pixel * data_w / width_px
        note = f"PixelSize {pixel:g} nm is for {data_w} px; the image is {width_px} px wide: rescaled"
    elif pixel is None and fov and (width_px or data_w):
        nm_per_px = fov / (width_px or data_w)
        note = f"no PixelSize in the Hitachi text ({where}): field of view / image width"
    elif pixel is None:
        note = f"{path.name}: Hitachi text ({where}) without PixelSize or FOV; scale read from the pixels"
    instrument = (md.get("InstructName") or md.get("XPAuthor") or "").strip() or None
    if instrument is None and re.match(r"\s*([A-Z]{1,3}-?\d{3,5}[A-Z]?)\b", md.get("DataNumber", "")):
        instrument = md["DataNumber"].split()[0]
    wd_nm = text_length_nm(md.get("WorkingDistance"))
    mag = _number(md.get("Magnification"))
    if mag is None:
        m = re.search(r"Mag\s*=\s*x?\s*([\d.,]+)\s*(k)?", md.get("Condition", ""), re.I)
        mag = float(m.group(1).replace(",", "")) * (1000 if m.group(2) else 1) if m else None
    kv = _voltage_kv(md.get("AcceleratingVoltage"))
    if kv is None:
        m = re.search(r"Vacc\s*=\s*([\d.]+)\s*kV", md.get("Condition", ""), re.I)
        kv = float(m.group(1)) if m else None
    return InstrumentScale("hitachi:" + ("sidecar" if side is not None else "tags"), nm_per_px, instrument, mag,
                           fov, kv, (md.get("SignalName") or "").strip() or None, pixel, note,
                           wd_nm / 1e6 if wd_nm else None)


def sidecars(image: Path) -> list[Path]:
    """The instrument text files the readers look for beside an image: Hitachi's ``[SemImageFile]`` .txt and a
    Tescan .hdr (``[MAIN]``).  ``ingest-images`` copies them beside the stored copy (named by its hash), so the
    copy is read as the original is."""
    found = [side] if (side := sidecar(image)) is not None else []
    hdr = image.with_suffix(".hdr")
    try:
        if hdr.is_file() and hdr.stat().st_size < 1 << 20 and b"[MAIN]" in hdr.read_bytes()[:4096]:
            found.append(hdr)
    except OSError:
        pass
    return found
