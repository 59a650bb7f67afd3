"""Restore the PDFs of the PDF gold set that may not be committed (no open licence, or too large).

    python eval/pdf/restore.py [--mirrors /work/.mirror]

Each record of manifest.json names its source (repository, commit, path) and sha256.  The file
is read from a git mirror of that repository (``<mirrors>/<owner>+<name>/repo``, as the search
tool's fetch lays them out, or ``<mirrors>/<owner>/<name>`` for a plain clone), or downloaded from
raw.githubusercontent.com with ``--download``, and checked against the recorded sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _git_dir(mirrors: Path, repo: str) -> Path | None:
    owner, name = repo.split("/", 1)
    # a fetched mirror is a bare git dir (repo) or, for some repositories, a clone with a work tree (repo/.git)
    for candidate in (mirrors / f"{owner}+{name}" / "repo" / ".git", mirrors / f"{owner}+{name}" / "repo",
                      mirrors / owner / name / ".git", mirrors / owner / name):
        if candidate.exists():
            return candidate
    return None


def restore(record: dict, mirrors: Path, download: bool) -> str:
    target = ROOT / record["file"]
    if target.exists():
        return "present"
    data = None
    git_dir = _git_dir(mirrors, record["repo"])
    if git_dir is not None:
        done = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{record['commit']}:{record['path']}"],
                              capture_output=True)
        data = done.stdout if done.returncode == 0 else None
    if data is None and download:
        url = f"https://raw.githubusercontent.com/{record['repo']}/{record['commit']}/{record['path']}"
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    if data is None:
        return f"missing: no mirror of {record['repo']} under {mirrors} (fetch it, or pass --download)"
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        return "sha256 differs: not written"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return "restored"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--download", action="store_true", help="download from GitHub when no mirror has the file")
    args = parser.parse_args()
    bad = 0
    for record in json.loads((HERE / "manifest.json").read_text()):
        outcome = restore(record, args.mirrors, args.download)
        bad += not outcome.startswith(("present", "restored"))
        print(f"{record['id']}: {outcome}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
