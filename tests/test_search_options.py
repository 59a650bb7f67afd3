"""Issue #16, item 7: `search TEXT --like ID` honours every option of keyword search, and raw
queries that the engine refuses are a clear error, never a traceback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.db import Dataset
from figdex.index.fulltext import open_text_index
from figdex.index.query import QueryError
from figdex.ingest.embed import embed_dataset
from figdex.ingest.pipeline import ingest_paths
from figdex.retrieval.search import facet_counts, search
from figdex.retrieval.similar import hybrid
from tests.conftest import DEMO
from tests.es_support import embedded_index


@pytest.fixture(scope="module")
def vdir(tmp_path_factory):
    """The demo's Nature pages with their figures, tantivy as configured, FTS5 built beside it, vectors."""
    root = tmp_path_factory.mktemp("hyb") / "ds"
    with Dataset.open(root) as ds:
        ingest_paths(ds, [DEMO / "nature"])
        open_text_index(ds, "fts5").rebuild()
        ds.set_config(embedder="thumbnail-16")
        embed_dataset(ds)
    return root


@pytest.fixture(scope="module")
def like(vdir):
    with Dataset.open(vdir, create=False) as ds:
        return ds.conn.execute("SELECT m.uid FROM master_images m JOIN embeddings e ON e.master_image_id = m.id "
                               "ORDER BY m.id LIMIT 1").fetchone()[0]


