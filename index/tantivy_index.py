"""tantivy as the embedded text index: the same fields, filters and facets as FTS5, 10-20x faster.

SQLite stays the source of truth.  The tantivy index is a directory beside the database,
``text-index/tantivy-<generation>/``, named by a row of ``tantivy_state``; it is brought in
step with the database through a queue table in the database itself:

* triggers on the tables a document is built from (images, labels, figures, articles) queue
  the changed images (``tantivy_pending``) in the writer's own transaction: a rolled-back
  ingest queues nothing, a committed one can never be forgotten, and SQL written by hand
  reaches the index too.  ``update(ids)`` queues explicitly.
* ``flush()`` (and every search, when the queue is not empty) re-reads the queued images
  from the database, replaces their documents, commits tantivy, and only then deletes the
  queue rows it applied (each row carries a sequence number, so an id queued again meanwhile
  stays queued).  A process killed in between re-applies the same rows next time: applying
  is idempotent.
* each document stores its hit row (``documents.HIT_COLUMNS``), handed back as ``TextHit.row``:
  ``retrieval.search`` builds its Hits from it without reading the database again;
* ``rebuild()`` writes a new generation directory and switches the state row to it in one
  SQLite commit; searches see the old generation until then (the local equivalent of the
  Elasticsearch alias swap).  A missing or foreign directory is rebuilt on first use.

Text is analysed by tantivy (simple tokenizer, lowercase, ASCII folding, Snowball English
stemmer), after the same case folding as the Elasticsearch backend (``es_documents.fold``).
FTS5 and the Elasticsearch mapping stem with Porter's original algorithm; the two stemmers give
different match sets for 2 % of the demo captions' words (Porter turns "aged" into "ag", silver's
symbol, and "one" into "on"; Snowball keeps "pbs" whole): tests/test_tantivy.py measures it.
Scores are BM25 per field, boosted by ``TEXT_FIELDS`` weights and summed, as on
Elasticsearch; FTS5's bm25() weights columns inside one formula, so the order of hits
differs from FTS5's while the set of matches is the same.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Callable, Iterable, Sequence

from figdex.index.documents import master_documents
from figdex.index.es_documents import fold
from figdex.index.highlight import Highlighter
from figdex.index.fulltext import (
    DEFAULT_FACETS, Facets, TextHit, TextIndex, TextIndexError, facet_names, register_text_index,
)
from figdex.index.tantivy_documents import (
    ANALYZER, FACET_FIELD_MAP, INDEX_DIR, NEXT_SEQ, OBSOLETE_TRIGGERS, QUEUE_TABLES, QUEUE_TRIGGERS, ROW_TEXT,
    SCHEMA_VERSION, build_analyzer, build_schema, enqueue_sql, import_tantivy, raw_errors, tantivy_document,
)
from figdex.index.query import SearchFilters
from figdex.index.tantivy_queries import TantivyQueries

SNIPPET_ORDER = ("subcaption", "caption", "labels", "title", "abstract")
SNIPPET_CHARS = 120
FLUSH_BATCH = 5000
BUCKET_LIMIT = 60_000  # tantivy's aggregation bucket limit is 65,000 per request
_LOCK = threading.RLock()  # one writer per index directory in this process; the web server has threads
_OPEN: dict[str, object] = {}  # directory -> tantivy.Index, opened once per process


@register_text_index
class TantivyIndex(TextIndex):
    name = "tantivy"

    def __init__(self, conn: sqlite3.Connection, root=None, url: str | None = None, **options):
        super().__init__(conn, root, url, **options)
        self._index = None
        self._generation = None
        self._tv = import_tantivy()
        self._analyze = build_analyzer().analyze

    # -- state ----------------------------------------------------------------------------------
    def _ensure_tables(self) -> None:
        if getattr(self, "_tables_ok", False):
            return
        missing = self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                    (QUEUE_TRIGGERS[-1][0],)).fetchone() is None
        if missing:
            was_in = self.conn.in_transaction
            for sql in QUEUE_TABLES:
                self.conn.execute(sql)
            for name in OBSOLETE_TRIGGERS:
                self.conn.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name, sql in QUEUE_TRIGGERS:
                self.conn.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {sql}")
            if not was_in and self.conn.in_transaction:
                self.conn.commit()
        self._tables_ok = True

    def _state(self) -> tuple[str, int] | None:
        row = self.conn.execute("SELECT generation, schema_version FROM tantivy_state WHERE id = 1").fetchone()
        return None if row is None else (row[0], row[1])

    def _dir(self, generation: str) -> Path | None:
        return None if self.root is None else Path(self.root) / INDEX_DIR / f"tantivy-{generation}"

    def _open_generation(self, generation: str):
        path = self._dir(generation)
        key = str(path) if path is not None else f"memory:{id(self.conn)}:{generation}"
        index = _OPEN.get(key)
        if index is None:
            if path is None:
                index = self._tv.Index(build_schema())
            else:
                index = self._tv.Index(build_schema(), path=str(path), reuse=True)
            index.register_tokenizer(ANALYZER, build_analyzer())
            _OPEN[key] = index
        return index

    def _ready(self):
        """The open index of the current generation; built first when there is none (or it is gone)."""
        self._ensure_tables()
        state = self._state()
        if state is not None and self._generation == state[0] and self._index is not None:
            return self._index
        path = self._dir(state[0]) if state else None
        usable = state is not None and state[1] == SCHEMA_VERSION and (
            (path is not None and (path / "meta.json").exists()) or
            (path is None and f"memory:{id(self.conn)}:{state[0]}" in _OPEN))
        index = None
        if usable:
            try:
                index = self._open_generation(state[0])
            except (ValueError, OSError):  # damaged files: the index is derived, build it again
                index = None
        if index is None:
            if self.conn.in_transaction:
                raise TextIndexError(f"the tantivy index of {self.root} is missing or damaged and cannot be "
                                     "rebuilt inside a transaction; run `figdex index rebuild`")
            self.rebuild()
            state = self._state()
            index = self._open_generation(state[0])
        if self._generation is not None and self._generation != state[0]:
            self._forget_other_generations(state[0])
        self._generation, self._index = state[0], index
        return index

    # -- writing --------------------------------------------------------------------------------
    def update(self, master_ids: Iterable[int]) -> None:
        self._ensure_tables()
        ids = list(master_ids)
        if not ids:
            return
        was_in = self.conn.in_transaction
        self.conn.executemany(enqueue_sql("VALUES (?, " + NEXT_SEQ + ")"), [(i,) for i in ids])
        if not was_in:  # the queue rows were the only thing in this implicit transaction
            self.conn.commit()
            self.flush()

    def flush(self) -> int:
        """Apply the queued changes to tantivy (only outside a transaction); returns images applied."""
        self._ensure_tables()
        if self.conn.in_transaction:
            return 0
        if self.conn.execute("SELECT 1 FROM tantivy_pending LIMIT 1").fetchone() is None:
            return 0
        index = self._ready()
        applied = 0
        with _LOCK:
            while rows := self.conn.execute("SELECT master_id, seq FROM tantivy_pending ORDER BY master_id "
                                            "LIMIT ?", (FLUSH_BATCH,)).fetchall():
                ids = [r[0] for r in rows]
                self._write(index, master_documents(self.conn, ids), delete_ids=ids)
                with self.conn:
                    self._unqueue(rows)
                applied += len(rows)
        return applied

    def _write(self, index, docs, delete_ids=(), heap: int = 50_000_000, progress=None) -> int:
        """Delete ``delete_ids``, add ``docs`` (``master_documents`` rows), commit; documents added."""
        writer = self._writer(index, heap)
        n = 0
        try:
            for i in delete_ids:
                writer.delete_documents_by_term("id", i)
            for doc in docs:
                writer.add_document(self._tv.Document.from_dict(tantivy_document(doc), index.schema))
                n += 1
                if progress and n % 1000 == 0:
                    progress(n)
            writer.commit()
            writer.wait_merging_threads()
        finally:
            del writer  # releases the writer lock
        index.reload()
        return n

    def _unqueue(self, rows) -> None:
        """Delete applied queue rows, each only if not queued again since it was read (same seq)."""
        self.conn.executemany("DELETE FROM tantivy_pending WHERE master_id = ? AND seq = ?", [tuple(r) for r in rows])

    def _writer(self, index, heap: int = 50_000_000):
        try:
            return index.writer(heap_size=heap, num_threads=1)
        except ValueError as exc:  # another process holds the writer lock
            raise TextIndexError(f"the tantivy index is being written by another figdex process ({exc}); "
                                 "wait for it to finish and retry") from exc

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        self._ensure_tables()
        if self.conn.in_transaction:  # committing here would commit the caller's half-done work
            raise TextIndexError("rebuild the tantivy index outside a transaction (commit first)")
        generation = uuid.uuid4().hex[:12]
        path = self._dir(generation)
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        with _LOCK:
            # The queue as it is now: every change it holds is in the rows read below.
            queued = self.conn.execute("SELECT master_id, seq FROM tantivy_pending").fetchall()
            index = self._open_generation(generation)
            n = self._write(index, master_documents(self.conn), heap=200_000_000, progress=progress)
            with self.conn:
                self.conn.execute("INSERT INTO tantivy_state(id, generation, schema_version, documents) "
                                  "VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET generation = excluded.generation, "
                                  "schema_version = excluded.schema_version, documents = excluded.documents",
                                  (generation, SCHEMA_VERSION, n))
                self._unqueue(queued)
            self._generation, self._index = generation, index
            self._drop_other_generations(generation)
        return n

    def _forget_other_generations(self, keep: str) -> None:
        """Close this process's handles on the dataset's other generations (a long-running server
        sees rebuilds made by other processes)."""
        for key in [k for k in _OPEN if not k.endswith(keep)]:
            if key.startswith(f"memory:{id(self.conn)}:") or (self.root is not None and key.startswith(
                    str(Path(self.root) / INDEX_DIR))):
                del _OPEN[key]

    def _drop_other_generations(self, keep: str) -> None:
        self._forget_other_generations(keep)
        if self.root is None:
            return
        for old in (Path(self.root) / INDEX_DIR).glob("tantivy-*"):
            if old.name != f"tantivy-{keep}":
                shutil.rmtree(old, ignore_errors=True)  # a reader elsewhere keeps its open files (POSIX)

    def count(self) -> int:
        index = self._ready()
        self.flush()
        return index.searcher().num_docs

    def stored_documents(self) -> list[dict]:
        """Every document as the index holds it now, its stored fields (``id``, the hit ``row``, the
        stored text), ordered by id; the queue is not applied first.  A list, not a mapping by id, so
        that a document indexed twice shows: checks that the index agrees with the database
        (tests/test_crash_resume.py) read it."""
        index = self._ready()
        searcher = index.searcher()
        if not searcher.num_docs:
            return []
        result = searcher.search(self._tv.Query.all_query(), limit=searcher.num_docs)
        docs = [searcher.doc(address).to_dict() for _score, address in result.hits]
        return sorted(docs, key=lambda d: (d["id"], repr(d)))

    # -- queries (index/tantivy_queries.py) -------------------------------------------------------
    def _query(self, query, filters: SearchFilters, terms: list | None = None):
        return TantivyQueries(self._tv, self._index, self.conn, self._analyze).query(query, filters, terms)

    def _searcher(self):
        self._ready()
        if not self.conn.in_transaction and \
                self.conn.execute("SELECT 1 FROM tantivy_pending LIMIT 1").fetchone() is not None:
            try:
                self.flush()
            except TextIndexError:
                pass  # another process is writing: search what is committed
        return self._index.searcher()

    def search(self, query, filters, limit, offset=0, *, snippets=True):
        searcher = self._searcher()
        terms: list = []
        q = self._query(query, filters, terms)
        with raw_errors(query):  # a raw query can parse and still be refused by the searcher
            result = searcher.search(q, limit=limit, count=True, offset=offset)
        docs = [searcher.doc(addr) for _, addr in result.hits]
        rows = [_load_row(d.get_first("row")) for d in docs]
        if not snippets:
            marked = [""] * len(docs)
        elif isinstance(query, str):  # raw syntax: only tantivy knows its terms
            marked = self._engine_snippets(searcher, q, docs, rows)
        else:
            marked = self._snippets(Highlighter(self._analyze, terms, SNIPPET_CHARS), docs, rows)
        hits = [TextHit(row["id"], round(float(score), 4), snip, row)
                for row, (score, _), snip in zip(rows, result.hits, marked)]
        return hits, result.count

    def _texts(self, docs, rows, abstracts: dict[int, str] | None = None) -> list[dict[str, str]]:
        """Each hit's text fields as displayed: from the stored row, the stored labels and, when
        given, abstracts read from the database."""
        out = []
        for doc, row in zip(docs, rows):
            texts = {name: row.get(name) or "" for name in ROW_TEXT}
            texts["labels"] = doc.get_first("labels") or ""
            texts["abstract"] = (abstracts or {}).get(row["id"], "")
            out.append(texts)
        return out

    def _abstracts(self, ids) -> dict[int, str]:
        return {d["id"]: d["abstract"] or "" for d in master_documents(self.conn, list(ids))}

    def _snippets(self, highlighter: Highlighter, docs, rows) -> list[str]:
        """Per hit, a snippet of the first field in ``SNIPPET_ORDER`` with a match, else the start of
        the first non-empty field (FTS5's choice).  Words are matched in the text as indexed (after
        ``fold``, which maps character for character) and shown as written.  Abstracts are read only
        for the hits whose other fields have no match."""
        texts = self._texts(docs, rows)
        out: list[str | None] = [None] * len(docs)
        for i, fields in enumerate(texts):
            out[i] = self._first_marked(highlighter, fields)
        missing = [i for i, s in enumerate(out) if s is None]
        if missing:
            abstracts = self._abstracts(rows[i]["id"] for i in missing)
            for i in missing:
                fields = {**texts[i], "abstract": abstracts.get(rows[i]["id"], "")}
                out[i] = self._first_marked(highlighter, fields, ("abstract",)) or \
                    _start(next((fields[n] for n in SNIPPET_ORDER if fields[n]), ""))
        return out  # type: ignore[return-value]

    @staticmethod
    def _first_marked(highlighter: Highlighter, fields: dict[str, str], order=SNIPPET_ORDER) -> str | None:
        for name in order:
            text = fields[name]
            spans = highlighter.matches(fold(text)) if text else []
            if spans:
                return highlighter.snippet(text, spans)
        return None

    def _engine_snippets(self, searcher, query, docs, rows) -> list[str]:
        """``_snippets`` with tantivy's SnippetGenerator, for raw queries (whose terms figdex does not parse)."""
        texts = self._texts(docs, rows, self._abstracts(row["id"] for row in rows))
        fulls = []
        for fields in texts:  # the generator reads the text from a document: give it every field
            doc = self._tv.Document()
            for name, text in fields.items():
                if text:
                    doc.add_text(name, fold(text))
            fulls.append(doc)
        out: list[str | None] = [None] * len(docs)
        for name in SNIPPET_ORDER:
            pending = [i for i, s in enumerate(out) if s is None and texts[i][name]]
            if not pending:
                continue
            generator = self._tv.SnippetGenerator.create(searcher, query, self._index.schema, name)
            generator.set_max_num_chars(SNIPPET_CHARS)
            for i in pending:
                snippet = generator.snippet_from_doc(fulls[i])
                if snippet.highlighted():
                    out[i] = _marked(snippet, fold(texts[i][name]))
        for i, s in enumerate(out):
            if s is None:
                out[i] = _start(next((texts[i][n] for n in SNIPPET_ORDER if texts[i][n]), ""))
        return out  # type: ignore[return-value]

    def facets(self, query, filters, fields: Sequence[str] = DEFAULT_FACETS, size=10) -> Facets:
        names = facet_names(fields)
        if not names:
            return {}
        searcher = self._searcher()
        q = self._query(query, filters)
        # Ten times the buckets asked for, so that the counts near the cut are exact for all but
        # pathological distributions; tantivy refuses a request for more than 65,000 buckets in all.
        asked = min(max(10 * size, 1000), BUCKET_LIMIT // len(names))
        agg = {name: {"terms": {"field": FACET_FIELD_MAP[name], "size": asked}} for name in names}
        with raw_errors(query):
            result = searcher.aggregate(q, agg)
        out: Facets = {}
        for name in names:
            pairs = []
            for bucket in result.get(name, {}).get("buckets", []):
                key = bucket["key"]
                if name == "year":
                    key = int(key)
                pairs.append((key, int(bucket["doc_count"])))
            pairs.sort(key=lambda kn: (-kn[1], kn[0]))
            out[name] = pairs[:size]
        return out


def flush_pending(conn: sqlite3.Connection, root) -> int:
    """Apply queued changes to a dataset's tantivy index, if it has one and anything is queued (cheap
    otherwise: no tantivy import).  A writer elsewhere or a missing package leaves the queue for the
    next search or close."""
    try:
        if conn.in_transaction or conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tantivy_pending'").fetchone() is None:
            return 0
        if conn.execute("SELECT 1 FROM tantivy_pending LIMIT 1").fetchone() is None:
            return 0
        return TantivyIndex(conn, root).flush()
    except (TextIndexError, sqlite3.ProgrammingError):
        return 0


def _load_row(raw: bytes) -> dict:
    return json.loads(bytes(raw).decode())  # decoded here: json's own encoding detection costs more


def _start(text: str) -> str:
    return text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else "")


def _marked(snippet, text: str) -> str:
    """A tantivy snippet in FTS5's form: ``<mark>`` around matches, ``…`` where text was cut."""
    # tantivy's ranges are byte offsets (UTF-8) into the fragment and the field's text.
    fragment = snippet.fragment().encode()
    span = snippet.fragment_range()
    parts, pos = [], 0
    for r in snippet.highlighted():
        parts.append(fragment[pos:r.start] + b"<mark>" + fragment[r.start:r.end] + b"</mark>")
        pos = r.end
    parts.append(fragment[pos:])
    body = b"".join(parts).decode(errors="replace")
    return ("…" if span.start > 0 else "") + body + ("…" if span.end < len(text.encode()) else "")
