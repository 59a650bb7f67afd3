"""Dense vectors in the Elasticsearch/OpenSearch documents: issue 20's scale-out path.

With an engine behind the dataset, the semantic ranking (caption sentence vectors) and the aligned
part of the content ranking (image vectors through the alignment's image head) can be answered by
the engine's own approximate kNN instead of the local FAISS files, so that nothing but the query
vector has to live on the searching machine.  The vectors themselves stay in SQLite (the
``embeddings`` table, the source of truth); the engine's copy is derived like its text fields and
is refilled by ``figdex index sync`` / ``index rebuild``.

* A ``VectorField`` names a document field, the stored vectors that fill it and, for the aligned
  vectors, the projection applied first.  The caller that knows the dataset's embedders builds them
  (``ingest/engine_vectors.py``): this layer only reads rows and writes documents.
* Mapping: Elasticsearch ``dense_vector`` (indexed, cosine); OpenSearch ``knn_vector`` with a
  Lucene HNSW (cosine), ``index.knn`` on.  An engine that refuses the vector mapping (OpenSearch
  without its k-NN plugin, the tests' emulator) gets the index without vectors, and searches use
  the local FAISS indexes, saying so.
* The index's ``_meta`` records what was asked (``vector_sources``: field -> what made its vectors,
  with a digest of the rows) and what the engine holds (``vectors``), so that a later sync knows
  when the vectors changed (re-embedding, a retrained alignment) and pushes them again.
* Scores: both engines give (1 + cosine) / 2 for a cosine kNN; ``cosine_from_score`` undoes it, so a
  hit's score means what the local ranking's does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

VECTOR_FIELDS = ("caption_vector", "content_vector")
_CHUNK = 500  # ids per SQL read


@dataclass(frozen=True)
class VectorField:
    """One dense-vector field of the engine documents."""

    name: str  # one of VECTOR_FIELDS
    source: str  # what made the vectors (embedder id, alignment name): kept in the index's _meta
    embedder: str  # the ``embeddings`` rows read
    dims: int  # of the vectors the field holds (after ``project``)
    project: Callable[[np.ndarray], np.ndarray] | None = field(default=None, compare=False)

    def state(self, conn) -> str:
        """A digest of the rows this field is filled from (their count, newest write) and its source:
        it changes when the vectors do, so a sync pushes them again."""
        n, newest = conn.execute("SELECT count(*), max(created_at) FROM embeddings WHERE embedder = ? "
                                 "AND vector IS NOT NULL", (self.embedder,)).fetchone()
        return hashlib.sha256(f"{self.source}|{self.dims}|{n}|{newest}".encode()).hexdigest()[:16]

    def vectors(self, conn, ids: Iterable[int]) -> dict[int, list[float]]:
        """Unit-length vectors of these master ids (those that have one), as JSON-ready lists."""
        ids = [int(i) for i in ids]
        out: dict[int, list[float]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT master_image_id, dim, vector FROM embeddings WHERE embedder = ? "
                                f"AND vector IS NOT NULL AND master_image_id IN ({marks})",
                                [self.embedder, *chunk]).fetchall()
            if not rows:
                continue
            base = np.stack([np.frombuffer(r[2], np.float32, count=r[1]) for r in rows])
            vecs = self.project(base) if self.project is not None else base
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            vecs = vecs / np.where(norms > 0, norms, 1.0)
            for (mid, _, _), v in zip(rows, vecs):
                if np.any(v):  # a zero vector has no direction: cosine engines refuse it
                    out[int(mid)] = [float(x) for x in v.astype(np.float32)]
        return out


def cosine_from_score(score: float) -> float:
    """The engines' cosine kNN score, (1 + cos) / 2, back to the cosine."""
    return round(2.0 * float(score) - 1.0, 6)


def asked_sources(conn, fields: Iterable[VectorField]) -> dict[str, dict]:
    """What the ``_meta`` records for the fields a sync was asked to fill."""
    return {f.name: {"source": f.source, "dims": f.dims, "state": f.state(conn)} for f in fields}


def with_vectors(conn, docs: list[tuple[dict, dict]], fields: Iterable[VectorField]) -> list[tuple[dict, dict]]:
    """(action, engine document) pairs with each field's vector added where the image has one."""
    ids = [int(doc["id"]) for _, doc in docs]
    for f in fields:
        found = f.vectors(conn, ids)
        for _, doc in docs:
            vector = found.get(int(doc["id"]))
            if vector is not None:
                doc[f.name] = vector
    return docs


class VectorSearch:
    """The vector half of ``ElasticsearchIndex`` (mixed in): which vectors the live index holds, and
    the engine's kNN over them."""

    vector_fields: tuple[VectorField, ...] | None = None

    def _fields(self, names) -> tuple[VectorField, ...]:
        return tuple(f for f in self.vector_fields or () if f.name in names)

    def _live_fields(self, meta: dict) -> tuple[VectorField, ...]:
        """The vector fields to write into the live index: those it holds, made by the same source."""
        sources = meta.get("vector_sources") or {}
        return tuple(f for f in self._fields(meta.get("vectors", []))
                     if sources.get(f.name, {}).get("source") == f.source)

    def vector_source(self, field_name: str) -> str | None:
        """What made the live index's ``field_name`` vectors; None where it holds none (no index yet,
        an index synced without vectors, or an engine that refused the vector mapping)."""
        live = self.live_indices()
        if not live:
            return None
        meta = self._meta(live[0])
        if field_name not in meta.get("vectors", []):
            return None
        return (meta.get("vector_sources") or {}).get(field_name, {}).get("source")

    def knn(self, field_name: str, vector: np.ndarray, filters, k: int) -> list[tuple[int, float]]:
        """The ``k`` master ids whose ``field_name`` vector is nearest ``vector`` (cosine), within the
        filters (the engine filters while it searches), best first."""
        from figdex.index.es_documents import filter_clauses

        query = [float(x) for x in np.asarray(vector, np.float32).reshape(-1)]
        res = self._search(self.engine.knn_body(field_name, query, int(k), filter_clauses(filters)))
        return [(int(h["_id"]), cosine_from_score(h["_score"])) for h in res["hits"]["hits"]]
