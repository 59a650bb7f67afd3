"""`figdex eval scale --split held_out_3`: the bar TSV loader and its scoring, on a tiny TSV built
in a temporary folder from a tuned-on bar (s41467-018-06211-3 fig1 e, tests/data/separation_gold.json:
box [407, 456, 448, 460) exclusive, 40.3 px) and the committed orion-zeiss instrument file (tune).
The real eval/scale_bars_held_out_3.tsv is gathered by someone else and never read here."""

from __future__ import annotations

from pathlib import Path

import pytest

from figdex.errors import FigdexError, NotFoundError
from figdex.models.evaluate_scale import evaluate_scale, read_bar_tsv, resolve_image
from tests.conftest import REPO, SHARED

FIG = "demo/corpus/nature/figures/s41467-018-06211-3_fig1.jpg"
HEADER = "# a comment\nimage\tpaper\tx0\ty0\tx1\ty1\tlength_px\tlabel\tkind\tnote\n"
# The gold bar, its box inclusive; the same bar with a length 10 % off; a box where no bar is (on the
# panel's text-free white margin above the micrographs).
ROWS = [
    f"{FIG}\t10.1038/s41467-018-06211-3\t407\t456\t447\t459\t40.3\t\tlight,on-bright\tpanel e",
    f"{FIG}\t10.1038/s41467-018-06211-3\t407\t456\t447\t459\t44.3\t\tlight\tlength 10 % off",
    f"{FIG}\t10.1038/s41467-018-06211-3\t20\t2\t60\t4\t40.0\t200 nm\tdark,thin\tno bar here",
]


def _tsv(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "scale_bars_held_out_3.tsv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _instrument_gold(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "instrument_gold.tsv"
    path.write_text("# file\ttrue_nm_per_px\tfrom\tsplit\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _evaluate(tmp_path, bar_rows, instrument_rows):
    return evaluate_scale("held_out_3", REPO / "eval" / "scale_label_gold.tsv", SHARED, [],
                          _instrument_gold(tmp_path, instrument_rows), (REPO / "tests" / "data" / "instrument",),
                          bar_tsv=_tsv(tmp_path, bar_rows), repo=REPO)


def test_bar_tsv_rows_are_read_with_inclusive_boxes(tmp_path):
    bars = read_bar_tsv(_tsv(tmp_path, ROWS), REPO, SHARED)
    assert len(bars) == 3
    assert bars[0].box == (407, 456, 447, 459) and bars[0].match_box == (407, 456, 448, 460)
    assert bars[0].length_px == 40.3 and bars[0].kinds == ("light", "on-bright") and bars[0].label == ""
    assert bars[2].label == "200 nm" and bars[2].note == "no bar here"
    assert resolve_image("shared:a/b.png", REPO, SHARED) == SHARED / "a" / "b.png"
    assert resolve_image("restored:phys/x.png", REPO, SHARED) == REPO / "eval" / "restored" / "phys" / "x.png"


def test_held_out_3_scores_found_within_3pct_and_per_kind(tmp_path):
    zeiss = "orion-zeiss_dataZeroed.tif\t0.9765625\tZeiss XML (a tune file standing in)\theld_out_3"
    other = "tescan-pfib_dataZeroed.tar.gz\t1.5625\tTescan tag\ttune"  # another split: not scored
    s = _evaluate(tmp_path, ROWS, [zeiss, other])
    assert s.bars == 3
    assert s.bars_found == pytest.approx(2 / 3, abs=1e-4)  # the gold bar twice; nothing in the margin
    assert s.bars_found_within_3pct == pytest.approx(1 / 3, abs=1e-4)  # the 44.3-px row is 10 % off
    assert s.bars_by_kind["light"] == {"bars": 2, "found": 2, "within_3pct": 1}
    assert s.bars_by_kind["on-bright"] == {"bars": 1, "found": 1, "within_3pct": 1}
    assert s.bars_by_kind["thin"] == {"bars": 1, "found": 0, "within_3pct": 0}
    assert any(f[-1] == "not found" for f in s.failures) and any("off" in str(f[-1]) for f in s.failures)
    assert s.crops == 0  # no label crops in this split
    assert s.instrument_files == 1 and s.metadata_within_2pct == 1.0
    assert s.pixels_files == 0  # orion's pixels are zeroed: no scale drawn to read


def test_missing_bar_tsv_is_a_clear_error_naming_it(tmp_path):
    with pytest.raises(NotFoundError, match="scale_bars_held_out_3.tsv"):
        evaluate_scale("held_out_3", REPO / "eval" / "scale_label_gold.tsv", SHARED, [],
                       _instrument_gold(tmp_path, []), (REPO / "tests" / "data" / "instrument",),
                       bar_tsv=tmp_path / "scale_bars_held_out_3.tsv", repo=REPO)


def test_missing_image_bad_row_and_missing_instrument_file_name_the_file(tmp_path):
    gone = ROWS[0].replace(FIG, "shared:no/such/figure.png")
    with pytest.raises(NotFoundError, match=r"scale_bars_held_out_3.tsv:3: image 'shared:no/such/figure.png'"):
        read_bar_tsv(_tsv(tmp_path, [gone]), REPO, SHARED)
    with pytest.raises(FigdexError, match=r"scale_bars_held_out_3.tsv:3: .*must be numbers"):
        read_bar_tsv(_tsv(tmp_path, [ROWS[0].replace("\t40.3\t", "\tforty\t")]), REPO, SHARED)
    with pytest.raises(NotFoundError, match="not_restored.tif"):
        _evaluate(tmp_path, ROWS[:1], ["not_restored.tif\t1.0\tnowhere\theld_out_3"])


def test_a_scale_the_pixels_carry_but_figdex_misses_counts_as_a_pixels_miss(tmp_path):
    # orion-zeiss's pixels are zeroed, so nothing can be read on them. With the fifth column saying
    # the annotator saw a databar, the file is in the pixels measure and is a miss; without the
    # column (the older rule) or with "none", it is left out of the measure.
    row = "orion-zeiss_dataZeroed.tif\t0.9765625\tZeiss XML (a tune file standing in)\theld_out_3"
    said = _evaluate(tmp_path, [], [row + "\tdatabar"])
    assert said.pixels_files == 1 and said.pixels_within_5pct == 0.0
    assert any(f[0] == "pixels" and f[1] == "orion-zeiss_dataZeroed.tif" for f in said.failures)
    for rows in ([row], [row + "\tnone"]):
        s = _evaluate(tmp_path, [], rows)
        assert s.pixels_files == 0 and s.metadata_within_2pct == 1.0
        assert not any(f[0].startswith("pixels") for f in s.failures)
