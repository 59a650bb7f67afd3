"""Full-text indexes over master images: one interface, backends in a registry.

The embedded default is tantivy (``index/tantivy_index.py``, chosen by ``bench/search_backends.py``;
README "Choosing the text engine").  SQLite FTS5, here, is the other embedded engine: it lives in
the dataset's own file, is updated in the same transaction as the rows it indexes (a trigger
deletes a master's row with the master), and filters join the tables directly; a search without
filters reads the FTS table alone.  Elasticsearch and OpenSearch (``index/elastic.py``) register
here too, for datasets that outgrow one machine (README "Scaling out").
"""

from __future__ import annotations

import re
import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Callable, Iterable, Sequence

from figdex.errors import NotFoundError, UnavailableError
from figdex.index.documents import TEXT_FIELDS, master_documents
from figdex.index.query import NoTermsError, QueryError, SearchFilters, Term, UserQuery, raw_text

_REGISTRY: dict[str, type["TextIndex"]] = {}

# Backends that live in their own module, imported when first named (their clients are
# optional extras, imported lazily by the module itself).
_PLUGIN_MODULES = {"elasticsearch": "figdex.index.elastic", "opensearch": "figdex.index.elastic",
                   "tantivy": "figdex.index.tantivy_index"}

# Facet name -> the SQL expression it counts (aliases m, f, a, l as in SearchFilters.sql()).
FACET_FIELDS: dict[str, str] = {
    "journal": "a.journal",
    "publisher": "a.publisher",
    "year": "a.year",
    "license": "a.license",
    "image_class": "m.image_class",
    "label": "l.kind || ':' || l.value",
}
DEFAULT_FACETS = ("journal", "image_class", "label", "year")
_FACET_ALIASES = {"class": "image_class", "labels": "label"}

Facets = dict[str, list[tuple[object, int]]]


@dataclass(frozen=True)
class TextHit:
    master_id: int
    score: float  # higher is better
    snippet: str = ""
    # The hit's row (documents.HIT_COLUMNS) when the engine stores it, as fresh as the index: the
    # caller need not read it from the database again.
    row: dict | None = dataclass_field(default=None, compare=False, repr=False)


class UnknownBackendError(NotFoundError):
    pass


class TextIndexError(UnavailableError):
    """A backend that cannot be reached or refused a request; the message says what to do."""


def facet_names(fields: Sequence[str]) -> list[str]:
    """Canonical facet names ('class' -> 'image_class'); unknown names are a QueryError."""
    names = []
    for field in fields:
        name = _FACET_ALIASES.get(field, field)
        if name not in FACET_FIELDS:
            raise QueryError(f"unknown facet {field!r}; valid facets: {', '.join(FACET_FIELDS)}")
        names.append(name)
    return names


class TextIndex(ABC):
    """A derived full-text index over the dataset's master images.

    Backends take the dataset's connection and directory; a backend that is a server
    also takes its ``url`` (and backend-specific keyword options).  Embedded backends
    ignore ``url``.
    """

    name: str = ""

    def __init__(self, conn: sqlite3.Connection, root=None, url: str | None = None, **options):
        self.conn = conn
        self.root = root
        self.url = url
        self.options = options

    @abstractmethod
    def update(self, master_ids: Iterable[int]) -> None:
        """(Re)index these master images from the database; ids no longer in it are removed."""

    @abstractmethod
    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop and rebuild the whole index from the database; returns documents indexed."""

    @abstractmethod
    def search(
        self, query: UserQuery | str, filters: SearchFilters, limit: int, offset: int = 0, *, snippets: bool = True
    ) -> tuple[list[TextHit], int]:
        """Top hits and the total number of matches. A ``str`` query is the engine's raw syntax.

        ``snippets=False`` leaves ``TextHit.snippet`` empty, for callers that only rank or list
        (hybrid fusion, export): marking snippets is a large part of a search's own work."""

    def facets(
        self, query: UserQuery | str | None, filters: SearchFilters, fields: Sequence[str] = DEFAULT_FACETS,
        size: int = 10,
    ) -> Facets:
        """Counts of the matching master images per value of each facet field (``FACET_FIELDS``).

        ``query`` None counts everything the filters pass.  Each field maps to at most
        ``size`` (value, count) pairs, by count descending then value ascending; images
        without a value (no journal, no year) are not counted.
        """
        raise NotImplementedError(f"the {self.name} text index has no facets")

    def count(self) -> int:
        return 0


