"""Pixel size from the metadata instrument files carry, read by well-kept readers.

A number the microscope wrote when it took the image beats anything read off the pixels, so it
is looked for first.  Two readers, no hand-written tag parsing:

- ``tifffile`` (BSD-3-Clause, a base dependency) parses the private TIFF tags of FEI/Thermo
  Fisher SEM/FIB (``fei_metadata``), Zeiss SEM (``sem_metadata``, tag CZ_SEM), TVIPS cameras
  (``tvips_metadata``) and Olympus SIS (``sis_metadata``, or tag 33560 of a later page).  It also hands
  over, as bytes, the tags it does not interpret: Tescan's tag 50431 (the key=value text of the Tescan
  .hdr, read with ``configparser``; the .hdr beside the file when the tag has no pixel size), Zeiss Orion's
  tag 65000 (``<ImageTags>`` XML), Fibics ATLAS's tag 51023 (``<Fibics>`` XML) and Hitachi's XPComment
  (``instrument_hitachi``: its ``[SemImageFile]`` sidecar .txt, also beside a .bmp/.jpg); JEOL SEMs' ``$CM_``
  sidecar .txt: ``instrument_jeol``.
- ``rosettasciio`` (GPL-3.0-or-later, so only the optional ``figdex[instruments]`` extra) reads
  Gatan DigitalMicrograph .dm3/.dm4, Velox/Berkeley .emd, FEI TIA .ser/.emi, JEOL .img/.map,
  MRC, Phenom .elid, TVIPS .tvips and the TIFF dialects tifffile leaves uninterpreted (JEOL
  SightX, TIFFs saved by DigitalMicrograph or ImageJ).
"""

from __future__ import annotations

import configparser
import logging
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from figdex.models.instrument_axes import NM as _NM  # length unit -> nanometres (a light module)
from figdex.models.instrument_hitachi import hitachi_tags, read_hitachi  # Hitachi's [SemImageFile] text (light)
from figdex.models.instrument_jeol import read_jeol  # JEOL's $CM_ sidecar text (light)
from figdex.models.instrument_xml import FIBICS_XML_TAG, ZEISS_XML_TAG, fibics_xml, zeiss_xml  # (light)
# rosettasciio plugins that hold images with a spatial calibration (others hold spectra, tables, …).
_RSCIIO_PLUGINS = ("DigitalMicrograph", "EMD", "TIA", "JEOL", "MRC", "MRCZ", "Phenom", "TVIPS", "Blockfile", "TIFF")
INSTRUMENT_SUFFIXES = (".dm3", ".dm4", ".emd", ".ser", ".emi", ".img", ".map", ".mrc", ".elid", ".tvips", ".blo")


