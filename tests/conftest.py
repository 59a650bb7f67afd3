"""Fixtures: the bundled demo corpus (always present) and ../shared/corpus (skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from figdex.index.db import Dataset
from figdex.ingest.pipeline import ingest_paths

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo" / "corpus"
SHARED = REPO.parent / "shared" / "corpus"

# The CLI's default is one worker process per core; each loads spaCy and the OCR (seconds, hundreds of
# MB).  Tests of other things run the stages in their own process; tests/test_workers.py asks for
# worker processes and a cluster explicitly.
os.environ.setdefault("FIGDEX_WORKERS", "1")


def shared_path(rel: str) -> Path:
    """A file of ../shared/corpus, or skip the test when the shared corpus is not beside the checkout."""
    path = SHARED / rel
    if not path.exists():
        pytest.skip(f"{path} not available (../shared/corpus is absent)")
    return path


@pytest.fixture
def ds(tmp_path) -> Dataset:
    dataset = Dataset.in_memory(tmp_path / "ds")
    yield dataset
    dataset.close()


@pytest.fixture(scope="module")
def demo_ds(tmp_path_factory) -> Dataset:
    """The demo corpus ingested once per test module (in-memory database, images in a temp dir)."""
    dataset = Dataset.in_memory(tmp_path_factory.mktemp("demo"))
    summary = ingest_paths(dataset, [DEMO])
    assert summary.failed == 0, summary.failures
    yield dataset
    dataset.close()


@pytest.fixture(scope="session")
def web_dataset(tmp_path_factory) -> Path:
    """A dataset directory for the web tests, built once (tests/serve_support.py says what is in it).
    Tests that change it work on a copy."""
    from tests.serve_support import build_web_dataset

    return build_web_dataset(tmp_path_factory.mktemp("web") / "ds")


def delete_two_hits(ds, query: str = "silver"):
    """Delete the first hit's master image and the second hit's whole figure (the cascade), as both
    text indexes' tests do; returns the search before, the two hits' ids and their master row ids."""
    from figdex.retrieval.search import search

    before = search(ds, query, limit=100)
    first, second = before.hits[0].id, before.hits[1].id
    mid, fig_mid = ds.master_id(first), ds.master_id(second)
    with ds.transaction() as conn:
        conn.execute("DELETE FROM master_images WHERE id = ?", (mid,))
        conn.execute("DELETE FROM figures WHERE id = (SELECT figure_id FROM master_images WHERE id = ?)",
                     (fig_mid,))
    return before, first, second, mid, fig_mid
