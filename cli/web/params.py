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

MAX_VALUES = 20  # repeated values of one filter
MAX_VALUE_CHARS = 500
MAX_QUERY_CHARS = 20_000  # the query parser itself searches the first 2000 and says so
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,299}")  # master uids are slugs (db.slug)
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ParamError(FigdexError, ValueError):
    """A query-string value that cannot be used; the message names the parameter and the fix."""


def _one(args, name: str, max_chars: int = MAX_VALUE_CHARS) -> str | None:
    values = [v for v in args.getlist(name) if v.strip() != ""]
    if len(values) > 1:
        raise ParamError(f"{name} is given {len(values)} times; give it once")
    if values and len(values[0]) > max_chars:
        raise ParamError(f"{name} is too long ({len(values[0])} characters); use at most {max_chars}")
    return values[0].strip() if values else None


def integer(args, name: str, default: int, low: int, high: int) -> int:
    raw = _one(args, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(f"{name}={raw[:40]!r} is not a whole number; give an integer from {low} to {high}") from None
    if not low <= value <= high:
        raise ParamError(f"{name}={value} is out of range; give an integer from {low} to {high}")
    return value


def number(args, name: str, default: float | None = None, low: float | None = None) -> float | None:
    raw = _one(args, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ParamError(f"{name}={raw[:40]!r} is not a number; give e.g. {name}=0.5") from None
    if not math.isfinite(value) or (low is not None and value < low):
        raise ParamError(f"{name}={raw[:40]!r} is out of range; give a finite number"
                         + (f" of at least {low:g}" if low is not None else ""))
    return value


def boolean(args, name: str) -> bool | None:
    raw = _one(args, name)
    if raw is None:
        return None
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ParamError(f"{name}={raw[:40]!r} is not true or false; give {name}=true or {name}=false")


def text(args, name: str, default: str = "", max_chars: int = MAX_VALUE_CHARS) -> str:
    value = _one(args, name, max_chars)
    return default if value is None else value


def choice(args, name: str, options: tuple[str, ...], default: str) -> str:
    value = _one(args, name) or default
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
    """The search filters in a query string: the CLI's filter options under their web names."""
    values = {}
    for p in FILTER_PARAMS:
        if p.many:
            got = [v.strip() for v in args.getlist(p.web) if v.strip()]
            if len(got) > MAX_VALUES:
                raise ParamError(f"{p.web} is given {len(got)} times; give at most {MAX_VALUES}")
            if any(len(v) > MAX_VALUE_CHARS for v in got):
                raise ParamError(f"a {p.web} value is too long; use at most {MAX_VALUE_CHARS} characters")
            values[p.field] = tuple(got)
        elif p.type is bool:
            values[p.field] = boolean(args, p.web)
        elif p.type is int:
            values[p.field] = integer(args, p.web, None, -10_000, 10_000)
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
