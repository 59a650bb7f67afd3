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
from figdex.cli.stages import executor_options
from figdex.errors import FigdexError


class FriendlyGroup(click.Group):
    """The one place the CLI renders the library's errors: the message on stderr and the error's
    exit status (figdex/errors.py), no traceback.  Commands do not catch them."""

    def invoke(self, ctx):
        given = list(ctx.args)  # the command's arguments (click empties ctx.args before parsing them)
        try:
            return super().invoke(ctx)
        except FigdexError as exc:
            for failure in getattr(exc, "failures", [])[:20]:  # a bulk call's failed items (BulkIndexError)
                click.echo(f"failed: {failure}", err=True)
            raise _click_error(str(exc), exc.exit_code) from exc
        except FileNotFoundError as exc:
            raise _click_error(str(exc), 1) from exc
        except click.NoSuchOption as exc:
            # `figdex search "-TEM"`: click reads an argument that starts with '-' as options.
            name = exc.ctx.info_name if exc.ctx else "COMMAND"
            token = next((a for a in given if a.startswith(exc.option_name)), exc.option_name)
            exc.message = (exc.message.rstrip(".") + ". An argument that starts with '-' is read as options; "
                           f'`--` ends the options: figdex {name} -- "{token}" (options go before the --)')
            raise
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc):
                raise click.ClickException(
                    f"the dataset is busy ({exc}); wait for the other figdex command to finish") from exc
            raise


def _click_error(message: str, exit_code: int) -> click.ClickException:
    err = click.ClickException(message)
    err.exit_code = exit_code
    return err


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
@click.argument("sources", nargs=-1, metavar="PATHS... | URLS... | QUERY.json")
@dataset_option
@click.option("--force", is_flag=True, help="Re-parse files even when unchanged since the last ingest.")
@click.option("--keyword", "keywords", multiple=True,
              help="Query keyword/synonym to record where captions mention it (repeatable).")
@click.option("--family", help="Journal family (nature, rsc, acs, europepmc, arxiv): forces the parser of URLs "
              "(e.g. a mirror on 127.0.0.1); with --search, where to search.")
@click.option("--search", "searches", multiple=True, metavar="TERM[|SYNONYM...]",
              help="Search the live site for this field, 'term' or 'term|synonym|...' (repeatable; needs --family).")
@click.option("--max", "maximum", type=click.IntRange(1), help="Articles to take from a search "
              "(overrides maximum_scraped; default 10).")
@click.option("--sortby", type=click.Choice(["relevant", "recent", "old"]), help="Search order (overrides sortby).")
@click.option("--category", "categories", multiple=True, metavar="CAT",
              help="arXiv only: limit the search to this category, e.g. cond-mat.mtrl-sci (repeatable; any of them).")
@click.option("--open/--any-access", "open_access", default=None, help="Only open-access articles (overrides open).")
@click.option("--base-url", help="Send the family's search (and Europe PMC full-text requests) to this host "
              "instead (mirrors, tests).")
@click.option("--fetcher", default="requests", show_default=True,
              help="requests, or browser (headless Chromium) for sites that answer with a JavaScript challenge.")
@click.option("--delay", type=click.FloatRange(0), default=1.0, show_default=True,
              help="Minimum seconds between two requests to one host (arXiv's hosts: at least the "
              "arxiv_delay setting, 3 s).")
@click.option("--separate/--no-separate", "run_separation", default=True, show_default=True,
              help="Split the new figures into master images, classify and scale them.")
@click.option("--embed/--no-embed", "run_embedding", default=True, show_default=True,
              help="Compute image vectors for query by example (needs figdex[ml]; skipped with a note without it).")
