"""figdex's search backends against raw engine calls and a pure-Python BM25, in one run.

Synthetic records are sampled from the word distribution of the demo corpus's real captions
(``text_engines.caption_model``): one master image per record with a caption (also its
sub-caption, as whole-figure masters have), an article title and abstract shared by five
figures, and "term" labels on a third of the records.  They are written as dataset rows, so
figdex's own code paths run on them:

* **figdex search() [tantivy]** and **[fts5]**: ``retrieval.search.search`` on each embedded text
  index (tantivy is the default), what a caller gets: query parsing, weighted BM25, the total
  count, a snippet per hit and the hit rows (DOI, title, journal, caption, labels... as ``Hit``);
  ``TantivyIndex.rebuild`` / ``Fts5Index.rebuild`` for indexing throughput;
* **figdex TantivyIndex.search()** / **Fts5Index.search()**: the text index's own call (parse,
  ids, scores, total, snippets), without the hit rows;
* **raw FTS5**: the cheapest call returning the same top 10 ids and scores as figdex: ``MATCH``,
  weighted ``bm25()``, ``ORDER BY`` score then id, ``LIMIT 10``, on the same table, on a plain
  connection; no total, no snippets, no rows;
* **raw tantivy**: the same five fields and weights, parse + top-10 search with the total and the
  ids of the ten (its own BM25 per field and stemmer: not FTS5's top 10, the run reports the
  overlap; figdex's tantivy backend shares its top 10);
* **pure-Python BM25** (``py_bm25.py``): a positional inverted index in plain Python with FTS5's
  tokens (Porter), phrases and bm25; the run checks that its top 10 (ids and scores) is raw FTS5's;
* **emulator** (when osmem-server and opensearch-py are installed): figdex's OpenSearch
  backend (``OpenSearchIndex.rebuild`` / ``search``) and the bare client call against the
  in-memory osmem-server.  Those figures measure the emulator and the client path, not
  Elasticsearch.

Queries are two content words, ANDed, top 10, one thread; each engine runs every query in a
warm-up pass and ``--repeat`` timed passes (``timed``), and keeps its best time per query.
Latencies print as ratios against the fastest raw engine measured in the same run.

    python bench/search_backends.py                    # 10k and 100k records, emulator at 10k (~8 min)
    python bench/search_backends.py --sizes 1000000    # 1M alone (~19 minutes, 6.2 GB peak RSS)
    python bench/search_backends.py --million          # 10k, 100k and 1M
    python bench/search_backends.py --emulator-max-docs 100000   # the emulator at 100k too (+3 min)
    python bench/search_backends.py --sizes 10000 --no-emulator
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from py_bm25 import PyBM25  # noqa: E402
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
#
# Every engine is built first; then each pass runs all queries on one engine after the other (each
# engine in its own tight loop, its caches warm, as a raw engine is usually measured), the order of
# the engines rotating from pass to pass.  One warm-up pass, then ``repeat`` timed passes; each
# (engine, query) keeps its fastest pass.  Two clocks are read around every call: wall-clock time
# (the latency) and this process's CPU time, which the other jobs of a shared machine do not
# inflate (every engine but the emulator answers in this process, on one thread).


def timed(engines: dict, queries, repeat: int = 3) -> dict[str, dict[str, list[float]]]:
    """{"wall": {engine: best seconds per query}, "cpu": {...}}."""
    best = {clock: {name: [math.inf] * len(queries) for name in engines} for clock in ("wall", "cpu")}
    names = list(engines)
    wall, cpu = time.perf_counter, time.process_time
    for rnd in range(repeat + 1):
        for name in names[rnd % len(names):] + names[:rnd % len(names)]:
            fn, w_best, c_best = engines[name], best["wall"][name], best["cpu"][name]
            for i, q in enumerate(queries):
                w0, c0 = wall(), cpu()
                fn(q)
                c1, w1 = cpu(), wall()
                if rnd:
                    w_best[i] = min(w_best[i], w1 - w0)
                    c_best[i] = min(c_best[i], c1 - c0)
    return best


def fts5_expr(q: str) -> str:
    return " AND ".join(f'"{w}"' for w in q.split())


def figdex_engines(ds):
    """figdex's rebuild rate and its two search calls: ``search()`` (Hits) and the index's own."""
    from figdex.index.fulltext import create_text_index
    from figdex.index.query import SearchFilters, parse_user_query
    from figdex.retrieval.search import search

    from figdex.index.db import Dataset

    rates, engines = {}, {}
    no_filters = SearchFilters()
    for backend, label in (("fts5", "Fts5Index"), ("tantivy", "TantivyIndex")):
        # Each backend searches on its own connection, as a process using that backend would: the
        # FTS5 rows fill their connection's page cache with FTS pages, which would otherwise evict
        # the rows tantivy's hits are read from.
        own = ds if backend == "fts5" else Dataset.open(ds.root, create=False)
        try:
            index = create_text_index(backend, own.conn, own.root)
            t0 = time.perf_counter()
            n = index.rebuild()
        except Exception as exc:  # tantivy not installed: the FTS5 rows alone
            print(f"skipped the {backend} backend: {exc}", file=sys.stderr)
            continue
        rates[f"figdex {backend} ({label}.rebuild)"] = n / (time.perf_counter() - t0)
        engines[f"figdex search() [{backend}]"] = lambda q, index=index, own=own: search(own, q, limit=10, index=index)
        engines[f"figdex {label}.search()"] = \
            lambda q, index=index: index.search(parse_user_query(q), no_filters, 10)
    return rates, engines


def raw_fts5_engine(db_path):
    """The bare engine call on figdex's own FTS5 table, on a plain connection (tuple rows) with
    the page cache figdex gives its searching connection: MATCH, weighted bm25, the top 10 ids
    and scores in figdex's order (score, then id)."""
    from figdex.index.fulltext import Fts5Index

    weights = ", ".join(str(w) for w in TEXT_FIELDS.values())
    sql = (f"SELECT rowid, bm25(fts_master, {weights}) AS s FROM fts_master WHERE fts_master MATCH ? "
           "ORDER BY s, rowid LIMIT 10")
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA cache_size = -{Fts5Index.search_cache_kib}")
    return lambda q: conn.execute(sql, (fts5_expr(q),)).fetchall()


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
    rate = len(docs) / (time.perf_counter() - t0)
    conn.close()
    return rate