@dataclass(frozen=True)
class InstrumentScale:
    """What an instrument file says about its scale.  ``nm_per_px`` is None when the file is an
    instrument file but its calibration is missing or unreadable; ``note`` then says why."""

    reader: str  # e.g. "tifffile:fei", "rosettasciio:DigitalMicrograph"
    nm_per_px: float | None
    instrument: str | None = None
    magnification: float | None = None
    field_width_nm: float | None = None
    voltage_kv: float | None = None
    detector: str | None = None
    stated_pixel_nm: float | None = None  # the pixel size as written, before checking it
    note: str | None = None
    working_distance_mm: float | None = None

    def as_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def read_instrument_scale(path: str | Path, width_px: int | None = None) -> InstrumentScale | None:
    """The file's own pixel size, or None when the file carries no instrument metadata at all.

    ``width_px``: the width of the image as figdex sees it (to turn a field width into nm/px); read from
    the file when not given.  Hitachi's sidecar .txt beside the image is read too (any image suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".tif", ".tiff"):
        found = _from_tifffile(path, width_px)
        if found is not None:
            return found
    if suffix in (".tif", ".tiff") or suffix in INSTRUMENT_SUFFIXES:
        found = _from_rosettasciio(path)
        if found is None and suffix in (".tif", ".tiff"):  # a camera's TIFF without calibration says so
            from figdex.models.instrument_axes import camera_tiff_without_calibration

            return camera_tiff_without_calibration(path)
        return found
    # A Hitachi or JEOL .bmp/.jpg with its sidecar .txt ([SemImageFile] or $CM_ lines).
    return read_hitachi(path, width_px) or read_jeol(path, width_px)


def _num(value) -> float | None:
    """A finite float, or None for what the instrument left empty or garbled ('', 'notafloat')."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _from_tifffile(path: Path, width_px: int | None) -> InstrumentScale | None:
    import tifffile

    # tifffile logs a tag it cannot read (a value past the end of a truncated file, a broken entry)
    # and drops it, rather than raising: an instrument tag lost that way must not pass for "no
    # instrument metadata".
    logged = _Errors()
    logger = logging.getLogger("tifffile")
    logger.addHandler(logged)
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            width_px = width_px or int(page.shape[1] if len(page.shape) >= 2 else 0) or None
            if tif.is_fei:
                return _fei(tif.fei_metadata or {}, width_px)
            if _TESCAN_TAG in page.tags or str(page.tags.valueof(271) or "").upper().startswith("TESCAN"):
                return _tescan(page.tags.valueof(_TESCAN_TAG), path, width_px)
            if FIBICS_XML_TAG in page.tags:
                return fibics_xml(page.tags.valueof(FIBICS_XML_TAG), path)
            orion = zeiss_xml(page.tags.valueof(ZEISS_XML_TAG), path) if ZEISS_XML_TAG in page.tags else None
            if orion is not None and orion.nm_per_px:
                return orion
            if tif.is_sem:
                zeiss = _zeiss(tif.sem_metadata or {}, width_px)
                return zeiss if zeiss.nm_per_px or orion is None else orion
            if orion is not None:
                return orion
            if tif.is_tvips:
                return _tvips(tif.tvips_metadata or {})
            if tif.is_sis:
                return _sis(tif.sis_metadata or {})
            from figdex.models.instrument_axes import tiff_page_sis

            sis = tiff_page_sis(tif)  # a later page's SIS tag (the first page an RGB rendering)
            if sis is not None:
                return _sis(sis)
            # Hitachi's sidecar .txt or its tags' lines; a JEOL SEM's $CM_ sidecar .txt (its TIFF has no maker tag).
            sidecar = read_hitachi(path, width_px, hitachi_tags(page)) or read_jeol(path, width_px)
            if sidecar is not None:
                return sidecar
    except (tifffile.TiffFileError, OSError, ValueError, KeyError, IndexError) as exc:
        return InstrumentScale("tifffile", None, note=f"{path.name}: TIFF tags unreadable ({exc}); scale read "
                                                      "from the pixels")
    finally:
        logger.removeHandler(logged)
    if logged.messages:
        return InstrumentScale("tifffile", None, note=f"{path.name}: TIFF tags unreadable ({logged.messages[0]:.120}"
                                                      f"; {len(logged.messages)} errors); scale read from the pixels")
    return None


