"""Add papers never used before to a COPY of the semantic dataset, as a held-out group (issue 20).

The text-to-image numbers of bench/README.md were tuned on the devset's folds 2-4 (every fold of the
dataset has now been looked at).  This script makes the unseen measurement: a group of papers that
were in no dataset, no tuning and no alignment training so far, added to a copy of the dataset; then
`semantic_search.py content --held-out-set NAME` trains the alignment on everything else and asks,
for each master of the group that has a sub-caption, its own sub-caption by content among ALL images.
Run it once, and report that run.

    python eval/devset/restore.py                 # the fresh-2026-12c images that are not open
    python eval/pdf/restore.py                    # the PDFs of the gold part fresh_3
    python bench/semantic_heldout.py --from /tmp/semantic-ds --out /tmp/semantic-fresh-ds \\
        --set fresh-2026-12c --pdf-part fresh_3   # ~30-60 min on 2 busy cores (PDF separation, OCR)
    python bench/semantic_search.py content --dataset /tmp/semantic-fresh-ds --held-out-set fresh-2026-12c

What goes into the group (the article keyword ``held-out-set:NAME`` marks it):

1. the development-set figures of the fresh set ``--set`` (eval/devset/separation_dev.json records
   with that ``set``: 50 figures of 17 papers for fresh-2026-12c, annotated before any method ran on
   them), stored as bench/semantic_dataset.py stores the devset: one article per paper, the HAND
   masters and hand-split sub-captions;
2. the PDFs of the PDF gold part ``--pdf-part`` (eval/pdf/gold.json; 16 PDFs for fresh_3), ingested
   end to end by `figdex ingest` (figures cut from the pages, figdex's own separation and caption
   split: the sub-captions are figdex's, as a user's dataset would have them).

A paper already in the dataset would not be held out by paper: the script stops if a devset figure's paper
is, and leaves out (and names) a PDF whose article is.  Then
`figdex index embed` (image and caption vectors of the new masters) and `figdex index image-text`
(OCR of the new masters).  It prints counts only; it never ranks anything.  ``--limit N`` takes the
first N figures and the first N PDFs whose files are here (a smoke run); files not restored are listed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from semantic_dataset import DEVSET, devset_image, store_paper  # noqa: E402
from semantic_search import HELD_OUT_SET_KEYWORD  # noqa: E402

PDF_GOLD = REPO / "eval" / "pdf" / "gold.json"


def figdex(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "figdex.cli.main", *args], check=True)


def _tag(ds, article_id: int, keyword: str) -> None:
    row = ds.conn.execute("SELECT keywords FROM articles WHERE id = ?", (article_id,)).fetchone()
    keywords = [k for k in json.loads(row[0] or "[]") if not k.startswith(HELD_OUT_SET_KEYWORD)] + [keyword]
    ds.conn.execute("UPDATE articles SET keywords = ? WHERE id = ?", (json.dumps(keywords), article_id))


def add_fresh_figures(dataset: Path, name: str, limit: int | None) -> tuple[int, list[str]]:
    """The devset records of fresh set ``name``, one article per paper; returns (figures stored, missing files)."""
    from figdex.index.db import Dataset
    from figdex.index.fulltext import open_text_index
    from figdex.index.records import Article

    records = [r for r in json.loads((DEVSET / "separation_dev.json").read_text())["figures"] if r.get("set") == name]
    if not records:
        sys.exit(f"{DEVSET / 'separation_dev.json'}: no record of the set {name!r}")
    missing = [r["file"] for r in records if devset_image(r["file"]) is None]
    records = [r for r in records if devset_image(r["file"]) is not None]
    records = records[:limit] if limit else records
    by_paper: dict[str, list[dict]] = {}
    for rec in records:
        by_paper.setdefault(rec["paper"], []).append(rec)
    stored = 0
    with Dataset.open(dataset, create=False) as ds:
        known = {r[0] for r in ds.conn.execute("SELECT key FROM articles")}
        clash = sorted(p for p in by_paper if f"doi:{p.lower()}" in known)
        if clash:
            sys.exit(f"{dataset}: these papers are in the dataset already, so they cannot be held out: {clash}")
        index = open_text_index(ds)
        for paper, recs in sorted(by_paper.items()):
            article = Article(source_file=f"{DEVSET / 'separation_dev.json'}#{paper}", publisher=recs[0]["publisher"],
                              doi=paper.lower(), title=f"held-out paper {paper}",
                              keywords=(HELD_OUT_SET_KEYWORD + name,), license=recs[0].get("licence"))
            stored += store_paper(ds, index, article, recs)
    return stored, missing


def add_pdfs(dataset: Path, name: str, part: str, limit: int | None,
             source: Path | None = None) -> tuple[int, list[str]]:
    """`figdex ingest` each PDF of the gold part, its new article tagged; returns (PDFs ingested, missing).
    With ``source`` (a resumed run: the dataset the copy was made from), a PDF whose article the copy holds
    and the source does not was added by the interrupted run: it is tagged and separated again, not re-ingested."""
    from figdex.index.db import Dataset
    from figdex.ingest.sources.pdf import parse_pdf

    pdfs = [p for p in json.loads(PDF_GOLD.read_text())["pdfs"] if p["split"] == part]
    if not pdfs:
        sys.exit(f"{PDF_GOLD}: no PDF in the part {part!r}")
    missing = [p["file"] for p in pdfs if not (REPO / p["file"]).is_file()]
    pdfs = [p for p in pdfs if (REPO / p["file"]).is_file()]
    done = 0
    for pdf in pdfs[:limit] if limit else pdfs:
        path = REPO / pdf["file"]
        if source is not None and _resume_pdf(dataset, source, path, name):
            done += 1
            continue
        doi = parse_pdf(path, render=False).article.doi
        with Dataset.open(dataset, create=False) as ds:
            before = {r[0] for r in ds.conn.execute("SELECT id FROM articles")}
            present = doi and ds.conn.execute("SELECT 1 FROM articles WHERE lower(doi) = lower(?)", (doi,)).fetchone()
        if present:  # its paper is in the dataset already (the alignment saw it): not held out, and not re-ingested
            print(f"{path.name}: DOI {doi} is in the dataset already, so not held out (left out)", flush=True)
            continue
        # Without ingest's separation stage: it would separate every figure not separated by figdex's
        # current method, i.e. re-separate the dataset's hand-annotated devset masters and folder images.
        figdex("ingest", str(path), "--dataset", str(dataset), "--no-embed", "--no-separate", "--workers", "1")
        with Dataset.open(dataset, create=False) as ds:
            new = {r[0] for r in ds.conn.execute("SELECT id FROM articles")} - before
            if not new:  # the paper is in the dataset already (its alignment saw it): not held out, said
                print(f"{path.name}: in the dataset already, so not held out (left out of the group)", flush=True)
                continue
            if len(new) != 1:
                sys.exit(f"{path}: ingest made {len(new)} new articles (1 expected); {dataset} is left as it is "
                         "for a look")
            article_id = new.pop()
            with ds.transaction():
                _tag(ds, article_id, HELD_OUT_SET_KEYWORD + name)
            print(f"{path.name}: {separate_article(ds, article_id)} figures separated", flush=True)
        done += 1
    return done, missing


def _article_of(dataset: Path, path: Path) -> int | None:
    import sqlite3

    conn = sqlite3.connect(f"file:{dataset / 'figdex.db'}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT id FROM articles WHERE source_file = ?", (str(path),)).fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def _resume_pdf(dataset: Path, source: Path, path: Path, name: str) -> bool:
    """True when the interrupted run had ingested ``path`` into the copy (the source dataset lacks it): its
    article is tagged and separated (again: separation replaces a figure's masters), so the group is whole."""
    from figdex.index.db import Dataset

    article_id = _article_of(dataset, path)
    if article_id is None or _article_of(source, path) is not None:
        return False
    with Dataset.open(dataset, create=False) as ds:
        tagged = ds.conn.execute("SELECT 1 FROM articles a, json_each(a.keywords) k WHERE a.id = ? AND k.value = ?",
                                 (article_id, HELD_OUT_SET_KEYWORD + name)).fetchone()
        unseparated = ds.conn.execute("SELECT count(*) FROM figures WHERE article_id = ? AND image_status = 'ok' "
                                      "AND separation_status IS NOT 'done'", (article_id,)).fetchone()[0]
        if tagged and not unseparated:
            print(f"{path.name}: done before the interruption", flush=True)
            return True
        with ds.transaction():
            _tag(ds, article_id, HELD_OUT_SET_KEYWORD + name)
        print(f"{path.name}: added before the interruption; {separate_article(ds, article_id)} figures separated",
              flush=True)
    return True


def separate_article(ds, article_id: int) -> int:
    """figdex's separation (with scale and class), as ingest runs it, on this article's figures only."""
    from figdex.index.fulltext import create_text_index
    from figdex.ingest.separate import SeparationSummary, commit_separation, figure_task
    from figdex.ingest.stages import separate_figure

    text_index = create_text_index(ds.config["text_index"], ds.conn, ds.root)
    summary = SeparationSummary()
    for (fig_id,) in ds.conn.execute("SELECT id FROM figures WHERE article_id = ? AND image_status = 'ok' ORDER BY id",
                                     (article_id,)).fetchall():
        summary.figures += 1  # counted by the caller, as separate_dataset does
        commit_separation(ds, text_index, separate_figure(figure_task(ds, fig_id)), summary)
    return summary.figures


def _masters_digest(dataset: Path, exclude_group: str | None = None) -> str:
    """A digest of the master images (key, box, sub-caption) outside the held-out group: adding the group
    must leave every other image as it was, or the copy is not the dataset plus the group."""
    import hashlib
    import sqlite3

    conn = sqlite3.connect(f"file:{dataset / 'figdex.db'}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT m.key, m.x0, m.y0, m.x1, m.y1, m.subcaption FROM master_images m "
            "JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id "
            "WHERE NOT EXISTS (SELECT 1 FROM json_each(a.keywords) WHERE value = ?) ORDER BY m.key",
            (HELD_OUT_SET_KEYWORD + (exclude_group or ""),)).fetchall()
    finally:
        conn.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="source", type=Path, required=True, help="the dataset to copy (never written)")
    ap.add_argument("--out", type=Path, required=True, help="the copy with the held-out group (must not exist)")
    ap.add_argument("--set", dest="name", required=True, help="the fresh devset set, also the group's name")
    ap.add_argument("--pdf-part", help="a part of eval/pdf/gold.json to add to the group (e.g. fresh_3)")
    ap.add_argument("--limit", type=int, help="the first N figures and N PDFs only (a smoke run)")
    ap.add_argument("--resume", action="store_true",
                    help="go on with an interrupted run's --out (its devset figures are stored; PDFs it ingested "
                         "are tagged and separated again, the others ingested; embeddings and OCR are incremental)")
    args = ap.parse_args()
    if not (args.source / "figdex.db").is_file():
        sys.exit(f"{args.source}: not a figdex dataset (no figdex.db)")
    if args.resume and not (args.out / "figdex.db").is_file():
        sys.exit(f"{args.out}: nothing to resume (no figdex.db); run without --resume")
    if args.out.exists() and not args.resume:
        sys.exit(f"{args.out} exists; name a new directory (the copy is made there), or --resume an interrupted run")
    masters_before = _masters_digest(args.source)
    if not args.resume:
        shutil.copytree(args.source, args.out)
        print(f"copied {args.source} -> {args.out}", flush=True)
        figures, missing = add_fresh_figures(args.out, args.name, args.limit)
        print(f"fresh figures of {args.name}: {figures} stored, {len(missing)} images missing "
              f"(run eval/devset/restore.py){': ' + ', '.join(missing) if missing else ''}", flush=True)
    if args.pdf_part:
        pdfs, missing_pdfs = add_pdfs(args.out, args.name, args.pdf_part, args.limit,
                                      source=args.source if args.resume else None)
        print(f"PDFs of {args.pdf_part}: {pdfs} ingested, {len(missing_pdfs)} missing (run eval/pdf/restore.py)"
              f"{': ' + ', '.join(missing_pdfs) if missing_pdfs else ''}", flush=True)
    figdex("index", "embed", "--dataset", str(args.out))
    figdex("index", "image-text", "--dataset", str(args.out), "--workers", "2")
    if _masters_digest(args.out, exclude_group=args.name) != masters_before:
        sys.exit(f"{args.out}: the master images outside the group changed while adding it; not comparable")
    from figdex.index.db import Dataset

    with Dataset.open(args.out, create=False) as ds:
        row = ds.conn.execute(
            "SELECT count(DISTINCT a.id), count(DISTINCT f.id), count(m.id), sum(m.subcaption != '') "
            "FROM master_images m JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id "
            "WHERE EXISTS (SELECT 1 FROM json_each(a.keywords) WHERE value = ?)",
            (HELD_OUT_SET_KEYWORD + args.name,)).fetchone()
    print(f"held-out group {args.name}: {row[0]} papers, {row[1]} figures, {row[2]} master images, "
          f"{row[3] or 0} with a sub-caption (the queries). Measure once: python bench/semantic_search.py content "
          f"--dataset {args.out} --held-out-set {args.name}")


if __name__ == "__main__":
    main()
