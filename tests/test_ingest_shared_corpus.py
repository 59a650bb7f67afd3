"""Ingest every article file of ../shared/corpus and compare with the hand counts in eval/.

Skipped when ../shared/corpus is absent.
"""

import csv

import pytest

from figdex.index.db import Dataset
from figdex.ingest.pipeline import ingest_paths
from tests.conftest import REPO, SHARED

pytestmark = pytest.mark.shared

GOLD = REPO / "eval" / "figure_counts_gold.tsv"


@pytest.fixture(scope="module")
def corpus_ds(tmp_path_factory):
    if not SHARED.is_dir():
        pytest.skip("../shared/corpus is absent")
    with open(GOLD, newline="", encoding="utf-8") as fh:
        gold = {row["path"]: row for row in csv.DictReader(fh, delimiter="\t")}
    ds = Dataset.open(tmp_path_factory.mktemp("corpus") / "ds")
    summary = ingest_paths(ds, [SHARED / rel for rel in gold])
    yield ds, gold, summary
    ds.close()


def test_no_file_fails_and_search_pages_are_skipped(corpus_ds):
    ds, gold, summary = corpus_ds
    assert summary.failed == 0, summary.failures
    search_pages = {rel for rel, g in gold.items() if g["page_type"] == "search-results"}
    skipped = {p for p, _ in summary.skipped}
    assert {str(SHARED / rel) for rel in search_pages} == skipped


def test_figure_counts_match_hand_counts(corpus_ds):
    ds, gold, _ = corpus_ds
    wrong = []
    for rel, g in gold.items():
        if g["page_type"] == "search-results":
            continue
        expected = int(g["n_figures"] or 0) + int(g["n_schemes"] or 0)
        got = ds.conn.execute(
            "SELECT count(*) FROM figures f JOIN articles a ON a.id = f.article_id "
            "WHERE a.source_file = ? AND f.kind != 'graphical-abstract'",
            (str(SHARED / rel),),
        ).fetchone()[0]
        if got != expected:
            wrong.append((rel, expected, got))
    assert wrong == []


def test_access_kinds(corpus_ds):
    ds, gold, _ = corpus_ds
    access = {r["source_file"]: r["access"] for r in ds.conn.execute("SELECT source_file, access FROM articles")}
    for rel, g in gold.items():
        if g["page_type"] == "abstract-only":
            assert access[str(SHARED / rel)] in ("abstract", "denied"), rel
        elif g["page_type"] == "full-text":
            assert access[str(SHARED / rel)] == "full", rel


def test_reingest_changes_no_counts(corpus_ds):
    ds, gold, _ = corpus_ds
    before = ds.stats()
    again = ingest_paths(ds, [SHARED / rel for rel in gold])
    assert again.unchanged == len(gold)
    assert ds.stats() == before


def test_saved_images_found(corpus_ds):
    ds, _, _ = corpus_ds
    stats = ds.stats()
    # 9 ncomms5946 JPEGs + 5 + 4 PNG-under-.jpg figures are the only images saved beside pages.
    assert stats["images_found"] == 18
    assert stats["per_publisher"]["nature"]["images_found"] == 18
