"""nature.com article pages (Nature, Nature Communications, Scientific Reports, ...).

Handles the markup nature.com has served since ~2019 (``c-article-section__figure``,
``data-test="figure-caption-text"``), as saved in 2020-21 and in 2024.  Subscription
pages that the saver could not read show only figure titles and 312-px thumbnails:
they are recorded with access "abstract" and thumbnail images.
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
    Figure,
    ParsedArticle,
)
from figdex.ingest.sources.base import SourceParser, register_parser
from figdex.ingest.sources.common import (
    absolute_url,
    clean_text,
    element_text,
    figure_kind,
    inner_markup,
    label_number,
    license_open_access,
    load_html,
    meta_content,
    meta_contents,
    normalize_doi,
    normalize_license,
    parse_year,
    split_figure_label,
)

# springernature media URLs carry the rendition size as a path segment: lw685, m312, w300, full.
_RENDITION = re.compile(r"(//media\.springernature\.com/)(?:lw|m|w|h|lh)\d+(/)")


def full_size_url(url: str | None) -> str | None:
    """The largest published rendition of a springernature image URL."""
    if not url:
        return None
    url = absolute_url(url.split("?")[0], "https://www.nature.com/")
    return _RENDITION.sub(r"\1full\2", url)


@register_parser
class NatureParser(SourceParser):
    name = "nature"
    priority = 60

    def sniff(self, path: Path, head: str) -> bool:
        low = head.lower()
        if "<html" not in low:
            return False
        is_nature = 'content="nature publishing group"' in low or "www.nature.com" in low
        # Search result pages share the site chrome but carry no citation_title.
        return is_nature and "citation_title" in low

    def parse(self, path: Path) -> Iterator[ParsedArticle]:
        doc = load_html(path)
        problems: list[str] = []
        doi = normalize_doi(meta_content(doc, "citation_doi") or meta_content(doc, "dc.identifier"))
        license_id = _license(doc)
        # Paywalled pages say access "No"; they show figure titles and thumbnails only.
        access_meta = (meta_content(doc, "access") or "").lower()
        has_legends = bool(doc.xpath('//*[@data-test="bottom-caption"]'))
        access = ACCESS_ABSTRACT if access_meta == "no" or not has_legends else ACCESS_FULL
        article = Article(
            source_file=str(path),
            publisher=self.name,
            doi=doi,
            title=meta_content(doc, "citation_title") or meta_content(doc, "dc.title") or "",
            journal=meta_content(doc, "citation_journal_title"),
            year=parse_year(
                meta_content(doc, "citation_publication_date")
                or meta_content(doc, "citation_online_date")
                or meta_content(doc, "dc.date")
            ),
            authors=tuple(meta_contents(doc, "citation_author")),
            abstract=_abstract(doc),
            license=license_id,
            open_access=license_open_access(license_id),
            url=meta_content(doc, "og:url")
            or (f"https://www.nature.com/articles/{doi.split('/', 1)[1]}" if doi else None),
            access=access,
            keywords=tuple(meta_contents(doc, "dc.subject")),
        )
        figures = list(_figures(doc, access, problems))
        yield ParsedArticle(article=article, figures=tuple(figures), problems=tuple(problems))


def _license(doc) -> str | None:
    hrefs = doc.xpath('//a[contains(@href, "creativecommons.org/licenses")]/@href')
    if hrefs:
        return normalize_license(hrefs[0])
    rights = meta_content(doc, "dc.rights")
    return normalize_license(rights) if rights else None


def _abstract(doc) -> str:
    nodes = doc.xpath('//*[@id="Abs1-content"]')
    if nodes:
        return element_text(nodes[0])
    return meta_content(doc, "dc.description") or meta_content(doc, "description") or ""


def _figures(doc, access: str, problems: list[str]) -> Iterator[Figure]:
    seen: set[str] = set()
    order = {"figure": 0, "scheme": 0, "chart": 0}
    for node in doc.xpath('//figure[.//*[@data-test="figure-caption-text"]]'):
        title_el = node.xpath('.//*[@data-test="figure-caption-text"]')[0]
        label, title = split_figure_label(element_text(title_el))
        kind = figure_kind(label)
        order[kind] += 1
        label = label or f"{kind.title()} {order[kind]}"
        if label in seen:  # the same figure repeated (viewer, print copy)
            continue
        seen.add(label)
        desc = node.xpath('.//*[@data-test="bottom-caption"]')
        legend = element_text(desc[0]) if desc else ""
        legend_html = inner_markup(desc[0]) if desc else ""
        caption = clean_text(f"{title} {legend}") if title and not legend.startswith(title) else legend or title
        if not caption:
            problems.append(f"{label}: no caption on the page")
        srcs = node.xpath(".//img/@src") or node.xpath(".//source/@srcset")
        image_url = full_size_url(srcs[0].split()[0]) if srcs else None
        if image_url is None:
            problems.append(f"{label}: no image URL on the page")
        yield Figure(
            number=label_number(label, order[kind]),
            label=label,
            kind=kind,
            caption=caption,
            caption_html=(f"{title} {legend_html}".strip() if legend_html else title) or None,
            image_url=image_url,
            image_status=IMAGE_THUMBNAIL if access == ACCESS_ABSTRACT else IMAGE_MISSING,
        )
