"""PDF figures the parser got wrong on the ``fresh_3`` part of eval/pdf/gold.json, fixed by cause (issue
#19; fresh_3 has been development data since its one measurement).  Each test is on a real PDF where
the cause occurs: the openly licensed ones are in tests/data/pdf; the others are restored by
``python eval/pdf/restore.py`` from git mirrors, and their tests skip, saying so, when they are not here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pypdfium2")

from figdex.ingest.pdf_eval import iou, normalise_words  # noqa: E402
from figdex.ingest.sources.pdf import analyse_pdf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "pdf"
GOLD = {p["id"]: p for p in json.loads((ROOT / "eval" / "pdf" / "gold.json").read_text())["pdfs"]}


def _found_and_gold(pid: str):
    record = GOLD[pid]
    path = ROOT / record["file"]
    if not path.is_file():
        pytest.skip(f"{record['file']} is not here (no open licence): restore it with python eval/pdf/restore.py")
    found = {(f.label, f.page): f for f in analyse_pdf(path, render=False).figures}
    return found, {(g["label"], g["page"]): g for g in record["figures"]}


def _check(found, gold, key, min_iou: float = 0.8) -> None:
    assert key in found, f"{key} not found (found: {sorted(found)})"
    assert found[key].region is not None, f"{key}: no region"
    assert iou(found[key].region, gold[key]["region"]) >= min_iou, f"{key}: region {found[key].region}"
    assert normalise_words(found[key].caption) == normalise_words(gold[key]["caption12"])


def test_regions_are_in_the_visible_page_when_the_crop_box_is_offset_in_the_media_box(tmp_path):
    # OUP Bioinformatics 2009 prints its page on a larger sheet: the CropBox starts at (48, 108) in the
    # MediaBox, and every region came out shifted by that corner (IoU 0-0.35).  Here the same cause on
    # an openly licensed PDF: CIKM '21 (CC-BY-4.0) with its crop box moved inside its media box, which
    # must move each region by the crop box's corner and nothing else, and its image still be taken.
    import pypdfium2 as pdfium

    original = DATA / "cikm_softcite_2021.pdf"
    doc = pdfium.PdfDocument(str(original))
    dx, dy = 13.0, 21.0  # within the page's white margins: only the origin of what is shown moves
    for page in doc:
        left, bottom, right, top = page.get_mediabox()
        page.set_cropbox(left + dx, bottom + dy, right, top)
    moved = tmp_path / "cikm_cropbox_offset.pdf"
    doc.save(str(moved))
    doc.close()
    before = {(f.label, f.page): f for f in analyse_pdf(original, out_dir=tmp_path / "a").figures}
    after = {(f.label, f.page): f for f in analyse_pdf(moved, out_dir=tmp_path / "b").figures}
    assert before.keys() == after.keys() and len(before) == 3
    for key, fig in before.items():
        expected = (fig.region[0] - dx, fig.region[1] - dy, fig.region[2] - dx, fig.region[3] - dy)
        assert max(abs(a - b) for a, b in zip(expected, after[key].region)) < 1.0, (key, expected, after[key].region)
        assert after[key].native == fig.native  # an embedded raster is still found by its box


def test_regions_of_the_oup_pdf_with_an_offset_crop_box():
    found, gold = _found_and_gold("oup_bioinf_2009")
    for key in (("Fig. 1", 3), ("Fig. 2", 4), ("Fig. 3", 4), ("Fig. 4", 5)):
        _check(found, gold, key)
