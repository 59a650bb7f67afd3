import json

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.query import QueryError, SearchFilters, parse_user_query
from figdex.retrieval.search import search


def ids(result):
    return [h.id for h in result.hits]


def test_phrase_ranks_the_panel_that_says_it_first(demo_ds):
    result = search(demo_ds, '"scanning electron microscopy"', limit=5)
    assert result.total >= 2
    assert set(ids(result)[:2]) == {"10.1038-s41467-018-06211-3-fig1-0", "10.1038-s41467-018-06297-9-fig2-0"}
    assert "<mark>" in result.hits[0].snippet


def test_caption_match_beats_abstract_only_match(demo_ds):
    # "streaming potential" is in the captions of the ESEM article's figures 1-3 and its abstract;
    # figure 4's caption does not say it, so it must rank below the three that do.
    result = search(demo_ds, "streaming potential", limit=10)
    top = ids(result)[:3]
    assert all(i.startswith("10.1038-s41467-018-06297-9-fig") for i in top)
    assert "10.1038-s41467-018-06297-9-fig4-0" not in top


def test_stemming_and_prefix(demo_ds):
    assert search(demo_ds, "nanoparticle").total == search(demo_ds, "nanoparticles").total > 0
    assert search(demo_ds, "nano*").total >= search(demo_ds, "nanoparticles").total


def test_or_and_exclusion(demo_ds):
    a = search(demo_ds, "dislocation", limit=100).total
    b = search(demo_ds, "switching", limit=100).total
    both = search(demo_ds, "dislocation OR switching", limit=100).total
    assert a > 0 and b > 0 and max(a, b) <= both <= a + b
    without = search(demo_ds, "silver -dislocation", limit=100)
    assert without.total < search(demo_ds, "silver", limit=100).total
    assert not any("dislocation" in (h.caption + h.title).lower() for h in without.hits if "fig1-0" in h.id
                   and h.doi == "10.1038/s41467-018-06211-3")


def test_filters(demo_ds):
    everything = search(demo_ds, "silver", limit=100)
    recent = search(demo_ds, "silver", SearchFilters(year_min=2018), limit=100)
    assert 0 < recent.total < everything.total and all(h.year >= 2018 for h in recent.hits)
    sr = search(demo_ds, "nanoparticles", SearchFilters(journal=("scientific reports",)), limit=100)
    assert sr.total > 0 and all(h.journal == "Scientific Reports" for h in sr.hits)
    with_image = search(demo_ds, "silver", SearchFilters(has_image=True), limit=100)
    assert with_image.total > 0 and all(h.image for h in with_image.hits)
    assert search(demo_ds, "silver", SearchFilters(license=("CC-BY-NC",)), limit=100).total == 0
    assert search(demo_ds, "silver", SearchFilters(open_access=False), limit=100).total == 0
    assert search(demo_ds, "silver", SearchFilters(has_scale=True)).total == 0  # no scales before issue 5
    assert search(demo_ds, "silver", SearchFilters(image_class=("microscopy",))).total == 0


def test_label_filter(demo_ds):
    mid = demo_ds.master_id("10.1038-srep23945-fig1-0")
    with demo_ds.transaction():
        demo_ds.add_label(mid, "user", "memristor-device")
    try:
        hits = search(demo_ds, "switching", SearchFilters(label=("memristor-device",)), limit=10)
        assert ids(hits) == ["10.1038-srep23945-fig1-0"]
        assert search(demo_ds, "switching", SearchFilters(label=("user:memristor-device",))).total == 1
        assert search(demo_ds, "switching", SearchFilters(label=("topic:memristor-device",))).total == 0
    finally:
        with demo_ds.transaction():
            demo_ds.remove_label(mid, "user", "memristor-device")


def test_paging_is_consistent(demo_ds):
    all_hits = ids(search(demo_ds, "silver", limit=20))
    page2 = ids(search(demo_ds, "silver", limit=5, offset=5))
    assert page2 == all_hits[5:10]


