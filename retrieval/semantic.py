"""Text search by meaning and by content (issue 20), fused with keyword search.

Rankings, each a list of (master id, score), best first:
* ``bm25``: keyword search's own ranking (``bm25_ranking``: same text index, raw syntax, filters, panel level);
* ``semantic``: the query's sentence vector against the caption vectors (ingest/text_embed.py);
* ``content``: the query's sentence vector through the alignment's text head against every image
  vector through its image head (ingest/align.py), so images without any caption are found.

``text_search`` picks rankings by ``mode`` (bm25, semantic, hybrid = bm25 + semantic) and
``by_content``, and fuses several by reciprocal rank fusion (the fusion of `search --like`:
``retrieval.fusion.rrf``).  A single ranking is returned as is.

With an Elasticsearch/OpenSearch text index that holds the dataset's vectors (``index sync`` pushes
them: ``index/es_vectors.py``), the semantic ranking and the aligned part of the content ranking
are the engine's kNN (filters applied by the engine); otherwise, or when the engine fails or holds
vectors of another embedder or alignment, the local FAISS indexes answer and a warning says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from figdex import settings
from figdex.index.db import Dataset
from figdex.index.fulltext import TextIndex, TextIndexError
from figdex.index.query import NoTermsError, QueryError, SearchFilters, check_filters
from figdex.index.vectors import VectorIndex
from figdex.retrieval.fusion import rrf
from figdex.retrieval.similar import OVERFETCH, RankedHit, _allowed, _load_cached, _ranked_hits
from figdex.retrieval.search import bm25_ranking

MODES = ("bm25", "semantic", "hybrid")
DEPTH = 100  # how deep each ranking is read for fusion


class SemanticIndexMissing(QueryError):
    """The dataset has no caption vectors yet: a valid request this dataset cannot answer yet (409
    Conflict in the web API); the message says how to build them."""

    http_status = 409


@dataclass(frozen=True)
class TextSearchResult:
    hits: list[RankedHit]
    total: int  # bm25 alone: the matches; otherwise the candidates the rankings returned (each read DEPTH deep)
    mode: str
    rankings: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def resolve_mode(ds: Dataset, mode: str | None) -> str:
    """``auto`` (the setting's default): hybrid where the dataset has caption vectors, else bm25."""
    mode = (mode or settings.get("search_mode", ds.root) or "auto").lower()
    if mode == "auto":
        from figdex.models.text_embedders import semantic_available

        return "hybrid" if _caption_index_path(ds) is not None and semantic_available() else "bm25"
    if mode not in MODES:
        raise QueryError(f"unknown search mode {mode!r}; valid: {', '.join(MODES)}")
    return mode


def _caption_index_path(ds: Dataset) -> Path | None:
    from figdex.ingest.text_embed import text_embedder_name

    folder = ds.root / "vectors"
    found = sorted(folder.glob(f"{text_embedder_name(ds)}-v*.faiss")) if folder.is_dir() else []
    return found[-1] if found else None


def _query_vector(ds: Dataset, text: str, embedder_id: str) -> np.ndarray:
    from figdex.ingest.text_embed import text_embedder_name
    from figdex.models.text_embedders import create_text_embedder

    if not text.strip():
        raise NoTermsError("the query has no words to search for; type at least one word")
    name = text_embedder_name(ds)
    embedder = create_text_embedder(name)
    if embedder.config.id != embedder_id:
        raise QueryError(f"the caption vectors were made with {embedder_id}, this figdex has {embedder.config.id}; "
                         f"run `figdex index embed --dataset {ds.root}` to rebuild them")
    return _embedded(name, embedder_id, text).copy()


@lru_cache(maxsize=256)
def _embedded(name: str, embedder_id: str, text: str) -> np.ndarray:
    """A query's sentence vector, kept for the next pages of the same query (and content search's two
    rankings, which share it)."""
    from figdex.models.text_embedders import create_text_embedder

    return create_text_embedder(name).embed([text])


def _vector_ranking(ds: Dataset, index: VectorIndex, query: np.ndarray, filters: SearchFilters,
                    depth: int) -> list[tuple[int, float]]:
    plain = filters == SearchFilters()
    scores, ids = index.search(query, depth if plain else depth * OVERFETCH)
    pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
    if not plain:
        allowed = _allowed(ds, [i for i, _ in pairs], filters)
        pairs = [(i, s) for i, s in pairs if i in allowed]
    return pairs[:depth]


def _engine_ranking(index: TextIndex | None, field: str, source_of, vector_of, filters: SearchFilters,
                    depth: int) -> tuple[list[tuple[int, float]] | None, tuple[str, ...]]:
    """The engine's kNN ranking over ``field`` where the text index holds that field's vectors and
    they were made by ``source_of()`` (the local embedder id or alignment name); (None, warnings)
    where the local vector index must answer instead.  ``vector_of(source)`` is the query vector."""
    if index is None or not hasattr(index, "knn"):
        return None, ()
    try:
        held = index.vector_source(field)
        if held is None:
            return None, ()
        wanted = source_of()
        if held != wanted:
            return None, (f"the {index.name} index holds {field} vectors of {held}, the dataset has {wanted}: run "
                          f"`figdex index sync` to push them; ranked with the local vector index",)
        return index.knn(field, vector_of(held), filters, depth), ()
    except TextIndexError as exc:
        return None, (f"{index.name} kNN over {field} failed ({exc}); ranked with the local vector index",)


def semantic_ranking(ds: Dataset, text: str, filters: SearchFilters | None = None, depth: int = DEPTH,
                     index: TextIndex | None = None) -> tuple[list[tuple[int, float]], tuple[str, ...]]:
    """Master images whose caption text is nearest the query's meaning (cosine), best first; and
    warnings.  ``index``: a text index whose engine may hold the caption vectors (module doc)."""
    filters = filters or SearchFilters()
    path = _caption_index_path(ds)

    def source() -> str:  # from the database: a searching machine need not hold the FAISS file
        from figdex.ingest.text_embed import text_embedder_name

        row = ds.conn.execute("SELECT embedder FROM embeddings WHERE embedder LIKE ? AND vector IS NOT NULL "
                              "ORDER BY embedder DESC LIMIT 1", (f"{text_embedder_name(ds)}@%",)).fetchone()
        return row[0] if row else ""

    ranked, warnings = _engine_ranking(index, "caption_vector", source,
                                       lambda eid: _query_vector(ds, text, eid)[0], filters, depth)
    if ranked is not None:
        return ranked, warnings
    return _local_semantic(ds, path, text, filters, depth), warnings


def _local_semantic(ds: Dataset, path: Path | None, text: str, filters: SearchFilters,
                    depth: int) -> list[tuple[int, float]]:
    if path is None:
        raise SemanticIndexMissing(f"the dataset {ds.root} has no caption vectors; run "
                                   f"`figdex index embed --dataset {ds.root}` (needs figdex[semantic])")
    index = _load_cached(path)
    return _vector_ranking(ds, index, _query_vector(ds, text, index.info.embedder), filters, depth)


def content_ranking(ds: Dataset, text: str, filters: SearchFilters | None = None, depth: int = DEPTH,
                    text_weight: float | None = None, figure_weight: float | None = None,
                    words_weight: float | None = None, article_weight: float | None = None,
                    article_words_weight: float | None = None, index: TextIndex | None = None
                    ) -> tuple[list[tuple[int, float]], tuple[str, ...]]:
    """Master images whose pixels match the query, best first; and warnings.

    Signals, all from the images, never a caption: the aligned image similarity (the query's sentence
    vector through the alignment's text head against every image vector through its image head,
    ingest/align.py) and, where `figdex index image-text` has read them, the words printed in the image
    (ingest/image_text.py), three ways:

    * own: the query's sentence vector against the image's printed words' (cosine);
    * figure: the same against the words printed in its whole figure (all panels; figure-pooled vectors);
    * words: the query's words found in the printed words (BM25 of index/printed_words.py, divided by
      the query's best), the image's own plus its figure's best.

    An image that prints no word of its own is found through its figure's: a micrograph panel next to a
    labelled chart gets the chart's words in figure, and their BM25 in words as its own.

    And one level up, the paper (``_article_scores``): its best own cosine and its best own BM25 (each
    image's value as above), given to every image of the article.  A paper's figures share its topic and
    its vocabulary, so an image whose figure prints little is still found among its paper's figures
    (bench/README.md, round h108); a folder of loose images is not a paper and gets neither.

    Score = aligned cosine + ``text_weight`` x own + ``figure_weight`` x figure + ``words_weight`` x words
    + ``article_weight`` x article best own + ``article_words_weight`` x article best words; the weights
    are the ``content_*_weight`` settings, chosen on tuning data (bench/semantic_search.py).  All 0: the
    aligned similarity alone."""
    from figdex.ingest.align import alignment_status, load_alignment
    from figdex.models.tuning import apply_head

    filters = filters or SearchFilters()
    alignment = load_alignment(ds)
    sentence = _query_vector(ds, text, alignment.meta["text_embedder"])
    query = apply_head(sentence, alignment.text_head)
    warnings: tuple[str, ...] = ()

    def aligned_ranking(k: int, cap: bool) -> list[tuple[int, float]]:
        """The aligned image similarity: the engine's kNN where it holds this alignment's vectors."""
        nonlocal warnings
        ranked, said = _engine_ranking(index, "content_vector", lambda: alignment.name, lambda _: query[0],
                                       filters, k)
        warnings += said
        if ranked is not None:
            return ranked
        if not alignment.index_path.exists():
            from figdex.ingest.align import rebuild_aligned_index

            rebuild_aligned_index(ds, alignment)
        local = _load_cached(alignment.index_path)
        return _vector_ranking(ds, local, query, filters, min(max(local.info.count, 1), k) if cap else k)

    status = alignment_status(ds)
    if status and status["behind"]:
        warnings += (f"the alignment {status['name']} was trained on {status['trained_pairs']} pairs; the dataset has "
                    f"{status['pairs_now']} now: run `figdex index align` to retrain it",)
    w_own, w_fig, w_words, w_art, w_art_words = (
        settings.get(name, ds.root) if given is None else given for name, given in (
            ("content_text_weight", text_weight), ("content_figure_weight", figure_weight),
            ("content_words_weight", words_weight), ("content_article_weight", article_weight),
            ("content_article_words_weight", article_words_weight)))
    printed = _printed_indexes(ds, alignment.meta["text_embedder"]) \
        if w_own or w_fig or w_words or w_art or w_art_words else None
    if printed is None:
        return aligned_ranking(depth, cap=False), warnings
    own_index, figure_index, words_path = printed
    # Each ranking read deeper than the page, so that an image high in one and missing from another's
    # list is still scored; one missing from the aligned list gets that list's lowest score.
    wide = depth * 4
    aligned = dict(aligned_ranking(wide, cap=True))
    own = dict(_vector_ranking(ds, own_index, sentence, filters, min(own_index.info.count, wide))) \
        if w_own or w_art else {}
    figure = dict(_vector_ranking(ds, figure_index, sentence, filters, min(figure_index.info.count, wide))) \
        if w_fig else {}
    words, figure_words = _word_scores(ds, words_path, text, filters, wide) if w_words or w_art_words else ({}, {})
    article, article_words = _article_scores(ds, own if w_art else {}, words if w_art_words else {}, filters)
    floor = min(aligned.values()) if aligned else 0.0
    candidates = set(aligned) | set(own) | set(figure) | set(words) | set(figure_words) | set(article) \
        | set(article_words)
    speaks = _with_words(ds, set(figure_words)) if w_words else set()
    scores = {}
    for mid in candidates:
        word_score = words.get(mid, 0.0) if mid in speaks else figure_words.get(mid, 0.0)
        scores[mid] = (aligned.get(mid, floor) + w_own * own.get(mid, 0.0) + w_fig * figure.get(mid, 0.0)
                       + w_words * (word_score + figure_words.get(mid, 0.0))
                       + w_art * article.get(mid, 0.0) + w_art_words * article_words.get(mid, 0.0))
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:depth], warnings


