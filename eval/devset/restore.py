"""Restore the development-set images that may not be committed (no open licence).

    python eval/devset/restore.py [--mirrors /work/.mirror]

Each record of separation_dev.json names its source (repository, commit, path).  The file is
read from a git mirror of that repository (``<mirrors>/<owner>+<name>/repo``, as the search
tool's fetch lays them out, or ``<mirrors>/<owner>/<name>`` for a plain clone) and checked
against the sha256 recorded when it was annotated.  Figures rendered from a PDF are rendered
again with pdftoppm at the recorded resolution.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def git_dir(mirrors: Path, repo: str) -> Path | None:
    owner, name = repo.split("/", 1)
    for candidate in (mirrors / f"{owner}+{name}" / "repo" / ".git", mirrors / f"{owner}+{name}" / "repo", mirrors / owner / name / ".git", mirrors / owner / name):
        if candidate.exists():
            return candidate
    return None


def restore(record: dict, mirrors: Path) -> str:
    target = HERE / "restored" / record["file"]
    if target.exists():
        return "present"
    src = record["source"]
    gd = git_dir(mirrors, src["repo"])
    if gd is None:
        return f"missing mirror of {src['repo']}: fetch it (search tool: fetch github:{src['repo']}) or clone it under {mirrors}"
    blob = subprocess.run(["git", f"--git-dir={gd}", "show", f"{src['commit']}:{src['path']}"], capture_output=True)
    if blob.returncode:
        return f"{src['repo']}@{src['commit'][:10]}:{src['path']} not in the mirror"
    data = blob.stdout
    rendered = record.get("rendered_from") or ""
    if rendered.startswith("pdf"):
        dpi = re.search(r"(\d+)\s*dpi", rendered)
        with tempfile.TemporaryDirectory() as tmp:
            pdf = Path(tmp) / "figure.pdf"
            pdf.write_bytes(data)
            subprocess.run(["pdftoppm", "-r", dpi.group(1) if dpi else "150", "-png", "-singlefile",
                            str(pdf), str(Path(tmp) / "out")], check=True)
            data = (Path(tmp) / "out.png").read_bytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    want = record.get("sha256")
    if want and hashlib.sha256(data).hexdigest() != want and not rendered:
        return "restored, but its sha256 differs from the annotated file"
    return "restored"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    args = parser.parse_args()
    gold = json.loads((HERE / "separation_dev.json").read_text(encoding="utf-8"))
    problems = 0
    for record in gold["figures"]:
        if record["open"]:
            continue
        status = restore(record, args.mirrors)
        if status not in ("present", "restored"):
            problems += 1
            print(f"{record['id']}: {status}", file=sys.stderr)
    print(f"{sum(1 for r in gold['figures'] if not r['open'])} figures without an open licence; {problems} not restored")


if __name__ == "__main__":
    main()
