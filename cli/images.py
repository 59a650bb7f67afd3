"""`figdex similar` (query by example) and `figdex index embed` (CNN vectors + FAISS)."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from figdex.cli.options import dataset_option, filter_options, format_option
from figdex.cli.stages import executor_options
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
@click.argument("query", required=False)
@click.option("--id", "image_id", help="The id of an image already in the dataset (instead of a FILE).")
@dataset_option
@click.option("--k", "--limit", "limit", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Number of hits.")
@click.option("--nm-per-px", "--scale", "nm_per_px", type=float,
              help="The query image's nm per pixel (else: read from the dataset or the image).")
@click.option("--scale-factor", default=2.0, show_default=True, type=click.FloatRange(min=1.0),
              help="Candidates whose scale differs by more than this factor are pushed down.")
@click.option("--scale-mode", type=click.Choice(["push", "filter"]), default="push", show_default=True)
@click.option("--explain", is_flag=True, help="Say why each hit ranks where it does.")
@click.option("--verify-copies/--no-verify-copies", default=True, show_default=True,
              help="For an image file: check the best candidates pixel by pixel; crops/rescales of it rank first.")
@filter_options
@format_option("table")
def similar(query, image_id, dataset, limit, nm_per_px, scale_factor, scale_mode, explain, verify_copies, filters,
            fmt) -> None:
    """Images like QUERY: an image file, or (--id) the id of an image in the dataset."""
    from figdex.index.db import Dataset

    if bool(query) == bool(image_id):
        raise click.UsageError("give either an image FILE or --id ID (the id of an image in the dataset)")
    query = query or image_id
    from figdex.retrieval.similar import similar as run_similar

    with Dataset.open(dataset, create=False) as ds:
        ranked = run_similar(ds, query, limit=limit, filters=filters, nm_per_px=nm_per_px,
                             scale_factor=scale_factor, scale_mode=scale_mode, verify_copies=verify_copies)
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
    """Compute CNN vectors for new or changed images and rebuild the FAISS index from the database;
    then caption vectors for semantic search (figdex[semantic]) and the text-image alignment, if any."""
    from figdex.devices import torch_device_if_installed
    from figdex.index.db import Dataset
    from figdex.ingest.embed import embed_dataset

    torch_device_if_installed()  # its line before the bar, not inside it
    with Dataset.open(dataset, create=False) as ds:
        total = ds.conn.execute("SELECT count(*) FROM master_images m JOIN figures f ON f.id = m.figure_id "
                                "WHERE f.image_status = 'ok'").fetchone()[0]
        with click.progressbar(length=total, label="embedding", file=sys.stderr) as bar:
            summary = embed_dataset(ds, embedder, on_batch=bar.update)
    for reason in summary.failures:
        click.echo(f"failed: {reason}", err=True)
    click.echo(f"{summary.embedder}: {summary.embedded} embedded, {summary.unchanged} unchanged; "
               f"index of {summary.indexed} vectors ({summary.factory})", err=True)
    from figdex.cli.semantic import caption_stage

    with Dataset.open(dataset, create=False) as ds:
        caption_stage(ds)


def emit_hybrid(ranked, fmt: str, explain: bool) -> None:
    """Rows of `search --like`: each hit's ranks in the text and the visual ranking when --explain."""
    rows = hit_rows(ranked, explain)
    if fmt == "table":
        for row in rows:
            e = row.get("explain") or {}
            row["why"] = f"text #{e.get('text_rank', '-')} image #{e.get('visual_rank', '-')} {e.get('scale', '')}"
        emit(rows, fmt, ["id", "score", "figure", "label", "image_class", "why" if explain else "caption"])
    else:
        emit(rows, fmt)


