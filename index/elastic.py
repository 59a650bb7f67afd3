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
  pushes the rows changed since the last sync (or everything) into the live index.
* Bulk requests go in batches; HTTP 429 (whole request or single items) is retried with
  exponential backoff, and any document that still fails is reported by id with the
  engine's reason (``BulkIndexError``): a bulk call that "succeeds" with failed items is
  never silent.

The clients (``elasticsearch`` for the ``[es]`` extra, ``opensearch-py`` for
``[opensearch]``) are imported only when a backend is opened.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from figdex.index.documents import TEXT_FIELDS, master_documents
from figdex.index.fulltext import (
    DEFAULT_FACETS,
    Facets,
    TextHit,
    TextIndex,
    TextIndexError,
    facet_names,
    register_text_index,
)
from figdex.index.query import QueryError, SearchFilters, Term, UserQuery

DEFAULT_URL = "http://localhost:9200"
DEFAULT_ALIAS = "figdex"
MAPPING_VERSION = 1
MAX_WINDOW = 10_000  # index.max_result_window: deeper pages walk with search_after
ANALYZER = "figdex_english"

SETTINGS = {
    "number_of_shards": 1,
    "analysis": {
        "analyzer": {
            ANALYZER: {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "porter_stem"],
            }
        },
    },
}

# Facet name (fulltext.FACET_FIELDS) -> keyword/number field of the document.
FACET_FIELD_MAP = {
    "journal": "journal",
    "publisher": "publisher",
    "year": "year",
    "license": "license",
    "image_class": "image_class",
    "label": "label_pairs",
}


# FTS5's unicode61 tokenizer applies Unicode simple case folding; Lucene's lowercase filter
# does not fold these letters to their usual forms (the micro sign is the one captions use:
# "5 µm" and "5 μm" are one word to FTS5).  Text sent to the engine, documents and query
# terms alike, is folded the same way first.
CASE_FOLD = str.maketrans({
    "\u00b5": "\u03bc",  # micro sign -> Greek mu
    "\u03c2": "\u03c3",  # final sigma -> sigma
    "\u03d0": "\u03b2", "\u03d1": "\u03b8", "\u03d5": "\u03c6", "\u03d6": "\u03c0",
    "\u03f0": "\u03ba", "\u03f1": "\u03c1", "\u03f5": "\u03b5",
    "\u017f": "s",        # long s
})


def fold(text: str) -> str:
    return text.translate(CASE_FOLD)


def mappings() -> dict:
    text = {"type": "text", "analyzer": ANALYZER}
    keyword = {"type": "keyword"}
    return {
        "dynamic": "strict",
        "_meta": {"figdex": {"mapping_version": MAPPING_VERSION}},
        "properties": {
            **{name: dict(text) for name in TEXT_FIELDS},
            "id": {"type": "long"},
            "uid": keyword,
            "doi": keyword,
            "journal": keyword,
            "publisher": keyword,
            "license": keyword,
            "image_class": keyword,
            "image_status": keyword,
            "label_pairs": keyword,      # "kind:value" as stored: facets
            "label_pairs_lc": keyword,   # "kind:" + lower(value): the kind:value filter
            "label_values_lc": keyword,  # lower(value): the value filter
            "year": {"type": "integer"},
            "nm_per_px": {"type": "double"},
            "open_access": {"type": "boolean"},
        },
    }


def es_document(doc: dict) -> dict:
    """The engine document of a ``master_documents`` row: the same text fields, typed filter fields."""
    pairs = [p for p in doc["label_pairs"] if p]
    split = [p.split(":", 1) if ":" in p else ["", p] for p in pairs]
    out = {name: fold(doc[name]) for name in TEXT_FIELDS}
    out.update(
        id=doc["id"],
        uid=doc["uid"],
        doi=doc["doi"],
        journal=doc["journal"],
        publisher=doc["publisher"],
        license=doc["license"],
        image_class=doc["image_class"],
        image_status=doc["image_status"],
        label_pairs=pairs,
        label_pairs_lc=[f"{k}:{v.lower()}" for k, v in split],
        label_values_lc=sorted({v.lower() for _, v in split}),
        year=doc["year"],
        nm_per_px=doc["nm_per_px"],
        open_access=None if doc["open_access"] is None else bool(doc["open_access"]),
    )
    return out


