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


def test_zeiss_tag_without_calibration_falls_back_and_says_so():
    # Zeiss Orion helium-ion TIFF: it carries the CZ_SEM tag, but its calibration sits in an XML
    # tag (65000) instead; the CZ_SEM tag holds no pixel size or width.
    s = read_instrument_scale(DATA / "orion-zeiss_dataZeroed.tif")
    assert s.reader == "tifffile:zeiss-sem" and s.nm_per_px is None
    assert "Zeiss tags without a pixel size or width; scale read from the pixels" == s.note


def test_tescan_tiff_has_no_reader_and_is_read_from_the_pixels(tmp_path):
    # Tescan keeps its metadata in tag 50431 (and a .hdr beside the file), which neither reader
    # interprets: the file counts as a plain image, as the module says.
    assert read_instrument_scale(committed("tescan-pfib_dataZeroed.tar.gz", tmp_path)) is None


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
