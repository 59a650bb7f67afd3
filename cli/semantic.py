"""`figdex index align` and the caption-vector stage of `index embed` / `ingest` (issue 20)."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from figdex.cli.options import dataset_option, format_option
from figdex.cli.output import emit


def keep_caption_vectors(ds) -> None:
    """After ingest's image stages: a dataset that has caption vectors keeps them (and its
    alignment) in step with the new captions; one that has none is left as it is."""
    from figdex.ingest.text_embed import text_embedder_name

    if ds.conn.execute("SELECT 1 FROM embeddings WHERE embedder LIKE ? LIMIT 1",
                       (f"{text_embedder_name(ds)}@%",)).fetchone() is not None:
        caption_stage(ds, required=False)


def caption_stage(ds, *, required: bool) -> None:
    """Caption vectors for new or changed texts, then the alignment kept in step with them.

    ``required``: say why when the model is not installed (``index embed``); ingest only keeps
    vectors up to date in datasets that already have them, and says nothing otherwise."""
    from figdex.ingest.align import alignment_status, load_alignment, rebuild_aligned_index
    from figdex.ingest.text_embed import embed_texts, master_texts
    from figdex.models.text_embedders import INSTALL_HINT, semantic_available

    if not semantic_available():
        if required:
            click.echo(f"note: caption vectors skipped (semantic search needs: {INSTALL_HINT})", err=True)
        return
    texts = len(master_texts(ds))
    with click.progressbar(length=texts, label="caption vectors", file=sys.stderr) as bar:
        summary = embed_texts(ds, on_batch=bar.update)
    click.echo(f"{summary.embedder}: {summary.embedded} captions embedded, {summary.unchanged} unchanged, "
               f"{summary.dropped} dropped; index of {summary.indexed} vectors", err=True)
    status = alignment_status(ds)
    if status is None:
        return
    if status["behind"]:
        click.echo(f"the dataset grew from {status['trained_pairs']} to {status['pairs_now']} (image, caption) pairs: "
                   "retraining the text-image alignment", err=True)
        _report(align_summary(ds), "table")
    else:
        rebuild_aligned_index(ds, load_alignment(ds))  # image vectors may have changed


def align_summary(ds, **options):
    from figdex.ingest.align import align_dataset

    return align_dataset(ds, on_step=lambda msg: click.echo(msg, err=True), **options)


def _report(summary, fmt: str) -> None:
    if fmt != "table":
        emit([asdict(summary)], fmt)
        return
    click.echo(f"{summary.name}: trained on {summary.pairs} (image, caption) pairs ({summary.text_embedder} x "
               f"{summary.image_embedder}) in {summary.seconds} s; in-sample recall@1 "
               f"{summary.metrics.get('train_recall@1')}; {summary.images_indexed} images searchable by content",
               err=True)


@click.command("align")
@dataset_option
@click.option("--dim", type=click.IntRange(8, 1024), default=128, show_default=True, help="Shared dimension.")
@click.option("--epochs", type=click.IntRange(1, 5000), default=200, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@format_option("table")
def align_command(dataset, dim, epochs, seed, fmt) -> None:
    """Align the caption model with the image embedder on this dataset's (image, sub-caption) pairs
    (both frozen; two projection heads trained contrastively), for `search TEXT --by-content`."""
    from figdex.index.db import Dataset

    with Dataset.open(dataset, create=False) as ds:
        summary = align_summary(ds, dim=dim, epochs=epochs, seed=seed)
    _report(summary, fmt)