@executor_options
@format_option("table")
def ingest(sources: tuple[str, ...], dataset: str, force: bool, keywords: tuple[str, ...], family: str | None,
           searches: tuple[str, ...], maximum: int | None, sortby: str | None, categories: tuple[str, ...],
           open_access: bool | None,
           base_url: str | None, fetcher: str, delay: float, run_separation: bool, run_embedding: bool,
           workers: int | None, cluster: str | None, fmt: str) -> None:
    """Ingest saved article pages / XML files / PDFs (or folders of them) with the images beside them,
    article URLs from the live web, or a query (an EXSCLAIM QUERY.json, or --search with --family).
    A PDF gives one article; its figures are cut out of the pages (needs figdex[pdf])."""
    from figdex.ingest.web.scrape import split_sources

    paths, urls, query_files = split_sources(sources)
    if not (paths or urls or query_files or searches):
        raise click.UsageError("give saved files/folders, article URLs, a QUERY.json, or --search TERM --family F")
    from figdex.cli.ingest_inputs import ingest_saved, ingest_web
    from figdex.cli.stages import ClickProgress, echo_stages_report, open_executor
    from figdex.ingest.stages import StageOptions, run_image_stages

    options = StageOptions(separation=run_separation, embedding=run_embedding)
    with open_executor(workers, cluster) as executor:
        if paths:
            ingest_saved([Path(p) for p in paths], dataset, force, keywords, fmt, executor, options)
        if urls or query_files or searches:
            summary = ingest_web(urls, query_files, searches, dataset, force, keywords, family, maximum, sortby,
                                  categories, open_access, base_url, fetcher, delay, fmt, executor, options)
        with _open(dataset, create=True) as ds:
            echo_stages_report(run_image_stages(ds, executor=executor, options=options, progress=ClickProgress()))
    if urls or query_files or searches:  # the last line says how many articles failed
        from figdex.ingest.web import scrape as web

        if summary.nothing_fetched:
            raise click.ClickException(web.outcome_line(summary))
        if fmt == "table":
            click.echo(web.outcome_line(summary))


def backend_options(f):
    """--backend / --url for the commands that talk to a text index; without them the settings
    (figdex/settings.py) decide: FIGDEX_BACKEND / FIGDEX_ES_URL, then config.json."""
    f = click.option("--url", help="Elasticsearch/OpenSearch URL (default: $FIGDEX_ES_URL, config.json "
                     "text_index_url, http://localhost:9200), credentials in it if needed: "
                     "https://user:pass@host:9200.")(f)
    return click.option("--backend", help="Text index backend: tantivy or fts5 (embedded), elasticsearch, "
                        "opensearch (default: $FIGDEX_BACKEND, else the dataset's config.json text_index).")(f)


@cli.command()
@click.argument("query")
@dataset_option
@click.option("--limit", "--k", "limit", default=10, show_default=True, type=click.IntRange(1, 10000),
              help="Number of hits.")
@click.option("--offset", default=0, type=click.IntRange(0), help="Skip this many hits (paging).")
@click.option("--raw", is_flag=True,
              help="Pass QUERY to the engine unchanged (tantivy's query syntax, FTS5's with --backend fts5, "
                   "query_string syntax on Elasticsearch/OpenSearch).")
@click.option("--facets", is_flag=True,
              help="Also count the matches per journal, class, label and year (stderr; with --format json, "
                   "a second JSON object after the hits).")
