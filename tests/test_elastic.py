"""The Elasticsearch and OpenSearch backends, over the wire, against the osmem-server emulator.

There is no Elasticsearch server or Docker here.  ``osmem-server`` (PyPI) is an in-memory
OpenSearch-compatible server; it is started on 127.0.0.1 with an ephemeral port.

* opensearch-py talks to it directly.
* The official ``elasticsearch`` client sends ``Content-Type`` / ``Accept`` as
  ``application/vnd.elasticsearch+json; compatible-with=8`` (Elasticsearch's REST
  compatibility media type), which the emulator answers with HTTP 406.  In these tests
  only, the client talks to the emulator through ``CompatProxy``, a loopback proxy that
  rewrites that media type to the plain ``application/json`` (``+x-ndjson`` to
  ``application/x-ndjson``) it stands for, and changes nothing else.  Library code is not
  touched: against a real Elasticsearch the client sends its headers unchanged.
  The proxy can also answer a request with HTTP 429, to test the bulk retries.

Tests marked ``es`` run against a real Elasticsearch at ``$FIGDEX_ES_URL``
(``docker compose up -d elasticsearch``; ``pytest -m es``) and skip without it.
The whole module skips when the emulator or a client is not installed.
"""

from __future__ import annotations

import itertools
import json

import pytest

from figdex.index import elastic
from figdex.index.es_documents import filter_clauses, like_to_wildcard, render_query
from figdex.index.query import QueryError, SearchFilters, parse_user_query

from tests.es_support import (  # noqa: F401  (fixtures are found by name)
    BACKENDS, EMBEDDED, PARITY_FILTERS, PARITY_QUERIES, CompatProxy, _alias, _all, _open, backend, emulator,
    assert_same_matches, embedded_index, es_proxy, synced,
)

# -- rendering (no server) ------------------------------------------------------------------------

def test_user_text_is_never_engine_syntax():
    q = parse_user_query('title:silver AND (gold OR "half open -x nano*')
    body = json.dumps(render_query(q, analyze=lambda text: [text.lower()]))
    assert "query_string" not in body and "simple_query_string" not in body
    assert '"title"' in body  # as a weighted field name, never from the user's "title:"
    assert render_query("caption:silver", analyze=str.split)["query_string"]["query"] == "caption:silver"


def test_like_semantics_of_journal_and_licence_filters():
    assert like_to_wildcard("nat_re%s", leading=True) == "*nat?re*s*"
    assert like_to_wildcard("a*b?c\\", leading=False) == "a\\*b\\?c\\\\*"
    clauses = filter_clauses(SearchFilters(journal=("nature", "plos"), license=("CC-BY",), label=("user:Good", "SEM")))
    assert clauses[0]["bool"]["minimum_should_match"] == 1
    assert {"term": {"label_pairs_lc": "user:good"}} in clauses
    assert {"term": {"label_values_lc": "sem"}} in clauses


# -- parity with the embedded backend on the demo corpus ------------------------------------------

@pytest.mark.parametrize("embedded_name", EMBEDDED)
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_parity_same_matches_for_every_query_and_filter(demo_ds, synced, backend_name, embedded_name):
    assert_same_matches(embedded_index(demo_ds, embedded_name), synced[backend_name])


@pytest.mark.parametrize("embedded_name", EMBEDDED)
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_parity_same_facet_counts(demo_ds, synced, backend_name, embedded_name):
    fts = embedded_index(demo_ds, embedded_name)
    remote = synced[backend_name]
    fields = ("journal", "image_class", "label", "year", "publisher", "license")
    queries = [None, *(parse_user_query(q) for q in ("silver", "nano*", "cells", "SEM OR TEM", "structure -water"))]
    for query, filters in itertools.product(queries, PARITY_FILTERS):
        assert fts.facets(query, filters, fields, 50) == remote.facets(query, filters, fields, 50), (query, filters)
    small = remote.facets(None, SearchFilters(), ["label"], 3)["label"]
    assert small == fts.facets(None, SearchFilters(), ["label"], 3)["label"] and len(small) == 3


def _clear_winner(scores, margin=0.10):
    if len(scores) == 1:
        return True
    return scores[0] > 0 and (scores[0] - scores[1]) / scores[0] >= margin


# The scoring models differ (see README "Scaling out"): FTS5's bm25() adds the column-weighted
# term frequencies of the whole row and saturates once, with one IDF and the whole row's
# length; Lucene scores each field on its own (its own IDF and length) and adds the fields.
# Where that moves a clear FTS5 winner, the query is listed here with the reason.
_KNOWN_RANKING_DIFFERENCES = {
    "SEM OR TEM": "the caption that says both SEM and TEM wins clearly in FTS5 (weighted frequencies added "
                  "before saturation); the engine ranks it 6th, below captions with the rarer 'TEM' label "
                  "(per-field IDF of the short labels field)",
    "µm": "FTS5 ranks the caption saying µm four times 10% above one saying it once; per-field "
          "saturation and length normalisation put the shorter caption 7% ahead on the engine",
}


# tantivy scores per field, as Lucene does.  Where its clear winner is not the emulator's first hit,
# it is FTS5's first hit too: the emulator's own scoring (not Lucene's BM25: its scores are a quarter
# of tantivy's and Lucene's) is the odd one out.  Measured on the demo corpus (tantivy / emulator /
# FTS5 first hit, master ids): water 25 / 9 / 25, model 2 / 5 / 2, images 42 / 52 / 42, µm 48 / 49 / 48.
_KNOWN_TANTIVY_EMULATOR_DIFFERENCES = {
    q: "the emulator ranks another image first; tantivy's first hit is FTS5's (see the comment above)"
    for q in ("water", "model", "images", "µm")
}


