"""One master image in full: what an image page shows, and its files (whole figure, crop, thumbnail).

Files are found only through the database (``figures.image_path``) and resolved inside the
dataset directory: a caller names an image by its id, never by a path.  Crops and
thumbnails are made with Pillow on first use and cached under ``<dataset>/cache/``, keyed by
the figure's content hash and the master's box, so a changed image or box gets new files.
"""

from __future__ import annotations

import io
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from figdex.index.db import Dataset
from figdex.index.fulltext import TextHit
from figdex.index.records import Hit
from figdex.retrieval.search import hits_for

CACHE_DIR = "cache"
THUMBNAIL_SIZES = (128, 256, 512)


@dataclass(frozen=True)
class ScaleBarInfo:
    box: tuple[int, int, int, int] | None  # in figure pixels
    length_px: float | None
    label_text: str | None
    nm: float | None
    confidence: float | None
    source: str | None


@dataclass(frozen=True)
class ImageDetails:
    hit: Hit
    master_id: int
    figure_path: Path | None  # the whole figure's file, inside the dataset; None when not stored
    figure_sha256: str | None
    figure_size: tuple[int, int] | None  # width, height
    box: tuple[int, int, int, int] | None  # the master's box in figure pixels; None: the whole figure
    scale_source: str | None
    scale_confidence: float | None
    scale_bars: tuple[ScaleBarInfo, ...]
    labels: dict[str, tuple[str, ...]]  # kind -> values (best first); 'rejected': taken off by a user
    panels: tuple[tuple[str, str], ...]  # (id, panel) of every master of the same figure
    keywords: tuple[str, ...]


def image_details(ds: Dataset, uid: str) -> ImageDetails | None:
    """Everything known about the master image ``uid``; None when there is none."""
    row = ds.conn.execute(
        """SELECT m.id, m.figure_id, m.x0, m.y0, m.x1, m.y1, m.scale_source, m.scale_confidence, m.keywords,
                  f.image_path, f.image_status, f.image_sha256, f.width, f.height
           FROM master_images m JOIN figures f ON f.id = m.figure_id WHERE m.uid = ?""", (uid,)).fetchone()
    if row is None:
        return None
    hit = next(hits_for(ds, [TextHit(row["id"], 0.0)]))
    box = tuple(row[k] for k in ("x0", "y0", "x1", "y1"))
    size = (row["width"], row["height"]) if row["width"] and row["height"] else None
    if None in box or (size and box == (0, 0, *size)):
        box = None
    bars = tuple(
        ScaleBarInfo(None if b["x0"] is None else (b["x0"], b["y0"], b["x1"], b["y1"]), b["length_px"],
                     b["label_text"], b["nm"], b["confidence"], b["source"])
        for b in ds.conn.execute("SELECT * FROM scale_bars WHERE master_image_id = ? ORDER BY id", (row["id"],)))
    from figdex.index.curation import image_labels

    labels = {kind: [v["value"] for v in values] for kind, values in sorted(image_labels(ds, uid).items())}
    panels = tuple((r["uid"], r["panel"]) for r in ds.conn.execute(
        "SELECT uid, panel FROM master_images WHERE figure_id = ? ORDER BY panel", (row["figure_id"],)))
    return ImageDetails(
        hit=hit, master_id=row["id"],
        figure_path=stored_file(ds, row["image_path"]) if row["image_status"] == "ok" else None,
        figure_sha256=row["image_sha256"], figure_size=size, box=box,
        scale_source=row["scale_source"], scale_confidence=row["scale_confidence"], scale_bars=bars,
        labels={k: tuple(v) for k, v in labels.items()}, panels=panels,
        keywords=tuple(json.loads(row["keywords"] or "[]")),
    )


def stored_file(ds: Dataset, rel: str | None) -> Path | None:
    """The stored file a database path names, only if it resolves inside the dataset and exists."""
    if not rel:
        return None
    root = ds.root.resolve()
    path = (root / rel).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


@dataclass(frozen=True)
class ImageBytes:
    """A file to send: a path on disk, or bytes when the cache could not be written."""

    path: Path | None
    data: bytes | None
    mimetype: str


_MIMETYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
              "tif": "image/tiff", "tiff": "image/tiff", "webp": "image/webp", "bmp": "image/bmp"}


def mimetype_of(path: Path) -> str:
    return _MIMETYPES.get(path.suffix.lstrip(".").lower(), "application/octet-stream")


def master_file(ds: Dataset, details: ImageDetails) -> ImageBytes | None:
    """The master image itself: the figure file, or its box cut out (in the figure's format)."""
    src = details.figure_path
    if src is None:
        return None
    if details.box is None:
        return ImageBytes(src, None, mimetype_of(src))
    return _cached(ds, details, "crop", src.suffix, lambda im: im.crop(details.box), mimetype_of(src),
                   keep_format=True)


def thumbnail_file(ds: Dataset, details: ImageDetails, size: int) -> ImageBytes | None:
    """A JPEG of the master image at most ``size`` pixels on its longer side."""
    if details.figure_path is None:
        return None

    def make(im):
        from PIL import Image

        im = _rgb(im.crop(details.box) if details.box else im)
        im.thumbnail((size, size), Image.Resampling.LANCZOS)
        return im

    return _cached(ds, details, f"t{size}", ".jpg", make, "image/jpeg")


def _rgb(im):
    """RGB for JPEG: alpha on white, 16-bit and float stretched to 8-bit (as ``load_rgb`` does)."""
    import numpy as np
    from PIL import Image

    if im.mode in ("RGBA", "LA", "P", "PA"):
        im = im.convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", im.size, (255, 255, 255, 255)), im).convert("RGB")
    if im.mode.startswith("I") or im.mode == "F":
        arr = np.asarray(im, dtype=np.float32)
        arr = (255 * (arr - arr.min()) / max(1.0, float(arr.max() - arr.min()))).astype(np.uint8)
        return Image.fromarray(arr).convert("RGB")
    return im.convert("RGB")


def _cached(ds: Dataset, details: ImageDetails, variant: str, suffix: str, make, mimetype: str,
            keep_format: bool = False) -> ImageBytes:
    from PIL import Image

    box = "full" if details.box is None else "_".join(map(str, details.box))
    digest = details.figure_sha256 or "nohash"
    name = f"{digest}-{box}-{variant}{suffix.lower()}"
    path = ds.root / CACHE_DIR / digest[:2] / name
    if path.is_file():
        return ImageBytes(path, None, mimetype)
    with Image.open(details.figure_path) as im:
        fmt = im.format if keep_format else "JPEG"
        out = make(im)
        buf = io.BytesIO()
        out.save(buf, format=fmt, **({"quality": 85} if fmt == "JPEG" else {}))
    data = buf.getvalue()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{name}.{os.getpid()}-{threading.get_ident()}.part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # atomic: two requests for one thumbnail never see half a file
    except OSError:
        return ImageBytes(None, data, mimetype)  # a read-only dataset: serve without caching
    return ImageBytes(path, None, mimetype)
