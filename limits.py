"""Bounds on what one input may cost: text length, image pixels, nesting depth, time.

One hostile file (a caption of megabytes, a PNG declaring 20000x20000 pixels, elements nested
ten thousand deep) must be refused with a clear reason instead of hanging or stopping a run.
Every stage reads its bounds from here, so they are tuned in one place; each value says why it
is what it is.  This module imports nothing from figdex: every layer may use it.
"""

from __future__ import annotations

import re

# -- text ----------------------------------------------------------------------------------------
# Characters of one caption that are stored, split and matched.  The longest caption of the
# development set is 2,751 characters and of the demo corpus 1,565; 20,000 leaves room for
# supplementary legends while keeping the caption stages (split, spaCy) well under a second.
MAX_CAPTION_CHARS = 20_000

# Longest run of characters without white space handed to spaCy.  Its tokenizer peels prefixes
# and suffixes off one whitespace-delimited chunk at a time, copying the rest each time: the cost
# grows with the square of a chunk's length (3,000 characters of "&'<" take 0.9 s, 1.4 MB would
# take days).  The longest chunks of real captions are 53 characters (a URL in parentheses) and
# the longest vocabulary variant is 48: cutting at 200 changes no match a person would make.
MAX_TOKEN_CHARS = 200

# Characters of a search query that are parsed (the rest is cut, with a note), and its terms.
# Pasted paragraphs are the long queries people type; 32 terms keep an engine's query small.  A raw
# query (--raw) past MAX_QUERY_CHARS is refused instead (cutting would change its syntax): engines'
# cost grows with its clauses (3,000 ranges take the OpenSearch emulator over 10 s).
MAX_QUERY_CHARS = 2000
MAX_TERMS = 32

# Characters of one filter value (journal, licence, label, ...).  The longest journal name of the
# corpora has 79 characters and labels are capped at 200 (retrieval/tags.py); tantivy compiles
# journal and licence filters into a regex of at most 1000 states, which 51 "_" already fill (the
# engine's refusal is a QueryError too).
MAX_FILTER_CHARS = 200

# Years a filter may name: SQLite and tantivy store them as 64-bit integers and overflow past that.
MAX_YEAR = 9999

# Scales (nm per pixel) a filter may name: from 0 (negative -0.0 included, read as 0) to a
# kilometre per pixel, coarser than any figure.  JSON, hence Elasticsearch, has no NaN or infinity,
# and the values outside only reach engines' edge cases: the OpenSearch emulator of the tests
# (osmem-server 0.1.6) spins for ever on a range up to 1.8e308 or from -0.0 to 0.0.
MAX_NM_PER_PX = 1e12

# -- markup --------------------------------------------------------------------------------------
# Element nesting of a page or XML file.  The deepest page of the corpora is 39 levels (an ACS
# page).  Text extraction walks the tree recursively (Python stops near 1000 frames), and
# libxml2's HTML parser stops at 256 levels by dropping the rest of the page without a word:
# a page that deep has lost its later figures, so the bound sits below that.
MAX_MARKUP_DEPTH = 200

# -- arXiv e-prints -------------------------------------------------------------------------------
# Bytes of one e-print download.  arXiv refuses submissions over 50 MB (its documented limit);
# 64 MiB leaves room for the few it let through.
MAX_EPRINT_BYTES = 64 * 1024 * 1024
# Bytes an e-print may unpack to, and members it may hold: a gzip bomb or a tar of a million
# empty files is refused with this reason instead of filling the disk or the memory.
MAX_EPRINT_UNPACKED = 512 * 1024 * 1024
MAX_EPRINT_MEMBERS = 5000
# \input/\include nesting followed from the main .tex file (real papers nest 2-3 deep; a file that
# inputs itself must stop), and characters of LaTeX read once every input is expanded (the
# longest real papers are ~1 MB of source with their appendices).
MAX_TEX_INPUT_DEPTH = 8
MAX_TEX_CHARS = 8_000_000