def _printed_indexes(ds: Dataset, text_embedder_id: str) -> tuple[VectorIndex, VectorIndex, Path] | None:
    """The image-text index, the figure-pooled one and the printed-word index; None where the dataset
    has no image text.  A dataset whose image texts were embedded before the last two existed gets
    them built here, from the database."""
    from figdex.ingest.image_text import (figure_text_index_path, image_text_index_path, rebuild_image_text_index,
                                          word_index_path)

    path = image_text_index_path(ds, text_embedder_id)
    if not path.exists():
        return None
    figure_path, words_path = figure_text_index_path(ds, text_embedder_id), word_index_path(ds)
    if not figure_path.exists() or not words_path.exists():
        rebuild_image_text_index(ds, text_embedder_id)
        if not path.exists():
            return None
    return _load_cached(path), _load_cached(figure_path), words_path


def _word_scores(ds: Dataset, path: Path, text: str, filters: SearchFilters,
                 limit: int) -> tuple[dict[int, float], dict[int, float]]:
    """BM25 of the query's words in each image's printed words, divided by the best (0-1 whatever the
    query's length); and each figure's best, given to all its masters (within the filters)."""
    from figdex.index.printed_words import search_words

    hits = search_words(path, text, limit)
    if not hits:
        return {}, {}
    best = hits[0][1] or 1.0
    own = {mid: s / best for mid, s in hits}
    marks = ",".join("?" * len(own))
    figure_of = dict(ds.conn.execute(f"SELECT id, figure_id FROM master_images WHERE id IN ({marks})", list(own)))
    figure_best: dict[int, float] = {}
    for mid, s in own.items():
        if mid in figure_of:
            figure_best[figure_of[mid]] = max(s, figure_best.get(figure_of[mid], 0.0))
    marks = ",".join("?" * len(figure_best))
    members = ds.conn.execute(f"SELECT id, figure_id FROM master_images WHERE figure_id IN ({marks})",
                              list(figure_best)).fetchall() if figure_best else []
    allowed = _allowed(ds, [m for m, _ in members] + list(own), filters)
    return ({m: s for m, s in own.items() if m in allowed},
            {m: figure_best[f] for m, f in members if m in allowed})


