"""Semantic caption search and text-to-image search, measured (issue 20).

    python bench/semantic_dataset.py --out DS              # the real dataset (see that file)
    python bench/semantic_search.py pool --dataset DS      # pooled top-10 hits -> eval/semantic_pool.tsv
    (judge eval/semantic_pool.tsv by hand -> eval/semantic_judgements.tsv; the pool names no method)
    python bench/semantic_search.py score --dataset DS     # nDCG@10 of bm25, semantic, hybrid
    python bench/semantic_search.py content --dataset DS   # text-to-image recall@10, held out by paper
    python bench/semantic_search.py content --dataset DS2 --held-out-set NAME   # a group never used before
                                                           # (added by bench/semantic_heldout.py)
    python bench/semantic_search.py latency                # 100k synthetic vectors: wrapper vs raw FAISS

* **Caption search**: the queries of eval/semantic_queries.tsv (written before any result was
  seen), top 10 of each method; the union of the three top-10s per query, shuffled with a fixed
  seed and without the method's name, is the pool judged by hand (0 not relevant, 1 partly,
  2 relevant, from the hit's sub-caption/caption).  nDCG@10 with graded gains (2^rel - 1),
  unjudged hits count 0 (there are none: the pool holds every method's top 10).
* **Text to image**: the paper split is the development set's (eval/devset/README.md: fold =
  sha256(paper key) mod 5, fixed before any tuning); papers of folds 3 and 4 are held out.  An
  alignment is trained on every other (image, caption) pair of the dataset, then each held-out
  master image that has a sub-caption is a query: its own sub-caption, searched by content among
  ALL images of the dataset (the held-out images' captions play no part: content search reads
  pixels only).  recall@10 = the image itself is in the top 10.
  ``--weights own:figure:words[:article:article-words]`` measures content_ranking's signals
  (retrieval/semantic.py): the image's own printed words, its figure's, and the query's words found
  in them (BM25); then its paper's best of the own cosine and of the BM25 (three fields: those two
  0); 0:0:0 is the aligned similarity alone.
  ``--held-out-set NAME`` holds out and queries the group bench/semantic_heldout.py added instead
  of folds 3-4 (the alignment then trains on every other pair).
* **Latency**: `semantic_ranking`'s vector step (what `search --mode semantic` wraps around
  FAISS: the search, the id mapping, the filter check) against the raw FAISS search on the same
  100k-vector index; the query's sentence embedding is timed apart (it is the same for both).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
QUERIES = REPO / "eval" / "semantic_queries.tsv"
POOL = REPO / "eval" / "semantic_pool.tsv"
JUDGED = REPO / "eval" / "semantic_judgements.tsv"
METHODS = ("bm25", "semantic", "hybrid")
HELD_OUT_FOLDS = (3, 4)


def read_queries() -> list[tuple[str, str]]:
    rows = [line.rstrip("\n").split("\t") for line in QUERIES.read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    return [(q, text) for q, text in rows]


def rankings(ds, query: str, k: int = 10) -> dict[str, list[str]]:
    from figdex.index.query import NoTermsError
    from figdex.retrieval.semantic import text_search

    out = {}
    for mode in METHODS:
        try:
            out[mode] = [h.hit.id for h in text_search(ds, query, mode=mode, limit=k).hits]
        except NoTermsError:
            out[mode] = []
    return out


def hit_text(ds, uid: str) -> str:
    row = ds.conn.execute("SELECT m.subcaption, f.caption FROM master_images m JOIN figures f ON f.id = m.figure_id "
                          "WHERE m.uid = ?", (uid,)).fetchone()
    text = (row["subcaption"] or row["caption"] or "").strip() if row else ""
    return " ".join(text.split())[:400]


def cmd_pool(ds, args) -> None:
    rng = random.Random(20)
    rows = []
    for qid, query in read_queries():
        pooled = sorted({uid for ranked in rankings(ds, query).values() for uid in ranked})
        rng.shuffle(pooled)
        rows += [(qid, query, uid, hit_text(ds, uid)) for uid in pooled]
    with POOL.open("w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["qid", "query", "id", "text"])
        w.writerows(rows)
    print(f"{len(rows)} pooled hits of {len(read_queries())} queries -> {POOL}")


def ndcg(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    gains = [(2 ** rel.get(uid, 0) - 1) / math.log2(i + 2) for i, uid in enumerate(ranked[:k])]
    ideal = sorted(rel.values(), reverse=True)[:k]
    best = sum((2 ** r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return sum(gains) / best if best > 0 else 0.0


def cmd_score(ds, args) -> None:
    judged: dict[str, dict[str, int]] = {}
    with JUDGED.open() as f:
        for row in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"):
            judged.setdefault(row["qid"], {})[row["id"]] = int(row["rel"])
    per = {m: [] for m in METHODS}
    skipped = short = 0
    for qid, query in read_queries():
        rel = judged.get(qid, {})
        if not any(rel.values()):
            skipped += 1  # no relevant hit in any method's top 10: nDCG undefined, left out
            continue
        ranked = rankings(ds, query)
        short += len(ranked["bm25"]) < 10
        for m in METHODS:
            per[m].append(ndcg(ranked[m], rel))
    base = statistics.mean(per["bm25"])
    print(f"{len(per['bm25'])} queries with a relevant hit ({skipped} without any, left out)")
    print("| method | nDCG@10 | vs bm25 |\n|---|---|---|")
    for m in METHODS:
        mean = statistics.mean(per[m])
        print(f"| {m} | {mean:.3f} | {mean / base:.2f}x |")
    wins = sum(h > b for h, b in zip(per["hybrid"], per["bm25"]))
    losses = sum(h < b for h, b in zip(per["hybrid"], per["bm25"]))
    print(f"hybrid vs bm25 per query: {wins} better, {losses} worse; bm25 returned fewer than 10 hits for "
          f"{short} of them (its words are ANDed)")


HELD_OUT_SET_KEYWORD = "held-out-set:"  # article keyword of a group added by bench/semantic_heldout.py


def _held_out_set(ds, name: str) -> set[int]:
    masters = {r[0] for r in ds.conn.execute(
        "SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id "
        "WHERE EXISTS (SELECT 1 FROM json_each(a.keywords) WHERE value = ?)", (HELD_OUT_SET_KEYWORD + name,))}
    if not masters:
        sys.exit(f"{ds.root}: no article has the keyword {HELD_OUT_SET_KEYWORD}{name}; add the group with "
                 f"`python bench/semantic_heldout.py --from DS --out {ds.root} --set {name}`")
    return masters


def cmd_content(ds, args) -> None:
    from figdex.ingest.align import align_dataset, current_pairs, _ids
    from figdex.index.query import NoTermsError
    from figdex.retrieval.semantic import content_ranking

    if args.held_out_set:  # a group never used before: the alignment trains on everything else
        held = queries_from = _held_out_set(ds, args.held_out_set)
    else:
        fold_of = _folds(ds)
        held = {m for m, f in fold_of.items() if f in args.held_out_folds}
        queries_from = held
        if args.validate:  # choose the settings on fold 2 (a tuning fold), never looking at folds 3-4
            held = {m for m, f in fold_of.items() if f in HELD_OUT_FOLDS or f == 2}
            queries_from = {m for m, f in fold_of.items() if f == 2}
    text_id, image_id = _ids(ds)
    pairs = set(current_pairs(ds, text_id, image_id))
    # The candidates: every image with a stored image, or (--candidates read) those that
    # `figdex index image-text` has read, so that no image is ranked without its printed words.
    candidates = {r[0] for r in ds.conn.execute(
        "SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id WHERE f.image_status = 'ok'"
        + (" AND m.id IN (SELECT master_image_id FROM image_texts WHERE text = '' OR master_image_id IN "
           "(SELECT master_image_id FROM embeddings WHERE embedder LIKE 'image-text:%'))"
           if args.candidates == "read" else ""))}  # read, and its words embedded (a read may be under way)
    queries = sorted(queries_from & pairs & candidates)
    started = time.perf_counter()
    summary = align_dataset(ds, exclude=held, epochs=args.epochs, dim=args.dim,
                            on_step=lambda m: print(m, file=sys.stderr))
    read = ds.conn.execute("SELECT count(*), sum(text != '') FROM image_texts").fetchone()
    print(f"alignment {summary.name}: trained on {summary.pairs} pairs in {time.perf_counter() - started:.0f} s, "
          f"{len(held)} held-out masters ({len(queries)} with a sub-caption: the queries); "
          f"{len(candidates)} candidate images ({read[0]} read by OCR, {read[1] or 0} with words)")
    if args.counts_only:  # a dry run: everything but the ranking (for checking a new group without looking at it)
        return
    texts = dict(ds.conn.execute("SELECT id, subcaption FROM master_images WHERE id IN (%s)"
                                 % ",".join(map(str, queries))).fetchall()) if queries else {}
    n = len(candidates)
    weights = args.weights if args.text_weights is None else [(w, 0.0, 0.0, 0.0, 0.0) for w in args.text_weights]
    print("| weights own:figure:words[:article:article-words] | recall@1 | recall@10 | recall@50 | median rank |\n"
          "|---|---|---|---|---|")
    ranks: dict[tuple, list[int]] = {w: [] for w in weights}
    wordless = 0
    for mid in queries:  # each query's rows together: its sentence vector is embedded once (a small cache)
        for w in weights:
            try:
                ranked, _ = content_ranking(ds, texts[mid], depth=summary.images_indexed, text_weight=w[0],
                                            figure_weight=w[1], words_weight=w[2], article_weight=w[3],
                                            article_words_weight=w[4])
            except NoTermsError:  # a sub-caption with no word to search for ("(c)"): no query to ask
                wordless += 1
                break
            order = [m for m, _ in ranked if m in candidates]
            ranks[w].append(order.index(mid) + 1 if mid in order else len(order) + 1)
    for w, got in ranks.items():
        got = np.array(got)
        label = ":".join(f"{x:g}" for x in (w if any(w[3:]) else w[:3])) + (" (aligned only)" if not any(w) else "")
        print(f"| {label} | {np.mean(got <= 1):.3f} | {np.mean(got <= 10):.3f} | {np.mean(got <= 50):.3f} | "
              f"{int(np.median(got))} |", flush=True)
    print(f"{len(queries) - wordless} queries among {n} images (chance recall@10 {10 / n:.3f}); "
          f"{wordless} sub-captions with no word to search for left out")


def cmd_read(ds, args) -> None:
    """`figdex index image-text` with the devset's query folds (2-4, papers interleaved as they come)
    read first: on a busy machine the OCR of every image takes hours, and a run stopped early leaves
    those read (then measure with --candidates read)."""
    from figdex.ingest.image_text import embed_image_texts, read_image_texts

    fold_of = _folds(ds)
    first = sorted(m for m in fold_of if fold_of[m] == 2 or fold_of[m] in HELD_OUT_FOLDS)
    started = time.perf_counter()
    done = []

    def progress(n: int) -> None:
        done.append(n)
        if len(done) % 10 == 0:
            print(f"{sum(done)} images read in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)

    summary = read_image_texts(ds, workers=args.workers, first=first, on_image=progress)
    eid, embedded, indexed = embed_image_texts(ds)
    print(f"{summary.read} images read ({summary.with_text} with words), {summary.unchanged} read before; OCR "
          f"{summary.seconds_per_image:.2f} s an image (wall, per worker); {eid}: {embedded} embedded, {indexed} indexed")


def _folds(ds) -> dict[int, int]:
    fold_of = {}
    for row in ds.conn.execute("SELECT m.id, a.keywords FROM master_images m JOIN figures f ON f.id = m.figure_id "
                               "JOIN articles a ON a.id = f.article_id WHERE a.keywords LIKE '%devset-fold-%'"):
        fold = [k for k in json.loads(row["keywords"]) if k.startswith("devset-fold-")][0]
        fold_of[row["id"]] = int(fold.rsplit("-", 1)[1])
    return fold_of


def cmd_latency(args) -> None:
    from figdex.index.query import SearchFilters
    from figdex.index.vectors import VectorIndex
    from figdex.models.embedders import l2_normalise
    from figdex.retrieval.semantic import _vector_ranking

    rng = np.random.default_rng(0)
    n, dim = args.vectors, 384
    vecs = l2_normalise(rng.normal(size=(n, dim)).astype(np.float32))
    index = VectorIndex.build("synthetic@1", np.arange(1, n + 1), vecs)
    queries = l2_normalise(rng.normal(size=(args.queries, dim)).astype(np.float32))

    def timed(fn) -> list[float]:
        out = []
        for q in queries:
            t = time.perf_counter()
            fn(q[None])
            out.append((time.perf_counter() - t) * 1000)
        return out

    raw, wrapped = [], []
    for _ in range(3):  # interleaved rounds: both see the same machine load
        raw += timed(lambda q: index.search(q, 100))
        wrapped += timed(lambda q: _vector_ranking(None, index, q, SearchFilters(), 100))
    from figdex.models.text_embedders import create_text_embedder

    emb = create_text_embedder()
    enc = timed(lambda q: emb.embed(["transmission electron micrograph of gold nanoparticles"]))
    p50 = statistics.median
    print(f"{n} vectors ({index.info.factory}), {args.queries} queries x 3 rounds, depth 100")
    print("| step | p50 ms | vs raw FAISS |\n|---|---|---|")
    print(f"| raw FAISS search | {p50(raw):.2f} | 1.00x |")
    print(f"| semantic ranking (wrapper) | {p50(wrapped):.2f} | {p50(wrapped) / p50(raw):.2f}x |")
    print(f"| query sentence embedding (apart) | {p50(enc):.2f} | - |")


def _weight_triples(value: str) -> list[tuple[float, ...]]:
    """own:figure:words (the paper's signals off, the method before round h108) or
    own:figure:words:article:article-words."""
    out = []
    for part in value.split(","):
        fields = [float(x) for x in part.split(":")]
        if len(fields) not in (3, 5):
            raise argparse.ArgumentTypeError(f"{part!r}: weights are own:figure:words[:article:article-words], "
                                             "e.g. 1:2:1 or 1:2:1:4:1")
        out.append(tuple(fields) + (0.0, 0.0) * (len(fields) == 3))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=["pool", "score", "content", "read", "latency"])
    ap.add_argument("--dataset", type=Path)
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--validate", action="store_true",
                    help="content: hold out folds 2-4, measure on fold 2 (for choosing --epochs/--dim)")
    ap.add_argument("--weights", type=_weight_triples, default=_weight_triples("0:0:0,2:0:0,1:2:1,1:2:0.5:4:1"),
                    help="content: comma-separated own:figure:words[:article:article-words] weights to measure "
                         "(retrieval/semantic.py content_ranking); 0:0:0 = the aligned image similarity alone, "
                         "2:0:0 = + the image's own printed words (the method of 2026-12-06 11:43), 1:2:1 = + its "
                         "figure's words and BM25, 1:2:0.5:4:1 = + its paper's best words (the default since round "
                         "h108)")
    ap.add_argument("--text-weights", type=lambda v: [float(x) for x in v.split(",")], default=None,
                    help="content: the earlier form, own-words weights only (w = w:0:0)")
    ap.add_argument("--held-out-folds", type=lambda v: tuple(int(x) for x in v.split(",")), default=HELD_OUT_FOLDS,
                    help="content: devset folds held out from the alignment and queried (default 3,4)")
    ap.add_argument("--held-out-set", metavar="NAME",
                    help="content: hold out and query the group NAME that bench/semantic_heldout.py added "
                         "(articles with the keyword held-out-set:NAME) instead of devset folds")
    ap.add_argument("--counts-only", action="store_true",
                    help="content: train the alignment and print the counts, but rank nothing")
    ap.add_argument("--candidates", choices=["all", "read"], default="all",
                    help="content: rank among all images, or only those `figdex index image-text` has read")
    ap.add_argument("--workers", type=int, default=4, help="read: OCR processes")
    ap.add_argument("--vectors", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=50)
    args = ap.parse_args()
    if args.step == "latency":
        cmd_latency(args)
        return
    from figdex.index.db import Dataset

    with Dataset.open(args.dataset, create=False) as ds:
        {"pool": cmd_pool, "score": cmd_score, "content": cmd_content, "read": cmd_read}[args.step](ds, args)


if __name__ == "__main__":
    main()