@pytest.mark.parametrize("embedded_name", EMBEDDED)
@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("text", PARITY_QUERIES)
def test_parity_top_hits_up_to_ties(demo_ds, synced, backend_name, embedded_name, text, request):
    """Where FTS5 has a clear winner (10% ahead of the runner-up) the engine ranks it first too;
    otherwise the top hits are near-ties for FTS5 and any order of them is the same answer
    (its whole-row length normalisation puts most scores within a few percent, and a word in
    more than half the rows scores 0 for every row).  Both engines rank the demo's top 5
    mostly alike: see the overlap test below.  tantivy scores per field as Lucene does: no known
    differences."""
    known = _KNOWN_RANKING_DIFFERENCES if embedded_name == "fts5" else _KNOWN_TANTIVY_EMULATOR_DIFFERENCES
    if text in known:
        request.applymarker(pytest.mark.xfail(strict=True, reason=known[text]))
    fts = embedded_index(demo_ds, embedded_name)
    query = parse_user_query(text)
    a, sa, _ = _all(fts, query, SearchFilters())
    b, sb, _ = _all(synced[backend_name], query, SearchFilters())
    if not a:
        assert not b
        return
    if _clear_winner(sa) and not query.groups[0][0].prefix:  # prefixes score constant on the engine
        assert b[0] == a[0]
    # Up to ties: the engine's first hit is one FTS5 scores within 10% of its best.
    near_ties = {i for i, s in zip(a, sa) if s >= sa[0] * 0.9}
    assert b[0] in near_ties


@pytest.mark.parametrize("embedded_name", EMBEDDED)
@pytest.mark.parametrize("backend_name", BACKENDS)
def test_parity_top5_overlap(demo_ds, synced, backend_name, embedded_name):
    fts = embedded_index(demo_ds, embedded_name)
    overlaps, firsts = [], []
    for text in PARITY_QUERIES:
        a, _, _ = _all(fts, parse_user_query(text), SearchFilters())
        b, _, _ = _all(synced[backend_name], parse_user_query(text), SearchFilters())
        if a:
            overlaps.append(len(set(a[:5]) & set(b[:5])) / min(5, len(a)))
            firsts.append(b[0] in a[:3])
    # Measured on the demo corpus (36 queries with hits): mean top-5 overlap 0.85, the engine's first
    # hit in FTS5's top 3 for 32, the same first hit for 23.  A regression in query rendering (a
    # field or a weight lost) drops these.
    assert sum(overlaps) / len(overlaps) >= 0.8
    assert sum(firsts) / len(firsts) >= 0.75


def test_search_results_are_the_same_objects(demo_ds, synced):
    from figdex.retrieval.search import search

    embedded = search(demo_ds, '"scanning electron microscopy"', limit=5)
    for index in synced.values():
        remote = search(demo_ds, '"scanning electron microscopy"', limit=5, index=index)
        assert [h.id for h in remote.hits] == [h.id for h in embedded.hits] and remote.total == embedded.total
        assert "<mark>" in remote.hits[0].snippet
        first, other = remote.hits[0].__dict__, embedded.hits[0].__dict__
        assert {k: v for k, v in first.items() if k not in ("score", "snippet")} == \
               {k: v for k, v in other.items() if k not in ("score", "snippet")}


def test_paging_and_deep_pages(demo_ds, synced, monkeypatch):
    index = synced["opensearch"]
    query = parse_user_query("the")
    everything, _, total = _all(index, query, SearchFilters())
    assert total > 20
    page, _ = index.search(query, SearchFilters(), 5, 10)
    assert [h.master_id for h in page] == everything[10:15]
    monkeypatch.setattr(elastic, "MAX_WINDOW", 7)  # walk with search_after past the window
    deep, deep_total = index.search(query, SearchFilters(), 5, 10)
    assert [h.master_id for h in deep] == everything[10:15] and deep_total == total


HOSTILE = ['TEM (unbalanced', 'TEM "unbalanced quote', "title:silver", "^silver", "silver)))", "{silver nanoparticle}",
           "col1 : col2", "a" * 20000, "silver " * 5000, 'caption:"x" AND _exists_:doi', "µm Å 200\u2009nm", "*:*"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_reach_the_engine_as_syntax(demo_ds, synced, text):
    from figdex.retrieval.search import search

    for index in synced.values():
        try:
            result = search(demo_ds, text, limit=3, index=index)
        except QueryError as exc:
            assert "word" in str(exc) or "term" in str(exc)
            continue
        assert result.total == search(demo_ds, text, limit=3).total


def test_raw_mode_is_query_string(demo_ds, synced):
    from figdex.retrieval.search import search

    for index in synced.values():
        assert search(demo_ds, "caption:streaming AND title:*", raw=True, index=index).total > 0
        with pytest.raises(QueryError, match="raw .* query rejected"):
            search(demo_ds, "caption:(silver AND", raw=True, index=index)




def test_search_without_snippets_ranks_the_same_on_the_engine(synced):
    for index in synced.values():
        query = parse_user_query("silver nanoparticles")
        marked, total = index.search(query, SearchFilters(), 10)
        bare, bare_total = index.search(query, SearchFilters(), 10, snippets=False)
        assert total == bare_total > 0 and all(h.snippet == "" for h in bare)
        assert [h.master_id for h in bare] == [h.master_id for h in marked]
