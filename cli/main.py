"""The `figdex` command: thin click commands over the library.

Heavy modules are imported inside commands so that `figdex --help` stays instant.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from figdex import __version__
from figdex.cli.options import dataset_option, filter_options, format_option
from figdex.cli.output import emit


class FriendlyGroup(click.Group):
    """Turns the library's expected errors into one clear message and exit status 1 (no traceback)."""

    def invoke(self, ctx):
        from figdex.index.db import DatasetError
        from figdex.index.fulltext import UnknownBackendError
        from figdex.index.query import QueryError
        from figdex.index.schema import SchemaTooNewError
        from figdex.ingest.sources.base import SourceError, UnknownParserError
        from figdex.retrieval.export import ExportError

        try:
            return super().invoke(ctx)
        except (DatasetError, QueryError, ExportError, SchemaTooNewError, SourceError,
                UnknownBackendError, UnknownParserError, FileNotFoundError) as exc:
            raise click.ClickException(str(exc)) from exc
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise click.ClickException(
                    f"the dataset is busy ({exc}); wait for the other figdex command to finish") from exc
            raise


@click.group(cls=FriendlyGroup)
@click.version_option(__version__, prog_name="figdex")
def cli() -> None:
    """figdex: search and export the images inside scientific papers.

    A dataset is a directory holding figdex.db (SQLite, the source of truth) and the images.
    """


def _open(dataset: str, create: bool = False):
    from figdex.index.db import Dataset

    return Dataset.open(dataset, create=create)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@dataset_option
@click.option("--force", is_flag=True, help="Re-parse files even when unchanged since the last ingest.")
@click.option("--keyword", "keywords", multiple=True,
              help="Query keyword/synonym to record where captions mention it (repeatable).")
@format_option("table")
def ingest(paths: tuple[Path, ...], dataset: str, force: bool, keywords: tuple[str, ...], fmt: str) -> None:
    """Ingest saved article pages / XML files (or folders of them) with the images beside them."""
    from figdex.ingest.pipeline import ingest_paths, iter_source_files

    for p in paths:
        if not p.exists():
            raise click.ClickException(f"{p}: no such file or folder; check the path given to ingest")
    total = sum(1 for _ in iter_source_files(paths))
    with _open(dataset, create=True) as ds:
        with click.progressbar(length=total, label="ingesting", file=sys.stderr,
                               item_show_func=lambda p: p.name[:40] if p else "") as bar:
            summary = ingest_paths(ds, paths, force=force, keywords=keywords,
                                   on_file=lambda path, outcome: bar.update(1, path))
        for path, reason in summary.failures:
            click.echo(f"failed: {reason}", err=True)
        stats = ds.stats()
    row = summary.as_dict()
    row.pop("skipped")
    row["failures"] = [f"{p}: {r}" for p, r in summary.failures]
    row["dataset"] = {k: stats[k] for k in ("articles", "figures", "master_images", "images_found", "images_missing")}
    if fmt == "table":
        click.echo(
            f"{summary.files} files: {summary.files - summary.unchanged - summary.not_articles - summary.failed} "
            f"ingested, {summary.unchanged} unchanged, {summary.not_articles} not articles, {summary.failed} failed; "
            f"{summary.articles} articles, {summary.figures} figures "
            f"({summary.images_found} images found, {summary.images_missing} missing)"
        )
        click.echo(f"dataset {dataset}: " + ", ".join(f"{k} {v}" for k, v in row["dataset"].items()))
    else:
        emit([row], fmt)


