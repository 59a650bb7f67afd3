"""figdex's search backends against raw engine calls and a pure-Python BM25, in one run.

Synthetic records are sampled from the word distribution of the demo corpus's real captions
(``text_engines.caption_model``): one master image per record with a caption (also its
sub-caption, as whole-figure masters have), an article title and abstract shared by five
figures, and "term" labels on a third of the records.  They are written as dataset rows, so
figdex's own code paths run on them:

* **figdex embedded**: ``retrieval.search.search`` on the FTS5 text index (query parsing,
  bm25 with field weights, total count, snippets, hit rows), and ``Fts5Index.rebuild`` for
  indexing throughput;
* **raw FTS5**: the bare ``MATCH ... ORDER BY bm25(...) LIMIT 10`` on the same FTS5 table;
* **raw tantivy**: the same five fields and weights, parse + top-10 search;
* **pure-Python BM25**: dict postings, AND of the terms, heap top-10 (the floor);
* **emulator** (when osmem-server and opensearch-py are installed): figdex's OpenSearch
  backend (``OpenSearchIndex.rebuild`` / ``search``) and the bare client call against the
  in-memory osmem-server.  Those figures measure the emulator and the client path, not
  Elasticsearch.

Queries are two content words, ANDed, top 10, one thread.  Latencies print as ratios against
the fastest raw engine measured in the same run.

    python bench/search_backends.py                    # 10k and 100k records, emulator at 10k (~2-3 min)
    python bench/search_backends.py --million          # adds 1M (~15 minutes, a few GB of memory)
    python bench/search_backends.py --emulator-max-docs 100000   # the emulator at 100k too (+3 min)
    python bench/search_backends.py --sizes 10000 --no-emulator
"""

from __future__ import annotations

import argparse
import heapq
from array import array
from bisect import bisect_left
import json
import math
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from text_engines import caption_model, make_queries, pct  # noqa: E402

from figdex.index.documents import TEXT_FIELDS  # noqa: E402

TERMS = ["SEM", "TEM", "HRTEM", "STEM", "EDS", "XRD", "AFM", "UV-vis", "FTIR", "Raman", "schematic", "EELS"]
FIGS_PER_ARTICLE = 5


# -- the synthetic dataset ------------------------------------------------------------------------

def make_records(n: int, seed: int = 0):
    """(caption, title, abstract, labels) per record, from the real captions' unigram model."""
    vocab, freqs, lengths = caption_model()
    rng = random.Random(seed)
    cum = list(_cumulative(freqs))
    title = abstract = ""
    for i in range(n):
        if i % FIGS_PER_ARTICLE == 0:
            title = " ".join(rng.choices(vocab, cum_weights=cum, k=rng.randint(8, 14)))
            abstract = " ".join(rng.choices(vocab, cum_weights=cum, k=rng.randint(60, 120)))
        caption = " ".join(rng.choices(vocab, cum_weights=cum, k=rng.choice(lengths)))
        labels = rng.sample(TERMS, rng.randint(1, 2)) if rng.random() < 0.33 else []
        yield caption, title, abstract, labels


def _cumulative(freqs):
    total = 0
    for f in freqs:
        total += f
        yield total


def build_dataset(root: Path, records) -> "Dataset":
    from figdex.index.db import Dataset, now

    ds = Dataset.open(root)
    stamp = now()
    arts, figs, masters, labels = [], [], [], []
    for i, (caption, title, abstract, labs) in enumerate(records):
        a = i // FIGS_PER_ARTICLE + 1
        if i % FIGS_PER_ARTICLE == 0:
            arts.append((a, f"doi:10.0000/bench.{a}", f"10.0000/bench.{a}", title, f"Journal {a % 40}", "bench",
                         2000 + a % 25, abstract, "CC-BY-4.0", 1, "bench", "full", stamp))
        figs.append((i + 1, f"doi:10.0000/bench.{a}/fig{i}", a, i % FIGS_PER_ARTICLE + 1, f"Fig. {i}", caption,
                     "missing", stamp))
        masters.append((i + 1, f"doi:10.0000/bench.{a}/fig{i}/0", f"bench-{a}-fig{i}-0", i + 1, caption, stamp))
        labels.extend((i + 1, "term", lab, stamp) for lab in labs)
    with ds.transaction() as conn:
        conn.executemany("INSERT INTO articles(id, key, doi, title, journal, publisher, year, abstract, license, "
                         "open_access, source_file, access, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", arts)
        conn.executemany("INSERT INTO figures(id, key, article_id, number, label, caption, image_status, updated_at) "
                         "VALUES (?,?,?,?,?,?,?,?)", figs)
        conn.executemany("INSERT INTO master_images(id, key, uid, figure_id, subcaption, updated_at) "
                         "VALUES (?,?,?,?,?,?)", masters)
        conn.executemany("INSERT INTO labels(master_image_id, kind, value, created_at) VALUES (?,?,?,?)", labels)
    return ds


