"""held_out_16 (eval/scale_gold.md): the instrument gold rows themselves, never the scale code.

These checks parse eval/instrument_gold.tsv and eval/instrument_restore.tsv with the csv module and hash
the restored files; they import nothing of figdex's instrument, databar or bar readers, so the split stays
unseen by whoever tunes those.  The files are restored, not committed (GPL and other licences): the hash
check restores them from the git mirrors into a temporary folder and skips, naming the command, when a
mirror is not on this machine.  The split is registered in the code by the lead, not here."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "eval"
SPLIT = "held_out_16"
MIRRORS = Path("/work/.mirror")
RESTORE = ("python eval/restore_instrument.py --manifest eval/instrument_restore.tsv "
           "--into eval/restored/instrument")
COMPANIONS = {  # a TIA .ser is read with its .emi, restored beside it (no gold row of its own)
    "16x16-diffraction_imagel_5x5x256x256_EDS_1.ser": "16x16-diffraction_imagel_5x5x256x256_EDS.emi",
    "16_STOimage_1.ser": "16_STOimage.emi",
    "After_HAADF_130mm_1.ser": "After_HAADF_130mm.emi",
}


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as fh:
        return [r for r in csv.reader((ln for ln in fh if ln.strip() and not ln.startswith("#")), delimiter="\t")]


def _gold() -> list[list[str]]:
    return [r for r in _rows(EVAL / "instrument_gold.tsv") if r[3] == SPLIT]


def _manifest() -> dict[str, dict[str, str]]:
    names = ["file", "repo", "commit", "path", "member", "sha256"]
    return {r[0]: dict(zip(names, r)) for r in _rows(EVAL / "instrument_restore.tsv")}


def test_rows_parse_and_truths_are_positive_or_none():
    gold = _gold()
    assert len(gold) >= 15
    assert all(len(r) == 4 for r in gold)
    names = [r[0] for r in gold]
    assert len(names) == len(set(names))
    for r in gold:
        assert r[1] == "none" or float(r[1]) > 0, r
        assert r[2].strip(), r  # the tag the truth comes from
    assert sum(r[1] == "none" for r in gold) >= 1


def test_every_row_and_companion_is_in_the_manifest():
    manifest = _manifest()
    for r in _gold():
        row = manifest[r[0]]
        assert len(row["commit"]) == 40 and len(row["sha256"]) == 64, row
        assert row["repo"].count("/") == 1 and row["member"] == "-", row
    for companion in COMPANIONS.values():
        assert companion in manifest
    # no file of this split was named by an earlier gold row
    earlier = {r[0] for r in _rows(EVAL / "instrument_gold.tsv") if r[3] != SPLIT}
    assert not earlier & {r[0] for r in _gold()}


def test_no_file_is_reserved():
    reserved_file = REPO.parent / "shared" / "hooks" / "reserved.sha256"
    if not reserved_file.exists():
        pytest.skip(f"{reserved_file} not on this machine")
    reserved = {ln.split()[0] for ln in reserved_file.read_text().splitlines() if ln.strip()}
    manifest = _manifest()
    names = [r[0] for r in _gold()] + list(COMPANIONS.values())
    assert not reserved & {manifest[n]["sha256"] for n in names}


def test_every_file_restores_to_its_sha256(tmp_path):
    manifest = _manifest()
    names = [r[0] for r in _gold()] + list(COMPANIONS.values())
    rows = [manifest[n] for n in names]
    missing = sorted({row["repo"] for row in rows
                      if not (MIRRORS / row["repo"].replace("/", "+") / "repo").exists()})
    if missing:
        pytest.skip(f"no git mirror of {', '.join(missing)} under {MIRRORS}; restore with {RESTORE}")
    sub = tmp_path / "held_out_16_restore.tsv"
    sub.write_text("".join("\t".join(row[k] for k in ("file", "repo", "commit", "path", "member", "sha256")) + "\n"
                           for row in rows), encoding="utf-8")
    into = tmp_path / "restored"
    done = subprocess.run([sys.executable, str(EVAL / "restore_instrument.py"), "--offline", "--mirrors", str(MIRRORS),
                           "--manifest", str(sub), "--into", str(into)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for row in rows:
        assert hashlib.sha256((into / row["file"]).read_bytes()).hexdigest() == row["sha256"], row["file"]