class _Errors(logging.Handler):
    """Keeps the messages of the ERROR records logged while a file is parsed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _fei(md: dict, width_px: int | None) -> InstrumentScale:
    beam = md.get("Beam") or {}
    # "Beam" names the section of the beam used (EBeam, IBeam, IRBeam) and of its scan (EScan, IScan).
    column = md.get(str(beam.get("Beam") or "EBeam")) or {}
    scan = md.get(str(beam.get("Scan") or "")) or md.get("Scan") or {}
    system = md.get("System") or {}
    pixel_m = _num(scan.get("PixelWidth"))
    hfw_m = _num(column.get("HFW")) or _num(scan.get("HorFieldsize"))
    hv = _num(column.get("HV")) or _num(beam.get("HV"))
    canvas = _num((md.get("Image") or {}).get("MagCanvasRealWidth"))
    # FEI stores no magnification: the databar's "mag" is the display canvas width over the HFW.
    mag = round(canvas / hfw_m, 1) if canvas and hfw_m else None
    detector = (md.get("Detectors") or {}).get("Name") or None
    nm_per_px, note = None, None
    if pixel_m:
        nm_per_px = pixel_m * 1e9
    elif hfw_m and width_px:
        nm_per_px = hfw_m * 1e9 / width_px
        note = "no pixel width in the FEI tags: field width / image width"
    else:
        note = "FEI tags without a pixel width or field width; scale read from the pixels"
    wd_m = _num(column.get("WD")) or _num((md.get("Stage") or {}).get("WorkingDistance"))
    return InstrumentScale("tifffile:fei", nm_per_px, str(system.get("SystemType") or system.get("Type") or "")
                           .strip('" ') or None, mag, hfw_m * 1e9 if hfw_m else None,
                           hv / 1000 if hv else None, detector, pixel_m * 1e9 if pixel_m else None, note,
                           wd_m * 1e3 if wd_m else None)


def _zeiss_length(md: dict, key: str) -> float | None:
    entry = md.get(key)
    if not isinstance(entry, tuple) or len(entry) < 3:
        return None
    value, unit = _num(entry[1]), str(entry[2]).strip()
    return value * _NM[unit] if value is not None and unit in _NM else None


def _zeiss(md: dict, width_px: int | None) -> InstrumentScale:
    pixel = _zeiss_length(md, "ap_image_pixel_size") or _zeiss_length(md, "ap_pixel_size")
    width = _zeiss_length(md, "ap_width")
    mag_entry = md.get("ap_mag")
    mag = None
    if isinstance(mag_entry, tuple) and len(mag_entry) >= 2:  # ('Mag', '50.00 K X') or ('Mag', 105, 'X')
        m = re.match(r"\s*([\d.]+)\s*(K)?", " ".join(str(x) for x in mag_entry[1:]))
        mag = float(m.group(1)) * (1000 if m.group(2) else 1) if m else None
    kv = md.get("ap_actualkv") or md.get("ap_manualkv")
    instrument = md.get("sv_serial_number") or md.get("dp_sem")
    detector = md.get("dp_detector_channel") or md.get("dp_detector_type")
    nm_per_px, note = pixel, None
    if width and width_px:
        # The width of the field over the columns of the image in the file: right even when the
        # image was saved at another size than it was scanned at (then the stated pixel size,
        # written for the scan, is stale).
        nm_per_px = width / width_px
        if pixel and abs(nm_per_px / pixel - 1) > 0.02:
            note = (f"stated pixel size {pixel:g} nm is for a {width / pixel:.0f}-px scan; the file is "
                    f"{width_px} px wide: field width / image width used")
    elif pixel is None:
        note = "Zeiss tags without a pixel size or width; scale read from the pixels"
    wd_nm = _zeiss_length(md, "ap_wd")
    return InstrumentScale("tifffile:zeiss-sem", nm_per_px,
                           str(instrument[1]) if isinstance(instrument, tuple) else None, mag, width,
                           _num(kv[1]) if isinstance(kv, tuple) else None,
                           str(detector[1]) if isinstance(detector, tuple) else None, pixel, note,
                           wd_nm / 1e6 if wd_nm else None)


# Tescan writes its .hdr text (sections [MAIN] and [SEM] or [FIB], key=value lines, SI units)
# into tag 50431 as well, in length-prefixed blocks beside a JPEG 2000 thumbnail and without the
# section lines.  Tescan keys are unique across the sections, so the blocks are read as one.
_TESCAN_TAG = 50431
_TESCAN_LINES = re.compile(r"(?:[A-Za-z][\w.]*=[^\x00-\x1f]*\r?\n)+")


def _tescan_ini(text: str, with_sections: bool) -> dict[str, str]:
    """The key=value pairs of Tescan metadata text, by ``configparser``: a .hdr as written
    (``with_sections``), or the text runs of tag 50431, each given a section line."""
    if not with_sections:
        text = "".join(f"[block{i}]\n{run}" for i, run in enumerate(_TESCAN_LINES.findall(text)))
    ini = configparser.ConfigParser(interpolation=None, strict=False)
    ini.optionxform = str  # keep Tescan's key case ("PixelSizeX")
    ini.read_string(text)
    merged: dict[str, str] = {}
    for section in ini.sections():
        for key, value in ini.items(section):
            merged.setdefault(key, value)
    return merged


def _tescan(tag: bytes | None, path: Path, width_px: int | None) -> InstrumentScale:
    md: dict[str, str] = {}
    problems: list[str] = []
    if isinstance(tag, bytes):
        try:
            md = _tescan_ini(tag.decode("latin-1"), with_sections=False)
        except configparser.Error as exc:
            problems.append(f"tag 50431 unreadable ({exc.__class__.__name__})")
    else:
        problems.append("no tag 50431")
    where = "tag 50431"
    hdr = path.with_suffix(".hdr")
    if isinstance(tag, bytes) and not problems and _num(md.get("PixelSizeX")) is None:
        problems.append("tag 50431 without a pixel size")
    if _num(md.get("PixelSizeX")) is None and hdr.is_file():
        try:
            from_hdr = _tescan_ini(hdr.read_text(encoding="utf-8", errors="replace"), with_sections=True)
        except configparser.Error as exc:
            problems.append(f"{hdr.name} unreadable ({exc.__class__.__name__})")
        else:
            md, where = {**md, **from_hdr}, hdr.name
    elif _num(md.get("PixelSizeX")) is None:
        problems.append(f"no {hdr.name} beside it")
    pixel_m = _num(md.get("PixelSizeX"))
    pixel_m = pixel_m if pixel_m and pixel_m > 0 else None
    hv = _num(md.get("HV")) or _num(md.get("AcceleratorVoltage"))
    wd_m = _num(md.get("WD"))
    if pixel_m:
        note = None if where == "tag 50431" else f"pixel size from {where} ({'; '.join(problems)})"
    else:
        stated = f"; PixelSizeX = {md['PixelSizeX'][:40]!r}" if "PixelSizeX" in md else ""
        note = f"{path.name}: Tescan metadata without a pixel size ({'; '.join(problems)}{stated}); scale read " \
               "from the pixels"
    return InstrumentScale("tifffile:tescan", pixel_m * 1e9 if pixel_m else None,
                           (md.get("Device") or "").strip() or None, _num(md.get("Magnification")),
                           pixel_m * 1e9 * width_px if pixel_m and width_px else None,
                           hv / 1000 if hv else None, (md.get("Detector") or "").strip() or None,
                           pixel_m * 1e9 if pixel_m else None, note, wd_m * 1e3 if wd_m else None)


def _tvips(md: dict) -> InstrumentScale:
    pixel = _num(md.get("PixelSizeX"))  # nm on the specimen (TVIPS writes nm)
    hv = _num(md.get("TemHighTension"))
    return InstrumentScale("tifffile:tvips", pixel if pixel and pixel > 0 else None, md.get("TemType") or None,
                           _num(md.get("TemMagnification")), None, hv / 1000 if hv else None, None, pixel,
                           None if pixel else "TVIPS tags without a pixel size; scale read from the pixels")


def _sis(md: dict) -> InstrumentScale:
    pixel_m = _num(md.get("pixelsizex"))
    return InstrumentScale("tifffile:olympus-sis", pixel_m * 1e9 if pixel_m else None, md.get("name") or None,
                           _num(md.get("magnification")), None, None, None, pixel_m * 1e9 if pixel_m else None,
                           None if pixel_m else "SIS tags without a pixel size; scale read from the pixels")


def _rsciio_logs_to_stderr() -> None:
    """rosettasciio attaches a handler that prints its warnings ("The file contains only one spectrum stream") to
    stdout, where they would break `--format json|jsonl` output: point it at stderr."""
    import sys

    for handler in logging.getLogger("rsciio").handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) in (sys.stdout,
                                                                                         sys.__stdout__):
            handler.setStream(sys.stderr)


def _rsciio_read(path: Path, lazy: bool):
    """(plugin name, signals) of the first rosettasciio reader of ``path``'s suffix that reads it; None when
    no reader claims the suffix.  Several readers can claim one (.mrc: MRCZ, which needs the optional
    ``mrcz`` package, and MRC): one whose optional package is missing, or that fails on the file, hands on to
    the next.  ValueError(message, plugin name) when every one failed."""
    import importlib

    import rsciio

    _rsciio_logs_to_stderr()
    suffix = path.suffix.lower().lstrip(".")
    failures = []
    for plugin in rsciio.IO_PLUGINS:
        if plugin["name"] not in _RSCIIO_PLUGINS or suffix not in [e.lower() for e in plugin["file_extensions"]]:
            continue
        try:
            return plugin["name"], importlib.import_module(plugin["api"]).file_reader(str(path), lazy=lazy)
        except Exception as exc:  # a missing optional package, or the reader's own error on a damaged file
            failures.append((plugin["name"], exc))
    if not failures:
        return None
    said = "; ".join(f"{name} reader failed ({exc!r:.120})" for name, exc in failures)
    raise ValueError(said, failures[0][0])


def _from_rosettasciio(path: Path) -> InstrumentScale | None:
    try:
        import rsciio  # noqa: F401 - only whether it is installed
    except ImportError:
        if path.suffix.lower() in INSTRUMENT_SUFFIXES:
            return InstrumentScale("rosettasciio", None, note=f"{path.name}: reading {path.suffix} needs "
                                   "rosettasciio: pip install 'figdex[instruments]'")
        return None
    try:
        read = _rsciio_read(path, lazy=True)
    except ValueError as exc:  # every reader of the suffix failed on it: say so, read the pixels
        return InstrumentScale(f"rosettasciio:{exc.args[1]}", None,
                               note=f"{path.name}: {exc.args[0]}; scale read from the pixels")
    if read is not None:
        name, signals = read
        if name == "TIFF" and not _instrument_tiff(signals):
            return None  # a plain TIFF (a figure, a photo): its dpi is no specimen scale
        return _rsciio_scale(f"rosettasciio:{name}", signals)
    return None


# Baseline TIFF tags every image writer sets; a TIFF with nothing else carries no instrument calibration,
# whatever its resolution tags say (300 dpi is the printer's, not the specimen's).
_BASELINE = {"ImageWidth", "ImageLength", "BitsPerSample", "Compression", "PhotometricInterpretation",
             "StripOffsets", "RowsPerStrip", "StripByteCounts", "XResolution", "YResolution", "PlanarConfiguration",
             "ResolutionUnit", "SamplesPerPixel", "Orientation", "NewSubfileType", "Software", "DateTime", "Make",
             "Model", "Artist", "ExtraSamples", "SampleFormat", "ColorMap", "Predictor", "TileWidth", "TileLength",
             "TileOffsets", "TileByteCounts", "InterColorProfile", "XMP", "ExifTag", "JPEGTables",
             "YCbCrSubSampling", "Copyright", "HostComputer", "PageNumber"}


def _instrument_tiff(signals: list[dict]) -> bool:
    return any(set(sig.get("original_metadata") or {}) - _BASELINE for sig in signals)


def _rsciio_scale(reader: str, signals: list[dict]) -> InstrumentScale | None:
    from figdex.models.instrument_axes import pick_image, x_nm_per_px

    # The first real-space image (two axes in lengths: an image's, else a spectrum image's map); when no
    # signal has one, the first signal with two signal axes, said uncalibrated.
    picked = pick_image(signals)
    if picked is not None:
        sig, axes = signals[picked[0]], picked[2]
    else:
        sig = next((s for s in signals if len([a for a in s.get("axes", []) if not a.get("navigate", False)]) >= 2),
                   None)
        if sig is None:
            return None if reader == "rosettasciio:TIFF" else InstrumentScale(
                reader, None, note="no image (two spatial axes) in the file; scale read from the pixels")
        axes = [a for a in sig.get("axes", []) if not a.get("navigate", False)]
    x = axes[-1]
    unit = str(x.get("units") or "").strip()
    scale = _num(x.get("scale"))
    nm = x_nm_per_px(axes) if picked is not None else (abs(scale) * _NM[unit] if scale and unit in _NM else None)
    tem = ((sig.get("metadata") or {}).get("Acquisition_instrument") or {})
    beam = tem.get("TEM") or tem.get("SEM") or {}
    kv = _num(beam.get("beam_energy"))
    instrument = beam.get("microscope")
    mag = _num(beam.get("magnification"))
    if nm is None and reader == "rosettasciio:TIFF":
        return None
    note = None if nm else (f"no length calibration (axis unit {unit or 'none'!r}, scale {scale}); "
                            "scale read from the pixels")
    return InstrumentScale(reader, nm, str(instrument) if instrument else None, mag, None, kv,
                           None, nm, note)


def load_instrument_pixels(path: str | Path):
    """An 8-bit RGB rendering of an instrument file PIL cannot open (.dm3, .emd, .ser, …), for
    reading its pixels; the first image when the file holds a stack."""
    import numpy as np

    path = Path(path)
    try:
        import rsciio  # noqa: F401 - only whether it is installed
    except ImportError as exc:
        raise ValueError(f"{path}: reading {path.suffix} needs rosettasciio: pip install 'figdex[instruments]'") from exc
    try:
        read = _rsciio_read(path, lazy=False)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc.args[0]}; the file is damaged or no {path.suffix} file") from exc
    if read is not None:
        from figdex.models.instrument_axes import navigation_picture, pick_image

        picked = pick_image(read[1])  # the image the pixel size is for (not a half FFT stored before it)
        first = [] if picked is None else [(read[1][picked[0]], picked[1] == "navigation")]
        for sig, as_map in first + [(sig, False) for sig in read[1]]:
            data = np.asarray(navigation_picture(sig) if as_map else sig["data"])
            if data.ndim >= 2 and data.shape[-1] > 1 and data.shape[-2] > 1:
                img = data.reshape((-1,) + data.shape[-2:])[0].astype(np.float64)
                lo, hi = np.percentile(img, (0.5, 99.5))
                grey = np.clip((img - lo) / max(hi - lo, 1e-12) * 255, 0, 255).astype(np.uint8)
                return np.repeat(grey[..., None], 3, axis=2)
        raise ValueError(f"{path}: no 2-D image in the file; give an image file")
    raise ValueError(f"{path}: no reader for {path.suffix}; give a PNG/JPEG/TIFF or an instrument file")


def load_image_pixels(path: str | Path):
    """An RGB uint8 array of any image figdex reads: instrument files by their reader, the rest by PIL."""
    from figdex.models.ocr import load_rgb

    path = Path(path)
    return load_instrument_pixels(path) if path.suffix.lower() in INSTRUMENT_SUFFIXES else load_rgb(path)