def documents(ds) -> list[tuple[int, dict]]:
    """The indexed text of every record, materialised once for the raw engines (titles and
    abstracts interned: five records share them, as figures of one article do)."""
    from figdex.index.documents import master_documents

    out = []
    for d in master_documents(ds.conn):
        text = {f: d[f] for f in TEXT_FIELDS}
        text["title"], text["abstract"] = sys.intern(text["title"]), sys.intern(text["abstract"])
        out.append((d["id"], text))
    return out


# -- engines ----------------------------------------------------------------------------------------

def timed(fn, queries):
    times = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        times.append(time.perf_counter() - t)
    return times


def bench_figdex(ds, queries):
    from figdex.index.fulltext import create_text_index
    from figdex.retrieval.search import search

    index = create_text_index("fts5", ds.conn, ds.root)
    t0 = time.perf_counter()
    n = index.rebuild()
    build = time.perf_counter() - t0
    times = timed(lambda q: search(ds, q, limit=10, index=index), queries)
    return n / build, times


def bench_raw_fts5(ds, queries):
    """The bare engine call on figdex's own FTS5 table: MATCH, weighted bm25, top 10 rowids."""
    weights = ", ".join(str(w) for w in TEXT_FIELDS.values())
    sql = f"SELECT rowid FROM fts_master WHERE fts_master MATCH ? ORDER BY bm25(fts_master, {weights}) LIMIT 10"
    conn = ds.conn
    return timed(lambda q: conn.execute(sql, (" AND ".join(f'"{w}"' for w in q.split()),)).fetchall(), queries)


def bench_raw_fts5_build(docs):
    conn = sqlite3.connect(":memory:")
    cols = list(TEXT_FIELDS)
    conn.execute(f"CREATE VIRTUAL TABLE t USING fts5({', '.join(cols)}, "
                 "tokenize='porter unicode61 remove_diacritics 2')")
    t0 = time.perf_counter()
    with conn:
        conn.executemany(f"INSERT INTO t(rowid, {', '.join(cols)}) VALUES (?{', ?' * len(cols)})",
                         ((i, *(d[c] for c in cols)) for i, d in docs))
        conn.execute("INSERT INTO t(t) VALUES ('optimize')")
    return len(docs) / (time.perf_counter() - t0)


def bench_tantivy(docs, queries, tmpdir):
    try:
        import tantivy
    except ImportError:
        return None, None
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name="en_stem")
    Path(tmpdir).mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(sb.build(), path=str(tmpdir))
    t0 = time.perf_counter()
    writer = index.writer(heap_size=200_000_000, num_threads=1)
    for i, d in docs:
        writer.add_document(tantivy.Document(id=i, **{k: v for k, v in d.items() if v}))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    rate = len(docs) / (time.perf_counter() - t0)
    searcher = index.searcher()
    fields = list(TEXT_FIELDS)

    def one(q):
        query = index.parse_query(" ".join(f'"{w}"' for w in q.split()), fields, field_boosts=dict(TEXT_FIELDS),
                                  conjunction_by_default=True)
        searcher.search(query, 10)

    return rate, timed(one, queries)


