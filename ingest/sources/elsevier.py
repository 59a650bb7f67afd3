"""Elsevier full-text XML (ScienceDirect Article Retrieval API, ``full-text-retrieval-response``).

Metadata comes from ``<coredata>`` (PRISM/Dublin Core) with the ``xocs``/``ce`` article head
as fallback; figures are ``ce:figure`` elements whose ``ce:link/@locator`` names the image
renditions listed under ``<objects>``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from figdex.index.records import ACCESS_ABSTRACT, ACCESS_FULL, Article, Figure, ParsedArticle
from figdex.ingest.sources.base import SourceError, SourceParser, register_parser
from figdex.ingest.sources.common import (
    FigureCollector,
    clean_text,
    expand_entities,
    license_open_access,
    load_xml,
    normalize_doi,
    normalize_license,
    parse_year,
    printed_label,
    xml_markup,
    xml_text,
)

NS = {
    "api": "http://www.elsevier.com/xml/svapi/article/dtd",
    "ce": "http://www.elsevier.com/xml/common/dtd",
    "xocs": "http://www.elsevier.com/xml/xocs/dtd",
    "prism": "http://prismstandard.org/namespaces/basic/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
_SNIFF = (
    "http://www.elsevier.com/xml/svapi/article/dtd",
    "http://www.elsevier.com/xml/xocs/dtd",
    "http://www.elsevier.com/xml/ja/dtd",
)
HTML_TAGS = {"bold": "b", "italic": "i", "inf": "sub", "sup": "sup", "small-caps": "span",
             "simple-para": "p", "para": "p", "list": "ul", "list-item": "li", "cross-ref": "span",
             "cross-refs": "span", "inter-ref": "a", "underline": "u", "monospace": "code"}
# Best rendition first: the API lists high-res, downsampled (standard) and thumbnail images.
_RENDITIONS = ("IMAGE-HIGH-RES", "IMAGE-DOWNSAMPLED", "IMAGE-THUMBNAIL")


@register_parser
class ElsevierParser(SourceParser):
    name = "elsevier"
    priority = 50

    def sniff(self, path: Path, head: str) -> bool:
        if re.search(r"<html\b", head[:4096], re.I):
            return False
        return any(ns in head for ns in _SNIFF)

    def parse(self, path: Path) -> Iterator[ParsedArticle]:
        root = load_xml(path)
        if not _is_elsevier(root):
            raise SourceError(
                f"{path}: not an Elsevier full-text XML (no coredata/ce: markup); "
                "give the Article Retrieval API response (view=FULL) or choose another parser"
            )
        expand_entities(root)
        problems: list[str] = []
        doi = normalize_doi(
            _text(root, ".//prism:doi") or _text(root, ".//xocs:doi") or _text(root, ".//ce:doi")
            or _text(root, ".//dc:identifier")
        )
        if not doi:
            problems.append("no DOI (prism:doi / ce:doi)")
        title = xml_text(root.find(".//ce:title", NS)) or _text(root, ".//dc:title")
        if not title:
            problems.append("no article title")
        license_id = _license(root)
        figures = _figures(root, problems)
        sections = root.find(".//ce:sections", NS)
        has_body = sections is not None and len(xml_text(sections)) > 200
        scidir = root.xpath(".//api:link[@rel='scidir']/@href", namespaces=NS)
        article = Article(
            source_file=str(path),
            publisher=self.name,
            doi=doi,
            title=title,
            journal=_text(root, ".//prism:publicationName") or _text(root, ".//xocs:srctitle") or None,
            year=parse_year(
                _text(root, ".//prism:coverDate") or _text(root, ".//xocs:cover-date-year")
                or _text(root, ".//xocs:cover-date-start")
            ),
            authors=_authors(root),
            abstract=_abstract(root),
            license=license_id,
            open_access=_open_access(root, license_id),
            url=scidir[0] if scidir else (f"https://doi.org/{doi}" if doi else None),
            access=ACCESS_FULL if has_body or figures else ACCESS_ABSTRACT,
            keywords=_keywords(root),
        )
        yield ParsedArticle(article=article, figures=figures, problems=tuple(problems))


def _is_elsevier(root) -> bool:
    if any(f"{{{ns}}}" in str(root.tag) for ns in _SNIFF):
        return True
    return root.find(".//prism:doi", NS) is not None or root.find(".//ce:title", NS) is not None


def _text(root, xpath: str) -> str:
    return xml_text(root.find(xpath, NS))


def _authors(root) -> tuple[str, ...]:
    names = []
    for author in root.iterfind(".//ce:author-group/ce:author", NS):
        full = clean_text(f"{_text(author, 'ce:given-name')} {_text(author, 'ce:surname')}")
        if full:
            names.append(full)
    if names:
        return tuple(names)
    # coredata lists "Surname, Given" creators when the article head is missing.
    for creator in root.iterfind(".//dc:creator", NS):
        surname, _, given = xml_text(creator).partition(",")
        full = clean_text(f"{given} {surname}")
        if full:
            names.append(full)
    return tuple(names)


def _abstract(root) -> str:
    for abstract in root.iterfind(".//ce:abstract", NS):
        if (abstract.get("class") or "author") == "author":
            text = xml_text(abstract, skip={"section-title"})
            if text:
                return text
    return re.sub(r"^Abstract\b\s*", "", _text(root, ".//dc:description"))


def _keywords(root) -> tuple[str, ...]:
    words = [xml_text(k.find("ce:text", NS)) or xml_text(k) for k in root.iterfind(".//ce:keywords/ce:keyword", NS)]
    if not words:
        words = [xml_text(s) for s in root.iterfind(".//dcterms:subject", NS)]
    return tuple(w for w in words if w)


def _license(root) -> str | None:
    # Open-access articles carry the licence URL; others only a copyright line.
    for xpath in (".//api:openaccessUserLicense", ".//prism:copyright", ".//xocs:copyright-line"):
        text = _text(root, xpath)
        if text:
            return normalize_license(text)
    return None


def _open_access(root, license_id: str | None) -> bool | None:
    flag = _text(root, ".//api:openaccessArticle").lower()
    if flag in ("true", "false"):
        return flag == "true"
    return license_open_access(license_id)


def _image_urls(root) -> dict[str, str]:
    """Best image URL per locator ("gr1") from the API's <objects> list."""
    best: dict[str, tuple[int, str]] = {}
    for obj in root.iterfind(".//api:objects/api:object", NS):
        ref, url = obj.get("ref"), clean_text(obj.text)
        kind = obj.get("type") or ""
        if not ref or not url or kind not in _RENDITIONS:
            continue
        rank = _RENDITIONS.index(kind)
        if ref not in best or rank < best[ref][0]:
            best[ref] = (rank, url)
    return {ref: url for ref, (_, url) in best.items()}


def _figures(root, problems: list[str]) -> tuple[Figure, ...]:
    urls = _image_urls(root)
    collector = FigureCollector(problems)
    for fig in root.iterfind(".//ce:figure", NS):
        label, rest = printed_label(_text(fig, "ce:label"))
        # Supplementary figures (appendix "Supplementary Fig. S1", e-components) would clash
        # with the article's own numbering and are not part of the paper proper.
        if (label or "").lower().startswith("supplementary") or _inside(fig, "e-component"):
            continue
        caption_el = fig.find("ce:caption", NS)
        graphical = any(
            a.tag == f"{{{NS['ce']}}}abstract" and a.get("class") == "graphical" for a in fig.iterancestors()
        )
        locator = next((link.get("locator") for link in fig.iterfind("ce:link", NS) if link.get("locator")), None)
        collector.add(
            label,
            clean_text(f"{rest} {xml_text(caption_el)}"),
            xml_markup(caption_el, HTML_TAGS),
            urls.get(locator) if locator else None,
            kind="graphical-abstract" if graphical else None,
        )
    return tuple(collector.figures)


def _inside(el, local: str) -> bool:
    return any(a.tag == f"{{{NS['ce']}}}{local}" for a in el.iterancestors())
