"""The PDF gold file (eval/pdf/gold.json) and its manifest agree, and every part can be asked for by name.

Only the files are read: the parser never runs here (the fresh parts are measured once, never tuned on)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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


@pytest.mark.parametrize("part, pdfs, figures", [("fresh_2", 10, 60), ("fresh_3", 12, 80), ("fresh_4", 21, 110),
                                                  ("fresh_5", 21, 105), ("fresh_6", 25, 120),
                                                  ("fresh_7", 23, 114), ("fresh_8", 22, 133),
                                                  ("fresh_9", 23, 109), ("fresh_10", 25, 112),
                                                  ("fresh_11", 32, 225), ("fresh_12", 25, 233),
                                                  ("fresh_13", 23, 222), ("fresh_14", 20, 143),
                                                  ("fresh_15", 15, 88), ("fresh_16", 15, 106),
                                                  ("fresh_17", 18, 102), ("fresh_18", 4, 29)])
def test_a_fresh_part_holds_pdfs_no_other_part_has_seen(part, pdfs, figures):
    fresh = [r for r in GOLD["pdfs"] if r["split"] == part]
    assert len(fresh) >= pdfs and sum(len(r["figures"]) for r in fresh) >= figures
    others = {MANIFEST[r["id"]]["sha256"] for r in GOLD["pdfs"] if r["split"] != part}
    assert not others & {MANIFEST[r["id"]]["sha256"] for r in fresh}
    for record in fresh:
        for fig in record["figures"]:
            x0, y0, x1, y1 = fig["region"]
            assert x0 < x1 and y0 < y1, f"{record['id']} {fig['label']}: empty region"
            assert 0 < len(fig["caption12"].split()) <= 12


def test_eval_pdf_offers_every_part_of_the_gold():
    out = CliRunner().invoke(cli, ["eval", "pdf", "--help"], terminal_width=200).output
    assert "--split" in out, out
    from figdex.ingest.pdf_eval import UNMEASURED_PARTS  # a part still being gathered is offered once it is complete

    assert set(UNMEASURED_PARTS) <= set(GOLD["split"]), "UNMEASURED_PARTS names a part the gold does not have"
    for part in GOLD["split"]:
        if part not in UNMEASURED_PARTS:
            assert part in out, f"figdex eval pdf --split does not offer {part}"
