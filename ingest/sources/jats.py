"""JATS / NLM XML full texts: PMC ``.nxml`` and efetch ``pmc-articleset`` files, Springer
Nature API responses, ACS (Atypon NLM 2.2 with ACHS extensions) and APS XML.

One parser serves them all because they share the NLM tag set (``<article-meta>``,
``<fig><label><caption><graphic xlink:href>``); only the publisher family differs.
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
    local_name,
    normalize_doi,
    normalize_license,
    parse_year,
    printed_label,
    split_figure_label,
    xml_markup,
    xml_text,
)

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

# JATS inline formatting -> HTML, so caption splitters see <b>a</b> as on publisher pages.
HTML_TAGS = {"bold": "b", "italic": "i", "underline": "u", "sc": "span", "monospace": "code",
             "title": "p", "list": "ul", "list-item": "li", "ext-link": "a", "xref": "span"}

_DOCTYPE = re.compile(r"<!DOCTYPE\s+(?:article|pmc-articleset)\b[^>]*(?:NLM|JATS|Atypon|archivearticle)", re.I)

# Families by publisher name, then by DOI prefix; PMC deposits are "pmc" whoever published them.
_PUBLISHER_NAMES = (
    ("american chemical society", "acs"),
    ("american physical society", "aps"),
    ("springer", "springer"),
    ("biomed central", "springer"),
    ("elsevier", "elsevier"),
    ("royal society of chemistry", "rsc"),
    ("wiley", "wiley"),
    ("nature publishing", "nature"),
)
_DOI_PREFIXES = {
    "10.1021": "acs",
    "10.1103": "aps",
    "10.1007": "springer",
    "10.1186": "springer",
    "10.1016": "elsevier",
    "10.1039": "rsc",
    "10.1002": "wiley",
    "10.1038": "nature",
}
_PMC_ID_TYPES = {"pmc", "pmcid", "pmcaid", "pmcaiid"}

# Abstract types that are not the article's abstract proper.
_SIDE_ABSTRACTS = {"graphical", "teaser", "toc", "summary", "web-summary", "editor-summary", "author-summary"}


@register_parser
class JatsParser(SourceParser):
    name = "jats"
    priority = 50

    def sniff(self, path: Path, head: str) -> bool:
        start = head[:4096]
        if re.search(r"<html\b", start, re.I):
            return False
        if _DOCTYPE.search(start) or "<pmc-articleset" in start:
            return True
        # DOCTYPE-less files (API responses, stripped exports) still open with the front matter.
        return bool(re.search(r"<article\b", head)) and bool(re.search(r"<(?:article|journal)-meta\b", head))

    def parse(self, path: Path) -> Iterator[ParsedArticle]:
        root = load_xml(path)
        expand_entities(root)
        _strip_default_namespace(root)
        articles = [a for a in root.iter("article") if _ancestor(a, "article") is None]
        if not articles:
            raise SourceError(f"{path}: no <article> element; give a JATS/NLM article XML file")
        is_pmc_set = local_name(root) == "pmc-articleset"
        for art in articles:
            yield _parse_article(path, art, is_pmc_set)


def _parse_article(path: Path, art, is_pmc_set: bool) -> ParsedArticle:
    problems: list[str] = []
    meta = art.find("front/article-meta")
    if meta is None:
        meta = art.find(".//article-meta")
    journal_meta = art.find(".//journal-meta")
    doi = _doi(meta)
    title = xml_text(_first(meta, "title-group/article-title"), skip={"xref", "fn"})
    if not title:
        problems.append("no article title")
    if not doi:
        problems.append("no DOI in <article-meta>")
    license_id = _license(meta)
    figures = _figures(art, problems)
    body = art.find("body")
    has_body = body is not None and len(xml_text(body)) > 200
    pmcid = _article_id(meta, _PMC_ID_TYPES)
    article = Article(
        source_file=str(path),
        publisher=_family(art, journal_meta, doi, is_pmc_set),
        doi=doi,
        title=title,
        journal=_journal(journal_meta),
        year=_year(meta),
        authors=_authors(meta),
        abstract=_abstract(meta),
        license=license_id,
        open_access=license_open_access(license_id),
        url=_url(doi, pmcid),
        access=ACCESS_FULL if has_body or figures else ACCESS_ABSTRACT,
        keywords=tuple(xml_text(k) for k in _findall(meta, ".//kwd-group/kwd") if xml_text(k)),
    )
    return ParsedArticle(article=article, figures=figures, problems=tuple(problems))


def _strip_default_namespace(root) -> None:
    # Some exports put JATS in a default namespace; plain tag names keep the lookups simple.
    if not (isinstance(root.tag, str) and root.tag.startswith("{")):
        return
    ns = root.tag[1:].split("}")[0]
    prefix = "{" + ns + "}"
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith(prefix):
            try:
                el.tag = el.tag[len(prefix):]
            except ValueError:
                # lxml's recover mode can keep a broken prefixed name inside the namespace
                # ("xocs:3sid" after a flipped byte): not a valid bare tag, so it keeps its namespace.
                pass


def _ancestor(el, name: str):
    for anc in el.iterancestors():
        if local_name(anc) == name:
            return anc
    return None


def _first(parent, xpath: str):
    if parent is None:
        return None
    return parent.find(xpath)


def _findall(parent, xpath: str) -> list:
    return [] if parent is None else parent.findall(xpath)


def _article_id(meta, types: set[str]) -> str | None:
    for aid in _findall(meta, "article-id"):
        if (aid.get("pub-id-type") or "").lower() in types and (aid.text or "").strip():
            return aid.text.strip()
    return None


def _doi(meta) -> str | None:
    return normalize_doi(_article_id(meta, {"doi"}))


def _family(art, journal_meta, doi: str | None, is_pmc_set: bool) -> str:
    pmc_journal = any(j.get("journal-id-type") == "pmc" for j in _findall(journal_meta, "journal-id"))
    if is_pmc_set or pmc_journal or _article_id(art.find(".//article-meta"), _PMC_ID_TYPES):
        return "pmc"
    name = xml_text(_first(journal_meta, ".//publisher-name")).lower()
    for needle, family in _PUBLISHER_NAMES:
        if needle in name:
            return family
    if doi:
        family = _DOI_PREFIXES.get(doi.split("/", 1)[0])
        if family:
            return family
    return "jats"


def _journal(journal_meta) -> str | None:
    for xpath in (".//journal-title", ".//abbrev-journal-title", "journal-id"):
        text = xml_text(_first(journal_meta, xpath))
        if text:
            return text
    return None


def _year(meta) -> int | None:
    dates = _findall(meta, "pub-date")
    rank = {"epub": 0, "pub": 0, "ppub": 1, "collection": 2}

    def key(d):
        kind = d.get("pub-type") or d.get("date-type") or ""
        return rank.get(kind, 3)

    for date in sorted(dates, key=key):
        year = parse_year(xml_text(date.find("year")) or date.get("iso-8601-date"))
        if year:
            return year
    return parse_year(xml_text(_first(meta, "permissions/copyright-year")))


def _authors(meta) -> tuple[str, ...]:
    names: list[str] = []
    for contrib in _findall(meta, "contrib-group/contrib"):
        if (contrib.get("contrib-type") or "author") != "author":
            continue
        name = contrib.find(".//name")
        if name is not None:
            given = xml_text(name.find("given-names"))
            surname = xml_text(name.find("surname"))
            full = clean_text(f"{given} {surname}")
        else:
            full = xml_text(contrib.find(".//string-name")) or xml_text(contrib.find(".//collab"), skip={"contrib-group"})
        if full:
            names.append(full)
    return tuple(names)


def _abstract(meta) -> str:
    abstracts = _findall(meta, "abstract")
    main = [a for a in abstracts if (a.get("abstract-type") or "") not in _SIDE_ABSTRACTS]
    chosen = main[0] if main else None
    text = xml_text(chosen, skip={"fig", "xref", "object-id"}) if chosen is not None else ""
    return re.sub(r"^(?:Abstract|Summary)\b[.:]?\s*", "", text)


def _license(meta) -> str | None:
    # NLM 2.3 files keep <copyright-statement> directly in <article-meta>.
    perms = _first(meta, "permissions")
    scope = perms if perms is not None else meta
    if scope is None:
        return None
    candidates: list[str] = []
    for lic in scope.iter("license"):
        candidates.append(_href(lic) or "")
        candidates.extend(ref.text or "" for ref in lic if local_name(ref) == "license_ref")
        # license-type "public-domain"; "open-access"/"ccc" say nothing of the terms.
        candidates.append((lic.get("license-type") or "").replace("-", " "))
        candidates.append(xml_text(lic))
    statement = xml_text(scope.find(".//copyright-statement"))
    for text in candidates + [statement]:
        lic_id = normalize_license(text)
        if lic_id and (lic_id.startswith(("CC-", "CC0")) or lic_id == "public-domain"):
            return lic_id
    # No licence terms: the copyright line says more than a "CCC: $40.75" price tag.
    fallback = statement or next((c for c in candidates if c.strip()), "")
    return normalize_license(fallback)


def _href(el) -> str | None:
    if el is None:
        return None
    # ACS files use xlink:href without declaring the namespace; recovery keeps the raw name.
    return el.get(XLINK_HREF) or el.get("xlink:href") or el.get("href")


def _url(doi: str | None, pmcid: str | None) -> str | None:
    if doi:
        return f"https://doi.org/{doi}"
    if pmcid:
        pmcid = pmcid if pmcid.upper().startswith("PMC") else f"PMC{pmcid}"
        return f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"
    return None


def _figures(art, problems: list[str]) -> tuple[Figure, ...]:
    collector = FigureCollector(problems)
    for fig in art.iter("fig"):
        # Figures of sub-articles (reviews, replies) and supplementary files are not the article's.
        owner = next((a for a in fig.iterancestors() if local_name(a) in ("article", "sub-article")), None)
        if owner is art and _ancestor(fig, "supplementary-material") is None:
            _add_figure(collector, fig)
    return tuple(collector.figures)


def _add_figure(collector: FigureCollector, fig) -> None:
    label, rest = printed_label(xml_text(fig.find("label")))
    caption_el = fig.find("caption")
    caption = clean_text(f"{rest} {xml_text(caption_el)}")
    if not label and caption:
        # Label written into the caption ("Figure 3. ...").
        label, caption = split_figure_label(caption)
    abstract = _ancestor(fig, "abstract")
    fig_type = (fig.get("fig-type") or "").lower()
    if abstract is not None and ((abstract.get("abstract-type") or "") in ("graphical", "toc") or not label):
        kind = "graphical-abstract"
    else:
        kind = fig_type if fig_type in ("scheme", "chart") else None
    graphic = next((g for g in fig.iter("graphic") if _ancestor(g, "caption") is None), None)
    collector.add(
        label,
        caption,
        xml_markup(caption_el, HTML_TAGS, skip={"object-id"}),
        _href(graphic),
        kind=kind,
    )