@click.command("ingest-images")
@click.argument("folders", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=str))
@dataset_option
@click.option("--label", help="Add this user label to every image (the seeds' image tagger).")
@click.option("--force", is_flag=True, help="Re-store images even when unchanged since the last run.")
@click.option("--embed/--no-embed", "run_embedding", default=True, show_default=True,
              help="Compute image vectors for query by example (needs figdex[ml]).")
@executor_options
@format_option("table")
def ingest_images(folders, dataset, label, force, run_embedding, workers, cluster, fmt) -> None:
    """Ingest plain folders of images (no article): each image is stored, classified, its scale
    bar read, embedded and made searchable."""
    from pathlib import Path

    from figdex.cli.stages import ClickProgress, echo_stages_report, open_executor
    from figdex.index.db import Dataset
    from figdex.ingest.image_folder import ingest_image_folders, iter_images
    from figdex.ingest.stages import StageOptions, run_image_stages

    for folder in folders:
        if not Path(folder).is_dir():
            raise click.ClickException(f"{folder}: not a folder; give folders of images "
                                       "(use `figdex ingest` for article pages)")
    total = sum(1 for f in folders for _ in iter_images(Path(f)))
    options = StageOptions(embedding=run_embedding)
    with open_executor(workers, cluster) as executor, Dataset.open(dataset, create=True) as ds:
        executor.warm_up(("separate",))  # before the bars: a model load inside one would inflate its ETA
        progress = ClickProgress()
        progress.start("store", total)
        try:
            summary = ingest_image_folders(ds, folders, label=label, force=force, executor=executor,
                                           on_file=lambda path, outcome: progress.advance(1))
        finally:
            progress.finish()
        _echo_folder_summary(summary, fmt)
        echo_stages_report(run_image_stages(ds, executor=executor, options=options, progress=progress, warm=True))


def _echo_folder_summary(summary, fmt) -> None:
    for path, reason in summary.failures:
        click.echo(f"failed: {reason}", err=True)
    row = {k: v for k, v in summary.__dict__.items() if k != "failures"}
    if fmt == "table":
        click.echo(f"{summary.files} images in {summary.folders} folders: {summary.stored} stored, "
                   f"{summary.unchanged} unchanged, {summary.unreadable} unreadable, {summary.removed} removed")
    else:
        emit([row], fmt)


@click.command("tune")
@dataset_option
@click.option("--views", type=click.IntRange(2, 16), default=4, show_default=True,
              help="Augmented views per image (positives of one another).")
@click.option("--epochs", type=click.IntRange(1, 5000), default=150, show_default=True)
@click.option("--dim", type=click.IntRange(8, 1280), default=128, show_default=True, help="Output dimension.")
@click.option("--holdout", type=click.FloatRange(0.05, 0.9), default=0.25, show_default=True,
              help="Share of figures kept out of training to measure before/after.")
@click.option("--max-images", type=click.IntRange(8), default=2000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@format_option("table")
def tune_command(dataset, views, epochs, dim, holdout, max_images, seed, fmt) -> None:
    """Tune the image embedder on this dataset's images without labels (NT-Xent on augmented views);
    reports retrieval on held-out figures before/after.  Use it with `index embed --embedder NAME`."""
    from figdex.index.db import Dataset
    from figdex.ingest.tune import tune_embedder

    with Dataset.open(dataset, create=False) as ds:
        summary = tune_embedder(ds, views=views, epochs=epochs, dim=dim, seed=seed, holdout=holdout,
                                max_images=max_images, on_step=lambda msg: click.echo(msg, err=True))
    if fmt != "table":
        emit([asdict(summary)], fmt)
        return
    click.echo(f"{summary.name}: trained on {summary.train_images} images, measured on {summary.heldout_images} "
               f"held-out images ({summary.seconds} s); weights {summary.weights}")
    for key in sorted(set(summary.before) | set(summary.after)):
        click.echo(f"  {key:<20} before {summary.before.get(key)}  after {summary.after.get(key)}")
    click.echo(f"use it: figdex index embed --dataset {dataset} --embedder {summary.name}")
