"""`figdex demo`: ingest the bundled CC-BY corpus, search it, export from it, and say what happened."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Callable

import figdex

DEMO_SEARCHES = [
    ("TEM nanoparticles", {}),
    ('"scanning electron microscopy" OR SEM', {}),
    ("silver", {"year_min": 2018}),
    ("streaming potential", {}),
    ("HRTEM", {"image_class": ("microscopy",)}),
]


def demo_corpus() -> Path:
    path = Path(figdex.__file__).resolve().parent / "demo" / "corpus"
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: the demo corpus is missing; reinstall figdex from a full checkout")
    return path


def run_demo(keep: Path | None, echo: Callable[[str], None]) -> dict:
    from figdex.index.db import Dataset
    from figdex.index.query import SearchFilters
    from figdex.ingest.pipeline import ingest_paths
    from figdex.retrieval.export import export_dataset
    from figdex.retrieval.search import search

    corpus = demo_corpus()
    with tempfile.TemporaryDirectory(prefix="figdex-demo-") as tmp:
        root = Path(keep) if keep else Path(tmp) / "dataset"
        echo(f"1. ingest {corpus} -> dataset {root}")
        with Dataset.open(root) as ds:
            summary = ingest_paths(ds, [corpus], on_file=lambda p, o: echo(f"   {o:<11} {p.relative_to(corpus)}"))
            stats = ds.stats()
            echo(f"   {summary.articles} articles, {summary.figures} figures, "
                 f"{summary.images_found} images stored, {summary.images_missing} without a saved image")
            for pub, row in stats["per_publisher"].items():
                echo(f"   {pub:<10} articles {row['articles']:>2}  figures {row['figures']:>3}  "
                     f"images {row['images_found']:>3}")
            echo("2. separate the stored figures into master images (panel labels, classes, scale)")
            from figdex.ingest.separate import SeparationSummary
            from figdex.ingest.stages import StageOptions, run_image_stages

            stages = run_image_stages(ds, options=StageOptions(labels=False, embedding=False))
            sep = stages.separation or SeparationSummary()  # None: every figure was separated before
            echo(f"   {sep.separated} figures -> {sep.masters} master images, {sep.scaled} with nm/px")
            for row in ds.conn.execute(
                    "SELECT image_class, count(*) n FROM master_images WHERE panel != '0' GROUP BY 1 ORDER BY 2 DESC"):
                echo(f"   {row['image_class']:<13} {row['n']}")
            _labels(ds, echo)
            echo("4. keyword searches (BM25; * marks the matched words)")
            results = {}
            for query, filt in DEMO_SEARCHES:
                result = search(ds, query, SearchFilters(**filt), limit=3)
                label = query + (f"  {filt}" if filt else "")
                echo(f"   search {label!r}: {result.total} hits")
                for hit in result.hits:
                    snippet = hit.snippet.replace("<mark>", "*").replace("</mark>", "*")
                    echo(f"     {hit.score:6.2f}  {hit.id:<34} {hit.figure:<9} {snippet[:90]}")
                results[query] = [h.id for h in result.hits]
            out = root.parent / "export" if keep is None else Path(keep).parent / (Path(keep).name + "-export")
            echo(f"5. export the microscopy master images -> {out}")
            ex = export_dataset(ds, out, filters=SearchFilters(image_class=("microscopy",), has_image=True),
                                force=True)
            echo(f"   {ex.images_written} image files, metadata.jsonl, metadata.csv, exsclaim.json")
            first = (out / "metadata.jsonl").read_text(encoding="utf-8").splitlines()[:1]
            if first:
                row = json.loads(first[0])
                echo(f"   first row: {row['file']}  doi {row['doi']}  {row['figure']}  licence {row['license']}")
            _query_by_example(ds, echo)
        echo("done." + ("" if keep else " (the demo dataset was temporary; pass --keep DIR to keep it)"))
        return {"ingest": summary.as_dict(), "searches": results, "exported": ex.images_written}


def _labels(ds, echo) -> None:
    """Train the label models on the corpus's own text and show what some images got."""
    from figdex.ingest.label_assign import assign_labels
    from figdex.ingest.labels import load_models, train_label_models
    from figdex.models.topics import topic_table

    echo("3. labels: Word2Vec (caption words by dropout, abstract context) and LDA topics (kept at p >= 0.80)")
    trained = train_label_models(ds)
    summary = assign_labels(ds)
    n = max(summary.images, 1)
    echo(f"   model {trained.version}: {trained.sentences} sentences, vocabulary {trained.vocabulary}; images with "
         f"a caption label {summary.with_caption_label / n:.0%}, abstract label {summary.with_abstract_label / n:.0%}"
         f", topic label {summary.with_topic_label / n:.0%}")
    _, _, lda, _, names = load_models(ds)
    for t in topic_table(lda, n_words=6)[:4]:
        echo(f"   topic {t.topic} {names.get(t.topic, t.name)!r}: {' '.join(w for w, _ in t.top_words)}")
    rows = ds.conn.execute(
        """SELECT m.id, m.uid, substr(m.subcaption, 1, 70) AS text FROM master_images m
           WHERE EXISTS (SELECT 1 FROM labels l WHERE l.master_image_id = m.id AND l.kind = 'caption')
           ORDER BY m.id LIMIT 3""").fetchall()
    for row in rows:
        by_kind = {k: [r[0] for r in ds.conn.execute(
            "SELECT value FROM labels WHERE master_image_id=? AND kind=? ORDER BY score DESC LIMIT 4", (row["id"], k))]
            for k in ("caption", "abstract", "topic")}
        echo(f"   {row['text']}...")
        echo("     " + "; ".join(f"{k}: {', '.join(v) or '-'}" for k, v in by_kind.items()))


def _query_by_example(ds, echo) -> None:
    """Query by example when the ML extra (torch) is installed; otherwise say how to get it."""
    try:
        import torch  # noqa: F401
    except ImportError:
        echo("6. query by example: skipped (pip install 'figdex[ml]' adds image vectors)")
        return
    from figdex.ingest.embed import embed_dataset
    from figdex.retrieval.similar import similar

    summary = embed_dataset(ds)
    query = ds.conn.execute("SELECT uid FROM master_images WHERE image_class = 'microscopy' AND nm_per_px IS NOT NULL "
                            "ORDER BY id LIMIT 1").fetchone()
    echo(f"6. query by example ({summary.embedder}, {summary.indexed} vectors): images like {query[0]}")
    for r in similar(ds, query[0], limit=3):
        echo(f"     {r.hit.score:6.3f}  {r.hit.id:<36} {r.hit.image_class:<12} "
             f"nm/px {r.hit.nm_per_px if r.hit.nm_per_px is None else round(r.hit.nm_per_px, 2)}  "
             f"{r.explain.get('scale', '')}")
