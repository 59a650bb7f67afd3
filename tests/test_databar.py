"""Databars and the ranked scale sources, on real SEM/TEM files.

quanta_image.tif (FEI Quanta, committed: tests/data/instrument, SOURCES.md) was never looked at
while the databar reader was written: its checks are held out.  The rosettasciio files
(FEI-Helios-Ebeam-8bits.tif and test_tiff_Zeiss_SEM_1k.tif, what the reader was tuned on, and the
held-out others) are GPL-3.0: restored by `python eval/restore_instrument.py`, skipped when absent.
bench/instrument_scale.py reports both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from figdex.cli.main import cli
from figdex.models.databar import find_databar
from figdex.models.instrument_meta import read_instrument_scale
from figdex.models.ocr import get_ocr, load_rgb
from figdex.models.panel_labels import to_gray
from tests.instrument_files import DATA, committed, restored


@pytest.fixture
def quanta(tmp_path) -> Path:
    return committed("quanta_image.tif.tar.gz", tmp_path)


def _databar(path):
    image = load_rgb(path)
    return find_databar(to_gray(image), get_ocr().read(image))


def _scale(*args) -> list[dict]:
    res = CliRunner().invoke(cli, ["figures", "scale", *map(str, args), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.output.splitlines() if line.startswith("{")]


def _png(path, tmp_path) -> Path:
    """The file as a paper would carry it: pixels only, every tag gone."""
    out = tmp_path / (Path(path).stem + ".png")
    Image.fromarray(load_rgb(path)).save(out)
    return out


# --- committed: FEI Quanta (held out) -------------------------------------------------------------------


def test_quanta_databar_box_matches_the_instrument_and_fields_are_read(quanta):
    import tifffile

    bar = _databar(quanta)
    with tifffile.TiffFile(quanta) as tif:
        height = tif.fei_metadata["PrivateFei"]["DatabarHeight"]  # the microscope's own number: 59
    assert bar.box == (0, 943 - height, 1024, 943) and bar.content_box == (0, 0, 1024, 943 - height)
    f = bar.fields
    assert f["field_width"].replace(" ", "") == "453µm" and f["voltage"] == "30.00 kV"
    assert f["pressure"] == "5.99e-1 Torr"
    assert bar.derived_from == "field_width" and bar.nm_per_px == pytest.approx(453e3 / 1024)


def test_cli_quanta_metadata_outranks_and_databar_agrees(quanta):
    line, = _scale(quanta)
    assert line["scale_kept"] == "metadata" and line["nm_per_px"] == pytest.approx(441.942)
    assert line["databar"]["box"] == [0, 884, 1024, 943]
    databar_check, = [c for c in line["scale_checks"] if c["source"] == "databar"]
    assert databar_check["agrees"] and databar_check["ratio"] == pytest.approx(1.001, abs=1e-3)
    assert line["metadata"]["instrument"] == "Quanta FEG" and line["metadata"]["voltage_kv"] == 30.0


def test_cli_quanta_metadata_stripped_falls_back_to_the_databar(quanta, tmp_path):
    line, = _scale(_png(quanta, tmp_path))
    assert "metadata" not in line and line["scale_kept"] == "databar"
    assert line["nm_per_px"] == pytest.approx(441.942, rel=0.005)


def test_quanta_split_bar_inside_the_databar_is_measured_between_its_ends(quanta):
    """Once a held-out failure (the 436-px line under its databar cell was taken); the two halves of
    '├── 100 µm ──┤' are now one ruler, tick centre to tick centre (tests/test_scale_rulers.py)."""
    line, = _scale(quanta)
    bar, = [b for b in line["bars"] if b["label"] == "100 µm"]
    assert bar["length_px"] == pytest.approx(100_000 / 441.942, abs=1)  # 226.3 px


def test_broken_fei_tag_says_so_and_reads_pixels(tmp_path):
    line, = _scale(committed("titan_tem_bf_image_dataZeroed.tif.tar.gz", tmp_path))
    assert line["metadata"]["reader"] == "tifffile:fei" and "scale read from the pixels" in line["metadata"]["note"]
    assert line["scale_source"] == "none" and line["nm_per_px"] is None  # zeroed pixels: nothing to read


def test_cli_reads_dm3_pixels_and_metadata():
    pytest.importorskip("rsciio")
    line, = _scale(DATA / "test_STEM_image.dm3")
    assert line["scale_source"] == "metadata" and line["nm_per_px"] == pytest.approx(0.248538, rel=1e-5)


def test_cli_corrupt_dm3_is_reported_naming_the_file(tmp_path):
    pytest.importorskip("rsciio")
    path = committed("test_corrupted.dm3.tar.gz", tmp_path)
    res = CliRunner().invoke(cli, ["figures", "scale", str(path)])
    assert res.exit_code == 1 and "test_corrupted.dm3: DigitalMicrograph reader failed" in res.output
    assert "1 of 1 files could not be read" in res.output


# --- restored (GPL-3.0): FEI Helios, Zeiss SEM, TVIPS, DigitalMicrograph ----------------------------------


def test_fei_databar_box_matches_the_instrument_and_fields_are_read():
    bar = _databar(restored("FEI-Helios-Ebeam-8bits.tif"))
    import tifffile

    with tifffile.TiffFile(restored("FEI-Helios-Ebeam-8bits.tif")) as tif:
        height = tif.fei_metadata["PrivateFei"]["DatabarHeight"]  # the microscope's own number: 29
    assert bar.box == (0, 471 - height, 512, 471) and bar.content_box == (0, 0, 512, 471 - height)
    f = bar.fields
    assert f["field_width"] == "1.73 mm" and f["voltage"] == "5.00 kV" and f["magnification"] == "120 x"
    assert f["current"] == "6.3 pA" and f["mode"] == "SE"
    assert bar.derived_from == "field_width" and bar.nm_per_px == pytest.approx(1.73e6 / 512)


def test_zeiss_databar_inline_fields():
    bar = _databar(restored("test_tiff_Zeiss_SEM_1k.tif"))
    assert bar.box == (0, 691, 1024, 768)  # the black frame line of the white strip
    assert bar.fields["voltage"] == "25.00 kV" and bar.fields["working_distance"] == "14.8 mm"
    assert bar.fields["detector"] == "HE-SE2" and bar.fields["magnification"].startswith("105")
    assert bar.nm_per_px is None  # this databar prints neither a width nor a pixel size


def test_no_databar_on_a_tem_image_without_one():
    assert _databar(restored("TVIPS_bin4.tif")) is None


def test_cli_metadata_outranks_and_databar_is_checked():
    line, = _scale(restored("FEI-Helios-Ebeam-8bits.tif"))
    assert line["scale_source"] == "metadata" and line["nm_per_px"] == pytest.approx(3372.4)
    assert line["databar"]["box"] == [0, 442, 512, 471] and line["databar"]["fields"]["field_width"] == "1.73 mm"
    check, = line["scale_checks"]
    assert check["source"] == "databar" and check["agrees"] and check["ratio"] == pytest.approx(1.0019, abs=1e-4)
    assert line["metadata"]["instrument"].startswith("Helios") and line["metadata"]["voltage_kv"] == 5.0


def test_cli_metadata_stripped_falls_back_to_the_databar(tmp_path):
    line, = _scale(_png(restored("FEI-Helios-Ebeam-8bits.tif"), tmp_path))
    assert "metadata" not in line
    assert line["scale_source"] == "databar" and line["nm_per_px"] == pytest.approx(3372.4, rel=0.005)


def test_cli_zeiss_bar_inside_the_databar_agrees_with_metadata(tmp_path):
    line, = _scale(restored("test_tiff_Zeiss_SEM_1k.tif"))
    assert line["scale_source"] == "metadata" and line["scale_checks"][0]["source"] == "bar"
    assert line["scale_checks"][0]["agrees"]
    stripped, = _scale(_png(restored("test_tiff_Zeiss_SEM_1k.tif"), tmp_path))
    assert stripped["scale_source"] == "bar" and stripped["databar"]["box"] == [0, 691, 1024, 768]
    assert stripped["nm_per_px"] == pytest.approx(2614.26, rel=0.03)  # the 200 µm bar is 78 px


def test_cli_broken_metadata_says_so_and_reads_pixels():
    line, = _scale(restored("FEI-Helios-navcam-with-no-IRBeam-bad-floats.tif"))
    assert line["metadata"]["reader"] == "tifffile:fei" and "scale read from the pixels" in line["metadata"]["note"]
    assert line["scale_source"] == "none" and line["nm_per_px"] is None


def test_cli_disagreement_is_recorded_not_hidden():
    # TVIPS TEM image: the tags say 1.42 nm/px, its 200 nm bar agrees (151 px); a caption that
    # claims 500 nm for that bar disagrees, and the line says so while keeping the metadata.
    line, = _scale(restored("TVIPS_bin4.tif"))
    assert line["scale_source"] == "metadata" and line["scale_checks"][0]["agrees"]
    res = CliRunner().invoke(cli, ["figures", "scale", str(restored("TVIPS_bin4.tif")), "--caption",
                                   "Scale bar, 500 nm."])
    line = json.loads(res.output.splitlines()[-1])
    assert line["scale_source"] == "conflict" and line["scale_kept"] == "metadata"
    assert line["nm_per_px"] == pytest.approx(1.4208, rel=1e-4) and line["bars"][0]["source"] == "conflict"


def test_cli_reads_restored_dm_files_in_micrometres_and_uncalibrated():
    pytest.importorskip("rsciio")
    line, = _scale(restored("test_dm_image_um_unit.dm3"))
    assert line["scale_source"] == "metadata" and line["nm_per_px"] == pytest.approx(168.6747, rel=1e-5)
    line, = _scale(restored("test-1.dm4"))  # no calibration: falls back to the pixels and says so
    assert line["scale_source"] == "none" and "no length calibration" in line["metadata"]["note"]


def test_instrument_reader_and_databar_on_the_same_file_agree():
    meta = read_instrument_scale(restored("FEI-Helios-Ebeam-16bits.tif"))
    bar = _databar(restored("FEI-Helios-Ebeam-16bits.tif"))
    assert bar is not None and bar.nm_per_px / meta.nm_per_px == pytest.approx(1.0, abs=0.005)


@pytest.mark.shared
def test_field_width_is_never_a_bar_label_on_figures_from_papers():
    """SEM crops from papers (../shared/corpus/emps, development half; pixels only).  Before #17 the
    databar's field width was paired with a line as if it were the bar's label: 31f17306c8 ("HFW
    592 nm" on a 39-px line: 15.2 nm/px, 18.6× off) and c36b04376a ("19.9 µm" on the 236-px table
    cell: 84.3 nm/px, 2.4× off)."""
    from tests.conftest import shared_path

    fei, = _scale(shared_path("emps/images/31f17306c8.png"))
    assert fei["databar"]["fields"]["field_width"] == "592nm" and fei["scale_kept"] == "databar"
    assert fei["nm_per_px"] == pytest.approx(592 / 727)
    assert all(b["label"] != "592 nm" for b in fei["bars"])
    # Its own faint 200 nm bar (found since the bar finder reads rows, not components) agrees.
    assert fei["bars"][0]["label"] == "200 nm" and fei["bars"][0]["length_px"] == pytest.approx(247, abs=2)
    assert fei["scale_source"] == "both" and fei["scale_checks"][0]["agrees"]

    split, = _scale(shared_path("emps/images/c36b04376a.png"))
    # "├──── 5 µm ────┤": the two halves either side of the label are one 141-px bar, which agrees
    # with HFW 19.9 µm over 555 px.
    assert split["bars"][0]["label"] == "5 µm" and split["bars"][0]["length_px"] == pytest.approx(141, abs=2)
    assert split["scale_source"] == "both" and split["nm_per_px"] == pytest.approx(19900 / 555)


@pytest.mark.parametrize("text, field, value", [
    ("View field: 20.8 µm", "field_width", "20.8 µm"),  # Tescan's field width
    ("SEM HV: 20.0 kV", "voltage", "20.0 kV"),  # Tescan names the column
    ("SEM MAG: 10.0 kx", "magnification", "10.0 kx"),
    ("HFV", "field_width", None),  # OCR's HFW on the FEI databar of held_out_3's 1_1.tif
    ("VD", "working_distance", None),  # OCR's WD there
    ("Fibre: 3 nm", None, None),  # a word that starts like a column name is no key
])
def test_databar_keys_as_instruments_print_and_ocr_reads_them(text, field, value):
    from figdex.models.databar import _key

    assert _key(text) == ((field, value) if field else None)
