"""One settings table (figdex/settings.py): name, default, environment variable, help; the
dataset's config.json read once (not on every access), a malformed one or a bad value refused
with the file or variable and the fix; `figdex config` shows each value and where it came
from (issue #16.12)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import figdex
from figdex.cli.main import cli
from figdex.errors import FigdexError
from tests.conftest import DEMO

PACKAGE = Path(figdex.__file__).parent


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("settings") / "ds"
    with Dataset.open(root, create=True) as ds:
        ingest_paths(ds, [DEMO / "nature"])
    return root


def _search(root):
    return CliRunner().invoke(cli, ["search", "silver", "--dataset", str(root)])


def test_config_json_is_read_once_per_dataset(demo_dir, monkeypatch):
    from figdex.index.db import Dataset
    from figdex.retrieval.search import search

    reads = []
    real = Path.read_text

    def counting(self, *a, **kw):
        if self.name == "config.json":
            reads.append(self)
        return real(self, *a, **kw)

    (demo_dir / "config.json").write_text(json.dumps({"text_index": "tantivy"}))
    with Dataset.open(demo_dir, create=False) as ds:
        monkeypatch.setattr(Path, "read_text", counting)
        for _ in range(5):
            search(ds, "silver")
            _ = ds.config["text_index"]
    assert len(reads) <= 1, f"config.json read {len(reads)} times"
    (demo_dir / "config.json").unlink()


@pytest.mark.parametrize("text, words", [
    ('{"text_index": "tantivy",', ["not valid JSON"]),
    ('["tantivy"]', ["JSON object"]),
    ('{"text_indx": "fts5"}', ["unknown setting 'text_indx'", "text_index"]),
    ('{"text_index_url": "localhost:9200"}', ["text_index_url", "http://"]),
    ('{"threads": 4}', ["FIGDEX_THREADS"]),
])
def test_a_malformed_config_json_is_refused_with_the_file_and_the_fix(demo_dir, text, words):
    path = demo_dir / "config.json"
    path.write_text(text)
    try:
        res = _search(demo_dir)
    finally:
        path.unlink()
    assert res.exit_code == 1 and "Traceback" not in res.output, res.output
    assert str(path) in res.output.replace("\n", ""), res.output
    for word in words:
        assert word in res.output, res.output


def test_elasticsearch_settings_do_not_ignore_a_malformed_config_json(tmp_path):
    from figdex.index.elastic import ElasticsearchIndex

    (tmp_path / "config.json").write_text('{"text_index_url": ')
    with pytest.raises(FigdexError, match="not valid JSON"):
        ElasticsearchIndex(None, tmp_path, client=object())


@pytest.mark.parametrize("var, value", [("FIGDEX_THREADS", "two"), ("FIGDEX_THREADS", "0"),
                                        ("FIGDEX_FACET_CACHE", "-1"), ("FIGDEX_EMBED_RUNTIME", "tpu"),
                                        ("FIGDEX_CLASSIFIER", "rulez")])
def test_a_bad_environment_value_is_refused_naming_the_variable(monkeypatch, var, value):
    from figdex import settings

    monkeypatch.setenv(var, value)
    name = next(s.name for s in settings.SETTINGS if s.env == var)
    with pytest.raises(FigdexError, match=var):
        settings.get(name)


def test_bad_facet_cache_value_stops_the_web_app_with_a_clear_error(demo_dir, monkeypatch):
    from figdex.cli.web.app import create_app

    monkeypatch.setenv("FIGDEX_FACET_CACHE", "lots")
    with pytest.raises(FigdexError, match="FIGDEX_FACET_CACHE"):
        create_app(demo_dir)


def test_figdex_variables_are_read_in_the_settings_module_only():
    from figdex import settings

    table = {s.env for s in settings.SETTINGS if s.env}
    readers = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("tests", "bench", "eval") or rel == Path("settings.py"):
            continue
        text = path.read_text()
        if re.search(r"environ(\.get)?[\[(]\s*[\"']FIGDEX_|envvar=\s*[\"']FIGDEX_", text):
            readers.append(str(rel))
        for name in set(re.findall(r"FIGDEX_[A-Z_]+", text)):
            assert name in table, f"{rel} names {name}, which is not in the settings table"
    assert not readers, f"FIGDEX_* read outside figdex/settings.py: {readers}"


def test_figdex_config_shows_each_value_and_its_source(demo_dir, monkeypatch):
    (demo_dir / "config.json").write_text(json.dumps({"text_index": "fts5"}))
    monkeypatch.setenv("FIGDEX_THREADS", "1")
    monkeypatch.delenv("FIGDEX_BACKEND", raising=False)
    try:
        res = CliRunner().invoke(cli, ["config", "--dataset", str(demo_dir), "--format", "json"])
    finally:
        (demo_dir / "config.json").unlink()
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert rows["text_index"]["value"] == "fts5" and rows["text_index"]["source"].endswith("config.json")
    assert rows["threads"]["value"] == 1 and rows["threads"]["source"] == "FIGDEX_THREADS"
    assert rows["embedder"]["source"] == "default" and rows["text_index"]["env"] == "FIGDEX_BACKEND"
    assert all(r["help"] for r in rows.values())
    table = CliRunner().invoke(cli, ["config", "--dataset", str(demo_dir)])
    assert table.exit_code == 0 and "FIGDEX_THREADS" in table.output


def test_a_process_default_yields_to_the_variable_and_ends_with_its_block(monkeypatch):
    # What an ingest worker does with the threads setting (ingest/executors.py).
    from figdex import settings

    monkeypatch.delenv("FIGDEX_THREADS", raising=False)
    assert settings.lookup("threads") == (2, "default")
    with settings.process_default("threads", 1):
        assert settings.lookup("threads") == (1, settings.PROCESS_SOURCE)
        monkeypatch.setenv("FIGDEX_THREADS", "4")
        assert settings.lookup("threads") == (4, "FIGDEX_THREADS")
        monkeypatch.delenv("FIGDEX_THREADS")
    assert settings.lookup("threads") == (2, "default")
    with pytest.raises(settings.SettingsError, match="threads"):
        with settings.process_default("threads", 0):
            pass
