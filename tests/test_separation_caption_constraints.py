"""The caption's label set as a hard constraint on separation, and labels the image does not give
up (#15), on real openly licensed figures of the development set (eval/devset/open)."""

from __future__ import annotations

from figdex.models.evaluate import iou
from tests.devset_records import BY_ID, DEVSET, GOLD
from tests.devset_records import ocr  # noqa: F401 (a fixture the tests ask for)


def _run(fig_id: str, ocr):
    from figdex.models.evaluate_devset import run_figure

    rec = BY_ID[fig_id]
    assert rec["open"] and rec.get("set") in (None, *GOLD["development_sets"]), "open development figures only"
    rec = {**rec, "path": DEVSET / "open" / rec["file"]}
    return rec, run_figure(rec, "caption", ocr)


def test_a_caption_label_the_image_does_not_give_up_takes_its_panel_from_a_neighbour(ocr):
    # Three stacked plots a-c; one label is not read, so its plot lay inside a neighbour's region.
    rec, result = _run("10.5194/gmd-10-3591-2017#Figure 2", ocr)
    assert sorted(m.label for m in result.masters) == ["a", "b", "c"]
    for gold in rec["masters"]:
        assert max(iou(m.box, gold["box"]) for m in result.masters) >= 0.5, gold["label"]
    assert any("not found: its panel split from" in n for n in result.notes)


def test_a_caption_that_names_no_label_gives_every_master_label_0(ocr):
    # Letters A and B are printed, but the caption speaks only of (left) and (right).
    _, result = _run("msa-em/um-methods#overheated_sulfur", ocr)
    assert {m.label for m in result.masters} == {"0"} and not result.labels_found
    assert all(m.label_box is None for m in result.masters)


def test_labels_stay_inside_the_caption_label_set(ocr):
    from figdex.ingest.captions import distribute_caption

    for fig_id in ("10.5194/gmd-10-3591-2017#Figure 2", "msa-em/um-methods#microtome_knives"):
        allowed = {s.label for s in distribute_caption(BY_ID[fig_id]["caption"]).subcaptions} | {"0"}
        _, result = _run(fig_id, ocr)
        assert {m.label for m in result.masters} <= allowed, fig_id
        assert {lab.label for lab in result.labels_found} <= allowed, fig_id
