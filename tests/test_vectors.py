"""Vector index and image retrieval with a tiny embedder (thumbnail-16) and real FAISS."""

import numpy as np
import pytest

from figdex.index.db import Dataset
from figdex.index.query import QueryError, SearchFilters
from figdex.index.vectors import VectorIndex, VectorIndexError, factory_for, load_vectors
from figdex.ingest.embed import embed_dataset, index_path
from figdex.ingest.pipeline import ingest_paths
from figdex.retrieval.similar import hybrid, rerank_by_scale, similar
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def vds(tmp_path_factory):
    root = tmp_path_factory.mktemp("vec") / "ds"
    ds = Dataset.open(root)
    ingest_paths(ds, [DEMO / "nature"])
    ds.set_config(embedder="thumbnail-16")
    summary = embed_dataset(ds)
    assert summary.embedded == 9 and summary.indexed == 9
    yield ds
    ds.close()


def unit(n, d, seed=0):
    v = np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_ids_map_to_rows_after_delete_and_rebuild(tmp_path):
    v = unit(500, 32)
    ids = np.arange(500, dtype=np.int64) * 7 + 3  # row ids are not 0..n-1
    index = VectorIndex.build("t@1", ids, v)
    _, got = index.search(v[10:11], 1)
    assert got[0, 0] == ids[10]
    assert index.remove(ids[10:11]) == 1
    _, got = index.search(v[10:11], 3)
    assert ids[10] not in got[0]
    index.save(tmp_path / "t.faiss")
    again = VectorIndex.load(tmp_path / "t.faiss")
    assert again.info.count == 499
    _, got = again.search(v[11:12], 1)
    assert got[0, 0] == ids[11]


def test_approximate_index_agrees_with_exact():
    # Clustered like real image embeddings (uniform random vectors are IVF's worst case).
    centres = unit(60, 48, seed=1)
    v = centres[np.random.default_rng(3).integers(0, 60, 6000)] + 0.15 * unit(6000, 48, seed=4)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    ids = np.arange(6000, dtype=np.int64)
    queries = v[:200] + 0.05 * unit(200, 48, seed=2)
    exact = VectorIndex.build("t@1", ids, v)
    approx = VectorIndex.build("t@1", ids, v, factory="IVF64,Flat", nprobe=16)
    _, e = exact.search(queries, 10)
    _, a = approx.search(queries, 10)
    recall = np.mean([len(set(x) & set(y)) / 10 for x, y in zip(e, a)])
    assert recall >= 0.9
    assert factory_for(1000, 48)[0] == "IDMap2,Flat" and factory_for(2_000_000, 48)[0].startswith("IVF")


def test_dimension_mismatch_is_refused():
    index = VectorIndex.build("t@1", np.arange(10), unit(10, 16))
    with pytest.raises(VectorIndexError, match="do not fit"):
        index.search(unit(1, 32), 3)
    with pytest.raises(VectorIndexError):
        index.add(np.array([99]), unit(1, 8))


def test_vectors_live_in_the_database_and_rebuild(vds):
    ids, vecs = load_vectors(vds.conn, "thumbnail-16@1")
    assert len(ids) == 9 and vecs.shape == (9, 256)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    path = index_path(vds, "thumbnail-16@1")
    path.unlink()
    from figdex.ingest.embed import rebuild_vector_index

    assert rebuild_vector_index(vds, "thumbnail-16@1").count == 9 and path.exists()
    assert embed_dataset(vds).embedded == 0  # nothing changed: nothing re-embedded


def test_similar_by_id_and_by_file(vds):
    hits = similar(vds, "10.1038-s41467-018-06211-3-fig1-0", limit=3)
    assert len(hits) == 3 and "10.1038-s41467-018-06211-3-fig1-0" not in [h.hit.id for h in hits]
    scores = [h.explain["visual_score"] for h in hits]
    assert scores == sorted(scores, reverse=True)
    by_file = similar(vds, str(DEMO / "nature" / "figures" / "s41467-018-06297-9_fig2.jpg"), limit=1)
    assert by_file[0].hit.id == "10.1038-s41467-018-06297-9-fig2-0"  # the same image is its own nearest


def test_similar_respects_filters(vds):
    hits = similar(vds, "10.1038-s41467-018-06211-3-fig1-0", limit=10,
                   filters=SearchFilters(doi=("10.1038/s41467-018-06297-9",)))
    assert hits and all(h.hit.doi == "10.1038/s41467-018-06297-9" for h in hits)


