"""Fallback for article pages no specific parser claims (Wiley, SpringerLink, ScienceDirect, ...).

Metadata comes from the Highwire ``citation_*`` and Dublin Core ``dc.*`` / PRISM meta tags
most publishers emit; figures from ``<figure>``/``<figcaption>`` and the usual figure
container classes (``div.figure``, ScienceDirect's legacy ``dl.figure``).  The publisher is
named from the DOI prefix, else from the publisher meta tags or the site, else "generic".

Bot checks, access-denied and error pages (Cloudflare "Just a moment...", Akamai "Access
Denied", ...) are recorded with access "denied" and no figures, so that a re-download can
be scheduled instead of indexing the challenge text.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Iterator

from lxml import etree, html

from figdex.index.records import (
    ACCESS_ABSTRACT,
    ACCESS_DENIED,
    ACCESS_FULL,
    Article,
    ParsedArticle,
)
from figdex.ingest.sources.base import SourceError, SourceParser, register_parser
from figdex.ingest.sources.common import (
    FigureCollector,
    absolute_url,
    access_denied_reason,
    canonical_url,
    caption_parts,
    clean_text,
    element_text,
    license_open_access,
    load_html,
    meta_contents,
    normalize_doi,
    normalize_license,
    parse_year,
    split_figure_label,
)

_DOI_PUBLISHERS = {
    "10.1002": "wiley", "10.1111": "wiley", "10.1007": "springer", "10.1186": "springer",
    "10.1016": "elsevier", "10.1021": "acs", "10.1039": "rsc", "10.1038": "nature",
    "10.1063": "aip", "10.1103": "aps", "10.1088": "iop", "10.1080": "taylor-francis",
    "10.3390": "mdpi", "10.1371": "plos", "10.1126": "science", "10.1073": "pnas",
    "10.1149": "ecs", "10.1017": "cambridge", "10.1093": "oup", "10.1364": "optica",
    "10.1109": "ieee", "10.3389": "frontiers",
}
# Publisher names and site hosts, for pages without a DOI; first match wins.
_NAME_PUBLISHERS = (
    ("wiley", "wiley"), ("springer", "springer"), ("kluwer", "springer"), ("elsevier", "elsevier"),
    ("sciencedirect", "elsevier"), ("els-cdn.com", "elsevier"), ("cell press", "elsevier"),
    ("taylor & francis", "taylor-francis"), ("tandfonline", "taylor-francis"), ("mdpi", "mdpi"),
    ("american chemical society", "acs"), ("royal society of chemistry", "rsc"), ("iop publishing", "iop"),
)
_FIGURE_CLASSES = ("figure", "fig", "figure-wrap", "fig-wrap", "figure-container", "inline-figure", "figure-block")
_UPPER, _LOWER_ABC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
_LOWER = f"translate(@class, '{_UPPER}', '{_LOWER_ABC}')"
_CANDIDATES = "//figure | //*[self::div or self::dl or self::section][{}]".format(
    " or ".join(f"contains(concat(' ', normalize-space({_LOWER}), ' '), ' {c} ')" for c in _FIGURE_CLASSES)
)
# Link lists, download buttons and screen-reader hints inside legends.
_CAPTION_NOISE = (
    ".//ul[.//a] | .//button | .//*[contains(@class, 'download')] | .//*[contains(@class, 'screenreader')]"
    " | .//*[contains(@class, 'menuButton')]"
)
_IMAGE_URL = re.compile(r"\.(?:jpe?g|png|gif|tiff?|webp)(?:[?#]|$)|/image_[a-z]/|/MediaObjects/", re.I)
_NOT_IMAGE = re.compile(r"powerpoint|/ppt\b|downloadfigures|\.pptx?\b|^#|^javascript:", re.I)
_PLACEHOLDER = re.compile(r"lazyload|spacer|blank\.gif|transparent\.gif|^data:", re.I)
_PAYWALL = re.compile(
    r"download to read the full article text|buy article|purchase pdf|get full access|rent this article"
    r"|access through your institution|log in to check access|subscribe to (?:this )?journal",
    re.I,
)
_LISTING_TITLE = re.compile(r"\bsearch\b|\bbrowse\b|\bresults\b", re.I)
_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_SAVED_FROM = re.compile(r"<!-- saved from url=\(\d+\)(\S+) -->")


@register_parser
class GenericParser(SourceParser):
    name = "generic"
    priority = -100

    def sniff(self, path: Path, head: str) -> bool:
        low = head.lower()
        if "<html" not in low and "<!doctype html" not in low:
            return False
        try:
            # Bytes: lxml refuses str input that starts with an XML encoding declaration.
            if access_denied_reason(html.document_fromstring(head.encode("utf-8"))):
                return True
        except (etree.ParserError, ValueError):
            return False
        if "citation_title" in low or "dc.title" in low:
            return True
        title = _TITLE_TAG.search(head)
        if title and _LISTING_TITLE.search(title.group(0)):
            return False
        return "<article" in low or "<h1" in low

    def parse(self, path: Path) -> Iterator[ParsedArticle]:
        doc = load_html(path)
        problems: list[str] = []
        doi = _doi(doc)
        if doi is None:
            doi = _doi_from_filename(path)
            if doi:
                problems.append(f"no DOI in the page; {doi} taken from the file name")
        url = _url(doc)
        publisher = _publisher(doc, doi, url)
        title = _title(doc)
        reason = access_denied_reason(doc)
        if reason:
            problems.append(f"{reason}; download the article again from a session that has access")
            # The page's own title/h1 is the block message, not the article's.
            title = _first_meta(doc, "citation_title", "dc.title") or ""
            article = Article(source_file=str(path), publisher=publisher, doi=doi, title=title,
                              url=url or (f"https://doi.org/{doi}" if doi else None), access=ACCESS_DENIED)
            yield ParsedArticle(article=article, problems=tuple(problems))
            return
        license_id = _license(doc)
        collector = FigureCollector(problems)
        for node in _figure_nodes(doc):
            _add_figure(collector, node, url)
        if not (title or doi or collector.figures):
            raise SourceError(
                f"{path}: no article title, DOI or figures found; this does not look like an article page "
                "(save the article itself, or pick a parser with --parser)"
            )
        paywalled = bool(_PAYWALL.search(element_text(doc.find("body")) if doc.find("body") is not None else ""))
        access = ACCESS_ABSTRACT if paywalled and not collector.figures else ACCESS_FULL
        open_access = license_open_access(license_id)
        if open_access is None and access == ACCESS_ABSTRACT:
            open_access = False
        article = Article(
            source_file=str(path),
            publisher=publisher,
            doi=doi,
            title=title,
            journal=_journal(doc),
            year=parse_year(_first_meta(doc, "citation_publication_date", "citation_cover_date", "citation_date",
                                        "citation_online_date", "prism.publicationDate", "prism.coverDate",
                                        "dc.date", "article:published_time")),
            authors=_authors(doc),
            abstract=_abstract(doc),
            license=license_id,
            open_access=open_access,
            url=url or (f"https://doi.org/{doi}" if doi else None),
            access=access,
            keywords=tuple(unescape(k) for k in meta_contents(doc, "citation_keywords")),
        )
        yield ParsedArticle(article=article, figures=tuple(collector.figures), problems=tuple(problems))


def _all_meta(doc, name: str) -> list[str]:
    """Non-empty ``<meta name|property=...>`` values, the name matched case-insensitively
    (sites write dc.title, DC.title and dc.Title)."""
    values = doc.xpath(
        f"//meta[translate(@name, '{_UPPER}', '{_LOWER_ABC}') = $n"
        f" or translate(@property, '{_UPPER}', '{_LOWER_ABC}') = $n]/@content",
        n=name.lower(),
    )
    return [clean_text(v) for v in values if v and v.strip()]


def _first_meta(doc, *names: str) -> str | None:
    for name in names:
        values = _all_meta(doc, name)
        if values:
            return values[0]
    return None


def _doi(doc) -> str | None:
    for name in ("citation_doi", "dc.identifier", "prism.doi"):
        doi = normalize_doi(_first_meta(doc, name))
        if doi:
            return doi
    return normalize_doi(canonical_url(doc))


def _doi_from_filename(path: Path) -> str | None:
    stem = path.stem
    m = re.match(r"^(10\.\d{4,9})_(.+)$", stem)  # "10.1039_C6OB02074G"
    if m:
        return normalize_doi(f"{m.group(1)}/{m.group(2)}")
    # Punctuation-free Elsevier names ("101016jjpowsour201602050"): the DOI pattern
    # 10.1016/j.<journal>.<year>.<month>.<number> is regular enough to restore.
    m = re.match(r"^101016j([a-z]+)(\d{4})(\d{2})(\d{3})$", stem.lower())
    return "10.1016/j.{}.{}.{}.{}".format(*m.groups()) if m else None


def _url(doc) -> str | None:
    url = canonical_url(doc) or _first_meta(doc, "citation_fulltext_html_url", "citation_abstract_html_url")
    if url and url.startswith("http"):
        return url
    # Browsers' "Save Page As" records the address in a leading comment.
    for comment in doc.xpath("//comment()")[:3]:
        m = _SAVED_FROM.match(etree.tostring(comment, encoding="unicode"))
        if m:
            return m.group(1)
    return None


def _publisher(doc, doi: str | None, url: str | None) -> str:
    if doi and doi.split("/")[0] in _DOI_PUBLISHERS:
        return _DOI_PUBLISHERS[doi.split("/")[0]]
    names = " ".join(
        v for v in (_first_meta(doc, "citation_publisher"), _first_meta(doc, "dc.publisher"),
                    _first_meta(doc, "og:site_name"), url) if v
    ).lower()
    hosts = " ".join(doc.xpath("//link/@href | //img/@src")[:200]).lower()
    for text in (names, hosts):
        for needle, publisher in _NAME_PUBLISHERS:
            if needle in text:
                return publisher
    return "generic"


def _title(doc) -> str:
    value = _first_meta(doc, "citation_title", "dc.title", "og:title")
    if not value:
        h1 = doc.xpath("//h1")
        value = element_text(h1[0]) if h1 else clean_text(" ".join(doc.xpath("//title//text()")))
    # Some sites double-escape entities or leak source markup ("Eu<Superscript>2+</Superscript>").
    return clean_text(re.sub(r"<[^>]+>", "", unescape(value)))


def _journal(doc) -> str | None:
    value = _first_meta(doc, "citation_journal_title", "prism.publicationName", "citation_conference_title")
    if not value:
        # ScienceDirect's legacy pages name the journal only in the page head (dc.publisher holds it too).
        head = doc.xpath('//div[contains(@class, "publicationHead")]//div[contains(@class, "title")]')
        value = element_text(head[0]) if head else None
    return clean_text(unescape(value)) if value else None


def _authors(doc) -> tuple[str, ...]:
    names = meta_contents(doc, "citation_author")
    if not names:
        creators = _all_meta(doc, "dc.creator")
        # ScienceDirect packs all authors into one tag: "S. Foletti, , S. Beretta, , M.G. Tarantino, ".
        if len(creators) == 1 and re.search(r",\s*,", creators[0]):
            creators = re.split(r",\s*,?", creators[0])
        names = creators
    return tuple(n for n in (clean_text(unescape(x)).strip(", ") for x in names) if n)


def _abstract(doc) -> str:
    nodes = doc.xpath(
        f"//*[@id='abstract' or @id='Abs1' or contains(concat(' ', normalize-space({_LOWER}), ' '), ' abstract ')]"
        f"[not(contains({_LOWER}, 'highlight'))][not(contains({_LOWER}, 'graphical'))]"
    )
    for node in nodes:
        parts = [element_text(p) for p in node.xpath(".//p") if not p.xpath("ancestor::figure")]
        text = clean_text(" ".join(parts)) or element_text(node)
        text = re.sub(r"^abstract[:.]?\s+", "", text, flags=re.I)
        if len(text) > 40:
            return text
    return _first_meta(doc, "citation_abstract", "dc.description", "og:description", "description") or ""


def _license(doc) -> str | None:
    hrefs = doc.xpath('//a[@rel="license"]/@href | //link[@rel="license"]/@href') or doc.xpath(
        '//a[contains(@href, "creativecommons.org/licenses")'
        ' or contains(@href, "creativecommons.org/publicdomain")]/@href'
    )
    if hrefs:
        return normalize_license(hrefs[0])
    rights = _first_meta(doc, "dc.rights", "citation_license", "license")
    # A bare copyright line is not a licence.
    if rights and re.search(r"licen[cs]e|creative commons|cc[ -]by|public domain", rights, re.I):
        return normalize_license(rights)
    return None


def _figure_nodes(doc) -> list:
    found = doc.xpath(_CANDIDATES)
    # lxml keeps one proxy per node while a reference is held, so set membership is reliable here.
    members = set(found)
    # Keep the outermost container only (Springer's figure > div, Wiley's section > figure).
    return [n for n in found if not any(a in members for a in n.iterancestors())]


def _is_graphical(node) -> bool:
    marks = " ".join(
        [node.get("class") or "", node.get("id") or ""]
        + [(a.get("class") or "") + " " + (a.get("id") or "") for a in list(node.iterancestors())[:3]]
    ).lower()
    return bool(re.search(r"graphical|toc[-_]?graphic|abstract[-_]?image", marks))


def _label_elsewhere(node) -> str | None:
    """A "Figure 3" printed outside the legend: a heading, a label span, or the image's alt text."""
    texts = [
        element_text(el)
        for el in node.xpath(".//*[self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
                             " or contains(@class, 'label') or contains(@class, 'title')]")
    ] + node.xpath(".//img/@alt") + node.xpath(".//img/@title")
    for text in texts:
        label, _ = split_figure_label(clean_text(text))
        if label:
            return label
    return None


