"""Rulers in SEM databars and upright bars, on real files (#17, held_out_3's misses).

- A ruler broken by its label (├──── 20 µm ────┤, FEI and Thermo databars) is one bar, measured tick
  centre to tick centre; each half alone had read as the whole bar (nm/px 2-2.5x off).
- JPEG rulers with 3-px ticks, and ticks that rise 15 px past a 2-px line.
- The label the text detector misses between the halves is read from the gap.
- Databar keys as OCR misreads them ("HFV" for HFW, "VD" for WD).
- A short bar a third as thick as it is long.
- Upright bars, and their label read beside them turned level.

quanta_image.tif is committed (MIT, tests/data/SOURCES.md); the held_out_3 files (jehyunlee/image_processing and
imageio-binaries, no licence stated) are restored by eval/restore_instrument.py and skipped when absent; the emps
figure is read from ../shared/corpus; matplotlib-scalebar's upright bar (BSD-2-Clause) is restored by
eval/restore_instrument.py --manifest eval/scale_bars_upright_restore.tsv.  The lengths are the hand measurements of eval/scale_bars_held_out_3.tsv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from figdex.models.evaluate_scale import bar_matches, unpacked_instrument_file
from figdex.models.instrument_meta import load_image_pixels
from figdex.models.ocr import get_ocr, load_rgb
from figdex.models.scale_sources import image_scale
from figdex.models.scalebars import find_bars
from tests.conftest import REPO, shared_path
from tests.bar_cases import bar_error
from tests.instrument_files import committed, restored



def _restored_bar_image(name: str) -> Path:
    return restored(name, "scale_bars_3", "eval/scale_bars_restore.tsv")


def _error_on(image: np.ndarray, gold: tuple[int, int, int, int], length: float, **kw) -> float | None:
    return bar_error(image, gold, length, **kw)


@pytest.fixture
def quanta(tmp_path) -> np.ndarray:
    return load_image_pixels(committed("quanta_image.tif.tar.gz", tmp_path))


def test_fei_ruler_broken_by_its_label_is_one_bar(quanta):
    """quanta_image.tif: '├── 100 µm ──┤' in the databar, halves 691-756 and 855-920; the FEI tag's
    441.942 nm/px makes 100 µm 226.3 px.  Before, each 65-px half was a bar of its own."""
    bars = [b for b in find_bars(quanta) if b.gap is not None and 895 <= b.box[1] <= 900]
    assert bars, "the broken ruler was not joined"
    bar = max(bars, key=lambda b: b.score)
    assert bar.box[0] == 691 and bar.box[2] == 920 and bar.gap == (756, 855)
    assert bar.length_px == pytest.approx(100_000 / 441.942, abs=1.0)


def test_fei_ruler_and_its_label_give_the_scale_from_pixels_alone(quanta):
    scale = image_scale(quanta, get_ocr().read(quanta), ocr=get_ocr())  # no metadata: the pixels only
    assert scale.reading.label is not None and scale.reading.label.nm == 100_000
    assert scale.reading.nm_per_px == pytest.approx(441.942, rel=0.01)
    assert scale.source == "both"  # the databar's HFW agrees with the ruler


@pytest.mark.parametrize("name, gold, length", [
    # JPEG, 3-px ticks 3 rows past a 3-px line (eval/scale_bars_held_out_3.tsv)
    ("SEM_1-2500_014_sb.jpg", (870, 1039, 1477, 1048), 604.0),
    ("SEM_Mus.-800_019_sb.jpg", (924, 1039, 1410, 1048), 483.0),
    # 1-px ticks one row past the line, which overshoots each tick by a pixel
    ("SEM_1_1_sb.jpg", (363, 447, 503, 452), 137.0),
    # 2-px ticks rising 15 px above and below a 2-px line
    ("fei-sem-rbc.tif", (948, 1026, 1467, 1057), 517.0),
])
def test_databar_rulers_in_jpegs_and_with_tall_ticks(name, gold, length):
    image = load_rgb(_restored_bar_image(name))
    error = _error_on(image, gold, length, vertical=False)
    assert error is not None and error <= 0.01, error


def test_label_missed_by_the_detector_is_read_in_the_rulers_gap(tmp_path):
    """Mus.-5k_024.tif (FEI Nova, 16-bit, held_out_3): the text detector finds every databar word but
    the '10 µm' between the ruler's halves, and the databar prints no HFW: nothing gave a scale."""
    path = unpacked_instrument_file(restored("Mus.-5k_024.tif"), tmp_path)
    image = load_image_pixels(path)
    ocr = get_ocr()
    boxes = ocr.read(image)
    assert image_scale(image, boxes).nm_per_px is None  # without the re-read
    scale = image_scale(image, boxes, ocr=ocr)
    assert scale.reading.label is not None and scale.reading.label.nm == 10_000
    assert scale.nm_per_px == pytest.approx(16.5365, rel=0.02)  # the file's PixelWidth tag


