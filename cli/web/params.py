"""Query-string parameters -> typed values, with 400 errors that say what to fix.

Filters use the CLI's table (``cli.options.FILTER_PARAMS``), so `figdex search --class X
--year-min 2018` and `/api/search?class=X&year_min=2018` select the same images.
"""

from __future__ import annotations

import math
import re

from figdex.errors import FigdexError
from figdex.cli.options import FILTER_PARAMS, build_filters
from figdex.index.query import SearchFilters
from figdex.limits import MAX_FILTER_CHARS, MAX_YEAR

MAX_VALUES = 20  # repeated values of one filter
# The library's own bounds on filter values (limits.py), so the description states what is kept.
MAX_VALUE_CHARS = MAX_FILTER_CHARS
MAX_QUERY_CHARS = 20_000  # the query parser itself searches the first 2000 and says so
INT_RANGE = (-MAX_YEAR, MAX_YEAR)  # integer filters (years)
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,299}")  # master uids are slugs (db.slug)
# What /openapi.json calls an integer, a number and a boolean in a query string: Python's int()
# and float() also take "1_000", " 5", "inf" or Arabic-Indic digits, which the description refuses.
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


class ParamError(FigdexError, ValueError):
    """A query-string value that cannot be used; the message names the parameter and the fix."""


def form_args(args):
    """A page's query string or form as the API would take it: HTML forms send the fields left
    empty (``year_min=``) and pad typed values with spaces, which mean "not given" there.
    The API itself takes values as /openapi.json describes them: ``limit=`` is refused."""
    from werkzeug.datastructures import MultiDict

    return MultiDict([(k, v.strip()) for k, v in args.items(multi=True) if v.strip()])


def _one(args, name: str, max_chars: int = MAX_VALUE_CHARS) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise ParamError(f"{name} is given {len(values)} times; give it once")
    if values and len(values[0]) > max_chars:
        raise ParamError(f"{name} is too long ({len(values[0])} characters); use at most {max_chars}")
    return values[0] if values else None


def raw(args, name: str) -> str | None:
    """A value as given (given once), untrimmed: for values the description puts a pattern on."""
    return _one(args, name)


def _typed(args, name: str, what: str) -> str | None:
    raw = _one(args, name)
    if raw == "":
        raise ParamError(f"{name} is empty; give {what} or leave {name} out")
    return raw


def integer(args, name: str, default: int, low: int, high: int) -> int:
    raw = _typed(args, name, f"an integer from {low} to {high}")
    if raw is None:
        return default
    if not _INTEGER.fullmatch(raw):
        raise ParamError(f"{name}={raw[:40]!r} is not a whole number; give an integer from {low} to {high}")
    value = int(raw)
    if not low <= value <= high:
        raise ParamError(f"{name}={value} is out of range; give an integer from {low} to {high}")
    return value


def number(args, name: str, default: float | None = None, low: float | None = None,
           high: float | None = None) -> float | None:
    raw = _typed(args, name, "a number")
    if raw is None:
        return default
    value = float(raw) if _NUMBER.fullmatch(raw) else None
    if value is None:
        raise ParamError(f"{name}={raw[:40]!r} is not a number; give e.g. {name}=0.5")
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        raise ParamError(f"{name}={raw[:40]!r} is out of range; give a finite number"
                         + (f" of at least {low:g}" if low is not None else "")
                         + (f" and at most {high:g}" if high is not None else ""))
    return value


def boolean(args, name: str) -> bool | None:
    raw = _typed(args, name, "true or false")
    if raw is None:
        return None
    if raw in ("true", "false"):
        return raw == "true"
    raise ParamError(f"{name}={raw[:40]!r} is not true or false; give {name}=true or {name}=false")


def text(args, name: str, default: str = "", max_chars: int = MAX_VALUE_CHARS) -> str:
    # Any string is a valid text value (the description puts only a length on it), so spaces
    # around it can be dropped: " " is no query, as "" is.
    value = _one(args, name, max_chars)
    return default if value is None or not value.strip() else value.strip()


def choice(args, name: str, options: tuple[str, ...], default: str) -> str:
    value = _typed(args, name, "one of " + ", ".join(options))
    value = default if value is None else value
    if value not in options:
        raise ParamError(f"{name}={value[:40]!r} is not one of {', '.join(options)}")
    return value


def image_id(value: str | None, name: str = "id") -> str:
    """An image id as the CLI prints it; anything else (paths, '..', slashes) is refused."""
    if not value or not ID_PATTERN.fullmatch(value):
        raise ParamError(f"{name} {str(value)[:60]!r} is not an image id; ids look like "
                         "10.1038-s41467-018-06297-9-fig2-a (take them from /api/search)")
    return value


def filters(args) -> SearchFilters:
    """The search filters in a query string: the CLI's filter options under their web names.

    Values are taken as given (no trimming): a class " microscopy" is not a class, as the
    description's list of classes says; pages trim their forms first (``form_args``)."""
    values = {}
    for p in FILTER_PARAMS:
        if p.many:
            got = args.getlist(p.web)
            if len(got) > MAX_VALUES:
                raise ParamError(f"{p.web} is given {len(got)} times; give at most {MAX_VALUES}")
            if any(len(v) > MAX_VALUE_CHARS for v in got):
                raise ParamError(f"a {p.web} value is too long; use at most {MAX_VALUE_CHARS} characters")
            values[p.field] = tuple(got)
        elif p.type is bool:
            values[p.field] = boolean(args, p.web)
        elif p.type is int:
            values[p.field] = integer(args, p.web, None, *INT_RANGE)
        else:
            values[p.field] = number(args, p.web, None, low=0.0)
    return build_filters(values)


def filter_items(f: SearchFilters) -> list[tuple[str, str]]:
    """The query-string pairs of a SearchFilters (for links that keep the current filters)."""
    items: list[tuple[str, str]] = []
    for p in FILTER_PARAMS:
        value = getattr(f, p.field)
        if p.many:
            items.extend((p.web, v) for v in value)
        elif value is not None:
            items.append((p.web, ("true" if value else "false") if p.type is bool else f"{value:g}"
                          if isinstance(value, float) else str(value)))
    return items
