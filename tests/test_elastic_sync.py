"""Elasticsearch/OpenSearch backends: sync, rebuild and aliases, bulk errors, the CLI contract,
and a real Elasticsearch when $FIGDEX_ES_URL is set (see tests/test_elastic.py)."""

from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index import elastic
from figdex.index.es_engines import BulkIndexError
from figdex.index.fulltext import TextIndexError, create_text_index
from figdex.index.query import SearchFilters, parse_user_query

from tests.es_support import (  # noqa: F401  (fixtures are found by name)
    EMBEDDED, CompatProxy, _alias, _open, backend, emulator,
    assert_same_matches, embedded_index, es_proxy, synced,
)

# -- sync, rebuild, aliases -------------------------------------------------------------------------

def test_rebuild_swaps_the_alias_to_a_new_versioned_index(ds, backend):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend)
    assert index.live_indices() == []
    first = index.sync()
    assert first.mode == "created" and index.live_indices() == [first.index]
    assert first.index.startswith(index.alias + "-v")
    n = index.rebuild()
    second = index.live_indices()
    assert n == index.count() == first.pushed and len(second) == 1 and second[0] != first.index
    assert not index.engine.exists(first.index)  # the old version is gone


def test_failed_documents_are_reported_and_a_failed_rebuild_leaves_the_live_index(ds, backend, monkeypatch):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend)
    index.sync()
    live, hits = index.live_indices(), index.count()
    bad_id = min(ds.master_ids())
    original = elastic.es_document

    def broken(doc):
        out = original(doc)
        if doc["id"] == bad_id:
            out["year"] = "not a year"  # the mapping says integer: the engine refuses this one document
        return out

    monkeypatch.setattr(elastic, "es_document", broken)
    with pytest.raises(BulkIndexError) as err:
        index.rebuild()
    assert [f.id for f in err.value.failures] == [str(bad_id)]
    assert err.value.failures[0].status == 400 and "year" in err.value.failures[0].reason
    assert err.value.succeeded == hits - 1 and "left unchanged" in str(err.value)
    assert index.live_indices() == live and index.count() == hits
    # The same document through update() (what ingest calls): reported, never silent.
    with pytest.raises(BulkIndexError, match=str(bad_id)):
        index.update([bad_id])
    # A sync that fails does not advance its mark: the next one pushes the document again.
    with ds.transaction():
        ds.add_label(bad_id, "user", "refused-once")
    with pytest.raises(BulkIndexError):
        index.sync()
    monkeypatch.setattr(elastic, "es_document", original)
    report = index.sync()
    assert report.mode == "incremental" and report.pushed == 1
    hits, _ = index.search(None, SearchFilters(label=("user:refused-once",)), 10)
    assert [h.master_id for h in hits] == [bad_id]


def test_bulk_items_refused_with_429_are_retried(ds, backend):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend, batch_size=7)
    index._ensure()
    real_bulk, calls, sleeps = index.engine.bulk, [], []
    index.sleep = sleeps.append

    def flaky(ops):
        """The first answer to each request refuses every other item with 429, as a busy node does."""
        resp = real_bulk(ops) if len(calls) % 2 else None
        calls.append(len(ops))
        if resp is not None:
            return resp
        actions = [o for o in ops if "index" in o or "delete" in o]
        keep = [i for i in range(len(actions)) if i % 2]
        sent = []
        for i in keep:
            sent.append(actions[i])
            if "index" in actions[i]:
                sent.append(ops[ops.index(actions[i]) + 1])
        done = real_bulk(sent)["items"] if sent else []
        items, it = [], iter(done)
        for i, action in enumerate(actions):
            op = next(iter(action))
            items.append(next(it) if i % 2 else {op: {"_id": action[op]["_id"], "status": 429, "error": {
                "type": "es_rejected_execution_exception", "reason": "rejected execution"}}})
        return {"errors": True, "items": items}

    index.engine.bulk = flaky
    index.update(list(ds.master_ids()))
    index.engine.refresh(index.alias)
    assert index.count() == len(list(ds.master_ids()))
    assert sleeps and all(s > 0 for s in sleeps) and len(calls) >= 4


def test_bulk_items_still_refused_after_the_retries_are_failures(ds, backend):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend, max_retries=2)
    index._ensure()
    index.sleep = lambda s: None
    index.engine.bulk = lambda ops: {"errors": True, "items": [
        {"index": {"_id": o["index"]["_id"], "status": 429, "error": {"type": "es_rejected_execution_exception",
                                                                      "reason": "queue full"}}}
        for o in ops if "index" in o]}
    ids = list(ds.master_ids())
    with pytest.raises(BulkIndexError) as err:
        index.update(ids)
    assert sorted(int(f.id) for f in err.value.failures) == sorted(ids)
    assert all(f.status == 429 for f in err.value.failures)