# -- queries ------------------------------------------------------------------------------------

def _fields() -> list[tuple[str, float]]:
    return list(TEXT_FIELDS.items())


def term_clause(term: Term, analyze: Callable[[str], list[str]], boost: bool = True) -> dict:
    """One search term over every weighted field, the fields' scores summed (as FTS5's bm25 sums columns).

    A word or phrase is ``match_phrase`` (the engine's analyzer splits and stems it, like the
    quoted FTS5 string).  A prefix (``nano*``) is stemmed by the index's own analyzer, as
    FTS5's porter tokenizer stems prefix tokens, then matched with a ``prefix`` query
    (several words: ``match_phrase_prefix``).
    """
    clauses = []
    text = fold(term.text)
    tokens = analyze(text) if term.prefix else []
    for name, weight in _fields():
        w = {"boost": weight} if boost else {}
        if term.prefix and len(tokens) == 1:
            clauses.append({"prefix": {name: {"value": tokens[0], **w}}})
        elif term.prefix and tokens:
            clauses.append({"match_phrase_prefix": {name: {"query": text, "max_expansions": 1000, **w}}})
        else:
            clauses.append({"match_phrase": {name: {"query": text, **w}}})
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def render_query(query: UserQuery | str | None, analyze: Callable[[str], list[str]]) -> dict:
    """The engine query for a parsed user query, a raw query_string (opt-in) or everything (None)."""
    if query is None:
        return {"match_all": {}}
    if isinstance(query, str):
        return {"query_string": {
            "query": query,
            "fields": [f"{name}^{weight:g}" for name, weight in _fields()],
            "default_operator": "AND",
        }}
    if query.empty:
        raise QueryError("the query has no words to search for; type at least one word")
    must = []
    for group in query.groups:
        alts = [term_clause(t, analyze) for t in group]
        must.append(alts[0] if len(alts) == 1 else {"bool": {"should": alts, "minimum_should_match": 1}})
    must_not = [term_clause(t, analyze, boost=False) for t in query.excluded]
    return {"bool": {"must": must, "must_not": must_not}}


def like_to_wildcard(value: str, leading: bool) -> str:
    """A SQL ``LIKE`` pattern piece as an engine wildcard: ``%`` -> ``*``, ``_`` -> ``?``.

    ``SearchFilters.sql()`` matches journals with ``LIKE '%' || v || '%'`` and licences
    with ``LIKE v || '%'``, so ``%`` and ``_`` inside a value are wildcards there too;
    the engine's own wildcard characters in the value are escaped.
    """
    out = []
    for ch in value:
        if ch in "\\*?":
            out.append("\\" + ch)
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        else:
            out.append(ch)
    return ("*" if leading else "") + "".join(out) + "*"


