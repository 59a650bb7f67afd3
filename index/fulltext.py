"""Full-text indexes over master images: one interface, backends in a registry.

The default embedded engine is SQLite FTS5: it lives in the dataset's own file, is
updated in the same transaction as the rows it indexes (a killed ingest can never leave
it out of step), and filters join the tables directly.  ``bench/text_engines.py``
measures it against tantivy; see README "Choosing the text engine".
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Iterable

from figdex.index.documents import TEXT_FIELDS, master_documents
from figdex.index.query import QueryError, SearchFilters, Term, UserQuery

_REGISTRY: dict[str, type["TextIndex"]] = {}


@dataclass(frozen=True)
class TextHit:
    master_id: int
    score: float  # higher is better
    snippet: str = ""


class UnknownBackendError(LookupError):
    pass


class TextIndex(ABC):
    """A derived full-text index over the dataset's master images."""

    name: str = ""

    def __init__(self, conn: sqlite3.Connection, root=None):
        self.conn = conn
        self.root = root

    @abstractmethod
    def update(self, master_ids: Iterable[int]) -> None:
        """(Re)index these master images from the database; ids no longer in it are removed."""

    @abstractmethod
    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Drop and rebuild the whole index from the database; returns documents indexed."""

    @abstractmethod
    def search(
        self, query: UserQuery | str, filters: SearchFilters, limit: int, offset: int = 0
    ) -> tuple[list[TextHit], int]:
        """Top hits and the total number of matches. A ``str`` query is the engine's raw syntax."""

    def count(self) -> int:
        return 0


def register_text_index(cls: type[TextIndex]) -> type[TextIndex]:
    _REGISTRY[cls.name] = cls
    return cls


def text_index_names() -> list[str]:
    return sorted(_REGISTRY)


def create_text_index(name: str, conn: sqlite3.Connection, root=None) -> TextIndex:
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise UnknownBackendError(
            f"unknown text index {name!r}; valid names: {', '.join(text_index_names())}"
        ) from None
    return cls(conn, root)


def _fts5_term(term: Term) -> str:
    quoted = '"' + term.text.replace('"', '""') + '"'
    return quoted + " *" if term.prefix and not term.phrase else quoted


def fts5_expression(query: UserQuery) -> str:
    """Render a parsed query in FTS5 syntax; every term is a quoted string, so no user text is syntax."""
    if query.empty:
        raise QueryError("the query has no words to search for; type at least one word")
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

    def _ensure(self) -> None:
        cols = ", ".join(TEXT_FIELDS)
        self.conn.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.table} USING fts5({cols}, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )

    def update(self, master_ids: Iterable[int]) -> None:
        self._ensure()
        ids = list(master_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            self.conn.execute(f"DELETE FROM {self.table} WHERE rowid IN ({marks})", chunk)
        self._insert(master_documents(self.conn, ids))

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
            self.conn.execute(f"DROP TABLE IF EXISTS {self.table}")
            self._ensure()
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

    def search(self, query, filters, limit, offset=0):
        self._ensure()
        expr = query if isinstance(query, str) else fts5_expression(query)
        where, params = filters.sql()
        weights = ", ".join(str(w) for w in TEXT_FIELDS.values())
        base = (
            f"FROM {self.table} JOIN master_images m ON m.id = {self.table}.rowid "
            "JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id "
            f"WHERE {self.table} MATCH ? AND {where}"
        )
        try:
            total = self.conn.execute(f"SELECT count(*) {base}", [expr, *params]).fetchone()[0]
            snippets = ", ".join(
                f"snippet({self.table}, {i}, '<mark>', '</mark>', '…', 16)" for i in _SNIPPET_COLUMNS
            )
            rows = self.conn.execute(
                f"SELECT m.id, bm25({self.table}, {weights}) AS rank, {snippets} "
                f"{base} ORDER BY rank, m.id LIMIT ? OFFSET ?",
                [expr, *params, limit, offset],
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if isinstance(query, str):
                raise QueryError(f"raw FTS5 query rejected: {exc}; fix its syntax or drop --raw") from exc
            raise
        # bm25() is lower-is-better and negative; report a positive higher-is-better score.
        return [TextHit(r[0], round(-r[1], 4), _best_snippet(r[2:])) for r in rows], total


# Snippet columns in the order people want to read them: the panel's own text first.
_SNIPPET_COLUMNS = [list(TEXT_FIELDS).index(c) for c in ("subcaption", "caption", "labels", "title", "abstract")]


def _best_snippet(candidates) -> str:
    for snip in candidates:
        if snip and "<mark>" in snip:
            return snip
    return next((s for s in candidates if s), "")
