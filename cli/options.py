"""Options shared by several commands."""

from __future__ import annotations

import functools
import os

import click

from figdex.cli.output import FORMATS
from figdex.index.query import SearchFilters

DEFAULT_DATASET = "./figdex-data"


def dataset_option(f):
    return click.option(
        "--dataset",
        type=click.Path(file_okay=False, path_type=str),
        default=lambda: os.environ.get("FIGDEX_DATASET", DEFAULT_DATASET),
        show_default="$FIGDEX_DATASET or ./figdex-data",
        help="Dataset directory (holds figdex.db and images/).",
    )(f)


def format_option(default: str = "table"):
    return click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default=default, show_default=True,
        help="Output format; jsonl prints one JSON object per line and nothing else on stdout.",
    )


def filter_options(f):
    """--journal/--year-min/... -> a SearchFilters passed as `filters`."""
    opts = [
        click.option("--journal", multiple=True, help="Journal name contains this (repeatable)."),
        click.option("--publisher", multiple=True, help="nature, rsc, acs, pmc, springer, ... (repeatable)."),
        click.option("--year-min", type=int),
        click.option("--year-max", type=int),
        click.option("--license", "license_", multiple=True, help="Licence prefix, e.g. CC-BY (repeatable)."),
        click.option("--open-access/--no-open-access", "open_access", default=None,
                     help="Only open-access (or only closed) articles."),
        click.option("--class", "image_class", multiple=True, help="Image class (repeatable)."),
        click.option("--with-label", "with_label", multiple=True,
                     help="Has this label (value, or kind:value); repeatable, all must match."),
        click.option("--has-scale/--no-scale", "has_scale", default=None, help="Only images with (without) a scale."),
        click.option("--scale-min", type=float, help="Minimum nm per pixel."),
        click.option("--scale-max", type=float, help="Maximum nm per pixel."),
        click.option("--has-image/--no-image", "has_image", default=None,
                     help="Only images whose file is stored (missing)."),
    ]

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        kwargs["filters"] = SearchFilters(
            journal=kwargs.pop("journal"), publisher=kwargs.pop("publisher"),
            year_min=kwargs.pop("year_min"), year_max=kwargs.pop("year_max"),
            license=kwargs.pop("license_"), open_access=kwargs.pop("open_access"),
            image_class=kwargs.pop("image_class"), label=kwargs.pop("with_label"),
            has_scale=kwargs.pop("has_scale"), scale_min=kwargs.pop("scale_min"),
            scale_max=kwargs.pop("scale_max"), has_image=kwargs.pop("has_image"),
        )
        return f(*args, **kwargs)

    for opt in reversed(opts):
        wrapper = opt(wrapper)
    return wrapper
