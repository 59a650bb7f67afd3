import sqlite3

import pytest

from figdex.index.db import Dataset, DatasetError
from figdex.index.schema import SCHEMA_VERSION, SchemaTooNewError
from figdex.ingest.pipeline import ingest_paths
from tests.conftest import DEMO

NATURE = DEMO / "nature"


def counts(ds):
    q = ds.conn.execute
    return {t: q(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("articles", "figures", "master_images")}


def test_schema_version_and_wal(tmp_path):
    with Dataset.open(tmp_path / "d") as ds:
        assert ds.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert ds.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (tmp_path / "d" / "figdex.db").exists()


def test_newer_schema_is_refused(tmp_path):
    with Dataset.open(tmp_path / "d") as ds:
        ds.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNewError, match="upgrade figdex"):
        Dataset.open(tmp_path / "d")


def test_not_a_database(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "figdex.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatasetError, match="not a figdex database"):
        Dataset.open(tmp_path / "d")


def test_missing_dataset_names_the_remedy(tmp_path):
    with pytest.raises(DatasetError, match="figdex ingest"):
        Dataset.open(tmp_path / "nothing", create=False)


def test_reingest_updates_instead_of_duplicating(ds):
    first = ingest_paths(ds, [NATURE])
    before = counts(ds)
    assert before == {"articles": 5, "figures": 25, "master_images": 25}
    again = ingest_paths(ds, [NATURE])
    assert again.unchanged == first.files and counts(ds) == before
    forced = ingest_paths(ds, [NATURE], force=True)
    assert forced.unchanged == 0 and counts(ds) == before
    ids = {r[0] for r in ds.conn.execute("SELECT uid FROM master_images")}
    assert "10.1038-s41467-018-06211-3-fig1-0" in ids


def test_interrupted_ingest_resumes_to_the_same_counts(tmp_path):
    with Dataset.open(tmp_path / "full") as full:
        ingest_paths(full, [DEMO])
        expected = counts(full)

    seen = []

    def crash_after_three(path, outcome):
        seen.append(path)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with Dataset.open(tmp_path / "partial") as ds:
        with pytest.raises(KeyboardInterrupt):
            ingest_paths(ds, [DEMO], on_file=crash_after_three)
        partial = counts(ds)
        assert partial["articles"] < expected["articles"]
        assert ds.conn.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"
    with Dataset.open(tmp_path / "partial") as ds:  # a new process would reopen the file
        resumed = ingest_paths(ds, [DEMO])
        assert resumed.unchanged == 3
        assert counts(ds) == expected


START_RUN = """
import os, signal, sys, time
from figdex.index.db import Dataset
ds = Dataset.open(sys.argv[1])
ds.start_run("ingest-web", {})
print("started", flush=True)
if sys.argv[2] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)  # as a killed harvest: no finally, no finish_run
sys.stdin.read()  # alive until the test closes stdin
"""


def test_a_run_whose_process_was_killed_is_marked_interrupted_by_the_next_run(tmp_path):
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO

    root = tmp_path / "d"
    Dataset.open(root).close()
    start = lambda how: subprocess.Popen([sys.executable, "-c", START_RUN, str(root), how],  # noqa: E731
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO.parent)
    killed = start("kill")
    assert killed.wait(timeout=60) == -signal.SIGKILL
    alive = start("wait")
    try:
        assert alive.stdout.readline().strip() == "started"
        with Dataset.open(root) as ds:
            ingest_paths(ds, [NATURE / "html" / "srep23945.html"])
            rows = ds.conn.execute("SELECT id, status, finished_at FROM runs ORDER BY id").fetchall()
    finally:
        alive.stdin.close()
        alive.wait(timeout=60)
    (k_id, k_status, k_end), (a_id, a_status, a_end), (_, mine, _) = rows
    assert (k_status, a_status, mine) == ("interrupted", "running", "done")
    assert k_end is not None and a_end is None


def test_changed_page_is_parsed_again_and_stale_figures_go(tmp_path, ds):
    page = tmp_path / "s41467-018-06297-9.html"
    text = (NATURE / "html" / "s41467-018-06297-9.html").read_text(encoding="utf-8")
    page.write_text(text, encoding="utf-8")
    ingest_paths(ds, [page])
    assert counts(ds)["figures"] == 4
    # Drop figure 4 from the page: the re-ingest must remove it, not keep a ghost row.
    start = text.index('id="Fig4"')
    fig_start = text.rindex("<figure", 0, start)
    fig_end = text.index("</figure>", start) + len("</figure>")
    page.write_text(text[:fig_start] + text[fig_end:], encoding="utf-8")
    summary = ingest_paths(ds, [page])
    assert summary.unchanged == 0
    assert counts(ds) == {"articles": 1, "figures": 3, "master_images": 3}


def test_user_labels_survive_reingest(ds):
    ingest_paths(ds, [NATURE])
    mid = ds.master_id("10.1038-srep23945-fig1-0")
    with ds.transaction():
        ds.add_label(mid, "user", "memristor", source="test")
    ingest_paths(ds, [NATURE], force=True)
    assert ds.master_id("10.1038-srep23945-fig1-0") == mid
    rows = {tuple(r) for r in ds.conn.execute("SELECT kind, value FROM labels WHERE master_image_id=?", (mid,))}
    assert ("user", "memristor") in rows
    assert ("term", "STEM") in rows  # computed from the caption, alongside the user's label


def test_png_data_under_jpg_name_is_stored_as_png(ds):
    ingest_paths(ds, [NATURE])
    row = ds.conn.execute(
        "SELECT image_path, image_format, width, height, image_status FROM figures WHERE key LIKE '%06211-3/fig1'"
    ).fetchone()
    assert row["image_status"] == "ok" and row["image_format"] == "png"
    assert row["image_path"].endswith(".png") and row["width"] > 500 and row["height"] > 500
    assert (ds.root / row["image_path"]).exists()


def test_missing_images_keep_their_url(ds):
    ingest_paths(ds, [NATURE / "html" / "ncomms11770.html"])
    rows = ds.conn.execute("SELECT image_status, image_url, image_path FROM figures").fetchall()
    assert len(rows) == 5
    assert all(r["image_status"] == "missing" and r["image_url"] and r["image_path"] is None for r in rows)


def test_stats_per_publisher(demo_ds):
    stats = demo_ds.stats()
    nature = stats["per_publisher"]["nature"]
    assert nature == {"articles": 5, "figures": 25, "graphical_abstracts": 0, "captions": 25, "images_found": 9,
                      "images_missing": 16, "access_full": 5}
    assert stats["images_found"] == 9
    assert stats["images_missing"] == stats["figures"] - 9


def test_unreadable_file_is_recorded_and_the_run_goes_on(tmp_path, ds):
    bad = tmp_path / "pages"
    bad.mkdir()
    (bad / "empty.html").write_bytes(b"")
    (bad / "page.html").write_text(
        (NATURE / "html" / "srep23945.html").read_text(encoding="utf-8"), encoding="utf-8")
    summary = ingest_paths(ds, [bad])
    assert summary.articles == 1
    assert summary.not_articles + summary.failed == 1
