"""Unlabelled figures are one master unless their cuts are clearly supported (issue #15): a schematic whose
parts are unlike in size stays whole, while alike drawings stay apart.  Real development figures (restored:
eval/devset/restore.py): trex-paper-elife Fig. 2 of fresh-2026-12k (a flow chart beside its row titles, gold one
master) and SiGe-MEAM Fig. 3 of fresh-2026-12j (three crystal structures of one size, gold three masters)."""

from __future__ import annotations

import pytest

from tests.devset_records import BY_ID, image_path, ocr  # noqa: F401 (the fixture)


def _alone(record_id: str, ocr):  # noqa: F811
    from figdex.models.ocr import load_rgb
    from figdex.models.separation import separate

    path = image_path(BY_ID[record_id])
    if not path.exists():
        pytest.skip("restore with: python eval/devset/restore.py")
    return separate(load_rgb(path), None, ocr=ocr)


def test_a_schematic_of_unlike_parts_is_kept_whole(ocr):  # noqa: F811
    result = _alone("mooch443/trex-paper-elife#Figure 2", ocr)
    assert len(result.masters) == 1  # two before: the gutter model cut the titles from the chart
    assert result.masters[0].label == "0" and not result.labels_found


def test_alike_drawings_stay_apart(ocr):  # noqa: F811
    result = _alone("XiaohanZhangCMU/SiGe-MEAM#Figure 3", ocr)
    assert len(result.masters) == 3