def register_text_index(cls: type[TextIndex]) -> type[TextIndex]:
    _REGISTRY[cls.name] = cls
    return cls


def _load_plugins() -> None:
    import importlib

    for module in set(_PLUGIN_MODULES.values()):
        importlib.import_module(module)


def text_index_names() -> list[str]:
    _load_plugins()
    return sorted(_REGISTRY)


def create_text_index(name: str, conn: sqlite3.Connection, root=None, url: str | None = None,
                      **options) -> TextIndex:
    """The backend registered as ``name``; ``url`` (and options) go to server backends."""
    if name not in _REGISTRY and name in _PLUGIN_MODULES:
        _load_plugins()
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise UnknownBackendError(
            f"unknown text index {name!r}; valid names: {', '.join(text_index_names())}"
        ) from None
    return cls(conn, root, url=url, **options)


def open_text_index(ds, backend: str | None = None, url: str | None = None, **options) -> TextIndex:
    """The text index a dataset searches: ``backend`` or its config.json ``text_index``."""
    return create_text_index(backend or ds.config["text_index"], ds.conn, ds.root, url=url, **options)


def _fts5_term(term: Term) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    return quoted + " *" if term.prefix and not term.phrase else quoted


def fts5_expression(query: UserQuery) -> str:
    """Render a parsed query in FTS5 syntax; every term is a quoted string, so no user text is syntax."""
    if query.empty:
        raise NoTermsError("the query has no words to search for; type at least one word")
    groups = []
    for group in query.groups:
        alts = [_fts5_term(t) for t in group]
        groups.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
    expr = " AND ".join(groups)
    for term in query.excluded:
        expr = f"({expr}) NOT {_fts5_term(term)}"
    return expr


