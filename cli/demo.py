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
            echo("2. keyword searches (BM25; * marks the matched words)")
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
            echo(f"3. export images matching 'microscopy' with a stored image -> {out}")
            ex = export_dataset(ds, out, query="microscopy", filters=SearchFilters(has_image=True), force=True)
            echo(f"   {ex.images_written} image files, metadata.jsonl, metadata.csv, exsclaim.json")
            first = (out / "metadata.jsonl").read_text(encoding="utf-8").splitlines()[:1]
            if first:
                row = json.loads(first[0])
                echo(f"   first row: {row['file']}  doi {row['doi']}  {row['figure']}  licence {row['license']}")
        echo("done." + ("" if keep else " (the demo dataset was temporary; pass --keep DIR to keep it)"))
        return {"ingest": summary.as_dict(), "searches": results, "exported": ex.images_written}
