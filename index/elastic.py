"""Elasticsearch and OpenSearch text indexes, for datasets that outgrow one machine.

The database stays the source of truth: these backends hold a copy of the searchable
document of every master image (``index/documents.py``, the same fields and weights as
FTS5) and are filled by ``figdex index sync`` / ``figdex index rebuild``.

* Mapping: text fields use ``figdex_english`` (standard tokenizer, lowercase, ASCII
  folding, Porter stemmer: the stemmer of FTS5's ``porter`` tokenizer; English stop words
  are kept, as FTS5 keeps them, so every query word means the same on both engines).
  Filter and facet fields are keywords (journal, publisher, licence, image class, DOI,
  labels as ``kind:value``), year and nm_per_px are numbers.
* Queries: a parsed ``UserQuery`` is rendered as a bool query of ``match_phrase`` /
  ``prefix`` clauses over the weighted fields; no user text is ever parsed as engine
  syntax.  A raw ``str`` query is the explicit opt-in (``query_string``).
* Filters mean what ``SearchFilters.sql()`` means, SQL ``LIKE`` semantics included (see
  ``filter_clauses``).
* Writes go through an alias: ``rebuild`` fills a new versioned index and swaps the alias
  in one atomic ``_aliases`` call, so searches never see a half-built index; ``sync``
  pushes the images changed since the last sync (or everything) into the live index.  The
  index's ``_meta`` holds the database's change number it is in step with (``index/changes.py``).
* Bulk requests go in batches; HTTP 429 (whole request or single items) is retried with
  exponential backoff, and any document that still fails is reported by id with the
  engine's reason (``BulkIndexError``): a bulk call that "succeeds" with failed items is
  never silent.

The clients (``elasticsearch`` for the ``[es]`` extra, ``opensearch-py`` for
``[opensearch]``) are imported only when a backend is opened.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Callable, Iterable, Iterator

from figdex import settings
from figdex.index.changes import changed_since, last_change
from figdex.index.changes import origin as change_origin
from figdex.index.documents import master_documents
from figdex.index.fulltext import (
    DEFAULT_FACETS,
    Facets,
    TextHit,
    TextIndex,
    TextIndexError,
    facet_names,
    register_text_index,
)
from figdex.index.query import QueryError, SearchFilters
from figdex.index.es_documents import ANALYZER, DEFAULT_ALIAS, DEFAULT_URL, FACET_FIELD_MAP, MAPPING_VERSION, MAX_WINDOW, SETTINGS, SNIPPET_ORDER, es_document, filter_clauses, mappings, render_query, snippet
from figdex.index.es_vectors import VectorField, VectorSearch, asked_sources, with_vectors
from figdex.index.es_engines import BulkFailure, BulkIndexError, SyncReport, _ElasticsearchEngine, _Engine, _EngineHTTPError, _OpenSearchEngine, _error_parts, _now

# -- the backends -------------------------------------------------------------------------------

@register_text_index
class ElasticsearchIndex(VectorSearch, TextIndex):
    """Elasticsearch 8.x (the official ``elasticsearch`` client) behind an alias.

    Options: ``index`` (the alias; default ``$FIGDEX_ES_INDEX``, config.json
    ``text_index_name``, else ``figdex``), ``client`` (a ready client object), ``batch_size``
    (documents per bulk request), ``max_retries`` / ``initial_backoff`` / ``max_backoff``
    (429 handling), ``timeout`` (seconds per request), ``vector_fields`` (the dense vectors the
    documents carry, ``index/es_vectors.py``; None: leave the live index's vectors as they are).  The URL is ``url``, else
    ``$FIGDEX_ES_URL``, else config.json ``text_index_url``, else http://localhost:9200.

    ``update`` (what ingest calls when this is the dataset's configured backend) pushes the
    documents at once, inside the caller's SQLite transaction; if that transaction rolls
    back, the engine keeps what was pushed until the next ``sync --full``.
    """

    name = "elasticsearch"
    engine_class: type[_Engine] = _ElasticsearchEngine

    def __init__(self, conn, root=None, url=None, *, index: str | None = None, client=None,
                 batch_size: int = 500, max_batch_bytes: int = 8 << 20, max_retries: int = 6,
                 initial_backoff: float = 0.5, max_backoff: float = 30.0, timeout: float = 60.0,
                 vector_fields: tuple[VectorField, ...] | None = None, **options):
        # The flag, else FIGDEX_ES_URL / FIGDEX_ES_INDEX, else config.json, else the defaults (settings.py).
        url = url or settings.get("text_index_url", root) or DEFAULT_URL
        super().__init__(conn, root, url=url, **options)
        self.alias = index or settings.get("text_index_name", root) or DEFAULT_ALIAS
        self.batch_size = batch_size
        self.max_batch_bytes = max_batch_bytes
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.engine = self.engine_class(url, client=client, timeout=timeout)
        self._stems: dict[str, list[str]] = {}
        self.sleep = time.sleep
        self.vector_fields = None if vector_fields is None else tuple(vector_fields)
        self.vectors_refused: str | None = None  # the engine's reason, when it refused the vector mapping
        self.vectors_stored: tuple[str, ...] = ()  # the vector fields of the index being created

    # -- index lifecycle -----------------------------------------------------------------------
    def live_indices(self) -> list[str]:
        """The concrete indices behind the alias ([] when it does not exist yet)."""
        try:
            with self.engine.errors():
                found = self.engine.aliases(self.alias)
        except _EngineHTTPError as exc:
            if exc.status != 404:
                raise self._failed("reading the alias", exc) from exc
            with self._call("looking for the index"):
                if self.engine.exists(self.alias):
                    raise TextIndexError(
                        f"{self.alias!r} on {self.url} is an index, not an alias; figdex keeps its documents in "
                        f"versioned indices behind an alias: delete it or choose another name (FIGDEX_ES_INDEX)"
                    )
            return []
        return sorted(found)

    def _new_index(self) -> str:
        name = f"{self.alias}-v{datetime.now(timezone.utc).strftime('%Y%m%d%H%M%S%f')}"
        vectors = {f.name: self.engine.vector_mapping(f.dims) for f in self.vector_fields or ()}
        self.vectors_stored = ()
        if vectors:
            try:
                with self.engine.errors():
                    self.engine.create(name, {**SETTINGS, **self.engine.vector_settings, "refresh_interval": "-1"},
                                       mappings(vectors))
                self.vectors_stored = tuple(vectors)
                return name
            except _EngineHTTPError as exc:
                if exc.status != 400:
                    raise self._failed("creating index " + name, exc) from exc
                # No vector support (OpenSearch without its k-NN plugin, an emulator): the text index
                # still works, and searches rank vectors locally (retrieval/semantic.py says so).
                self.vectors_refused = exc.reason or exc.type
        with self._call("creating index " + name):
            self.engine.create(name, {**SETTINGS, "refresh_interval": "-1"}, mappings())
        return name

    def _ensure(self) -> str:
        live = self.live_indices()
        if live:
            return live[0]
        name = self._new_index()
        with self._call("pointing the alias at " + name):
            self.engine.put_settings(name, {"index": {"refresh_interval": "1s"}})
            self.engine.update_aliases([{"add": {"index": name, "alias": self.alias}}])
        return name

    def _meta(self, index: str) -> dict:
        with self._call("reading the mapping"):
            mapping = self.engine.get_mapping(index)
        body = mapping.get(index) or next(iter(mapping.values()), {})
        return (body.get("mappings", {}).get("_meta") or {}).get("figdex", {})

    def _set_meta(self, index: str, **values) -> None:
        meta = {"mapping_version": MAPPING_VERSION, **self._meta(index), **values}
        with self._call("writing the sync mark"):
            self.engine.put_meta(index, {"figdex": meta})

    def rebuild(self, progress=None) -> int:
        """Fill a new versioned index from the database, then swap the alias to it atomically."""
        started, mark = _now(), last_change(self.conn)  # the mark before any row is read
        old = self.live_indices()
        new = self._new_index()
        try:
            n, failures = self._push(self._index_actions(master_documents(self.conn), new), progress,
                                     self._fields(self.vectors_stored))
            if failures:
                raise BulkIndexError(failures, n, f" while rebuilding {new}; the live index was left unchanged")
            with self._call("refreshing " + new):
                self.engine.put_settings(new, {"index": {"refresh_interval": "1s"}})
                self.engine.refresh(new)
            self._set_meta(new, synced_at=started, change_seq=mark, origin=change_origin(self.conn),
                           vectors=list(self.vectors_stored), vectors_refused=self.vectors_refused,
                           vector_sources=asked_sources(self.conn, self.vector_fields or ()))
            actions = [{"remove": {"index": o, "alias": self.alias}} for o in old]
            actions.append({"add": {"index": new, "alias": self.alias}})
            with self._call("swapping the alias"):
                self.engine.update_aliases(actions)  # one call: atomic
        except BaseException:
            self._drop(new)
            raise
        for o in old:
            self._drop(o)
        self.last_index, self.last_change = new, mark
        return n

    def _drop(self, index: str) -> None:
        try:
            with self.engine.errors():
                self.engine.delete(index)
        except (_EngineHTTPError, TextIndexError):
            pass

    def sync(self, full: bool = False, progress: Callable[[int], None] | None = None) -> SyncReport:
        """Push the database to the engine: images changed since the last sync, or all of them.

        The first sync (no alias yet) and a sync against an index of an older mapping
        version rebuild instead.  "Changed" is by the database's change log (``index/changes.py``),
        which orders changes by commit: a change that commits while a sync runs is pushed by the
        next one; deleted images and removed labels are changes too.  An index without a change
        mark from this database (synced by an older figdex, or from another dataset) gets a full
        push.  The mark is only advanced when every document was accepted, so a failed sync is
        retried next time.
        """
        started, mark, origin = _now(), last_change(self.conn), change_origin(self.conn)
        live = self.live_indices()
        if not live:
            n = self.rebuild(progress)
            return SyncReport(self.name, self.alias, self.last_index, "created", pushed=n, synced_at=started,
                              change=self.last_change)
        index = live[0]
        meta = self._meta(index)
        if meta.get("mapping_version") != MAPPING_VERSION or (
                self.vector_fields is not None
                and meta.get("vector_sources", {}) != asked_sources(self.conn, self.vector_fields)):
            # An older mapping, or other vectors asked for (first embedding, re-embedding, a retrained
            # alignment): a new index, so that the mapping and every vector are right.
            n = self.rebuild(progress)
            return SyncReport(self.name, self.alias, self.last_index, "rebuilt", pushed=n, synced_at=started,
                              change=self.last_change)
        since = meta.get("change_seq") if not full and meta.get("origin") == origin else None
        if since is None:
            pushed, failures = self._push(self._index_actions(master_documents(self.conn), self.alias), progress,
                                          self._live_fields(meta))
            deleted = 0
        else:
            ids = changed_since(self.conn, int(since))
            present: set[int] = set()

            def changed():
                for doc in master_documents(self.conn, ids):
                    present.add(doc["id"])
                    yield doc

            pushed, failures = self._push(self._index_actions(changed(), self.alias), progress,
                                          self._live_fields(meta))
            deleted, delete_failures = self._push(self._delete_actions([i for i in ids if i not in present],
                                                                       self.alias))
            failures += delete_failures
        with self._call("refreshing"):
            self.engine.refresh(self.alias)
        db_total = self.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
        if since is None or self.count() != db_total:  # a full push, or an index that was written elsewhere
            stale = self.indexed_ids() - set(r[0] for r in self.conn.execute("SELECT id FROM master_images"))
            gone, delete_failures = self._push(self._delete_actions(stale, self.alias))
            deleted += gone
            failures += delete_failures
            with self._call("refreshing"):
                self.engine.refresh(self.alias)
        report = SyncReport(self.name, self.alias, index, "full" if since is None else "incremental",
                            pushed=pushed, deleted=deleted, since=since, synced_at=started, change=mark,
                            failures=failures)
        if failures:
            raise BulkIndexError(failures, pushed + deleted, " during sync; the sync mark was not advanced")
        self._set_meta(index, synced_at=started, change_seq=mark, origin=origin)
        return report

    def update(self, master_ids: Iterable[int]) -> None:
        """Push these master images (those gone from the database are deleted); no refresh."""
        ids = sorted(set(master_ids))
        if not ids:
            return
        meta = self._meta(self._ensure())
        fields = self._live_fields(meta)
        # An index holding vectors that this caller cannot give (ingest opens the index without
        # them): partial updates, so the stored vectors stay until the next sync refreshes them.
        partial = bool(meta.get("vectors")) and not fields
        present = set()

        def actions():
            for doc in master_documents(self.conn, ids):
                present.add(doc["id"])
                if partial:
                    yield ({"update": {"_index": self.alias, "_id": str(doc["id"])}},
                           {"doc": es_document(doc), "doc_as_upsert": True})
                else:
                    yield from self._index_actions([doc], self.alias)
            yield from self._delete_actions([i for i in ids if i not in present], self.alias)

        _, failures = self._push(actions(), vector_fields=fields)
        if failures:
            raise BulkIndexError(failures, len(ids) - len(failures), " while updating the index")

    def indexed_ids(self) -> set[int]:
        """Every master id in the engine (walked with search_after on the id field)."""
        out: set[int] = set()
        after = None
        while True:
            body = {"size": 5000, "_source": False, "sort": [{"id": "asc"}], "query": {"match_all": {}},
                    "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            res = self._search(body)
            hits = res["hits"]["hits"]
            if not hits:
                return out
            out.update(int(h["_id"]) for h in hits)
            after = hits[-1]["sort"]

    def count(self) -> int:
        if not self.live_indices():
            return 0
        with self._call("counting"):
            return self.engine.count(self.alias)

    # -- bulk ------------------------------------------------------------------------------------
    @staticmethod
    def _index_actions(docs: Iterable[dict], index: str) -> Iterator[tuple[dict, dict | None]]:
        for doc in docs:
            yield {"index": {"_index": index, "_id": str(doc["id"])}}, es_document(doc)

    @staticmethod
    def _delete_actions(ids: Iterable[int], index: str) -> Iterator[tuple[dict, dict | None]]:
        for i in ids:
            yield {"delete": {"_index": index, "_id": str(i)}}, None

    def _batches(self, actions) -> Iterator[list[tuple[dict, dict | None]]]:
        batch, size = [], 0
        for action, source in actions:
            batch.append((action, source))
            size += len(json.dumps(source, ensure_ascii=False)) if source is not None else 64
            if len(batch) >= self.batch_size or size >= self.max_batch_bytes:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def _push(self, actions, progress=None, vector_fields: tuple[VectorField, ...] = ()
              ) -> tuple[int, list[BulkFailure]]:
        """Send actions in batches (index actions get ``vector_fields``' vectors); returns (documents
        written, failures). 429s are retried."""
        done = 0
        failures: list[BulkFailure] = []
        for batch in self._batches(actions):
            if vector_fields:
                indexed = [(a, s) for a, s in batch if "index" in a]
                with_vectors(self.conn, indexed, vector_fields)
            ok, failed = self._send(batch)
            done += ok
            failures += failed
            if progress:
                progress(done)
        return done, failures

    def _send(self, batch) -> tuple[int, list[BulkFailure]]:
        pending = batch
        failures: list[BulkFailure] = []
        ok = 0
        for attempt in range(self.max_retries + 1):
            ops = []
            for action, source in pending:
                ops.append(action)
                if source is not None:
                    ops.append(source)
            try:
                with self.engine.errors():
                    resp = self.engine.bulk(ops)
            except _EngineHTTPError as exc:
                if exc.status == 429 and attempt < self.max_retries:
                    self._backoff(attempt)
                    continue
                raise self._failed(f"a bulk request of {len(pending)} documents", exc) from exc
            retry = []
            for (action, source), item in zip(pending, resp.get("items", [])):
                op, result = next(iter(item.items()))
                status = int(result.get("status", 0))
                if status < 300 or (op == "delete" and status == 404):
                    ok += 1
                elif status == 429 and attempt < self.max_retries:
                    retry.append((action, source))
                else:
                    type_, reason = _error_parts({"error": result.get("error", "")})
                    failures.append(BulkFailure(str(result.get("_id", next(iter(action.values())).get("_id"))),
                                                op, status, type_, reason))
            if len(resp.get("items", [])) != len(pending):  # never trust a short answer silently
                for action, _ in pending[len(resp.get("items", [])):]:
                    failures.append(BulkFailure(next(iter(action.values()))["_id"], next(iter(action)), 0,
                                                "missing_item", "the bulk response did not mention this document"))
            if not retry:
                return ok, failures
            pending = retry
            self._backoff(attempt)
        return ok, failures  # pragma: no cover - the loop returns or raises

    def _backoff(self, attempt: int) -> None:
        self.sleep(min(self.max_backoff, self.initial_backoff * (2 ** attempt)))

    # -- search ----------------------------------------------------------------------------------
    def _analyze(self, text: str) -> list[str]:
        if text not in self._stems:
            with self._call("analysing a prefix"):
                res = self.engine.analyze(self.alias, ANALYZER, text)
            self._stems[text] = [t["token"] for t in res.get("tokens", [])]
        return self._stems[text]

    def _body(self, query, filters: SearchFilters) -> dict:
        return {"bool": {"must": [render_query(query, self._analyze)], "filter": filter_clauses(filters)}}

    def _search(self, body: dict, raw: bool = False) -> dict:
        try:
            with self.engine.errors():
                return self.engine.search(self.alias, body)
        except _EngineHTTPError as exc:
            if raw and exc.status == 400:
                raise QueryError(f"raw {self.engine.product} query rejected: {exc.reason}; fix its syntax "
                                 f"or drop --raw") from exc
            if exc.status == 404:
                raise TextIndexError(f"no index {self.alias!r} on {self.url}; run `figdex index sync --backend "
                                     f"{self.name} --url {self.url}` first") from exc
            raise self._failed("searching", exc) from exc

    def search(self, query, filters, limit, offset=0, *, snippets=True):
        raw = isinstance(query, str)
        body = {
            "query": self._body(query, filters),
            "sort": [{"_score": "desc"}, {"id": "asc"}],
            "track_total_hits": True,
            "_source": False,
            "size": limit,
            "highlight": {
                "pre_tags": ["<mark>"], "post_tags": ["</mark>"],
                "fields": {name: {"number_of_fragments": 1, "fragment_size": 150,
                                  **({"no_match_size": 150} if name in ("subcaption", "caption") else {})}
                           for name in SNIPPET_ORDER},
            },
        }
        if not snippets:
            del body["highlight"]
        seen: set[str] = set()
        if offset + limit <= MAX_WINDOW:
            body["from"] = offset
        else:
            # Deep page: walk to it with search_after.  The walk is not a point-in-time snapshot
            # (a sync may run meanwhile), so a hit met again at a page boundary is skipped: each
            # request asks for one hit more than it needs.
            after = None
            while len(seen) < offset:
                need = min(MAX_WINDOW - 1, offset - len(seen))
                walk = {"query": body["query"], "sort": body["sort"], "_source": False, "size": need + 1,
                        "track_total_hits": False, **({"search_after": after} if after else {})}
                fresh = [h for h in self._search(walk, raw)["hits"]["hits"] if h["_id"] not in seen][:need]
                if not fresh:
                    break
                seen.update(h["_id"] for h in fresh)
                after = fresh[-1]["sort"]
            if after:
                body["search_after"] = after
            body["size"] = min(limit + 1, MAX_WINDOW)
        res = self._search(body, raw)
        total = res["hits"]["total"]
        total = total["value"] if isinstance(total, dict) else int(total)
        page = [h for h in res["hits"]["hits"] if h["_id"] not in seen][:limit]
        hits = [TextHit(int(h["_id"]), round(float(h.get("_score") or h["sort"][0]), 4),
                        snippet(h.get("highlight", {}))) for h in page]
        return hits, total

    def facets(self, query, filters, fields=DEFAULT_FACETS, size=10) -> Facets:
        names = facet_names(fields)
        aggs = {name: {"terms": {"field": FACET_FIELD_MAP[name], "size": size,
                                 "order": [{"_count": "desc"}, {"_key": "asc"}]}} for name in names}
        res = self._search({"query": self._body(query, filters), "size": 0, "track_total_hits": False,
                            "aggs": aggs}, isinstance(query, str))
        out: Facets = {}
        for name in names:
            buckets = res.get("aggregations", {}).get(name, {}).get("buckets", [])
            out[name] = [(b["key"], b["doc_count"]) for b in buckets]
        return out

    # -- errors ----------------------------------------------------------------------------------
    @contextmanager
    def _call(self, what: str):
        try:
            with self.engine.errors():
                yield
        except _EngineHTTPError as exc:
            raise self._failed(what, exc) from exc

    def _failed(self, what: str, exc: _EngineHTTPError) -> TextIndexError:
        hint = ""
        if exc.status == 429:
            hint = "; the cluster is overloaded: retry later or lower the batch size"
        elif exc.status in (401, 403):
            hint = "; put the credentials in the URL (https://user:password@host:9200)"
        return TextIndexError(f"{self.engine.product} at {self.url} refused {what}: {exc}{hint}")


@register_text_index
class OpenSearchIndex(ElasticsearchIndex):
    """OpenSearch 2.x/3.x through ``opensearch-py``: the same mapping, queries and aliases."""

    name = "opensearch"
    engine_class = _OpenSearchEngine
