"""FAISS vector index over master images, derived from the vectors stored in the database.

FAISS ids are the ``master_images.id`` of each vector (``IndexIDMap2``), so a hit maps to its
row without a side table, deletes remove exactly those ids, and a rebuild reproduces the
same mapping.  The factory picks exact search (``Flat``, inner product on L2-normalised
vectors = cosine) for small collections and an inverted-file index (``IVF``, trained
centroids saved with the index, ``nprobe`` chosen for recall) for large ones.  One index per
embedder; mixing is refused.

``index`` is always a CPU index: it is what is saved (a dataset moves between machines with
and without GPUs), trained, and what ``remove`` changes (GPU indexes cannot remove ids).  When
faiss-gpu sees a device (figdex/devices.py), vectors are added and searched through a GPU copy
of it, made once and dropped when a removal changes the CPU index; otherwise the CPU index does
both, silently.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from figdex.errors import FigdexError

EXACT_LIMIT = 50_000  # below this many vectors, exact search is fast enough and exact
GPU_MAX_K = 2048  # the most neighbours per query faiss-gpu's k-selection returns


class VectorIndexError(FigdexError, RuntimeError):
    pass


@dataclass(frozen=True)
class IndexInfo:
    embedder: str
    dim: int
    count: int
    factory: str
    nprobe: int | None = None


def factory_for(n: int, dim: int) -> tuple[str, int | None]:
    """FAISS factory string and nprobe for ``n`` vectors.

    Measured by bench/vector_scale.py (EfficientNet-Lite0 vectors, see bench/README.md): an
    inverted file with ~4*sqrt(n) lists, an HNSW graph over the centroids (the coarse search
    costs ~0 instead of a scan of every centroid), and vectors stored as float16 (half the
    memory of float32; 8-bit codes were measured too: they cap recall@10 at ~0.94 at 1M).
    nprobe = nlist/80 (at least 20) keeps recall@10 vs exact >= 0.95 at 100k and 1M, at about
    1/100 of the exact search's latency at 1M.
    """
    if n < EXACT_LIMIT:
        return "IDMap2,Flat", None
    nlist = int(min(65536, max(256, 4 * np.sqrt(n))))
    return f"IVF{nlist}_HNSW32,SQfp16", max(20, nlist // 80)


class VectorIndex:
    def __init__(self, index, info: IndexInfo):
        self.index = index  # the CPU index (saved, trained, ids removed from)
        self.info = info
        self._gpu = None  # its GPU copy, for adding and searching; made on first use when faiss-gpu sees a GPU
        self._gpu_checked = False
        self._cpu_behind = False  # vectors were added through the GPU copy since the CPU index last had them

    @property
    def on_gpu(self) -> bool:
        """Whether adds and searches go through a GPU copy of the index."""
        return self._searcher() is not self.index

    def _searcher(self):
        """The GPU copy when there is one (made once), else the CPU index."""
        if not self._gpu_checked:
            from figdex.devices import faiss_gpu_copy

            self._gpu_checked = True
            self._gpu = faiss_gpu_copy(self.index)
        return self._gpu if self._gpu is not None else self.index

    def _sync_to_cpu(self) -> None:
        """After adds through the GPU copy: the CPU index (saved, removed from) gets its content back."""
        import faiss

        if self._gpu is not None and self._cpu_behind:
            self.index = faiss.index_gpu_to_cpu(self._gpu)
            self._cpu_behind = False

    # -- building ------------------------------------------------------------------------------
    @classmethod
    def build(cls, embedder: str, ids: np.ndarray, vectors: np.ndarray, factory: str | None = None,
              nprobe: int | None = None) -> "VectorIndex":
        import faiss

        vectors = np.ascontiguousarray(vectors, np.float32)
        ids = np.ascontiguousarray(ids, np.int64)
        n, dim = vectors.shape if vectors.ndim == 2 else (0, 0)
        if factory is None:
            factory, nprobe = factory_for(n, dim)
        index = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
        if factory.startswith("IVF"):
            index = faiss.IndexIDMap2(index) if not isinstance(index, faiss.IndexIDMap2) else index
            inner = faiss.extract_index_ivf(index)
            # Train on a sample: 40 points per centroid is what k-means needs.
            sample = vectors[np.random.default_rng(0).permutation(n)[: max(inner.nlist * 40, 10_000)]]
            inner.train(sample)
            inner.nprobe = nprobe or 16
        built = cls(index, IndexInfo(embedder, dim, 0, factory, nprobe))
        if n:
            built.add(ids, vectors, replace=False)
        return built

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        import faiss

        path.parent.mkdir(parents=True, exist_ok=True)
        self._sync_to_cpu()
        tmp = path.with_suffix(".tmp")
        faiss.write_index(self.index, str(tmp))
        tmp.replace(path)
        path.with_suffix(".json").write_text(json.dumps(self.info.__dict__, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path, mmap: bool = True) -> "VectorIndex":
        import faiss

        meta = path.with_suffix(".json")
        if not path.exists() or not meta.exists():
            raise VectorIndexError(f"no vector index at {path}; run `figdex index embed` first")
        info = IndexInfo(**json.loads(meta.read_text()))
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError:  # not every index type can be memory-mapped
            index = faiss.read_index(str(path))
        if info.nprobe and info.factory.startswith("IVF"):
            faiss.extract_index_ivf(index).nprobe = info.nprobe
        return cls(index, info)

    # -- updating and searching --------------------------------------------------------------------
    def add(self, ids: np.ndarray, vectors: np.ndarray, replace: bool = True) -> None:
        """Add vectors under ``ids`` (replacing those ids' old vectors unless ``replace`` is False: a new index)."""
        self._check_dim(vectors)
        if replace:
            self.remove(ids)
        target = self._searcher()
        target.add_with_ids(np.ascontiguousarray(vectors, np.float32), np.ascontiguousarray(ids, np.int64))
        self._cpu_behind = target is not self.index
        self.info = IndexInfo(self.info.embedder, self.info.dim, int(target.ntotal), self.info.factory,
                              self.info.nprobe)

    def remove(self, ids) -> int:
        import faiss

        ids = np.ascontiguousarray(ids, np.int64)
        if not len(ids):
            return 0
        self._sync_to_cpu()
        removed = self.index.remove_ids(faiss.IDSelectorBatch(ids))
        if removed and self._gpu is not None:  # GPU indexes cannot remove ids: a new copy of the CPU index
            self._gpu, self._gpu_checked = None, False
        self.info = IndexInfo(self.info.embedder, self.info.dim, int(self.index.ntotal), self.info.factory,
                              self.info.nprobe)
        return int(removed)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors per query; ids are master_images.id, -1 = none."""
        self._check_dim(queries)
        searcher = self._searcher()
        k = max(1, min(k, max(1, searcher.ntotal)))
        if k > GPU_MAX_K and searcher is not self.index:  # beyond what faiss-gpu selects: the CPU index answers
            self._sync_to_cpu()
            searcher = self.index
        scores, ids = searcher.search(np.ascontiguousarray(queries, np.float32), k)
        return scores, ids

    def _check_dim(self, vectors: np.ndarray) -> None:
        if vectors.ndim != 2 or vectors.shape[1] != self.info.dim:
            raise VectorIndexError(f"vectors of dimension {vectors.shape[-1]} do not fit this index "
                                   f"({self.info.embedder}, {self.info.dim}-d)")


# -- the vectors in the database ------------------------------------------------------------------
def store_vectors(conn: sqlite3.Connection, embedder: str, ids, vectors: np.ndarray, shas) -> None:
    from figdex.index.db import now

    rows = [(int(i), embedder, int(v.shape[0]), int(i), np.asarray(v, np.float32).tobytes(), s, now())
            for i, v, s in zip(ids, vectors, shas)]
    conn.executemany(
        """INSERT INTO embeddings(master_image_id, embedder, dim, vector_id, vector, image_sha256, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(master_image_id, embedder) DO UPDATE SET dim=excluded.dim, vector=excluded.vector,
             image_sha256=excluded.image_sha256, created_at=excluded.created_at""",
        rows,
    )


def load_vectors(conn: sqlite3.Connection, embedder: str) -> tuple[np.ndarray, np.ndarray]:
    rows = conn.execute("SELECT master_image_id, dim, vector FROM embeddings WHERE embedder = ? AND vector IS NOT NULL "
                        "ORDER BY master_image_id", (embedder,)).fetchall()
    if not rows:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    dims = {r[1] for r in rows}
    if len(dims) != 1:
        raise VectorIndexError(f"vectors of {embedder} have several dimensions {sorted(dims)}; re-embed")
    ids = np.array([r[0] for r in rows], np.int64)
    vecs = np.frombuffer(b"".join(r[2] for r in rows), np.float32).reshape(len(rows), dims.pop())
    return ids, vecs
