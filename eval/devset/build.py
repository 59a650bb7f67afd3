"""Merge the annotators' parts into the development sets and fix the split by paper.

    python eval/devset/build.py [--images /work/devset/images]
    python eval/devset/build.py --sets-only     # after a change of figdex/models/devset_sets.py

Reads eval/devset/parts/*.json (figures) and parts/captions_*.jsonl (captions), writes
eval/devset/separation_dev.json and eval/devset/captions_dev.json.  Each record gets
``fold`` = sha256(paper key) mod 5, so a paper's figures and captions always fall in the
same fold and adding papers later never moves an existing one.  Folds 3 and 4 are held out:
nothing in figdex (rules, thresholds, weights) may be tuned while looking at them.

Images: openly licensed ones (CC-BY, CC0, MIT, public domain: the licences this project may
copy) are copied into eval/devset/open/; the others go to eval/devset/restored/ (ignored by
git) and are restored from their source repository by restore.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import importlib.util
from pathlib import Path


def _sets_module():
    """models/devset_sets.py of THIS checkout (loaded by path: the installed figdex may be another checkout's)."""
    spec = importlib.util.spec_from_file_location("devset_sets", Path(__file__).resolve().parents[2] / "models" /
                                                  "devset_sets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SETS = _sets_module()

HERE = Path(__file__).resolve().parent
FOLDS = 5
HELD_OUT = [3, 4]
# Which sets are fresh (unseen) and which are development data: figdex/models/devset_sets.py.
FRESH_SETS: list[str] = [_SETS.FRESH_SET]
DEVELOPMENT_SETS: list[str] = list(_SETS.DEVELOPMENT_SETS)
# The same paper under two ids (preprint and journal version) must share a fold.
PAPER_ALIASES = {
    "10.7554/elife.94306": "10.1101/2023.02.28.530398",
}
OPEN_LICENCE = re.compile(r"^(cc-by(-4\.0|-3\.0|-2\.0)?|cc0|mit|public domain)\b(?![-_ ]?(nc|nd|sa))", re.I)


def paper_key(paper: str) -> str:
    key = paper.strip().lower()
    for prefix in ("https://doi.org/", "doi:", "arxiv:"):
        if key.startswith(prefix):
            key = key[len(prefix):]
    return PAPER_ALIASES.get(key, key)


def fold_of(paper: str) -> int:
    return int(hashlib.sha256(paper_key(paper).encode()).hexdigest()[:8], 16) % FOLDS


def is_open(licence: str | None) -> bool:
    text = (licence or "").strip()
    return bool(OPEN_LICENCE.match(text)) and not re.search(r"\b(nc|nd|sa)\b", text.lower().split("(")[0])


def build_figures(images: Path) -> dict:
    figures, seen = [], {}
    for part in sorted((HERE / "parts").glob("*.json")):
        annotator = json.loads(part.read_text(encoding="utf-8"))
        for fig in annotator["figures"]:
            key = (paper_key(fig["paper"]), fig["id"].split("#")[-1].strip().lower())
            source = images / fig["file"]
            digest = hashlib.sha256(source.read_bytes()).hexdigest() if source.exists() else None
            key = next((k for k, r in seen.items() if digest and r.get("sha256") == digest), key)
            if key in seen:
                # A second annotator's copy of the same figure: kept apart for agreement checks.
                seen[key].setdefault("second_annotation", {"annotator": annotator["annotator"],
                                                           "masters": fig["masters"]})
                continue
            record = {**fig, "annotator": annotator["annotator"], "fold": fold_of(fig["paper"]),
                      "open": is_open(fig.get("licence"))}
            target = HERE / ("open" if record["open"] else "restored") / fig["file"]
            if digest:
                record["sha256"] = digest
            if source.exists() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            seen[key] = record
            figures.append(record)
    return {"folds": FOLDS, "held_out_folds": HELD_OUT, "fresh_sets": FRESH_SETS, "development_sets": DEVELOPMENT_SETS,
            "split": "fold = sha256(paper key) mod 5, fixed before any tuning; folds 3 and 4 are held out; "
                     "records of a fresh set are in no fold's tuning or held-out part; records of a development set "
                     "are in the dev part only",
            "figures": figures}


def write_sources(figures: list[dict]) -> None:
    """SOURCES.md: where every committed (openly licensed) image comes from and under which licence."""
    lines = ["# Sources of the committed development-set images (eval/devset/open/)", "",
             "Written by build.py. Each file is the unchanged file from the repository named, at the commit",
             "named (or, where `rendered` is given, that PDF rendered by pdftoppm at that resolution).", "",
             "| file | paper | repository | commit | path | rendered | licence | evidence |",
             "|---|---|---|---|---|---|---|---|"]
    for fig in figures:
        if fig["open"]:
            src = fig["source"]
            cells = [fig["file"], fig["paper"], src["repo"], src["commit"][:12], src["path"],
                     fig.get("rendered_from", ""), fig.get("licence", ""), fig.get("licence_evidence", "")]
            lines.append("| " + " | ".join(str(c).replace("|", "/").replace("\n", " ") for c in cells) + " |")
    (HERE / "SOURCES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build_captions() -> dict:
    captions, ids = [], set()
    for part in sorted((HERE / "parts").glob("captions_*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row["id"] in ids:
                continue
            ids.add(row["id"])
            captions.append({**row, "annotator": part.stem.removeprefix("captions_"), "fold": fold_of(row["paper"])})
    return {"folds": FOLDS, "held_out_folds": HELD_OUT, "fresh_sets": FRESH_SETS, "development_sets": DEVELOPMENT_SETS,
            "split": "fold = sha256(paper key) mod 5, fixed before any tuning; folds 3 and 4 are held out; "
                     "records of a fresh set are in no fold's tuning or held-out part; records of a development set "
                     "are in the dev part only",
            "captions": captions}


def register_sets() -> None:
    """Rewrite only which sets are fresh and which are development data in both gold files (no image needed)."""
    for name in ("separation_dev.json", "captions_dev.json"):
        path = HERE / name
        gold = json.loads(path.read_text(encoding="utf-8"))
        gold["fresh_sets"], gold["development_sets"] = FRESH_SETS, DEVELOPMENT_SETS
        path.write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _lost_digests(figures: list[dict]) -> list[str]:
    """Records whose image digest the gold has now and the rebuild would drop (their image is not in --images)."""
    path = HERE / "separation_dev.json"
    if not path.exists():
        return []
    now = {r["id"]: r for r in figures}
    return [r["file"] for r in json.loads(path.read_text(encoding="utf-8"))["figures"]
            if r.get("sha256") and not (now.get(r["id"]) or {}).get("sha256")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=Path("/work/devset/images"))
    parser.add_argument("--sets-only", action="store_true",
                        help="only rewrite the fresh and development set lists (figdex/models/devset_sets.py)")
    args = parser.parse_args()
    if args.sets_only:
        register_sets()
        return
    figures = build_figures(args.images)
    lost = _lost_digests(figures["figures"])
    if lost:
        raise SystemExit(f"build.py: {len(lost)} images of the gold are not under {args.images} (first: {lost[0]}); "
                         "their sha256 would be lost, so nothing was written. Give --images the folder that holds "
                         "every annotated image, or use --sets-only to change only which sets are registered.")
    write_sources(figures["figures"])
    (HERE / "separation_dev.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    captions = build_captions()
    (HERE / "captions_dev.json").write_text(json.dumps(captions, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for name, rows in (("figures", figures["figures"]), ("captions", captions["captions"])):
        sets = sorted({r["set"] for r in rows if r.get("set")})
        tagged = {t: [r for r in rows if r.get("set") == t] for t in sets}
        rows = [r for r in rows if not r.get("set")]
        held = sum(1 for r in rows if r["fold"] in HELD_OUT)
        papers = {paper_key(r["paper"]) for r in rows}
        print(f"{name}: {len(rows)} from {len(papers)} papers; held out {held}; " + "; ".join(
            f"{t} ({'fresh' if t in FRESH_SETS else 'development' if t in DEVELOPMENT_SETS else 'unregistered'}): "
            f"{len(rs)} from {len({paper_key(r['paper']) for r in rs})} papers" for t, rs in tagged.items()))


if __name__ == "__main__":
    main()
