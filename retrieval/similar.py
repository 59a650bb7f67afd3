"""Query by example, hybrid text+image search, and re-ranking by physical scale.

* ``similar``: nearest master images to an image file or to a master already in the dataset,
  filtered like keyword search, then re-ranked by scale: when the query's nm/px is known,
  candidates whose scale differs by more than ``scale_factor`` are pushed below the others
  (or filtered out); visual similarity orders each group.
* ``hybrid``: reciprocal rank fusion of the keyword ranking (keyword search's own: same text
  index, raw syntax, filters) and the visual ranking, score = Σ wᵢ / (k + rankᵢ), k = 60 by default.
Each hit can explain its place (``explain``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from figdex.index.db import Dataset
from figdex.index.fulltext import TextIndex
from figdex.index.query import QueryError, SearchFilters, check_filters
from figdex.index.records import Hit
from figdex.index.vectors import VectorIndex
from figdex.retrieval.fusion import rrf
from figdex.retrieval.search import bm25_ranking, hits_for

OVERFETCH = 10  # candidates fetched per wanted hit, so that filters still leave enough
COPY_TOP = 10  # candidates of a file query checked for being a copy of it (pixels, ~30 ms each)


@dataclass(frozen=True)
class RankedHit:
    hit: Hit
    explain: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SimilarQuery:
    vector: np.ndarray
    nm_per_px: float | None
    source: str  # "file" or the master's id
    exclude: int | None = None  # the query's own master id
    scale_source: str = "none"  # given | dataset | image (read from the query image's scale bar) | none
    image: np.ndarray | None = field(default=None, repr=False)  # a file query's pixels (copy verification)


def _index(ds: Dataset) -> tuple[VectorIndex, str]:
    """The FAISS index of the dataset's active embedder (its newest version)."""
    from figdex.ingest.embed import active_embedder, require_images

    name = active_embedder(ds)
    folder = ds.root / "vectors"
    candidates = sorted(folder.glob(f"{name}-v*.faiss")) if folder.exists() else []
    if not candidates:
        require_images(ds)
        raise QueryError(f"no image index for {name} in {ds.root}; run `figdex index embed --dataset {ds.root}`")
    index = _load_cached(candidates[-1])
    return index, index.info.embedder


_LOADED: dict[tuple[str, float], VectorIndex] = {}


def _load_cached(path: Path) -> VectorIndex:
    """Load an index once per process (a long-lived server asks many queries); a rebuilt file
    has a new mtime and is loaded afresh."""
    key = (str(path), path.stat().st_mtime)
    if key not in _LOADED:
        for old in [k for k in _LOADED if k[0] == key[0] or len(_LOADED) >= 8]:  # content search reads four
            del _LOADED[old]
        _LOADED[key] = VectorIndex.load(path)
    return _LOADED[key]


def make_query(ds: Dataset, query: str, embedder_id: str, nm_per_px: float | None = None,
               read_query_scale: bool = True) -> SimilarQuery:
    """The query vector: a master already in the dataset (by id) or an image file embedded now.

    The query's nm/px: as given, else the dataset's, else (``read_query_scale``) read from the
    file's scale bar, which costs an OCR pass (about a second on a CPU).
    """
    row = ds.conn.execute(
        "SELECT m.id, m.nm_per_px, e.vector, e.dim FROM master_images m LEFT JOIN embeddings e "
        "ON e.master_image_id = m.id AND e.embedder = ? WHERE m.uid = ? OR m.key = ?",
        (embedder_id, query, query)).fetchone()
    if row is not None:
        if row["vector"] is None:
            raise QueryError(f"{query} has no {embedder_id} vector yet; run `figdex index embed`")
        vec = np.frombuffer(row["vector"], np.float32).reshape(1, row["dim"])
        scale = nm_per_px if nm_per_px is not None else row["nm_per_px"]
        source = "given" if nm_per_px is not None else ("dataset" if scale is not None else "none")
        return SimilarQuery(vec, scale, query, row["id"], source)
    path = Path(query)
    if not path.is_file():
        raise QueryError(f"{query}: neither an image file nor an image id in the dataset; "
                         "give a PNG/JPEG path or an id from `figdex search`")
    from figdex.limits import LimitError
    from figdex.models.embedders import create_embedder
    from figdex.models.ocr import load_rgb

    name = embedder_id.split("@", 1)[0]
    embedder = create_embedder(name, local_dir=ds.root / "embedders")
    if embedder.config.id != embedder_id:
        raise QueryError(f"the index was built with {embedder_id}, this figdex has {embedder.config.id}; "
                         "run `figdex index embed` to rebuild it")
    try:
        image = load_rgb(path)
    except LimitError as exc:  # the message names the file and what to do
        raise QueryError(str(exc)) from exc
    except (OSError, ValueError) as exc:  # load_rgb names the file
        raise QueryError(f"{exc}; give a PNG/JPEG/TIFF file") from exc
    scale, source = (nm_per_px, "given") if nm_per_px is not None else (None, "none")
    if scale is None and read_query_scale:
        scale = _read_scale(image)
        source = "image" if scale is not None else "none"
    return SimilarQuery(embedder.embed([image]), scale, "file", scale_source=source, image=image)


