"""arXiv articles: the API's Atom entry (metadata, licence) with the e-print's LaTeX source (figures).

Two kinds of file are recognised:

* an Atom feed from arXiv's API holding the article's entry (what the ``arxiv`` family saves as
  ``pages/arxiv/<id>.xml``), with the e-print it fetched beside it in ``<id>_files/eprint.*``;
* an e-print file on its own (``figdex ingest 2101.00001v2.tar.gz``): a gzip'd tar, a gzip'd
  .tex or a tar; its metadata then come from the LaTeX alone.

Figures come from the LaTeX (``arxiv_source``): printed label "Figure N", caption, the panels'
sub-captions as given sub-captions, and the image composed from the graphics files
(``arxiv_images``), written beside the file as ``<stem>_files/<stem>_fig<N>.png`` where the image
resolver finds it.  An e-print without source (arXiv serves the PDF) is handed to whichever
registered parser reads PDFs; without one the article is stored with its metadata and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator

from figdex.index.records import ACCESS_ABSTRACT, ACCESS_FULL, Article, Figure, ParsedArticle
from figdex.ingest.sources.base import SourceError, SourceParser, register_parser
from figdex.ingest.sources.common import clean_text, normalize_doi, normalize_license, parse_year

ATOM = "http://www.w3.org/2005/Atom"
ARXIV_NS = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
NS = {"a": ATOM, "arxiv": ARXIV_NS, "os": OPENSEARCH}
# New-style (2007-) ids "2101.00001v2" and old-style "cond-mat/0102536v1".
_ID = re.compile(r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z.\-]*/\d{7}(?:v\d+)?)", re.I)
EPRINT_NAMES = ("eprint.tar.gz", "eprint.gz", "eprint.tar", "eprint.pdf", "eprint.bin")


@dataclass(frozen=True)
class ArxivEntry:
    arxiv_id: str  # with its version when the feed gives one: "2101.00001v2"
    title: str = ""
    authors: tuple[str, ...] = ()
    abstract: str = ""
    published: str = ""
    doi: str | None = None  # the journal DOI the authors registered (arxiv:doi)
    journal_ref: str | None = None
    license: str | None = None
    categories: tuple[str, ...] = ()

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"


@dataclass(frozen=True)
class ArxivFeed:
    entries: tuple[ArxivEntry, ...]
    total: int | None = None
    start: int = 0
    problems: tuple[str, ...] = ()


def arxiv_id(text: str) -> str | None:
    """The arXiv identifier in an abs/e-print/pdf URL or a file name, or None."""
    m = re.search(r"(?:abs|e-print|pdf|src)/" + _ID.pattern, text, re.I) or _ID.search(text)
    return m.group(1) if m else None


def base_id(identifier: str) -> str:
    return re.sub(r"v\d+$", "", identifier)


def parse_feed(content: bytes, where: str = "the arXiv API answer") -> ArxivFeed:
    """Entries of an arXiv API Atom feed; an error entry (arXiv answers bad queries with one) is a problem."""
    from lxml import etree

    from figdex.ingest.sources.markup import check_depth, no_surrogate_refs

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=True)
    try:
        root = etree.fromstring(no_surrogate_refs(content), parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise SourceError(f"{where}: not an Atom feed ({exc}); check that the answer is complete") from None
    # Not etree.QName(root): lxml's recover mode keeps an undeclared prefix in the tag
    # ("xocs:ucs-locator" of an Elsevier file cut short), which QName refuses with a ValueError.
    tag = root.tag if root is not None and isinstance(root.tag, str) else ""
    if tag.rsplit("}", 1)[-1] != "feed":
        raise SourceError(f"{where}: not an Atom feed (no <feed> element); check that the answer is complete")
    check_depth(root, where)
    entries, problems = [], []
    for entry in root.findall("a:entry", NS):
        ident = _text(entry, "a:id")
        if "/api/errors" in ident:
            problems.append(f"arXiv API error: {_text(entry, 'a:summary') or _text(entry, 'a:title')}")
            continue
        found = arxiv_id(ident)
        if not found:
            continue
        links = entry.findall("a:link", NS)
        license_url = next((link.get("href") for link in links if link.get("rel") == "license"), None)
        rights = _text(entry, "a:rights") or _text(entry, "arxiv:license")
        entries.append(ArxivEntry(
            arxiv_id=found,
            title=_text(entry, "a:title"),
            authors=tuple(clean_text(a.findtext("a:name", "", NS)) for a in entry.findall("a:author", NS)),
            abstract=_text(entry, "a:summary"),
            published=_text(entry, "a:published"),
            doi=normalize_doi(_text(entry, "arxiv:doi")),
            journal_ref=_text(entry, "arxiv:journal_ref") or None,
            license=normalize_license(license_url or rights) if (license_url or rights) else None,
            categories=tuple(dict.fromkeys(c.get("term") for c in entry.findall("a:category", NS) if c.get("term"))),
        ))
    total = root.findtext("os:totalResults", None, NS)
    start = root.findtext("os:startIndex", None, NS)
    return ArxivFeed(tuple(entries), int(total) if total and total.strip().isdigit() else None,
                     int(start) if start and start.strip().isdigit() else 0, tuple(problems))


def _text(el, path: str) -> str:
    return clean_text(el.findtext(path, "", NS))


def is_eprint_file(path: Path) -> bool:
    """An e-print file by its name and first bytes: a .tar.gz/.tgz/.tar archive, or a .gz holding LaTeX
    (other gzip'd files, such as a .tif.gz image, are not claimed)."""
    import zlib

    from figdex.ingest.sources.eprint_archive import looks_like_latex

    name = path.name.lower()
    if not name.endswith((".tar.gz", ".tgz", ".gz", ".tar")):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return False
    if name.endswith(".tar"):
        return True
    if head[:2] != b"\x1f\x8b":
        return False
    if name.endswith((".tar.gz", ".tgz")):
        return True  # an archive by name: a broken one is reported, not skipped
    try:
        data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 262144)
    except zlib.error:
        return False
    return data[257:262] == b"ustar" or looks_like_latex(data)


