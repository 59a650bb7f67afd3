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
    if summary.image_texts is not None:
        click.echo(f"image text: {summary.image_texts[0]} embedded; index of {summary.image_texts[1]} vectors", err=True)
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
        engine = ds.config.get("text_index")
    _report(summary, fmt)
    if engine in ("elasticsearch", "opensearch"):
        click.echo(f"the {engine} index still holds the previous vectors: run `figdex index sync` to push these",
                   err=True)


@click.command("image-text")
@dataset_option
@click.option("--ocr", "ocr_name", default="rapidocr", show_default=True, help="OCR engine (models/ocr.py).")
@click.option("--redo", is_flag=True, help="Read every image again, not only those not read yet.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="OCR processes (one thread each when more than one).")
@format_option("table")
def image_text_command(dataset, ocr_name, redo, workers, fmt) -> None:
    """Read the text printed in each image (axis titles, legends, labels, units) by OCR, store it in
    the database and embed it, for `search TEXT --by-content`.  Reads only images not read yet
    (ingest's separation already read the figures it separated), so it resumes and backfills."""
    from figdex.index.db import Dataset
    from figdex.ingest.image_text import embed_image_texts, read_image_texts

    bars = []

    def start(total: int) -> None:
        bars.append(click.progressbar(length=total, label="image text (OCR)", file=sys.stderr, show_eta=True))
        bars[0].__enter__()

    with Dataset.open(dataset, create=False) as ds:
        try:
            summary = read_image_texts(ds, ocr_name, redo=redo, workers=workers, on_start=start,
                                       on_image=lambda n: bars[0].update(n))
        finally:
            while bars:
                bars.pop().__exit__(None, None, None)
        summary.embedder, summary.embedded, summary.indexed = embed_image_texts(ds)
    if fmt != "table":
        emit([asdict(summary) | {"seconds_per_image": round(summary.seconds_per_image, 3)}], fmt)
        return
    for failure in summary.failures:
        click.echo(f"warning: {failure}", err=True)
    click.echo(f"{summary.read} images read ({summary.with_text} with words; OCR {summary.seconds_per_image:.2f} s "
               f"an image), {summary.unchanged} unchanged; {summary.embedder}: {summary.embedded} embedded, "
               f"index of {summary.indexed} vectors", err=True)
