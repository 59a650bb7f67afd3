"""Ingest every article file of ../shared/corpus and compare with the hand counts.

    python eval/compare_counts.py [--dataset DIR] [--markdown]

Prints one row per file: gold figures+schemes and captions (eval/figure_counts_gold.tsv,
counted by reading the files) against what figdex stored, and a per-publisher summary.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
GOLD = ROOT / "eval" / "figure_counts_gold.tsv"


def load_gold() -> dict[str, dict]:
    with open(GOLD, newline="", encoding="utf-8") as fh:
        return {row["path"]: row for row in csv.DictReader(fh, delimiter="\t")}


def compare(dataset_dir: Path) -> list[dict]:
    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths

    gold = load_gold()
    files = [SHARED / rel for rel in gold]
    with Dataset.open(dataset_dir) as ds:
        ingest_paths(ds, files)
        rows = []
        for rel, g in gold.items():
            path = str((SHARED / rel).resolve())
            src = ds.source_file(path)
            arts = ds.conn.execute(
                """SELECT a.id, a.publisher, a.access, a.doi,
                          (SELECT count(*) FROM figures f WHERE f.article_id = a.id AND f.kind != 'graphical-abstract') AS figures,
                          (SELECT count(*) FROM figures f WHERE f.article_id = a.id AND f.kind = 'graphical-abstract') AS ga,
                          (SELECT count(*) FROM figures f WHERE f.article_id = a.id AND f.caption != '') AS captions,
                          (SELECT count(*) FROM figures f WHERE f.article_id = a.id AND f.image_status = 'ok') AS images
                   FROM articles a WHERE a.source_file = ?""",
                (str(SHARED / rel),),
            ).fetchall()
            got_fig = sum(a["figures"] for a in arts)
            rows.append({
                "path": rel,
                "gold_type": g["page_type"],
                "status": src["status"] if src else "?",
                "parser": src["parser"] if src else None,
                "access": ",".join(a["access"] for a in arts),
                "doi_ok": all((a["doi"] or "").lower() == g["doi"].lower() for a in arts) if arts else None,
                "gold_figures": int(g["n_figures"] or 0) + int(g["n_schemes"] or 0),
                "figures": got_fig,
                "gold_captions": int(g["n_captions"] or 0),
                "captions": sum(a["captions"] for a in arts),
                "ga": sum(a["ga"] for a in arts),
                "images": sum(a["images"] for a in arts),
                "reason": (src["reason"] or "").splitlines()[0][:80] if src and src["reason"] else "",
            })
        stats = ds.stats()
    return rows, stats


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", type=Path)
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"{SHARED} is absent", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        rows, stats = compare(args.dataset or Path(tmp) / "ds")
    print("| file | gold type | parser | access | figures gold/got | captions gold/got | graphical abstracts | images | DOI ok |")
    print("|---|---|---|---|---|---|---|---|---|")
    exact = 0
    for r in rows:
        mark = "" if r["gold_figures"] == r["figures"] else " **≠**"
        exact += r["gold_figures"] == r["figures"]
        print(f"| {r['path']} | {r['gold_type']} | {r['parser'] or r['status']} | {r['access']} | "
              f"{r['gold_figures']}/{r['figures']}{mark} | {r['gold_captions']}/{r['captions']} | {r['ga']} | {r['images']} | "
              f"{r['doi_ok']} |")
    print(f"\nfigure counts exact on {exact}/{len(rows)} files; "
          f"gold total {sum(r['gold_figures'] for r in rows)}, figdex {sum(r['figures'] for r in rows)}")
    print("\n| publisher | articles | figures | captions | images found | images missing |")
    print("|---|---|---|---|---|---|")
    for pub, v in stats["per_publisher"].items():
        print(f"| {pub} | {v['articles']} | {v['figures']} | {v['captions']} | {v['images_found']} | "
              f"{v['images_missing']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
