"""pubs.acs.org article pages (American Chemical Society, Literatum platform).

Two markups are handled:

* ~2016: ``div.figure`` with a small thumbnail and ``div.hlFld-FigureCaption``; the
  full-size renditions are listed only in the ``window.figureViewer`` script
  (``path`` + ``images/large/`` + the ``l`` file name).
* ~2023 (also as saved by a browser, with images rewritten to ``./..._files/``):
  ``figure.article__inlineFigure`` with ``h2.fig-label``, ``data-lg-src`` and a
  "High Resolution Image" link.  A second copy of every figure sits in the side
  "Figures" tab and is skipped.

Subscription pages served to a reader without access (Literatum "Access Denial") keep the
metadata and abstract: they are recorded with access "abstract".  ACS "Scheme" and "Chart"
figures keep their own kind and numbering.
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
    clean_text,
    element_text,
    inner_markup,
    license_open_access,
    load_html,
    meta_content,
    meta_contents,
    normalize_doi,
    normalize_license,
    parse_year,
)

_SITE = "https://pubs.acs.org/"
_PUBLISHER_META = re.compile(
    r"<meta[^>]+(?:dc\.publisher|citation_publisher)[^>]+american chemical society"
    r"|<meta[^>]+american chemical society[^>]+(?:dc\.publisher|citation_publisher)"
)
_VIEWER_PATH = re.compile(r"window\.figureViewer\s*=\s*\{[^}]*?path\s*:\s*'([^']+)'")
_VIEWER_FIG = re.compile(r"\{i:'([^']+)',g:\[\{m:'([^']*)',l:'([^']*)'")
_TITLE_JOURNAL = re.compile(r"\s[-|]\s([^-|]+?)\s*(?:\(ACS Publications\))?\s*$")
# A legend that is only a footnote marker ("Scheme 1. <sup>a</sup>") points to the notes below it.
_MARKER_ONLY = re.compile(r"^[a-z*\u2020\u2021]?$")
_NOTE_MARKER = re.compile(r"^[a-z*\u2020\u2021](?=[A-Z(])")


@register_parser
class ACSParser(SourceParser):
    name = "acs"
    priority = 50

    def sniff(self, path: Path, head: str) -> bool:
        low = head.lower()
        if "<html" not in low:
            return False
        return "website:acspubs" in low or bool(_PUBLISHER_META.search(low))

    def parse(self, path: Path) -> Iterator[ParsedArticle]:
        doc = load_html(path)
        problems: list[str] = []
        doi = _doi(doc)
        if doi is None:
            if not doc.xpath('//*[contains(@class, "hlFld-Title")]') and not meta_content(doc, "dc.Title"):
                raise SourceError(
                    f"{path}: no article on this ACS page (a search, table-of-contents or error page?); "
                    "save the article page (pubs.acs.org/doi/...) instead"
                )
            problems.append("no DOI found in the page")
        url = canonical_url(doc) or (f"{_SITE}doi/{doi}" if doi else None)
        denied = bool(doc.xpath('//*[contains(@class, "accessDenialWidget")]')) or bool(
            re.search(r"subPage:string:Access Denial", meta_content(doc, "pbContext") or "")
        )
        license_id = _license(doc)
        figures_2023 = doc.xpath('//figure[contains(@class, "article__inlineFigure")][@id]')
        figures_2016 = doc.xpath('//div[@id="articleBody"]//div[@class="figure"][@id]')
        has_body = bool(doc.xpath('//*[contains(@class, "hlFld-Full")]//div[contains(@class, "NLM_sec")]'))
        access = ACCESS_ABSTRACT if denied or not has_body else ACCESS_FULL
        open_access = license_open_access(license_id)
        if open_access is None and denied:
            open_access = False
        article = Article(
            source_file=str(path),
            publisher=self.name,
            doi=doi,
            title=meta_content(doc, "dc.Title") or _text(doc, '//h1//*[contains(@class, "hlFld-Title")]')
            or meta_content(doc, "og:title") or "",
            journal=meta_content(doc, "citation_journal_title") or _journal_from_title(doc),
            year=parse_year(meta_content(doc, "dc.Date") or _text(doc, '//*[@class="citation_year"]')
                            or _text(doc, '//*[@id="pubDate"]')),
            authors=_authors(doc),
            abstract=_text(doc, '//p[contains(@class, "articleBody_abstractText")]')
            or next((d for d in meta_contents(doc, "dc.Description") if d), ""),
            license=license_id,
            open_access=open_access,
            url=url,
            access=access,
            keywords=tuple(meta_contents(doc, "keywords")),
        )
        collector = FigureCollector(problems, IMAGE_THUMBNAIL if access == ACCESS_ABSTRACT else IMAGE_MISSING)
        base = url or _SITE
        if figures_2023:
            for node in figures_2023:
                _add_2023(collector, node, base)
        else:
            viewer = _figure_viewer(doc)
            for node in figures_2016:
                _add_2016(collector, node, base, viewer)
        yield ParsedArticle(article=article, figures=tuple(collector.figures), problems=tuple(problems))


def _text(doc, xpath: str) -> str:
    nodes = doc.xpath(xpath)
    return element_text(nodes[0]) if nodes else ""


def _doi(doc) -> str | None:
    for name in ("dc.Identifier", "publication_doi", "citation_doi"):
        doi = normalize_doi(meta_content(doc, name))
        if doi:
            return doi
    # Access-denial pages have no dc.* tags; the page context and the DOI line remain.
    m = re.search(r"article:article:(10\.\d{4,9}/[^;]+)", meta_content(doc, "pbContext") or "")
    return normalize_doi(m.group(1) if m else _text(doc, '//div[@id="doi"]'))


def _journal_from_title(doc) -> str | None:
    # "<title>Article title - Journal of Medicinal Chemistry (ACS Publications)</title>"
    m = _TITLE_JOURNAL.search(_text(doc, "//title"))
    if m and "acs" not in m.group(1).lower():
        return clean_text(m.group(1))
    cite = _text(doc, '//div[@id="citation"]/cite')
    return cite or None


def _authors(doc) -> tuple[str, ...]:
    names = meta_contents(doc, "dc.Creator")
    if not names:
        seen: list[str] = []
        for a in doc.xpath('//*[@id="authors"]//a[starts-with(@href, "/author/")]'):
            name = element_text(a)
            if name and name not in seen:
                seen.append(name)
        names = seen
    return tuple(clean_text(n) for n in names)


def _license(doc) -> str | None:
    hrefs = doc.xpath(
        '//*[contains(@class, "cc-license")]//a[contains(@href, "creativecommons.org")]/@href'
    ) or doc.xpath('//a[contains(@href, "creativecommons.org/licenses")]/@href')
    if hrefs:
        return normalize_license(hrefs[0])
    # 2016 AuthorChoice / Editors' Choice notes state the licence in words and link ACS's terms page.
    for node in doc.xpath('//a[contains(@href, "authorchoice")]/..'):
        text = element_text(node)
        if "creative commons" in text.lower() or "cc-by" in text.lower():
            return normalize_license(text)
        href = node.xpath('.//a[contains(@href, "authorchoice")]/@href')[0].lower()
        if "ccby" in href:
            return normalize_license("CC-BY" + ("-NC-ND" if "ncnd" in href else ""))
    return None


def _figure_viewer(doc) -> dict[str, str]:
    """Figure id -> URL of the large rendition, from the 2016 ``window.figureViewer`` script."""
    for script in doc.xpath("//script[contains(., 'figureViewer')]/text()"):
        m = _VIEWER_PATH.search(script)
        if not m:
            continue
        path = m.group(1).rstrip("/")
        return {fid: f"{path}/images/large/{large or medium}" for fid, medium, large in _VIEWER_FIG.findall(script)}
    return {}


def _add_2016(collector: FigureCollector, node, base: str, viewer: dict[str, str]) -> None:
    fig_id = node.get("id")
    src = (node.xpath(".//img/@src") or [None])[0]
    image_url = absolute_url(viewer.get(fig_id) or src, base)
    captions = node.xpath('.//div[contains(@class, "hlFld-FigureCaption")]')
    if not captions:
        alt = (node.xpath(".//img/@alt") or [""])[0]
        if node.xpath('ancestor::div[@id="abstractBox"]') or "abstract" in alt.lower():
            collector.add(None, "", None, image_url, kind="graphical-abstract")
        return
    label, caption, caption_html = caption_parts(captions[0])
    # Scheme conditions are printed as footnotes after the legend, inside the same block.
    notes = [n for n in node.xpath('./p[contains(@class, "last")]') if element_text(n)]
    if notes:
        note_text = _NOTE_MARKER.sub("", " ".join(element_text(n) for n in notes))
        note_html = " ".join(inner_markup(n) for n in notes)
        if _MARKER_ONLY.match(caption):
            caption, caption_html = note_text, note_html
        else:
            caption, caption_html = f"{caption} {note_text}", f"{caption_html} {note_html}"
    collector.add(label, caption, caption_html, image_url)


def _add_2023(collector: FigureCollector, node, base: str) -> None:
    big = node.xpath(".//img/@data-lg-src") or node.xpath(
        './/*[contains(@class, "download-hi-res-img")]//a/@href'
    ) or node.xpath(".//img/@src")
    image_url = absolute_url(big[0], base) if big else None
    captions = node.xpath('.//*[contains(@class, "hlFld-FigureCaption")]') or node.xpath(".//figcaption")
    if not captions:
        if "abstract" in (node.get("class") or "") or _text(node, './/*[contains(@class, "fig-label")]') == "Abstract":
            collector.add(None, "", None, image_url, kind="graphical-abstract")
        return
    label, caption, caption_html = caption_parts(captions[0])
    label = label or _text(node, './/*[contains(@class, "fig-label")]') or None
    collector.add(label, caption, caption_html, image_url)