def eprint_suffix(content: bytes) -> str:
    """The file suffix an e-print is saved under, from its first bytes: ".tar.gz" (a gzip'd tar),
    ".gz" (one gzip'd file), ".pdf", ".tar"; ".bin" for anything else (reading it then says what it is)."""
    import zlib

    if content.startswith(b"%PDF"):
        return ".pdf"
    if content[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(content[:65536], 1024)
        except zlib.error:
            return ".gz"  # broken: reading it says so
        return ".tar.gz" if head[257:262] == b"ustar" else ".gz"
    if content[257:262] == b"ustar":
        return ".tar"
    return ".bin"


OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_ARXIV = "http://arxiv.org/OAI/arXiv/"


def oai_license(path: Path) -> tuple[str | None, str | None]:
    """(licence, problem) from a saved OAI-PMH GetRecord answer in arXiv's "arXiv" metadata format."""
    from lxml import etree

    from figdex.ingest.sources.markup import no_surrogate_refs

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=True)
    try:
        root = etree.fromstring(no_surrogate_refs(path.read_bytes()), parser)
    except (OSError, etree.XMLSyntaxError, ValueError) as exc:
        return None, f"{path.name}: not readable ({exc}); delete it to fetch it again"
    if root is None:
        return None, f"{path.name}: empty; delete it to fetch it again"
    error = root.find(f"{{{OAI}}}error")
    if error is not None:
        return None, f"{path.name}: arXiv's OAI-PMH answered {error.get('code')}: {clean_text(error.text)}"
    value = clean_text(root.findtext(f".//{{{OAI_ARXIV}}}license", ""))
    return (normalize_license(value), None) if value else (None, None)


def find_eprint(page: Path) -> Path | None:
    folder = page.parent / f"{page.stem}_files"
    for name in EPRINT_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


@register_parser
class ArxivParser(SourceParser):
    name = "arxiv"
    priority = 70

    def sniff(self, path: Path, head: str) -> bool:
        start = head[:4096]
        if "<feed" in start and ARXIV_NS in head and "arxiv.org/abs/" in head:
            return True
        return is_eprint_file(path)

    def parse(self, path: Path) -> Iterator[ParsedArticle]:
        problems: list[str] = []
        if is_eprint_file(path):
            entry, eprint_path = None, path
        else:
            feed = parse_feed(path.read_bytes(), str(path))
            if not feed.entries:
                raise SourceError(f"{path}: the arXiv answer holds no article ({'; '.join(feed.problems) or 'empty'})")
            entry, eprint_path = feed.entries[0], find_eprint(path)
        files_dir = path.parent / f"{path.stem}_files"
        article = _article(path, entry)
        if entry is not None and article.license is None and (files_dir / "oai.xml").is_file():
            license_id, problem = oai_license(files_dir / "oai.xml")
            article = replace(article, license=license_id)
            problems += [problem] if problem else []
        if entry is not None and article.license is None:
            problems.append("arXiv's metadata state no licence (the API never does; the OAI-PMH record was "
                            "not fetched or names none): figures' reuse terms unknown")
        if eprint_path is None:
            problems.append(f"{path.name}: the e-print source was not fetched (see {files_dir.name}/); stored "
                            "with its metadata only: run the harvest again to fetch it")
            yield ParsedArticle(replace(article, access=ACCESS_ABSTRACT), (), tuple(problems))
            return
        from figdex.ingest.sources.eprint_archive import open_eprint

        eprint = open_eprint(eprint_path)
        if eprint.kind == "pdf":
            yield from _pdf_fallback(eprint_path, article, problems, files_dir, path.stem)
            return
        yield _from_latex(eprint, article, problems, files_dir, path.stem)


