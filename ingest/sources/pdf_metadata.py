"""A PDF article's metadata: title, authors, DOI, year and a printed Creative Commons licence.

From the document information dictionary where it is plausible, else from the first page: the
largest type near the top is the title, the line of names under it the authors, a DOI pattern
and a copyright or "Published" year, and the licence from its creativecommons.org address or its
printed name.  Nothing is guessed for a scanned PDF beyond its metadata.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from figdex.index.records import Article
from figdex.ingest.sources.pdf_layout import Line, join_lines

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>,;]+)", re.I)
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_JUNK_TITLE = re.compile(r"(microsoft word|\.docx?\b|\.dvi\b|\.tex\b|\.pdf\b|^untitled|^doi:|^\s*$|^[\w-]*\d[\w-]*$)", re.I)


def article_metadata(doc, path: Path, pages_text: list[list[Line]], scanned: bool) -> Article:
    """The article as its PDF describes it; ``pages_text``: the text lines of each page."""
    meta = {k: (v or "").strip() for k, v in doc.get_metadata_dict().items()}
    first = pages_text[0] if pages_text else []
    first_text = "\n".join(ln.text for ln in first)
    early_text = "\n".join(ln.text for page in pages_text[:2] for ln in page)
    title = _title(meta.get("Title", ""), first, first_text)
    authors = _authors(meta.get("Author", ""), first, title)
    doi = _doi(meta, first_text, early_text)
    year = _year(first_text, meta.get("CreationDate", ""))
    license_ = _license("\n".join(ln.text for page in (pages_text[:2] + pages_text[-1:]) for ln in page))
    if scanned and not title:
        title = ""
    return Article(source_file=str(path), publisher="pdf", doi=doi, title=title, year=year,
                   authors=tuple(authors), license=license_,
                   open_access=True if license_ and license_.startswith("CC") else None)


def _title(meta_title: str, first: list[Line], first_text: str) -> str:
    candidate = _largest_font_title(first)
    meta_ok = meta_title and not _JUNK_TITLE.search(meta_title) and len(meta_title.split()) >= 3
    if meta_ok:
        norm = lambda s: re.sub(r"\W+", "", s).lower()  # noqa: E731
        if norm(meta_title)[:40] in norm(first_text) or not candidate:
            return meta_title
    return candidate


def _largest_font_title(first: list[Line]) -> str:
    if not first:
        return ""
    top = max(ln.box[3] for ln in first)
    bottom = min(ln.box[1] for ln in first)
    upper = [ln for ln in first if ln.box[1] >= bottom + 0.4 * (top - bottom)
             and sum(c.isalpha() for c in ln.text) >= 3 and len(ln.text.split()) >= 1]
    if not upper:
        return ""
    # Line height, not pdfium's font size: that one leaves out the text matrix, which many PDFs scale.
    biggest = max(ln.height for ln in upper)
    lines = [ln for ln in upper if ln.height >= 0.85 * biggest]
    lines.sort(key=lambda ln: -ln.box[3])
    # Consecutive lines of that size (a title wraps); stop at the first gap of more than two lines.
    block = [lines[0]]
    for ln in lines[1:]:
        if block[-1].box[1] - ln.box[3] < 1.2 * block[-1].height:
            block.append(ln)
        else:
            break
    text = join_lines([ln.text for ln in block])
    return text if len(text.split()) >= 2 else ""


def _authors(meta_author: str, first: list[Line], title: str) -> list[str]:
    if meta_author and not re.search(r"\d|@|user|admin|microsoft|elsevier|springer", meta_author, re.I):
        parts = [p.strip() for p in re.split(r";|,| and ", meta_author) if p.strip()]
        if parts and all(1 <= len(p.split()) <= 5 for p in parts):
            return parts
    if not title:
        return []
    # The line under the title block, when it reads as a list of names.
    title_words = set(title.lower().split())
    for i, ln in enumerate(first):
        if set(ln.text.lower().split()) <= title_words and i + 1 < len(first):
            nxt = first[i + 1]
            if set(nxt.text.lower().split()) <= title_words:
                continue
            names = [re.sub(r"[\d*†‡§¶∗,]+$|^[\d*†‡§¶∗]+", "", p).strip()
                     for p in re.split(r",|\band\b|&|;", re.sub(r"\s+", " ", nxt.text))]
            names = [n for n in names if n]
            if names and all(1 < len(n.split()) <= 5 and all(w[:1].isupper() for w in n.split()) for n in names):
                return names
            return []
    return []


def _doi(meta: dict, first_text: str, early_text: str) -> str | None:
    for text in (meta.get("doi", ""), meta.get("Subject", ""), meta.get("Keywords", ""), first_text, early_text):
        m = _DOI.search(text or "")
        if m:
            return m.group(1).rstrip(".)]").lower()
    return None


def _year(first_text: str, creation: str) -> int | None:
    for pattern in (r"(?:©|\(c\)|copyright)\s*(?:the authors?\s*)?(\d{4})", r"published[^\n]{0,40}?(\d{4})",
                    r"\((\d{4})\)\s*\d+[,:]", r"\b(\d{4})\s*,\s*\d+\s*[:,]"):
        m = re.search(pattern, first_text, re.I)
        if m and _YEAR.fullmatch(m.group(1)):
            return int(m.group(1))
    years = Counter(int(y) for y in _YEAR.findall(first_text))
    if years:
        return years.most_common(1)[0][0]
    m = re.match(r"D:(\d{4})", creation)
    return int(m.group(1)) if m else None


_CC = re.compile(r"Creative\s+Commons\s+(?:CC[-\s])?(Attribution(?:[-\s]+(?:Non-?Commercial|No-?Derivs|"
                 r"No-?Derivatives|Share-?Alike))*)?[^.\n]{0,40}?(\d\.\d)?|\bCC[-\s]BY(?:[-\s](?:NC|ND|SA))*(?:\s*(\d\.\d))?",
                 re.I)


def _license(text: str) -> str | None:
    """An SPDX-like id of the Creative Commons licence printed on the article ("CC-BY-4.0"), or None."""
    text = re.sub(r"\s+", " ", text)
    url = re.search(r"creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)", text.replace(" ", ""), re.I)
    if url:  # the licence's address says it exactly: .../licenses/by-nc-sa/3.0
        if url.group(1).lower() == "publicdomain":
            return "CC0-1.0" if url.group(2).lower() == "zero" else "CC-PDM-1.0"
        return "CC-" + url.group(2).upper() + "-" + url.group(3)
    m = _CC.search(text)
    if not m:
        return None
    s = m.group(0)
    if re.search(r"zero|CC0", s, re.I):
        return "CC0-1.0"
    parts = ["CC", "BY"]
    for word, tag in (("commercial", "NC"), ("nc", "NC"), ("deriv", "ND"), ("nd", "ND"), ("share", "SA"),
                      ("sa", "SA")):
        if re.search(r"(?<![a-z])" + word, s, re.I) and tag not in parts:
            parts.append(tag)
    version = re.search(r"(\d\.\d)", s)
    return "-".join(parts) + (f"-{version.group(1)}" if version else "")
