"""Fuzzing the image stages with hostile images (tests/hostile.py) and mutations of real figures.

Bases: the demo corpus's real JPEG and PNG figures, a real TIFF of tests/data, those figures as
CMYK, 16-bit, float, palette and animated images, and the hostile ones (a decompression bomb,
1x100000, truncated, empty, an SVG).  Mutations: truncation, flipped bytes (header bytes half of
the time), declared sizes rewritten (PNG IHDR with or without a fixed CRC, JPEG SOF, GIF screen),
bytes appended or prepended, spans repeated.

The contract: ``store_image`` stores an image or refuses it with a reason naming the file, never
raises; ``load_rgb`` reads an image or raises LimitError/OSError naming it; whatever was stored,
every stage reads (RGB uint8 of the stored size, copy verification, an embedder).  The catalogue
test runs every image command on the hostile images themselves.
"""

from __future__ import annotations

import atexit
import shutil
import struct
import tempfile
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import strategies as st

from figdex.cli.main import cli
from figdex.index.db import Dataset
from figdex.index.records import IMAGE_OK
from figdex.limits import LimitError
from figdex.models.copy_verify import gray_small
from figdex.models.ocr import load_rgb
from tests import hostile
from tests.conftest import REPO
from tests.fuzz_support import fuzz_pair, time_limit

CASE_SECONDS = 30  # decoding a 120 MP image takes ~2 s
WORK = Path(tempfile.mkdtemp(prefix="figdex-fuzz-images-"))
atexit.register(shutil.rmtree, WORK, True)


@lru_cache(maxsize=None)
def bases() -> dict[str, tuple[str, bytes]]:
    out = {key: (Path(name).suffix, data) for key, (name, data, _) in hostile.hostile_images().items()}
    out["jpeg"] = (".jpg", hostile.REAL_JPEG.read_bytes())
    out["png"] = (".png", hostile.REAL_PNG_AS_JPG.read_bytes())
    out["tiff"] = (".tif", (REPO / "tests" / "data" / "scale_labels" / "1.tif").read_bytes())
    return out


@st.composite
def image_change(draw):
    kind = draw(st.sampled_from(["truncate", "flip", "size", "append", "prepend", "repeat"]))
    if kind == "flip":
        header = draw(st.booleans())
        return kind, draw(st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255), st.just(header)),
                                   min_size=1, max_size=12))
    if kind == "size":
        side = st.one_of(st.integers(0, 12_000), st.sampled_from([0, 1, 65_535, 100_000, 2**31 - 1, 2**32 - 1]))
        return kind, (draw(side), draw(side), draw(st.booleans()))
    if kind in ("append", "prepend"):
        return kind, draw(st.binary(max_size=64))
    if kind == "repeat":
        return kind, (draw(st.floats(0, 1)), draw(st.integers(1, 4096)), draw(st.integers(2, 50)))
    return kind, draw(st.floats(0, 1))


def change_image(data: bytes, changes) -> bytes:
    for kind, arg in changes:
        if kind == "truncate":
            data = data[:int(arg * len(data))]
        elif kind == "flip" and data:
            out = bytearray(data)
            for pos, mask, header in arg:
                out[int(pos * (min(len(out), 64) if header else len(out)) - 1e-9)] ^= mask
            data = bytes(out)
        elif kind == "size":
            data = _declare_size(data, *arg)
        elif kind == "append":
            data = data + arg
        elif kind == "prepend":
            data = arg + data
        elif kind == "repeat":
            at, length, times = arg
            i = int(at * len(data))
            data = data[:i] + data[i:i + length] * times + data[i:]
    return data


def _declare_size(data: bytes, width: int, height: int, fix_crc: bool) -> bytes:
    """The file with other dimensions written where its format declares them."""
    if data.startswith(b"\x89PNG") and len(data) >= 33:
        ihdr = data[12:16] + struct.pack(">II", width % 2**32, height % 2**32) + data[24:29]
        crc = struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF) if fix_crc else data[29:33]
        return data[:12] + ihdr + crc + data[33:]
    if data.startswith(b"\xff\xd8"):
        for marker in (b"\xff\xc0", b"\xff\xc2"):
            i = data.find(marker)
            if i > 0 and len(data) >= i + 9:
                return data[:i + 5] + struct.pack(">HH", height % 2**16, width % 2**16) + data[i + 9:]
    if data.startswith(b"GIF") and len(data) >= 10:
        return data[:6] + struct.pack("<HH", width % 2**16, height % 2**16) + data[10:]
    return data