def _article_scores(ds: Dataset, own: dict[int, float], words: dict[int, float],
                    filters: SearchFilters) -> tuple[dict[int, float], dict[int, float]]:
    """Each article's best own cosine and best own BM25 among the scored images, given to all its masters
    (within the filters).  A folder of loose images (publisher ``folder``, ingest/image_folder.py) is not
    a paper: its images share no topic, and one image's words would lift hundreds; it gets nothing."""
    from figdex.ingest.image_folder import FOLDER_PUBLISHER

    ids = set(own) | set(words)
    if not ids:
        return {}, {}
    marks = ",".join("?" * len(ids))
    article_of = dict(ds.conn.execute(
        "SELECT m.id, f.article_id FROM master_images m JOIN figures f ON f.id = m.figure_id "
        f"JOIN articles a ON a.id = f.article_id WHERE m.id IN ({marks}) AND a.publisher != ?",
        [*ids, FOLDER_PUBLISHER]))
    best_own: dict[int, float] = {}
    best_words: dict[int, float] = {}
    for scores, best in ((own, best_own), (words, best_words)):
        for mid, s in scores.items():
            if mid in article_of:
                best[article_of[mid]] = max(s, best.get(article_of[mid], float("-inf")))
    articles = set(best_own) | set(best_words)
    if not articles:
        return {}, {}
    marks = ",".join("?" * len(articles))
    members = ds.conn.execute(f"SELECT m.id, f.article_id FROM master_images m JOIN figures f ON f.id = m.figure_id "
                              f"WHERE f.article_id IN ({marks})", list(articles)).fetchall()
    allowed = _allowed(ds, [m for m, _ in members], filters)
    return ({m: best_own[a] for m, a in members if m in allowed and a in best_own},
            {m: best_words[a] for m, a in members if m in allowed and a in best_words})