def test_a_whole_bulk_request_answered_429_is_retried(ds, emulator, es_proxy):
    """Through the real elasticsearch client: the proxy answers the first _bulk with HTTP 429."""
    pytest.importorskip("elasticsearch")
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, ("elasticsearch", es_proxy.url))
    sleeps = []
    index.sleep = sleeps.append
    es_proxy.faults += [("_bulk", 429), ("_bulk", 429)]
    report = index.sync()
    assert report.pushed == index.count() and len(sleeps) == 2
    assert not any(part == "_bulk" for part, _ in es_proxy.faults)
    # ...and that the proxy rewrote the media type the emulator refuses (and nothing else):
    sent = [h for _, path, h in es_proxy.requests if "_bulk" in path][-1]
    content_type = {k.lower(): v for k, v in sent.items()}["content-type"]
    assert "compatible-with=8" in content_type


def test_incremental_sync_pushes_changes_and_removes_deleted_images(ds, backend):
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = _open(ds, backend)
    index.sync()
    assert index.sync().pushed == 0  # nothing changed since
    target = ds.master_id("10.1038-srep23945-fig1-0")
    with ds.transaction():
        ds.add_label(target, "user", "memristor-device")
    report = index.sync()
    assert report.mode == "incremental" and report.pushed == 1 and report.deleted == 0
    hits, _ = index.search(parse_user_query("switching"), SearchFilters(label=("user:memristor-device",)), 10)
    assert [h.master_id for h in hits] == [target]
    # A deleted figure: its document goes at the next sync.
    with ds.transaction():
        ds.conn.execute("DELETE FROM figures WHERE id = (SELECT figure_id FROM master_images WHERE id = ?)", (target,))
    report = index.sync()
    assert report.deleted == 1 and target not in index.indexed_ids()
    assert index.count() == ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    full = index.sync(full=True)
    assert full.mode == "full" and full.pushed == index.count()


def test_a_change_committed_after_a_sync_started_reaches_the_next_sync(tmp_path, backend):
    """A writer stamps a row, a sync starts (a second later), then the writer commits: the change
    was invisible to that sync, so the next incremental one must push it (#16.1)."""
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths
    from tests.conftest import DEMO

    root = tmp_path / "ds"
    with Dataset.open(root) as writer, Dataset.open(root) as reader:
        ingest_paths(writer, [DEMO / "nature"])
        index = _open(reader, backend)
        index.sync()
        target = writer.master_id("10.1038-srep23945-fig1-0")
        only = SearchFilters(label=("user:late-commit",))
        try:
            writer.add_label(target, "user", "late-commit")  # inside the writer's open transaction
            _after_the_second_of(writer.conn.execute("SELECT created_at FROM labels WHERE value = 'late-commit'"
                                                     ).fetchone()[0])
            index.sync()  # the label is not committed yet: this sync cannot see it
            assert index.search(None, only, 10)[0] == []
            writer.conn.commit()
        finally:
            writer.conn.rollback()
        report = index.sync()
        assert report.mode == "incremental" and report.pushed == 1
        assert [h.master_id for h in index.search(None, only, 10)[0]] == [target]


def _after_the_second_of(stamp: str) -> None:
    """Wait until ``db.now()`` is past ``stamp``: rows stamped before are older than any later mark."""
    from figdex.index.db import now

    while now() <= stamp:
        time.sleep(0.05)


def test_a_label_removal_reaches_the_index_without_full(ds, backend):
    from figdex.ingest.pipeline import ingest_paths
    from tests.conftest import DEMO

    ingest_paths(ds, [DEMO / "nature"])
    target = ds.master_id("10.1038-srep23945-fig1-0")
    with ds.transaction():
        ds.add_label(target, "user", "memristor-device")
    _after_the_second_of(ds.conn.execute("SELECT max(created_at) FROM labels").fetchone()[0])
    index = _open(ds, backend)
    index.sync()
    only = SearchFilters(label=("user:memristor-device",))
    assert [h.master_id for h in index.search(None, only, 10)[0]] == [target]
    with ds.transaction():
        assert ds.set_user_label(target, "memristor-device", present=False)
    report = index.sync()
    assert report.mode == "incremental" and report.pushed == 1
    assert index.search(None, only, 10)[0] == []


