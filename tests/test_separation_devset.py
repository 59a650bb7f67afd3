"""Separation rules that must hold on papers the rules were not written for (#15), on real
openly licensed figures of the development set (eval/devset/open, tuning folds only), and the
development set's own integrity: folds fixed by paper, images as annotated, sources listed."""

from __future__ import annotations

import hashlib
import importlib.util
import json

import pytest

from figdex.models.evaluate import iou
from figdex.models.panel_labels import PanelLabel, choose_labels
from tests.conftest import REPO

DEVSET = REPO / "eval" / "devset"
GOLD = json.loads((DEVSET / "separation_dev.json").read_text(encoding="utf-8"))
BY_FILE = {f["file"]: f for f in GOLD["figures"]}


def _build_module():
    spec = importlib.util.spec_from_file_location("devset_build", DEVSET / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ocr():
    from figdex.models.ocr import get_ocr

    return get_ocr()


def _separate(file: str, ocr, with_caption: bool):
    from figdex.models.evaluate_devset import run_figure

    rec = {**BY_FILE[file], "path": DEVSET / "open" / file}
    assert rec["open"] and rec["fold"] not in GOLD["held_out_folds"], "tests use open tuning-fold figures only"
    assert rec.get("set") not in GOLD["fresh_sets"], "the fresh set is never used by tests"
    return rec, run_figure(rec, "caption" if with_caption else "alone", ocr)


def _label(text, x, y, h, conf=0.99):
    return PanelLabel(text.lower(), text, (x, y, x + h, y + h), conf)


def test_labels_of_one_case_win_over_letters_read_in_words():
    # Upper-case panel letters A-E at the panels' corners; lower-case letters of spaced words
    # (axis titles, legends) elsewhere spell b, c, d ... too.
    panels = [_label(ch, x, y, 36) for ch, (x, y) in zip("ABCDE", [(20, 10), (900, 10), (20, 700), (900, 700),
                                                                      (1500, 700)])]
    # The letters read in words of one real figure (eLife.40845 Fig. 6), as often as they were read.
    letters = "s" * 13 + "v" * 11 + "n" * 8 + "p" * 8 + "d" * 7 + "r" * 6 + "e" * 5 + "m" * 4 + "t" * 4 + "l" * 3 + "acac"
    words = [_label(ch, 300 + 37 * (i % 30), 400 + 50 * (i // 30), 34) for i, ch in enumerate(letters)]
    chosen = choose_labels(panels + words, None)
    assert [c.text for c in chosen] == list("ABCDE")


def test_labels_of_one_size_win_over_smaller_letters_of_the_same_case():
    # Tall panel letters A-E and smaller capitals read in tick labels ("TE", "LA") and rotated words.
    panels = [_label(ch, x, 10 + 600 * (i // 3), 40) for i, (ch, x) in enumerate(zip("ABCDE", [20, 600, 1200, 20, 600]))]
    ticks = [_label(ch, 700 + 30 * i, 1300, 18) for i, ch in enumerate("GHBDAE")]
    chosen = choose_labels(panels + ticks, None)
    assert {c.text for c in chosen} == set("ABCDE")
    assert all(c.box[3] - c.box[1] == 40 for c in chosen)


@pytest.mark.parametrize("with_caption", [False, True])
def test_a_schematic_without_labels_stays_one_image(ocr, with_caption):
    rec, result = _separate("matD/hts_fig1.png", ocr, with_caption)
    assert not rec["printed_labels"] and rec["schematic_heavy"]
    assert [m.label for m in result.masters] == ["0"]
    assert iou(result.masters[0].box, tuple(rec["masters"][0]["box"])) >= 0.5


def test_a_row_of_unlabelled_plots_is_cut_into_unlabelled_panels(ocr):
    rec, result = _separate("bioC/flu_f4s1.jpg", ocr, False)
    assert {m.label for m in result.masters} == {"0"}  # never invented "1".."5"
    assert len(result.masters) == len(rec["masters"]) == 5
    for g in rec["masters"]:
        assert max(iou(m.box, tuple(g["box"])) for m in result.masters) >= 0.5


def test_panels_named_by_position_in_the_caption_are_cut(ocr):
    rec, result = _separate("matD/hts_fig4.png", ocr, True)
    assert "left" in rec["caption"].lower() or "right" in rec["caption"].lower()
    assert [m.label for m in result.masters] == ["0"] * 3


@pytest.mark.parametrize("file", ["bioC/ibd_fig6.png", "physB/tle_fig1.png", "matG/nano_fig7.jpg"])
def test_labels_come_only_from_the_caption_label_set(ocr, file):
    from figdex.ingest.captions import distribute_caption

    rec, result = _separate(file, ocr, True)
    allowed = {s.label for s in distribute_caption(rec["caption"]).subcaptions} | {"0"}
    assert {m.label for m in result.masters} <= allowed
    assert {lab.label for lab in result.labels_found} <= allowed


def test_capital_labels_are_found_without_a_caption(ocr):
    rec, result = _separate("bioC/ibd_fig6.png", ocr, False)
    gold = {m["label"] for m in rec["masters"]}
    assert {lab.label for lab in result.labels_found} == gold == set("abcde")


def test_masters_are_ranked_by_how_sure_the_box_is(ocr):
    _, labelled = _separate("bioC/ibd_fig6.png", ocr, True)
    _, positional = _separate("matD/hts_fig4.png", ocr, True)
    assert min(m.box_confidence for m in labelled.masters) > max(m.box_confidence for m in positional.masters)


def test_folds_are_fixed_by_paper():
    build = _build_module()
    assert GOLD["held_out_folds"] == build.HELD_OUT == [3, 4]
    papers: dict[str, int] = {}
    for fig in GOLD["figures"]:
        assert fig["fold"] == build.fold_of(fig["paper"])
        assert papers.setdefault(build.paper_key(fig["paper"]), fig["fold"]) == fig["fold"]
    captions = json.loads((DEVSET / "captions_dev.json").read_text(encoding="utf-8"))
    assert all(c["fold"] == build.fold_of(c["paper"]) for c in captions["captions"])
    # The same paper under two ids shares a fold.
    assert build.fold_of("10.7554/eLife.94306") == build.fold_of("10.1101/2023.02.28.530398")


def test_committed_images_are_the_annotated_files_and_listed_in_sources():
    sources = (DEVSET / "SOURCES.md").read_text(encoding="utf-8")
    open_figures = [f for f in GOLD["figures"] if f["open"]]
    assert len(open_figures) >= 80
    for fig in open_figures:
        data = (DEVSET / "open" / fig["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == fig["sha256"], fig["file"]
        assert f"| {fig['file']} |" in sources
    assert not any((DEVSET / "open" / f["file"]).exists() for f in GOLD["figures"] if not f["open"])


def test_open_licence_test():
    build = _build_module()
    assert build.is_open("CC-BY-4.0") and build.is_open("MIT (repository)") and build.is_open("CC0")
    assert not build.is_open("CC-BY-NC-ND") and not build.is_open("CC-BY-SA-4.0") and not build.is_open("unknown")
    assert not build.is_open("GPL-3.0 (repository); article licence not checked")


def test_eval_captions_reports_the_held_out_folds_by_default():
    from click.testing import CliRunner

    from figdex.cli.main import cli

    result = CliRunner().invoke(cli, ["eval", "captions", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output[result.output.index("["):])
    names = [r["name"] for r in rows]
    assert names[0] == "held-out" and "held-out field:biomedical" in names
    assert not any(n.startswith(("figdex gold", "compfigsep")) for n in names)
    held = json.loads((DEVSET / "captions_dev.json").read_text(encoding="utf-8"))
    n_held = sum(1 for c in held["captions"] if c["fold"] in held["held_out_folds"])
    assert rows[0]["captions"] >= n_held


def test_the_development_set_is_in_dev_only_and_other_sets_in_no_fold():
    from figdex.ingest.captions.evaluate import load_devset_captions
    from figdex.models.devset_sets import DEVELOPMENT_SETS, FRESH_FIGURES, FRESH_SET
    from figdex.models.evaluate_devset import in_set, load_devset

    gold_file = DEVSET / "separation_dev.json"
    # The gold JSONs are built from the one list (build.py after a change of models/devset_sets.py).
    assert GOLD["development_sets"] == list(DEVELOPMENT_SETS) and "fresh-2026-12" in DEVELOPMENT_SETS
    dev_ids = {f["id"] for f in GOLD["figures"] if f.get("set") in GOLD["development_sets"]}
    assert len(dev_ids) >= 110
    for which in ("held_out", "tune", "all"):
        figs, _ = load_devset(gold_file, which)
        assert not dev_ids & {f["id"] for f in figs}, which
        caps = load_devset_captions(DEVSET / "captions_dev.json", gold_file, which)
        assert not dev_ids & {c.gold.id for c in caps}, which
    for which in ("dev", *DEVELOPMENT_SETS):
        figs, missing = load_devset(gold_file, which)
        want = dev_ids if which == "dev" else {f["id"] for f in GOLD["figures"] if f.get("set") == which}
        assert want <= {f["id"] for f in figs} | {f["id"] for f in GOLD["figures"] if f.get("set") and
                                                  not (DEVSET / "restored" / f["file"]).exists()}, which
        caps = load_devset_captions(DEVSET / "captions_dev.json", gold_file, which)
        assert want & {c.gold.id for c in caps}, which
    # The fresh set is scored only on its own, as "fresh" or by its name.
    assert GOLD["fresh_sets"] == [FRESH_SET] and FRESH_SET not in DEVELOPMENT_SETS
    fresh_ids = {f["id"] for f in GOLD["figures"] if f.get("set") == FRESH_SET}
    assert len(fresh_ids) >= FRESH_FIGURES
    for which in ("fresh", FRESH_SET):
        figs, missing = load_devset(gold_file, which)
        # a fresh set commits only some images (open licences): a clone scores it once restore.py has run
        assert {f["id"] for f in figs} <= fresh_ids and len(figs) + missing == len(fresh_ids), which
        caps = load_devset_captions(DEVSET / "captions_dev.json", gold_file, which)
        assert caps and {c.gold.id for c in caps} <= fresh_ids, which
    for which in ("held_out", "tune", "all", "dev", *DEVELOPMENT_SETS):
        assert not fresh_ids & {f["id"] for f in load_devset(gold_file, which)[0]}, which
    all_figs, all_missing = load_devset(gold_file, "all")
    dev_figs, dev_missing = load_devset(gold_file, "dev")
    assert len(dev_figs) + dev_missing == len(all_figs) + all_missing + len(dev_ids)
    # A fresh set is scored only on its own; a set registered nowhere (a new set before build.py
    # names it) is in no part at all, so it can never leak into tuning.
    held, fresh, dev = {3, 4}, {"fresh-new"}, {"fresh-2026-12"}
    parts = ("held_out", "tune", "all", "dev", "fresh", "fresh-2026-12")
    fresh_rec, unregistered = {"set": "fresh-new", "fold": 0}, {"set": "fresh-later", "fold": 1}
    assert [p for p in parts if in_set(fresh_rec, p, held, fresh, dev)] == ["fresh"]
    assert [p for p in parts if in_set(unregistered, p, held, fresh, dev)] == []
    assert [p for p in parts if in_set({"set": "fresh-2026-12", "fold": 3}, p, held, fresh, dev)] == ["dev", "fresh-2026-12"]
    assert [p for p in parts if in_set({"fold": 3}, p, held, fresh, dev)] == ["held_out", "all", "dev"]
    with pytest.raises(ValueError, match="fresh"):
        load_devset(gold_file, "fresh-2026")


def test_eval_refuses_in_sample_with_the_fresh_set():
    from click.testing import CliRunner

    from figdex.cli.main import cli

    for stage in ("captions", "separation"):
        result = CliRunner().invoke(cli, ["eval", stage, "--in-sample", "--set", "fresh"])
        assert result.exit_code == 2 and "exclude each other" in result.output, result.output
