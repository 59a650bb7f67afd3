"""Restore the instrument files that may not be committed (GPL-3.0 upstream) into eval/restored/instrument/.

    python eval/restore_instrument.py [--mirrors /work/.mirror] [--offline] [--manifest TSV --into DIR]

eval/instrument_restore.tsv names each file's repository, commit, path (and the member, when the
path is a .zip) and the sha256 it must have.  The path is read from a git mirror of the repository
(``<mirrors>/<owner>+<name>/repo`` as the search tool's fetch lays them out, or a plain clone at
``<mirrors>/<owner>/<name>``), else downloaded from raw.githubusercontent.com at that commit
(unless --offline).  A file whose sha256 differs is not kept.  The tests and bench/instrument_scale.py
use the restored files when present and skip, naming this command, when not.  The same manifest format
serves the held-out bar images: ``--manifest eval/scale_bars_restore.tsv --into eval/restored/scale_bars_3``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import subprocess
import sys
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "instrument_restore.tsv"
RESTORED = HERE / "restored" / "instrument"
COMMAND = "python eval/restore_instrument.py"


def manifest(path: Path = MANIFEST) -> list[dict]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    names = ["file", "repo", "commit", "path", "member", "sha256"]
    return [dict(zip(names, row)) for row in csv.reader(lines, delimiter="\t")]


def _from_mirror(mirrors: Path, row: dict) -> bytes | None:
    owner, name = row["repo"].split("/", 1)
    for gd in (mirrors / f"{owner}+{name}" / "repo", mirrors / f"{owner}+{name}" / "repo" / ".git",
               mirrors / owner / name / ".git", mirrors / owner / name):
        if gd.exists():
            blob = subprocess.run(["git", f"--git-dir={gd}", "show", f"{row['commit']}:{row['path']}"],
                                  capture_output=True)
            if blob.returncode == 0:
                return blob.stdout
    return None


def _from_github(row: dict) -> bytes:
    url = (f"https://raw.githubusercontent.com/{row['repo']}/{row['commit']}/"
           f"{urllib.parse.quote(row['path'])}")
    with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 (a fixed https host)
        return resp.read()


def restore(row: dict, mirrors: Path, offline: bool, into: Path = RESTORED) -> str:
    """'present', 'restored', or why the file is missing."""
    target = into / row["file"]
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == row["sha256"]:
        return "present"
    data = _from_mirror(mirrors, row)
    if data is None:
        if offline:
            return f"no mirror of {row['repo']} under {mirrors} (and --offline)"
        try:
            data = _from_github(row)
        except OSError as exc:
            return f"download of {row['repo']}@{row['commit'][:10]}:{row['path']} failed ({exc})"
    if row["member"] != "-":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            data = zf.read(row["member"])
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        return f"sha256 of {row['path']} {row['member']} differs from the manifest: not kept"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return "restored"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--offline", action="store_true", help="read git mirrors only, download nothing")
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="a TSV in the format of instrument_restore.tsv")
    parser.add_argument("--into", type=Path, default=RESTORED, help="where the restored files go")
    args = parser.parse_args(argv)
    rows = manifest(args.manifest)
    missing = 0
    for row in rows:
        status = restore(row, args.mirrors, args.offline, args.into)
        if status not in ("present", "restored"):
            missing += 1
        print(f"{row['file']}: {status}", file=sys.stderr if status not in ("present", "restored") else sys.stdout)
    print(f"{len(rows) - missing} of {len(rows)} files in {args.into}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