HOSTILE = [
    'TEM (unbalanced',
    'TEM "unbalanced quote',
    'NEAR(silver nanoparticle',
    "silver AND OR NOT",
    "title:silver",
    "^silver",
    "'; DROP TABLE articles; --",
    "silver)))",
    "***",
    "\"\"",
    "µm Å 200\u2009nm",
    "silver " * 5000,
    "a" * 20000,
    "{silver nanoparticle}",
    "col1 : col2",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_reach_the_engine_as_syntax(demo_ds, query):
    try:
        result = search(demo_ds, query, limit=5)
    except QueryError as exc:
        assert "word" in str(exc) or "term" in str(exc)
        return
    assert result.total >= 0
    assert demo_ds.conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 0


def test_long_query_is_cut_with_a_warning():
    parsed = parse_user_query("silver " * 5000)
    assert len(parsed.groups) == 32 and parsed.warnings


def test_only_exclusions_is_an_error():
    with pytest.raises(QueryError):
        parse_user_query("-silver -gold")


@pytest.mark.parametrize("embedded_name,raw,bad,message", [
    ("fts5", "subcaption: streaming", "NEAR(", "raw FTS5 query rejected"),
    ("tantivy", "subcaption:streaming", "subcaption:(", "raw tantivy query rejected"),
])
def test_raw_mode_passes_syntax_and_reports_errors(demo_ds, embedded_name, raw, bad, message):
    from tests.es_support import embedded_index

    index = embedded_index(demo_ds, embedded_name)
    result = search(demo_ds, raw, raw=True, index=index)
    assert result.total == search(demo_ds, "streaming", index=index).total - 1 > 0  # one says it in the title only
    with pytest.raises(QueryError, match=message):
        search(demo_ds, bad, raw=True, index=index)


@pytest.mark.parametrize("embedded_name", ["tantivy", "fts5"])
def test_index_rebuild_gives_the_same_results(demo_ds, embedded_name):
    from tests.es_support import embedded_index

    index = embedded_index(demo_ds, embedded_name)
    before = search(demo_ds, "silver nanoparticles", limit=10, index=index)
    n = index.rebuild()
    assert n == demo_ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    after = search(demo_ds, "silver nanoparticles", limit=10, index=index)
    assert [(h.id, h.snippet) for h in after.hits] == [(h.id, h.snippet) for h in before.hits]
    # tantivy's BM25 statistics count replaced documents until their segment is merged: the scores of
    # an index updated in place move a little when it is rebuilt (FTS5's do not).
    assert [h.score for h in after.hits] == pytest.approx([h.score for h in before.hits], rel=0.05)


def test_unknown_text_index_lists_valid_names(demo_ds):
    from figdex.index.fulltext import UnknownBackendError, create_text_index

    with pytest.raises(UnknownBackendError, match="valid names: .*fts5"):
        create_text_index("lucene", demo_ds.conn)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths
    from tests.conftest import DEMO

    root = tmp_path_factory.mktemp("cli") / "ds"
    with Dataset.open(root) as ds:
        ingest_paths(ds, [DEMO / "nature"])
    return root


def test_cli_jsonl_contract(demo_dir):
    res = CliRunner().invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--format", "jsonl", "--limit", "4"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 4
    for line in lines:
        row = json.loads(line)
        assert {"id", "score", "doi", "figure", "label", "caption", "image"} <= row.keys()
    scores = [json.loads(line)["score"] for line in lines]
    assert scores == sorted(scores, reverse=True)


def test_cli_csv_and_table(demo_dir):
    res = CliRunner().invoke(cli, ["search", "silver", "--dataset", str(demo_dir), "--format", "csv"])
    assert res.exit_code == 0 and res.stdout.splitlines()[0].startswith("id,score,doi,figure,label")
    res = CliRunner().invoke(cli, ["search", "silver", "--dataset", str(demo_dir)])
    assert res.exit_code == 0 and "10.1038-" in res.stdout


def test_cli_errors_are_one_line_without_traceback(tmp_path, demo_dir):
    res = CliRunner().invoke(cli, ["search", "x", "--dataset", str(tmp_path / "none")])
    assert res.exit_code == 1 and "figdex ingest" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(cli, ["search", "subcaption:(", "--raw", "--dataset", str(demo_dir)])
    assert res.exit_code == 1 and "raw tantivy query rejected" in res.output
    res = CliRunner().invoke(cli, ["ingest", str(tmp_path / "nope"), "--dataset", str(tmp_path / "d")])
    assert res.exit_code == 1 and "no such file or folder" in res.output


# -- FTS5: the index stays in step with master_images, so an unfiltered search reads it alone -------

TRIGGER = "fts_master_master_deleted"


@pytest.fixture
def nature_ds(ds):
    """The demo's nature articles in a dataset whose text index is FTS5."""
    from figdex.ingest.pipeline import ingest_paths
    from tests.conftest import DEMO

    ds.set_config(text_index="fts5")
    ingest_paths(ds, [DEMO / "nature"])
    return ds


def _pages(ds, queries=("silver", "nano*", '"scanning electron microscopy"', "dislocation OR switching",
                        "silver -dislocation", "the", "zzzunknown")):
    out = []
    for q in queries:
        for limit, offset in ((10, 0), (3, 2), (5, 1000)):
            r = search(ds, q, limit=limit, offset=offset)
            out.append((q, limit, offset, r.total, [(h.id, h.score, h.snippet) for h in r.hits]))
    return out


def _index_rows(ds, master_id):
    return ds.conn.execute("SELECT count(*) FROM fts_master WHERE rowid = ?", (master_id,)).fetchone()[0]


def test_unfiltered_search_without_the_join_gives_the_same_results(nature_ds):
    from figdex.index.fulltext import create_text_index

    assert create_text_index("fts5", nature_ds.conn)._in_step()  # ingest made the trigger
    fast = _pages(nature_ds)
    with nature_ds.transaction() as conn:
        conn.execute(f"DROP TRIGGER {TRIGGER}")  # as an index written before the trigger existed
    assert not create_text_index("fts5", nature_ds.conn)._in_step()
    assert _pages(nature_ds) == fast
    assert any(total > 3 for _, _, _, total, _ in fast)


def test_deleting_a_master_or_its_figure_removes_its_index_row(nature_ds):
    from tests.conftest import delete_two_hits

    before, first, second, mid, fig_mid = delete_two_hits(nature_ds)
    assert _index_rows(nature_ds, mid) == _index_rows(nature_ds, fig_mid) == 0
    after = search(nature_ds, "silver", limit=100)
    assert after.total == before.total - 2
    assert ids(after) == [i for i in ids(before) if i not in (first, second)]


def test_an_index_without_the_trigger_drops_gone_masters_and_is_repaired_by_update(nature_ds):
    from figdex.index.fulltext import create_text_index

    before = search(nature_ds, "silver", limit=100)
    gone = before.hits[0].id
    mid = nature_ds.master_id(gone)
    with nature_ds.transaction() as conn:
        conn.execute(f"DROP TRIGGER {TRIGGER}")
        conn.execute("DELETE FROM master_images WHERE id = ?", (mid,))
    assert _index_rows(nature_ds, mid) == 1  # a row whose image is gone
    stale = search(nature_ds, "silver", limit=100)  # the join leaves it out
    assert stale.total == before.total - 1 and gone not in ids(stale)
    with nature_ds.transaction():
        create_text_index("fts5", nature_ds.conn).update([])
    assert _index_rows(nature_ds, mid) == 0
    assert create_text_index("fts5", nature_ds.conn)._in_step()
    repaired = search(nature_ds, "silver", limit=100)
    assert (repaired.total, ids(repaired)) == (stale.total, ids(stale))


def test_rebuild_keeps_the_trigger_and_masters_can_still_be_deleted(nature_ds):
    from figdex.index.fulltext import create_text_index

    before = _pages(nature_ds)
    index = create_text_index("fts5", nature_ds.conn)
    index.rebuild()
    assert index._in_step() and _pages(nature_ds) == before
    mid = nature_ds.master_id(search(nature_ds, "silver").hits[0].id)
    with nature_ds.transaction() as conn:
        conn.execute("DELETE FROM master_images WHERE id = ?", (mid,))
    assert _index_rows(nature_ds, mid) == 0


@pytest.mark.parametrize("query,raw", [("silver", False), ("nano*", False), ("title: silver", True),
                                       ("abstract: microscopy", True), ("labels: microscopy OR silver", True)])
def test_snippet_is_the_first_column_with_a_match_else_the_first_with_text(demo_ds, query, raw):
    """Snippets are asked column by column; the choice is the one over all five columns at once."""
    from figdex.index.fulltext import fts5_expression

    from tests.es_support import embedded_index

    expr = query if raw else fts5_expression(parse_user_query(query))
    result = search(demo_ds, query, raw=raw, limit=20, index=embedded_index(demo_ds, "fts5"))
    assert result.hits
    order = ("subcaption", "caption", "labels", "title", "abstract")
    from figdex.index.documents import TEXT_FIELDS

    columns = ", ".join(f"snippet(fts_master, {list(TEXT_FIELDS).index(c)}, '<mark>', '</mark>', '…', 16)"
                        for c in order)
    for hit in result.hits:
        candidates = demo_ds.conn.execute(
            f"SELECT {columns} FROM fts_master WHERE fts_master MATCH ? AND rowid = ?",
            (expr, demo_ds.master_id(hit.id))).fetchone()
        marked = [s for s in candidates if s and "<mark>" in s]
        assert hit.snippet == (marked[0] if marked else next((s for s in candidates if s), ""))


def test_search_raises_the_page_cache_and_never_lowers_it(nature_ds):
    from figdex.index.fulltext import Fts5Index, create_text_index

    nature_ds.conn.execute("PRAGMA cache_size = -2000")
    search(nature_ds, "silver", index=create_text_index("fts5", nature_ds.conn))
    assert nature_ds.conn.execute("PRAGMA cache_size").fetchone()[0] == -Fts5Index.search_cache_kib
    nature_ds.conn.execute(f"PRAGMA cache_size = -{2 * Fts5Index.search_cache_kib}")
    search(nature_ds, "silver", index=create_text_index("fts5", nature_ds.conn))
    assert nature_ds.conn.execute("PRAGMA cache_size").fetchone()[0] == -2 * Fts5Index.search_cache_kib


@pytest.mark.parametrize("embedded_name", ["tantivy", "fts5"])
@pytest.mark.parametrize("query,raw", [("silver nanoparticles", False), ("nano*", False), ("caption:silver", True)])
def test_search_without_snippets_ranks_the_same(demo_ds, embedded_name, query, raw):
    from figdex.index.query import parse_user_query as parse
    from tests.es_support import embedded_index

    index = embedded_index(demo_ds, embedded_name)
    if raw and embedded_name == "fts5":
        query = "caption: silver"
    q = query if raw else parse(query)
    with_marks, total = index.search(q, SearchFilters(), 20)
    bare, bare_total = index.search(q, SearchFilters(), 20, snippets=False)
    assert total == bare_total > 0 and any("<mark>" in h.snippet for h in with_marks)
    assert [(h.master_id, h.score) for h in bare] == [(h.master_id, h.score) for h in with_marks]
    assert all(h.snippet == "" for h in bare)
