"""Dense vectors in the Elasticsearch/OpenSearch documents (issue 20's scale-out path), on real
captions and figures (eval/devset/open, CC-BY/CC0/MIT, through tests/test_semantic.py's loader).

The tests' engine (osmem-server) stores OpenSearch ``knn_vector`` fields but answers no kNN query,
and refuses Elasticsearch's ``dense_vector`` mapping: these tests check what figdex writes, keeps and
falls back to on it; ``test_real_elasticsearch_knn_matches_the_local_rankings`` (marked ``es``) checks
the engine's own kNN against the local FAISS rankings on a real Elasticsearch.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.db import Dataset
from figdex.index.fulltext import create_text_index
from figdex.ingest.engine_vectors import dataset_vector_fields
from figdex.ingest.text_embed import embed_texts
from figdex.models.text_embedders import semantic_available
from figdex.retrieval.semantic import text_search
from tests.es_support import _alias, emulator, es_proxy  # noqa: F401  (fixtures, found by name)
from tests.test_semantic import _store_devset

pytestmark = pytest.mark.skipif(not semantic_available(), reason="needs figdex[semantic]")
QUERY = "fluorescence microscopy of cells"


@pytest.fixture(scope="module")
def aligned_ds(tmp_path_factory):
    from figdex.ingest.align import align_dataset
    from figdex.ingest.embed import embed_dataset

    ds = Dataset.open(tmp_path_factory.mktemp("engine-vectors") / "ds")
    _store_devset(ds, limit=30)
    embed_dataset(ds, "thumbnail-16")  # no CNN: the default run stays fast
    embed_texts(ds)
    align_dataset(ds, epochs=20)
    yield ds
    ds.close()


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _stored(ds, embedder: str, mid: int) -> np.ndarray:
    row = ds.conn.execute("SELECT dim, vector FROM embeddings WHERE embedder = ? AND master_image_id = ?",
                          (embedder, mid)).fetchone()
    return np.frombuffer(row[1], np.float32, count=row[0])


def test_opensearch_documents_carry_the_caption_and_aligned_vectors(aligned_ds, emulator):  # noqa: F811
    pytest.importorskip("opensearchpy")
    from figdex.ingest.align import align_dataset, load_alignment
    from figdex.models.tuning import apply_head

    ds = aligned_ds
    fields = dataset_vector_fields(ds)
    assert [(f.name, f.dims) for f in fields] == [("caption_vector", 384), ("content_vector", 128)]
    alias = _alias()
    index = create_text_index("opensearch", ds.conn, ds.root, url=emulator.url, index=alias, vector_fields=fields)
    report = index.sync()
    assert report.mode == "created" and index.vectors_stored == ("caption_vector", "content_vector")
    assert index.vector_source("caption_vector") == fields[0].source
    assert index.vector_source("content_vector") == load_alignment(ds).name
    # The documents hold the database's vectors: the caption's as stored, the image's through the head.
    mid = ds.conn.execute("SELECT master_image_id FROM embeddings WHERE embedder = ? ORDER BY master_image_id "
                          "LIMIT 1", (fields[0].embedder,)).fetchone()[0]
    doc = index.engine.client.get(index=alias, id=str(mid))["_source"]
    assert np.allclose(doc["caption_vector"], _unit(_stored(ds, fields[0].embedder, mid)), atol=1e-6)
    projected = apply_head(_stored(ds, fields[1].embedder, mid)[None, :], load_alignment(ds).image_head)[0]
    assert np.allclose(doc["content_vector"], projected, atol=1e-6)
    # Unchanged vectors: the next sync is incremental.
    assert index.sync().mode == "incremental"
    # Ingest's update opens the index without vectors: partial updates keep the stored ones.
    plain = create_text_index("opensearch", ds.conn, ds.root, url=emulator.url, index=alias)
    plain.update([mid])
    index.engine.refresh(alias)
    assert np.allclose(index.engine.client.get(index=alias, id=str(mid))["_source"]["caption_vector"],
                       doc["caption_vector"])
    # The emulator answers no kNN: the local vector index ranks, and the result says why.
    remote = text_search(ds, QUERY, mode="semantic", index=index, limit=10)
    local = text_search(ds, QUERY, mode="semantic", limit=10)
    assert [h.hit.id for h in remote.hits] == [h.hit.id for h in local.hits]
    assert any("kNN over caption_vector failed" in w for w in remote.warnings) and not local.warnings
    # A retrained alignment changes the content vectors: the next sync rebuilds with the new ones.
    align_dataset(ds, epochs=5, seed=1)
    index = create_text_index("opensearch", ds.conn, ds.root, url=emulator.url, index=alias,
                              vector_fields=dataset_vector_fields(ds))
    assert index.sync().mode == "rebuilt" and index.vector_source("content_vector") == "align-v2"
    for name in index.live_indices():
        index.engine.delete(name)


def test_an_engine_that_refuses_vectors_keeps_its_text_index(aligned_ds, emulator, es_proxy, tmp_path):  # noqa: F811
    """The emulator refuses Elasticsearch's dense_vector mapping, as an engine without vector support
    would: the sync says so, the text index works, and vector rankings stay local without a warning."""
    pytest.importorskip("elasticsearch")
    ds = aligned_ds
    alias = _alias()
    res = CliRunner().invoke(cli, ["index", "sync", "--dataset", str(ds.root), "--backend", "elasticsearch",
                                   "--url", es_proxy.url], env={"FIGDEX_ES_INDEX": alias})
    assert res.exit_code == 0, res.output
    assert "refused the vector fields" in res.output and "dense_vector" in res.output
    index = create_text_index("elasticsearch", ds.conn, ds.root, url=es_proxy.url, index=alias)
    assert index.count() == ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    assert index.vector_source("caption_vector") is None
    remote = text_search(ds, QUERY, mode="hybrid", index=index, limit=10)
    assert remote.rankings == ("bm25", "semantic") and not remote.warnings
    # Nothing changed: the next sync does not rebuild again.
    res = CliRunner().invoke(cli, ["index", "sync", "--dataset", str(ds.root), "--backend", "elasticsearch",
                                   "--url", es_proxy.url, "--format", "jsonl"], env={"FIGDEX_ES_INDEX": alias})
    assert res.exit_code == 0 and '"mode": "incremental"' in res.stdout
    for name in index.live_indices():
        index.engine.delete(name)


@pytest.mark.es
def test_real_elasticsearch_knn_matches_the_local_rankings(aligned_ds):
    """On a real Elasticsearch (docker compose up -d elasticsearch; FIGDEX_ES_URL=http://localhost:9200):
    the engine's kNN gives the local FAISS rankings (HNSW is exact at this size), filters included."""
    url = os.environ.get("FIGDEX_ES_URL")
    if not url:
        pytest.skip("FIGDEX_ES_URL is not set (start the compose stack: docker compose up -d elasticsearch)")
    pytest.importorskip("elasticsearch")
    from figdex.index.query import SearchFilters

    ds = aligned_ds
    index = create_text_index("elasticsearch", ds.conn, ds.root, url=url, index=_alias(),
                              vector_fields=dataset_vector_fields(ds))
    try:
        index.sync()
        assert index.vector_source("caption_vector") and index.vector_source("content_vector")
        for filters in (SearchFilters(), SearchFilters(year_min=2015)):
            for mode, by_content in (("semantic", False), (None, True)):
                remote = text_search(ds, QUERY, filters, mode=mode, by_content=by_content, index=index, limit=10)
                local = text_search(ds, QUERY, filters, mode=mode, by_content=by_content, limit=10)
                assert not remote.warnings
                assert [h.hit.id for h in remote.hits][:5] == [h.hit.id for h in local.hits][:5]
    finally:
        for name in index.live_indices():
            index.engine.delete(name)


def test_align_on_an_engine_backed_dataset_says_to_sync(aligned_ds):
    ds = aligned_ds
    before = ds.config.get("text_index")
    ds.set_config(text_index="opensearch")
    try:
        res = CliRunner().invoke(cli, ["index", "align", "--dataset", str(ds.root), "--epochs", "2"])
    finally:
        ds.set_config(text_index=before)
    assert res.exit_code == 0, res.output
    assert "run `figdex index sync` to push these" in res.output
