"""A filter value the dataset cannot have (a misspelt class, publisher or label kind) is refused
with the valid ones instead of silently matching nothing; a search term that starts with '-'
is taken by click as an option, and its error says that `--` ends the options (issue #16.10)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.query import QueryError, SearchFilters
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """The demo corpus; a few images classed as microscopy (the demo is ingested without separation)."""
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths

    root = tmp_path_factory.mktemp("filters") / "ds"
    with Dataset.open(root, create=True) as ds:
        ingest_paths(ds, [DEMO])
        with ds.transaction() as conn:
            conn.execute("UPDATE master_images SET image_class = 'microscopy' WHERE id IN "
                         "(SELECT id FROM master_images ORDER BY id LIMIT 5)")
    return root


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_unknown_class_is_refused_with_the_valid_ones(demo_dir):
    res = run("search", "silver", "--dataset", demo_dir, "--class", "microscopie")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "microscopie" in res.output and "microscopy" in res.output and "unclassified" in res.output
    ok = run("search", "silver", "--dataset", demo_dir, "--class", "microscopy", "--class", "unclassified")
    assert ok.exit_code == 0, ok.output


def test_unknown_publisher_is_refused_with_the_valid_ones(demo_dir):
    res = run("search", "silver", "--dataset", demo_dir, "--publisher", "natur")
    assert res.exit_code == 1 and "'natur'" in res.output and "acs, nature, pmc" in res.output
    assert run("search", "silver", "--dataset", demo_dir, "--publisher", "nature").exit_code == 0


def test_unknown_label_kind_is_refused_with_the_valid_ones(demo_dir):
    res = run("search", "silver", "--dataset", demo_dir, "--with-label", "terms:silver")
    assert res.exit_code == 1 and "'terms'" in res.output and "term" in res.output and "caption" in res.output


def test_export_and_browse_refuse_them_too(demo_dir, tmp_path):
    res = run("export", "--dataset", demo_dir, "--out", tmp_path / "o", "--class", "microscopie")
    assert res.exit_code == 1 and "microscopy" in res.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_the_library_refuses_them(demo_dir):
    from figdex.index.db import Dataset
    from figdex.retrieval.search import browse, facet_counts, search

    with Dataset.open(demo_dir, create=False) as ds:
        bad = SearchFilters(image_class=("microscopie",))
        for call in (lambda: search(ds, "silver", bad), lambda: browse(ds, bad),
                     lambda: facet_counts(ds, "silver", bad)):
            with pytest.raises(QueryError, match="microscopy"):
                call()


def test_web_answers_400_with_the_valid_ones(demo_dir):
    from figdex.cli.web.app import create_app

    res = create_app(demo_dir).test_client().get("/api/search?q=silver&class=microscopie")
    assert res.status_code == 400 and "microscopy" in res.get_json()["error"]


def test_a_term_starting_with_a_dash_says_that_double_dash_ends_the_options(demo_dir):
    res = run("search", "-TEM", "--dataset", demo_dir)
    assert res.exit_code == 2
    assert "--" in res.output.split("No such option")[-1] and "figdex search -- " in res.output
    res = run("search", "--dataset", demo_dir, "--", "silver -TEM")
    assert res.exit_code == 0, res.output


def test_readme_says_that_double_dash_ends_the_options():
    from tests.conftest import REPO

    text = (REPO / "README.md").read_text()
    assert "figdex search -- " in text


def test_a_known_class_the_dataset_has_none_of_matches_nothing_and_the_list_follows_the_classifier(demo_dir):
    from figdex.index.query import IMAGE_CLASSES
    from figdex.models.classify import CLASSES

    assert set(CLASSES) | {"unclassified"} == set(IMAGE_CLASSES)
    res = run("search", "silver", "--dataset", demo_dir, "--class", "diffraction", "--format", "jsonl")
    assert res.exit_code == 0 and res.stdout == ""
