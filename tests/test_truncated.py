"""Files cut short (a page saved while loading, a download that stopped): stored as what they are,
access "partial" with the reason, a warning, and replaced by a complete copy (#16.4)."""

import json

from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.db import Dataset
from figdex.ingest.pipeline import ingest_paths
from tests.conftest import DEMO

NATURE_PAGE = DEMO / "nature" / "html" / "s41467-018-06211-3.html"  # 5 figures
JATS = DEMO / "jats" / "pone.0000217.nxml"


def cut(src, dest, fraction):
    data = src.read_bytes()
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data[: int(len(data) * fraction)])
    return dest


def article_rows(ds):
    return [dict(r) for r in ds.conn.execute(
        "SELECT a.key, a.doi, a.access, a.problems, (SELECT count(*) FROM figures f WHERE f.article_id = a.id) "
        "AS figures FROM articles a ORDER BY a.id")]


def test_a_page_cut_at_35_percent_is_partial_warned_and_replaced_by_the_complete_page(tmp_path):
    page = cut(NATURE_PAGE, tmp_path / "saved" / NATURE_PAGE.name, 0.35)
    res = CliRunner().invoke(cli, ["ingest", str(page), "--dataset", str(tmp_path / "d"), "--no-separate",
                                   "--no-embed"])
    assert res.exit_code == 0, res.output
    assert f"warning: {page}" in res.output and "truncated" in res.output
    with Dataset.open(tmp_path / "d") as ds:
        [row] = article_rows(ds)
        assert row["access"] == "partial" and row["figures"] == 1
        assert any("truncated" in p and "</html>" in p for p in json.loads(row["problems"]))
        # The complete page, saved again to the same file: it replaces the partial copy.
        page.write_bytes(NATURE_PAGE.read_bytes())
        summary = ingest_paths(ds, [page])
        assert summary.partial == []
        [row] = article_rows(ds)
        assert row["access"] == "full" and row["figures"] == 5
        assert not any("truncated" in p for p in json.loads(row["problems"]))
        # A truncated copy found later never replaces the complete one.
        later = cut(NATURE_PAGE, tmp_path / "elsewhere" / NATURE_PAGE.name, 0.35)
        summary = ingest_paths(ds, [later])
        assert [p for p, _ in summary.partial] == [str(later)]
        assert "complete copy" in summary.partial[0][1] and str(page) in summary.partial[0][1]
        [row] = article_rows(ds)
        assert row["access"] == "full" and row["figures"] == 5


def test_a_truncated_jats_file_is_partial_and_its_complete_copy_replaces_the_doi_less_article(tmp_path):
    xml = cut(JATS, tmp_path / JATS.name, 0.01)  # cut inside <front>: no DOI, no title
    with Dataset.open(tmp_path / "d") as ds:
        summary = ingest_paths(ds, [xml])
        assert [p for p, _ in summary.partial] == [str(xml)]
        [row] = article_rows(ds)
        assert row["doi"] is None and row["access"] == "partial"
        assert any("truncated" in p and "</article>" in p for p in json.loads(row["problems"]))
        xml.write_bytes(JATS.read_bytes())
        ingest_paths(ds, [xml])
        [row] = article_rows(ds)  # the DOI-less partial article is gone, not left beside it
        assert row["doi"] == "10.1371/journal.pone.0000217" and row["access"] == "full" and row["figures"] > 0


def test_complete_files_of_every_corpus_are_not_taken_for_truncated_ones(tmp_path):
    from figdex.ingest.sources.truncated import truncation_reason
    from tests.conftest import SHARED

    roots = [DEMO, SHARED, DEMO.parents[1] / "tests" / "data"]
    files = [p for root in roots if root.exists() for p in root.rglob("*")
             if p.suffix.lower() in (".html", ".htm", ".xhtml", ".xml", ".nxml") and p.is_file()]
    assert len(files) > (40 if SHARED.exists() else 15)  # the demo and tests/data alone hold 21
    assert [p for p in files if truncation_reason(p)] == []
    cuts = [cut(p, tmp_path / f"{i}{p.suffix}", 0.35) for i, p in enumerate(files) if p.stat().st_size > 2000]
    assert [p for p in cuts if not truncation_reason(p)] == []
