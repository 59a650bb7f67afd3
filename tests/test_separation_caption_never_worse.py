"""The caption never makes separation worse than the figure alone (#15): a letter read surely that the
caption names anywhere (not only where its split found labels) is kept, and two labels the caption
names that each name one of the gutter model's two blocks keep those blocks.  Real figures of the
development set fresh-2026-12j (restored: eval/devset/restore.py)."""

from __future__ import annotations

import pytest

from figdex.models.evaluate import iou
from tests.devset_records import BY_ID, GOLD, image_path
from tests.devset_records import ocr  # noqa: F401 (a fixture the tests ask for)


def _run(fig_id: str, mode: str, ocr):
    from figdex.models.evaluate_devset import run_figure

    rec = BY_ID[fig_id]
    assert rec.get("set") in GOLD["development_sets"] or rec.get("set") == "fresh-2026-12j", "development data only"
    path = image_path(rec)
    if not path.exists():
        pytest.skip("restore with: python eval/devset/restore.py")
    rec = {**rec, "path": path}
    return rec, run_figure(rec, mode, ocr)


def test_the_letters_a_caption_names_inside_sentences_and_those_before_them():
    from figdex.ingest.captions import distribute_caption
    from figdex.models.figure_labels import caption_letters

    caption = BY_ID["muschellij2/high_res_ct_template#Figure 3"]["caption"]
    # "... in Panel B. ... in Panel C, and ... in Panel D.": the split finds B-D (h155: letters named with
    # "panel" are panels without a "Panel A"); the caption still speaks of a panel A before them.
    assert [s.label for s in distribute_caption(caption).subcaptions] == ["b", "c", "d"]
    assert caption_letters(caption) == {"a", "b", "c", "d"}
    # A caption that speaks of panels by position names no letter (the constraint's own test case).
    assert caption_letters(BY_ID["msa-em/um-methods#overheated_sulfur"]["caption"]) == set()
    assert caption_letters("Spectra (x) and (y) of the two samples.") >= {"x", "y"}
    assert "c" not in caption_letters("Spectra (x) and (y) of the two samples.")  # past l: no run from a


def test_letters_the_caption_names_in_running_text_are_kept(ocr):
    # Before: the caption's split gave no label, so the four letters read (A-D) were all dropped.
    rec, alone = _run("muschellij2/high_res_ct_template#Figure 3", "alone", ocr)
    _, captioned = _run("muschellij2/high_res_ct_template#Figure 3", "caption", ocr)
    assert sorted(lab.label for lab in captioned.labels_found) == ["a", "b", "c", "d"]
    assert sorted(m.label for m in captioned.masters) == sorted(m.label for m in alone.masters) == ["a", "b", "c", "d"]


def test_a_letter_the_caption_does_not_name_is_still_dropped(ocr):
    # The caption names no panel in any form: its label set stays the constraint (letters read: A-C).
    _, captioned = _run("muschellij2/high_res_ct_template#Figure 2", "caption", ocr)
    assert not captioned.labels_found and {m.label for m in captioned.masters} == {"0"}


def test_two_caption_labels_at_different_heights_keep_the_gutter_models_blocks(ocr):
    # "B" at the top of the dendrogram, "A" lower beside the PCA plot: cutting between the labels
    # split the figure into a top strip and the rest (0 of 2 masters); the blocks alone were right.
    rec, result = _run("matt-chung/human_hpylori_transcriptome#Figure 3", "caption", ocr)
    assert sorted(m.label for m in result.masters) == ["a", "b"]
    by_label = {m.label: m.box for m in result.masters}
    for gold in rec["masters"]:
        assert iou(by_label[gold["label"]], gold["box"]) >= 0.5, gold["label"]
