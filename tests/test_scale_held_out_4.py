"""held_out_4 (eval/scale_gold.md): the gold files themselves, never the scale code.

These checks read the bar TSV with the loader (a parser) and the manifests; they run no bar finder,
label reader or instrument reader, so the set stays unseen by whoever tunes those.  The images are
restored, not committed (GPL or no stated licence): the loader check skips, naming the command,
when they are not there."""

from __future__ import annotations

import csv
import hashlib

import pytest

from figdex.models.evaluate_scale import BAR_TSV_COLUMNS, BAR_TSV_SPLITS, SPLITS, read_bar_tsv
from tests.conftest import REPO, SHARED

EVAL = REPO / "eval"
BAR_TSV = EVAL / "scale_bars_held_out_4.tsv"
BAR_MANIFEST = EVAL / "scale_bars_held_out_4_restore.tsv"
RESTORE = ("python eval/restore_instrument.py --manifest eval/scale_bars_held_out_4_restore.tsv "
           "--into eval/restored/scale_bars_4")
KINDS = {"dark", "light", "coloured", "thin", "ticked", "framed", "on-bright", "inset", "short"}


def _data_rows(path):
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#") and not ln.startswith("image\t")]
    return [ln.split("\t") for ln in lines]


def test_split_is_one_of_the_bar_tsv_splits():
    assert SPLITS["held_out_4"] == ("held_out_4",)
    assert "held_out_4" in BAR_TSV_SPLITS


def test_bar_rows_are_well_formed_and_restorable():
    rows = _data_rows(BAR_TSV)
    assert all(len(r) == len(BAR_TSV_COLUMNS) for r in rows)
    images = {r[0] for r in rows}
    assert len(rows) >= 50 and len(images) >= 45
    for r in rows:
        x0, y0, x1, y1 = (int(v) for v in r[2:6])
        length = float(r[6])
        assert x1 >= x0 and y1 >= y0 and length > 0
        assert set(r[8].split(",")) <= KINDS, r
        long_side = max(x1 - x0, y1 - y0) + 1
        # a ruler's length runs between its end-tick centres, inside its outer edges
        assert length <= long_side + 0.5 if "ticked" in r[8] else length == long_side, r
    manifest = {r[0] for r in _data_rows(BAR_MANIFEST)}
    assert {ref.removeprefix("restored:scale_bars_4/") for ref in images} == manifest


def test_no_gathered_file_is_reserved():
    reserved_file = SHARED.parent / "hooks" / "reserved.sha256"
    if not reserved_file.exists():
        pytest.skip(f"{reserved_file} not on this machine")
    reserved = {ln.split()[0] for ln in reserved_file.read_text().splitlines() if ln.strip()}
    sums = [r[5] for r in _data_rows(BAR_MANIFEST)]
    sums += [r[5] for r in _data_rows(EVAL / "instrument_restore.tsv")]
    assert not reserved & set(sums)


def test_loader_reads_every_row_when_restored():
    folder = EVAL / "restored" / "scale_bars_4"
    wanted = {r[0]: r[5] for r in _data_rows(BAR_MANIFEST)}
    present = {p.name for p in folder.glob("*")} if folder.exists() else set()
    if not set(wanted) <= present:
        pytest.skip(f"held_out_4 images not restored; run {RESTORE}")
    for name, sha in wanted.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha, name
    bars = read_bar_tsv(BAR_TSV, REPO, SHARED)
    assert len(bars) == len(_data_rows(BAR_TSV))


def test_instrument_rows_are_restorable():
    with (EVAL / "instrument_gold.tsv").open(encoding="utf-8") as fh:
        gold = [r for r in csv.reader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")]
    held = [r for r in gold if r[3] == "held_out_4"]
    assert len(held) >= 10
    restorable = {r[0] for r in _data_rows(EVAL / "instrument_restore.tsv")}
    assert {r[0] for r in held} <= restorable
    assert all(r[1] == "none" or float(r[1]) > 0 for r in held)
