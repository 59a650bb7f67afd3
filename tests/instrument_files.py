"""Where the tests find real instrument files.

- ``committed(name, tmp_path)``: a file of tests/data/instrument (MIT / US public domain, see
  tests/data/SOURCES.md).  Several are kept as upstream's .tar.gz; the one member is unpacked
  into tmp_path.
- ``restored(name[, folder, manifest])``: a GPL-3.0 file of eval/instrument_restore.tsv (or an image of a bar
  split's restore manifest), which may not be committed;
  present only after ``python eval/restore_instrument.py``, else the test is skipped saying so.
"""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "instrument"
RESTORED = REPO / "eval" / "restored" / "instrument"
RESTORE_COMMAND = "python eval/restore_instrument.py"


def committed(name: str, tmp_path: Path) -> Path:
    path = DATA / name
    if not name.endswith(".tar.gz"):
        return path
    with tarfile.open(path) as tar:
        members = [m for m in tar.getmembers() if m.isfile() and not m.name.endswith(".hdr")]
        assert len(members) == 1, f"{path}: expected one image in the archive, found {[m.name for m in members]}"
        out = tmp_path / Path(members[0].name).name
        out.write_bytes(tar.extractfile(members[0]).read())
    return out


def restored(name: str, folder: str = "instrument", manifest: str = "") -> Path:
    """A file restored under eval/restored/<folder>/ (the instrument files by default; a bar split's images
    with ``manifest``, its restore TSV), or the test is skipped saying how to restore it."""
    path = REPO / "eval" / "restored" / folder / name
    if not path.exists():
        how = f"{RESTORE_COMMAND} --manifest {manifest} --into eval/restored/{folder}" if manifest else RESTORE_COMMAND
        pytest.skip(f"{name} is not committed (its licence does not allow it): run `{how}` to restore it")
    return path
