"""`figdex index align`, and the lines of the caption-vector stage (ingest/text_embed.py) of `index embed`
and the ingest commands (issue 20)."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from figdex.cli.options import dataset_option, format_option
from figdex.cli.output import emit


def caption_stage(ds) -> None:
    """`index embed`'s caption vectors (ingest/text_embed.caption_stage) with a bar; a note without the model."""
    from figdex.ingest.text_embed import caption_stage as run_caption_stage
    from figdex.models.text_embedders import TextEmbedderError

    bars = []

    def start(total: int) -> None:
        bars.append(click.progressbar(length=total, label="caption vectors", file=sys.stderr))
        bars[0].__enter__()

    def close() -> None:
        while bars:
            bars.pop().__exit__(None, None, None)

    def step(msg: str) -> None:  # the alignment's training lines come after the vectors' bar
        close()
        click.echo(msg, err=True)

    try:
        summary = run_caption_stage(ds, on_start=start, on_batch=lambda n: bars[0].update(n), on_step=step)
    except TextEmbedderError as exc:
        click.echo(f"note: caption vectors skipped ({exc})", err=True)
        return
    finally:
        close()
    echo_caption_summary(summary)


def echo_caption_summary(summary) -> None:
    """The lines after the caption stage (on stderr), for `index embed` and the ingest commands."""
    v = summary.vectors
    click.echo(f"{v.embedder}: {v.embedded} captions embedded, {v.unchanged} unchanged, "
               f"{v.dropped} dropped; index of {v.indexed} vectors", err=True)
    if summary.regrown is not None:
        click.echo(f"the dataset grew from {summary.regrown[0]} to {summary.regrown[1]} (image, caption) pairs: "
                   "the text-image alignment was retrained", err=True)
    if summary.alignment is not None:
        _report(summary.alignment, "table")


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
