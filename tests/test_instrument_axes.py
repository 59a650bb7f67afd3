"""Which image of an instrument file its pixel size is for (models/instrument_axes.py): the first signal whose two
axes are real-space lengths (not a half FFT stored before it), a spectrum image's navigation axes, unit spellings
('n_m'), a later TIFF page's Olympus SIS tag, and a camera TIFF that carries no calibration.

Synthetic signals (dicts as rosettasciio hands them over) and TIFFs written here with tifffile; the real files
(GPL-3.0 rosettasciio / openNCEM files of held_out_16) only when restored, skipped otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from figdex.models import instrument_meta
from figdex.models.instrument_axes import length_nm, pick_image, tiff_page_sis
from figdex.models.instrument_meta import load_instrument_pixels, read_instrument_scale
from tests.instrument_files import restored


def _axis(name, units, scale, size, navigate=False):
    return {"name": name, "units": units, "scale": scale, "size": size, "navigate": navigate}


FFT = {"data": np.ones((70, 36)), "axes": [_axis("y", "1 / µm", 0.53, 70), _axis("x", "1 / µm", 0.53, 36)]}
HAADF = {"data": np.arange(128 * 128, dtype=float).reshape(128, 128),
         "axes": [_axis("y", "µm", 0.0271, 128), _axis("x", "µm", 0.0271, 128)]}
EDS_SI = {"data": np.arange(5 * 5 * 40, dtype=float).reshape(5, 5, 40),
          "axes": [_axis("y", "nm", -1.87, 5, True), _axis("x", "nm", 1.87, 5, True), _axis("Energy", "eV", 5.0, 40)]}


def test_units_spelled_with_underscores_or_spaces_are_lengths():
    assert length_nm("n_m") == 1.0 and length_nm(" nm ") == 1.0 and length_nm("µm") == 1e3
    assert length_nm("1 / µm") is None and length_nm("eV") is None and length_nm("<undefined>") is None


def test_the_real_space_image_after_a_half_fft_is_read():
    assert pick_image([FFT, HAADF])[:2] == (1, "signal")
    s = instrument_meta._rsciio_scale("rosettasciio:EMD", [FFT, HAADF])
    assert s.nm_per_px == pytest.approx(27.1) and s.note is None


def test_only_reciprocal_axes_say_uncalibrated():
    s = instrument_meta._rsciio_scale("rosettasciio:EMD", [FFT])
    assert s.nm_per_px is None and "1 / µm" in s.note


def test_a_spectrum_image_is_calibrated_by_its_navigation_axes():
    assert pick_image([EDS_SI])[:2] == (0, "navigation")
    s = instrument_meta._rsciio_scale("rosettasciio:TIA", [EDS_SI])
    assert s.nm_per_px == pytest.approx(1.87)  # the x step; y's negative step is a flipped axis


def test_berkeley_unit_n_m():
    sig = {"data": np.ones((8, 8)), "axes": [_axis("X", "n_m", 0.0122, 8), _axis("Y", "n_m", 0.0122, 8)]}
    assert instrument_meta._rsciio_scale("rosettasciio:EMD", [sig]).nm_per_px == pytest.approx(0.0122)


def test_pixels_are_the_image_the_pixel_size_is_for(monkeypatch, tmp_path):
    path = tmp_path / "x.emd"
    path.write_bytes(b"")
    pytest.importorskip("rsciio")
    monkeypatch.setattr(instrument_meta, "_rsciio_read", lambda p, lazy: ("EMD", [FFT, HAADF]))
    assert load_instrument_pixels(path).shape == (128, 128, 3)
    monkeypatch.setattr(instrument_meta, "_rsciio_read", lambda p, lazy: ("TIA", [EDS_SI]))
    img = load_instrument_pixels(path)  # the map: the spectrum summed at each of the 5 x 5 positions
    assert img.shape == (5, 5, 3) and img[0, 0, 0] < img[4, 4, 0]


class _Tags(dict):
    def valueof(self, code):
        return self.get(code)


class _Page:
    def __init__(self, tags):
        self.tags = _Tags(tags)


class _Tif:
    def __init__(self, pages):
        self.pages = pages


def test_sis_tag_of_a_later_page():
    sis = {"pixelsizex": 2.39e-11, "magnification": 600000.0}
    assert tiff_page_sis(_Tif([_Page({271: "Olympus"}), _Page({33560: sis})])) == sis
    assert tiff_page_sis(_Tif([_Page({271: "Olympus"})])) is None
    assert instrument_meta._sis(sis).nm_per_px == pytest.approx(0.0239)


def test_camera_tiff_without_calibration_says_so(tmp_path):
    import tifffile

    path = tmp_path / "camera.tif"
    tifffile.imwrite(path, np.zeros((10, 13), np.uint8), metadata=None, resolution=(150, 150), resolutionunit=2,
                     extratags=[(272, "s", 0, "AxioCamERc5s", True)])
    s = read_instrument_scale(path)
    assert s is not None and s.nm_per_px is None and s.instrument == "AxioCamERc5s"
    assert "no spatial calibration" in s.note and "150" in s.note
    plain = tmp_path / "figure.tif"  # no maker or camera named: a figure, no instrument file
    tifffile.imwrite(plain, np.zeros((10, 13), np.uint8), metadata=None, resolution=(300, 300))
    assert read_instrument_scale(plain) is None


# --- held_out_16's files, when restored (GPL-3.0 upstream: never committed) ---------------------------------------

@pytest.mark.parametrize("name,nm", [("olympus_SIS.tif", 0.0239279), ("FFTComplexEven.emd", 27.1152956),
                                     ("16x16-diffraction_imagel_5x5x256x256_EDS_1.ser", 1.8739004),
                                     ("Acquisition_18.emd", 0.012246525)])
def test_restored_files(name, nm):
    path = restored(name)
    if path.suffix != ".tif":
        pytest.importorskip("rsciio")
    assert read_instrument_scale(path).nm_per_px == pytest.approx(nm, rel=1e-4)


def test_restored_axiovision_tiff_has_no_calibration():
    s = read_instrument_scale(restored("optical_Zeiss_AxioVision_BW.tif"))
    assert s is not None and s.nm_per_px is None and s.note
