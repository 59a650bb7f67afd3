"""pubs.rsc.org article pages (Royal Society of Chemistry full-text HTML).

The full-text view (``/en/content/articlehtml/...``) has kept one markup since ~2010:
``div.image_table`` holds each figure, ``td.imgHolder`` its image (linked to a
``_hi-res.gif`` in newer saves) and ``td.image_title`` the bold label and the legend.
Search-result and other listing pages from the same site carry no citation metadata and
are not claimed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from figdex.index.records import (
    ACCESS_ABSTRACT,
    ACCESS_FULL,
    IMAGE_MISSING,
    IMAGE_THUMBNAIL,
    Article,
    ParsedArticle,
)
from figdex.ingest.sources.base import SourceError, SourceParser, register_parser
from figdex.ingest.sources.common import (
    FigureCollector,
    absolute_url,
    canonical_url,
    caption_parts,
    element_text,
    license_open_access,
    load_html,
    meta_content,
    meta_contents,
    normalize_doi,
    normalize_license,
    parse_year,
)

_RSC_DOI = re.compile(
    r"""(?:citation_doi|dc\.identifier)[^>]*10\.1039/|10\.1039/[^"']*["'][^>]*(?:citation_doi|dc\.identifier)"""
)
_SITE = "https://pubs.rsc.org/"


@register_parser
class RSCParser(SourceParser):
    name = "rsc"
    priority = 50

    def sniff(self, path: Path, head: str) -> bool:
        low = head.lower()
        if "<html" not in low:
            return False
        is_rsc = "royal society of chemistry" in low or bool(_RSC_DOI.search(low))
        # Search results and journal listings share the site chrome but have no article metadata.
        has_article = "citation_title" in low or "dc.title" in low
        return is_rsc and has_article

    def parse(self, path: Path) -> Iterator[ParsedArticle]:
        doc = load_html(path)
        problems: list[str] = []
        doi = normalize_doi(meta_content(doc, "citation_doi") or meta_content(doc, "DC.Identifier"))
        if doi is None:
            if not (meta_content(doc, "citation_title") or meta_content(doc, "DC.title")):
                raise SourceError(
                    f"{path}: no article metadata (a search or listing page?); "
                    "save the article's full-text HTML page instead"
                )
            problems.append("no DOI in the page metadata")
        url = (
            canonical_url(doc)
            or meta_content(doc, "citation_fulltext_html_url")
            or meta_content(doc, "citation_abstract_html_url")
        )
        license_id = _license(doc)
        tables = doc.xpath('//div[contains(concat(" ", normalize-space(@class), " "), " image_table ")]')
        body_sections = doc.xpath('//h2[span[@class="a_heading"]]')
        access = ACCESS_FULL if tables or body_sections else ACCESS_ABSTRACT
        open_access = license_open_access(license_id)
        if open_access is None:
            # Full-text pages flag open access articles with span.oa; its absence on a full
            # page means a subscription article.  Landing pages do not say.
            if doc.xpath('//span[@class="oa"]'):
                open_access = True
            elif access == ACCESS_FULL and doc.xpath('//div[@class="article_info"]'):
                open_access = False
        article = Article(
            source_file=str(path),
            publisher=self.name,
            doi=doi,
            title=meta_content(doc, "citation_title") or meta_content(doc, "DC.title") or _h1(doc),
            journal=meta_content(doc, "citation_journal_title"),
            year=parse_year(
                meta_content(doc, "citation_date")
                or meta_content(doc, "citation_publication_date")
                or meta_content(doc, "citation_online_date")
                or meta_content(doc, "DC.Date")
            ),
            authors=tuple(meta_contents(doc, "citation_author") or meta_contents(doc, "DC.Creator")),
            abstract=_abstract(doc),
            license=license_id,
            open_access=open_access,
            url=url,
            access=access,
            keywords=tuple(meta_contents(doc, "citation_keywords")),
        )
        status = IMAGE_MISSING if access == ACCESS_FULL else IMAGE_THUMBNAIL
        collector = FigureCollector(problems, status)
        for table in tables:
            _add_figure(collector, table, url or _SITE)
        yield ParsedArticle(article=article, figures=tuple(collector.figures), problems=tuple(problems))


def _h1(doc) -> str:
    nodes = doc.xpath('//h1//span[@class="title_heading"]') or doc.xpath("//h1")
    return element_text(nodes[0]) if nodes else ""


def _license(doc) -> str | None:
    hrefs = doc.xpath('//a[@rel="license"]/@href') or doc.xpath(
        '//span[@class="oa"]//a[contains(@href, "creativecommons.org")]/@href'
    )
    if hrefs:
        return normalize_license(hrefs[0])
    oa = doc.xpath('//span[@class="oa"]')
    return normalize_license(element_text(oa[0])) if oa and "licen" in element_text(oa[0]).lower() else None


def _abstract(doc) -> str:
    nodes = doc.xpath('//p[@class="abstract"]') or doc.xpath('//div[contains(@class, "abstract")]//p')
    text = " ".join(element_text(n) for n in nodes)
    return text or meta_content(doc, "citation_abstract") or meta_content(doc, "description") or ""


def _add_figure(collector: FigureCollector, table, base: str) -> None:
    titles = table.xpath('.//td[contains(@class, "image_title")]')
    label, caption, caption_html = caption_parts(titles[0]) if titles else (None, "", "")
    if label is None and element_text(titles[0] if titles else None).lower().startswith("table"):
        return  # a table set as an image: not a figure
    holder = table.xpath('.//td[contains(@class, "imgHolder")]')
    scope = holder[0] if holder else table
    # The link around the thumbnail points to the full-size ("_hi-res") rendition.
    links = [h for h in scope.xpath(".//a/@href") if re.search(r"\.(gif|jpe?g|png|tiff?)(\?|$)", h, re.I)]
    srcs = scope.xpath(".//img/@src")
    image_url = absolute_url((links or srcs or [None])[0], base)
    collector.add(label, caption, caption_html, image_url)
