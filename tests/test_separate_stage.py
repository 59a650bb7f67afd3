"""The separation stage on a real CC-BY article: masters stored, paired with sub-captions, searchable."""

import pytest

from figdex.index.db import Dataset
from figdex.index.query import SearchFilters
from figdex.ingest.pipeline import ingest_paths
from figdex.ingest.separate import pending_figures, separate_dataset
from figdex.retrieval.search import search
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def sds(tmp_path_factory):
    root = tmp_path_factory.mktemp("sep") / "ds"
    ds = Dataset.open(root)
    page = DEMO / "nature" / "html" / "s41467-018-06297-9.html"
    ingest_paths(ds, [page, DEMO / "nature" / "figures"])
    mid = ds.master_id("10.1038-s41467-018-06297-9-fig1-0")
    with ds.transaction():
        ds.add_label(mid, "user", "keep me")  # a user's label on the whole figure must survive
    summary = separate_dataset(ds)
    assert summary.separated == 4 and summary.failed == 0
    yield ds
    ds.close()


def test_masters_follow_the_caption_labels(sds):
    rows = sds.conn.execute(
        "SELECT f.number, group_concat(m.panel, '') AS panels FROM master_images m JOIN figures f ON f.id = m.figure_id "
        "WHERE m.panel != '0' GROUP BY f.number ORDER BY f.number").fetchall()
    assert {r["number"]: r["panels"] for r in rows} == {1: "abcdef", 2: "abcd", 3: "abc", 4: "abcd"}  # as in the gold


def test_masters_carry_their_subcaption_box_and_class(sds):
    m = sds.conn.execute("SELECT * FROM master_images WHERE uid = '10.1038-s41467-018-06297-9-fig2-a'").fetchone()
    assert "scanning electron microscopy" in m["subcaption"].lower()
    assert m["x1"] > m["x0"] and m["y1"] > m["y0"] and m["image_class"] == "microscopy"
    b = sds.conn.execute("SELECT * FROM master_images WHERE uid = '10.1038-s41467-018-06297-9-fig2-b'").fetchone()
    assert b["image_class"] == "graph" and b["nm_per_px"] is None


def test_user_labels_keep_the_whole_figure_master(sds):
    row = sds.conn.execute("SELECT m.panel FROM labels l JOIN master_images m ON m.id = l.master_image_id "
                           "WHERE l.kind = 'user'").fetchone()
    assert row["panel"] == "0"


def test_panels_are_searchable_and_filterable(sds):
    hits = search(sds, "scanning electron microscopy", SearchFilters(image_class=("microscopy",)), limit=5)
    assert hits.hits and hits.hits[0].id == "10.1038-s41467-018-06297-9-fig2-a"


def test_rerun_does_nothing_and_reingest_keeps_panels(sds):
    assert pending_figures(sds) == []
    assert separate_dataset(sds).figures == 0
    ingest_paths(sds, [DEMO / "nature" / "html" / "s41467-018-06297-9.html"], force=True)
    assert pending_figures(sds) == []  # same caption and image: the separation still holds
    n = sds.conn.execute("SELECT count(*) FROM master_images WHERE panel != '0'").fetchone()[0]
    assert n == 17


def test_separation_keeps_the_words_it_read_as_each_panels_image_text(sds):
    from figdex.ingest.image_text import pending_image_texts

    rows = sds.conn.execute("SELECT m.id, m.panel, t.text, t.engine, t.lines FROM master_images m "
                            "LEFT JOIN image_texts t ON t.master_image_id = m.id").fetchall()
    panels = [r for r in rows if r["panel"] != "0"]
    assert panels and all(r["engine"] == "separation" for r in panels)  # every separated panel, no OCR twice
    assert sum(bool(r["text"]) for r in panels) >= 3  # charts print their axis titles and legends
    # Only the figure-wide master kept by a user's label was not separated: a backfill reads it alone.
    assert {r["id"] for r in pending_image_texts(sds)} == {r["id"] for r in rows if r["panel"] == "0"}