def test_scale_rerank_pushes_or_filters():
    cands = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6)]
    scales = {1: 50.0, 2: 1.0, 3: None, 4: 1.5}
    pushed = rerank_by_scale(cands, scales, 1.2, 2.0, "push")
    assert [m for m, _, _ in pushed] == [2, 4, 3, 1]
    assert "pushed down" in pushed[-1][2]["scale"]
    filtered = rerank_by_scale(cands, scales, 1.2, 2.0, "filter")
    assert [m for m, _, _ in filtered] == [2, 4, 3]
    assert [m for m, _, _ in rerank_by_scale(cands, scales, None, 2.0, "push")] == [1, 2, 3, 4]


def test_hybrid_fuses_text_and_image(vds):
    fused = hybrid(vds, "streaming potential", str(DEMO / "nature" / "figures" / "s41467-018-06297-9_fig3.jpg"),
                   limit=5).hits
    top = fused[0]
    assert top.hit.id == "10.1038-s41467-018-06297-9-fig3-0"
    assert top.explain["text_rank"] >= 1 and top.explain["visual_rank"] == 1
    assert top.explain["rrf"] == pytest.approx(1 / (60 + top.explain["text_rank"]) + 1 / 61, abs=1e-6)
    only_text = [h for h in fused if "visual_rank" not in h.explain]
    assert all(h.explain["rrf"] < top.explain["rrf"] for h in only_text)


def test_unknown_query_is_a_clear_error(vds, tmp_path):
    with pytest.raises(QueryError, match="neither an image file nor an image id"):
        similar(vds, "no-such-id")
    bad = tmp_path / "x.png"
    bad.write_text("not an image")
    with pytest.raises(QueryError, match="not a readable image"):
        similar(vds, str(bad))


def test_similar_and_hybrid_cli_contract(vds):
    """`figdex similar (FILE | --id ID) [--k N] [--nm-per-px X] --format jsonl` and `search --like`."""
    import json

    from click.testing import CliRunner

    from figdex.cli.main import cli

    runner = CliRunner()
    first = vds.conn.execute("SELECT m.uid FROM master_images m JOIN embeddings e ON e.master_image_id = m.id "
                             "ORDER BY m.id LIMIT 1").fetchone()[0]
    by_id = runner.invoke(cli, ["similar", "--id", first, "--k", "3", "--nm-per-px", "2.5",
                                "--dataset", str(vds.root), "--format", "jsonl"])
    assert by_id.exit_code == 0, by_id.output
    rows = [json.loads(line) for line in by_id.stdout.splitlines()]
    assert len(rows) == 3 and all({"id", "score", "image", "nm_per_px"} <= set(r) for r in rows)
    image = vds.conn.execute("SELECT image_path FROM figures WHERE image_status='ok' LIMIT 1").fetchone()[0]
    by_file = runner.invoke(cli, ["similar", str(vds.root / image), "--k", "2", "--dataset", str(vds.root),
                                  "--format", "jsonl"])
    assert by_file.exit_code == 0 and len(by_file.stdout.splitlines()) == 2
    both = runner.invoke(cli, ["similar", str(vds.root / image), "--id", first, "--dataset", str(vds.root)])
    assert both.exit_code != 0 and "either an image FILE or --id" in both.output
    hybrid_rows = runner.invoke(cli, ["search", "nanoparticles", "--like", first, "--k", "4", "--nm-per-px", "1",
                                      "--dataset", str(vds.root), "--format", "jsonl"])
    assert hybrid_rows.exit_code == 0, hybrid_rows.output
    assert 1 <= len(hybrid_rows.stdout.splitlines()) <= 4


def test_the_panels_of_one_figure_decode_it_once_and_crop_the_same_pixels(vds):
    """`index embed` decoded a figure's whole image once per panel (208 decodes for 40 figures of
    the alignment test, 99 s of its 117); the panels of a figure now share one decode."""
    from figdex.ingest.embed import FigureImages, master_crop

    paths = [r[0] for r in vds.conn.execute("SELECT image_path FROM figures WHERE image_status = 'ok' ORDER BY id")]
    first, second = paths[0], paths[1]
    figures = FigureImages()
    whole = figures.load(vds.root / first)
    assert figures.load(vds.root / first) is whole  # the same pixels, not a second decode
    h, w = whole.shape[:2]
    boxes = [(0, 0, w // 2, h // 2), (w // 2, h // 3, w, h), (None, None, None, None)]
    for x0, y0, x1, y1 in boxes:
        row = {"image_path": first, "x0": x0, "y0": y0, "x1": x1, "y1": y1}
        shared, alone = master_crop(vds, row, figures), master_crop(vds, row)
        assert np.array_equal(shared, alone) and shared.shape[:2] == ((h, w) if x0 is None else (y1 - y0, x1 - x0))
        if x0 is not None:
            assert shared.base is None  # a copy: the crop does not keep the whole figure alive
    assert figures.load(vds.root / second) is not whole
