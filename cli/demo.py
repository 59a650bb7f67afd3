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
            from figdex.ingest.separate import separate_dataset

            sep = separate_dataset(ds)
            echo(f"   {sep.separated} figures -> {sep.masters} master images, {sep.scaled} with nm/px")
            for row in ds.conn.execute(
                    "SELECT image_class, count(*) n FROM master_images WHERE panel != '0' GROUP BY 1 ORDER BY 2 DESC"):
                echo(f"   {row['image_class']:<13} {row['n']}")
            echo("3. keyword searches (BM25; * marks the matched words)")
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
            echo(f"4. export the microscopy master images -> {out}")
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


def _query_by_example(ds, echo) -> None:
    """Query by example when the ML extra (torch) is installed; otherwise say how to get it."""
    try:
        import torch  # noqa: F401
    except ImportError:
        echo("5. query by example: skipped (pip install 'figdex[ml]' adds image vectors)")
        return
    from figdex.ingest.embed import embed_dataset
    from figdex.retrieval.similar import similar

    summary = embed_dataset(ds)
    query = ds.conn.execute("SELECT uid FROM master_images WHERE image_class = 'microscopy' AND nm_per_px IS NOT NULL "
                            "ORDER BY id LIMIT 1").fetchone()
    echo(f"5. query by example ({summary.embedder}, {summary.indexed} vectors): images like {query[0]}")
    for r in similar(ds, query[0], limit=3):
        echo(f"     {r.hit.score:6.3f}  {r.hit.id:<36} {r.hit.image_class:<12} "
             f"nm/px {r.hit.nm_per_px if r.hit.nm_per_px is None else round(r.hit.nm_per_px, 2)}  "
             f"{r.explain.get('scale', '')}")
