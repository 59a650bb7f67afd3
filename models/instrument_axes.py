"""Which image of an instrument file the pixel size belongs to, and the readers' unit spellings.

rosettasciio hands over a list of signals, each with its axes (name, units, scale, navigate).  The
image figdex reads is the first one whose two axes are real-space lengths:

- an image (two signal axes in nm, µm, …), before a half FFT or a diffraction pattern (1/nm, mrad)
  that the file may hold first (Velox EMD: "Half FFT" then "HAADF");
- else a spectrum image's map: two navigation axes in lengths over a spectrum (TIA .ser EDS: 5 x 5
  positions x 4000 energy channels), its picture the spectrum summed at each position;
- else (nothing calibrated in lengths) the first signal with two signal axes, as before.

Also: TIFF helpers for calibrations the first page does not carry (a multi-page Olympus SIS file
whose first page is an RGB rendering) and for a camera TIFF that carries no calibration at all.
"""

from __future__ import annotations

import re
from pathlib import Path

# length unit -> nanometres (units as the readers spell them)
NM = {"m": 1e9, "mm": 1e6, "µm": 1e3, "μm": 1e3, "um": 1e3, "micron": 1e3, "nm": 1.0, "Å": 0.1, "A": 0.1,
      "pm": 1e-3}


def length_nm(unit) -> float | None:
    """Nanometres per ``unit``, None for a unit that is no length.  Spellings with spaces or underscores
    ('n_m', Berkeley EMD's nanometre; ' nm ') are read; '1 / µm' stays no length."""
    text = str(unit or "").strip()
    if text in NM:
        return NM[text]
    return NM.get(re.sub(r"[\s_]", "", text))


def text_length_nm(value: str | None, default_unit: str | None = None) -> float | None:
    """A length written by an instrument's text ('254 μm', '500um', '1.067mm') in nm; a bare number is in
    ``default_unit``; None without a length unit."""
    m = re.match(r"\s*([-+]?\d+(?:[.,]\d+)?)\s*([a-zA-Zµμ]+)?", value or "")
    if not m:
        return None
    unit = (m.group(2) or default_unit or "").replace("μ", "µ").replace("um", "µm")
    return float(m.group(1).replace(",", ".")) * NM[unit] if unit in NM else None


def _is_length(axis: dict) -> bool:
    scale = axis.get("scale")
    try:
        scale = float(scale)
    except (TypeError, ValueError):
        return False
    return scale != 0 and scale == scale and length_nm(axis.get("units")) is not None


def pick_image(signals: list[dict]) -> tuple[int, str, list[dict]] | None:
    """(index of the signal, "signal" | "navigation", its two image axes in array order (y, x)) of the
    file's first real-space image; None when no signal has two axes in lengths."""
    for kind in ("signal", "navigation"):
        for i, sig in enumerate(signals):
            axes = sig.get("axes", [])
            group = [a for a in axes if bool(a.get("navigate", False)) == (kind == "navigation")]
            if kind == "navigation" and len(group) == len(axes):
                continue  # no signal axis: not a spectrum image
            if len(group) >= 2 and all(_is_length(a) for a in group[-2:]):
                return i, kind, group[-2:]
    return None


def x_nm_per_px(axes: list[dict]) -> float:
    """nm per pixel along x (the last of the image's axes); a negative step (a flipped axis) is a size."""
    x = axes[-1]
    return abs(float(x["scale"])) * length_nm(x.get("units"))


def navigation_picture(sig: dict):
    """The 2-D map of a spectrum image: its signal summed over the signal axes at each position (the
    first position of any further navigation axis)."""
    import numpy as np

    data = np.asarray(sig["data"])
    axes = sig.get("axes", [])
    sig_dims = tuple(i for i, a in enumerate(axes) if not a.get("navigate", False))
    nav_dims = [i for i, a in enumerate(axes) if a.get("navigate", False)]
    summed = data.sum(axis=sig_dims) if sig_dims else data
    # the dimensions left are the navigation ones, in order: keep the last two
    return summed.reshape((-1,) + summed.shape[-2:])[0] if len(nav_dims) >= 2 else summed


def tiff_page_sis(tif) -> dict | None:
    """The Olympus SIS tag (33560) of the first page that has one: a multi-page SIS file may keep it on a
    later page (the first an uncalibrated RGB rendering), where tifffile's ``sis_metadata`` does not look."""
    for page in tif.pages[:64]:
        value = page.tags.valueof(33560)
        if isinstance(value, dict):
            return dict(value)
    return None


def camera_tiff_without_calibration(path: Path):
    """An InstrumentScale saying "no calibration" for a TIFF whose Make/Model tags name a camera or instrument
    (Zeiss AxioVision: Model 'AxioCamERc5s') and that no calibration reader claimed; None otherwise (a figure)."""
    import tifffile

    from figdex.models.instrument_meta import InstrumentScale

    try:
        with tifffile.TiffFile(path) as tif:
            tags = tif.pages[0].tags
            names = [str(tags.valueof(code) or "").strip("\x00 ") for code in (271, 272)]
            unit = tags.valueof(296)
            dpi = tags.valueof(282)
    except (tifffile.TiffFileError, OSError, ValueError, KeyError, IndexError):
        return None
    camera = " ".join(n for n in names if n)
    if not camera:
        return None
    res = ""
    if isinstance(dpi, tuple) and len(dpi) == 2 and dpi[1]:
        res = f" (its resolution tag, {dpi[0] / dpi[1]:g} per {'inch' if unit in (2, None) else 'cm'}, is for printing)"
    elif isinstance(dpi, (int, float)) and dpi:
        res = f" (its resolution tag, {dpi:g}, is for printing)"
    return InstrumentScale("tifffile", None, camera, note=f"{path.name}: a TIFF from {camera} that carries no "
                                                          f"spatial calibration{res}; scale read from the pixels")
