"""Instrument metadata: one real file per supported format, and files whose metadata is broken or
missing (they fall back to the pixels and say so).

Committed files (tests/data/instrument, MIT / US public domain: see tests/data/SOURCES.md) come from
the NexusLIMS test suite; the expected numbers are the ones the file's own tags state.  Formats for
which no openly licensed real file was found (TVIPS, JEOL SightX, a calibrated Zeiss SEM TIFF, a DM4
without calibration) are tested on the GPL-3.0 rosettasciio files, which are restored, never
committed (tests skip naming the restore command when they are absent)."""

from __future__ import annotations

import gzip
import shutil
import sys

import pytest

from figdex.models.instrument_meta import load_instrument_pixels, read_instrument_scale
from tests.instrument_files import DATA, committed, restored

# --- committed files -------------------------------------------------------------------------------


def test_fei_quanta_tags(tmp_path):
    s = read_instrument_scale(committed("quanta_image.tif.tar.gz", tmp_path))
    assert s.reader == "tifffile:fei" and s.instrument == "Quanta FEG"
    assert s.nm_per_px == pytest.approx(441.942)  # [Scan] PixelWidth 4.41942e-07 m
    assert s.field_width_nm == pytest.approx(452548)  # [Scan] HorFieldsize; the databar prints "HFW 453 µm"
    assert s.magnification == pytest.approx(282.8)  # MagCanvasRealWidth 0.128 m / HFW
    assert s.voltage_kv == 30.0 and s.detector == "LFD" and s.note is None


def test_fei_scios_tags(tmp_path):
    s = read_instrument_scale(committed("scios_xml_metadata.tif.tar.gz", tmp_path))
    assert s.reader == "tifffile:fei" and s.instrument == "Scios 2"
    assert s.nm_per_px == pytest.approx(26.9792) and s.field_width_nm == pytest.approx(41440)
    assert s.voltage_kv == 5.0 and s.detector == "CBS"


def test_fei_tag_present_but_empty_falls_back_and_says_so(tmp_path):
    # A Titan TEM TIFF: its FEI tag (34682) is there but holds no section at all.
    s = read_instrument_scale(committed("titan_tem_bf_image_dataZeroed.tif.tar.gz", tmp_path))
    assert s.reader == "tifffile:fei" and s.nm_per_px is None and s.voltage_kv is None
    assert "scale read from the pixels" in s.note


def test_zeiss_orion_xml_tag():
    # Zeiss Orion helium-ion TIFF: its CZ_SEM tag is empty; the calibration sits in the <ImageTags>
    # XML of tag 65000.  Cross-check within the file: ScalingX 9.765625e-10 m x ImageWidth 1024
    # = Fov 1 µm (the TIFF is 1120 rows: 1024 image rows and the databar strip).
    s = read_instrument_scale(DATA / "orion-zeiss_dataZeroed.tif")
    assert s.reader == "tifffile:zeiss-orion" and s.note is None
    assert s.nm_per_px == pytest.approx(0.9765625) and s.field_width_nm == pytest.approx(1000)
    assert s.nm_per_px * 1024 == pytest.approx(s.field_width_nm)
    assert s.voltage_kv == pytest.approx(29.997) and s.working_distance_mm == pytest.approx(11.977)
    assert s.instrument == "Orion" and s.detector == "ETDetector"


def _rewrite_tiff(source, out, drop=(), replace=None):
    """``source``'s pixels and tags written again, without the tags in ``drop`` and with the values of
    ``replace`` ({code: bytes}): a real file with its metadata damaged or stripped."""
    import numpy as np
    import tifffile
    from PIL import Image

    replace = replace or {}
    with tifffile.TiffFile(source) as tif:
        page = tif.pages[0]
        # LZW-compressed pixels (the Orion file) need imagecodecs in tifffile; PIL decodes them.
        pixels = np.asarray(Image.open(source)) if page.compression != 1 else page.asarray()
        extra = [(code, "B", len(value), value, True) for code, value in replace.items()]
        for code in (271, 272, 34118, 50431, 65000):  # Make, Model and the vendors' tags
            if code in page.tags and code not in drop and code not in replace:
                value = page.tags[code].value
                if isinstance(value, str):
                    extra.append((code, "s", 0, value, True))
                elif isinstance(value, bytes):
                    extra.append((code, "B", len(value), value, True))
    tifffile.imwrite(out, pixels, extratags=extra, metadata=None)
    return out


