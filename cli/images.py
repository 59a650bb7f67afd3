"""`figdex similar` (query by example) and `figdex index embed` (CNN vectors + FAISS)."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from figdex.cli.options import dataset_option, filter_options, format_option
from figdex.cli.output import emit


def hit_rows(ranked, explain: bool) -> list[dict]:
    rows = []
    for r in ranked:
        row = asdict(r.hit)
        row["labels"] = list(r.hit.labels)
        if explain:
            row["explain"] = r.explain
        rows.append(row)
    return rows


@click.command()
@click.argument("query")
@dataset_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--scale", "nm_per_px", type=float, help="The query image's nm per pixel (else: read from the dataset).")
@click.option("--scale-factor", default=2.0, show_default=True, type=click.FloatRange(min=1.0),
              help="Candidates whose scale differs by more than this factor are pushed down.")
@click.option("--scale-mode", type=click.Choice(["push", "filter"]), default="push", show_default=True)
@click.option("--explain", is_flag=True, help="Say why each hit ranks where it does.")
@filter_options
@format_option("table")
def similar(query, dataset, limit, nm_per_px, scale_factor, scale_mode, explain, filters, fmt) -> None:
    """Images like QUERY: an image file, or the id of an image in the dataset."""
    from figdex.index.db import Dataset
    from figdex.retrieval.similar import similar as run_similar

    with Dataset.open(dataset, create=False) as ds:
        ranked = run_similar(ds, query, limit=limit, filters=filters, nm_per_px=nm_per_px,
                             scale_factor=scale_factor, scale_mode=scale_mode)
    rows = hit_rows(ranked, explain)
    if fmt == "table":
        for row in rows:
            row["why"] = (row.get("explain") or {}).get("scale", "")
        emit(rows, fmt, ["id", "score", "figure", "label", "image_class", "nm_per_px", "why" if explain else "caption"])
    else:
        emit(rows, fmt)


@click.command("embed")
@dataset_option
@click.option("--embedder", help="Embedder name (default: the dataset's, else efficientnet-lite0).")
def embed_command(dataset, embedder) -> None:
    """Compute CNN vectors for new or changed images and rebuild the FAISS index from the database."""
    from figdex.index.db import Dataset
    from figdex.ingest.embed import embed_dataset

    with Dataset.open(dataset, create=False) as ds:
        total = ds.conn.execute("SELECT count(*) FROM master_images m JOIN figures f ON f.id = m.figure_id "
                                "WHERE f.image_status = 'ok'").fetchone()[0]
        with click.progressbar(length=total, label="embedding", file=sys.stderr) as bar:
            summary = embed_dataset(ds, embedder, on_batch=bar.update)
    click.echo(f"{summary.embedder}: {summary.embedded} embedded, {summary.unchanged} unchanged; "
               f"index of {summary.indexed} vectors ({summary.factory})", err=True)


def hybrid_search(dataset: str, text: str, like: str, *, fmt: str, explain: bool, **options) -> None:
    from figdex.index.db import Dataset
    from figdex.retrieval.similar import hybrid

    with Dataset.open(dataset, create=False) as ds:
        ranked = hybrid(ds, text, like, **options)
    rows = hit_rows(ranked, explain)
    if fmt == "table":
        for row in rows:
            e = row.get("explain") or {}
            row["why"] = f"text #{e.get('text_rank', '-')} image #{e.get('visual_rank', '-')} {e.get('scale', '')}"
        emit(rows, fmt, ["id", "score", "figure", "label", "image_class", "why" if explain else "caption"])
    else:
        emit(rows, fmt)