def _read_scale(image: np.ndarray) -> float | None:
    from figdex.models.ocr import get_ocr
    from figdex.models.scalebars import read_scale

    try:
        ocr = get_ocr()
        return read_scale(image, ocr.read(image)).nm_per_px
    except Exception:  # no OCR engine or an odd image: the query simply has no known scale
        return None


def _allowed(ds: Dataset, ids: list[int], filters: SearchFilters) -> set[int]:
    if not ids:
        return set()
    if filters == SearchFilters():
        return set(ids)  # no filter: every id FAISS returns is a row (ids are master_images.id)
    where, params = filters.sql()
    marks = ",".join("?" * len(ids))
    rows = ds.conn.execute(
        "SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id "
        f"WHERE m.id IN ({marks}) AND {where}", [*ids, *params])
    return {r[0] for r in rows}


def visual_candidates(ds: Dataset, q: SimilarQuery, index: VectorIndex, filters: SearchFilters, n: int,
                      overfetch: int = OVERFETCH) -> list[tuple[int, float]]:
    scores, ids = index.search(q.vector, n * overfetch + 1)
    pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0 and i != q.exclude]
    allowed = _allowed(ds, [i for i, _ in pairs], filters)
    return [(i, s) for i, s in pairs if i in allowed]


def rerank_by_scale(cands: list[tuple[int, float]], scales: dict[int, float | None], query_scale: float | None,
                    factor: float, mode: str) -> list[tuple[int, float, dict]]:
    """Visual order within groups: same scale (within ``factor``) first, unknown next, different last."""
    out = []
    for rank, (mid, score) in enumerate(cands, 1):
        s = scales.get(mid)
        if query_scale is None or not s:
            group, ratio = (1, None) if query_scale is not None else (0, None)
        else:
            ratio = max(s, query_scale) / min(s, query_scale)
            group = 0 if ratio <= factor else 2
        why = {"visual_score": round(score, 4), "visual_rank": rank,
               "scale_nm_per_px": s, "scale_ratio": None if ratio is None else round(ratio, 3)}
        if group == 2:
            if mode == "filter":
                continue
            why["scale"] = f"pushed down: scale differs by {ratio:.1f}x (> {factor}x)"
        elif group == 1:
            why["scale"] = "scale unknown"
        elif query_scale is not None:
            why["scale"] = f"same scale within {factor}x"
        out.append((group, rank, mid, score, why))
    out.sort(key=lambda t: (t[0], t[1]))
    return [(mid, score, why) for _, _, mid, score, why in out]


def similar(ds: Dataset, query: str, *, limit: int = 10, filters: SearchFilters | None = None,
            nm_per_px: float | None = None, scale_factor: float = 2.0, scale_mode: str = "push",
            read_query_scale: bool = True, verify_copies: bool = True) -> list[RankedHit]:
    """Nearest images to ``query`` (a file or an id).  For a file, the best ``COPY_TOP``
    candidates are checked for being a crop/rescale of it (``verify_copies``), and verified
    copies rank first; then the scale re-ranking groups the rest."""
    filters = filters or SearchFilters()
    check_filters(ds.conn, filters)
    if scale_mode not in ("push", "filter"):
        raise QueryError("scale mode must be 'push' or 'filter'")
    index, eid = _index(ds)
    q = make_query(ds, query, eid, nm_per_px, read_query_scale)
    # Over-fetch only when something may drop or push candidates: filters, a known query scale.
    verify = verify_copies and q.image is not None
    wanted = max(limit, COPY_TOP) if verify else limit
    plain = filters == SearchFilters() and q.nm_per_px is None
    cands = visual_candidates(ds, q, index, filters, wanted, overfetch=1 if plain else OVERFETCH)
    copies: dict = {}
    if verify:
        cands, copies = _verify_copies(ds, q.image, cands)
    scales = _scales(ds, [i for i, _ in cands])
    ranked = rerank_by_scale(cands, scales, q.nm_per_px, scale_factor, scale_mode)[:limit]
    return _ranked_hits(ds, [(mid, score, {**why, **_query_scale(q), **_copy_why(copies.get(mid))})
                             for mid, score, why in ranked])