def run(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    return res


def rows(res):
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_hybrid_ranks_text_with_the_backend_asked_for(vdir, like):
    """tantivy and FTS5 order "TEM" differently; each hybrid text rank must be that backend's rank."""
    for backend in ("fts5", "tantivy"):
        plain = [r["id"] for r in rows(run("search", "TEM", "--backend", backend, "--k", 50, "--dataset", vdir,
                                           "--format", "jsonl"))]
        fused = rows(run("search", "TEM", "--like", like, "--backend", backend, "--k", 50, "--explain",
                         "--dataset", vdir, "--format", "jsonl"))
        ranked = [r for r in fused if "text_rank" in r["explain"]]
        assert len(ranked) == len(plain) > 3
        assert all(plain[r["explain"]["text_rank"] - 1] == r["id"] for r in ranked), backend


def test_hybrid_passes_the_url_to_the_backend(vdir, like):
    res = run("search", "TEM", "--like", like, "--backend", "opensearch", "--url", "http://127.0.0.1:1",
              "--dataset", vdir)
    assert res.exit_code == 1 and "cannot reach OpenSearch at http://127.0.0.1:1" in res.output


def test_hybrid_raw_query_is_engine_syntax(vdir, like):
    fused = rows(run("search", "title:silver", "--raw", "--like", like, "--k", 50, "--explain", "--dataset", vdir,
                     "--format", "jsonl"))
    plain = rows(run("search", "title:silver", "--raw", "--k", 50, "--dataset", vdir, "--format", "jsonl"))
    assert plain and {r["id"] for r in fused if "text_rank" in r["explain"]} == {r["id"] for r in plain}
    bad = run("search", "title:(", "--raw", "--like", like, "--dataset", vdir)
    assert bad.exit_code == 1 and "raw tantivy query rejected" in bad.output


def test_hybrid_pages_with_offset(vdir, like):
    whole = [r["id"] for r in rows(run("search", "nanoparticles", "--like", like, "--k", 6, "--dataset", vdir,
                                       "--format", "jsonl"))]
    page = [r["id"] for r in rows(run("search", "nanoparticles", "--like", like, "--k", 3, "--offset", 3,
                                      "--dataset", vdir, "--format", "jsonl"))]
    assert len(whole) == 6 and page == whole[3:]


def test_hybrid_counts_facets_like_keyword_search(vdir, like):
    plain = run("search", "silver", "--facets", "--dataset", vdir)
    fused = run("search", "silver", "--like", like, "--facets", "--dataset", vdir)
    assert fused.exit_code == 0, fused.output
    facet_lines = [line for line in plain.stderr.splitlines() if line.startswith(("journal:", "year:"))]
    assert facet_lines and all(line in fused.stderr.splitlines() for line in facet_lines)


def test_hybrid_library_call_takes_the_same_index_and_options(vdir, like):
    with Dataset.open(vdir, create=False) as ds:
        fts5 = open_text_index(ds, "fts5")
        text = [h.id for h in search(ds, "TEM", limit=50, index=fts5).hits]
        result = hybrid(ds, "TEM", like, limit=50, index=fts5)
        assert result.text_total == len(text)
        assert all(text[h.explain["text_rank"] - 1] == h.hit.id for h in result.hits if "text_rank" in h.explain)


# -- raw queries the engine refuses ------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["caption:*", "subcaption:* AND silver", "abstract:* OR silver"])
def test_raw_tantivy_schema_errors_are_query_errors(demo_ds, raw):
    index = open_text_index(demo_ds, "tantivy")
    with pytest.raises(QueryError, match="raw tantivy query rejected"):
        search(demo_ds, raw, raw=True, index=index)  # before: ValueError "not a fast field" from the searcher
    with pytest.raises(QueryError, match="raw tantivy query rejected"):
        facet_counts(demo_ds, raw, raw=True, index=index)


@pytest.mark.parametrize("raw", ["silver \udcff", "\ud800", "caption: \udcfe\udcff"])
def test_raw_fts5_query_with_undecodable_bytes_is_a_query_error(demo_ds, raw):
    index = open_text_index(demo_ds, "fts5")
    index.rebuild()
    with pytest.raises(QueryError, match="not valid UTF-8"):
        search(demo_ds, raw, raw=True, index=index)  # before: UnicodeEncodeError from sqlite3
    with pytest.raises(QueryError, match="not valid UTF-8"):
        facet_counts(demo_ds, raw, raw=True, index=index)


@pytest.mark.parametrize("backend", ["tantivy", "fts5"])
def test_raw_queries_past_the_query_limit_are_refused_not_cut(demo_ds, backend):
    """Cutting raw syntax would change its meaning; the engines' cost grows with its clauses."""
    index = embedded_index(demo_ds, backend)
    assert search(demo_ds, "silver " * 285, raw=True, index=index).total > 0  # 1,995 characters
    with pytest.raises(QueryError, match="the raw query has 2100 characters; give at most 2000"):
        search(demo_ds, "silver " * 300, raw=True, index=index)


def test_cli_raw_errors_exit_1_without_a_traceback(vdir):
    for args in (["caption:*", "--raw"], ["silver \udcff", "--raw", "--backend", "fts5"]):
        res = run("search", *args, "--dataset", vdir)
        assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.output
        assert "Error: raw" in res.output or "Error: the raw query" in res.output


# -- fused searches match at panel level as keyword search does ----------------------------------------

def test_fused_searches_rank_keywords_at_panel_level_as_keyword_search(vdir, like):
    """`search --mode hybrid` and `search --like` took every panel of a figure whose caption has the
    query into their keyword ranking, even with a class filter, where keyword search takes only the
    panels whose own text has it: a schematic or an HRTEM panel beside one SEM panel ranked for SEM."""
    from figdex.index.query import SearchFilters
    from figdex.ingest.text_embed import embed_texts
    from figdex.retrieval.semantic import text_search
    from tests.test_export import _split_figure_one

    with Dataset.open(vdir, create=False) as ds:
        (_, sem, hrtem), ids = _split_figure_one(ds)
        try:
            embed_texts(ds)
            micro = SearchFilters(image_class=("microscopy",))

            def keyword_ranked(hits, key):
                return {h.hit.id for h in hits if key in h.explain} & {sem, hrtem}

            assert keyword_ranked(text_search(ds, "SEM", micro, mode="hybrid", limit=50).hits, "bm25_rank") == {sem}
            assert keyword_ranked(text_search(ds, "SEM", micro, mode="hybrid", limit=50, match="figure").hits,
                                  "bm25_rank") == {sem, hrtem}
            assert [h.hit.id for h in text_search(ds, "SEM", micro, mode="bm25").hits] == \
                [h.id for h in search(ds, "SEM", micro).hits] == [sem]
            assert keyword_ranked(hybrid(ds, "SEM", like, filters=micro, limit=50).hits, "text_rank") == {sem}
            assert keyword_ranked(hybrid(ds, "SEM", like, filters=micro, limit=50, match="figure").hits,
                                  "text_rank") == {sem, hrtem}
        finally:
            marks = ",".join("?" * len(ids))
            with ds.transaction() as conn:
                conn.execute(f"DELETE FROM master_images WHERE id IN ({marks})", ids)
