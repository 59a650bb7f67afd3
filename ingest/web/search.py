"""Journal families: search URLs, result-page parsers, article and image URLs.

Each family knows how to ask its publisher's search for a query (order, open-access
filter, page size), how to read a result page into ordered article URLs plus the request
for the next page, and how to turn an article URL into the document to fetch.  Parsers
try the markup seen in saved result pages first and fall back to article-link patterns,
so a redesign degrades to "links found, open-access flags unknown" (reported as a
problem) rather than to nothing.

Verified against saved pages: nature.com (2020-21 ``li[itemtype=Article]`` list and the
newer ``article.c-card`` grid) and pubs.rsc.org (``div.capsule--article``).  The ACS
result parser follows the Literatum markup EXSCLAIM used and has not been checked
against a saved page; Europe PMC is a documented JSON API.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from figdex.errors import NotFoundError
from figdex.ingest.web.fetchers import ARCHIVE, PAGE
from figdex.ingest.web.query import Query


class UnknownFamilyError(NotFoundError):
    pass


@dataclass(frozen=True)
class SearchHit:
    url: str  # absolute article URL, in the order the publisher ranked it
    title: str = ""
    open_access: bool | None = None  # None: the result page does not say
    doi: str | None = None


@dataclass(frozen=True)
class PageRequest:
    url: str
    data: tuple[tuple[str, str], ...] = ()  # form fields of a POST (RSC pages its results by POST)

    @property
    def form(self) -> dict | None:
        return dict(self.data) or None


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[SearchHit, ...]
    next: PageRequest | None = None
    total: int | None = None  # results the publisher says it has
    problems: tuple[str, ...] = ()


class Family(ABC):
    name: str = ""
    parser: str = ""  # source parser for its pages (figdex.ingest.sources)
    base_url: str = ""  # where its search lives; --base-url replaces it
    hosts: tuple[str, ...] = ()
    page_ext: str = ".html"
    rate_setting: str | None = None  # a setting (settings.py) with the least seconds between requests to its hosts

    @abstractmethod
    def search_request(self, search: str, query: Query, base: str | None = None,
                       page_size: int | None = None) -> PageRequest:
        """The first result page for one search string."""

    @abstractmethod
    def parse_results(self, content: bytes, request: PageRequest) -> SearchPage:
        """Article hits in rank order and the request for the next page (None on the last)."""

    def article_request_url(self, url: str, base: str | None = None) -> str:
        """The document to fetch for an article URL (full-text HTML, an API's XML, ...)."""
        return url

    def image_url(self, url: str, page_url: str) -> str:
        """Absolute URL of a figure image in its largest published size."""
        return urljoin(page_url, url)

    def attachments(self, url: str, base: str | None = None) -> list[tuple[str, str, str]]:
        """(URL, file stem, fetcher kind) of documents fetched beside the article's page and saved in
        its ``_files`` folder under the stem plus ``attachment_suffix`` (arXiv's e-print source and
        licence record); none by default."""
        return []

    def attachment_suffix(self, stem: str, content: bytes, content_type: str) -> str:
        return ""

    def page_name(self, url: str) -> str:
        """File name stem under which an article page is saved (stable across runs and mirrors)."""
        parts = [p for p in urlsplit(url).path.split("/") if p]
        return _slug(parts[-1] if parts else urlsplit(url).netloc)

    def base(self, override: str | None) -> str:
        return (override or self.base_url).rstrip("/")


# -- helpers ---------------------------------------------------------------------------------------
def _doc(content: bytes):
    from lxml import html

    from figdex.ingest.sources.common import decode_markup

    return html.document_fromstring(decode_markup(content) or "<html></html>")


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.text_content()).strip() if el is not None else ""


def _slug(text: str) -> str:
    from figdex.index.db import slug

    return slug(text)[:150]


def _int(text: str | None) -> int | None:
    return int(text.replace(",", "")) if text else None


