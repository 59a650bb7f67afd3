"""Vector index at scale: approximate vs exact search, and figdex `similar` vs the raw FAISS call.

For each collection size (10k and 100k by default, 1M with --million) the database is the
real EfficientNet-Lite0 embeddings of the ../shared/corpus micrographs plus vectors generated
from their distribution: a Gaussian mixture fitted on the real vectors (k-means components,
each with its own mean, top principal axes and isotropic residual; samples L2-normalised).
Queries: the real embeddings of transformed copies of corpus micrographs (the
copy-detection queries of bench/retrieval_quality.py) and fresh samples of the mixture.

Reported in the same run, as ratios:
* recall@10 of the index figdex builds (index/vectors.py factory_for) vs exact search
  (target >= 0.95);
* single-query latency (one FAISS thread, p50) of that index vs exact search (brute-force inner product, the
  IndexFlat code path; target <= 1/100 at 1M);
* figdex `similar` (retrieval/similar.py: query by id, filters, scale re-ranking, hits from
  SQLite) vs the raw FAISS call on the same loaded index (target <= 1.5x), both with the
  index loaded once ("warm"), and `similar` as the CLI runs it (it loads the index per call);
* memory per vector: the index file, and the resident memory the loaded index takes.

    python bench/vector_scale.py                     # 10k and 100k (a few minutes on 2 cores)
    python bench/vector_scale.py --million           # + 1M (about 6 GB of RAM per copy; long)
    python bench/vector_scale.py --sizes 10000 --factory "IVF256,Flat" --nprobe 16
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import retrieval_quality as rq  # noqa: E402

from figdex.index.vectors import VectorIndex, factory_for  # noqa: E402
from figdex.models.tuning import FeatureCache  # noqa: E402

EMBEDDER = "efficientnet-lite0"


# -- real vectors and the mixture ---------------------------------------------------------------
def real_vectors(corpus: Path, log) -> tuple[np.ndarray, np.ndarray]:
    """(database part, queries): Lite0 vectors of the corpus micrographs and of transformed copies."""
    from figdex.models.embedders import create_embedder

    emb = create_embedder(EMBEDDER)
    cache = FeatureCache(emb.config.id)
    items = rq.dedupe(rq.glob_items(corpus, rq.QUERY_SOURCES) + rq.glob_items(corpus, rq.DISTRACTOR_SOURCES))
    log(f"real vectors: {len(items)} corpus micrographs (cached in {cache.folder})")
    base = cache.get(emb, [it.key for it in items], lambda i: items[i].load(), progress=rq.progress(log, EMBEDDER))
    args = argparse.Namespace(seed=0, full=False, per_source=30, distractors=150, separated=False, crop="area")
    rng = np.random.default_rng(args.seed)  # the copy-detection queries, exactly as retrieval_quality draws them
    pool = rq.dedupe(rq.glob_items(corpus, rq.QUERY_SOURCES))
    queries = []
    for src in sorted({it.source for it in pool}):
        members = [it for it in pool if it.source == src]
        queries += [members[i] for i in np.sort(rng.choice(len(members), min(args.per_source, len(members)),
                                                          replace=False))]
    keys = [f"{it.key}|copy:{rq.TRANSFORM_VERSION}:area:0:{i}" for i, it in enumerate(queries)]
    copies = cache.get(emb, keys, lambda i: rq.transform_copy(queries[i].load(), np.random.default_rng([0, i])),
                       progress=rq.progress(log, EMBEDDER + " copies"))
    return base, copies


class Mixture:
    """Gaussian mixture on the sphere's neighbourhood: per component a mean, ``rank`` principal
    axes with their variances, and an isotropic residual; samples are L2-normalised."""

    def __init__(self, x: np.ndarray, k: int = 32, rank: int = 16, seed: int = 0):
        import faiss

        x = np.ascontiguousarray(x, np.float32)
        k = max(1, min(k, len(x) // 40))  # k-means wants ~40 points per component
        km = faiss.Kmeans(x.shape[1], k, niter=25, seed=seed, spherical=True, verbose=False)
        km.train(x)
        _, assign = km.index.search(x, 1)
        self.means, self.axes, self.scales, self.sigma, self.weights = [], [], [], [], []
        d = x.shape[1]
        for c in range(k):
            members = x[assign[:, 0] == c]
            if len(members) < 2:
                continue
            mu = members.mean(0)
            res = members - mu
            _, s, vt = np.linalg.svd(res, full_matrices=False)
            r = min(rank, len(members) - 1)
            var = s ** 2 / (len(members) - 1)
            total = var.sum()
            self.means.append(mu)
            self.axes.append(vt[:r])
            self.scales.append(np.sqrt(var[:r]))
            self.sigma.append(np.sqrt(max(total - var[:r].sum(), 1e-12) / max(1, d - r)))
            self.weights.append(len(members))
        self.weights = np.array(self.weights, float) / sum(self.weights)
        self.dim = d

    def sample(self, n: int, seed: int, chunk: int = 50_000) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = np.empty((n, self.dim), np.float32)
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            comp = rng.choice(len(self.weights), m, p=self.weights)
            block = rng.standard_normal((m, self.dim), dtype=np.float32)
            for c in np.unique(comp):
                rows = np.flatnonzero(comp == c)
                z = rng.standard_normal((len(rows), len(self.scales[c])), dtype=np.float32)
                block[rows] = self.means[c] + (z * self.scales[c]) @ self.axes[c] + block[rows] * self.sigma[c]
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            out[start:start + m] = block
        return out


# -- measurements ------------------------------------------------------------------------------
def load_rss(path: Path) -> int:
    """Resident memory a fresh process gains by loading the index (no mmap): the RAM it needs."""
    import subprocess

    code = ("import sys; from pathlib import Path; import faiss; from figdex.index.vectors import VectorIndex; "
            "from bench_rss import rss; b = rss(); i = VectorIndex.load(Path(sys.argv[1]), mmap=False); "
            "print(rss() - b)")
    code = code.replace("from bench_rss import rss", "exec(sys.argv[2])")
    helper = ("def rss():\n    for line in open('/proc/self/status'):\n        if line.startswith('VmRSS:'):\n"
              "            return int(line.split()[1]) * 1024\n")
    out = subprocess.run([sys.executable, "-c", code, str(path), helper], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def single_query_ms(fn, queries: np.ndarray, repeat: int = 1) -> np.ndarray:
    times = []
    for _ in range(repeat):
        for q in queries:
            t0 = time.perf_counter()
            fn(q[None])
            times.append((time.perf_counter() - t0) * 1000)
    return np.array(times)


def exact_knn(db: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    import faiss

    _, idx = faiss.knn(np.ascontiguousarray(queries), db, k, metric=faiss.METRIC_INNER_PRODUCT)
    return idx


def synthetic_dataset(root: Path, n: int, log):
    """A dataset whose master_images are ids 1..n (100 per article, 10 per figure)."""
    from figdex.index.db import Dataset, now

    ds = Dataset.open(root)
    t = now()
    with ds.transaction():
        ds.conn.executemany(
            "INSERT INTO articles(id, key, doi, title, journal, publisher, year, source_file, access, updated_at) "
            "VALUES (?, ?, ?, ?, 'Bench J.', 'bench', 2020, 'bench', 'full', ?)",
            ((a, f"doi:10.0/{a}", f"10.0/{a}", f"article {a}", t) for a in range(1, n // 100 + 2)))
        ds.conn.executemany(
            "INSERT INTO figures(id, key, article_id, number, label, image_status, image_path, updated_at) "
            "VALUES (?, ?, ?, ?, ?, 'ok', ?, ?)",
            ((f, f"doi:10.0/{f // 10 + 1}/fig{f}", (f - 1) // 10 + 1, f, f"Figure {f}", f"figures/{f}.png", t)
             for f in range(1, n // 10 + 2)))
        ds.conn.executemany(
            "INSERT INTO master_images(id, key, uid, figure_id, panel, image_class, nm_per_px, updated_at) "
            "VALUES (?, ?, ?, ?, 'a', 'microscopy', ?, ?)",
            ((m, f"m{m}", f"m{m}", (m - 1) // 10 + 1, float(1 + m % 7), t) for m in range(1, n + 1)))
    log(f"  synthetic dataset: {n} master images in {root}")
    return ds


def bench_size(n: int, real: np.ndarray, copies: np.ndarray, mix: Mixture, args, log) -> dict:
    import faiss

    from figdex.index.vectors import VectorIndex
    from figdex.ingest.embed import index_path
    from figdex.index.vectors import store_vectors
    import figdex.retrieval.similar as sim

    t0 = time.perf_counter()
    n_real = min(len(real), n)
    db = np.empty((n, real.shape[1]), np.float32)
    db[:n_real] = real[:n_real]
    if n > n_real:
        db[n_real:] = mix.sample(n - n_real, seed=n)
    ids = np.arange(1, n + 1, dtype=np.int64)  # = master_images.id of the synthetic dataset
    fresh = mix.sample(max(0, args.queries - len(copies)), seed=1)
    queries = np.concatenate([copies[: args.queries], fresh])[: args.queries]
    log(f"n={n}: {n_real} real + {n - n_real} generated vectors, {len(queries)} queries "
        f"({min(len(copies), args.queries)} real copies) ({time.perf_counter() - t0:.0f}s)")

    # exact: ground truth (all threads) and single-query latency (one thread)
    faiss.omp_set_num_threads(args.build_threads)
    truth = exact_knn(db, queries, 10)
    faiss.omp_set_num_threads(args.threads)
    lat_q = queries[: args.latency_queries]
    exact_ms = single_query_ms(lambda q: exact_knn(db, q, 10), lat_q)

    # the index figdex builds
    factory, nprobe = (args.factory, args.nprobe) if args.factory else factory_for(n, db.shape[1])
    t0 = time.perf_counter()
    faiss.omp_set_num_threads(args.build_threads)
    index = VectorIndex.build(f"{EMBEDDER}@1", ids, db, factory=factory, nprobe=nprobe)
    build_s = time.perf_counter() - t0
    faiss.omp_set_num_threads(args.threads)
    _, got = index.search(queries, 10)
    recall = float(np.mean([len(set(t) & set(g - 1)) / 10 for t, g in zip(truth, got)]))
    approx_ms = single_query_ms(lambda q: index.search(q, 10), lat_q, repeat=3)

    # persistence and memory
    folder = Path(tempfile.mkdtemp(prefix="figdex-vscale-", dir=args.tmp))
    ds = synthetic_dataset(folder / "ds", n, log)
    ds.set_config(embedder=EMBEDDER)
    path = index_path(ds, f"{EMBEDDER}@1")
    index.save(path)
    file_bytes = path.stat().st_size
    del index
    rss_per_vec = load_rss(path) / n
    loaded = VectorIndex.load(path, mmap=False)
    t0 = time.perf_counter()
    VectorIndex.load(path)  # as `similar` does on every call (memory-mapped where FAISS can)
    load_ms = (time.perf_counter() - t0) * 1000

    # figdex similar vs the raw FAISS call, same query vectors (ids already in the dataset)
    rng = np.random.default_rng(0)
    qids = np.sort(rng.choice(ids, args.similar_queries, replace=False))
    with ds.transaction():
        store_vectors(ds.conn, f"{EMBEDDER}@1", qids, db[qids - 1], ["bench"] * len(qids))
    raw_ms = single_query_ms(lambda q: loaded.index.search(q, 10), db[qids - 1], repeat=3)
    raw101_ms = single_query_ms(lambda q: loaded.index.search(q, 10 * sim.OVERFETCH + 1), db[qids - 1], repeat=3)
    original = sim._index
    sim._index = lambda _ds: (loaded, loaded.info.embedder)  # index held in memory (a server)
    try:
        warm = [], []
        for rep in range(3):
            for q in qids:
                t1 = time.perf_counter()
                hits = sim.similar(ds, f"m{q}", limit=10)
                warm[0].append((time.perf_counter() - t1) * 1000)
        assert hits and len(hits) == 10, "similar returned too few hits"
    finally:
        sim._index = original
    cold = []
    for q in qids[: max(3, len(qids) // 5)]:
        t1 = time.perf_counter()
        sim.similar(ds, f"m{q}", limit=10)
        cold.append((time.perf_counter() - t1) * 1000)
    ds.close()
    shutil_rmtree(folder)
    row = {
        "n": n, "real": n_real, "factory": factory, "nprobe": nprobe, "build_s": round(build_s, 1),
        "recall@10": recall,
        "exact_ms_p50": float(np.median(exact_ms)), "index_ms_p50": float(np.median(approx_ms)),
        "latency_ratio": float(np.median(approx_ms) / np.median(exact_ms)),
        "raw_faiss_ms_p50": float(np.median(raw_ms)), "raw_faiss_k101_ms_p50": float(np.median(raw101_ms)),
        "similar_warm_ms_p50": float(np.median(warm[0])),
        "similar_ratio": float(np.median(warm[0]) / np.median(raw_ms)),
        "similar_cli_ms_p50": float(np.median(cold)), "index_load_ms": load_ms,
        "file_bytes_per_vector": file_bytes / n, "rss_bytes_per_vector": rss_per_vec,
    }
    log("  " + json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}))
    del loaded
    return row


def shutil_rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=rq.DEFAULT_CORPUS)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--million", action="store_true", help="add 1,000,000 vectors")
    ap.add_argument("--queries", type=int, default=200, help="recall queries (real copies first, then generated)")
    ap.add_argument("--latency-queries", type=int, default=50, help="single-query latency samples")
    ap.add_argument("--similar-queries", type=int, default=30)
    ap.add_argument("--factory", help="FAISS factory instead of factory_for (with --nprobe)")
    ap.add_argument("--nprobe", type=int)
    ap.add_argument("--threads", type=int, default=1,
                    help="FAISS threads for the timed single queries (default 1: one query per core, as a server "
                         "answers concurrent users; it also keeps OpenMP barriers out of sub-ms timings)")
    ap.add_argument("--build-threads", type=int, default=int(os.environ.get("FIGDEX_THREADS", "2")))
    ap.add_argument("--tmp", default=None, help="folder for the synthetic datasets (default: system temp)")
    ap.add_argument("--out", type=Path, default=rq.RESULTS / "vector_scale.json")
    args = ap.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    import faiss

    threads = args.threads
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([1_000_000] if args.million else [])
    real, copies = real_vectors(args.corpus, log)
    mix = Mixture(real, seed=0)
    log(f"mixture: {len(mix.weights)} components fitted on {len(real)} real {real.shape[1]}-d vectors")
    rows = [bench_size(n, real, copies, mix, args, log) for n in sizes]
    print(f"\n### Vector index at scale ({EMBEDDER}, {real.shape[1]}-d, FAISS {faiss.__version__}, "
          f"single-query latency p50 on {threads} thread(s))\n")
    print("| vectors | index (factory_for) | recall@10 vs exact | exact ms | index ms | index / exact | "
          "raw FAISS ms | similar ms (warm) | similar / raw | similar ms (CLI, loads index) | "
          "bytes/vector file | bytes/vector RAM | build s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['factory']} nprobe={r['nprobe']} | {r['recall@10']:.3f} | {r['exact_ms_p50']:.2f} | "
              f"{r['index_ms_p50']:.3f} | 1/{1 / r['latency_ratio']:.0f} | {r['raw_faiss_ms_p50']:.3f} | "
              f"{r['similar_warm_ms_p50']:.2f} | {r['similar_ratio']:.1f}x | {r['similar_cli_ms_p50']:.0f} | "
              f"{r['file_bytes_per_vector']:.0f} | {r['rss_bytes_per_vector']:.0f} | {r['build_s']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=2) + "\n")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
