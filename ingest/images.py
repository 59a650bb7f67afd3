"""Find the saved image file of a figure beside its page.

Pages are saved in several layouts: EXSCLAIM keeps ``<article>_fig<N>.jpg`` in a
``figures/`` folder next to the HTML folder; browsers write ``<page>_files/``; PMC
packages put ``<href>.jpg`` beside the .nxml.  The resolver looks in each of those
places, by the URL's file name first and the article/figure number second.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from figdex.index.records import Figure

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".webp", ".bmp")


@lru_cache(maxsize=256)
def _listing(directory: str) -> dict[str, str]:
    """lower-case file name -> real name, for one directory (cached: pages share folders)."""
    try:
        return {name.lower(): name for name in os.listdir(directory)}
    except OSError:
        return {}


def clear_cache() -> None:
    _listing.cache_clear()


def candidate_dirs(page: Path) -> list[Path]:
    page_dir = page.parent
    dirs = [
        page_dir,
        page_dir / "figures",
        page_dir / "images",
        page_dir / f"{page.stem}_files",
        page_dir / page.stem,
        page_dir.parent / "figures",
    ]
    return [d for d in dirs if d.is_dir()]


def _article_stems(page: Path, doi: str | None) -> list[str]:
    stems = [page.stem]
    if doi:
        suffix = doi.split("/", 1)[-1]
        stems += [suffix, suffix.replace("/", "_"), doi.replace("/", "_")]
    return list(dict.fromkeys(s.lower() for s in stems))


def resolve_image(page: Path, figure: Figure, doi: str | None = None) -> Path | None:
    """The local file holding this figure's image, or None when it was not saved."""
    if figure.image_file and Path(figure.image_file).is_file():
        return Path(figure.image_file)  # a parser that made the image (a PDF's rendered figure) says where
    url_name = ""
    if figure.image_url:
        url_name = unquote(Path(urlparse(figure.image_url).path).name).lower()
    prefix = {"scheme": "sch", "chart": "chart"}.get(figure.kind, "fig")
    numbered = [f"{stem}_{prefix}{figure.number}" for stem in _article_stems(page, doi)]
    if figure.kind == "scheme":
        numbered += [f"{stem}_scheme{figure.number}" for stem in _article_stems(page, doi)]
    for directory in candidate_dirs(page):
        listing = _listing(str(directory))
        if url_name:
            if url_name in listing and url_name.endswith(IMAGE_EXTS):
                return directory / listing[url_name]
            # PMC hrefs carry no extension ("pone.0000217.g001"); springer ones differ in size suffix.
            for ext in IMAGE_EXTS:
                if url_name + ext in listing:
                    return directory / listing[url_name + ext]
        for base in numbered:
            for ext in IMAGE_EXTS:
                if base + ext in listing:
                    return directory / listing[base + ext]
    return None


def looks_like_image_name(name: str) -> bool:
    return bool(re.search(r"\.(jpe?g|png|gif|tiff?|webp|bmp)$", name, re.I))