def test_a_dataset_from_before_the_change_log_upgrades_and_syncs_everything(tmp_path, backend):
    """A version-5 dataset (timestamps only) opens with every row kept; an index it synced by time
    gets one full push, then incremental syncs by the change sequence."""
    import sqlite3

    from figdex.index.db import Dataset
    from figdex.index.es_documents import MAPPING_VERSION
    from figdex.index.schema import MIGRATIONS
    from figdex.ingest.pipeline import ingest_paths
    from tests.conftest import DEMO

    root = tmp_path / "ds"
    with Dataset.open(root) as ds:
        ingest_paths(ds, [DEMO / "nature"])
        tables = ("articles", "figures", "master_images", "labels", "subcaptions")
        before = {t: ds.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
        before = {t: [tuple(r) for r in rows] for t, rows in before.items()}
        index = _open(ds, backend)
        index.sync()
    conn = sqlite3.connect(root / "figdex.db")  # back to version 5: what an older figdex left
    for name, kind in conn.execute("SELECT name, type FROM sqlite_master WHERE name LIKE 'change%' "
                                   "AND type IN ('trigger', 'table') ORDER BY type DESC").fetchall():
        conn.execute(f"DROP {kind.upper()} {name}")
    for column in ("pid", "host"):  # schema version 7
        conn.execute(f"ALTER TABLE runs DROP COLUMN {column}")
    for column in ("databar", "scale_detail"):  # schema version 8: what they held is recomputed by separation
        conn.execute(f"ALTER TABLE master_images DROP COLUMN {column}")
    before["master_images"] = [row[:-2] for row in before["master_images"]]
    conn.execute("ALTER TABLE figures DROP COLUMN page")  # schema version 9: NULL for pages and XML
    before["figures"] = [row[:-1] for row in before["figures"]]
    conn.execute("DROP TABLE image_texts")  # schema version 10: the words printed in the images
    conn.execute("PRAGMA user_version = 5")
    conn.commit()
    conn.close()
    assert len(MIGRATIONS) > 5
    with Dataset.open(root) as ds:
        after = {t: [tuple(r) for r in ds.conn.execute(f"SELECT * FROM {t} ORDER BY 1")] for t in tables}
        after["master_images"] = [row[:-2] for row in after["master_images"]]
        after["figures"] = [row[:-1] for row in after["figures"]]
        assert after == before
        index = _open(ds, backend, index=index.alias)
        live = index.live_indices()[0]
        old_mark = {"mapping_version": MAPPING_VERSION, "synced_at": "2030-01-01T00:00:00+00:00"}
        index.engine.put_meta(live, {"figdex": old_mark})  # the mark an older figdex wrote: a time
        assert index._meta(live) == old_mark
        first = index.sync()
        assert first.mode == "full" and first.pushed == len(before["master_images"])
        target = ds.master_id("10.1038-srep23945-fig1-0")
        with ds.transaction():
            ds.add_label(target, "user", "after-upgrade")
        assert index.sync().pushed == 1


def test_an_alias_name_taken_by_an_index_is_a_clear_error(ds, emulator):
    pytest.importorskip("opensearchpy")
    from opensearchpy import OpenSearch

    name = _alias()
    OpenSearch(hosts=[emulator.url]).indices.create(index=name)
    index = _open(ds, ("opensearch", emulator.url), index=name)
    with pytest.raises(TextIndexError, match="is an index, not an alias"):
        index.sync()


def test_unreachable_server_and_missing_client_are_clear_errors(ds, monkeypatch):
    pytest.importorskip("opensearchpy")
    import socket
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    index = create_text_index("opensearch", ds.conn, ds.root, url=f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(TextIndexError, match="cannot reach OpenSearch"):
        index.search(parse_user_query("silver"), SearchFilters(), 10)
    monkeypatch.setitem(sys.modules, "elasticsearch", None)
    with pytest.raises(TextIndexError, match=r"figdex\[es\]"):
        create_text_index("elasticsearch", ds.conn, ds.root, url="http://127.0.0.1:9")


# -- the CLI contract -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths
    from tests.conftest import DEMO

    root = tmp_path_factory.mktemp("es-cli") / "ds"
    with Dataset.open(root) as ds:
        ingest_paths(ds, [DEMO])
    return root


def test_cli_sync_then_search_gives_the_embedded_objects(demo_dir, backend):
    name, url = backend
    env = {"FIGDEX_ES_INDEX": _alias()}
    runner = CliRunner()
    res = runner.invoke(cli, ["index", "sync", "--dataset", str(demo_dir), "--backend", name, "--url", url], env=env)
    assert res.exit_code == 0, res.output
    assert "created" in res.stderr and "61 documents pushed" in res.stderr
    res = runner.invoke(cli, ["index", "sync", "--dataset", str(demo_dir), "--format", "json"],
                        env={**env, "FIGDEX_BACKEND": name, "FIGDEX_ES_URL": url})
    assert res.exit_code == 0 and json.loads(res.stdout)[0]["mode"] == "incremental"
    args = ["search", '"scanning electron microscopy"', "--dataset", str(demo_dir), "--format", "jsonl"]
    embedded = runner.invoke(cli, args, env={"FIGDEX_BACKEND": "tantivy"})
    remote = runner.invoke(cli, [*args, "--backend", name, "--url", url], env=env)
    via_env = runner.invoke(cli, args, env={**env, "FIGDEX_BACKEND": name, "FIGDEX_ES_URL": url})
    assert remote.exit_code == 0 and via_env.exit_code == 0, remote.output + via_env.output
    rows_e = [json.loads(line) for line in embedded.stdout.splitlines()]
    rows_r = [json.loads(line) for line in remote.stdout.splitlines()]
    assert remote.stdout == via_env.stdout and len(rows_r) == len(rows_e) == 2
    for e, r in zip(rows_e, rows_r):
        assert e.keys() == r.keys()
        assert {k: v for k, v in e.items() if k not in ("score", "snippet")} == \
               {k: v for k, v in r.items() if k not in ("score", "snippet")}
    res = runner.invoke(cli, ["index", "rebuild", "--dataset", str(demo_dir), "--backend", name, "--url", url],
                        env=env)
    assert res.exit_code == 0 and "61 documents" in res.stderr
    res = runner.invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--backend", name, "--url", url,
                              "--facets"], env=env)
    assert res.exit_code == 0 and "journal: Nature Communications (10)" in res.stderr