def _article(path: Path, entry: ArxivEntry | None) -> Article:
    if entry is None:
        ident = arxiv_id(path.name)
        return Article(source_file=str(path), publisher="arxiv", journal="arXiv",
                       doi=f"10.48550/arxiv.{base_id(ident)}".lower() if ident else None,
                       year=_id_year(ident) if ident else None,
                       url=f"https://arxiv.org/abs/{ident}" if ident else None, open_access=True)
    # The journal DOI the authors registered, else the DOI arXiv itself registers for every e-print.
    doi = entry.doi or f"10.48550/arxiv.{base_id(entry.arxiv_id)}".lower()
    return Article(source_file=str(path), publisher="arxiv", doi=doi, title=entry.title, journal="arXiv",
                   year=parse_year(entry.published) or _id_year(entry.arxiv_id), authors=entry.authors,
                   abstract=entry.abstract, license=entry.license, open_access=True, url=entry.abs_url,
                   access=ACCESS_FULL, keywords=entry.categories)


def _id_year(ident: str | None) -> int | None:
    m = re.search(r"(?:^|/)(\d{2})(\d{2})", ident or "")
    if not m:
        return None
    yy = int(m.group(1))
    return 2000 + yy if yy < 91 else 1900 + yy


def _from_latex(eprint, article: Article, problems: list[str], files_dir: Path, stem: str) -> ParsedArticle:
    from figdex.ingest.sources.arxiv_images import RenderError, figure_image, write_if_changed
    from figdex.ingest.sources.arxiv_source import read_document

    doc = read_document(eprint)
    problems += [f"{eprint.path.name}: {p}" for p in doc.problems]
    article = replace(article, title=article.title or doc.title, authors=article.authors or doc.authors,
                      abstract=article.abstract or doc.abstract, doi=article.doi or doc.doi, access=ACCESS_FULL)
    figures = []
    # Stored numbers run in document order: a supplement that restarts the counter ("Figure S1")
    # keeps its printed label without taking the number of "Figure 1".
    for position, fig in enumerate(doc.figures, 1):
        image_url = None
        try:
            image = figure_image(eprint, fig.graphics)
        except RenderError as exc:
            problems.append(f"{fig.label}: no image: {exc}")
            image = None
        if image is None and not fig.graphics:
            problems.append(f"{fig.label}: no \\includegraphics (drawn in LaTeX: TikZ, pgfplots or text); no image")
        if image is not None:
            data, ext = image
            name = f"{stem}_fig{position}{ext}"
            write_if_changed(files_dir / name, data)
            image_url = name
        panels = tuple((p.letter, p.caption) for p in fig.panels)
        tail = " ".join(f"({letter}) {text}" for letter, text in panels if text)
        caption = f"{fig.caption} {tail}".strip() if tail else fig.caption
        figures.append(Figure(number=position, label=fig.label, caption=caption, kind="figure",
                              image_url=image_url, subcaptions=panels if tail else ()))
    return ParsedArticle(article, tuple(figures), tuple(problems))


def _pdf_fallback(pdf: Path, article: Article, problems: list[str], files_dir: Path,
                  stem: str) -> Iterator[ParsedArticle]:
    """The hook for e-prints without LaTeX: the PDF goes to whichever registered parser reads PDFs."""
    from figdex.ingest.images import resolve_image
    from figdex.ingest.sources.arxiv_images import write_if_changed
    from figdex.ingest.sources.base import detect_parser

    if pdf.suffix.lower() != ".pdf":  # a gzip'd PDF: parsers look for the .pdf name
        import gzip

        unpacked = files_dir / "eprint.pdf"
        write_if_changed(unpacked, gzip.decompress(pdf.read_bytes()))
        pdf = unpacked
    parser = detect_parser(pdf)
    if parser is None or parser.name in ("arxiv", "generic"):
        problems.append(f"{pdf.name}: the e-print has no LaTeX source, only a PDF, and no PDF parser is installed; "
                        "stored with its metadata, without figures")
        yield ParsedArticle(replace(article, access=ACCESS_ABSTRACT), (), tuple(problems))
        return
    for item in parser.parse(pdf):
        figures = []
        for fig in item.figures:
            local = resolve_image(pdf, fig, item.article.doi)
            if local is not None:  # copied where the resolver looks for this article's images
                name = f"{stem}_fig{fig.number}{local.suffix.lower()}"
                write_if_changed(files_dir / name, local.read_bytes())
                fig = replace(fig, image_url=name)
            figures.append(fig)
        found = item.article
        merged = replace(article, title=article.title or found.title, authors=article.authors or found.authors,
                         abstract=article.abstract or found.abstract, doi=article.doi or found.doi,
                         access=ACCESS_FULL)
        yield ParsedArticle(merged, tuple(figures), (*problems, *item.problems))