def _with_params(url: str, **params) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({k: str(v) for k, v in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


def _links_fallback(doc, base_url: str, pattern: str, problems: list[str], family: str) -> list[SearchHit]:
    hrefs = [urljoin(base_url, h) for h in doc.xpath("//a/@href") if re.search(pattern, h)]
    if hrefs:
        problems.append(f"{family}: result markup not recognised; took {len(set(hrefs))} article links "
                        "(open-access flags unknown)")
    return [SearchHit(h) for h in dict.fromkeys(hrefs)]


_OPEN_MARK = ('.//*[@data-test="open-access"] | .//img[@alt="Open Access"] | .//*[contains(@class, "icon-availability_open")]'
              ' | .//*[normalize-space(text())="Open" or normalize-space(text())="Open Access"'
              ' or normalize-space(text())="Open access"]')


# -- nature.com ------------------------------------------------------------------------------------
_RENDITION = re.compile(r"(media\.springernature\.com/)(?:lw|m|w|h|lh)\d+(?:h\d+)?(/)")


class Nature(Family):
    name = "nature"
    parser = "nature"
    base_url = "https://www.nature.com"
    hosts = ("nature.com",)
    ORDER = {"relevant": "relevance", "recent": "date_desc", "old": "date_asc"}

    def search_request(self, search, query, base=None, page_size=None):
        # nature.com has no page-size or open-access parameter: it serves 50 (older: 12..50)
        # results a page, and open access is read from each result's "Open Access" badge.
        params = {"q": search, "order": self.ORDER[query.sortby], "page": 1}
        return PageRequest(f"{self.base(base)}/search?{urlencode(params)}")

    def parse_results(self, content, request):
        doc = _doc(content)
        problems: list[str] = []
        hits = []
        for item in doc.xpath('//*[@itemtype="http://schema.org/ScholarlyArticle" or @itemtype="http://schema.org/Article"]'):
            hrefs = item.xpath('.//a[@itemprop="url"]/@href') or item.xpath('.//a[contains(@href, "/articles/")]/@href')
            if not hrefs:
                continue
            title = item.xpath('.//*[@itemprop="name headline" or @itemprop="headline"]')
            hits.append(SearchHit(urljoin(request.url, hrefs[0].strip()), _text(title[0]) if title else "",
                                  bool(item.xpath(_OPEN_MARK))))
        if not hits:
            hits = _links_fallback(doc, request.url, r"/articles/[^/?#]+$", problems, self.name)
        nxt = (doc.xpath('//li[@data-page="next"]//a/@href') or doc.xpath('//a[@rel="next"]/@href')
               or doc.xpath('//link[@rel="next"]/@href'))
        total = re.search(r"of\s*([\d,]+)\s*results", _text(doc.body) if doc.find("body") is not None else "")
        return SearchPage(tuple(hits), PageRequest(urljoin(request.url, nxt[0])) if nxt else None,
                          _int(total.group(1)) if total else None, tuple(problems))

    def image_url(self, url, page_url):
        # The parser already asks for `full` on media.springernature.com; doing it here too
        # covers mirrors that serve the same paths under another host.
        return _RENDITION.sub(r"\1full\2", urljoin(page_url, url))


# -- pubs.rsc.org ----------------------------------------------------------------------------------
class RSC(Family):
    name = "rsc"
    parser = "rsc"
    base_url = "https://pubs.rsc.org"
    hosts = ("pubs.rsc.org", "rsc.org")
    ORDER = {"relevant": "Relevance", "recent": "Latest to oldest", "old": "Oldest to latest"}

    def search_request(self, search, query, base=None, page_size=None):
        params = {"searchtext": search, "SortBy": self.ORDER[query.sortby], "PageSize": page_size or 25,
                  "tab": "all", "fcategory": "all", "filter": "all"}
        if query.open:
            params["Article Access"] = "Open Access"
        return PageRequest(f"{self.base(base)}/en/results?{urlencode(params)}")

    def parse_results(self, content, request):
        doc = _doc(content)
        problems: list[str] = []
        hits = []
        for cap in doc.xpath('//div[contains(concat(" ", normalize-space(@class), " "), " capsule--article ")]'):
            html_links = [h for h in cap.xpath('.//a/@href') if "/articlehtml/" in h]
            links = html_links or cap.xpath('.//a[contains(@class, "capsule__action")]/@href') or \
                cap.xpath('.//a[contains(@href, "/articlelanding/")]/@href')
            if not links:
                continue
            url = urljoin(request.url, links[0].split("?")[0])
            doi = cap.xpath('.//a[contains(@href, "doi.org/10.")]/@href')
            title = cap.xpath('.//h3[contains(@class, "capsule__title")]')
            hits.append(SearchHit(url, _text(title[0]) if title else "", bool(cap.xpath(_OPEN_MARK)),
                                  doi[0].split("doi.org/", 1)[1].lower() if doi else None))
        if not hits:
            hits = _links_fallback(doc, request.url, r"/en/content/article(?:html|landing)/", problems, self.name)
        total = re.search(r"([\d,]+)\s+items", _text(doc.body) if doc.find("body") is not None else "")
        total_n = _int(total.group(1)) if total else None
        nxt = doc.xpath('//a[contains(@class, "paging__btn--next") and not(contains(@class, "paging__btn--disabled"))]'
                        '/@data-pageno')
        next_request = None
        if nxt and hits:
            # Pages after the first come from a POST that the site's script sends with the
            # serialized search term of the first page.
            term = (doc.xpath('//input[@id="SearchTerm"]/@value') or doc.xpath('//input[@name="all"]/@value')
                    or [dict(request.data).get("searchterm", "")])[0]
            form = (("searchterm", term), ("resultcount", str(total_n or "")), ("category", "all"),
                    ("pageno", nxt[0]))
            next_request = PageRequest(urljoin(request.url, "/en/search/journalresult"), form)
        return SearchPage(tuple(hits), next_request, total_n, tuple(problems))

    def article_request_url(self, url, base=None):
        return url.replace("/articlelanding/", "/articlehtml/")  # the full text holds the figures


# -- pubs.acs.org ----------------------------------------------------------------------------------
_ACS_READER = re.compile(r"/doi/(?:abs|full|pdf|epdf|pdfplus|suppl)/(10\.)")


class ACS(Family):
    name = "acs"
    parser = "acs"
    base_url = "https://pubs.acs.org"
    hosts = ("pubs.acs.org",)
    ORDER = {"relevant": "relevancy", "recent": "Earliest", "old": "Earliest_asc"}

    def search_request(self, search, query, base=None, page_size=None):
        params = {"AllField": search, "sortBy": self.ORDER[query.sortby], "pageSize": page_size or 20, "startPage": 0}
        if query.open:
            params["accessType"] = "openAccess"
        return PageRequest(f"{self.base(base)}/action/doSearch?{urlencode(params)}")

    def parse_results(self, content, request):
        doc = _doc(content)
        problems: list[str] = []
        hits = []
        for item in doc.xpath('//*[contains(concat(" ", normalize-space(@class), " "), " issue-item ")]'):
            links = item.xpath('.//*[contains(@class, "issue-item_title")]//a/@href') or \
                item.xpath('.//a[contains(@href, "/doi/10.")]/@href')
            if not links:
                continue
            title = item.xpath('.//*[contains(@class, "issue-item_title")]')
            url = _ACS_READER.sub(r"/doi/\1", urljoin(request.url, links[0].split("?")[0]))
            hits.append(SearchHit(url, _text(title[0]) if title else "", bool(item.xpath(_OPEN_MARK)),
                                  url.split("/doi/", 1)[1].lower() if "/doi/" in url else None))
        if not hits:
            hits = [SearchHit(_ACS_READER.sub(r"/doi/\1", h.url)) for h in
                    _links_fallback(doc, request.url, r"/doi/(?:abs/|full/)?10\.", problems, self.name)]
            hits = list({h.url: h for h in hits}.values())
        nxt = doc.xpath('//a[contains(@class, "pagination__btn--next")]/@href') or \
            doc.xpath('//a[@rel="next"]/@href') or doc.xpath('//link[@rel="next"]/@href')
        next_request = PageRequest(urljoin(request.url, nxt[0])) if nxt else None
        params = dict(parse_qsl(urlsplit(request.url).query))
        size = int(params.get("pageSize") or 20)
        if next_request is None and len(hits) >= size:  # no next link seen: ask for the next page by number
            next_request = PageRequest(_with_params(request.url, startPage=int(params.get("startPage") or 0) + 1))
        total = re.search(r"([\d,]+)\s+results", _text(doc.body) if doc.find("body") is not None else "")
        return SearchPage(tuple(hits), next_request, _int(total.group(1)) if total else None, tuple(problems))

    def page_name(self, url):
        path = urlsplit(url).path
        return _slug(path.split("/doi/", 1)[1]) if "/doi/" in path else super().page_name(url)


# -- Europe PMC (open-access full texts as JATS XML) -------------------------------------------
_PMCID = re.compile(r"\bPMC\d+\b", re.I)


class EuropePMC(Family):
    name = "europepmc"
    parser = "jats"
    base_url = "https://www.ebi.ac.uk/europepmc/webservices/rest"
    hosts = ("europepmc.org", "www.ebi.ac.uk", "pmc.ncbi.nlm.nih.gov", "www.ncbi.nlm.nih.gov")
    page_ext = ".xml"
    ORDER = {"relevant": None, "recent": "P_PDATE_D desc", "old": "P_PDATE_D asc"}

    def search_request(self, search, query, base=None, page_size=None):
        # IN_EPMC: the full text is in Europe PMC, so fullTextXML will answer.
        text = f"({search}) AND IN_EPMC:y" + (" AND OPEN_ACCESS:y" if query.open else "")
        params = {"query": text, "format": "json", "resultType": "lite", "pageSize": page_size or 25,
                  "cursorMark": "*"}
        if self.ORDER[query.sortby]:
            params["sort"] = self.ORDER[query.sortby]
        return PageRequest(f"{self.base(base)}/search?{urlencode(params)}")

    def parse_results(self, content, request):
        try:
            data = json.loads(content.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return SearchPage((), None, None, (f"europepmc: the search answer is not JSON ({exc})",))
        results = (data.get("resultList") or {}).get("result") or []
        hits = []
        for r in results:
            pmcid = r.get("pmcid")
            if not pmcid:
                continue  # no full text to fetch
            hits.append(SearchHit(f"https://europepmc.org/article/PMC/{pmcid}", r.get("title") or "",
                                  {"Y": True, "N": False}.get(str(r.get("isOpenAccess", "")).upper()),
                                  (r.get("doi") or "").lower() or None))
        cursor = dict(parse_qsl(urlsplit(request.url).query)).get("cursorMark")
        nxt = data.get("nextCursorMark")
        next_request = PageRequest(_with_params(request.url, cursorMark=nxt)) if results and nxt and nxt != cursor \
            else None
        return SearchPage(tuple(hits), next_request, data.get("hitCount"))

    def article_request_url(self, url, base=None):
        m = _PMCID.search(url)
        if not m:
            return url  # not a PMC article: fetched as given
        return f"{self.base(base)}/{m.group(0).upper()}/fullTextXML"

    def image_url(self, url, page_url):
        if re.match(r"https?://", url):
            return url
        m = _PMCID.search(page_url)
        parts = urlsplit(page_url)
        host = "https://europepmc.org" if parts.netloc.endswith("ebi.ac.uk") else f"{parts.scheme}://{parts.netloc}"
        name = url if re.search(r"\.(jpe?g|png|gif|tiff?)$", url, re.I) else f"{url}.jpg"
        return f"{host}/articles/{m.group(0).upper()}/bin/{name}" if m else urljoin(page_url, name)

    def page_name(self, url):
        m = _PMCID.search(url)
        return m.group(0).upper() if m else super().page_name(url)


# -- arXiv (API Atom feeds; e-print sources) ----------------------------------------------------
class Arxiv(Family):
    """arXiv's API (an Atom feed per search page and per article) and the e-print of each article.

    arXiv asks API users to wait 3 s between requests: the ``arxiv_delay`` setting spaces every
    request to its hosts (``rate_setting``), and export.arxiv.org and arxiv.org share one clock."""

    name = "arxiv"
    parser = "arxiv"
    base_url = "http://export.arxiv.org"
    # export.arxiv.org is arXiv's host for programmatic access; arxiv.org's robots.txt disallows
    # /e-print for crawlers (and figdex obeys whichever robots.txt the host serves).
    eprint_url = "https://export.arxiv.org"
    oai_url = "https://oaipmh.arxiv.org/oai"  # arXiv's OAI-PMH service (licences)
    hosts = ("arxiv.org",)
    page_ext = ".xml"
    rate_setting = "arxiv_delay"
    ORDER = {"relevant": ("relevance", "descending"), "recent": ("submittedDate", "descending"),
             "old": ("submittedDate", "ascending")}

    def search_request(self, search, query, base=None, page_size=None):
        clauses = [f"all:{term}" for term in re.findall(r'"[^"]+"|\S+', search)]
        if query.categories:
            cats = " OR ".join(f"cat:{c}" for c in query.categories)
            clauses.append(f"({cats})" if len(query.categories) > 1 else cats)
        sort_by, order = self.ORDER[query.sortby]
        params = {"search_query": " AND ".join(clauses), "start": 0,
                  "max_results": page_size or min(100, max(10, query.maximum_scraped)),
                  "sortBy": sort_by, "sortOrder": order}
        return PageRequest(f"{self.base(base)}/api/query?{urlencode(params)}")

    def parse_results(self, content, request):
        from figdex.ingest.sources.arxiv import parse_feed
        from figdex.ingest.sources.base import SourceError

        try:
            feed = parse_feed(content, request.url)
        except SourceError as exc:
            return SearchPage((), None, None, (f"arxiv: {exc}",))
        hits = tuple(SearchHit(e.abs_url, e.title, True, e.doi) for e in feed.entries)
        params = dict(parse_qsl(urlsplit(request.url).query))
        start = int(params.get("start") or 0)
        more = bool(hits) and (feed.total is None or start + len(hits) < feed.total)
        nxt = PageRequest(_with_params(request.url, start=start + len(hits))) if more else None
        return SearchPage(hits, nxt, feed.total, tuple(f"arxiv: {p}" for p in feed.problems))

    def article_request_url(self, url, base=None):
        from figdex.ingest.sources.arxiv import arxiv_id

        ident = arxiv_id(url)
        if ident is None:
            return url
        return f"{self.base(base)}/api/query?{urlencode({'id_list': ident, 'max_results': 1})}"

    def attachments(self, url, base=None):
        from figdex.ingest.sources.arxiv import arxiv_id, base_id

        ident = arxiv_id(url)
        if ident is None:
            return []
        # The API states no licence; the OAI-PMH record ("arXiv" metadata format) does.
        oai = f"{base.rstrip('/')}/oai" if base else self.oai_url
        record = urlencode({"verb": "GetRecord", "identifier": f"oai:arXiv.org:{base_id(ident)}",
                            "metadataPrefix": "arXiv"})
        return [(f"{(base or self.eprint_url).rstrip('/')}/e-print/{ident}", "eprint", ARCHIVE),
                (f"{oai}?{record}", "oai", PAGE)]

    def attachment_suffix(self, stem, content, content_type):
        from figdex.ingest.sources.arxiv import eprint_suffix

        return ".xml" if stem == "oai" else eprint_suffix(content)

    def page_name(self, url):
        from figdex.ingest.sources.arxiv import arxiv_id

        ident = arxiv_id(url)
        return _slug(ident.replace("/", "-")) if ident else super().page_name(url)


class Other(Family):
    """Article URLs of any other host: fetched as given, parsed by whichever parser recognises the page."""

    name = "other"
    parser = ""

    def search_request(self, search, query, base=None, page_size=None):
        raise UnknownFamilyError(f"no search for journal family 'other'; valid families: {', '.join(SEARCHABLE)}")

    def parse_results(self, content, request):
        return SearchPage(())

    def page_name(self, url):
        parts = urlsplit(url)
        return _slug(f"{parts.netloc}-{parts.path}")


FAMILIES: dict[str, Family] = {f.name: f for f in (Nature(), RSC(), ACS(), EuropePMC(), Arxiv(), Other())}
ALIASES = {"pmc": "europepmc", "epmc": "europepmc", "europe-pmc": "europepmc", "springer-nature": "nature"}
SEARCHABLE = ("nature", "rsc", "acs", "europepmc", "arxiv")


def get_family(name: str, searchable: bool = False) -> Family:
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    valid = SEARCHABLE if searchable else (*SEARCHABLE, "other")
    if key not in valid:
        raise UnknownFamilyError(f"unknown journal family {name!r}; valid families: {', '.join(valid)}")
    return FAMILIES[key]


def family_for_url(url: str) -> Family:
    """The family whose host serves ``url``; ``other`` for unknown hosts."""
    host = urlsplit(url).netloc.lower().split(":")[0]
    for family in FAMILIES.values():
        if any(host == h or host.endswith("." + h) for h in family.hosts):
            if family.name == "europepmc" and not _PMCID.search(url):
                continue  # an NCBI/EBI page that is not a PMC article
            return family
    return FAMILIES["other"]
