"""The two halves of `figdex ingest`: saved files (through the stage runner's executor) and the
live harvest (fetching stays in this process, polite per host); each reports as the CLI does."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from figdex.cli.output import emit


def _open(dataset: str, create: bool = False):
    from figdex.index.db import Dataset

    return Dataset.open(dataset, create=create)


def ingest_web(urls, query_files, searches, dataset, force, keywords, family, maximum, sortby, categories,
                open_access, base_url, fetcher, delay, fmt, executor=None, options=None):
    """The live harvest: fetching in this process, polite per host, different hosts in parallel
    (setting harvest_hosts) while ``executor`` parses and separates what came (``ingest/web/harvest.py``);
    the separation stage runs here, the label and embedding stages are left to the caller."""
    from figdex import settings
    from figdex.cli.stages import ClickProgress, echo_stages_report
    from figdex.ingest.stages import StageOptions
    from figdex.ingest.web import scrape as web
    from figdex.ingest.web.harvest import harvest
    from figdex.ingest.web.query import load_query, query_from_terms

    overrides = {"maximum_scraped": maximum, "sortby": sortby, "open": open_access,
                 "categories": categories or None}
    queries = [load_query(q).with_overrides(**overrides) for q in query_files]
    if searches:
        if not family:
            raise click.UsageError("--search needs --family (nature, rsc, acs, europepmc or arxiv)")
        queries.append(query_from_terms(family, searches, maximum=maximum or 10, sortby=sortby or "relevant",
                                        open_access=bool(open_access), categories=categories))
    summary = web.ScrapeSummary()
    hosts = settings.get("harvest_hosts")
    report = None
    with _open(dataset, create=True) as ds, \
            web.open_fetcher(fetcher, web.http_config(ds.root, min_interval=delay, host_intervals=web.rate_limits(
                base_url, [family, *(q.journal_family for q in queries)]))) as client:
        jobs = web.plan_jobs(client, urls=urls, family=family, queries=queries, base_url=base_url,
                             keywords=keywords, summary=summary)
        progress = ClickProgress()
        if hosts > 1:
            summary, report = harvest(ds, client, jobs, base_url=base_url, force=force, summary=summary,
                                      executor=executor, options=options or StageOptions(), hosts=hosts,
                                      progress=progress)
        else:  # one article after another, as before #18: the stages run after (the caller's)
            from figdex.ingest.pipeline import warm_up

            warm_up()  # before the bar: a model load inside it would inflate its ETA
            progress.start("fetch", len(jobs))
            try:
                web.run_jobs(ds, client, jobs, base_url=base_url, force=force, summary=summary,
                             on_event=lambda e: progress.advance(1) if e.stage == "article" else None)
            finally:
                progress.finish()
        stats = ds.stats()
    for url, reason in summary.failed:
        click.echo(f"failed: {reason}" if url in reason else f"failed: {url}: {reason}", err=True)
    for url, reason in summary.skipped:
        click.echo(f"skipped: {url}: {reason}", err=True)
    for url, reason in summary.image_failures:
        click.echo(f"image not saved: {reason}", err=True)
    for url, reason in summary.attachment_failures:
        click.echo(f"not saved: {reason}", err=True)
    for problem in summary.problems:
        click.echo(f"note: {problem}", err=True)
    for path, reason in summary.ingest.partial:
        click.echo(f"warning: {reason}", err=True)
    for path, reason in summary.ingest.limited:
        click.echo(f"note: {path}: {reason}", err=True)
    if report is not None:
        echo_stages_report(report)
    row = summary.as_dict()
    row["dataset"] = {k: stats[k] for k in DATASET_COUNTS}
    if fmt == "table":
        for line in web.summary_lines(summary):
            click.echo(line)
        click.echo(f"dataset {dataset}: " + ", ".join(f"{k} {v}" for k, v in row["dataset"].items()))
    else:
        emit([row], fmt)
    return summary


# The dataset line after an ingest: the counts of `figdex stats` (index/counts.py).
DATASET_COUNTS = ("articles", "figures", "graphical_abstracts", "master_images", "images_found", "images_missing")


def ingest_saved(paths: list[Path], dataset: str, force: bool, keywords: tuple[str, ...], fmt: str, executor,
                  options) -> None:
    from figdex.cli.stages import ClickProgress
    from figdex.ingest.pipeline import ingest_paths, iter_source_files

    for p in paths:
        if not p.exists():
            raise click.ClickException(f"{p}: no such file or folder; check the path given to ingest")
    total = sum(1 for _ in iter_source_files(paths))
    # The models load before the bar (in each worker): a model load inside it would inflate its ETA.
    executor.warm_up(("parse", "separate") if options.separation else ("parse",))
    with _open(dataset, create=True) as ds:
        progress = ClickProgress()
        progress.start("parse", total)
        try:
            summary = ingest_paths(ds, paths, force=force, keywords=keywords, executor=executor,
                                   on_file=lambda path, outcome: progress.advance(1))
        finally:
            progress.finish()
        for path, reason in summary.failures:
            click.echo(f"failed: {reason}", err=True)
        for path, reason in summary.partial:
            click.echo(f"warning: {reason}", err=True)
        for path, reason in summary.limited:
            click.echo(f"note: {path}: {reason}", err=True)
        stats = ds.stats()
    row = summary.as_dict()
    row.pop("skipped")
    row.pop("limited")
    row["failures"] = [f"{p}: {r}" for p, r in summary.failures]
    row["partial"] = [r for _, r in summary.partial]
    row["dataset"] = {k: stats[k] for k in DATASET_COUNTS}
    if fmt == "table":
        click.echo(
            f"{summary.files} files: {summary.files - summary.unchanged - summary.not_articles - summary.failed} "
            f"ingested, {summary.unchanged} unchanged, {summary.not_articles} not articles, {summary.failed} failed; "
            f"{summary.articles} articles, {summary.figures} figures "
            f"({summary.images_found} images found, {summary.images_missing} missing)"
            + (f", {summary.graphical_abstracts} graphical abstracts (not counted as figures)"
               if summary.graphical_abstracts else "")
            + (f"; {len(summary.partial)} files truncated, stored as partial" if summary.partial else "")
        )
        click.echo(f"dataset {dataset}: " + ", ".join(f"{k} {v}" for k, v in row["dataset"].items()))
    else:
        emit([row], fmt)