def tantivy_engine(docs, tmpdir):
    """tantivy with the same five fields and weights (its own BM25 per field and English stemmer,
    so its top 10 is not FTS5's): parse + top-10 search.  Returns (rate, engine, ids-of-top-10)."""
    try:
        import tantivy
    except ImportError:
        return None, None, None
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
        """Parse, top 10 by score with the total count, and the ids of the 10 (from the fast field)."""
        query = index.parse_query(" ".join(f'"{w}"' for w in q.split()), fields, field_boosts=dict(TEXT_FIELDS),
                                  conjunction_by_default=True)
        result = searcher.search(query, 10)
        addresses = [addr for _, addr in result.hits]
        return result, (searcher.fast_field_values("id", addresses) if addresses else [])

    def top_ids(q):
        return list(one(q)[1])

    return rate, one, top_ids


def python_engine(docs):
    """The pure-Python floor (bench/py_bm25.py): the same tokens, phrases and bm25 as FTS5."""
    t0 = time.perf_counter()
    engine = PyBM25(docs, TEXT_FIELDS)
    return len(docs) / (time.perf_counter() - t0), engine.search


def bench_emulator(ds, queries, max_docs, repeat):
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
        client = OpenSearch(hosts=[server.url])
        fields = [f"{k}^{v:g}" for k, v in TEXT_FIELDS.items()]

        def raw(q):
            client.search(index="bench", body={"size": 10, "_source": False, "query": {
                "multi_match": {"query": q, "fields": fields, "type": "most_fields", "operator": "and"}}})

        # Wall-clock only: the emulator answers in its own process.
        times = timed({"figdex": lambda q: search(ds, q, limit=10, index=index), "raw": raw}, queries, repeat)["wall"]
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
    return {"index_rate": rate, "raw_index_rate": raw_rate, "figdex": times["figdex"], "raw": times["raw"]}