def _any(clauses: list[dict]) -> dict:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def filter_clauses(filters: SearchFilters) -> list[dict]:
    """``SearchFilters`` as engine filters, clause for clause the meaning of ``SearchFilters.sql()``.

    Differences that cannot be avoided: SQLite's ``lower()`` and ``LIKE`` fold ASCII
    letters only, the engine folds all of Unicode (a journal filter ``É`` matches ``é``
    here, not in SQLite); labels are compared the same way.
    """
    out: list[dict] = []
    if filters.journal:
        out.append(_any([{"wildcard": {"journal": {"value": like_to_wildcard(v, True), "case_insensitive": True}}}
                         for v in filters.journal]))
    if filters.publisher:
        out.append({"terms": {"publisher": list(filters.publisher)}})
    if filters.license:
        out.append(_any([{"wildcard": {"license": {"value": like_to_wildcard(v, False), "case_insensitive": True}}}
                         for v in filters.license]))
    if filters.image_class:
        out.append({"terms": {"image_class": list(filters.image_class)}})
    if filters.doi:
        out.append({"terms": {"doi": [v.lower() for v in filters.doi]}})
    year = {k: v for k, v in (("gte", filters.year_min), ("lte", filters.year_max)) if v is not None}
    if year:
        out.append({"range": {"year": year}})
    if filters.open_access is not None:
        out.append({"term": {"open_access": bool(filters.open_access)}})
    if filters.has_scale is not None:
        exists = {"exists": {"field": "nm_per_px"}}
        out.append(exists if filters.has_scale else {"bool": {"must_not": [exists]}})
    scale = {k: v for k, v in (("gte", filters.scale_min), ("lte", filters.scale_max)) if v is not None}
    if scale:
        out.append({"range": {"nm_per_px": scale}})
    if filters.has_image is not None:
        ok = {"term": {"image_status": "ok"}}
        out.append(ok if filters.has_image else {"bool": {"must_not": [ok]}})
    for value in filters.label:  # every label filter must match, as in SQL
        kind, _, val = value.partition(":") if ":" in value else ("", "", value)
        if kind:
            out.append({"term": {"label_pairs_lc": f"{kind}:{val.lower()}"}})
        else:
            out.append({"term": {"label_values_lc": val.lower()}})
    return out


# -- bulk ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BulkFailure:
    id: str
    action: str  # index | delete
    status: int
    type: str
    reason: str

    def __str__(self) -> str:
        return f"{self.action} {self.id}: HTTP {self.status} {self.type}: {self.reason}"