def test_zeiss_orion_xml_cut_falls_back_and_says_so(tmp_path):
    import tifffile

    with tifffile.TiffFile(DATA / "orion-zeiss_dataZeroed.tif") as tif:
        xml = tif.pages[0].tags[65000].value
    path = _rewrite_tiff(DATA / "orion-zeiss_dataZeroed.tif", tmp_path / "orion-cut.tif",
                         replace={65000: xml[: len(xml) // 2]})  # a truncated XML tag
    s = read_instrument_scale(path)
    assert s.reader == "tifffile:zeiss-orion" and s.nm_per_px is None
    assert "orion-cut.tif: Zeiss <ImageTags> XML (tag 65000) unreadable" in s.note
    assert s.note.endswith("scale read from the pixels")


def test_tescan_tag_50431(tmp_path):
    # TESCAN AMBER X FIB-SEM TIFF: the .hdr text ([MAIN], [SEM]) is also in tag 50431.  Read by eye
    # in the .hdr: PixelSizeX=0.0000000015625 (m), Magnification=160000.0, MagnificationReference=0.32,
    # HV=15000.0, WD=0.005947501, Detector=E-T; the TIFF is 1280 px wide (1578 rows: 1280 image rows
    # and ImageStripSize=298 rows of databar).  Cross-check: 1280 px x 1.5625 nm = 2 µm =
    # MagnificationReference 0.32 m / Magnification 160000.
    s = read_instrument_scale(committed("tescan-pfib_dataZeroed.tar.gz", tmp_path))
    assert s.reader == "tifffile:tescan" and s.note is None
    assert s.nm_per_px == pytest.approx(1.5625) and s.field_width_nm == pytest.approx(0.32 / 160000 * 1e9)
    assert s.instrument == "TESCAN AMBER X" and s.magnification == 160000
    assert s.voltage_kv == 15.0 and s.working_distance_mm == pytest.approx(5.947501) and s.detector == "E-T"


def _tescan_with_hdr(tmp_path):
    import tarfile

    with tarfile.open(DATA / "tescan-pfib_dataZeroed.tar.gz") as tar:
        tar.extractall(tmp_path / "orig", filter="data")
    return tmp_path / "orig" / "tescan-pfib_dataZeroed.tif", tmp_path / "orig" / "tescan-pfib_dataZeroed.hdr"


def test_tescan_without_its_tag_reads_the_hdr_beside_it(tmp_path):
    tif, hdr = _tescan_with_hdr(tmp_path)
    path = _rewrite_tiff(tif, tmp_path / "stripped.tif", drop=(50431,))  # Make "TESCAN …" kept
    (tmp_path / "stripped.hdr").write_bytes(hdr.read_bytes())
    s = read_instrument_scale(path)
    assert s.reader == "tifffile:tescan" and s.nm_per_px == pytest.approx(1.5625)
    assert s.note == "pixel size from stripped.hdr (no tag 50431)"


def test_tescan_missing_or_garbled_metadata_falls_back_and_says_so(tmp_path):
    tif, _hdr = _tescan_with_hdr(tmp_path)
    # Tag gone and no .hdr beside the file.
    s = read_instrument_scale(_rewrite_tiff(tif, tmp_path / "bare.tif", drop=(50431,)))
    assert s.reader == "tifffile:tescan" and s.nm_per_px is None
    assert s.note == ("bare.tif: Tescan metadata without a pixel size (no tag 50431; no bare.hdr beside it); "
                      "scale read from the pixels")
    # Tag present, its pixel size garbled.
    import tifffile

    with tifffile.TiffFile(tif) as t:
        tag = t.pages[0].tags[50431].value
    assert b"PixelSizeX=0.0000000015625" in tag
    garbled = tag.replace(b"PixelSizeX=0.0000000015625", b"PixelSizeX=0.00000000I5625")
    s = read_instrument_scale(_rewrite_tiff(tif, tmp_path / "garbled.tif", replace={50431: garbled}))
    assert s.nm_per_px is None and s.voltage_kv == 15.0  # the rest of the tag is still read
    assert "PixelSizeX = '0.00000000I5625'" in s.note and s.note.endswith("scale read from the pixels")


def test_nexuslims_tiffs_read_the_same_without_rosettasciio(tmp_path, monkeypatch):
    # tifffile is a base dependency; rosettasciio an optional extra: the TIFF readers must not need it.
    files = {"tescan-pfib_dataZeroed.tar.gz": 1.5625, "orion-zeiss_dataZeroed.tif": 0.9765625,
             "scios_xml_metadata.tif.tar.gz": 26.9792, "quanta_image.tif.tar.gz": 441.942,
             "titan_tem_bf_image_dataZeroed.tif.tar.gz": None}
    paths = {name: committed(name, tmp_path) for name in files}
    monkeypatch.setitem(sys.modules, "rsciio", None)  # import rsciio now raises ImportError
    for name, nm in files.items():
        s = read_instrument_scale(paths[name])
        assert (s.nm_per_px == pytest.approx(nm)) if nm else (s.nm_per_px is None and "pixels" in s.note), name
    s = read_instrument_scale(committed("neoarm-gatan_image_dataZeroed.dm4.tar.gz", tmp_path))
    assert s.nm_per_px is None and "needs rosettasciio: pip install 'figdex[instruments]'" in s.note


def test_plain_tiff_is_no_instrument_file(tmp_path):
    import numpy as np
    from PIL import Image

    path = tmp_path / "figure.tif"
    Image.fromarray(np.zeros((20, 30), np.uint8)).save(path, dpi=(300, 300))  # dpi is the printer's
    assert read_instrument_scale(path) is None
    assert read_instrument_scale(DATA.parent / "scale_labels" / sorted(
        p.name for p in (DATA.parent / "scale_labels").glob("*.tif"))[0]) is None


def test_truncated_tiff_names_the_file(tmp_path):
    path = tmp_path / "cut.tif"
    path.write_bytes(committed("quanta_image.tif.tar.gz", tmp_path).read_bytes()[:200])
    s = read_instrument_scale(path)
    assert s.nm_per_px is None and "cut.tif: TIFF tags unreadable" in s.note and "pixels" in s.note


def test_damaged_tiff_structure_names_the_file():
    # NexusLIMS's quanta_bad_metadata.tif: a Quanta TIFF whose tag entries are broken.
    pytest.importorskip("rsciio")
    s = read_instrument_scale(DATA / "quanta_bad_metadata.tif")
    assert s.nm_per_px is None and "quanta_bad_metadata.tif" in s.note and "scale read from the pixels" in s.note


def test_digitalmicrograph_dm3():
    pytest.importorskip("rsciio")
    s = read_instrument_scale(DATA / "test_STEM_image.dm3")
    assert s.reader == "rosettasciio:DigitalMicrograph"
    assert s.nm_per_px == pytest.approx(0.248538, rel=1e-5)  # ImageData Calibrations: 0.2485 nm
    pixels = load_instrument_pixels(DATA / "test_STEM_image.dm3")
    assert pixels.shape == (68, 68, 3) and pixels.std() > 10  # a real STEM image, not a blank


def test_digitalmicrograph_dm4(tmp_path):
    pytest.importorskip("rsciio")
    s = read_instrument_scale(committed("neoarm-gatan_image_dataZeroed.dm4.tar.gz", tmp_path))
    assert s.reader == "rosettasciio:DigitalMicrograph" and s.nm_per_px == pytest.approx(0.0192314, rel=1e-5)


def test_corrupt_dm3_falls_back_and_names_the_file(tmp_path):
    pytest.importorskip("rsciio")
    path = committed("test_corrupted.dm3.tar.gz", tmp_path)
    s = read_instrument_scale(path)
    assert s.nm_per_px is None and "test_corrupted.dm3: DigitalMicrograph reader failed" in s.note
    with pytest.raises(ValueError, match="test_corrupted.dm3: DigitalMicrograph reader failed"):
        load_instrument_pixels(path)


# --- restored files (GPL-3.0, eval/instrument_restore.tsv) --------------------------------------------


def test_fei_helios_tags():
    s = read_instrument_scale(restored("FEI-Helios-Ebeam-8bits.tif"))
    assert s.reader == "tifffile:fei"
    assert s.nm_per_px == pytest.approx(3372.4)  # Scan/PixelWidth 3.3724e-06 m
    assert s.field_width_nm == pytest.approx(1.72667e6)  # the databar prints "HFW 1.73 mm"
    assert s.magnification == pytest.approx(120)  # … and "mag 120 x"
    assert s.voltage_kv == 5.0 and s.detector == "ETD" and "Helios" in s.instrument
    assert s.note is None


def test_fei_broken_metadata_falls_back_and_says_so():
    # Helios navcam image whose FEI tags lack the IRBeam section and hold HV = 'notafloat'.
    s = read_instrument_scale(restored("FEI-Helios-navcam-with-no-IRBeam-bad-floats.tif"))
    assert s.reader == "tifffile:fei" and s.nm_per_px is None and s.voltage_kv is None
    assert "scale read from the pixels" in s.note


def test_zeiss_sem_tags():
    s = read_instrument_scale(restored("test_tiff_Zeiss_SEM_1k.tif"))
    assert s.reader == "tifffile:zeiss-sem"
    assert s.nm_per_px == pytest.approx(2677e3 / 1024)  # Width 2.677 mm over 1024 columns
    assert s.stated_pixel_nm == pytest.approx(2615)  # "Pixel Size = 2.615 µm": agrees within 0.03 %
    assert s.magnification == 105 and s.voltage_kv == 25.0 and s.detector == "HE-SE2"
    assert s.instrument == "Merlin-61-08"


def test_zeiss_resized_file_uses_field_width_and_notes_the_stale_pixel_size():
    # Saved at 512 px from a 1024-px scan: the tag's "Pixel Size = 5.825 nm" is the scan's; the
    # 200 nm bar printed in the databar is 17 px long, i.e. ~11.7 nm/px, as Width / columns gives.
    s = read_instrument_scale(restored("test_tiff_Zeiss_SEM_512pix.tif"))
    assert s.nm_per_px == pytest.approx(5965 / 512)
    assert s.stated_pixel_nm == pytest.approx(5.825)
    assert "1024-px scan" in s.note and s.magnification == 50000


def test_tvips_tags():
    s = read_instrument_scale(restored("TVIPS_bin4.tif"))
    assert s.reader == "tifffile:tvips"
    assert s.nm_per_px == pytest.approx(1.4208, rel=1e-4)
    assert s.voltage_kv == 99.0 and s.magnification == 32000


def test_digitalmicrograph_dm3_in_micrometres():
    pytest.importorskip("rsciio")
    s = read_instrument_scale(restored("Fei_HAADF-UK_location.dm3"))
    assert s.reader == "rosettasciio:DigitalMicrograph"
    assert s.nm_per_px == pytest.approx(5.50607, rel=1e-5)  # 0.005506 µm
    s = read_instrument_scale(restored("test_dm_image_um_unit.dm3"))
    assert s.nm_per_px == pytest.approx(168.6747, rel=1e-5)


def test_digitalmicrograph_dm4_without_calibration_says_so():
    pytest.importorskip("rsciio")
    s = read_instrument_scale(restored("test-1.dm4"))
    assert s.reader == "rosettasciio:DigitalMicrograph" and s.nm_per_px is None
    assert "no length calibration" in s.note and "pixels" in s.note


def test_jeol_sightx_tiff(tmp_path):
    pytest.importorskip("rsciio")
    source = restored("JEOL-SightX-TEM-mag-dummy.tif.gz")
    path = tmp_path / "JEOL-SightX-TEM-mag-dummy.tif"
    with gzip.open(source) as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    s = read_instrument_scale(path)
    assert s.reader == "rosettasciio:TIFF" and s.nm_per_px == pytest.approx(1.82079, rel=1e-5)


def test_fibics_atlas_xml_tag_51023(tmp_path):
    # A Fibics ATLAS FIB-SEM TIFF (Zeiss Auriga): no CZ_SEM tag; tag 51023 holds <Fibics> XML.  Read by
    # eye: <Scan><Ux>0.0447154077316689</Ux> (µm per pixel), <FOV_X units="um">45.7438621094973</FOV_X>
    # over <Width>1023</Width> (the same pixel), <Aperture>… (5.0 kV)</Aperture>, <Detector>InLens.
    s = read_instrument_scale(committed("fibics_inlens_dataZeroed.tif.tar.gz", tmp_path))
    assert s.reader == "tifffile:fibics" and s.note is None
    assert s.nm_per_px == pytest.approx(44.7154077, rel=1e-6)
    assert s.field_width_nm == pytest.approx(45743.862, rel=1e-6)
    assert s.instrument == "INT-AURIGA" and s.detector == "InLens" and s.voltage_kv == 5.0


def test_fibics_garbled_xml_falls_back_and_says_so(tmp_path):
    import tifffile

    tif = committed("fibics_inlens_dataZeroed.tif.tar.gz", tmp_path)
    with tifffile.TiffFile(tif) as t:
        tag = t.pages[0].tags[51023].value
    raw = tag if isinstance(tag, bytes) else tag.encode("latin-1")  # tifffile may decode it to str
    cut = raw[: len(raw) // 2]  # a truncated tag: the XML does not parse
    s = read_instrument_scale(_rewrite_tiff(tif, tmp_path / "fibics-cut.tif", replace={51023: cut}))
    assert s.reader == "tifffile:fibics" and s.nm_per_px is None
    assert s.note.startswith("fibics-cut.tif: Fibics XML (tag 51023) unreadable")
    assert s.note.endswith("scale read from the pixels")


def _write_mrc(path, apix: float) -> None:
    """A small MRC2014 map written here (not a real instrument file): 64 x 48 float32 pixels, cell
    dimensions giving ``apix`` Angstrom per pixel."""
    import numpy as np

    header = np.zeros(256, np.int32)
    header[0:3] = [64, 48, 1]  # nx, ny, nz
    header[3] = 2  # mode 2: float32
    header[7:10] = [64, 48, 1]  # sampling
    header.view(np.float32)[10:13] = [64 * apix, 48 * apix, apix]  # cell in Angstrom
    header[16:19] = [1, 2, 3]
    header[52] = int.from_bytes(b"MAP ", "little")
    header[53] = 0x00004444
    path.write_bytes(header.tobytes() + np.arange(64 * 48, dtype=np.float32).tobytes())


def test_an_mrc_file_is_read_by_the_next_reader_when_the_first_lacks_its_package(tmp_path):
    # rosettasciio lists MRCZ (optional package mrcz) before MRC for .mrc: a missing package is no damaged file.
    pytest.importorskip("rsciio")
    from figdex.models.instrument_meta import load_image_pixels, read_instrument_scale

    path = tmp_path / "map.mrc"
    _write_mrc(path, apix=2.5)
    assert load_image_pixels(path).shape == (48, 64, 3)
    meta = read_instrument_scale(path, width_px=64)
    assert meta.nm_per_px == pytest.approx(0.25) and meta.reader.startswith("rosettasciio:MRC")


def test_rosettasciio_warnings_stay_off_stdout():
    """`figdex eval scale --format json` on held_out_16 printed rosettasciio's "only one spectrum stream" warning
    into its JSON on stdout: after a read through rosettasciio, no handler of its logger writes to stdout."""
    import logging
    import sys

    pytest.importorskip("rsciio")
    from figdex.models.instrument_meta import _rsciio_read

    from pathlib import Path

    _rsciio_read(Path("no-such-file.unknown-suffix"), lazy=True)  # claims no plugin: only sets the logging up
    streams = [getattr(h, "stream", None) for h in logging.getLogger("rsciio").handlers]
    assert sys.stdout not in streams and sys.__stdout__ not in streams
