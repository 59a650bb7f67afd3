"""The PDF gold file (eval/pdf/gold.json) and its manifest agree, and every part can be asked for by name.

Only the files are read: the parser never runs here (the fresh parts are measured once, never tuned on)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from figdex.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
GOLD = json.loads((ROOT / "eval" / "pdf" / "gold.json").read_text())
MANIFEST = {r["id"]: r for r in json.loads((ROOT / "eval" / "pdf" / "manifest.json").read_text())}


def test_every_gold_pdf_is_in_the_manifest_with_the_same_file_and_one_part():
    listed = [pid for ids in GOLD["split"].values() for pid in ids]
    assert len(listed) == len(set(listed)), "a PDF is in two parts"
    for record in GOLD["pdfs"]:
        assert record["id"] in MANIFEST, f"{record['id']}: not in eval/pdf/manifest.json"
        assert MANIFEST[record["id"]]["file"] == record["file"]
        assert record["id"] in GOLD["split"][record["split"]]
    assert sorted(listed) == sorted(r["id"] for r in GOLD["pdfs"])


def test_the_fresh_2_part_holds_pdfs_no_other_part_has_seen():
    fresh_2 = [r for r in GOLD["pdfs"] if r["split"] == "fresh_2"]
    assert len(fresh_2) >= 10 and sum(len(r["figures"]) for r in fresh_2) >= 60
    others = {MANIFEST[r["id"]]["sha256"] for r in GOLD["pdfs"] if r["split"] != "fresh_2"}
    assert not others & {MANIFEST[r["id"]]["sha256"] for r in fresh_2}
    for record in fresh_2:
        for fig in record["figures"]:
            x0, y0, x1, y1 = fig["region"]
            assert x0 < x1 and y0 < y1, f"{record['id']} {fig['label']}: empty region"
            assert 0 < len(fig["caption12"].split()) <= 12


def test_eval_pdf_offers_every_part_of_the_gold():
    out = CliRunner().invoke(cli, ["eval", "pdf", "--help"], terminal_width=200).output
    assert "--split" in out, out
    for part in GOLD["split"]:
        assert part in out, f"figdex eval pdf --split does not offer {part}"
