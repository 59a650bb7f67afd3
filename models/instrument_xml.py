"""Instrument calibrations kept as XML in a private TIFF tag: Zeiss Orion's ``<ImageTags>`` (tag 65000) and
Fibics ATLAS's ``<Fibics>`` (tag 51023).  ``tifffile`` hands these tags over as bytes; the XML is read here
with the standard library.  Called by ``instrument_meta._from_tifffile``."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from figdex.models.instrument_meta import InstrumentScale

# Zeiss Orion (helium-ion) TIFFs keep the calibration in tag 65000, <ImageTags> XML whose entries are
# <Name><Value>…</Value><Units>…</Units></Name>; their CZ_SEM tag is empty.
ZEISS_XML_TAG = 65000
_XML_UNITS_NM = {"m": 1e9, "mm": 1e6, "millimeters": 1e6, "microns": 1e3, "um": 1e3, "µm": 1e3, "nm": 1.0,
                 "nanometers": 1.0}


def zeiss_xml(tag, path: Path) -> InstrumentScale | None:
    """None when tag 65000 is no <ImageTags> XML (another vendor's private tag)."""
    import xml.etree.ElementTree as ET

    from figdex.models.instrument_meta import InstrumentScale, _num

    raw = tag if isinstance(tag, bytes) else str(tag or "").encode()
    if not raw.lstrip().startswith(b"<ImageTags"):
        return None
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        return InstrumentScale("tifffile:zeiss-orion", None, note=f"{path.name}: Zeiss <ImageTags> XML (tag 65000) "
                                                                  f"unreadable ({exc}); scale read from the pixels")

    def value(name: str, scale: dict | None = None) -> float | None:
        el = root.find(name)
        number = _num(el.findtext("Value")) if el is not None else None
        if number is None or scale is None:
            return number
        factor = scale.get(str(el.findtext("Units") or "").strip().lower())
        return number * factor if factor else None

    pixel = value("ScalingX", _XML_UNITS_NM)
    pixel = pixel if pixel and pixel > 0 else None
    fov = value("Fov", _XML_UNITS_NM) or value("GFIS.FieldOfView", _XML_UNITS_NM)
    kv = value("AccelerationVoltage", {"volts": 1e-3, "v": 1e-3, "kv": 1.0})
    wd = value("WorkingDistance", {"mm": 1.0, "millimeters": 1.0})
    model = (root.findtext("System.Model/Value") or "").strip("_ ") or None
    detector = (root.findtext("DetectorName/Value") or "").strip() or None
    return InstrumentScale("tifffile:zeiss-orion", pixel, model, None, fov, kv, detector, pixel,
                           None if pixel else f"{path.name}: Zeiss <ImageTags> XML without ScalingX; scale read "
                                              "from the pixels", wd)


# Fibics ATLAS (Zeiss FIB-SEM) TIFFs: tag 51023, <Fibics> XML.  Their CZ_SEM tag is absent; the pixel is
# the scan's vector <Scan><Ux>, <Uy> in µm (the same as <FOV_X units="um"> / <Image><Width>).
FIBICS_XML_TAG = 51023
_FIBICS_UNITS_NM = {"um": 1e3, "µm": 1e3, "nm": 1.0, "mm": 1e6}


def fibics_xml(tag, path: Path) -> InstrumentScale:
    import xml.etree.ElementTree as ET

    from figdex.models.instrument_meta import InstrumentScale, _num

    raw = tag if isinstance(tag, bytes) else str(tag or "").encode("latin-1", "replace")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        return InstrumentScale("tifffile:fibics", None, note=f"{path.name}: Fibics XML (tag 51023) unreadable "
                                                             f"({exc}); scale read from the pixels")
    ux, uy = _num(root.findtext("Scan/Ux")), _num(root.findtext("Scan/Uy"))
    pixel = math.hypot(ux, uy or 0.0) * 1e3 if ux is not None else None  # Ux, Uy: µm per pixel
    pixel = pixel if pixel and pixel > 0 else None
    fov_el = root.find("Scan/FOV_X")
    fov = _num(fov_el.text) if fov_el is not None else None
    fov = fov * _FIBICS_UNITS_NM.get((fov_el.get("units") or "um").lower(), 1e3) if fov else None
    width = _num(root.findtext("Image/Width"))
    if pixel is None and fov and width:
        pixel = fov / width
    kv = re.search(r"([\d.]+)\s*kV", root.findtext("Image/Aperture") or "")
    return InstrumentScale("tifffile:fibics", pixel, (root.findtext("Image/Machine") or "").strip() or None, None,
                           fov, _num(kv.group(1)) if kv else None, (root.findtext("Image/Detector") or "").strip()
                           or None, pixel,
                           None if pixel else f"{path.name}: Fibics XML without a scan vector or field of view; "
                                              "scale read from the pixels")