class PyBM25:
    """Pure-Python BM25 over the same weighted fields (one bag of column-weighted term
    frequencies, as FTS5's bm25 does); crude stemming (lower case, a plural 's' stripped).
    Postings are sorted arrays of doc ids and weighted frequencies (compact enough for 1M
    records); an AND query walks the shortest list and binary-searches the others."""

    TOKEN = re.compile(r"[a-z0-9]+")

    def __init__(self, docs, k1=1.2, b=0.75):
        self.k1, self.b = k1, b
        self.ids: dict[str, array] = {}
        self.tfs: dict[str, array] = {}
        self.length: dict[int, int] = {}
        for i, d in docs:  # ids ascending: the postings stay sorted
            tf = Counter()
            n = 0
            for name, weight in TEXT_FIELDS.items():
                for tok in self.tokens(d[name]):
                    tf[tok] += weight
                    n += 1
            self.length[i] = n
            for tok, f in tf.items():
                if tok not in self.ids:
                    self.ids[tok], self.tfs[tok] = array("i"), array("f")
                self.ids[tok].append(i)
                self.tfs[tok].append(f)
        self.n = len(self.length)
        self.avgdl = sum(self.length.values()) / max(1, self.n)

    def tokens(self, text):
        return [t[:-1] if t.endswith("s") and len(t) > 3 else t for t in self.TOKEN.findall(text.lower())]

    def search(self, query, k=10):
        terms = self.tokens(query)
        if not terms or any(t not in self.ids for t in terms):
            return []
        terms.sort(key=lambda t: len(self.ids[t]))
        idf = [math.log(1 + (self.n - len(self.ids[t]) + 0.5) / (len(self.ids[t]) + 0.5)) for t in terms]
        first, rest = terms[0], terms[1:]
        scored = []
        for doc, f0 in zip(self.ids[first], self.tfs[first]):
            freqs = [f0]
            for t in rest:
                ids = self.ids[t]
                j = bisect_left(ids, doc)
                if j == len(ids) or ids[j] != doc:
                    break
                freqs.append(self.tfs[t][j])
            else:
                norm = self.k1 * (1 - self.b + self.b * self.length[doc] / self.avgdl)
                scored.append((sum(w * f * (self.k1 + 1) / (f + norm) for w, f in zip(idf, freqs)), doc))
        return heapq.nlargest(k, scored)


def bench_python(docs, queries):
    t0 = time.perf_counter()
    engine = PyBM25(docs)
    rate = len(docs) / (time.perf_counter() - t0)
    return rate, timed(engine.search, queries)


def bench_emulator(ds, queries, max_docs):
    try:
        from opensearchpy import OpenSearch
        from osmem_server import OsmemServer
    except ImportError:
        return None
    from figdex.index.fulltext import create_text_index
    from figdex.retrieval.search import search

    n = ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
    if n > max_docs:
        return {"skipped": f"{n} records > --emulator-max-docs {max_docs}"}
    with OsmemServer.start(addr="127.0.0.1:0", japanese=False) as server:
        index = create_text_index("opensearch", ds.conn, ds.root, url=server.url, index="bench", batch_size=1000)
        t0 = time.perf_counter()
        pushed = index.rebuild()
        rate = pushed / (time.perf_counter() - t0)
        figdex_times = timed(lambda q: search(ds, q, limit=10, index=index), queries)
        client = OpenSearch(hosts=[server.url])
        fields = [f"{k}^{v:g}" for k, v in TEXT_FIELDS.items()]

        def raw(q):
            client.search(index="bench", body={"size": 10, "_source": False, "query": {
                "multi_match": {"query": q, "fields": fields, "type": "most_fields", "operator": "and"}}})

        raw_times = timed(raw, queries)
        # The bare bulk call: the same documents, already converted, in batches of 1000.
        from figdex.index.documents import master_documents
        from figdex.index.es_documents import SETTINGS, es_document, mappings

        client.indices.create(index="bench-raw", body={"settings": SETTINGS, "mappings": mappings()})
        docs = [es_document(d) for d in master_documents(ds.conn)]
        t0 = time.perf_counter()
        for start in range(0, len(docs), 1000):
            ops = []
            for d in docs[start:start + 1000]:
                ops += [{"index": {"_index": "bench-raw", "_id": str(d["id"])}}, d]
            client.bulk(body=ops)
        raw_rate = len(docs) / (time.perf_counter() - t0)
    return {"index_rate": rate, "raw_index_rate": raw_rate, "figdex": figdex_times, "raw": raw_times}


# -- report -----------------------------------------------------------------------------------------

def summary(times):
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "qps": len(times) / sum(times),
            "mean_ms": statistics.mean(times) * 1000}