def _largest_image(node, base: str | None) -> str | None:
    links = [h for h in node.xpath(".//a/@href") if _IMAGE_URL.search(h) and not _NOT_IMAGE.search(h.strip())]
    large = node.xpath(".//img/@data-lg-src | .//img/@data-full-src | .//img/@data-large-src"
                       " | .//img/@data-hi-res-src | .//img/@data-zoom-src")
    lazy = node.xpath(".//img/@data-original | .//img/@data-src")
    srcs = [s for s in node.xpath(".//img/@src") if not _PLACEHOLDER.search(s)]
    for group in (links, large, lazy, srcs):
        if group:
            return absolute_url(group[0], base)
    return None


def _add_figure(collector: FigureCollector, node, base: str | None) -> None:
    captions = node.xpath(".//figcaption") or node.xpath(f".//*[contains({_LOWER}, 'caption')]")
    label, caption, caption_html = caption_parts(captions[0], _CAPTION_NOISE) if captions else (None, "", "")
    label = label or _label_elsewhere(node)
    graphical = _is_graphical(node)
    if label is None and not graphical:
        if not caption or caption.lower().startswith("table"):
            return  # decoration, an equation set as an image, or a table
    image_url = _largest_image(node, base)
    collector.add(label, caption, caption_html, image_url, kind="graphical-abstract" if graphical else None)
