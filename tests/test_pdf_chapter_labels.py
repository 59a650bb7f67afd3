"""Figure labels numbered within a chapter with a full stop ("Fig. 5.15."), and a label that names its
panels before its stop ("Fig.5.1a, b. Electric fields ..."), as a 1980s Springer book chapter prints
them (fresh_5's scanned chapter, looked at after its one measurement).  Before, every such label read
as "Fig. 5" and the chapter's figures collapsed into one."""

from figdex.ingest.pdf_eval import label_key
from figdex.ingest.sources.pdf_layout import Line, caption_start


def _start(text):
    return caption_start(Line((0, 0, 300, 10), text))


def test_a_chapter_numbered_label_with_a_full_stop_keeps_its_figure_number():
    assert _start("Fig. 5.15. Current densities versus field") == ("figure", "Fig. 5.15", "5.15")
    assert _start("Fig.5.3. Transverse fields versus magnetic field") == ("figure", "Fig. 5.3", "5.3")
    assert _start("Fig. 12.3: Maps") == ("figure", "Fig. 12.3", "12.3")
    # A plain label and its stop are unchanged; a sentence about a figure is still no caption.
    assert _start("Fig. 3. The sample") == ("figure", "Fig. 3", "3")
    assert _start("Figure 2.5 shows the drift") is None


def test_a_label_that_names_its_panels_before_its_stop_is_a_caption_of_the_whole_figure():
    assert _start("Fig.5.1a, b. Electric fields and currents") == ("figure", "Fig. 5.1", "5.1")
    assert _start("Fig. 4a and b: Maps of the field") == ("figure", "Fig. 4", "4")
    # ... but not a reference in running text.
    assert _start("Fig. 3a, b show that the field") is None
    assert _start("Fig. 2a), where the field") is None


def test_the_eval_keys_chapter_numbered_labels_apart():
    assert label_key("Fig. 5.15") == ("figure", "5.15") != label_key("Fig. 5.1")
    assert label_key("Fig. 3.") == ("figure", "3")
    assert label_key("Figure 7-26") == ("figure", "7-26")


def test_all_parts_leave_out_a_part_being_gathered(monkeypatch):
    from figdex.ingest import pdf_eval

    # (no part is being gathered right now: one is named here, as the next session will when it starts one)
    monkeypatch.setattr(pdf_eval, "UNMEASURED_PARTS", ("fresh_next",))
    gold = {"pdfs": [{"split": part, "file": f"no-such-{part}.pdf", "id": part, "figures": []}
                     for part in ("tune", "fresh_next")]}
    # (no file is there: each PDF the eval reaches is listed as missing, which shows which it reached)
    assert pdf_eval.evaluate_pdfs(gold, "all").missing_files == ["no-such-tune.pdf"]
    assert pdf_eval.evaluate_pdfs(gold, "fresh_next").missing_files == ["no-such-fresh_next.pdf"]


def test_parts_gathered_at_once_are_measured_together():
    from figdex.ingest import pdf_eval

    gold = {"pdfs": [{"split": part, "file": f"no-such-{part}.pdf", "id": part, "figures": []}
                     for part in ("fresh_a", "fresh_b", "fresh_c")]}
    assert pdf_eval.evaluate_pdfs(gold, "fresh_a+fresh_c").missing_files == ["no-such-fresh_a.pdf",
                                                                             "no-such-fresh_c.pdf"]
