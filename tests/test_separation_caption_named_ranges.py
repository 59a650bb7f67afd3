"""Letters a caption names outside its split are looked for in the image too (#15: the caption never
takes away a label the figure alone gives).  procedural_paper Fig. 3 of fresh-2026-12k (development data
since the lead's measurement; restored: eval/devset/restore.py): the split gives A-F, the caption also
names "G-I Raster plots ..." and "J-L Same spiking statistics ..." in bare ranges, and the image prints a-l."""

from __future__ import annotations

import pytest

from tests.devset_records import BY_ID, image_path

FIG = "BrainsOnBoard/procedural_paper#Figure 3"


def test_bare_ranges_widen_the_split_only_to_a_gapless_run():
    from figdex.ingest.captions import distribute_caption
    from figdex.models.figure_labels import search_labels

    parsed = distribute_caption(BY_ID[FIG]["caption"])
    split = [s.label for s in parsed.subcaptions]
    # Since h162 the split reads the LaTeX bold ranges "\textbf{G-I}", "\textbf{J-L}" itself; before, it gave a-f.
    assert split == list("abcdefghijkl")
    said = " ".join(parsed.full_text(lab) for lab in split)  # the text separation gets, markup gone
    assert search_labels(split, said) == list("abcdefghijkl")
    # A split that misses the bare ranges (as this one did before h162) is still widened by them (the caption as
    # printed, its LaTeX bold gone: "… range. G-I Raster plots …").
    from figdex.ingest.captions.latex_source import printed_text

    assert search_labels(list("abcdef"), printed_text(BY_ID[FIG]["caption"])) == list("abcdefghijkl")
    # Letters only implied (panel A before "panels B and D") or leaving a gap never widen the set.
    assert search_labels(["b", "d"], "Panels B and D are alike.") == ["b", "d"]
    assert search_labels(["a", "b"], "(a) x. (b) y. E-F Other plots.") == ["a", "b"]
    assert search_labels(["a", "b"], "(a) x. (b) y. The A-B Plot is in the text.") == ["a", "b"]
    assert search_labels([], "A-C Plots of x.") == []


def test_the_letters_the_figure_alone_finds_are_found_with_the_caption():
    from figdex.models.evaluate_devset import run_figure, score_figure
    from figdex.models.ocr import get_ocr

    rec = BY_ID[FIG]
    assert rec.get("set") == "fresh-2026-12k"
    path = image_path(rec)
    if not path.exists():
        pytest.skip("restore with: python eval/devset/restore.py")
    rec = {**rec, "path": path}
    ocr = get_ocr()
    alone, captioned = (score_figure(rec, run_figure(rec, mode, ocr)) for mode in ("alone", "caption"))
    # Before: 6 labels (a-f) and 0 of 12 masters with the caption, 12 and 7 alone.
    assert captioned.label_tp == 12 and captioned.label_pred == 12
    assert sum(hit for _, hit in captioned.detections) >= sum(hit for _, hit in alone.detections) >= 7
