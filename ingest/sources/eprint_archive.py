"""An arXiv e-print's files: the archive arXiv serves at ``/e-print/ID`` read into memory.

arXiv serves an e-print as a gzip'd tar of the submitted files, a single gzip'd .tex file, or a
PDF when the authors sent no source.  ``open_eprint`` reads any of these within the bounds of
``figdex/limits.py`` (size, members, unpacked bytes) and refuses anything else with an
``EprintError`` that names the file; reading the LaTeX inside is ``arxiv_source``'s work.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import zlib
from pathlib import Path

from figdex.ingest.sources.base import SourceError
from figdex.limits import MAX_EPRINT_BYTES, MAX_EPRINT_MEMBERS, MAX_EPRINT_UNPACKED

TEX_EXTS = (".tex", ".ltx", ".latex")


class EprintError(SourceError):
    """An e-print that cannot be read; the message names the file and what to do."""


# -- the archive ---------------------------------------------------------------------------------
class Eprint:
    """The files of an e-print: ``kind`` is "tar", "tex" (one gzip'd file) or "pdf"."""

    def __init__(self, path: Path, kind: str, files: dict[str, bytes]):
        self.path, self.kind, self.files = path, kind, files
        self._lower = {name.lower(): name for name in files}

    def find(self, name: str) -> str | None:
        """The member called ``name`` (normalised; case-insensitive as a fallback), or None."""
        name = posixpath.normpath(name) if name not in self.files else name
        if name in self.files:
            return name
        return self._lower.get(name.lower())


def open_eprint(path: str | Path) -> Eprint:
    """Read an e-print file (gzip'd tar, tar, gzip'd single file, or PDF) into memory, within bounds."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_EPRINT_BYTES:
            raise EprintError(f"{path}: {size / 2**20:.0f} MiB is more than the {MAX_EPRINT_BYTES // 2**20} MiB "
                              "an e-print may have (figdex's limit); not read")
        raw = path.read_bytes()
    except OSError as exc:
        raise EprintError(f"{path}: cannot read the e-print ({exc.strerror or exc})") from None
    if raw.startswith(b"%PDF"):
        return Eprint(path, "pdf", {})
    if raw[:2] == b"\x1f\x8b":
        data = _gunzip(path, raw)
        if data.startswith(b"%PDF"):
            return Eprint(path, "pdf", {})
        if _is_tar(data):
            return Eprint(path, "tar", _untar(path, data))
        if not looks_like_latex(data):
            raise EprintError(f"{path}: not an arXiv e-print: the gzip'd file is neither a tar archive, a PDF "
                              "nor LaTeX (no \\documentclass)")
        name = _gzip_name(raw) or "main.tex"
        if not name.lower().endswith(TEX_EXTS):
            name = Path(name).stem + ".tex"
        return Eprint(path, "tex", {name: data})
    if _is_tar(raw):
        return Eprint(path, "tar", _untar(path, raw))
    raise EprintError(f"{path}: not an arXiv e-print (neither a gzip'd tar, a gzip'd .tex file nor a PDF: it "
                      f"starts with {raw[:8]!r}); delete it and run again to fetch it anew")


def looks_like_latex(data: bytes) -> bool:
    head = data[:262144]
    return any(mark in head for mark in (b"\\documentclass", b"\\documentstyle", b"\\begin{document}"))


def _gunzip(path: Path, raw: bytes) -> bytes:
    out, total = [], 0
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        chunk = d.decompress(raw, 1 << 20)
        while True:
            out.append(chunk)
            total += len(chunk)
            if total > MAX_EPRINT_UNPACKED:
                raise EprintError(f"{path}: unpacks to more than {MAX_EPRINT_UNPACKED // 2**20} MiB (figdex's limit "
                                  "for an e-print; a gzip bomb?); not read")
            if not d.unconsumed_tail:
                break
            chunk = d.decompress(d.unconsumed_tail, 1 << 20)
        out.append(d.flush())
    except zlib.error as exc:
        raise EprintError(f"{path}: the e-print is a broken gzip file ({exc}); delete it and run again to "
                          "fetch it anew") from None
    if not d.eof:
        raise EprintError(f"{path}: the e-print is cut short (the gzip stream ends early); delete it and run "
                          "again to fetch it anew")
    return b"".join(out)


def _gzip_name(raw: bytes) -> str | None:
    """The original file name stored in a gzip header (FNAME), if any."""
    if len(raw) < 10 or not raw[3] & 0x08:
        return None
    i = 10
    if raw[3] & 0x04:  # FEXTRA
        i += 2 + int.from_bytes(raw[10:12], "little")
    end = raw.find(b"\0", i)
    name = raw[i:end].decode("latin-1") if end > i else ""
    return posixpath.basename(name) or None


def _is_tar(data: bytes) -> bool:
    return len(data) >= 512 and data[257:262] == b"ustar" or (
        len(data) >= 512 and data[:100].rstrip(b"\0") != b"" and _tar_checksum_ok(data[:512]))


def _tar_checksum_ok(header: bytes) -> bool:
    try:
        stored = int(header[148:156].replace(b"\0", b" ").strip() or b"-1", 8)
    except ValueError:
        return False
    return stored == sum(header[:148]) + 256 + sum(header[156:512])


def _untar(path: Path, data: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for n, member in enumerate(tar):
                if n >= MAX_EPRINT_MEMBERS:
                    raise EprintError(f"{path}: more than {MAX_EPRINT_MEMBERS} files in the e-print (figdex's "
                                      "limit); not read")
                if not member.isfile():
                    continue  # links and devices are never followed
                name = posixpath.normpath(member.name.lstrip("/"))
                if name.startswith("../") or name == "..":
                    continue  # never a path outside the archive
                total += member.size
                if total > MAX_EPRINT_UNPACKED:
                    raise EprintError(f"{path}: unpacks to more than {MAX_EPRINT_UNPACKED // 2**20} MiB (figdex's "
                                      "limit for an e-print); not read")
                fh = tar.extractfile(member)
                files[name] = fh.read() if fh is not None else b""
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise EprintError(f"{path}: the e-print is a broken tar archive ({exc}); delete it and run again to "
                          "fetch it anew") from None
    return files
