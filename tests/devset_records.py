"""The development set's gold records, shared by the cause tests that run real development figures and captions
(tests/test_separation_caption_*.py, tests/test_separation_reading_order.py, tests/test_caption_causes_r*.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO

DEVSET = REPO / "eval" / "devset"
GOLD = json.loads((DEVSET / "separation_dev.json").read_text(encoding="utf-8"))
BY_ID = {f["id"]: f for f in GOLD["figures"]}


def devset_caption(record_id: str) -> str:
    """The caption of one development-set figure, as its record holds it."""
    return BY_ID[record_id]["caption"]


def image_path(record: dict) -> Path:
    """Where a record's image is: committed (open licence) or restored by eval/devset/restore.py."""
    return DEVSET / ("open" if record.get("open") else "restored") / record["file"]


@pytest.fixture(scope="module")
def ocr():
    """One OCR engine per test module (loading it takes seconds)."""
    from figdex.models.ocr import get_ocr

    return get_ocr()


def devset_captions() -> dict[str, str]:
    """Every development-set figure that has a caption, by record id."""
    return {rid: rec["caption"] for rid, rec in BY_ID.items() if rec.get("caption")}
