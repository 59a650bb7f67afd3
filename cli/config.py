"""`figdex config`: every setting (figdex/settings.py) with its value and where it came from."""

from __future__ import annotations

import click

from figdex.cli.options import dataset_option, format_option
from figdex.cli.output import emit


@click.command("config")
@dataset_option
@format_option("table")
def config_command(dataset: str, fmt: str) -> None:
    """Show the settings: value, source (an environment variable, the dataset's config.json, or
    the default), variable and help.  A bad value is listed with its error, and the command exits 1."""
    from pathlib import Path

    from figdex import settings

    root = Path(dataset)
    rows = settings.table(root if root.is_dir() else None)
    if fmt == "table":
        emit([{**r, "value": "" if r["value"] is None else r["value"]} for r in rows], fmt,
             ["name", "value", "source", "env", "help"])
        click.echo(f"dataset settings (text_index ... label_model) may be set in {root / settings.CONFIG_NAME}; "
                   "an environment variable overrides them", err=True)
    else:
        emit(rows, fmt)
    errors = [r["error"] for r in rows if r["error"]]
    if errors:
        raise click.ClickException("\n".join(dict.fromkeys(errors)))