@register_text_index
class Fts5Index(TextIndex):
    name = "fts5"
    table = "fts_master"
    # Page cache a searching connection gets at least (KiB).  SQLite's default, 2 MiB, is less
    # than one search reads from a dataset of 100k+ images (doclists, a docsize row per match):
    # the pages the ranking pass read are gone when the snippet and hit-row queries need them
    # (bench/search_backends.py at 100k: snippets 1.2 ms -> 0.45 ms).  Raised, never lowered.
    search_cache_kib = 64 * 1024

    def _ensure(self) -> None:
        cols = ", ".join(TEXT_FIELDS)
        self.conn.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING fts5({cols}, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )

    def update(self, master_ids: Iterable[int]) -> None:
        self._ensure()
        self._ensure_in_step()
        ids = list(master_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            self.conn.execute(f"DELETE FROM {self.table} WHERE rowid IN ({marks})", chunk)
        self._insert(master_documents(self.conn, ids))

    @property
    def _trigger(self) -> str:
        return f"{self.table}_master_deleted"

    def _ensure_in_step(self) -> None:
        """Keep the index free of rows whose master image is gone: a trigger deletes a master's
        row in the same statement that deletes the master (directly or by a figure's cascade),
        so the unfiltered search can read the FTS table alone.  Rows of masters deleted before
        the trigger existed are removed once, when it is created."""
        if self._in_step():
            return
        self.conn.execute(f"DELETE FROM {self.table} WHERE rowid IN "
                          f"(SELECT rowid FROM {self.table} EXCEPT SELECT id FROM master_images)")
        self._create_trigger()

    def _create_trigger(self) -> None:
        self.conn.execute(f"CREATE TRIGGER IF NOT EXISTS {self._trigger} AFTER DELETE ON master_images "
                          f"BEGIN DELETE FROM {self.table} WHERE rowid = old.id; END")

    def _in_step(self) -> bool:
        """True when the trigger of ``_ensure_in_step`` exists (indexes written by figdex from
        before it have none until their next update or rebuild; they are searched with the join)."""
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ? "
                                 "AND tbl_name = 'master_images'", (self._trigger,)).fetchone() is not None

    def _insert(self, docs) -> int:
        cols = list(TEXT_FIELDS)
        sql = f"INSERT INTO {self.table}(rowid, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})"
        n = 0
        for doc in docs:
            self.conn.execute(sql, [doc["id"], *(doc[c] for c in cols)])
            n += 1
        return n

    def rebuild(self, progress=None) -> int:
        with self.conn:
            # The trigger names the table: it goes first (a master deleted while the table is
            # missing would fail) and comes back with the rebuilt table.
            self.conn.execute(f"DROP TRIGGER IF EXISTS {self._trigger}")
            self.conn.execute(f"DROP TABLE IF EXISTS {self.table}")
            self._ensure()
            self._create_trigger()
            n = 0
            for doc in master_documents(self.conn):
                n += self._insert([doc])
                if progress and n % 1000 == 0:
                    progress(n)
            self.conn.execute(f"INSERT INTO {self.table}({self.table}) VALUES ('optimize')")
        return n

    def count(self) -> int:
        self._ensure()
        return self.conn.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]

    def _ensure_cache(self) -> None:
        if getattr(self, "_cache_checked", False):
            return
        self._cache_checked = True
        size = self.conn.execute("PRAGMA cache_size").fetchone()[0]  # pages, or -KiB when negative
        kib = -size if size < 0 else size * self.conn.execute("PRAGMA page_size").fetchone()[0] // 1024
        if kib < self.search_cache_kib:
            self.conn.execute(f"PRAGMA cache_size = -{int(self.search_cache_kib)}")

    def search(self, query, filters, limit, offset=0, *, snippets=True):
        self._ensure()
        self._ensure_cache()
        expr = raw_text(query) if isinstance(query, str) else fts5_expression(query)
        where, params = filters.sql()
        t = self.table
        if where == "1" and self._in_step():
            # No filter, and every row's master exists (the trigger of _ensure_in_step): the FTS
            # table alone answers, without a lookup in master_images per match.
            source, where = t, f"{t} MATCH ?"
        else:
            # Join only what the filters read: master_images always (without the trigger it drops
            # index rows whose image is gone), figures and articles when a filter names them.
            source = f"{t} JOIN master_images m ON m.id = {t}.rowid"
            if _NEEDS_ARTICLE.search(where):
                source += " JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id"
            where = f"{t} MATCH ? AND {where}"
        weights = ", ".join(str(w) for w in TEXT_FIELDS.values())
        # One pass over the matches: rank them into a temporary table, count it, sort it (cheaper
        # than a second MATCH for the count).
        sql = (
            f"WITH hits AS MATERIALIZED (SELECT {t}.rowid AS id, bm25({t}, {weights}) AS rank "
            f"FROM {source} WHERE {where}) "
            "SELECT id, rank, (SELECT count(*) FROM hits) FROM hits ORDER BY rank, id LIMIT ? OFFSET ?"
        )
        try:
            rows = self.conn.execute(sql, [expr, *params, limit, offset]).fetchall()
            if rows:
                total = rows[0][2]
            else:  # a page past the end still reports the total
                total = self.conn.execute(f"SELECT count(*) FROM {source} WHERE {where}",
                                          [expr, *params]).fetchone()[0]
            # Snippets for the page only: computed in the ranking query they would be made for
            # every match before the sort.
            marked = self._snippets(expr, [r[0] for r in rows]) if snippets else {}
        except sqlite3.OperationalError as exc:
            if isinstance(query, str):
                raise QueryError(f"raw FTS5 query rejected: {exc}; fix its syntax or drop --raw") from exc
            raise
        # bm25() is lower-is-better and negative; report a positive higher-is-better score.
        return [TextHit(r[0], round(-r[1], 4), marked.get(r[0], "")) for r in rows], total

    def _snippets(self, expr: str, ids: list[int]) -> dict[int, str]:
        """Per row, the snippet of the first column in ``_SNIPPET_COLUMNS`` order that has a match,
        else of the first non-empty one.  Columns are asked one at a time, only for the rows still
        without a marked snippet: each snippet() call tokenises its column's text, and most rows
        stop at the first column."""
        out: dict[int, str] = {}
        fallback: dict[int, str] = {}
        pending = ids
        for column in _SNIPPET_COLUMNS:
            if not pending:
                break
            marks = ",".join("?" * len(pending))
            rows = self.conn.execute(
                f"SELECT rowid, snippet({self.table}, {column}, '<mark>', '</mark>', '…', 16) FROM {self.table} "
                f"WHERE {self.table} MATCH ? AND rowid IN ({marks})", [expr, *pending]).fetchall()
            pending = []
            for rowid, snip in rows:
                if snip and "<mark>" in snip:
                    out[rowid] = snip
                else:
                    if snip and rowid not in fallback:
                        fallback[rowid] = snip
                    pending.append(rowid)
        for rowid in pending:
            out[rowid] = fallback.get(rowid, "")
        return out

    def facets(self, query, filters, fields=DEFAULT_FACETS, size=10):
        """SQL GROUP BY over the matching set (the same join and WHERE as ``search``), all
        facets in one statement: the text match runs once, into a materialised CTE."""
        self._ensure()
        names = facet_names(fields)
        if not names:
            return {}
        where, params = filters.sql()
        joins = "JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id"
        if query is None:
            source, match, args = "master_images m", "", list(params)
        else:
            expr = raw_text(query) if isinstance(query, str) else fts5_expression(query)
            source = f"{self.table} JOIN master_images m ON m.id = {self.table}.rowid"
            match, args = f"{self.table} MATCH ? AND ", [expr, *params]
        plain = [n for n in names if n != "label"]
        cols = ", ".join(f"{FACET_FIELDS[n]} AS {n}" for n in plain)
        hits = f"SELECT m.id AS mid{', ' + cols if cols else ''} FROM {source} {joins} WHERE {match}{where}"
        parts, part_args = [], []
        for i, name in enumerate(names):
            if name == "label":
                inner = ("SELECT l.kind || ':' || l.value AS k, count(*) AS n FROM hits "
                         "JOIN labels l ON l.master_image_id = hits.mid GROUP BY k ORDER BY n DESC, k LIMIT ?")
            else:
                inner = f"SELECT {name} AS k, count(*) AS n FROM hits WHERE {name} IS NOT NULL " \
                        "GROUP BY k ORDER BY n DESC, k LIMIT ?"
            parts.append(f"SELECT {i} AS facet, k, n FROM ({inner})")
            part_args.append(size)
        sql = f"WITH hits AS MATERIALIZED ({hits}) " + " UNION ALL ".join(parts)
        try:
            rows = self.conn.execute(sql, [*args, *part_args]).fetchall()
        except sqlite3.OperationalError as exc:
            if isinstance(query, str):
                raise QueryError(f"raw FTS5 query rejected: {exc}; fix its syntax or drop --raw") from exc
            raise
        out: Facets = {name: [] for name in names}
        for facet, k, n in rows:
            out[names[facet]].append((k, n))
        for pairs in out.values():  # each part's own order (count desc, value), not left to UNION ALL
            pairs.sort(key=lambda kn: (-kn[1], kn[0]))
        return out


# A WHERE clause from SearchFilters.sql() that reads figures (f.) or articles (a.).
_NEEDS_ARTICLE = re.compile(r"\b[fa]\.")

# Snippet columns in the order people want to read them: the panel's own text first.
_SNIPPET_COLUMNS = [list(TEXT_FIELDS).index(c) for c in ("subcaption", "caption", "labels", "title", "abstract")]
