"""Caption splitting: causes of failure found on the tuning sets of round h155 (#15).

Tuning sets: fresh-2026-12k and fresh-2026-12j (see eval/devset/README.md, "Caption splitting, thirteenth round").
The tests split the real caption of a development-set record (eval/devset/separation_dev.json, committed) and check
it against rules 1-7 of tests/data/captions_gold_README.md.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from tests.caption_cases import full

DEVSET = Path(__file__).resolve().parent.parent / "eval" / "devset"


@lru_cache(maxsize=1)
def _records() -> dict[str, str]:
    figures = json.loads((DEVSET / "separation_dev.json").read_text(encoding="utf-8"))["figures"]
    return {f["id"]: f["caption"] for f in figures if f.get("caption")}


def caption(record_id: str) -> str:
    return _records()[record_id]


def test_a_label_before_a_name_with_a_digit_opens_its_panel():
    # abhishekmshr956/VoltagetoCalciumPaper Fig. 1: "… fluorescence ($\Delta F/F$) (B) T4c peak responses …" and
    # "… for GCaMP6f) (C) T4c Arclight …" lost their full stops; the label opens "T4c …", so the words before it are
    # the running panel's (A's, B's), not a phrase the label closes.
    p = full(caption("abhishekmshr956/VoltagetoCalciumPaper#Figure 1"))
    assert set(p) == set("abcdef")
    assert "left y-axis" in p["a"] and "left y-axis" not in p["b"]
    assert "n = 20 ROIs" in p["b"] and "n = 20 ROIs" not in p["c"]
    assert "T4c peak responses to grating" in p["b"]


def test_a_phrase_closed_by_its_label_stays_with_it():
    # Guard: a label after its phrase, with lower-case words after it, still closes that phrase.
    p = full("Responses of T4 cells (a) and T5 cells (b) to moving gratings.")
    assert set(p) == {"a", "b"}
    assert "T4 cells" in p["a"] and "T5 cells" in p["b"] and "T5 cells" not in p["a"]
