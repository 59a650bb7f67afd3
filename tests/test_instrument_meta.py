"""Instrument metadata: one real file per supported format (tests/data/instrument, see SOURCES.md),
and files whose metadata is broken or missing (they fall back to the pixels and say so)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from figdex.models.instrument_meta import read_instrument_scale

DATA = Path(__file__).parent / "data" / "instrument"


def test_fei_helios_tags():
    s = read_instrument_scale(DATA / "FEI-Helios-Ebeam-8bits.tif")
    assert s.reader == "tifffile:fei"
    assert s.nm_per_px == pytest.approx(3372.4)  # Scan/PixelWidth 3.3724e-06 m
    assert s.field_width_nm == pytest.approx(1.72667e6)  # the databar prints "HFW 1.73 mm"
    assert s.magnification == pytest.approx(120)  # … and "mag 120 x"
    assert s.voltage_kv == 5.0 and s.detector == "ETD" and "Helios" in s.instrument
    assert s.note is None


def test_fei_broken_metadata_falls_back_and_says_so():
    # Helios navcam image whose FEI tags lack the IRBeam section and hold HV = 'notafloat'.
    s = read_instrument_scale(DATA / "FEI-Helios-navcam-with-no-IRBeam-bad-floats.tif")
    assert s.reader == "tifffile:fei" and s.nm_per_px is None and s.voltage_kv is None
    assert "scale read from the pixels" in s.note


def test_zeiss_sem_tags():
    s = read_instrument_scale(DATA / "test_tiff_Zeiss_SEM_1k.tif")
    assert s.reader == "tifffile:zeiss-sem"
    assert s.nm_per_px == pytest.approx(2677e3 / 1024)  # Width 2.677 mm over 1024 columns
    assert s.stated_pixel_nm == pytest.approx(2615)  # "Pixel Size = 2.615 µm": agrees within 0.03 %
    assert s.magnification == 105 and s.voltage_kv == 25.0 and s.detector == "HE-SE2"
    assert s.instrument == "Merlin-61-08"


def test_zeiss_resized_file_uses_field_width_and_notes_the_stale_pixel_size():
    # Saved at 512 px from a 1024-px scan: the tag's "Pixel Size = 5.825 nm" is the scan's; the
    # 200 nm bar printed in the databar is 17 px long, i.e. ~11.7 nm/px, as Width / columns gives.
    s = read_instrument_scale(DATA / "test_tiff_Zeiss_SEM_512pix.tif")
    assert s.nm_per_px == pytest.approx(5965 / 512)
    assert s.stated_pixel_nm == pytest.approx(5.825)
    assert "1024-px scan" in s.note and s.magnification == 50000


def test_tvips_tags():
    s = read_instrument_scale(DATA / "TVIPS_bin4.tif")
    assert s.reader == "tifffile:tvips"
    assert s.nm_per_px == pytest.approx(1.4208, rel=1e-4)
    assert s.voltage_kv == 99.0 and s.magnification == 32000


def test_plain_tiff_is_no_instrument_file(tmp_path):
    import numpy as np
    from PIL import Image

    path = tmp_path / "figure.tif"
    Image.fromarray(np.zeros((20, 30), np.uint8)).save(path, dpi=(300, 300))  # dpi is the printer's
    assert read_instrument_scale(path) is None
    assert read_instrument_scale(DATA.parent / "scale_labels" / sorted(
        p.name for p in (DATA.parent / "scale_labels").glob("*.tif"))[0]) is None


def test_digitalmicrograph_dm3():
    pytest.importorskip("rsciio")
    s = read_instrument_scale(DATA / "Fei_HAADF-UK_location.dm3")
    assert s.reader == "rosettasciio:DigitalMicrograph"
    assert s.nm_per_px == pytest.approx(5.50607, rel=1e-5)  # 0.005506 µm
    s = read_instrument_scale(DATA / "test_dm_image_um_unit.dm3")
    assert s.nm_per_px == pytest.approx(168.6747, rel=1e-5)


def test_digitalmicrograph_dm4_without_calibration_says_so():
    pytest.importorskip("rsciio")
    s = read_instrument_scale(DATA / "test-1.dm4")
    assert s.reader == "rosettasciio:DigitalMicrograph" and s.nm_per_px is None
    assert "no length calibration" in s.note and "pixels" in s.note


def test_jeol_sightx_tiff(tmp_path):
    pytest.importorskip("rsciio")
    path = tmp_path / "JEOL-SightX-TEM-mag-dummy.tif"
    with gzip.open(DATA / "JEOL-SightX-TEM-mag-dummy.tif.gz") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    s = read_instrument_scale(path)
    assert s.reader == "rosettasciio:TIFF" and s.nm_per_px == pytest.approx(1.82079, rel=1e-5)


def test_truncated_tiff_names_the_file(tmp_path):
    path = tmp_path / "cut.tif"
    path.write_bytes((DATA / "FEI-Helios-Ebeam-8bits.tif").read_bytes()[:200])
    s = read_instrument_scale(path)
    assert s.nm_per_px is None and "cut.tif: TIFF tags unreadable" in s.note and "pixels" in s.note
