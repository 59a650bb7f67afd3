"""What `figdex ingest` and `ingest-images` share around the stage runner (``ingest/stages.py``):
the --workers/--cluster options, one progress bar per stage, and the lines after the stages."""

from __future__ import annotations

import sys
import time

import click

STAGE_LABELS = {"fetch": "fetching", "parse": "ingesting", "store": "storing images", "separate": "separating",
                "label": "labelling", "embed": "embedding", "captions": "caption vectors"}
STAGE_UNITS = {"fetch": "articles", "parse": "files", "store": "images", "separate": "figures", "label": "images",
               "embed": "images", "captions": "captions"}


def executor_options(f):
    f = click.option("--cluster", metavar="ADDRESS",
                     help="Send the stage work to a running Dask scheduler (tcp://HOST:8786; needs "
                          "figdex[cluster], the inputs and the dataset on a shared filesystem).")(f)
    return click.option("--workers", type=click.IntRange(1), default=None,
                        help="Worker processes for parsing, separation, OCR, scale reading and classification "
                             "(default: $FIGDEX_WORKERS, else the machine's cores; 1: all in this process). Each worker "
                             "uses one core (its OCR/CNN one thread) unless FIGDEX_THREADS is set.")(f)


def open_executor(workers: int | None, cluster: str | None):
    from figdex.ingest.executors import executor_for

    if cluster and workers is not None:
        raise click.UsageError("give --workers or --cluster, not both (the cluster's workers are started "
                               "with `dask worker`)")
    return executor_for(workers, cluster)


class ClickProgress:
    """One click progress bar per stage, each started after the models were loaded (its ETA times
    the work alone), showing the stage's rate."""

    def __init__(self) -> None:
        self._bar = None

    def start(self, stage: str, total: int) -> None:
        self.finish()
        self._stage, self._done, self._figures, self._started = stage, 0, 0, time.monotonic()
        self._bar = click.progressbar(length=total, label=STAGE_LABELS.get(stage, stage), file=sys.stderr,
                                      item_show_func=lambda rate: rate or "")
        self._bar.__enter__()

    def advance(self, n: int = 1, figures: int = 0) -> None:
        if self._bar is None:
            return
        self._done += n
        self._figures += figures
        seconds = time.monotonic() - self._started
        unit = STAGE_UNITS.get(self._stage, "items")
        rate = f"{self._done / seconds:.2f} {unit}/s" if seconds > 0 else ""
        if rate and unit != "figures" and self._figures:  # articles and files: the figures they gave, too
            rate += f", {self._figures / seconds:.2f} figures/s"
        self._bar.update(n, rate)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def echo_stages_report(report) -> None:
    """The lines after the image stages (on stderr: stdout keeps the command's output)."""
    sep = report.separation
    if sep is not None:
        for reason in sep.failures:
            click.echo(f"failed: {reason}", err=True)
        click.echo(f"{sep.separated} figures separated into {sep.masters} master images "
                   f"({sep.scaled} with a scale), {sep.failed} failed", err=True)
    if report.labels is not None:
        click.echo(f"labels {report.labels.model}: {report.labels.labelled} images labelled", err=True)
    emb = report.embedding
    if emb is not None:
        for reason in emb.failures:
            click.echo(f"failed: {reason}", err=True)
        click.echo(f"{emb.embedder}: {emb.embedded} images embedded; index of {emb.indexed} vectors", err=True)
    if report.captions is not None:
        from figdex.cli.semantic import echo_caption_summary

        echo_caption_summary(report.captions)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
