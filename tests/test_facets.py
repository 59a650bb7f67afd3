"""Facets on the embedded indexes (tantivy, FTS5): counts per journal, class, label and year over the matching set."""

import json

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from tests.es_support import EMBEDDED, embedded_index
from figdex.index.query import QueryError, SearchFilters, parse_user_query
from figdex.retrieval.search import facet_counts, search


def _brute_force(ds, query, filters, field, index):
    """Facet counts computed the slow way: every hit of the search, counted in Python."""
    result = search(ds, query, filters, limit=10000, index=index)
    counts = {}
    for hit in result.hits:
        values = list(hit.labels) if field == "label" else [getattr(hit, field)]
        for value in values:
            if value is not None:
                counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


@pytest.mark.parametrize("query,filters", [
    ("silver", SearchFilters()),
    ("nano*", SearchFilters()),
    ("microscopy OR spectra", SearchFilters(year_min=2012)),
    ("cells", SearchFilters(journal=("plos",))),
    ("structure", SearchFilters(license=("CC-BY-4",), has_image=True)),
])
@pytest.mark.parametrize("embedded_name", EMBEDDED)
def test_facets_count_the_matching_set(demo_ds, query, filters, embedded_name):
    index = embedded_index(demo_ds, embedded_name)
    facets = facet_counts(demo_ds, query, filters, ("journal", "image_class", "label", "year", "publisher"),
                          size=1000, index=index)
    assert set(facets) == {"journal", "image_class", "label", "year", "publisher"}
    for field in facets:
        assert facets[field] == _brute_force(demo_ds, query, filters, field, index), field
    total = search(demo_ds, query, filters, index=index).total
    assert sum(n for _, n in facets["journal"]) == total  # every demo article has a journal


@pytest.mark.parametrize("embedded_name", EMBEDDED)
def test_facets_without_query_count_everything_the_filters_pass(demo_ds, embedded_name):
    index = embedded_index(demo_ds, embedded_name)
    everything = index.facets(None, SearchFilters(), ["year"], size=100)
    n = demo_ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    assert sum(c for _, c in everything["year"]) == n
    recent = index.facets(None, SearchFilters(year_min=2020), ["year"], size=100)
    assert recent["year"] and all(y >= 2020 for y, _ in recent["year"])


@pytest.mark.parametrize("embedded_name", EMBEDDED)
def test_facet_order_size_and_names(demo_ds, embedded_name):
    index = embedded_index(demo_ds, embedded_name)
    facets = index.facets(parse_user_query("the"), SearchFilters(), ["class", "label"], size=3)
    assert list(facets) == ["image_class", "label"]
    assert len(facets["label"]) == 3
    counts = [n for _, n in facets["label"]]
    assert counts == sorted(counts, reverse=True)
    with pytest.raises(QueryError, match="valid facets"):
        index.facets(parse_user_query("the"), SearchFilters(), ["colour"])


@pytest.mark.parametrize("embedded_name,raw,bad", [("fts5", "subcaption: streaming", "NEAR("),
                                                    ("tantivy", "subcaption:streaming", "subcaption:(")])
def test_raw_facets_and_errors(demo_ds, embedded_name, raw, bad):
    index = embedded_index(demo_ds, embedded_name)
    assert index.facets(raw, SearchFilters(), ["journal"])["journal"]
    with pytest.raises(QueryError, match=f"raw {index.name if index.name == 'tantivy' else 'FTS5'} query rejected"):
        index.facets(bad, SearchFilters(), ["journal"])


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths
    from tests.conftest import DEMO

    root = tmp_path_factory.mktemp("facets") / "ds"
    with Dataset.open(root) as ds:
        ingest_paths(ds, [DEMO])
    return root


def test_cli_facets_table_goes_to_stderr(demo_dir):
    res = CliRunner().invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--facets"])
    assert res.exit_code == 0, res.output
    assert "journal: Nature Communications (10)" in res.stderr
    assert "journal:" not in res.stdout


def test_cli_facets_json_is_a_second_object(demo_dir):
    res = CliRunner().invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--format", "json", "--facets",
                                   "--facet-size", "2"])
    assert res.exit_code == 0, res.output
    decoder = json.JSONDecoder()
    hits, end = decoder.raw_decode(res.stdout)
    facets, _ = decoder.raw_decode(res.stdout[end:].lstrip())
    assert isinstance(hits, list) and len(hits) == 10
    assert facets["total"] == 10
    assert facets["facets"]["journal"] == [{"value": "Nature Communications", "count": 10}]
    assert len(facets["facets"]["label"]) == 2


def test_cli_jsonl_with_facets_keeps_stdout_to_hits(demo_dir):
    res = CliRunner().invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--format", "jsonl", "--facets"])
    assert res.exit_code == 0, res.output
    assert all("id" in json.loads(line) for line in res.stdout.splitlines())
    assert "year:" in res.stderr


def test_cli_sync_on_the_embedded_backend_says_nothing_to_do(demo_dir):
    res = CliRunner().invoke(cli, ["index", "sync", "--dataset", str(demo_dir)], env={"FIGDEX_BACKEND": "fts5"})
    assert res.exit_code == 0 and "nothing to sync" in res.stderr


def test_cli_unknown_backend_lists_the_names(demo_dir):
    res = CliRunner().invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--backend", "lucene"])
    assert res.exit_code == 1
    assert "elasticsearch" in res.output and "opensearch" in res.output and "fts5" in res.output
