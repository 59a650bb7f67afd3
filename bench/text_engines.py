"""SQLite FTS5 vs tantivy on caption-like text: build time and top-10 BM25 latency.

Documents are sampled from the word distribution of the real captions in the demo corpus
(unigram frequencies, caption-length distribution), so term statistics resemble captions.
Queries are two terms drawn from the same distribution.  Figures print as ratios against
FTS5 measured in the same run.

    python bench/text_engines.py --docs 100000 --queries 300
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def caption_model() -> tuple[list[str], list[int], list[int]]:
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        ds = Dataset.in_memory(tmp)
        ingest_paths(ds, [ROOT / "demo" / "corpus"])
        captions = [r[0] for r in ds.conn.execute("SELECT caption FROM figures WHERE caption != ''")]
        ds.close()
    words = Counter()
    lengths = []
    for cap in captions:
        toks = re.findall(r"[A-Za-z][A-Za-z0-9-]+", cap.lower())
        words.update(toks)
        lengths.append(max(5, len(toks)))
    vocab, freqs = zip(*words.most_common())
    return list(vocab), list(freqs), lengths


def make_docs(n: int, seed: int = 0):
    vocab, freqs, lengths = caption_model()
    rng = random.Random(seed)
    for i in range(n):
        k = rng.choice(lengths)
        yield i, " ".join(rng.choices(vocab, weights=freqs, k=k))


def make_queries(n: int, seed: int = 1) -> list[str]:
    vocab, freqs, _ = caption_model()
    rng = random.Random(seed)
    # Skip the ~30 most frequent words (stop-word-like), as people query content words.
    content, cfreq = vocab[30:], freqs[30:]
    return [" ".join(rng.choices(content, weights=cfreq, k=2)) for _ in range(n)]


def bench_fts5(docs, queries):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')")
    t0 = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", docs)
        conn.execute("INSERT INTO t(t) VALUES ('optimize')")
    build = time.perf_counter() - t0
    times = []
    for q in queries:
        expr = " AND ".join('"' + w + '"' for w in q.split())
        t = time.perf_counter()
        conn.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 10", (expr,)).fetchall()
        times.append(time.perf_counter() - t)
    return build, times


def bench_tantivy(docs, queries, tmpdir):
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    sb.add_text_field("body", stored=False, tokenizer_name="en_stem")
    schema = sb.build()
    index = tantivy.Index(schema, path=str(tmpdir))
    t0 = time.perf_counter()
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for i, body in docs:
        writer.add_document(tantivy.Document(id=i, body=body))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build = time.perf_counter() - t0
    searcher = index.searcher()
    times = []
    for q in queries:
        t = time.perf_counter()
        query = index.parse_query(" AND ".join(f'"{w}"' for w in q.split()), ["body"])
        searcher.search(query, 10)
        times.append(time.perf_counter() - t)
    return build, times


def pct(times, p):
    return sorted(times)[min(len(times) - 1, int(p / 100 * len(times)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args()
    docs = list(make_docs(args.docs))
    queries = make_queries(args.queries)
    fb, ft = bench_fts5(docs, queries)
    with tempfile.TemporaryDirectory() as tmp:
        tb, tt = bench_tantivy(docs, queries, tmp)
    print(f"{args.docs} caption-like documents, {args.queries} two-term AND queries, top-10 BM25, 1 thread")
    print(f"{'engine':<8} {'build s':>8} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}   ratio vs fts5 (p50 / p95 / build)")
    for name, b, t in (("fts5", fb, ft), ("tantivy", tb, tt)):
        print(f"{name:<8} {b:8.2f} {pct(t, 50):8.3f} {pct(t, 95):8.3f} {statistics.mean(t) * 1000:8.3f}   "
              f"{pct(t, 50) / pct(ft, 50):.3f} / {pct(t, 95) / pct(ft, 95):.3f} / {b / fb:.3f}")


if __name__ == "__main__":
    main()
