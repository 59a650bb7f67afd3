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


def test_raw_mode_passes_syntax_and_reports_errors(demo_ds):
    assert search(demo_ds, "subcaption: streaming", raw=True).total > 0
    with pytest.raises(QueryError, match="raw FTS5 query rejected"):
        search(demo_ds, "NEAR(", raw=True)


def test_index_rebuild_gives_the_same_results(demo_ds):
    from figdex.index.fulltext import create_text_index

    before = ids(search(demo_ds, "silver nanoparticles", limit=10))
    n = create_text_index("fts5", demo_ds.conn).rebuild()
    assert n == demo_ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    assert ids(search(demo_ds, "silver nanoparticles", limit=10)) == before


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
    res = CliRunner().invoke(cli, ["search", "NEAR(", "--raw", "--dataset", str(demo_dir)])
    assert res.exit_code == 1 and "raw FTS5 query rejected" in res.output
    res = CliRunner().invoke(cli, ["ingest", str(tmp_path / "nope"), "--dataset", str(tmp_path / "d")])
    assert res.exit_code == 1 and "no such file or folder" in res.output
