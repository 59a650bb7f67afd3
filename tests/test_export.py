import csv
import hashlib
import json

import pytest
from click.testing import CliRunner
from PIL import Image

from figdex.cli.main import cli
from figdex.index.query import SearchFilters
from figdex.retrieval.export import ExportError, export_dataset


def test_layout_and_manifest(demo_ds, tmp_path):
    out = tmp_path / "out"
    summary = export_dataset(demo_ds, out, query="microscopy", filters=SearchFilters(has_image=True))
    assert summary.images_written == summary.rows > 0 and summary.images_missing == 0
    rows = [json.loads(line) for line in (out / "metadata.jsonl").read_text().splitlines()]
    assert len(rows) == summary.rows
    for row in rows:
        path = out / row["file"]
        assert path.exists() and path.parent.name == row["label"] == "unclassified"
        assert path.stem == row["id"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["file_sha256"]
        # Whole-figure masters are exported byte-identical to the source figure.
        assert row["file_sha256"] == row["source_image_sha256"]
        assert row["doi"].startswith("10.1038/") and row["license"] == "CC-BY-4.0"
        assert row["article_url"].startswith("https://www.nature.com/articles/")
        assert row["figure"] and row["panel"] == "0" and row["caption"]
    with open(out / "metadata.csv", newline="") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert [r["id"] for r in csv_rows] == [r["id"] for r in rows]
    exsclaim = json.loads((out / "exsclaim.json").read_text())
    assert sum(len(f["master_images"]) for f in exsclaim.values()) == len(rows)
    record = next(iter(exsclaim.values()))
    assert {"title", "article_url", "full_caption", "figure_name", "image_url", "license", "master_images",
            "unassigned"} <= record.keys()
    master = record["master_images"][0]
    assert len(master["geometry"]) == 4 and master["classification"] == "unclassified"


def test_export_by_label_uses_the_label_as_folder(demo_ds, tmp_path):
    mids = [demo_ds.master_id(u) for u in ("10.1038-s41467-018-06211-3-fig1-0", "10.1038-srep23945-fig1-0")]
    with demo_ds.transaction():
        for mid in mids:
            demo_ds.add_label(mid, "user", "good example")
    try:
        summary = export_dataset(demo_ds, tmp_path / "o", label="good example")
        assert summary.rows == 2 and summary.images_written == 1 and summary.images_missing == 1
        assert (tmp_path / "o" / "good example" / "10.1038-s41467-018-06211-3-fig1-0.png").exists()
        rows = [json.loads(x) for x in (tmp_path / "o" / "metadata.jsonl").read_text().splitlines()]
        missing = next(r for r in rows if r["file"] is None)
        assert missing["image_status"] == "missing" and missing["image_url"].startswith("https://")
    finally:
        with demo_ds.transaction():
            for mid in mids:
                demo_ds.remove_label(mid, "user", "good example")


@pytest.mark.parametrize("label", ["../escape", "/etc", "a/b", "..", ".", "", "a\\b"])
def test_labels_that_would_escape_are_refused(demo_ds, tmp_path, label):
    with pytest.raises(ExportError, match="cannot be used as a folder name"):
        export_dataset(demo_ds, tmp_path / "o", label=label)
    assert not (tmp_path / "escape").exists()


def test_never_overwrites_without_force(demo_ds, tmp_path):
    out = tmp_path / "o"
    export_dataset(demo_ds, out, query="SEM", filters=SearchFilters(has_image=True))
    before = (out / "metadata.jsonl").read_text()
    with pytest.raises(ExportError, match="--force"):
        export_dataset(demo_ds, out, query="TEM")
    assert (out / "metadata.jsonl").read_text() == before
    (out / "notes.txt").write_text("mine")
    summary = export_dataset(demo_ds, out, query="streaming", filters=SearchFilters(has_image=True), force=True)
    rows = [json.loads(x) for x in (out / "metadata.jsonl").read_text().splitlines()]
    assert len(rows) == summary.rows
    files = {p.relative_to(out).as_posix() for p in out.rglob("*.png")}
    assert files == {r["file"] for r in rows}  # the earlier export's images are gone
    assert (out / "notes.txt").read_text() == "mine"  # files figdex did not write are kept


def test_panel_boxes_are_cropped(demo_ds, tmp_path):
    uid = "10.1038-s41467-018-06211-3-fig2-0"
    with demo_ds.transaction():
        demo_ds.conn.execute("UPDATE master_images SET x0=10, y0=20, x1=110, y1=70 WHERE uid=?", (uid,))
    try:
        export_dataset(demo_ds, tmp_path / "o", query="line scanning profile", filters=SearchFilters(has_image=True))
        rows = [json.loads(x) for x in (tmp_path / "o" / "metadata.jsonl").read_text().splitlines()]
        row = next(r for r in rows if r["id"] == uid)
        with Image.open(tmp_path / "o" / row["file"]) as im:
            assert im.size == (100, 50)
    finally:
        with demo_ds.transaction():
            demo_ds.conn.execute("UPDATE master_images SET x0=NULL, y0=NULL, x1=NULL, y1=NULL WHERE uid=?", (uid,))


def test_cli_export_needs_a_selection(tmp_path):
    res = CliRunner().invoke(cli, ["export", "--out", str(tmp_path / "o"), "--dataset", str(tmp_path / "d")])
    assert res.exit_code != 0 and "--label L, --label-kind K, --query Q" in res.output


def _split_figure_one(ds):
    """Fig. 1 of s41467-018-06211-3 as separation and caption distribution leave it: its caption
    has "SEM" (panels c-e); panel a is the synthesis schematic, c an SEM image, d an HRTEM one."""
    from figdex.index.db import master_uid, now
    from figdex.index.fulltext import open_text_index

    fig = ds.conn.execute("SELECT id, key FROM figures WHERE key = 'doi:10.1038/s41467-018-06211-3/fig1'").fetchone()
    panels = {"a": ("Schematic of the synthesis process of the bulk manganese oxides", "illustration"),
              "c": ("Scanning electronic microscopy (SEM) image of the silver manganate nanoplates", "microscopy"),
              "d": ("High-resolution TEM image of one nanoplate", "microscopy")}
    with ds.transaction() as conn:
        for panel, (subcaption, image_class) in panels.items():
            key = f"{fig['key']}/{panel}"
            conn.execute("INSERT INTO master_images(key, uid, figure_id, panel, x0, y0, x1, y1, image_class, "
                         "confidence, subcaption, updated_at) VALUES (?, ?, ?, ?, 0, 0, 100, 100, ?, 0.9, ?, ?)",
                         (key, master_uid(key), fig["id"], panel, image_class, subcaption, now()))
        ids = [ds.master_id(master_uid(f"{fig['key']}/{p}")) for p in panels]
        open_text_index(ds).update(ids)
    return [master_uid(f"{fig['key']}/{p}") for p in panels], ids


def test_export_by_query_takes_the_panels_the_query_describes(demo_ds, tmp_path):
    (schematic, sem, hrtem), ids = _split_figure_one(demo_ds)
    try:
        export_dataset(demo_ds, tmp_path / "panel", query="SEM")
        panel = [json.loads(x)["id"] for x in (tmp_path / "panel" / "metadata.jsonl").read_text().splitlines()]
        assert sem in panel and schematic not in panel and hrtem not in panel
        export_dataset(demo_ds, tmp_path / "figure", query="SEM", match="figure")
        figure = [json.loads(x)["id"] for x in (tmp_path / "figure" / "metadata.jsonl").read_text().splitlines()]
        # Figure level takes the schematic too, since the figure's caption says SEM for panels c-e.
        assert {schematic, sem, hrtem} <= set(figure)
        # Whole figures (panel 0) are described by their caption: they still match at panel level.
        assert [i for i in figure if i.endswith("-0")] == [i for i in panel if i.endswith("-0")] != []
    finally:
        marks = ",".join("?" * len(ids))
        with demo_ds.transaction() as conn:
            conn.execute(f"DELETE FROM master_images WHERE id IN ({marks})", ids)


def test_class_filtered_search_matches_at_panel_level(demo_ds):
    from figdex.retrieval.search import search

    (_, sem, hrtem), ids = _split_figure_one(demo_ds)
    try:
        micro = SearchFilters(image_class=("microscopy",))
        assert [h.id for h in search(demo_ds, "SEM", micro).hits] == [sem]
        figure = search(demo_ds, "SEM", micro, match="figure")
        assert {h.id for h in figure.hits} == {sem, hrtem} and figure.total == 2
        paged = search(demo_ds, "SEM nanoplate*", micro, limit=1, offset=0)
        assert [h.id for h in paged.hits] == [sem] and paged.total == 1
        # Without a class the default stays figure level (the whole caption is searched).
        assert {sem, hrtem} <= {h.id for h in search(demo_ds, "SEM", limit=50).hits}
    finally:
        marks = ",".join("?" * len(ids))
        with demo_ds.transaction() as conn:
            conn.execute(f"DELETE FROM master_images WHERE id IN ({marks})", ids)
