"""JEOL SEM sidecar text ($CM_ lines beside the image): pixel size from the micron bar, the field of view or
the magnification (models/instrument_jeol.py), through the one entry point every command uses.  Synthetic
TIFF + .txt pairs written here; the restored real JEOL file of held_out_19 when present (never committed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile

from figdex.models.instrument_meta import read_instrument_scale

HEAD = "$CM_FORMAT JEOL-SEM\n$CM_VERSION 3.0\n$CM_INSTRUMENT 7600F\n$CM_ACCEL_VOLT 15.00\n$$SM_WD 8.5\n"
RESTORED = Path(__file__).resolve().parents[1] / "eval" / "restored" / "instrument" / "JIB4700F_odemis_jeol.tif"


def _pair(tmp_path: Path, lines: str, width=1280, height=960, suffix=".tif") -> Path:
    image = tmp_path / f"sem{suffix}"
    pixels = np.zeros((height, width), np.uint8)
    if suffix == ".tif":
        tifffile.imwrite(image, pixels)  # a plain TIFF: no maker tag, as JEOL SEMs write them
    else:
        from PIL import Image

        Image.fromarray(pixels).save(image)
    image.with_suffix(".txt").write_text(HEAD + lines)
    return image


def test_micron_bar_and_marker_give_the_pixel_size(tmp_path):
    got = read_instrument_scale(_pair(tmp_path, "$CM_MAG 5000\n$CM_FULL_SIZE 1280 960\n$$SM_MICRON_BAR 180\n"
                                                "$$SM_MICRON_MARKER 5um\n"))
    assert got.reader == "jeol:sidecar"
    assert got.nm_per_px == pytest.approx(5000 / 180)
    assert (got.instrument, got.magnification, got.voltage_kv, got.working_distance_mm) == ("JEOL 7600F", 5000, 15.0, 8.5)
    assert "micron bar" in got.note


def test_a_bar_given_for_the_full_size_is_rescaled_to_the_saved_width(tmp_path):
    got = read_instrument_scale(_pair(tmp_path, "$CM_MAG 5000\n$CM_FULL_SIZE 2560 1920\n$$SM_MICRON_BAR 360\n"
                                                "$$SM_MICRON_MARKER 5um\n"))
    assert got.nm_per_px == pytest.approx(5000 / 360 * 2)  # 2560 px bar pixels, the image saved 1280 wide


def test_field_of_view_outranks_the_magnification(tmp_path):
    got = read_instrument_scale(_pair(tmp_path, "$CM_MAG 120\n$CM_FIELD_OF_VIEW 1.067mm 0.800mm\n"))
    assert got.nm_per_px == pytest.approx(1.067e6 / 1280)
    assert got.field_width_nm == pytest.approx(1.067e6)


def test_magnification_alone_uses_jeols_128_mm_reference_field(tmp_path):
    got = read_instrument_scale(_pair(tmp_path, "$CM_MAG 50\n$CM_FULL_SIZE 1280 960\n$$SM_MICRON_MARKER 500um\n"))
    assert got.nm_per_px == pytest.approx(2000.0)  # 128 mm / 50 / 1280 px
    assert "128 mm" in got.note


def test_a_jpeg_with_its_jeol_text_is_read_too(tmp_path):
    got = read_instrument_scale(_pair(tmp_path, "$CM_MAG 1000\n", width=640, height=480, suffix=".jpg"))
    assert got is not None and got.nm_per_px == pytest.approx(128e6 / 1000 / 640)


def test_jeol_text_without_any_calibration_says_so(tmp_path):
    got = read_instrument_scale(_pair(tmp_path, "$CM_DATE 2025/11/20\n"))
    assert got.reader == "jeol:sidecar" and got.nm_per_px is None
    assert "sem.tif" in got.note and "from the pixels" in got.note


def test_text_that_is_not_jeols_is_ignored(tmp_path):
    image = tmp_path / "plain.tif"
    tifffile.imwrite(image, np.zeros((64, 64), np.uint8))
    image.with_suffix(".txt").write_text("notes about this sample\nCM_MAG 50\n")
    assert read_instrument_scale(image) is None


@pytest.mark.skipif(not RESTORED.is_file(), reason="held_out_19's JEOL file is not restored (eval/restore_instrument.py)")
def test_restored_jeol_jib4700f_file():
    got = read_instrument_scale(RESTORED)
    assert got.nm_per_px == pytest.approx(2000.0, rel=0.02)  # the burned-in 500 µm bar measures 250 px
