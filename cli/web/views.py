"""What pages and the API share: the search they run and the JSON rows they give.

A result row is the CLI's jsonl row (``figdex search --format jsonl``: the same ``id`` and
fields), except ``image``: the CLI prints the file's path on this machine, the API gives the
URL that serves it by id (paths never cross HTTP, either way).
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from flask import current_app, url_for
from markupsafe import Markup, escape

from figdex.cli.web import params
from figdex.index.fulltext import open_text_index
from figdex.index.query import NoTermsError, SearchFilters
from figdex.index.records import Hit
from figdex.retrieval.overview import ScaleBucket, scale_histogram
from figdex.retrieval.search import SearchResult, browse, facet_counts, search
from figdex.retrieval.semantic import resolve_mode, text_search

SEARCH_MODES = ("auto", "bm25", "semantic", "hybrid")

FACET_FIELDS = ("journal", "image_class", "label", "year", "license")
MAX_OFFSET = 100_000


def hit_json(hit: Hit, explain: dict | None = None) -> dict:
    row = asdict(hit)
    row["labels"] = list(hit.labels)
    row["image"] = url_for("api.image_file", image_id=hit.id) if hit.image else None
    row["thumbnail"] = url_for("api.image_thumbnail", image_id=hit.id) if hit.image else None
    row["page"] = url_for("pages.image_page", image_id=hit.id)
    if explain is not None:
        row["explain"] = explain
    return row


@dataclass(frozen=True)
class SearchView:
    query: str
    filters: SearchFilters
    result: SearchResult
    limit: int
    offset: int
    facets: dict | None  # name -> [(value, count)]
    scale: list[ScaleBucket] | None
    mode: str | None = None  # mode= as asked (auto|bm25|semantic|hybrid); None: the setting's default
    by_content: bool = False


def match(args, default: str | None = None) -> str | None:
    """``match=panel|figure`` (retrieval.panels); absent: the library's default."""
    return params.choice(args, "match", ("panel", "figure"), default) if "match" in args else default


def run_search(ds, args, *, default_limit: int, with_facets: bool, facet_size: int = 10) -> SearchView:
    """A search (the CLI's ranking) or, with an empty query, a browse of the filtered images;
    facets and scale buckets of the same set when asked."""
    query = params.text(args, "q", max_chars=params.MAX_QUERY_CHARS)
    filters = params.filters(args)
    limit = params.integer(args, "limit", default_limit, 1, 200)
    offset = params.integer(args, "offset", 0, 0, MAX_OFFSET)
    how = match(args)  # checked with or without q, as the description has it
    mode = params.choice(args, "mode", SEARCH_MODES, "auto") if "mode" in args else None
    by_content = bool(params.boolean(args, "by_content"))
    index = open_text_index(ds)
    try:
        if query and (by_content or resolve_mode(ds, mode) != "bm25"):
            # The CLI's `search --mode/--by-content`: one library function for both.
            fused = text_search(ds, query, filters, mode=mode, by_content=by_content, limit=limit, offset=offset,
                                index=index, match=how)
            result = SearchResult(tuple(h.hit for h in fused.hits), fused.total, query, fused.warnings)
        else:
            result = search(ds, query, filters, limit=limit, offset=offset, index=index, match=how) if query else \
                browse(ds, filters, limit=limit, offset=offset)
    except NoTermsError as exc:
        # A q of no words ("-", "***") is a valid string for /openapi.json, which cannot state the
        # query grammar: it matches nothing, and the warning says why.
        return SearchView(query, filters, SearchResult((), 0, query, (str(exc),)), limit, offset,
                          {name: [] for name in FACET_FIELDS} if with_facets else None, [] if with_facets else None,
                          mode, by_content)
    facets = scale = None
    if with_facets:
        def count():
            return (facet_counts(ds, query or None, filters, FACET_FIELDS, size=facet_size, index=index),
                    scale_histogram(ds, query or None, filters, index=index))

        facets, scale = facet_cache().get((query, filters, facet_size), count)
    return SearchView(query, filters, result, limit, offset, facets, scale, mode, by_content)


