"""Keyword search over a dataset: parse the query, ask the text index, turn rows into Hits."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Iterator

from figdex.index.db import Dataset
from figdex.index.fulltext import DEFAULT_FACETS, Facets, TextHit, TextIndex, open_text_index
from figdex.index.query import NoTermsError, QueryError, SearchFilters, check_filters, parse_user_query
from figdex.index.records import Hit

_HIT_SQL = """
SELECT m.id, m.uid, m.panel, m.subcaption, m.image_class, m.nm_per_px,
       f.label AS figure_label, f.number, f.caption, f.image_path, f.image_url, f.image_status,
       a.doi, a.title, a.journal, a.year, a.license, a.url, a.publisher,
       (SELECT json_group_array(l.kind || ':' || l.value) FROM labels l WHERE l.master_image_id = m.id) AS labels
FROM master_images m JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id
"""


@dataclass(frozen=True)
class SearchResult:
    hits: tuple[Hit, ...]
    total: int
    query: str
    warnings: tuple[str, ...] = ()


PANEL_PAGE = 500


def search(
    ds: Dataset,
    query: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 10,
    offset: int = 0,
    raw: bool = False,
    index: TextIndex | None = None,
    match: str | None = None,
) -> SearchResult:
    """BM25 keyword search. ``raw`` passes ``query`` to the engine's own syntax unchanged.

    ``index`` is the text index to ask (default: the dataset's configured backend).
    ``match``: "figure" ranks every image whose document (its figure's caption included) has
    the query; "panel" keeps those whose own text has it (``retrieval.panels``).  None: panel
    when the filters name an image class (who asks for microscopy images about SEM means the
    SEM panels, not the schematic beside them), else figure.
    """
    if limit < 1:
        raise QueryError("--limit must be at least 1")
    filters = filters or SearchFilters()
    check_filters(ds.conn, filters)
    if not raw:
        parsed = parse_user_query(query)
        if parsed.empty:
            raise NoTermsError("the query has no words to search for; type at least one word")
        if match_mode(match, filters) == "panel":
            hits, total = _panel_page(ds, index or open_text_index(ds), parsed, filters, limit, offset)
            return SearchResult(hits, total, query, parsed.warnings)
    text_hits, total, warnings = text_ranking(ds, query, filters, limit=limit, offset=offset, raw=raw, index=index)
    return SearchResult(tuple(hits_for(ds, text_hits)), total, query, warnings)


def text_ranking(
    ds: Dataset,
    query: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 10,
    offset: int = 0,
    raw: bool = False,
    index: TextIndex | None = None,
    snippets: bool = True,
) -> tuple[list[TextHit], int, tuple[str, ...]]:
    """The text index's ranking for ``query``: (hits, total, warnings).  Keyword search and hybrid
    fusion both rank text through here, so that they read the same index with the same options."""
    filters = filters or SearchFilters()
    index = index or open_text_index(ds)
    if raw:
        text_hits, total = index.search(query, filters, limit, offset, snippets=snippets)
        return text_hits, total, ()
    parsed = parse_user_query(query)
    if parsed.empty:
        raise NoTermsError("the query has no words to search for; type at least one word")
    text_hits, total = index.search(parsed, filters, limit, offset, snippets=snippets)
    return text_hits, total, parsed.warnings


def bm25_ranking(ds: Dataset, query: str, filters: SearchFilters, depth: int, *, raw: bool = False,
                 index: TextIndex | None = None, match: str | None = None
                 ) -> tuple[list[tuple[int, float]], int, tuple[str, ...]]:
    """Keyword search's ranking, ``depth`` deep: (master id, score) pairs, the number of matches and
    warnings.  At panel level (``match``, default panel with an image class, as keyword search) only
    the images whose own text has the query (``retrieval.panels``); a raw query is figure level."""
    if match_mode(match, filters) == "panel" and not raw:
        parsed = parse_user_query(query)
        if parsed.empty:
            raise NoTermsError("the query has no words to search for; type at least one word")
        page, total = panel_ranking(ds, index or open_text_index(ds), parsed, filters, depth)
        return [(mid, hit.score) for mid, hit in page], total, parsed.warnings
    hits, total, warnings = text_ranking(ds, query, filters, limit=depth, raw=raw, index=index, snippets=False)
    return [(h.master_id, h.score) for h in hits], total, warnings


def _panel_page(ds: Dataset, index: TextIndex, parsed, filters: SearchFilters, limit: int,
                offset: int) -> tuple[tuple[Hit, ...], int]:
    """One page of the panel-level matches, in the engine's order, and their number."""
    page, total = panel_ranking(ds, index, parsed, filters, limit, offset)
    return tuple(hit for _, hit in page), total


def panel_ranking(ds: Dataset, index: TextIndex, parsed, filters: SearchFilters, limit: int,
                  offset: int = 0) -> tuple[list[tuple[int, Hit]], int]:
    """The panel-level matches ``offset`` to ``offset + limit`` as (master id, hit), in the
    engine's order, and their number: every figure-level match is read (a page at a time) since
    the engine cannot count the others.  Keyword search and the fused modes both page through here."""
    from figdex.retrieval.panels import panel_matches

    page, total, start = [], 0, 0
    while True:
        text_hits, n = index.search(parsed, filters, PANEL_PAGE, start)
        by_uid = {}
        hits = list(hits_for(ds, text_hits))
        if hits:
            ids = [th.master_id for th in text_hits]
            marks = ",".join("?" * len(ids))
            by_uid = {r["uid"]: r["id"] for r in ds.conn.execute(
                f"SELECT id, uid FROM master_images WHERE id IN ({marks})", ids)}
        for hit in hits:
            if panel_matches(parsed, hit):
                if offset <= total < offset + limit:
                    page.append((by_uid[hit.id], hit))
                total += 1
        start += PANEL_PAGE
        if start >= n or not text_hits:
            return page, total


def match_mode(match: str | None, filters: SearchFilters) -> str:
    """``match`` as given, else the default: panel when the filters name an image class (who asks
    for microscopy images about SEM means the SEM panels, not the schematic beside them)."""
    return match or ("panel" if filters.image_class else "figure")


def facet_counts(
    ds: Dataset,
    query: str | None,
    filters: SearchFilters | None = None,
    fields=DEFAULT_FACETS,
    *,
    size: int = 10,
    raw: bool = False,
    index: TextIndex | None = None,
) -> Facets:
    """Counts per journal / class / label / year (``fields``) of the images matching ``query`` and filters."""
    check_filters(ds.conn, filters or SearchFilters())
    index = index or open_text_index(ds)
    parsed = query if (raw or query is None) else parse_user_query(query)
    if parsed is not None and not raw and parsed.empty:
        raise NoTermsError("the query has no words to search for; type at least one word")
    return index.facets(parsed, filters or SearchFilters(), fields, size)


def hits_for(ds: Dataset, text_hits: list[TextHit]) -> Iterator[Hit]:
    """Hits in the given order, with the rows' fields filled in."""
    if not text_hits:
        return
    if all(h.row is not None for h in text_hits):  # the engine stored the rows (tantivy)
        for th in text_hits:
            yield hit_from_row(ds, th.row, th.score, th.snippet)
        return
    ids = [h.master_id for h in text_hits]
    marks = ",".join("?" * len(ids))
    rows = {r["id"]: r for r in ds.conn.execute(_HIT_SQL + f" WHERE m.id IN ({marks})", ids)}
    for th in text_hits:
        row = rows.get(th.master_id)
        if row is not None:
            yield hit_from_row(ds, row, th.score, th.snippet)


def hit_from_row(ds: Dataset, row: sqlite3.Row | dict, score: float, snippet: str = "") -> Hit:
    import json

    image = ds.image_path(row["image_path"]) if row["image_status"] == "ok" else None
    return Hit(
        id=row["uid"],
        score=score,
        doi=row["doi"],
        figure=row["figure_label"],
        label=row["panel"],
        caption=row["caption"],
        image=str(image) if image else None,
        title=row["title"],
        journal=row["journal"],
        year=row["year"],
        license=row["license"],
        image_class=row["image_class"],
        nm_per_px=row["nm_per_px"],
        snippet=snippet,
        subcaption=row["subcaption"],
        article_url=row["url"],
        image_url=row["image_url"],
        figure_number=row["number"],
        publisher=row["publisher"],
        labels=tuple(json.loads(row["labels"] or "[]")),
    )


def filtered(ds: Dataset, filters: SearchFilters, limit: int | None = None) -> Iterator[Hit]:
    """All master images passing the filters, in a stable order (no text query)."""
    check_filters(ds.conn, filters)
    where, params = filters.sql()
    sql = _HIT_SQL + f" WHERE {where} ORDER BY a.key, f.kind, f.number, m.panel"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    for row in ds.conn.execute(sql, params):
        yield hit_from_row(ds, row, 0.0)


_COUNT_SQL = ("SELECT count(*) FROM master_images m JOIN figures f ON f.id = m.figure_id "
              "JOIN articles a ON a.id = f.article_id WHERE ")


def browse(ds: Dataset, filters: SearchFilters | None = None, *, limit: int = 10, offset: int = 0) -> SearchResult:
    """A page of the master images passing the filters with no text query (an empty search box),
    score 0, in the order they were added (row id: an index walk; ``filtered``'s article order
    would sort the whole set for every page, ~0.2 s at 100k images)."""
    filters = filters or SearchFilters()
    if limit < 1:
        raise QueryError("--limit must be at least 1")
    check_filters(ds.conn, filters)
    where, params = filters.sql()
    if where == "1":  # every master has its figure and article (foreign keys): no join to count them
        total = ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    else:
        total = ds.conn.execute(_COUNT_SQL + where, params).fetchone()[0]
    sql = _HIT_SQL + f" WHERE {where} ORDER BY m.id LIMIT ? OFFSET ?"
    hits = tuple(hit_from_row(ds, row, 0.0) for row in ds.conn.execute(sql, [*params, limit, offset]))
    return SearchResult(hits, total, "")