def test_databar_keys_as_ocr_misreads_them():
    """1_1.tif (older FEI software, 512 px): OCR reads HFW as 'HFV' and WD as 'VD'; the field width
    '18.6 µm' was then taken for a bar's label, paired with the table's rule (123 nm/px, 3.4x off)."""
    image = load_image_pixels(restored("1_1.tif"))
    scale = image_scale(image, get_ocr().read(image), ocr=get_ocr())
    assert scale.databar is not None and scale.databar.fields.get("field_width") == "18.6 µm"
    assert scale.nm_per_px == pytest.approx(36.4258, rel=0.01)
    assert scale.reading.bar is not None and scale.reading.bar.length_px == pytest.approx(137, abs=1)


@pytest.mark.shared
def test_short_bar_a_third_as_thick_as_long():
    """emps fd1f58d925.png: a white 1 µm bar 31 px long and 10 rows thick (held_out_3)."""
    image = load_rgb(shared_path("emps/images/fd1f58d925.png"))
    error = _error_on(image, (546, 440, 577, 450), 31)
    assert error is not None and error <= 0.03, error


def test_upright_bar_is_found_with_its_length(quanta):
    """The quanta ruler and the databar turned upright (np.rot90 of the real pixels): the same bar,
    box and length, as a vertical one; with vertical=False it is not found."""
    upright = np.ascontiguousarray(np.rot90(quanta, k=-1))  # clockwise: row y becomes column H-1-y
    H = quanta.shape[0]
    gold = (H - 901, 691, H - 898, 920)
    bars = [b for b in find_bars(upright) if b.orientation == "vertical" and bar_matches(b.box, gold)]
    assert bars and max(b.length_px for b in bars) == pytest.approx(100_000 / 441.942, abs=1.0)
    assert not [b for b in find_bars(upright, vertical=False) if bar_matches(b.box, gold)]


def test_upright_bar_and_its_turned_label_on_a_real_figure():
    """matplotlib-scalebar's doc/argument_rotation.png: a black 2-px bar, rows 18-71 (54 px, sharp ends,
    read by eye from the pixels), in a white box, its '5 cm' running upward beside it.  The white box's
    inner strips are upright light runs too, scored higher: the bar is the one whose label was read."""
    path = REPO / "eval" / "restored" / "scale_bars_upright" / "argument_rotation.png"
    if not path.exists():
        pytest.skip("argument_rotation.png is BSD-2-Clause and not committed: run `python eval/restore_instrument.py "
                    "--manifest eval/scale_bars_upright_restore.tsv --into eval/restored/scale_bars_upright`")
    image = load_rgb(path)
    assert _error_on(image, (200, 18, 202, 72), 54) <= 0.01
    assert _error_on(image, (200, 18, 202, 72), 54, vertical=False) is None
    ocr = get_ocr()
    scale = image_scale(image, ocr.read(image), ocr=ocr)
    assert scale.reading.bar is not None and scale.reading.bar.orientation == "vertical"
    assert scale.reading.bar.box == (200, 18, 202, 72) and scale.reading.label.nm == 5e7
    assert scale.nm_per_px == pytest.approx(5e7 / 54, rel=0.01)