class BulkIndexError(TextIndexError):
    """Documents the engine refused; every one is listed with its id and reason."""

    def __init__(self, failures: list[BulkFailure], succeeded: int, context: str = ""):
        self.failures = failures
        self.succeeded = succeeded
        shown = "; ".join(str(f) for f in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(
            f"{len(failures)} document(s) were refused by the search engine{context}, {succeeded} written: "
            f"{shown}{more}"
        )


@dataclass
class SyncReport:
    backend: str
    alias: str
    index: str
    mode: str  # created | rebuilt | full | incremental
    pushed: int = 0
    deleted: int = 0
    since: str | None = None
    synced_at: str | None = None
    failures: list[BulkFailure] = field(default_factory=list)

    def as_dict(self) -> dict:
        row = dict(self.__dict__)
        row["failures"] = [str(f) for f in self.failures]
        return row


class _EngineHTTPError(Exception):
    def __init__(self, status: int, type_: str, reason: str):
        super().__init__(f"HTTP {status} {type_}: {reason}")
        self.status, self.type, self.reason = status, type_, reason


def _error_parts(body) -> tuple[str, str]:
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            cause = err.get("caused_by") or {}
            reason = err.get("reason") or ""
            if isinstance(cause, dict) and cause.get("reason") and cause.get("reason") not in reason:
                reason = f"{reason} ({cause.get('reason')})"
            return str(err.get("type", "error")), reason
        return "error", str(err)
    return "error", str(body)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# -- client adapters: the two clients' spellings of the same REST calls --------------------------

class _Engine:
    """The few REST calls the backend needs, over one client library; errors normalised."""

    product = ""

    def __init__(self, url: str, client=None, timeout: float = 60.0):
        self.url = url
        self.client = client if client is not None else self._connect(url, timeout)

    # Subclasses define _connect, _exceptions, _status, _body and the REST calls.
    @contextmanager
    def errors(self):
        mod = self._exceptions()
        try:
            yield
        except mod.ConnectionError as exc:
            raise TextIndexError(
                f"cannot reach {self.product} at {self.url} ({exc.__class__.__name__}); start it "
                f"(README 'Scaling out': docker compose up -d elasticsearch) or pass --url / set FIGDEX_ES_URL"
            ) from exc
        except mod.errors as exc:
            if type(exc).__name__ == "UnsupportedProductError":
                raise TextIndexError(
                    f"the server at {self.url} is not Elasticsearch (the client checks); for OpenSearch use "
                    f"--backend opensearch"
                ) from exc
            status = self._status(exc)
            if not isinstance(status, int):
                raise TextIndexError(f"{self.product} at {self.url} failed: {exc}") from exc
            type_, reason = _error_parts(self._body(exc))
            raise _EngineHTTPError(status, type_, reason) from exc

    @staticmethod
    def _plain(resp) -> dict:
        body = getattr(resp, "body", resp)
        return body if isinstance(body, dict) else dict(body)


class _ElasticsearchEngine(_Engine):
    product = "Elasticsearch"

    def _connect(self, url, timeout):
        try:
            from elasticsearch import Elasticsearch
        except ImportError as exc:
            raise TextIndexError(
                "the elasticsearch backend needs the official client: pip install 'figdex[es]'"
            ) from exc
        # 429 is retried here with backoff (the transport would retry it at once).
        return Elasticsearch(url, request_timeout=timeout, max_retries=2, retry_on_timeout=True,
                             retry_on_status=(502, 503, 504))

    def _exceptions(self):
        import elastic_transport
        import elasticsearch

        class M:
            ConnectionError = elastic_transport.ConnectionError
            errors = (elasticsearch.ApiError, elastic_transport.TransportError)
        return M

    def _status(self, exc):
        meta = getattr(exc, "meta", None)
        return getattr(meta, "status", None)

    def _body(self, exc):
        return getattr(exc, "body", None) or getattr(exc, "message", str(exc))

    def aliases(self, alias):
        found = self._plain(self.client.options(ignore_status=404).indices.get_alias(name=alias))
        if isinstance(found.get("status"), int) and "error" in found:
            raise _EngineHTTPError(found["status"], "alias_missing", str(found["error"]))
        return found

    def exists(self, index):
        return bool(self.client.indices.exists(index=index))

    def create(self, index, settings, mappings):
        self.client.indices.create(index=index, settings=settings, mappings=mappings)

    def delete(self, index):
        self.client.indices.delete(index=index)

    def update_aliases(self, actions):
        self.client.indices.update_aliases(actions=actions)

    def put_settings(self, index, settings):
        self.client.indices.put_settings(index=index, settings=settings)

    def refresh(self, index):
        self.client.indices.refresh(index=index)

    def get_mapping(self, index):
        return self._plain(self.client.indices.get_mapping(index=index))

    def put_meta(self, index, meta):
        self.client.indices.put_mapping(index=index, meta=meta)

    def bulk(self, operations):
        return self._plain(self.client.bulk(operations=operations))

    def search(self, index, body):
        return self._plain(self.client.search(index=index, body=body))

    def count(self, index):
        return self._plain(self.client.count(index=index))["count"]

    def analyze(self, index, analyzer, text):
        return self._plain(self.client.indices.analyze(index=index, analyzer=analyzer, text=text))


class _OpenSearchEngine(_Engine):
    product = "OpenSearch"

    def _connect(self, url, timeout):
        try:
            from opensearchpy import OpenSearch
        except ImportError as exc:
            raise TextIndexError(
                "the opensearch backend needs opensearch-py: pip install 'figdex[opensearch]'"
            ) from exc
        return OpenSearch(hosts=[url], timeout=timeout, max_retries=2, retry_on_timeout=True)

    def _exceptions(self):
        import opensearchpy

        class M:
            ConnectionError = opensearchpy.ConnectionError
            errors = (opensearchpy.TransportError,)
        return M

    def _status(self, exc):
        return getattr(exc, "status_code", None)

    def _body(self, exc):
        return getattr(exc, "info", None) or getattr(exc, "error", str(exc))

    def aliases(self, alias):
        found = self.client.indices.get_alias(name=alias, ignore=404)  # a first sync: no warning logged
        if isinstance(found.get("status"), int) and "error" in found:
            raise _EngineHTTPError(found["status"], "alias_missing", str(found["error"]))
        return found

    def exists(self, index):
        return bool(self.client.indices.exists(index=index))

    def create(self, index, settings, mappings):
        self.client.indices.create(index=index, body={"settings": settings, "mappings": mappings})

    def delete(self, index):
        self.client.indices.delete(index=index)

    def update_aliases(self, actions):
        self.client.indices.update_aliases(body={"actions": actions})

    def put_settings(self, index, settings):
        self.client.indices.put_settings(index=index, body=settings)

    def refresh(self, index):
        self.client.indices.refresh(index=index)

    def get_mapping(self, index):
        return self.client.indices.get_mapping(index=index)

    def put_meta(self, index, meta):
        self.client.indices.put_mapping(index=index, body={"_meta": meta})

    def bulk(self, operations):
        return self.client.bulk(body=operations)

    def search(self, index, body):
        return self.client.search(index=index, body=body)

    def count(self, index):
        return self.client.count(index=index)["count"]

    def analyze(self, index, analyzer, text):
        return self.client.indices.analyze(index=index, body={"analyzer": analyzer, "text": text})


# -- the backends -------------------------------------------------------------------------------

def _config_value(root, key: str):
    if root is None:
        return None
    path = Path(root) / "config.json"
    try:
        return json.loads(path.read_text()).get(key) if path.exists() else None
    except (OSError, json.JSONDecodeError):
        return None


@register_text_index
class ElasticsearchIndex(TextIndex):
    """Elasticsearch 8.x (the official ``elasticsearch`` client) behind an alias.

    Options: ``index`` (the alias; default ``$FIGDEX_ES_INDEX``, config.json
    ``text_index_name``, else ``figdex``), ``client`` (a ready client object), ``batch_size``
    (documents per bulk request), ``max_retries`` / ``initial_backoff`` / ``max_backoff``
    (429 handling), ``timeout`` (seconds per request).  The URL is ``url``, else
    ``$FIGDEX_ES_URL``, else config.json ``text_index_url``, else http://localhost:9200.

    ``update`` (what ingest calls when this is the dataset's configured backend) pushes the
    documents at once, inside the caller's SQLite transaction; if that transaction rolls
    back, the engine keeps what was pushed until the next ``sync --full``.
    """

    name = "elasticsearch"
    engine_class: type[_Engine] = _ElasticsearchEngine

    def __init__(self, conn, root=None, url=None, *, index: str | None = None, client=None,
                 batch_size: int = 500, max_batch_bytes: int = 8 << 20, max_retries: int = 6,
                 initial_backoff: float = 0.5, max_backoff: float = 30.0, timeout: float = 60.0, **options):
        url = (url or os.environ.get("FIGDEX_ES_URL") or _config_value(root, "text_index_url") or DEFAULT_URL)
        super().__init__(conn, root, url=url, **options)
        self.alias = (index or os.environ.get("FIGDEX_ES_INDEX") or _config_value(root, "text_index_name")
                      or DEFAULT_ALIAS)
        self.batch_size = batch_size
        self.max_batch_bytes = max_batch_bytes
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.engine = self.engine_class(url, client=client, timeout=timeout)
        self._stems: dict[str, list[str]] = {}
        self.sleep = time.sleep

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
        started = _now()
        old = self.live_indices()
        new = self._new_index()
        try:
            n, failures = self._push(self._index_actions(master_documents(self.conn), new), progress)
            if failures:
                raise BulkIndexError(failures, n, f" while rebuilding {new}; the live index was left unchanged")
            with self._call("refreshing " + new):
                self.engine.put_settings(new, {"index": {"refresh_interval": "1s"}})
                self.engine.refresh(new)
            self._set_meta(new, synced_at=started)
            actions = [{"remove": {"index": o, "alias": self.alias}} for o in old]
            actions.append({"add": {"index": new, "alias": self.alias}})
            with self._call("swapping the alias"):
                self.engine.update_aliases(actions)  # one call: atomic
        except BaseException:
            self._drop(new)
            raise
        for o in old:
            self._drop(o)
        self.last_index = new
        return n

    def _drop(self, index: str) -> None:
        try:
            with self.engine.errors():
                self.engine.delete(index)
        except (_EngineHTTPError, TextIndexError):
            pass

    def sync(self, full: bool = False, progress: Callable[[int], None] | None = None) -> SyncReport:
        """Push the database to the engine: rows changed since the last sync, or all of them.

        The first sync (no alias yet) and a sync against an index of an older mapping
        version rebuild instead.  Deleted master images are removed.  The sync mark is only
        advanced when every document was accepted, so a failed sync is retried next time.
        """
        started = _now()
        live = self.live_indices()
        if not live:
            n = self.rebuild(progress)
            return SyncReport(self.name, self.alias, self.last_index, "created", pushed=n, synced_at=started)
        index = live[0]
        meta = self._meta(index)
        if meta.get("mapping_version") != MAPPING_VERSION:
            n = self.rebuild(progress)
            return SyncReport(self.name, self.alias, self.last_index, "rebuilt", pushed=n, synced_at=started)
        since = None if full else meta.get("synced_at")
        docs = master_documents(self.conn, self._changed_ids(since)) if since else master_documents(self.conn)
        pushed, failures = self._push(self._index_actions(docs, self.alias), progress)
        with self._call("refreshing"):
            self.engine.refresh(self.alias)
        deleted = 0
        db_total = self.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
        if full or self.count() != db_total:
            stale = self.indexed_ids() - set(r[0] for r in self.conn.execute("SELECT id FROM master_images"))
            deleted, delete_failures = self._push(self._delete_actions(stale, self.alias))
            failures += delete_failures
            with self._call("refreshing"):
                self.engine.refresh(self.alias)
        report = SyncReport(self.name, self.alias, index, "incremental" if since else "full", pushed=pushed,
                            deleted=deleted, since=since, synced_at=started, failures=failures)
        if failures:
            raise BulkIndexError(failures, pushed + deleted, " during sync; the sync mark was not advanced")
        self._set_meta(index, synced_at=started)
        return report

    def _changed_ids(self, since: str) -> list[int]:
        # Rows written in the same second as the mark are pushed again (>=): pushing is idempotent.
        return [r[0] for r in self.conn.execute(
            """SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id
               JOIN articles a ON a.id = f.article_id
               WHERE m.updated_at >= ? OR f.updated_at >= ? OR a.updated_at >= ?
                  OR EXISTS (SELECT 1 FROM labels l WHERE l.master_image_id = m.id AND l.created_at >= ?)
               ORDER BY m.id""", (since, since, since, since))]

    def update(self, master_ids: Iterable[int]) -> None:
        """Push these master images (those gone from the database are deleted); no refresh."""
        ids = sorted(set(master_ids))
        if not ids:
            return
        self._ensure()
        present = set()

        def actions():
            for doc in master_documents(self.conn, ids):
                present.add(doc["id"])
                yield from self._index_actions([doc], self.alias)
            yield from self._delete_actions([i for i in ids if i not in present], self.alias)

        _, failures = self._push(actions())
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

    def _push(self, actions, progress=None) -> tuple[int, list[BulkFailure]]:
        """Send actions in batches; returns (documents written, failures). 429s are retried."""
        done = 0
        failures: list[BulkFailure] = []
        for batch in self._batches(actions):
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

    def search(self, query, filters, limit, offset=0):
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
                           for name in _SNIPPET_ORDER},
            },
        }
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
                        _snippet(h.get("highlight", {}))) for h in page]
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


_SNIPPET_ORDER = ("subcaption", "caption", "labels", "title", "abstract")


def _snippet(highlight: dict) -> str:
    """The first highlighted fragment in reading order (the panel's own text first), as FTS5 picks."""
    candidates = [(highlight.get(name) or [""])[0] for name in _SNIPPET_ORDER]
    for snip in candidates:
        if snip and "<mark>" in snip:
            return snip
    return next((s for s in candidates if s), "")