# -- images --------------------------------------------------------------------------------------
# Pixels of one image.  The largest real figure of the development set is 87 MP (16154x5402);
# Pillow warns above 89 MP and refuses above 179 MP as a decompression bomb.
# 120 MP keeps one RGB copy under 360 MB, and separation holds a few.
MAX_IMAGE_PIXELS = 120_000_000

# Long side / short side.  The most elongated real figure is 6.85:1 (a 685x100 time series); the
# OCR engine cannot resize a line of text beyond ~125:1 (rapidocr: ResizeImgError), and nothing in
# a 1x100000 strip is a figure.
MAX_ASPECT_RATIO = 50

# -- PDF -----------------------------------------------------------------------------------------
# Pages of one PDF that are read.  Articles run to ~30 pages and supplementary files to ~150; a
# 1,000-page book or a concatenated batch is not one article (and would take minutes): refused.
MAX_PDF_PAGES = 300

# Drawing objects (paths, images, text runs) of one page that are looked at.  A dense vector
# scatter plot has ~20,000 paths; past this bound the page's figure regions are not computed
# (its figures are still listed with their captions) instead of spending minutes on one page.
MAX_PDF_PAGE_OBJECTS = 60_000

# Rendering resolution of a figure region: 300 dpi keeps a scale bar's 6-pt label readable for
# OCR (~25 px high).  A region whose render would pass MAX_IMAGE_PIXELS is rendered coarser, noted.
PDF_RENDER_DPI = 300

# -- time ----------------------------------------------------------------------------------------
# Seconds one source file may spend in parsing and caption analysis before it is given up (checked
# between figures).  The slowest real page (1.5 MB, ACS) takes ~2.5 s with its captions; the
# bounds above keep every step short, and this catches what they do not foresee.
MAX_FILE_SECONDS = 120


class LimitError(ValueError):
    """An input past one of these bounds; the message names the file, the bound and what to do."""


def image_size_problem(width: int, height: int) -> str | None:
    """Why an image of ``width`` x ``height`` pixels is refused, or None when it is within bounds."""
    if width < 1 or height < 1:
        return f"it declares {width}x{height} pixels"
    if width * height > MAX_IMAGE_PIXELS:
        return (f"it declares {width}x{height} pixels ({width * height / 1e6:.0f} MP), more than the "
                f"{MAX_IMAGE_PIXELS // 1_000_000} MP figdex decodes; scale it down")
    if max(width, height) / min(width, height) > MAX_ASPECT_RATIO:
        return (f"it is {width}x{height} pixels, more than {MAX_ASPECT_RATIO}:1 (not a figure); "
                "crop or pad it")
    return None


def open_image(path):
    """``path`` opened with Pillow (pixels not decoded yet) when its declared size is within bounds.

    Raises LimitError for a size past MAX_IMAGE_PIXELS or MAX_ASPECT_RATIO (a decompression bomb
    included), and whatever Pillow raises for a file it cannot read."""
    from PIL import Image

    try:
        im = Image.open(path)
    except Image.DecompressionBombError as exc:  # past twice Pillow's own limit: it says how many pixels
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(pixels.group(1)) / 1e6:.0f} MP ({pixels.group(1)} pixels)" if pixels else "too many pixels"
        raise LimitError(f"{path}: not decoded: it declares {size}, more than the {MAX_IMAGE_PIXELS // 1_000_000} "
                         "MP figdex decodes (a decompression bomb?); scale it down") from None
    problem = image_size_problem(*im.size)
    if problem:
        im.close()
        raise LimitError(f"{path}: not decoded: {problem}")
    return im


_LONG_RUN = re.compile(r"\S{%d,}" % (MAX_TOKEN_CHARS + 1))


def break_long_runs(text: str) -> str:
    """``text`` with every run of more than MAX_TOKEN_CHARS non-space characters cut by a space every
    MAX_TOKEN_CHARS characters: what spaCy tokenizes in linear time."""
    n = MAX_TOKEN_CHARS
    return _LONG_RUN.sub(lambda m: " ".join(m.group(0)[i:i + n] for i in range(0, len(m.group(0)), n)), text)
