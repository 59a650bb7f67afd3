"""One error base (figdex.errors.FigdexError) carrying its exit status and HTTP status: every
exception class figdex defines derives from it, the CLI renders it in one place and the web app
in one handler (issue #16.9)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import figdex
from figdex.cli.main import cli
from tests.conftest import DEMO

# Packages whose modules are the library, the CLI and the web app (bench/ and eval/ are scripts).
PACKAGES = ("index", "ingest", "retrieval", "models", "cli")


def _figdex_modules():
    yield importlib.import_module("figdex.settings")
    for pkg in PACKAGES:
        mod = importlib.import_module(f"figdex.{pkg}")
        yield mod
        for info in pkgutil.walk_packages(mod.__path__, prefix=f"figdex.{pkg}."):
            yield importlib.import_module(info.name)


def test_every_exception_class_of_figdex_derives_from_the_one_base():
    from figdex.errors import FigdexError

    found, stray = [], []
    for mod in _figdex_modules():
        for name, obj in vars(mod).items():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == mod.__name__:
                found.append(f"{mod.__name__}.{name}")
                if not issubclass(obj, FigdexError):
                    stray.append(f"{mod.__name__}.{name}")
    assert len(found) >= 22, found  # the issue counted 22 classes; none may be missed by the walk
    assert not stray, f"exception classes not derived from FigdexError: {stray}"


def test_each_error_carries_an_exit_status_and_an_http_status():
    from figdex.errors import FigdexError
    from figdex.index.fulltext import TextIndexError
    from figdex.index.query import QueryError

    assert FigdexError.exit_code == 1 and FigdexError.http_status == 400
    assert QueryError.http_status == 400 and issubclass(QueryError, ValueError)  # `except ValueError` still works
    assert TextIndexError.http_status == 503 and issubclass(TextIndexError, RuntimeError)


@pytest.fixture(scope="module")
def es_dataset(tmp_path_factory):
    """The demo corpus in a dataset whose config.json says its text index is Elasticsearch."""
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("errors") / "ds"
    with Dataset.open(root, create=True) as ds:
        ingest_paths(ds, [DEMO])
        ds.set_config(text_index="elasticsearch")
    return root


@pytest.fixture
def no_es_client(monkeypatch):
    """As if the optional elasticsearch client were not installed (None in sys.modules: ImportError)."""
    monkeypatch.setitem(sys.modules, "elasticsearch", None)


def test_cli_export_query_without_the_es_client_is_one_line_not_a_traceback(es_dataset, no_es_client, tmp_path):
    res = CliRunner().invoke(cli, ["export", "--dataset", str(es_dataset), "--query", "silver",
                                   "--out", str(tmp_path / "out")])
    assert res.exit_code == 1, res.output
    assert "pip install 'figdex[es]'" in res.output and "Traceback" not in res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit)


def test_web_search_without_the_es_client_is_503_with_the_message(es_dataset, no_es_client):
    from figdex.cli.web.app import create_app

    client = create_app(es_dataset).test_client()
    res = client.get("/api/search?q=silver")
    assert res.status_code == 503, res.get_data(as_text=True)
    assert "pip install 'figdex[es]'" in res.get_json()["error"]


def test_web_unknown_image_is_404_and_bad_query_400(es_dataset):
    from figdex.cli.web.app import create_app

    client = create_app(es_dataset).test_client()
    res = client.get("/api/images/nope-0")
    assert res.status_code == 404 and "no image with id" in res.get_json()["error"]
    res = client.get("/api/search?q=silver&year_min=abc")
    assert res.status_code == 400 and "year_min" in res.get_json()["error"]


def test_cli_renders_figdex_errors_in_one_place():
    """The per-command try/except mappings are gone: only the group's entry point catches FigdexError."""
    root = Path(figdex.__file__).parent / "cli"
    offenders = []
    for path in root.rglob("*.py"):
        text = path.read_text()
        for needle in ("raise click.ClickException(str(exc))", "except _errors()", "user_errors()"):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert not offenders, offenders