@cli.command()
@click.argument("query")
@dataset_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 10000))
@click.option("--offset", default=0, type=click.IntRange(0), help="Skip this many hits (paging).")
@click.option("--raw", is_flag=True, help="Pass QUERY to the engine unchanged (FTS5 syntax).")
@filter_options
@format_option("table")
def search(query: str, dataset: str, limit: int, offset: int, raw: bool, filters, fmt: str) -> None:
    """Keyword search (BM25 over sub-captions, labels, captions, titles, abstracts)."""
    from figdex.retrieval.search import search as run_search

    with _open(dataset) as ds:
        result = run_search(ds, query, filters, limit=limit, offset=offset, raw=raw)
    for warning in result.warnings:
        click.echo(f"note: {warning}", err=True)
    rows = [_hit_row(h) for h in result.hits]
    if fmt == "table":
        emit(rows, fmt, ["id", "score", "figure", "label", "year", "journal", "snippet"])
        click.echo(f"{len(rows)} of {result.total} hits", err=True)
    else:
        emit(rows, fmt)


def _hit_row(hit) -> dict:
    from dataclasses import asdict

    row = asdict(hit)
    row["labels"] = list(hit.labels)
    return row


@cli.command()
@dataset_option
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--label", help="Export images with this label (value or kind:value); also the folder name.")
@click.option("--query", help="Export the images matching this keyword query.")
@click.option("--limit", type=click.IntRange(1), help="Export at most this many images.")
@click.option("--force", is_flag=True, help="Write into a non-empty --out, replacing an earlier export.")
@filter_options
@format_option("table")
def export(dataset: str, out: Path, label: str | None, query: str | None, limit: int | None, force: bool,
           filters, fmt: str) -> None:
    """Export images + metadata.jsonl/csv + exsclaim.json (ImageFolder layout: OUT/<label>/<id>.<ext>)."""
    from figdex.retrieval.export import export_dataset

    if not (label or query or filters != type(filters)()):
        raise click.ClickException("say what to export: --label L, --query Q, or at least one filter option")
    with _open(dataset) as ds:
        summary = export_dataset(ds, out, label=label, query=query, filters=filters, force=force, limit=limit)
    if fmt == "table":
        click.echo(f"exported {summary.rows} images to {out} ({summary.images_written} files written, "
                   f"{summary.images_missing} without a stored image); per label: {summary.per_label}")
    else:
        emit([summary.__dict__], fmt)


@cli.command()
@dataset_option
@format_option("table")
def stats(dataset: str, fmt: str) -> None:
    """Counts of articles, figures, master images and images missing, per publisher."""
    with _open(dataset) as ds:
        data = ds.stats()
    if fmt in ("json", "jsonl"):
        import json

        click.echo(json.dumps(data, indent=2 if fmt == "json" else None))
        return
    rows = [{"publisher": p, **v} for p, v in data["per_publisher"].items()]
    emit(rows, fmt, ["publisher", "articles", "figures", "captions", "images_found", "images_missing"])
    if fmt == "table":
        click.echo(f"total: {data['articles']} articles, {data['figures']} figures, {data['master_images']} master "
                   f"images, {data['images_missing']} images missing, {data['source_files_failed']} files failed")


@cli.group(name="index")
def index_group() -> None:
    """Derived indexes (full text, vectors): rebuild them from the database."""


@index_group.command("rebuild")
@dataset_option
def index_rebuild(dataset: str) -> None:
    """Drop and rebuild the full-text index from the database."""
    from figdex.index.fulltext import create_text_index

    with _open(dataset) as ds:
        index = create_text_index(ds.config["text_index"], ds.conn, ds.root)
        n = index.rebuild()
    click.echo(f"rebuilt {index.name} index: {n} documents", err=True)


@cli.command()
@click.option("--keep", type=click.Path(path_type=Path), help="Keep the demo dataset in this folder.")
def demo(keep: Path | None) -> None:
    """Ingest the bundled CC-BY demo corpus, run a few searches and an export, and say what happened."""
    from figdex.cli.demo import run_demo

    run_demo(keep, click.echo)


from figdex.cli.captions import captions, eval_group  # noqa: E402  (light: imports click only)

cli.add_command(captions)
cli.add_command(eval_group)


def main() -> None:
    cli(prog_name="figdex")


if __name__ == "__main__":
    main()
