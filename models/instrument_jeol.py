"""JEOL SEM calibration: the ``$KEY value`` text JEOL SEMs save beside each image.

JEOL SEMs (JSM, JIB and IT series) save ``image.tif`` (or .bmp/.jpg) with ``image.txt``: one setting per
line, ``$CM_FORMAT JEOL-SEM``, ``$CM_VERSION 3.0``, ``$CM_INSTRUMENT 4700F``, ``$CM_MAG 50``,
``$CM_FULL_SIZE 1280 960``, ``$CM_ACCEL_VOLT 5.00`` (kV), ``$$SM_WD 9.07`` (mm) and, on some versions,
``$$SM_MICRON_BAR 250`` (the drawn bar's length in pixels of the full size) with ``$$SM_MICRON_MARKER
500um`` (its value), or ``$CM_FIELD_OF_VIEW 1.067mm 0.800mm``.  The pixel size is rarely written outright,
so it is derived, in order of trust:

1. the micron bar and its marker (what JEOL's own software and ImageJ macros such as EM-tool use);
2. the field of view, over the image's width;
3. the magnification: JEOL defines it against a 128 mm wide field at x1 (the reference delmic/odemis's
   JEOL reader uses too), so the field is 128 mm / magnification.

The sidecar is recognised by its ``$CM_FORMAT JEOL...`` or ``$CM_VERSION`` line, never by a file's name.
"""

from __future__ import annotations

import re
from pathlib import Path

from figdex.models.instrument_axes import text_length_nm

# JEOL's magnification reference: the field at x1 is 128 mm wide (see the module docstring).
REFERENCE_FIELD_NM = 128e6
_LINE = re.compile(r"^\s*\$+([A-Z][A-Z0-9_]*)\s*(.*?)\s*$")
_LENGTH = re.compile(r"([-+]?\d+(?:[.,]\d+)?)\s*([a-zA-Zµμ]+)?")


def parse(text: str) -> dict[str, str]:
    """The ``$KEY value`` lines (leading ``$`` or ``$$`` dropped; the first of a repeated key wins)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m:
            out.setdefault(m.group(1), m.group(2))
    return out


def is_jeol(md: dict[str, str]) -> bool:
    return md.get("CM_FORMAT", "").upper().startswith("JEOL") or "CM_VERSION" in md and "CM_MAG" in md


def sidecar(image: Path) -> tuple[Path, dict[str, str]] | None:
    """The JEOL text beside an image (same stem, .txt in any case) and its settings, or None."""
    for candidate in (image.with_suffix(".txt"), image.with_suffix(".TXT")):
        try:
            if not candidate.is_file() or candidate.stat().st_size >= 1 << 20:
                continue
            raw = candidate.read_bytes()
        except OSError:
            continue
        md = parse(raw.decode("utf-8", errors="replace"))
        if is_jeol(md):
            return candidate, md
    return None


def _number(value: str | None) -> float | None:
    m = _LENGTH.search(value or "")
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    return number if number > 0 else None


def _positive(value: float | None) -> float | None:
    return value if value and value > 0 else None


def _image_width(path: Path) -> int | None:
    """The saved image's width from its header (a .bmp/.jpg: no TIFF page was read), or None."""
    try:
        from PIL import Image

        with Image.open(path) as im:
            return int(im.size[0])
    except Exception:  # noqa: BLE001 - an unreadable image leaves the sidecar's full size to stand in
        return None


def read_jeol(path: Path, width_px: int | None):
    """An InstrumentScale from the JEOL text beside ``path``, or None when there is none.  ``width_px``: the
    image's width as read (a bar or field given for ``$CM_FULL_SIZE`` is rescaled to it)."""
    from figdex.models.instrument_meta import InstrumentScale

    found = sidecar(Path(path))
    if found is None:
        return None
    side, md = found
    full = re.match(r"\s*(\d+)\s+(\d+)", md.get("CM_FULL_SIZE", ""))
    full_w = int(full.group(1)) if full else None
    width = width_px or _image_width(Path(path)) or full_w
    mag = _number(md.get("CM_MAG"))
    bar_px = _number(md.get("SM_MICRON_BAR"))
    marker_nm = _positive(text_length_nm(md.get("SM_MICRON_MARKER")))
    fov_nm = _positive(text_length_nm(md.get("CM_FIELD_OF_VIEW"), default_unit="mm"))
    nm_per_px = field_nm = None
    how = None
    if bar_px and marker_nm:
        nm_per_px = marker_nm / bar_px * ((full_w / width) if full_w and width else 1.0)
        field_nm = nm_per_px * width if width else None
        how = "micron bar and marker"
    elif fov_nm and width:
        field_nm, how = fov_nm, "field of view / image width"
    elif mag and width:
        field_nm, how = REFERENCE_FIELD_NM / mag, "128 mm / magnification (JEOL's reference field), / image width"
    if nm_per_px is None and field_nm and width:
        nm_per_px = field_nm / width
    note = f"JEOL text {side.name}: {how}" if how else \
        f"{Path(path).name}: JEOL text {side.name} gives no bar, field or magnification; scale read from the pixels"
    instrument = md.get("CM_INSTRUMENT", "").strip() or None
    if instrument and not instrument.upper().startswith("JEOL"):
        instrument = f"JEOL {instrument}"
    kv = _number(md.get("CM_ACCEL_VOLT"))
    wd = _number(md.get("SM_WD"))
    detector = (md.get("CM_DETECTOR_NAME") or md.get("CM_SIGNAL_NAME") or "").strip() or None
    return InstrumentScale("jeol:sidecar", nm_per_px, instrument or "JEOL SEM", mag, field_nm, kv, detector,
                           None, note, wd)
