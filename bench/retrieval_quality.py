"""Retrieval quality of the image embedders on real micrographs (issue 6, "What it must show").

Two measurements, per embedder, printed as tables (and written to bench/results/):

* copy detection: real micrographs of several sources of ../shared/corpus; each query is a
  transformed copy of one of them (random crop, rescale 0.5-1.5x, contrast + gamma, JPEG
  q30-70; seeded) and is searched against the originals plus distractor micrographs.
  recall@1 = the original ranks first; with one relevant item per query, AP = 1/rank of the
  original, so mAP here is the mean reciprocal rank.  Target: recall@1 >= 0.95.
* sibling test: images cut from the same figure (emps metadata.csv: DOI + figure locator;
  tldr_micrographs: the name gives paper and figure) should rank above images of other
  papers.  Query = every image whose figure has >= 2 images; relevant = the other images of
  its figure; images of the same paper but another figure are left out of the ranking.
  mAP, recall@1 (the first hit is a sibling) and the mAP of random rankings.

    python bench/retrieval_quality.py                     # subsample, a few minutes on 2 cores
    python bench/retrieval_quality.py --full              # every image of every source
    python bench/retrieval_quality.py --separated         # + panels that figdex's separation cuts

Base-embedder vectors are cached in bench/results/cache (FIGDEX_BENCH_CACHE), keyed by file and
transform, so a second run only embeds what is new.  A tuned embedder (a head on
EfficientNet-Lite0) reuses the Lite0 cache.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from figdex.models.embedders import EmbedderError, create_embedder
from figdex.models.ocr import load_rgb
from figdex.models.tuning import FeatureCache, base_vectors, chance_map, file_key, retrieval_map, same_label

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
RESULTS = REPO / "bench" / "results"
DEFAULT_EMBEDDERS = ("efficientnet-lite0", "efficientnet-lite0-stem", "thumbnail-16", "resnet50-gem")
TRANSFORM_VERSION = "t1"

# Sources of query micrographs (copy detection) and of distractors (index only).
QUERY_SOURCES = {
    "emps": ["emps/images/*.png"],
    "tldr": ["tldr_micrographs/*.jpg"],
    "ide-scalebar": ["ide/scalebar/*.png"],
    "nasa": ["nasa_micronet_benchmark/images/*.png"],
    "ampis": ["ampis/powder/data/images_png/*.png", "ampis/spheroidite/data/images/*.png"],
    "chenlab": ["chenlab_tem_au_nanoparticles/*/image/*.png",
                "chenlab_tem_au_nanoparticles/shape_fingerprint_examples/*/*.png"],
}
DISTRACTOR_SOURCES = {
    "atomagined": ["atomagined/**/*.png"],
    "ide-shapes": ["imagedataextractor/examples/shape/*.png"],
    "exsclaim-scale": ["exsclaim/scale_bar_test_images/*", "exsclaim/scale_label_test_images/*"],
}
COMPOUND_FIGURES = ["exsclaim/figures/*.jpg", "exsclaim/nature_ESEM/figures/*.jpg", "ide/figsplit/*.png"]
TLDR_RE = re.compile(r"^(?P<paper>.+)_fig_(?P<fig>\d+)_(?P<panel>\d+)\.jpg$")


@dataclass(frozen=True)
class Item:
    key: str        # cache key of the original
    source: str
    path: Path
    box: tuple[int, int, int, int] | None = None  # a crop of the file (separated panels)

    def load(self) -> np.ndarray:
        img = load_rgb(self.path)
        if self.box:
            x0, y0, x1, y1 = self.box
            img = img[y0:y1, x0:x1]
        return img


def glob_items(corpus: Path, sources: dict[str, list[str]]) -> list[Item]:
    items = []
    for source, patterns in sources.items():
        paths = sorted({p for pat in patterns for p in corpus.glob(pat) if p.is_file()})
        items += [Item(file_key(p, corpus), source, p) for p in paths]
    return items


def dedupe(items: list[Item]) -> list[Item]:
    """Drop exact pixel duplicates (the same micrograph in two sources), keeping the first."""
    seen, out = set(), []
    for it in items:
        img = it.load()
        digest = hashlib.sha1(img.tobytes() + str(img.shape).encode()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            out.append(it)
    return out


def separated_items(corpus: Path, log) -> list[Item]:
    """Microscopy panels that figdex's own separation cuts from the corpus's compound figures."""
    from figdex.models.ocr import get_ocr
    from figdex.models.separation import separate

    ocr = get_ocr()
    out = []
    for pat in COMPOUND_FIGURES:
        for path in sorted(corpus.glob(pat)):
            sep = separate(load_rgb(path), ocr=ocr)
            for m in sep.masters:
                x0, y0, x1, y1 = m.box
                if m.image_class == "microscopy" and min(x1 - x0, y1 - y0) >= 64:
                    out.append(Item(f"{file_key(path, corpus)}#{m.box}", "separated", path, tuple(m.box)))
            log(f"  separated {path.name}: {len(sep.masters)} masters")
    return out


def transform_copy(img: np.ndarray, rng: np.random.Generator, crop: str = "area") -> np.ndarray:
    """A transformed copy: crop (60-90 % of the area, or of each side), rescale 0.5-1.5x,
    contrast 0.7-1.3 and gamma 0.7-1.4, JPEG quality 30-70."""
    from PIL import Image

    h, w = img.shape[:2]
    if crop == "area":
        area = rng.uniform(0.6, 0.9)
        aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
        fh, fw = min(1.0, np.sqrt(area / aspect)), min(1.0, np.sqrt(area * aspect))
    else:  # "side": each side independently 60-90 % (36-81 % of the area)
        fh, fw = rng.uniform(0.6, 0.9), rng.uniform(0.6, 0.9)
    ch, cw = max(8, int(round(h * fh))), max(8, int(round(w * fw)))
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    im = Image.fromarray(np.ascontiguousarray(img[y0:y0 + ch, x0:x0 + cw]))
    s = rng.uniform(0.5, 1.5)
    im = im.resize((max(16, int(round(cw * s))), max(16, int(round(ch * s)))), Image.BICUBIC)
    f = np.asarray(im, np.float32) / 255.0
    mean = f.mean()
    f = np.clip((f - mean) * rng.uniform(0.7, 1.3) + mean, 0, 1) ** rng.uniform(0.7, 1.4)
    buf = io.BytesIO()
    Image.fromarray((f * 255).round().astype(np.uint8)).save(buf, "JPEG", quality=int(rng.integers(30, 71)))
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


# -- sibling groups ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sibling:
    item: Item
    paper: str
    figure: str  # paper + figure: what counts as "the same figure"


def sibling_items(corpus: Path) -> list[Sibling]:
    out = []
    meta = corpus / "emps" / "metadata.csv"
    if meta.exists():
        with meta.open(newline="") as fh:
            for row in csv.DictReader(fh):
                path = corpus / "emps" / "images" / row["filename"]
                if path.is_file():
                    out.append(Sibling(Item(file_key(path, corpus), "emps", path), row["doi"],
                                       f"{row['doi']}/{row['locator']}"))
    for path in sorted((corpus / "tldr_micrographs").glob("*.jpg")):
        m = TLDR_RE.match(path.name)
        if m:
            out.append(Sibling(Item(file_key(path, corpus), "tldr", path), m["paper"], f"{m['paper']}/fig{m['fig']}"))
    return out


def sibling_sets(sibs: list[Sibling], singletons: int | None, seed: int) -> tuple[list[Sibling], np.ndarray]:
    """Gallery (all images with siblings + ``singletons`` others) and which of them are queries."""
    from collections import Counter

    counts = Counter(s.figure for s in sibs)
    multi = [s for s in sibs if counts[s.figure] >= 2]
    single = [s for s in sibs if counts[s.figure] < 2]
    if singletons is not None and singletons < len(single):
        pick = np.sort(np.random.default_rng(seed).choice(len(single), singletons, replace=False))
        single = [single[i] for i in pick]
    gallery = multi + single
    return gallery, np.array([i < len(multi) for i in range(len(gallery))])


def sibling_scores(vecs: np.ndarray, gallery: list[Sibling], is_query: np.ndarray) -> dict:
    figs = [s.figure for s in gallery]
    papers = [s.paper for s in gallery]
    q = np.flatnonzero(is_query)
    relevant = same_label([figs[i] for i in q], figs)
    ignore = same_label([papers[i] for i in q], papers) & ~relevant
    ignore[np.arange(len(q)), q] = True  # the query itself
    relevant &= ~ignore
    m, aps, first = retrieval_map(vecs[q], vecs, relevant, ignore)
    out = {"queries": int(len(q)), "gallery": len(gallery), "mAP": m, "recall@1": float(np.mean(first == 1)),
           "chance_mAP": chance_map(relevant, ignore)}
    for src in sorted({gallery[i].item.source for i in q}):
        sel = np.array([gallery[i].item.source == src for i in q])
        out[f"mAP_{src}"] = float(np.nanmean(aps[sel]))
    return out


# -- runs ----------------------------------------------------------------------------------------
def make_embedders(names, log):
    out = {}
    for name in names:
        try:
            out[name] = create_embedder(name)
        except EmbedderError as exc:
            log(f"SKIPPED {name}: {exc}")
            out[name] = None
    return out


def copy_detection(embedders, corpus: Path, args, log) -> dict:
    rng = np.random.default_rng(args.seed)
    pool = dedupe(glob_items(corpus, QUERY_SOURCES) + (separated_items(corpus, log) if args.separated else []))
    queries = []
    for src in sorted({it.source for it in pool}):
        members = [it for it in pool if it.source == src]
        n = len(members) if args.full or args.per_source is None else min(args.per_source, len(members))
        queries += [members[i] for i in np.sort(rng.choice(len(members), n, replace=False))]
    qset = {it.key for it in queries}
    others = [it for it in pool if it.key not in qset] + dedupe(glob_items(corpus, DISTRACTOR_SOURCES))
    if not args.full and args.distractors < len(others):
        others = [others[i] for i in np.sort(rng.choice(len(others), args.distractors, replace=False))]
    gallery = queries + others
    log(f"copy detection: {len(queries)} transformed queries from {len({q.source for q in queries})} sources, "
        f"index of {len(gallery)} images ({len(others)} distractors), crop={args.crop}")
    qkeys = [f"{it.key}|copy:{TRANSFORM_VERSION}:{args.crop}:{args.seed}:{i}" for i, it in enumerate(queries)]

    def load_query(i):
        return transform_copy(queries[i].load(), np.random.default_rng([args.seed, i]), args.crop)

    results = {}
    for name, emb in embedders.items():
        if emb is None:
            continue
        t0 = time.perf_counter()
        cache = FeatureCache(getattr(emb, "base", emb).config.id) if name != "thumbnail-16" else None
        g = base_vectors(emb, cache, [it.key for it in gallery], lambda i: gallery[i].load(), progress(log, name))
        q = base_vectors(emb, cache, qkeys, load_query, progress(log, name + " copies"))
        relevant = np.zeros((len(queries), len(gallery)), bool)
        relevant[np.arange(len(queries)), np.arange(len(queries))] = True
        m, _, first = retrieval_map(q, g, relevant)
        results[name] = copy_row(queries, gallery, first, m, t0)
        if args.verify and name == args.verify_embedder:
            t0 = time.perf_counter()
            first_v, ncc_true, ncc_false = verified_ranks(q, g, gallery, load_query, args.verify_top,
                                                          args.verify_threshold)
            results[name + f" + copy verification (NCC >= {args.verify_threshold})"] = copy_row(queries, gallery, first_v,
                                                              float(np.mean(1.0 / first_v)), t0)
            log(f"  NCC of the true original (verified top-{args.verify_top}): "
                f"p5 {np.percentile(ncc_true, 5):.3f}, median {np.median(ncc_true):.3f}; best look-alike: "
                f"median {np.median(ncc_false):.3f}, p95 {np.percentile(ncc_false, 95):.3f}, "
                f"max {np.max(ncc_false):.3f}")
    return results


def copy_row(queries, gallery, first, m, t0) -> dict:
    row = {"queries": len(queries), "index": len(gallery), "recall@1": float(np.mean(first == 1)),
           "recall@5": float(np.mean(first <= 5)), "mAP": m, "seconds": round(time.perf_counter() - t0, 1)}
    for src in sorted({it.source for it in queries}):
        sel = np.array([it.source == src for it in queries])
        row[f"recall@1_{src}"] = float(np.mean(first[sel] == 1))
    return row


def verified_ranks(q: np.ndarray, g: np.ndarray, gallery, load_query, top: int, threshold: float):
    """Ranks of the originals after copy verification of the top candidates (models/copy_verify),
    and the NCC of the true originals vs the best look-alike among the verified candidates."""
    from figdex.models.copy_verify import gray_small, rerank_copies

    small: dict[int, np.ndarray] = {}

    def load_small(j: int) -> np.ndarray:
        if j not in small:
            small[j] = gray_small(gallery[j].load())
        return small[j]

    ranks, ncc_true, ncc_false = [], [], []
    for i in range(len(q)):
        order = np.argsort(-(g @ q[i]), kind="stable")
        cands = [(int(j), float(g[j] @ q[i])) for j in order]
        new, matches = rerank_copies(load_query(i), cands, load_small, top=top, threshold=threshold)
        ranks.append(1 + [c for c, _ in new].index(i))
        if i in matches:
            ncc_true.append(matches[i].ncc)
        others = [mt.ncc for j, mt in matches.items() if j != i]
        if others:
            ncc_false.append(max(others))
    return np.array(ranks), np.array(ncc_true or [0.0]), np.array(ncc_false or [0.0])


def siblings(embedders, corpus: Path, args, log) -> dict:
    gallery, is_query = sibling_sets(sibling_items(corpus), None if args.full else args.singletons, args.seed)
    log(f"sibling test: {int(is_query.sum())} queries (images with a sibling in their figure), "
        f"gallery {len(gallery)} (emps + tldr_micrographs)")
    results = {}
    for name, emb in embedders.items():
        if emb is None:
            continue
        cache = FeatureCache(getattr(emb, "base", emb).config.id) if name != "thumbnail-16" else None
        vecs = base_vectors(emb, cache, [s.item.key for s in gallery], lambda i: gallery[i].item.load(),
                            progress(log, name))
        results[name] = sibling_scores(vecs, gallery, is_query)
    return results


def progress(log, name):
    def report(done, total):
        if done == total or done % 128 == 0:
            log(f"  {name}: embedded {done}/{total}")
    return report


def table(title: str, rows: dict, cols: list[str], skipped: list[str]) -> str:
    lines = [f"\n### {title}\n", "| embedder | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for name, row in rows.items():
        cells = [f"{row[c]:.3f}" if isinstance(row.get(c), float) else str(row.get(c, "")) for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name in skipped:
        lines.append(f"| {name} | skipped: weights unavailable here |" + " |" * (len(cols) - 1))
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--embedders", default=",".join(DEFAULT_EMBEDDERS))
    ap.add_argument("--per-source", type=int, default=30, help="copy-detection queries per source (default 30)")
    ap.add_argument("--distractors", type=int, default=150, help="distractor images in the copy index (default 150)")
    ap.add_argument("--singletons", type=int, default=100,
                    help="images without siblings added to the sibling gallery (default 100)")
    ap.add_argument("--full", action="store_true", help="every image: all queries, distractors and singletons")
    ap.add_argument("--crop", choices=["area", "side"], default="area",
                    help="crop keeps 60-90%% of the area (default) or of each side")
    ap.add_argument("--separated", action="store_true", help="add panels cut by figdex separation (slow: OCR)")
    ap.add_argument("--skip-copies", action="store_true")
    ap.add_argument("--verify", action="store_true",
                    help="also re-rank the copy queries by copy verification (models/copy_verify.py)")
    ap.add_argument("--verify-embedder", default="efficientnet-lite0")
    ap.add_argument("--verify-top", type=int, default=10, help="candidates verified per query")
    ap.add_argument("--verify-threshold", type=float, default=0.55, help="NCC that makes a copy")
    ap.add_argument("--skip-siblings", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS / "retrieval_quality.json")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"{args.corpus}: corpus not found (pass --corpus)", file=sys.stderr)
        return 2

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    embedders = make_embedders([n for n in args.embedders.split(",") if n], log)
    skipped = [n for n, e in embedders.items() if e is None]
    report = {"args": {k: str(v) for k, v in vars(args).items()}, "skipped": skipped}
    if not args.skip_copies:
        report["copy_detection"] = copy_detection(embedders, args.corpus, args, log)
        srcs = sorted({k.split("_", 1)[1] for r in report["copy_detection"].values() for k in r if k.startswith("recall@1_")})
        print(table(f"Copy detection (crop={args.crop}; target recall@1 >= 0.95)", report["copy_detection"],
                    ["queries", "index", "recall@1", "recall@5", "mAP"] + [f"recall@1_{s}" for s in srcs], skipped))
    if not args.skip_siblings:
        report["siblings"] = siblings(embedders, args.corpus, args, log)
        print(table("Sibling test (same figure above other papers)", report["siblings"],
                    ["queries", "gallery", "mAP", "recall@1", "chance_mAP", "mAP_emps", "mAP_tldr"], skipped))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