def test_cli_backend_errors_are_one_line(demo_dir, emulator):
    pytest.importorskip("opensearchpy")
    res = CliRunner().invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--backend", "opensearch",
                                   "--url", emulator.url], env={"FIGDEX_ES_INDEX": _alias()})
    assert res.exit_code == 1 and "figdex index sync" in res.output and "Traceback" not in res.output


# -- a real Elasticsearch (docker compose up -d elasticsearch; FIGDEX_ES_URL=http://localhost:9200) ---

def _real_es_url() -> str:
    url = os.environ.get("FIGDEX_ES_URL")
    if not url:
        pytest.skip("FIGDEX_ES_URL is not set (start the compose stack: docker compose up -d elasticsearch)")
    pytest.importorskip("elasticsearch")
    return url


@pytest.mark.es
def test_real_elasticsearch_parity(demo_ds):
    url = _real_es_url()
    index = create_text_index("elasticsearch", demo_ds.conn, demo_ds.root, url=url, index=_alias())
    try:
        assert index.sync().pushed == index.count()
        for name in EMBEDDED:
            assert_same_matches(embedded_index(demo_ds, name), index, ("journal", "image_class", "label", "year"))
        old = index.live_indices()
        index.rebuild()
        assert index.live_indices() != old
    finally:
        for name in index.live_indices():
            index.engine.delete(name)


@pytest.mark.es
def test_real_elasticsearch_reports_refused_documents(ds, monkeypatch):
    url = _real_es_url()
    from tests.conftest import DEMO
    from figdex.ingest.pipeline import ingest_paths

    ingest_paths(ds, [DEMO / "nature"])
    index = create_text_index("elasticsearch", ds.conn, ds.root, url=url, index=_alias())
    try:
        index.sync()
        original = elastic.es_document
        monkeypatch.setattr(elastic, "es_document", lambda doc: {**original(doc), "year": "not a year"})
        with pytest.raises(BulkIndexError) as err:
            index.update(list(ds.master_ids()))
        assert len(err.value.failures) == len(list(ds.master_ids()))
    finally:
        for name in index.live_indices():
            index.engine.delete(name)


def test_url_and_alias_from_the_flag_the_environment_or_config_json(tmp_path, monkeypatch):
    pytest.importorskip("opensearchpy")
    from figdex.index.db import Dataset
    from figdex.index.fulltext import open_text_index

    monkeypatch.delenv("FIGDEX_ES_URL", raising=False)
    monkeypatch.delenv("FIGDEX_ES_INDEX", raising=False)
    with Dataset.open(tmp_path / "ds") as ds:
        assert open_text_index(ds).name == "tantivy"  # the embedded default
        ds.set_config(text_index="opensearch", text_index_url="http://cfg:9200", text_index_name="mine")
        index = open_text_index(ds)  # what ingest, export and search use without flags
        assert (index.name, index.url, index.alias) == ("opensearch", "http://cfg:9200", "mine")
        monkeypatch.setenv("FIGDEX_ES_URL", "http://env:9200")
        assert open_text_index(ds).url == "http://env:9200"
        assert open_text_index(ds, url="http://flag:9200").url == "http://flag:9200"
        assert open_text_index(ds, "elasticsearch").name == "elasticsearch"

