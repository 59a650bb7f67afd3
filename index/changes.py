"""Reading the change log (schema version 6, see ``index/schema.py``): which master images changed
after a given change number, in commit order.

Indexes kept outside the database (Elasticsearch/OpenSearch) remember the largest number they
have applied; the next sync asks for the images with a larger one.  Read ``last_change`` before
reading any document: a change that commits afterwards gets a larger number, so it is never
skipped, only possibly pushed twice (pushing is idempotent).
"""

from __future__ import annotations

import sqlite3


def last_change(conn: sqlite3.Connection) -> int:
    """The largest change number committed so far (0 in an empty dataset)."""
    return conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]


def changed_since(conn: sqlite3.Connection, seq: int) -> list[int]:
    """Master ids changed after change ``seq``, deleted ones included (their documents must go)."""
    return [r[0] for r in conn.execute("SELECT master_id FROM changes WHERE seq > ? ORDER BY master_id", (seq,))]


def origin(conn: sqlite3.Connection) -> str:
    """This database's identity: change numbers only mean something to an index filled from it."""
    return conn.execute("SELECT origin FROM change_origin WHERE id = 1").fetchone()[0]