@click.option("--facet-size", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Values listed per facet.")
@click.option("--like", help="Hybrid search: also rank by visual similarity to this image (file or id); "
              "reciprocal rank fusion.")
@click.option("--rrf-k", default=60, show_default=True, type=click.IntRange(1), help="RRF constant k.")
@click.option("--text-weight", default=1.0, show_default=True, type=float)
@click.option("--image-weight", default=1.0, show_default=True, type=float)
@click.option("--nm-per-px", "--scale", "nm_per_px", type=float,
              help="With --like: the query image's nm per pixel.")
@click.option("--scale-factor", default=2.0, show_default=True, type=click.FloatRange(min=1.0))
@click.option("--scale-mode", type=click.Choice(["push", "filter"]), default="push", show_default=True)
@click.option("--explain", is_flag=True, help="With --like, --by-content or a fused --mode: say why each hit ranks "
              "where it does (its rank in each ranking).")
@click.option("--mode", type=click.Choice(["auto", "bm25", "semantic", "hybrid"]),
              help="bm25: keywords; semantic: meaning of the captions (figdex[semantic], `index embed`); hybrid: "
                   "both, fused by RRF.  [default: $FIGDEX_SEARCH_MODE, else auto: hybrid where the dataset has "
                   "caption vectors, else bm25]")
@click.option("--by-content", is_flag=True,
              help="Rank images by what they show, through the text-image alignment (`figdex index align`), so "
                   "images without a caption are found; with --mode, fused with that mode's rankings.")
@click.option("--match", type=click.Choice(["panel", "figure"]),
              help="panel: only images whose own sub-caption, labels or class have the query; figure: every "
                   "panel of a figure whose caption has it (in fused modes: the keyword ranking).  [default: panel with --class, else figure]")
@backend_options
@filter_options
@format_option("table")
def search(query: str, dataset: str, limit: int, offset: int, raw: bool, facets: bool, facet_size: int,
           like: str | None, rrf_k: int, text_weight: float, image_weight: float, nm_per_px: float | None,
           scale_factor: float, scale_mode: str, explain: bool, mode: str | None, by_content: bool,
           match: str | None, backend: str | None, url: str | None, filters, fmt: str) -> None:
    """Keyword search (BM25 over sub-captions, labels, captions, titles, abstracts); with --like, hybrid;
    --mode semantic|hybrid searches the captions' meaning too, --by-content what the images show.

    Hybrid search ranks text exactly as keyword search does (--backend, --url, --raw, filters) and
    pages and counts facets the same way."""
    from figdex.index.fulltext import open_text_index
    from figdex.retrieval.search import facet_counts
    from figdex.retrieval.search import search as run_search
    from figdex.retrieval.semantic import TextSearchResult, resolve_mode, text_search

    if like and (by_content or mode not in (None, "auto", "bm25")):
        raise click.UsageError("--like fuses keywords with an image; --mode semantic|hybrid and --by-content "
                               "fuse text rankings: use one or the other")
    with _open(dataset) as ds:
        index = open_text_index(ds, backend, url)
        if like:
            from figdex.retrieval.similar import hybrid

            result = hybrid(ds, query, like, limit=limit, offset=offset, filters=filters, raw=raw, index=index,
                            k=rrf_k, text_weight=text_weight, image_weight=image_weight, nm_per_px=nm_per_px,
                            scale_factor=scale_factor, scale_mode=scale_mode, match=match)
            total = result.text_total
        elif by_content or resolve_mode(ds, mode) != "bm25":
            result = text_search(ds, query, filters, mode=mode, by_content=by_content, limit=limit, offset=offset,
                                 raw=raw, index=index, k=rrf_k, match=match)
            total = result.total
        else:
            result = run_search(ds, query, filters, limit=limit, offset=offset, raw=raw, index=index, match=match)
            total = result.total
        counts = facet_counts(ds, query, filters, size=facet_size, raw=raw, index=index) if facets else None
    for warning in result.warnings:
        click.echo(f"note: {warning}", err=True)
    if like:
        from figdex.cli.images import emit_hybrid

        emit_hybrid(result.hits, fmt, explain)
    elif isinstance(result, TextSearchResult):
        from figdex.cli.images import hit_rows

        rows = hit_rows(result.hits, explain)
        if fmt == "table":
            for row in rows:
                e = row.get("explain") or {}
                row["why"] = " ".join(f"{name} #{e[name + '_rank']}" for name in result.rankings
                                      if name + "_rank" in e)
            emit(rows, fmt, ["id", "score", "figure", "label", "year", "journal", "why" if explain else "caption"])
            click.echo(f"{len(rows)} of {total} hits ({result.mode}: {' + '.join(result.rankings)})", err=True)
        else:
            emit(rows, fmt)
    else:
        rows = [_hit_row(h) for h in result.hits]
        if fmt == "table":
            emit(rows, fmt, ["id", "score", "figure", "label", "year", "journal", "snippet"])
            click.echo(f"{len(rows)} of {total} hits", err=True)
        else:
            emit(rows, fmt)
    if counts is not None:
        if fmt == "json":
            import json

            facet_obj = {k: [{"value": v, "count": n} for v, n in pairs] for k, pairs in counts.items()}
            click.echo(json.dumps({"total": total, "facets": facet_obj}, ensure_ascii=False, indent=2))
        else:
            for name, pairs in counts.items():
                click.echo(f"{name}: " + (", ".join(f"{v} ({n})" for v, n in pairs) or "-"), err=True)


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
@click.option("--label-kind", help="Group by the best label of this kind (caption, abstract, topic, user, keyword, "
              "term, class); only images with one are exported.")
@click.option("--xml/--no-xml", "xml_sidecar", default=True, show_default=True,
              help="Write <id>.xml beside each image with its labels by kind (user labels included).")
@click.option("--match", type=click.Choice(["panel", "figure"]), default="panel", show_default=True,
              help="--query at panel level (the sub-caption, labels or class of the image has it) or at figure "
                   "level (every panel of a figure whose caption has it).")
@filter_options
@format_option("table")
def export(dataset: str, out: Path, label: str | None, query: str | None, limit: int | None, force: bool,
           label_kind: str | None, xml_sidecar: bool, match: str, filters, fmt: str) -> None:
    """Export images + metadata.jsonl/csv + exsclaim.json (ImageFolder layout: OUT/<label>/<id>.<ext>)."""
    from figdex.retrieval.export import export_dataset

    if not (label or query or label_kind or filters != type(filters)()):
        raise click.ClickException("say what to export: --label L, --label-kind K, --query Q, or a filter option")
    with _open(dataset) as ds:
        summary = export_dataset(ds, out, label=label, query=query, filters=filters, force=force, limit=limit,
                                 label_kind=label_kind, xml_sidecar=xml_sidecar, match=match)
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
    emit(rows, fmt, ["publisher", "articles", "figures", "graphical_abstracts", "captions", "images_found",
                     "images_missing"])
    if fmt == "table":  # index/counts.py defines each count
        ga, ga_masters = data["graphical_abstracts"], data["graphical_abstract_masters"]
        click.echo(f"total: {data['articles']} articles, {data['figures']} figures"
                   + (f" ({ga} graphical abstracts kept apart, not counted as figures)" if ga else "")
                   + f", {data['master_images']} master images"
                   + (f" ({ga_masters} of graphical abstracts)" if ga_masters else "")
                   + f", {data['images_missing']} figures without a stored image, "
                   f"{data['source_files_failed']} files failed")


@cli.group(name="index")
def index_group() -> None:
    """Derived indexes (full text, vectors): rebuild them from the database."""


@index_group.command("rebuild")
@dataset_option
@backend_options
@click.option("--use", "make_default", is_flag=True,
              help="Also make this backend (and --url) the dataset's text index in its config.json, "
                   "which ingest, search, export and serve follow.")
def index_rebuild(dataset: str, backend: str | None, url: str | None, make_default: bool) -> None:
    """Drop and rebuild the full-text index from the database (and the caption and aligned vector
    indexes, where the dataset has them).

    The embedded tantivy index is written as a new generation and switched to when complete; on
    Elasticsearch/OpenSearch a new versioned index is filled and the alias swapped to it in one
    atomic step: searches see the old index until the new one is complete.
    """
    from figdex.ingest.engine_vectors import open_engine_index

    with _open(dataset) as ds:
        index = open_engine_index(ds, backend, url)
        n = index.rebuild(progress=_progress("rebuilding"))
        if make_default:
            ds.set_config(text_index=index.name, **({"text_index_url": url} if url else {}))
    _progress_done()
    where = f" {index.alias} at {index.url}" if hasattr(index, "alias") else ""
    click.echo(f"rebuilt {index.name} index{where}: {n} documents"
               + (" (now the dataset's text index)" if make_default else ""), err=True)
    _vector_note(index)
    from figdex.ingest.text_embed import rebuild_semantic_indexes

    with _open(dataset) as ds:
        for name, count in rebuild_semantic_indexes(ds).items():  # caption and aligned vectors, if any
            click.echo(f"rebuilt the {name} vector index: {count} vectors", err=True)


@index_group.command("sync")
@dataset_option
@backend_options
@click.option("--full", is_flag=True,
              help="Push every image (and drop documents gone from the database), not only those changed "
                   "since the last sync.")
@format_option("table")
def index_sync(dataset: str, backend: str | None, url: str | None, full: bool, fmt: str) -> None:
    """Push the database to Elasticsearch/OpenSearch: the rows changed since the last sync, or all.

    The first sync creates the index (a versioned index behind an alias).  Later ones push the
    images changed since (in commit order: deletions and removed labels included).  The caption and
    aligned image vectors go too, where the dataset has them (`index embed`, `index align`), for the
    engine's kNN; new or changed vectors rebuild the index.
    """
    from figdex.ingest.engine_vectors import open_engine_index

    with _open(dataset) as ds:
        index = open_engine_index(ds, backend, url)
        if not hasattr(index, "sync"):
            click.echo(f"the {index.name} index is written with the database and is always in step; nothing to "
                       f"sync (choose --backend elasticsearch|opensearch, or `figdex index rebuild`)", err=True)
            return
        report = index.sync(full=full, progress=_progress("syncing"))
    _progress_done()
    if fmt == "table":
        since = ""
        if report.since is not None:  # incremental: which changes of the database's change log went
            since = (f" (changes {report.since + 1}-{report.change})" if report.change > report.since
                     else " (nothing changed since the last sync)")
        click.echo(f"synced {report.backend} {report.alias} -> {report.index} at {index.url}: {report.mode}, "
                   f"{report.pushed} documents pushed{since}, {report.deleted} deleted", err=True)
    else:
        emit([report.as_dict()], fmt)
    _vector_note(index)


def _vector_note(index) -> None:
    """Which dense vectors an engine index was given, or why it holds none."""
    if getattr(index, "vectors_refused", None):
        click.echo(f"warning: {index.name} refused the vector fields ({index.vectors_refused}); semantic and "
                   f"content search rank with the local vector indexes", err=True)
    elif getattr(index, "vectors_stored", ()):
        click.echo(f"with vectors for the engine's kNN: {', '.join(index.vectors_stored)}", err=True)


def _progress(label: str):
    def report(n: int) -> None:
        if sys.stderr.isatty():
            click.echo(f"\r{label}: {n} documents", err=True, nl=False)
    return report


def _progress_done() -> None:
    if sys.stderr.isatty():
        click.echo("", err=True)


@cli.command()
@click.option("--keep", type=click.Path(path_type=Path), help="Keep the demo dataset in this folder.")
def demo(keep: Path | None) -> None:
    """Ingest the bundled CC-BY demo corpus, run a few searches and an export, and say what happened."""
    from figdex.cli.demo import run_demo

    run_demo(keep, click.echo)


from figdex.cli.captions import captions, eval_group  # noqa: E402  (light: imports click only)

from figdex.cli.figures import eval_pdf, eval_scale, eval_separation, figures  # noqa: E402
from figdex.cli.images import embed_command, ingest_images, similar, tune_command  # noqa: E402
from figdex.cli.config import config_command  # noqa: E402  (light: settings load when it runs)
from figdex.cli.labels import labels_group  # noqa: E402
from figdex.cli.semantic import align_command, image_text_command  # noqa: E402  (light: models load when it runs)

cli.add_command(similar)
cli.add_command(config_command)
cli.add_command(labels_group)
cli.add_command(ingest_images)
index_group.add_command(embed_command)
index_group.add_command(tune_command)
index_group.add_command(align_command)
index_group.add_command(image_text_command)

eval_group.add_command(eval_separation)
eval_group.add_command(eval_scale)
eval_group.add_command(eval_pdf)

cli.add_command(captions)
cli.add_command(eval_group)
cli.add_command(figures)

from figdex.cli.web.serve import serve  # noqa: E402  (light: Flask loads when the command runs)

cli.add_command(serve)


def main() -> None:
    cli(prog_name="figdex")


if __name__ == "__main__":
    main()
