"""Precision of `figdex export --query` at panel and at figure level, on hand-checked panels.

eval/export_precision.tsv holds one line per exported panel image that was looked at (query,
panel id, relevant yes/no, why).  This exports each query both ways and counts, among the
exported images that have a file (an image missing from the saved page cannot be judged),
the relevant ones.  A panel exported but not in the file is reported as unjudged.

The dataset the judgements were made on (issue #16.6; ~10 min of separation on 2 CPUs):

    figdex ingest --dataset /tmp/nat ../shared/corpus/exsclaim/nature_articles \
        ../shared/corpus/exsclaim/nature_ESEM/html --no-embed
    python eval/export_precision.py --dataset /tmp/nat
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
from collections import defaultdict
from pathlib import Path

JUDGED = Path(__file__).with_name("export_precision.tsv")


def judgements(path: Path = JUDGED) -> dict[str, dict[str, bool]]:
    out: dict[str, dict[str, bool]] = defaultdict(dict)
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out[row["query"]][row["panel_id"]] = row["relevant"] == "yes"
    return out


def exported(ds, query: str, match: str) -> list[str]:
    """Ids of the exported images that have a file."""
    from figdex.retrieval.export import export_dataset

    with tempfile.TemporaryDirectory() as tmp:
        export_dataset(ds, Path(tmp) / "out", query=query, match=match, xml_sidecar=False)
        rows = [json.loads(line) for line in (Path(tmp) / "out" / "metadata.jsonl").read_text().splitlines()]
    return [r["id"] for r in rows if r.get("file")]


def main() -> None:
    from figdex.index.db import Dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True)
    args = parser.parse_args()
    totals = {m: [0, 0] for m in ("figure", "panel")}
    with Dataset.open(args.dataset, create=False) as ds:
        for query, judged in judgements().items():
            for match in ("figure", "panel"):
                ids = exported(ds, query, match)
                relevant = sum(judged.get(i, False) for i in ids)
                unjudged = [i for i in ids if i not in judged]
                totals[match][0] += relevant
                totals[match][1] += len(ids)
                print(f"{query}\t{match}\t{relevant}/{len(ids)} relevant"
                      f"\tprecision {relevant / len(ids) if ids else float('nan'):.2f}"
                      f"\trecall {relevant}/{sum(judged.values())}" + (f"\tunjudged {unjudged}" if unjudged else ""))
    for match, (relevant, n) in totals.items():
        print(f"all\t{match}\t{relevant}/{n} relevant\tprecision {relevant / n if n else float('nan'):.2f}")


if __name__ == "__main__":
    main()
