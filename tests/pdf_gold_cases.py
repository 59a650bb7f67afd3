"""Shared by the PDF cause tests (tests/test_pdf_fresh*_causes.py): a gold PDF's figures as the parser finds
them beside its hand-made gold, and the check that one figure is found with its region and caption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from figdex.ingest.pdf_eval import iou, normalise_words
from figdex.ingest.sources.pdf import analyse_pdf

ROOT = Path(__file__).resolve().parents[1]
GOLD = {p["id"]: p for p in json.loads((ROOT / "eval" / "pdf" / "gold.json").read_text())["pdfs"]}


def found_and_gold(pid: str):
    """(found, gold) of gold PDF ``pid``, each keyed by (label, page); skips, saying how to restore it, when
    the PDF is not here."""
    record = GOLD[pid]
    path = ROOT / record["file"]
    if not path.is_file():
        pytest.skip(f"{record['file']} is not here (no open licence): restore it with python eval/pdf/restore.py")
    found = {(f.label, f.page): f for f in analyse_pdf(path, render=False).figures}
    return found, {(g["label"], g["page"]): g for g in record["figures"]}


def check_figure(found, gold, key, min_iou: float = 0.8) -> None:
    assert key in found, f"{key} not found (found: {sorted(found)})"
    assert found[key].region is not None, f"{key}: no region"
    assert iou(found[key].region, gold[key]["region"]) >= min_iou, f"{key}: region {found[key].region}"
    assert normalise_words(found[key].caption) == normalise_words(gold[key]["caption12"])
