"""Build the real dataset that bench/semantic_search.py measures on (issue 20).

    python bench/semantic_dataset.py --out /tmp/semantic-ds      # ~15-30 min on 2 cores

What goes in, all from ../shared/corpus and the development set (eval/devset):

1. every article page / XML of ../shared/corpus (`figdex ingest`): captions and sub-captions,
   few stored images;
2. the development set's 191 real figures (eval/devset/separation_dev.json: image + caption of
   a real paper, 160 of them captioned).  figdex has no ingest command for "an image file and its
   caption" outside an article page, so each paper becomes one article and each figure one
   figure through the same library calls ingest makes (store the image, split the caption,
   store the rows, index them).  Their master images and sub-captions are the devset's HAND
   annotations (boxes, classes, per-panel caption split), not figdex's separation: separating
   them took ~15 s a figure on the shared, overloaded 2-core machine of 2026-12-06;
3. plain image folders (the library call of `figdex ingest-images`, without its OCR stages, for
   the same reason): EMPS, atomagined, NASA MicroNet, chenlab, tldr micrographs, AMPIS: images
   without any caption, which text can reach only by content.

The devset records carry their paper fold (``fold = sha256(paper key) mod 5``, fixed before any
tuning, README of eval/devset): the article's ``keywords`` get ``devset-fold-N`` so that the
benchmark can hold out folds 3 and 4 (by paper) from the alignment training.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
DEVSET = REPO / "eval" / "devset"
DEVSET_IMAGES = (DEVSET / "open", DEVSET / "restored", REPO.parent / "devset" / "images")
FOLDERS = ["emps/images", "atomagined", "nasa_micronet_benchmark/images", "chenlab_tem_au_nanoparticles",
           "tldr_micrographs", "ampis"]


def figdex(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "figdex.cli.main", *args], check=True)


def devset_image(rel: str) -> Path | None:
    for root in DEVSET_IMAGES:
        if (root / rel).is_file():
            return root / rel
    return None


def add_devset(dataset: Path, leave_out: tuple[str, ...] = ()) -> int:
    """Store the devset figures as articles (one per paper), except the records of the fresh sets in
    ``leave_out`` (kept for bench/semantic_heldout.py, which stops if their papers are already stored);
    returns the number of figures stored."""
    from figdex.index.db import Dataset
    from figdex.index.fulltext import open_text_index
    from figdex.index.records import Article

    records = [r for r in json.loads((DEVSET / "separation_dev.json").read_text())["figures"]
               if r.get("set") not in leave_out]
    by_paper: dict[str, list[dict]] = {}
    for rec in records:
        by_paper.setdefault(rec["paper"], []).append(rec)
    stored = 0
    with Dataset.open(dataset) as ds:
        index = open_text_index(ds)
        for paper, recs in sorted(by_paper.items()):
            fold = recs[0]["fold"]
            article = Article(source_file=f"{DEVSET / 'separation_dev.json'}#{paper}", publisher=recs[0]["publisher"],
                              doi=paper.lower(), title=f"devset paper {paper}", keywords=(f"devset-fold-{fold}",),
                              license=recs[0].get("licence"))
            stored += store_paper(ds, index, article, recs)
    return stored


def store_paper(ds, index, article, recs: list[dict]) -> int:
    """One paper's devset figures under ``article``, in one transaction: each figure (numbered in record
    order, a missing image skipped) with its caption split and its hand-annotated masters, which go into
    the text index.  Returns the figures stored."""
    from figdex.index.records import Figure
    from figdex.ingest.captions import distribute_caption

    stored = 0
    with ds.transaction():
        art_id, art_key = ds.upsert_article(article, (), None)
        ids = []
        for number, rec in enumerate(recs, 1):
            path = devset_image(rec["file"])
            if path is None:
                continue
            image = ds.store_image(path)
            caption = rec.get("caption") or ""
            fig = Figure(number=number, label=rec["id"].split("#", 1)[1], caption=caption,
                         image_file=str(path), image_status=image.status)
            fig_id, fig_key = ds.upsert_figure(art_id, art_key, fig, image)
            ds.store_caption_split(fig_id, distribute_caption(caption))
            ids += _hand_masters(ds, fig_id, fig_key, rec)
            stored += 1
        index.update(set(ids))
    return stored


def _hand_masters(ds, fig_id: int, fig_key: str, rec: dict) -> list[int]:
    """The devset's annotated masters of one figure, each with its hand-split sub-caption
    (shared statements + the panel's text, as figdex's own sub-captions read)."""
    from figdex.index.db import master_uid, now

    before = [r[0] for r in ds.conn.execute("SELECT id FROM master_images WHERE figure_id = ?", (fig_id,))]
    ds.conn.execute("DELETE FROM master_images WHERE figure_id = ?", (fig_id,))
    split = rec.get("subcaptions") or {}
    shared = split.get("shared") or ""
    panels = {p["label"]: p["text"] for p in split.get("panels", [])}
    ids, seen = [], set()
    for m in rec["masters"]:
        label = str(m["label"])
        text = panels.get(label)
        sub = " ".join(t for t in (shared, text) if t) if text else (rec.get("caption") or "" if label == "0" else shared)
        key = f"{fig_key}/{label}"
        n = 1
        while key in seen:  # unlabelled panels share label "0"
            n += 1
            key = f"{fig_key}/{label}.{n}"
        seen.add(key)
        x0, y0, x1, y1 = (int(v) for v in m["box"])
        ds.conn.execute(
            "INSERT OR REPLACE INTO master_images(key, uid, figure_id, panel, x0, y0, x1, y1, image_class, subcaption, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, master_uid(key), fig_id, label, x0, y0, x1, y1, m.get("class") or "unclassified", sub, now()))
        ids.append(ds.conn.execute("SELECT id FROM master_images WHERE key = ?", (key,)).fetchone()[0])
    ds.conn.execute("UPDATE figures SET separation_status='done', separated_with='devset-hand' WHERE id = ?", (fig_id,))
    return before + ids


def add_folders(dataset: Path) -> int:
    from figdex.index.db import Dataset
    from figdex.ingest.image_folder import ingest_image_folders

    with Dataset.open(dataset) as ds:
        summary = ingest_image_folders(ds, [CORPUS / f for f in FOLDERS])
        ds.conn.execute("UPDATE figures SET separation_status='done', separated_with='folder-whole' "
                        "WHERE kind = 'image' AND separation_status IS NULL")
        ds.conn.commit()
    return summary.stored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--skip-articles", action="store_true")
    ap.add_argument("--leave-out-set", action="append", default=[], metavar="SET",
                    help="a fresh devset set kept out of the dataset (the next held-out group); repeatable")
    args = ap.parse_args()
    ds = str(args.out)
    if not args.skip_articles:
        figdex("ingest", str(CORPUS), "--dataset", ds, "--no-embed", "--no-separate")
    print(f"devset figures stored: {add_devset(args.out, tuple(args.leave_out_set))}", flush=True)
    print(f"folder images stored: {add_folders(args.out)}", flush=True)
    figdex("index", "embed", "--dataset", ds)
    figdex("stats", "--dataset", ds)


if __name__ == "__main__":
    main()
