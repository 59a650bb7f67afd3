"""The text printed in an image (issue 20): read by OCR from its pixels, stored in SQLite, embedded,
and used by `search --by-content`.  Real figures of the development set (eval/devset/open: CC-BY/
CC0/MIT, eval/devset/SOURCES.md) with their hand-annotated master boxes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.db import Dataset
from figdex.ingest.image_text import (PREFIX, embed_image_texts, image_text_index_path, keep_line, kept_text,
                                      lines_in_box, read_image_texts, store_image_text)
from figdex.ingest.text_embed import embed_texts
from figdex.models.ocr import TextBox
from figdex.models.text_embedders import semantic_available
from figdex.retrieval.semantic import content_ranking, text_search
from tests.test_semantic import _store_devset, figures_ds  # noqa: F401  (the fixture, found by name)

pytestmark = pytest.mark.skipif(not semantic_available(), reason="needs figdex[semantic]")


def test_kept_lines_are_words_not_ticks_or_panel_letters():
    assert keep_line("Wavelength (nm)", 0.9) and keep_line("50 nm", 0.8) and keep_line("Au NPs", 0.7)
    assert not keep_line("400", 0.99) and not keep_line("0.5", 0.99) and not keep_line("(b)", 0.99)
    assert not keep_line("Absorbance", 0.2)  # misread marks come with low confidence
    lines = [(10, 300, 90, 320, "Wavelength (nm)", 0.9), (0, 0, 20, 20, "a", 0.99), (5, 100, 40, 120, "400", 0.9),
             (0, 150, 30, 170, "Absorbance", 0.95)]
    assert kept_text(lines) == "Absorbance; Wavelength (nm)"  # reading order: top to bottom
    boxes = [TextBox((110, 210, 150, 230), "Au NPs", 0.9), TextBox((10, 10, 30, 30), "b", 0.9)]
    assert lines_in_box(boxes, (100, 200, 300, 400)) == [(10, 10, 50, 30, "Au NPs", 0.9)]


def test_image_text_is_read_from_the_pixels_stored_and_resumed(tmp_path):
    ds = Dataset.open(tmp_path / "ds")
    _store_devset(ds, limit=2)
    masters = ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    summary = read_image_texts(ds)
    assert summary.read == masters > 0 and summary.failures == []
    rows = ds.conn.execute("SELECT * FROM image_texts").fetchall()
    assert len(rows) == masters and {r["engine"] for r in rows} == {"rapidocr"}
    assert summary.with_text >= 1 and any(json.loads(r["lines"]) for r in rows)
    # It is what the image prints, not its caption: every kept line is a line the OCR read.
    for r in rows:
        read = {ln[4] for ln in json.loads(r["lines"])}
        assert all(part in read for part in r["text"].split("; ") if part), r["text"]
    assert read_image_texts(ds).read == 0  # read once: a second run resumes with nothing to do
    # A master whose box changed is read again, and only it.
    mid = rows[0]["master_image_id"]
    with ds.transaction():
        ds.conn.execute("UPDATE master_images SET x1 = x1 - 1 WHERE id = ?", (mid,))
    assert read_image_texts(ds).read == 1
    eid, embedded, indexed = embed_image_texts(ds)
    assert eid == PREFIX + "all-minilm-l6-v2@1" and embedded == indexed == summary.with_text
    assert image_text_index_path(ds, "all-minilm-l6-v2@1").exists()
    assert embed_image_texts(ds)[1] == 0  # unchanged texts are not embedded again
    ds.close()


def test_by_content_ranks_an_image_by_the_words_it_prints(figures_ds):  # noqa: F811
    from figdex.ingest.align import align_dataset

    ds = figures_ds
    align_dataset(ds, epochs=20)
    target = ds.conn.execute("SELECT id FROM master_images ORDER BY id DESC LIMIT 1").fetchone()[0]
    words = "Absorbance; Wavelength (nm); Au NPs"
    with ds.transaction():  # what the OCR would store for a UV-vis chart (the reading is tested above)
        store_image_text(ds.conn, target, [(0, 0, 50, 10, w, 0.9) for w in words.split("; ")], "rapidocr",
                         "test", 0.0)
    embed_image_texts(ds)
    query = "UV-vis absorbance spectra of gold nanoparticles against wavelength"
    images = ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    aligned_only = [m for m, _ in content_ranking(ds, query, depth=images, text_weight=0, figure_weight=0,
                                                  words_weight=0)[0]]
    with_words = [m for m, _ in content_ranking(ds, query, depth=images, text_weight=1.0, figure_weight=0,
                                                words_weight=0)[0]]
    assert with_words[0] == target and aligned_only.index(target) > 0
    assert sorted(with_words) == sorted(aligned_only)  # the same images, ranked differently
    # `search --by-content` uses it by default (the content_*_weight settings).
    hits = text_search(ds, query, by_content=True, limit=1).hits
    assert hits[0].hit.id == ds.conn.execute("SELECT uid FROM master_images WHERE id = ?", (target,)).fetchone()[0]
    # `index rebuild` recreates the image-text index from the database.
    from figdex.ingest.text_embed import rebuild_semantic_indexes

    assert rebuild_semantic_indexes(ds)[PREFIX + "all-minilm-l6-v2@1"] == 1


def test_cli_image_text_backfills_an_old_dataset(tmp_path):
    ds = Dataset.open(tmp_path / "ds")
    _store_devset(ds, limit=1)
    embed_texts(ds)
    ds.close()
    out = CliRunner().invoke(cli, ["index", "image-text", "--dataset", str(tmp_path / "ds"), "--format", "json"])
    assert out.exit_code == 0, out.output
    row = json.loads(out.stdout)[0]
    assert row["read"] >= 1 and row["seconds_per_image"] > 0 and row["embedder"] == PREFIX + "all-minilm-l6-v2@1"


def test_printed_word_index_scores_shared_words_stemmed(tmp_path):
    from figdex.index.printed_words import build_word_index, query_expression, search_words

    path = tmp_path / "words.sqlite"
    texts = {1: "Absorbance; Wavelength (nm)", 2: "DIPSI-2; 13C HSQC; ADEQUATE", 3: "Time (ms); Voltage", 4: ""}
    assert build_word_index(path, texts.items()) == 3  # an image without words has no row
    hits = search_words(path, "1H-13C HSQC spectrum with DIPSI-2 mixing", 10)
    assert [m for m, _ in hits] == [2] and hits[0][1] > 0
    # Porter stems ("voltages" finds "Voltage"); the words are ORed: one shared word is enough.
    assert [m for m, _ in search_words(path, "measured voltages of the transients", 10)] == [3]
    assert query_expression("(c) 12 a") == "" and search_words(path, "(c) 12", 10) == []
    assert build_word_index(path, [(1, "")]) == 0 and not path.exists()  # nothing to index: no file


def test_a_panel_printing_no_word_is_found_through_its_figure(figures_ds):  # noqa: F811
    from figdex.ingest.align import align_dataset
    from figdex.ingest.image_text import figure_text_index_path, word_index_path

    ds = figures_ds
    align_dataset(ds, epochs=20)
    fig, = ds.conn.execute("SELECT figure_id FROM master_images GROUP BY figure_id HAVING count(*) = 2 "
                           "ORDER BY figure_id LIMIT 1").fetchone()
    chart, micrograph = [r[0] for r in ds.conn.execute("SELECT id FROM master_images WHERE figure_id = ? ORDER BY id",
                                                       (fig,))]
    words = "Photoluminescence intensity; Emission wavelength (nm); CdSe quantum dots"
    with ds.transaction():  # the chart prints words; the micrograph beside it none (what the OCR would store)
        store_image_text(ds.conn, chart, [(0, 0, 50, 10, w, 0.9) for w in words.split("; ")], "rapidocr", "test", 0.0)
        store_image_text(ds.conn, micrograph, [], "rapidocr", "test", 0.0)
    embed_image_texts(ds)
    query = "photoluminescence emission spectra of CdSe quantum dots"
    images = ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]

    def order(**weights):
        return [m for m, _ in content_ranking(ds, query, depth=images, **weights)[0]]

    own_only = order(text_weight=2.0, figure_weight=0.0, words_weight=0.0, article_weight=0.0,
                     article_words_weight=0.0)  # the method before figure words
    with_figure = order()  # the settings: own 1, figure 2, words 1
    assert own_only[0] == chart and own_only.index(micrograph) > 1
    assert set(with_figure[:2]) == {chart, micrograph}
    # The BM25 signal alone finds the chart by the rare words it shares with the query, and its figure.
    words_only = order(text_weight=0.0, figure_weight=0.0, words_weight=1.0, article_weight=0.0,
                       article_words_weight=0.0)
    assert set(words_only[:2]) == {chart, micrograph}
    # A dataset whose image texts were embedded before the figure and word indexes existed gets them
    # built from the database on the first content query.
    for path in (figure_text_index_path(ds, "all-minilm-l6-v2@1"), word_index_path(ds)):
        path.unlink()
    assert order() == with_figure
    assert figure_text_index_path(ds, "all-minilm-l6-v2@1").exists() and word_index_path(ds).exists()


def test_an_image_is_found_through_the_words_printed_in_its_papers_other_figures(figures_ds):  # noqa: F811
    from figdex.ingest.align import align_dataset

    ds = figures_ds
    align_dataset(ds, epochs=20)
    # A paper of two figures or more, none of whose images has been read yet (other tests store words).
    article, = ds.conn.execute(
        "SELECT f.article_id FROM figures f JOIN master_images m ON m.figure_id = f.id GROUP BY f.article_id "
        "HAVING count(DISTINCT f.id) >= 2 AND sum(m.id IN (SELECT master_image_id FROM image_texts)) = 0 "
        "ORDER BY f.article_id LIMIT 1").fetchone()
    rows = ds.conn.execute("SELECT m.id, m.figure_id FROM master_images m JOIN figures f ON f.id = m.figure_id "
                           "WHERE f.article_id = ? ORDER BY m.id", (article,)).fetchall()
    chart, chart_figure = rows[0]
    words = "Power conversion efficiency (%); Current density (mA/cm2); Perovskite solar cell"
    with ds.transaction():  # one figure's chart prints words; the paper's other images print none
        store_image_text(ds.conn, chart, [(0, 0, 50, 10, w, 0.9) for w in words.split("; ")], "rapidocr", "test", 0.0)
        for mid, _ in rows[1:]:
            store_image_text(ds.conn, mid, [], "rapidocr", "test", 0.0)
    embed_image_texts(ds)
    query = "current density and power conversion efficiency of the perovskite solar cells"
    images = ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]

    def order(**weights):
        return [m for m, _ in content_ranking(ds, query, depth=images, **weights)[0]]

    without = order(article_weight=0.0, article_words_weight=0.0)  # the method before: figure-level at most
    # The image of the paper's other figure that this ranking puts lowest: nothing of its own figure speaks.
    other = [mid for mid, fig in rows if fig != chart_figure]
    target = max(other, key=without.index)
    assert without.index(target) >= len(rows)
    # With the paper's best words (the settings' defaults) every image of the paper comes first.
    ranked = order()
    assert ranked[0] == chart and ranked.index(target) < len(rows)
    # A folder of loose images is not a paper: its images get no lift from one another's words.
    publisher, = ds.conn.execute("SELECT publisher FROM articles WHERE id = ?", (article,)).fetchone()
    with ds.transaction():
        ds.conn.execute("UPDATE articles SET publisher = 'folder' WHERE id = ?", (article,))
    try:
        scores = dict(content_ranking(ds, query, depth=images)[0])
        plain = dict(content_ranking(ds, query, depth=images, article_weight=0.0, article_words_weight=0.0)[0])
        assert scores[target] == pytest.approx(plain[target]) and order().index(target) >= len(rows)
    finally:
        with ds.transaction():
            ds.conn.execute("UPDATE articles SET publisher = ? WHERE id = ?", (publisher, article))