@lru_cache(maxsize=None)
def _stage():
    """A dataset to store into, and a small embedder every stored image goes through."""
    from figdex.models.embedders import create_embedder

    ds = Dataset.in_memory(WORK / "ds")
    atexit.register(ds.close)
    return ds, create_embedder("thumbnail-16")


def check_images(name, base, changes):
    suffix, data = bases()[base]
    path = WORK / f"case{suffix}"
    path.write_bytes(change_image(data, changes))
    ds, embedder = _stage()
    with time_limit(CASE_SECONDS, f"{name}: {base} after {[k for k, _ in changes]}"):
        stored = ds.store_image(path)
        try:
            raw = load_rgb(path)
        except (LimitError, OSError) as exc:
            assert str(path) in str(exc), f"a refusal must name the file: {exc}"
            raw = None
        if stored.status != IMAGE_OK:
            assert stored.reason and str(path) in stored.reason, stored
            return
        dest = ds.root / stored.path
        try:
            image = load_rgb(dest)  # what was stored, every stage reads
            assert raw is not None and image.dtype == np.uint8 and image.shape == (stored.height, stored.width, 3)
            gray_small(image)
            assert embedder.embed([image]).shape == (1, embedder.config.dim)
        finally:
            dest.unlink()


test_fuzz_images, test_fuzz_images_long = fuzz_pair(
    150, 25_000, st.sampled_from(sorted(bases())), st.lists(image_change(), min_size=0, max_size=3))(check_images)


# -- the catalogue through every image command --------------------------------------------------------

def test_every_image_command_takes_the_hostile_catalogue(tmp_path):
    """ingest-images (store, separate, classify, scale, embed), figures separate/scale/read-label and
    similar on each hostile image: the accepted ones go through, the others are refused by name,
    and no command stops before the other files or ends in a traceback."""
    catalogue = hostile.hostile_images()
    files = hostile.write_images(tmp_path / "images")
    shutil.copy(hostile.REAL_JPEG, tmp_path / "images" / "real.jpg")
    accepted = sorted(str(files[k]) for k, (_, _, ok) in catalogue.items() if ok) + [str(tmp_path / "images" /
                                                                                       "real.jpg")]
    refused = sorted(str(files[k]) for k, (_, _, ok) in catalogue.items() if not ok)
    root = tmp_path / "ds"
    with Dataset.open(root) as ds:
        ds.set_config(embedder="thumbnail-16")
    runner = CliRunner()

    res = runner.invoke(cli, ["ingest-images", str(tmp_path / "images"), "--dataset", str(root)])
    assert res.exit_code == 0 and res.exception is None, res.output
    assert all(f"failed: {path}" in res.output for path in refused), res.output
    with Dataset.open(root, create=False) as ds:
        stored = {r[0] for r in ds.conn.execute("SELECT source_image FROM figures WHERE image_status = 'ok'")}
        assert stored == set(accepted)
        embedded = ds.conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        separated = ds.conn.execute("SELECT count(*) FROM figures WHERE separation_status = 'done'").fetchone()[0]
        assert embedded == separated == len(accepted)

    # The file commands run the stages ingest-images ran above; one accepted file (the smallest: each
    # costs an OCR pass) shows that they go on past the refused ones.
    for command in (["figures", "separate"], ["figures", "scale"], ["figures", "read-label"]):
        res = runner.invoke(cli, [*command, *refused[:3], str(files["one_pixel"]), *refused[3:]])
        assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.output
        assert len(res.stdout.splitlines()) == 1, (command, res.stdout)
        assert all(f"failed: {path}" in res.stderr for path in refused), (command, res.stderr)
    for path in accepted + refused:
        res = runner.invoke(cli, ["similar", path, "--dataset", str(root), "--k", "2", "--nm-per-px", "1"])
        assert isinstance(res.exception, SystemExit) or res.exception is None, (path, res.output)
        assert res.exit_code == (0 if path in accepted else 1), (path, res.output)