def _with_words(ds: Dataset, ids: set[int]) -> set[int]:
    """Those of ``ids`` that print words of their own (an image-text row with kept text)."""
    if not ids:
        return set()
    marks = ",".join("?" * len(ids))
    return {r[0] for r in ds.conn.execute(
        f"SELECT master_image_id FROM image_texts WHERE text != '' AND master_image_id IN ({marks})", list(ids))}


def text_search(ds: Dataset, query: str, filters: SearchFilters | None = None, *, mode: str | None = None,
                by_content: bool = False, limit: int = 10, offset: int = 0, raw: bool = False,
                index: TextIndex | None = None, k: int = 60, depth: int = DEPTH,
                weights: dict[str, float] | None = None, match: str | None = None) -> TextSearchResult:
    """Search by words, meaning and/or content, a page of ``limit`` from ``offset``.

    ``mode`` picks the text rankings (bm25, semantic, or hybrid = both; None/auto: the setting);
    ``by_content`` adds the content ranking, alone unless a mode is named.  Several rankings are
    fused by RRF, score = Σ wᵢ / (k + rankᵢ); each hit's ``explain`` gives its rank in each.
    ``match`` (panel|figure) applies to the keyword ranking as in keyword search; the caption
    vectors are already each image's own sub-caption.  ``index``: the text index the keyword ranking
    reads (default: the dataset's), which also answers the vector rankings where it holds the vectors."""
    if limit < 1:
        raise QueryError("--limit must be at least 1")
    filters = filters or SearchFilters()
    check_filters(ds.conn, filters)
    named = mode is not None and mode != "auto"
    mode = resolve_mode(ds, mode)
    names = [] if (by_content and not named) else (["bm25", "semantic"] if mode == "hybrid" else [mode])
    if by_content:
        names.append("content")
    depth = max(depth, offset + limit)
    rankings: dict[str, list[tuple[int, float]]] = {}
    warnings: tuple[str, ...] = ()
    total = 0
    for name in names:
        if name == "bm25":
            rankings[name], total, w = bm25_ranking(ds, query, filters, depth, raw=raw, index=index, match=match)
        elif name == "semantic":
            rankings[name], w = semantic_ranking(ds, query, filters, depth, index=index)
        else:
            rankings[name], w = content_ranking(ds, query, filters, depth, index=index)
        warnings += tuple(w)
    if len(rankings) == 1:
        (name, ranked), = rankings.items()
        page = [(mid, score, {f"{name}_rank": offset + r, f"{name}_score": round(score, 4)})
                for r, (mid, score) in enumerate(ranked[offset:offset + limit], 1)]
        total = total if name == "bm25" else len(ranked)
    else:
        fused = rrf(rankings, k=k, weights=weights)
        page = [(mid, entry["rrf"], entry) for mid, entry in fused[offset:offset + limit]]
        total = len(fused)
    return TextSearchResult(_ranked_hits(ds, page), total, mode if names != ["content"] else "content",
                            tuple(rankings), warnings)
