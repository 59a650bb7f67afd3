"""Options shared by several commands."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import click

from figdex import settings
from figdex.cli.output import FORMATS
from figdex.index.query import SearchFilters
from figdex.models.devset_sets import DEVELOPMENT_SETS, FRESH_SET

DEFAULT_DATASET = "./figdex-data"


def dataset_option(f):
    return click.option(
        "--dataset",
        type=click.Path(file_okay=False, path_type=str),
        default=lambda: settings.get("dataset"),
        show_default="$FIGDEX_DATASET or ./figdex-data",
        help="Dataset directory (holds figdex.db and images/).",
    )(f)


def format_option(default: str = "table"):
    return click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default=default, show_default=True,
        help="Output format; jsonl prints one JSON object per line and nothing else on stdout.",
    )


@dataclass(frozen=True)
class FilterParam:
    """One search filter, as a CLI option and as an HTTP query-string parameter (same meaning)."""

    param: str  # the click parameter name
    web: str  # the query-string name in the HTTP API (`figdex serve`)
    field: str  # the SearchFilters field it sets
    type: type  # str, int, float or bool
    many: bool  # repeatable (a tuple of values)
    decls: tuple[str, ...]  # click option declarations
    help: str


FILTER_PARAMS: tuple[FilterParam, ...] = (
    FilterParam("journal", "journal", "journal", str, True, ("--journal",), "Journal name contains this (repeatable)."),
    FilterParam("publisher", "publisher", "publisher", str, True, ("--publisher",),
                "nature, rsc, acs, pmc, springer, ... (repeatable)."),
    FilterParam("year_min", "year_min", "year_min", int, False, ("--year-min",), ""),
    FilterParam("year_max", "year_max", "year_max", int, False, ("--year-max",), ""),
    FilterParam("license_", "license", "license", str, True, ("--license",),
                "Licence prefix, e.g. CC-BY (repeatable)."),
    FilterParam("open_access", "open_access", "open_access", bool, False, ("--open-access/--no-open-access",),
                "Only open-access (or only closed) articles."),
    FilterParam("image_class", "class", "image_class", str, True, ("--class",), "Image class (repeatable)."),
    FilterParam("with_label", "with_label", "label", str, True, ("--with-label",),
                "Has this label (value, or kind:value); repeatable, all must match."),
    FilterParam("has_scale", "has_scale", "has_scale", bool, False, ("--has-scale/--no-scale",),
                "Only images with (without) a scale."),
    FilterParam("scale_min", "scale_min", "scale_min", float, False, ("--scale-min",), "Minimum nm per pixel."),
    FilterParam("scale_max", "scale_max", "scale_max", float, False, ("--scale-max",), "Maximum nm per pixel."),
    FilterParam("has_image", "has_image", "has_image", bool, False, ("--has-image/--no-image",),
                "Only images whose file is stored (missing)."),
)


def build_filters(values: dict) -> SearchFilters:
    """SearchFilters from parsed values keyed by ``FilterParam.field`` (None/empty: no filter)."""
    kwargs = {}
    for p in FILTER_PARAMS:
        value = values.get(p.field)
        kwargs[p.field] = tuple(value or ()) if p.many else value
    return SearchFilters(**kwargs)


def filter_options(f):
    """--journal/--year-min/... -> a SearchFilters passed as `filters`."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        kwargs["filters"] = build_filters({p.field: kwargs.pop(p.param) for p in FILTER_PARAMS})
        return f(*args, **kwargs)

    for p in reversed(FILTER_PARAMS):
        extra = {"multiple": True} if p.many else {"default": None} if p.type is bool else {"type": p.type}
        wrapper = click.option(*p.decls, p.param, help=p.help or None, **extra)(wrapper)
    return wrapper


# --set of `figdex eval separation|captions`: the parts of eval/devset (models.evaluate_devset.in_set);
# which set is fresh and which are development data: models/devset_sets.py.
DEVSET_PARTS = ("held-out", "fresh", FRESH_SET, "dev", *DEVELOPMENT_SETS)
DEVSET_PARTS_HELP = (f"held-out: development folds 3-4; fresh (= {FRESH_SET}, the one fresh set now): papers "
                     "gathered after the last look, scored on their own, never tuned on; dev: every fold and the "
                     f"development sets (all looked at); {', '.join(DEVELOPMENT_SETS)}: one development set alone "
                     "(fresh-2026-12 tuned on since #15, the others looked at once and development data since).")


def devset_part(in_sample: bool, part: str) -> tuple[str, str]:
    """The development-set part an eval scores and the line that says which (shared with eval captions)."""
    if in_sample and part != "held-out":
        raise click.UsageError(f"--in-sample and --set {part} exclude each other: --in-sample scores folds 0-2")
    if in_sample:
        return "tune", "in-sample: development folds 0-2"
    if part in ("fresh", FRESH_SET):
        return part, (f"fresh set {FRESH_SET}: papers nobody here had seen when the previous fresh set was "
                      "measured (never tuned on)")
    if part == "dev":
        return "dev", "in-sample: every development fold and development set (looked at)"
    if part != "held-out":
        return part, f"in-sample: development set {part} ({DEVELOPMENT_SETS.get(part, 'looked at')})"
    return "held_out", "held out: development folds 3-4 (never tuned on)"
