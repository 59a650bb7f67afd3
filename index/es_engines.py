"""Bulk-error reporting and the two clients' spellings of the same REST calls (see ``index/elastic.py``)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from figdex.errors import FigdexError
from figdex.index.fulltext import TextIndexError

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
    since: int | None = None  # the change number of the previous sync (incremental mode)
    synced_at: str | None = None
    change: int | None = None  # the change number the index is now in step with
    failures: list[BulkFailure] = field(default_factory=list)

    def as_dict(self) -> dict:
        row = dict(self.__dict__)
        row["failures"] = [str(f) for f in self.failures]
        return row


class _EngineHTTPError(FigdexError):
    """A request the server refused (normalised over both clients); the backend rewords it."""

    http_status = 502

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

    # Dense vectors (index/es_vectors.py): an indexed cosine dense_vector, searched with the
    # top-level ``knn`` section (approximate HNSW; filters applied during the search, not after).
    vector_settings: dict = {}

    @staticmethod
    def vector_mapping(dims: int) -> dict:
        return {"type": "dense_vector", "dims": dims, "index": True, "similarity": "cosine"}

    @staticmethod
    def knn_body(field: str, vector: list[float], k: int, filters: list[dict]) -> dict:
        knn = {"field": field, "query_vector": vector, "k": k, "num_candidates": min(10_000, max(100, 4 * k))}
        if filters:
            knn["filter"] = {"bool": {"filter": filters}}
        return {"knn": knn, "size": k, "_source": False}


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

    # The k-NN plugin's spelling: a knn_vector on Lucene's HNSW (the engine that applies filters
    # during the search), ``index.knn`` on, and the ``knn`` query.
    vector_settings: dict = {"knn": True}

    @staticmethod
    def vector_mapping(dims: int) -> dict:
        return {"type": "knn_vector", "dimension": dims,
                "method": {"name": "hnsw", "space_type": "cosinesimil", "engine": "lucene"}}

    @staticmethod
    def knn_body(field: str, vector: list[float], k: int, filters: list[dict]) -> dict:
        query = {"vector": vector, "k": k}
        if filters:
            query["filter"] = {"bool": {"filter": filters}}
        return {"query": {"knn": {field: query}}, "size": k, "_source": False}