# -- report -----------------------------------------------------------------------------------------

def summary(times):
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "qps": len(times) / sum(times),
            "mean_ms": statistics.mean(times) * 1000}


def agreement(queries, raw_fts5, figdex_index, python, tantivy_ids) -> dict:
    """How far each engine's top 10 is the raw FTS5 call's (untimed, once per query)."""
    from figdex.index.query import SearchFilters, parse_user_query

    same_figdex = same_python = 0
    overlap = []
    for q in queries:
        raw = raw_fts5(q)
        hits, _ = figdex_index.search(parse_user_query(q), SearchFilters(), 10)
        same_figdex += [(h.master_id, h.score) for h in hits] == [(i, round(-s, 4)) for i, s in raw]
        py = python(q)
        same_python += [i for i, _ in py] == [i for i, _ in raw] and all(
            math.isclose(-s, ps, rel_tol=1e-9) for (_, s), (_, ps) in zip(raw, py))
        if tantivy_ids:
            ids = {i for i, _ in raw}
            overlap.append(len(ids & set(tantivy_ids(q))) / max(1, len(ids)))
    out = {"figdex top 10 (ids, scores) = raw FTS5": f"{same_figdex}/{len(queries)}",
           "pure-Python top 10 (ids, scores) = raw FTS5": f"{same_python}/{len(queries)}"}
    if overlap:
        out["tantivy top 10 shared with raw FTS5 (mean)"] = f"{statistics.mean(overlap):.0%}"
    return out


def run(n: int, n_queries: int, emulator: bool, emulator_max: int, repeat: int) -> dict:
    queries = make_queries(n_queries)
    out = {"records": n, "queries": n_queries, "repeat": repeat, "engines": {}, "index_docs_per_s": {}}
    with tempfile.TemporaryDirectory() as tmp:
        ds = build_dataset(Path(tmp) / "ds", make_records(n))
        fig_rates, engines = figdex_engines(ds)
        out["index_docs_per_s"].update(fig_rates)
        engines["raw FTS5"] = raw_fts5 = raw_fts5_engine(Path(tmp) / "ds" / "figdex.db")
        docs = documents(ds)
        out["index_docs_per_s"]["raw FTS5"] = bench_raw_fts5_build(docs)
        t_rate, t_engine, t_ids = tantivy_engine(docs, Path(tmp) / "tantivy")
        if t_engine is not None:
            engines["raw tantivy"] = t_engine
            out["index_docs_per_s"]["raw tantivy"] = t_rate
        p_rate, engines["pure-Python BM25"] = python_engine(docs)
        out["index_docs_per_s"]["pure-Python BM25"] = p_rate
        del docs
        times = timed(engines, queries, repeat)
        out["engines"] = {name: summary(t) for name, t in times["wall"].items()}
        out["engines_cpu"] = {name: summary(t) for name, t in times["cpu"].items()}
        from figdex.index.fulltext import create_text_index

        out["agreement"] = agreement(queries, raw_fts5, create_text_index("fts5", ds.conn, ds.root),
                                     engines["pure-Python BM25"], t_ids)
        if t_ids and "figdex TantivyIndex.search()" in engines:
            from figdex.index.query import SearchFilters, parse_user_query

            tv = create_text_index("tantivy", ds.conn, ds.root)
            shared = [len({h.master_id for h in tv.search(parse_user_query(q), SearchFilters(), 10)[0]}
                          & set(t_ids(q))) / 10 for q in queries]
            out["agreement"]["figdex tantivy backend top 10 shared with raw tantivy (mean)"] = \
                f"{statistics.mean(shared):.0%}"
        del engines  # the Python index: memory back before the emulator
        if emulator:
            emu = bench_emulator(ds, queries, emulator_max, repeat)
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
    raw = [k for k in out["engines"] if k.startswith("raw")]
    out["fastest_raw"] = min(raw, key=lambda k: out["engines"][k]["p50_ms"])
    out["ratios"] = {"wall": ratios(out["engines"], out["fastest_raw"]),
                     "cpu": ratios(out["engines_cpu"], min(raw, key=lambda k: out["engines_cpu"][k]["p50_ms"]))}
    return out