class FacetCache:
    """Facet counts of recent result sets, kept until the dataset changes.

    Counting costs several times the search itself (one pass over the matches per facet and
    per scale bucket: ~0.4 s for a query and ~1.3 s for the whole set at 100k images, see
    bench/web_latency.py), and the next page of a result set, or the landing page, asks for the
    same counts again.  Any commit to the dataset (by this server or another figdex command)
    changes the SQLite files' size or time, which empties the cache.
    """

    def __init__(self, root, size: int = 128):
        self.files = [root / "figdex.db", root / "figdex.db-wal"]
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.generation = None

    def _generation(self):
        out = []
        for path in self.files:
            try:
                st = path.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    def get(self, key, compute):
        if self.size <= 0:
            return compute()
        generation = self._generation()
        with self.lock:
            if generation != self.generation:
                self.entries.clear()
                self.generation = generation
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = compute()
        with self.lock:
            if generation == self.generation:
                self.entries[key] = value
                while len(self.entries) > self.size:
                    self.entries.popitem(last=False)
        return value


def facet_cache() -> FacetCache:
    return current_app.extensions["figdex_facets"]


def facets_json(view: SearchView) -> dict:
    out = {name: [{"value": v, "count": n} for v, n in pairs] for name, pairs in (view.facets or {}).items()}
    out["scale"] = [{"value": b.label, "min": b.low if b.low > 0 else None,
                     "max": None if math.isinf(b.high) else b.high, "count": b.count} for b in view.scale or []]
    return out


def query_string(query: str = "", filters: SearchFilters | None = None, **extra) -> str:
    items = ([("q", query)] if query else []) + params.filter_items(filters or SearchFilters())
    items += [(k, str(v)) for k, v in extra.items() if v is not None]
    return urlencode(items)


def facet_link(view: SearchView, name: str, value) -> str:
    """The search URL with one more filter: the facet value clicked."""
    f = view.filters.__dict__.copy()
    if name == "year":
        f["year_min"] = f["year_max"] = int(value)
    else:
        field = {"image_class": "image_class", "label": "label", "journal": "journal", "license": "license"}[name]
        if value not in f[field]:
            f[field] = (*f[field], str(value))
    return url_for("pages.search_page") + "?" + query_string(view.query, SearchFilters(**f))


def scale_link(view: SearchView, bucket: ScaleBucket) -> str:
    f = {**view.filters.__dict__, "scale_min": None, "scale_max": None, **bucket.filter_values()}
    return url_for("pages.search_page") + "?" + query_string(view.query, SearchFilters(**f))


def without_link(view: SearchView, web_name: str, value: str) -> str:
    """The search URL without one active filter value (the chips above the results)."""
    items = [(k, v) for k, v in params.filter_items(view.filters) if (k, v) != (web_name, value)]
    return url_for("pages.search_page") + "?" + urlencode(([("q", view.query)] if view.query else []) + items)


def format_scale(nm_per_px: float | None) -> str:
    if nm_per_px is None:
        return ""
    return f"{nm_per_px:.3g} nm/px" if nm_per_px >= 0.01 else f"{nm_per_px * 1000:.3g} pm/px"


def marks(text: str | None, limit: int | None = None) -> Markup:
    """A snippet with <mark> kept and everything else escaped (captions come from the web),
    cut to about ``limit`` characters without cutting a tag."""
    text = text or ""
    if limit is not None and len(text) > limit:
        text = re.sub(r"<[^>]*$", "", text[:limit]) + "…"
    safe = str(escape(text)).replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>")
    if safe.count("<mark>") > safe.count("</mark>"):
        safe += "</mark>"
    return Markup(safe)


def register_filters(app) -> None:
    app.jinja_env.filters.update(marks=marks, scale=format_scale)
    app.jinja_env.globals.update(facet_link=facet_link, scale_link=scale_link, without_link=without_link,
                                 query_string=query_string)