def _verify_copies(ds: Dataset, image: np.ndarray, cands: list[tuple[int, float]], top: int = COPY_TOP):
    """Verified copies (crops, rescales, re-encodings of a stored image) move ahead of look-alikes."""
    from figdex.ingest.embed import master_crop
    from figdex.models.copy_verify import gray_small, rerank_copies

    def load_small(mid: int):
        row = ds.conn.execute("SELECT m.x0, m.y0, m.x1, m.y1, f.image_path FROM master_images m "
                              "JOIN figures f ON f.id = m.figure_id WHERE m.id = ?", (mid,)).fetchone()
        if row is None or not row["image_path"]:
            return None
        try:
            return gray_small(master_crop(ds, row))  # the same crop the embedder saw
        except (OSError, ValueError):
            return None

    return rerank_copies(image, cands, load_small, top=top)


def _copy_why(match) -> dict:
    if match is None:
        return {}
    from figdex.models.copy_verify import COPY_THRESHOLD

    verdict = "copy: a crop/rescale of this image" if match.ncc >= COPY_THRESHOLD else "not a copy"
    return {"copy_ncc": match.ncc, "copy": verdict}


def _query_scale(q: SimilarQuery) -> dict:
    return {"query_nm_per_px": q.nm_per_px, "query_scale_source": q.scale_source}


@dataclass(frozen=True)
class HybridResult:
    hits: list[RankedHit]
    text_total: int  # matches of the text query alone
    warnings: tuple[str, ...] = ()


def hybrid(ds: Dataset, text: str, like: str, *, limit: int = 10, offset: int = 0,
           filters: SearchFilters | None = None, raw: bool = False, index: TextIndex | None = None,
           k: int = 60, text_weight: float = 1.0, image_weight: float = 1.0, depth: int = 100,
           nm_per_px: float | None = None, scale_factor: float = 2.0, scale_mode: str = "push",
           read_query_scale: bool = True, match: str | None = None) -> HybridResult:
    """Reciprocal rank fusion of keyword and visual rankings, a page of ``limit`` from ``offset``.

    The text ranking is keyword search's own (``bm25_ranking``): the same ``index`` (default: the
    dataset's configured one), ``raw`` syntax, filters and ``match`` level; each ranking is read
    ``depth`` deep, deeper when the page asked for lies further."""
    filters = filters or SearchFilters()
    check_filters(ds.conn, filters)
    depth = max(depth, offset + limit)
    text_ranked, text_total, warnings = bm25_ranking(ds, text, filters, depth, raw=raw, index=index, match=match)
    vector_index, eid = _index(ds)
    q = make_query(ds, like, eid, nm_per_px, read_query_scale)
    visual = visual_candidates(ds, q, vector_index, filters, depth // OVERFETCH + 1)[:depth]
    order = rrf({"text": text_ranked, "visual": visual}, k=k,
                weights={"text": text_weight, "visual": image_weight})
    # The explanation keeps its names of before: text_rank, visual_rank and visual_score.
    fused = {mid: {key: v for key, v in entry.items() if key != "text_score"} for mid, entry in order}
    cands = [(mid, entry["rrf"]) for mid, entry in order]
    scales = _scales(ds, [m for m, _ in cands])
    ranked = rerank_by_scale(cands, scales, q.nm_per_px, scale_factor, scale_mode)[offset:offset + limit]
    hits = _ranked_hits(ds, [(mid, score, {**fused[mid], **{k2: v for k2, v in why.items() if k2.startswith("scale")},
                                           **_query_scale(q)}) for mid, score, why in ranked])
    return HybridResult(hits, text_total, warnings)


def _scales(ds: Dataset, ids: list[int]) -> dict[int, float | None]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return {r[0]: r[1] for r in ds.conn.execute(f"SELECT id, nm_per_px FROM master_images WHERE id IN ({marks})", ids)}


def _ranked_hits(ds: Dataset, ranked: list[tuple[int, float, dict]]) -> list[RankedHit]:
    from figdex.index.fulltext import TextHit

    hits = {h.id: h for h in hits_for(ds, [TextHit(mid, round(score, 6)) for mid, score, _ in ranked])}
    uids = dict(ds.conn.execute(
        f"SELECT id, uid FROM master_images WHERE id IN ({','.join('?' * len(ranked))})",
        [m for m, _, _ in ranked]).fetchall()) if ranked else {}
    return [RankedHit(replace(hits[uids[mid]], score=round(score, 6)), why) for mid, score, why in ranked
            if uids.get(mid) in hits]