def ratios(e: dict, fastest: str) -> dict:
    """Each figdex backend's search() and index call against the fastest raw engine, the raw call
    of its own engine and the pure-Python floor."""
    py = e["pure-Python BM25"]
    out = {}
    for backend, label, raw_name in (("fts5", "Fts5Index", "raw FTS5"), ("tantivy", "TantivyIndex", "raw tantivy")):
        fig, idx, raw = e.get(f"figdex search() [{backend}]"), e.get(f"figdex {label}.search()"), e.get(raw_name)
        if fig is None or raw is None:
            continue
        out.update({
            f"[{backend}] search() / {fastest}, p50": fig["p50_ms"] / e[fastest]["p50_ms"],
            f"[{backend}] search() / {fastest}, p95": fig["p95_ms"] / e[fastest]["p95_ms"],
            f"[{backend}] {label}.search() / {fastest}, p50": idx["p50_ms"] / e[fastest]["p50_ms"],
            f"[{backend}] {label}.search() / {fastest}, p95": idx["p95_ms"] / e[fastest]["p95_ms"],
            f"[{backend}] search() / {raw_name}, p50": fig["p50_ms"] / raw["p50_ms"],
            f"[{backend}] search() / {raw_name}, p95": fig["p95_ms"] / raw["p95_ms"],
            f"[{backend}] pure-Python / search(), p50": py["p50_ms"] / fig["p50_ms"],
            f"[{backend}] pure-Python / search(), p95": py["p95_ms"] / fig["p95_ms"],
            f"[{backend}] search() q/s / pure-Python q/s": fig["qps"] / py["qps"],
        })
    return out


def print_report(r: dict) -> None:
    print(f"\n== {r['records']:,} records, {r['queries']} two-word AND queries, top 10, one thread, "
          f"best of {r['repeat']} passes per query")
    for clock, engines in (("wall-clock", r["engines"]), ("CPU time", r["engines_cpu"])):
        fastest = min((k for k in engines if k.startswith("raw")), key=lambda k: engines[k]["p50_ms"])
        print(f"{clock:<28} {'p50 ms':>8} {'p95 ms':>8} {'q/s':>8}   p50 / p95 vs {fastest}")
        for name, s in engines.items():
            print(f"  {name:<26} {s['p50_ms']:8.3f} {s['p95_ms']:8.3f} {s['qps']:8.0f}   "
                  f"{s['p50_ms'] / engines[fastest]['p50_ms']:.2f} / {s['p95_ms'] / engines[fastest]['p95_ms']:.2f}")
    print(f"{'ratios':<46} {'wall':>6} {'cpu':>6}")
    for (name, wall), cpu in zip(r["ratios"]["wall"].items(), r["ratios"]["cpu"].values()):
        print(f"  {name:<44} {wall:6.2f} {cpu:6.2f}")
    for name, value in r["agreement"].items():
        print(f"  {name}: {value}")
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
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per query (after one warm-up pass)")
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
        r = run(n, args.queries, args.emulator, args.emulator_max_docs, args.repeat)
        print_report(r)
        results.append(r)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