def run(n: int, n_queries: int, emulator: bool, emulator_max: int) -> dict:
    queries = make_queries(n_queries)
    with tempfile.TemporaryDirectory() as tmp:
        ds = build_dataset(Path(tmp) / "ds", make_records(n))
        fig_rate, fig_times = bench_figdex(ds, queries)
        docs = documents(ds)
        out = {"records": n, "queries": n_queries, "engines": {}, "index_docs_per_s": {}}
        out["engines"]["figdex embedded (search())"] = summary(fig_times)
        out["index_docs_per_s"]["figdex embedded (Fts5Index.rebuild)"] = fig_rate
        out["engines"]["raw FTS5"] = summary(bench_raw_fts5(ds, queries))
        out["index_docs_per_s"]["raw FTS5"] = bench_raw_fts5_build(docs)
        t_rate, t_times = bench_tantivy(docs, queries, Path(tmp) / "tantivy")
        if t_times is not None:
            out["engines"]["raw tantivy"] = summary(t_times)
            out["index_docs_per_s"]["raw tantivy"] = t_rate
        p_rate, p_times = bench_python(docs, queries)
        out["engines"]["pure-Python BM25"] = summary(p_times)
        out["index_docs_per_s"]["pure-Python BM25"] = p_rate
        if emulator:
            emu = bench_emulator(ds, queries, emulator_max)
            if emu is None:
                out["emulator"] = {"skipped": "osmem-server / opensearch-py not installed"}
            elif "skipped" in emu:
                out["emulator"] = emu
            else:
                out["emulator"] = {
                    "figdex opensearch backend (search())": summary(emu["figdex"]),
                    "raw opensearch-py call": summary(emu["raw"]),
                    "index_docs_per_s (OpenSearchIndex.rebuild, bulk)": emu["index_rate"],
                    "index_docs_per_s (raw opensearch-py bulk)": emu["raw_index_rate"],
                }
        ds.close()
    raw = {k: v for k, v in out["engines"].items() if k.startswith("raw")}
    fastest = min(raw, key=lambda k: raw[k]["p50_ms"])
    out["fastest_raw"] = fastest
    fig = out["engines"]["figdex embedded (search())"]
    out["ratios"] = {
        f"figdex p50 / {fastest} p50": fig["p50_ms"] / raw[fastest]["p50_ms"],
        f"figdex p95 / {fastest} p95": fig["p95_ms"] / raw[fastest]["p95_ms"],
        "figdex p50 / raw FTS5 p50": fig["p50_ms"] / raw["raw FTS5"]["p50_ms"],
        "figdex p95 / raw FTS5 p95": fig["p95_ms"] / raw["raw FTS5"]["p95_ms"],
        "pure-Python p50 / figdex p50": out["engines"]["pure-Python BM25"]["p50_ms"] / fig["p50_ms"],
        "figdex qps / pure-Python qps": fig["qps"] / out["engines"]["pure-Python BM25"]["qps"],
    }
    return out


def print_report(r: dict) -> None:
    print(f"\n== {r['records']:,} records, {r['queries']} two-term AND queries, top 10, one thread")
    fastest = r["engines"][r["fastest_raw"]]
    print(f"{'engine':<34} {'p50 ms':>8} {'p95 ms':>8} {'q/s':>8}   p50 / p95 vs {r['fastest_raw']}")
    for name, s in r["engines"].items():
        print(f"{name:<34} {s['p50_ms']:8.3f} {s['p95_ms']:8.3f} {s['qps']:8.0f}   "
              f"{s['p50_ms'] / fastest['p50_ms']:.2f} / {s['p95_ms'] / fastest['p95_ms']:.2f}")
    for name, value in r["ratios"].items():
        print(f"  {name}: {value:.2f}")
    print("indexing (documents/s):")
    for name, rate in r["index_docs_per_s"].items():
        print(f"  {name:<40} {rate:10.0f}")
    emu = r.get("emulator")
    if emu:
        print("EMULATOR (osmem-server, an in-memory OpenSearch stand-in; not Elasticsearch performance):")
        if "skipped" in emu:
            print(f"  skipped: {emu['skipped']}")
        else:
            for name, s in emu.items():
                if isinstance(s, dict):
                    print(f"  {name:<38} p50 {s['p50_ms']:8.3f} ms  p95 {s['p95_ms']:8.3f} ms  {s['qps']:6.0f} q/s")
                else:
                    print(f"  {name:<38} {s:10.0f}")
            f, raw = emu["figdex opensearch backend (search())"], emu["raw opensearch-py call"]
            print(f"  emulator: figdex backend p50 / raw client call p50: {f['p50_ms'] / raw['p50_ms']:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated record counts")
    ap.add_argument("--million", action="store_true", help="also run 1,000,000 records (tens of minutes)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--no-emulator", dest="emulator", action="store_false")
    ap.add_argument("--emulator-max-docs", type=int, default=10_000,
                    help="skip the emulator above this many records (it indexes ~700 documents/s and holds "
                         "everything in memory: 100k takes about 3 minutes)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if args.million and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    results = []
    for n in sizes:
        r = run(n, args.queries, args.emulator, args.emulator_max_docs)
        print_report(r)
        results.append(r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
