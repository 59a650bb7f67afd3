"""Hitachi SEM calibration: the [SemImageFile] sidecar .txt (UTF-16 or 8-bit) and the TIFF's XPComment /
ImageDescription lines (models/instrument_hitachi.py).  Synthetic files written here; the restored Hitachi SU8600
file of held_out_17 when present."""

import numpy as np
import pytest

from figdex.models.instrument_hitachi import decode, parse, sidecars
from figdex.models.instrument_meta import read_instrument_scale

SIDECAR = ("[SemImageFile]\r\nInstructName=SU8600\r\nDataSize=640x480\r\nPixelSize=396.875\r\n"
           "AcceleratingVoltage=15000 Volt\r\nMagnification=400\r\nWorkingDistance=8139.3 um\r\n"
           "FOV=254 μm\r\nSignalName=UD\r\nCondition=Vacc=15.00kV Mag=x400 WD=8.1mm\r\n")


def _tiff(path, width=640, height=480, extratags=(), description=None):
    import tifffile

    tifffile.imwrite(path, np.zeros((height, width), np.uint8), extratags=list(extratags), description=description,
                     metadata=None)
    return path


def test_utf16_sidecar_beside_a_tiff_gives_pixel_size_and_conditions(tmp_path):
    tif = _tiff(tmp_path / "img 01.tif")
    (tmp_path / "img 01.txt").write_bytes(b"\xff\xfe" + SIDECAR.encode("utf-16-le"))
    got = read_instrument_scale(tif, width_px=640)
    assert got.reader == "hitachi:sidecar" and got.nm_per_px == pytest.approx(396.875)
    assert (got.instrument, got.voltage_kv, got.magnification, got.detector) == ("SU8600", 15.0, 400.0, "UD")
    assert got.working_distance_mm == pytest.approx(8.1393) and got.field_width_nm == pytest.approx(254000)


def test_8bit_sidecar_without_pixel_size_uses_the_field_of_view(tmp_path):
    tif = _tiff(tmp_path / "old.tif", width=1280, height=960)
    text = SIDECAR.replace("PixelSize=396.875\r\n", "").replace("InstructName=SU8600", "InstructName=S-4800")
    (tmp_path / "old.TXT").write_bytes(text.replace("μm", "\xb5m").encode("latin-1"))
    got = read_instrument_scale(tif)
    assert got.instrument == "S-4800" and got.nm_per_px == pytest.approx(254000 / 1280)
    assert "field of view" in got.note


def test_a_copy_saved_at_another_size_is_rescaled(tmp_path):
    tif = _tiff(tmp_path / "half.tif", width=320, height=240)
    (tmp_path / "half.txt").write_text(SIDECAR, encoding="utf-8")
    assert read_instrument_scale(tif).nm_per_px == pytest.approx(396.875 * 2)


def test_xpcomment_and_description_lines_without_a_sidecar(tmp_path):
    lines = "SerialNumber=8600-01\r\nDataNumber=SU8600 0001\r\nPixelSize=317.5\r\nCondition=Vacc=5.00kV Mag=x1.5k"
    xp = lines.encode("utf-16-le") + b"\x00\x00"
    tif = _tiff(tmp_path / "tagged.tif", extratags=[(40092, "B", len(xp), xp, True)])
    got = read_instrument_scale(tif)
    assert got.reader == "hitachi:tags" and got.nm_per_px == pytest.approx(317.5)
    assert (got.instrument, got.voltage_kv, got.magnification) == ("SU8600", 5.0, 1500.0)
    described = _tiff(tmp_path / "described.tif", description=lines.replace("\r\n", "\n"))
    assert read_instrument_scale(described).nm_per_px == pytest.approx(317.5)


def test_a_jpeg_with_its_sidecar_and_a_foreign_txt_beside_a_tiff(tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((480, 640), np.uint8)).save(tmp_path / "shot.jpg")
    (tmp_path / "shot.txt").write_bytes(b"\xff\xfe" + SIDECAR.encode("utf-16-le"))
    assert read_instrument_scale(tmp_path / "shot.jpg", width_px=640).nm_per_px == pytest.approx(396.875)
    plain = _tiff(tmp_path / "figure.tif")
    (tmp_path / "figure.txt").write_text("PixelSize=5\nnotes about the figure\n", encoding="utf-8")
    assert read_instrument_scale(plain) is None  # no [SemImageFile]: not Hitachi's
    assert sidecars(tmp_path / "figure.tif") == [] and sidecars(tmp_path / "shot.jpg") == [tmp_path / "shot.txt"]


def test_decode_and_parse():
    assert parse(decode(b"\xff\xfe" + "[SemImageFile]\r\nA=1\r\nA=2".encode("utf-16-le"))) == {"A": "1"}
    assert decode("PixelSize=1".encode("utf-16-le")) == "PixelSize=1"
    assert parse(decode("FOV=12 \xb5m".encode("latin-1"))) == {"FOV": "12 µm"}


def test_ingest_images_keeps_the_sidecar_beside_the_stored_copy(ds, tmp_path):
    """A folder of Hitachi files: the stored copy (named by its hash) gets the .txt, and the scale is the metadata's."""
    from figdex.ingest.image_folder import ingest_image_folders
    from figdex.ingest.separate import separate_dataset

    root = tmp_path / "hitachi"
    root.mkdir()
    _tiff(root / "a.tif")
    (root / "a.txt").write_bytes(b"\xff\xfe" + SIDECAR.encode("utf-16-le"))
    summary = ingest_image_folders(ds, [root])
    assert (summary.files, summary.stored) == (1, 1)  # the .txt is no image
    assert len(list(ds.root.glob("images/*/*.txt"))) == 1
    assert separate_dataset(ds).separated == 1
    row = ds.conn.execute("SELECT nm_per_px, scale_source FROM master_images").fetchone()
    assert row["scale_source"] == "metadata" and row["nm_per_px"] == pytest.approx(396.875)


def test_restored_hitachi_su8600_file():
    """held_out_17's Chang_LLZAO.tif (no licence stated: restored, never committed; skipped when absent)."""
    from tests.instrument_files import restored

    path = restored("Chang_LLZAO.tif")
    got = read_instrument_scale(path, width_px=800)
    assert got.reader == "hitachi:sidecar" and got.nm_per_px == pytest.approx(317.5)
    assert got.instrument == "SU8600" and got.voltage_kv == 15.0
