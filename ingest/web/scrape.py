"""Search -> fetch article pages -> save them -> parse -> fetch figure images -> store.

Fetched documents are saved the way a browser saves them: ``pages/<family>/<name>.html``
(or ``.xml``) with the figure images in ``pages/<family>/<name>_files/`` under their URL
file names.  The existing pipeline then ingests each page exactly as it ingests files
saved by hand (one transaction per page, recorded in ``source_files`` with its sha256), so

* a re-run fetches nothing it already has: documents come from the HTTP cache
  (``cache/http/``), images already in ``_files/`` are not asked for again, and pages whose
  sha256 is recorded as done are reported "unchanged";
* a run killed anywhere resumes to the same database: a page reaches the database only
  after its images are on disk, in one transaction;
* ``figdex ingest pages/`` rebuilds the dataset offline from what was fetched.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, urlsplit

from figdex.index.db import Dataset
from figdex.index.records import ACCESS_ABSTRACT, IMAGE_THUMBNAIL
from figdex.ingest.web.fetchers import IMAGE, Fetcher, FetchError, get_fetcher
from figdex.ingest.web.http import HttpConfig, atomic_write
from figdex.ingest.web.query import Query
from figdex.ingest.web.search import FAMILIES, Family, SearchHit, family_for_url, get_family
from figdex.ingest.web.summary import (  # noqa: F401  (callers read the summary from here)
    ScrapeEvent, ScrapeSummary, outcome_line, summary_lines,
)

FINAL = ("ingested", "unchanged", "skipped", "failed")  # the one outcome reported per article
_IMAGE_EXT = re.compile(r"\.(jpe?g|png|gif|tiff?|webp|bmp)$", re.I)
_TYPE_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/tiff": ".tif",
             "image/webp": ".webp", "image/bmp": ".bmp"}


def http_config(dataset_root: str | Path, **overrides) -> HttpConfig:
    """The HTTP settings of a dataset: its cache lives in ``<dataset>/cache/http``; the hosts of
    families that ask for a delay (arXiv) get it (``rate_limits``)."""
    overrides.setdefault("cache_dir", Path(dataset_root) / "cache" / "http")
    overrides.setdefault("host_intervals", rate_limits())
    return HttpConfig(**overrides)


def rate_limits(base_url: str | None = None, families: Iterable[str | None] = ()) -> tuple[tuple[str, float], ...]:
    """(host, seconds) for every family whose site asks for a delay (``Family.rate_setting``), and for
    ``base_url``'s host when one of ``families`` (those a run uses) asks for one: a mirror given with
    --base-url is treated as the site it stands for."""
    from figdex import settings

    out: dict[str, float] = {}
    used = {get_family(f).name for f in families if f}
    for family in FAMILIES.values():
        if not family.rate_setting:
            continue
        seconds = float(settings.get(family.rate_setting))
        for host in family.hosts:
            out[host] = max(out.get(host, 0.0), seconds)
        if base_url and family.name in used:
            host = (urlsplit(base_url).hostname or "").lower()
            if host:
                out[host] = max(out.get(host, 0.0), seconds)
    return tuple(out.items())


def open_fetcher(name: str, config: HttpConfig) -> Fetcher:
    return get_fetcher(name, config)


def is_url(text: str) -> bool:
    return bool(re.match(r"https?://", str(text), re.I))


# -- search ---------------------------------------------------------------------------------------
def find_articles(fetcher: Fetcher, query: Query, *, base_url: str | None = None, page_size: int | None = None,
                  summary: ScrapeSummary | None = None, on_event: Callable[[ScrapeEvent], None] | None = None,
                  max_pages: int = 200) -> list[SearchHit]:
    """Article hits for a query, in rank order: each search string in turn (all terms first),
    page after page, without duplicates, closed-access results dropped when ``query.open``,
    until ``maximum_scraped`` are found or the results end."""
    summary = summary if summary is not None else ScrapeSummary()
    emit = on_event or (lambda event: None)
    family = get_family(query.journal_family, searchable=True)
    hits: list[SearchHit] = []
    seen: set[str] = set()
    for search in query.search_strings():
        if len(hits) >= query.maximum_scraped:
            break
        summary.searches.append(search)
        request = family.search_request(search, query, base_url, page_size)
        asked: set = set()
        pages = 0
        while request is not None and len(hits) < query.maximum_scraped:
            if (request.url, request.data) in asked or pages >= max_pages:
                summary.problems.append(f"{family.name}: search {search!r} stopped after {pages} pages "
                                        "(the next-page link repeats or the page limit was reached)")
                break
            asked.add((request.url, request.data))
            try:
                result = fetcher.fetch(request.url, data=request.form)
            except FetchError as exc:
                summary.failed.append((request.url, str(exc)))
                summary.searches_failed += 1
                emit(ScrapeEvent("search", request.url, "failed", str(exc)))
                break  # the next search string may still work
            page = family.parse_results(result.content, request)
            pages += 1
            summary.search_pages += 1
            summary.problems.extend(page.problems)
            emit(ScrapeEvent("search", request.url, "cached" if result.from_cache else "fetched",
                             f"{len(page.hits)} results" + (f" of {page.total}" if page.total is not None else "")))
            for hit in page.hits:
                if hit.url in seen:
                    continue
                seen.add(hit.url)
                if query.open and hit.open_access is False:
                    summary.closed_filtered += 1
                    continue
                hits.append(hit)
                summary.found += 1
                emit(ScrapeEvent("search", hit.url, "found", hit.title))
                if len(hits) >= query.maximum_scraped:
                    break
            request = page.next
    return hits


# -- articles -------------------------------------------------------------------------------------
def scrape_query(ds: Dataset, query: Query, fetcher: Fetcher, *, base_url: str | None = None,
                 page_size: int | None = None, force: bool = False,
                 on_event: Callable[[ScrapeEvent], None] | None = None) -> ScrapeSummary:
    """The whole path for a query: search, then every article found."""
    summary = ScrapeSummary()
    hits = find_articles(fetcher, query, base_url=base_url, page_size=page_size, summary=summary, on_event=on_event)
    return scrape_urls(ds, [h.url for h in hits], fetcher, family=query.journal_family, base_url=base_url,
                       force=force, keywords=query.keywords, summary=summary, on_event=on_event,
                       run_params={"query": query.name, "family": query.journal_family,
                                   "searches": summary.searches, "maximum_scraped": query.maximum_scraped})


def scrape_urls(ds: Dataset, urls: Iterable[str], fetcher: Fetcher, *, family: str | None = None,
                base_url: str | None = None, force: bool = False, keywords: tuple[str, ...] = (),
                summary: ScrapeSummary | None = None, on_event: Callable[[ScrapeEvent], None] | None = None,
                run_params: dict | None = None) -> ScrapeSummary:
    """Fetch, save, parse and store each article URL, one after another; ``family`` forces the family
    (mirrors), otherwise it is found from each URL's host.  One final ``article`` event per URL."""
    summary = summary if summary is not None else ScrapeSummary()
    forced = get_family(family) if family else None
    urls = list(dict.fromkeys(urls))
    writer = ArticleWriter.start(ds, urls, family, base_url, force, keywords, summary, on_event, run_params)
    downloader = ArticleDownloader(ds.root, fetcher, base_url, force, summary, writer.emit, ds.source_file)
    status = "interrupted"
    try:
        for url in urls:
            writer.commit(downloader.download(url, forced or family_for_url(url)))
        status = "done"
    finally:
        writer.close(status)
    return summary


@dataclass
class Downloaded:
    """One article's documents on disk, before anything of it is stored (``ArticleDownloader``)."""

    url: str
    outcome: str | None = None  # "skipped" / "failed" when its document could not be had
    detail: str = ""
    page: Path | None = None
    parser: object | None = None  # the SourceParser to read the page with
    unchanged: bool = False  # stored before, unchanged, nothing missing: nothing to do
    attachments_fetched: int = 0  # a page stored before its attachment came is parsed again


class ArticleDownloader:
    """Fetches an article's page, attachments and images into ``<dataset>/pages``; never touches the
    database (``previous(path)`` says what it held for a page), so threads may run it (``harvest.py``)."""

    def __init__(self, root: Path, fetcher: Fetcher, base_url, force: bool, summary: ScrapeSummary,
                 emit: Callable[[ScrapeEvent], None], previous: Callable[[str], object]):
        self.root, self.fetcher, self.base_url, self.force = Path(root), fetcher, base_url, force
        self.summary, self.emit, self.previous = summary, emit, previous

    def download(self, url: str, family: Family) -> Downloaded:
        from figdex.index.db import sha256_file

        fetch_url = family.article_request_url(url, self.base_url)
        try:
            result = self.fetcher.fetch(fetch_url)
        except FetchError as exc:
            return Downloaded(url, "skipped" if exc.kind == "robots" else "failed", str(exc))
        if result.from_cache:
            self.summary.cached += 1
        else:
            self.summary.fetched += 1
        self.emit(ScrapeEvent("page", fetch_url, "cached" if result.from_cache else "fetched"))
        page = self._save_page(url, family, result)
        folder = page.parent / f"{page.stem}_files"
        attachments = family.attachments(url, self.base_url)
        missing = [a for a in attachments if not _saved(folder, a[1])]
        self.summary.attachments_present += len(attachments) - len(missing)
        previous = self.previous(str(page.resolve()))
        if (previous is not None and previous["status"] == "done" and not self.force and not missing
                and previous["sha256"] == sha256_file(page)):
            return Downloaded(url, page=page, unchanged=True)
        # A page stored before its attachment could be fetched is parsed again once it is there.
        fetched = sum(self._fetch_attachment(folder, a_url, stem, kind, family) for a_url, stem, kind in missing)
        parser = self._parser(page, family)
        if parser is not None and not attachments:
            self._fetch_images(page, parser, family, result.final_url or fetch_url)
        return Downloaded(url, page=page, parser=parser, attachments_fetched=fetched)

    def _save_page(self, url: str, family: Family, result) -> Path:
        ctype = result.content_type.lower()
        ext = ".xml" if "xml" in ctype and "html" not in ctype else family.page_ext
        page = self.root / "pages" / family.name / f"{family.page_name(url)}{ext}"
        page.parent.mkdir(parents=True, exist_ok=True)
        if not page.exists() or page.read_bytes() != result.content:
            atomic_write(page, result.content)
        return page

    def _parser(self, page: Path, family: Family):
        from figdex.ingest.sources.base import detect_parser, get_parser

        parser = detect_parser(page)
        if (parser is None or parser.name == "generic") and family.parser:
            parser = get_parser(family.parser)  # the family is known; detection only fell back
        return parser

    def _fetch_images(self, page: Path, parser, family: Family, page_url: str) -> None:
        try:
            items = list(parser.parse(page))
        except Exception:  # noqa: BLE001  the pipeline parses again and records the failure with its reason
            return
        folder = page.parent / f"{page.stem}_files"
        for item in items:
            for figure in item.figures:
                if not figure.image_url:
                    continue
                if item.article.access == ACCESS_ABSTRACT or figure.image_status == IMAGE_THUMBNAIL:
                    # A paywalled page publishes thumbnails only; the full figure is not ours to take.
                    self.summary.images_not_fetched += 1
                    continue
                self._fetch_image(folder, family.image_url(figure.image_url, page_url), _file_name(figure.image_url))

    def _fetch_attachment(self, folder: Path, url: str, stem: str, kind: str, family: Family) -> bool:
        """Fetch one document saved beside a page (an arXiv e-print or licence record); False when it
        could not be had (the reason is kept and the page is stored without it; a later run asks again)."""
        try:
            result = self.fetcher.fetch(url, kind=kind, use_cache=False)  # the saved file is the cache
        except FetchError as exc:
            self.summary.attachment_failures.append((url, str(exc)))
            self.emit(ScrapeEvent("attachment", url, "failed", str(exc)))
            return False
        folder.mkdir(parents=True, exist_ok=True)
        suffix = family.attachment_suffix(stem, result.content, result.content_type)
        atomic_write(folder / f"{stem}{suffix}", result.content)
        self.summary.attachments_fetched += 1
        self.emit(ScrapeEvent("attachment", url, "fetched"))
        return True

    def _fetch_image(self, folder: Path, url: str, name: str) -> None:
        if folder.is_dir():
            low = name.lower()
            if any(f.name.lower() == low or f.name.lower().startswith(low + ".") for f in folder.iterdir()):
                self.summary.images_present += 1
                return
        try:
            result = self.fetcher.fetch(url, kind=IMAGE, use_cache=False)  # the saved file is the cache
        except FetchError as exc:
            self.summary.image_failures.append((url, str(exc)))
            self.emit(ScrapeEvent("image", url, "failed", str(exc)))
            return
        if not _IMAGE_EXT.search(name):
            name += _TYPE_EXT.get(result.content_type.split(";")[0].strip().lower(), ".jpg")
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / name, result.content)
        self.summary.images_fetched += 1
        self.emit(ScrapeEvent("image", url, "fetched"))


class ArticleWriter:
    """Stores downloaded articles, one page per transaction, in the order it is given them, as one
    ``runs`` row; the only part of a harvest that writes the database."""

    def __init__(self, ds, text_index, run_id, summary, on_event, force, keywords):
        self.ds, self.text_index, self.run_id = ds, text_index, run_id
        self.summary, self.force, self.keywords = summary, force, keywords
        self.emit = on_event or (lambda event: None)

    @classmethod
    def start(cls, ds: Dataset, urls: list[str], family, base_url, force, keywords, summary, on_event,
              run_params) -> "ArticleWriter":
        from figdex.index.fulltext import create_text_index

        run_id = ds.start_run("ingest-web", {**(run_params or {}), "urls": len(urls), "family": family,
                                             "base_url": base_url, "force": force})
        text_index = create_text_index(ds.config["text_index"], ds.conn, ds.root)
        return cls(ds, text_index, run_id, summary, on_event, force, keywords)

    def close(self, status: str) -> None:
        self.summary.ingest.count_stored(self.ds, self.run_id)
        self.ds.finish_run(self.run_id, status, {k: v for k, v in self.summary.as_dict().items()
                                                 if not isinstance(v, list)})

    def finish(self, url: str, outcome: str, detail: str = "") -> str:
        if outcome == "failed":
            self.summary.failed.append((url, detail))
        elif outcome == "skipped":
            self.summary.skipped.append((url, detail))
        elif outcome == "ingested":
            self.summary.ingested += 1
        elif outcome == "unchanged":
            self.summary.unchanged += 1
        self.emit(ScrapeEvent("article", url, outcome, detail))
        return outcome

    def commit(self, got: Downloaded, analyse=None) -> str:
        """Store one downloaded article; ``analyse(task)`` gives a page's analysis computed ahead
        (``harvest.py``), None computes it here."""
        from figdex.ingest.images import clear_cache
        from figdex.ingest.pipeline import _ingest_file

        if got.outcome is not None:
            return self.finish(got.url, got.outcome, got.detail)
        if got.unchanged:
            self.summary.ingest.files += 1
            self.summary.ingest.unchanged += 1
            return self.finish(got.url, "unchanged")
        clear_cache()  # the image folder just changed; the resolver caches listings
        failures_before = len(self.summary.ingest.failures)
        outcome = _ingest_file(self.ds, self.text_index, got.page, self.run_id,
                               self.force or got.attachments_fetched > 0, self.summary.ingest, self.keywords,
                               parser=got.parser, analyse=analyse)
        if outcome == "failed":
            reason = self.summary.ingest.failures[failures_before:][-1][1]
            return self.finish(got.url, "failed", reason)
        if outcome == "not-article":
            return self.finish(got.url, "skipped", f"{got.page.name}: not an article page (no parser recognises it)")
        return self.finish(got.url, outcome)


def _saved(folder: Path, stem: str) -> bool:
    return folder.is_dir() and any(f.name.startswith(stem + ".") for f in folder.iterdir())


def _file_name(image_url: str) -> str:
    """The file name the image resolver looks for: the URL's last path segment (see ingest/images.py)."""
    name = unquote(urlsplit(image_url).path.rstrip("/").rsplit("/", 1)[-1]) or "image"
    if "/" in name or name.startswith(".") or len(name) > 150:
        name = hashlib.sha256(image_url.encode()).hexdigest()[:32]
    return name


# -- what the `figdex ingest` command runs ----------------------------------------------------------
@dataclass(frozen=True)
class Job:
    url: str
    family: str | None  # None: from the URL's host
    keywords: tuple[str, ...] = ()
    source: str = "urls"  # "urls", or the name of the query that found it


def split_sources(sources: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """(saved paths, article URLs, query files) from the command's arguments."""
    from figdex.ingest.web.query import looks_like_query

    paths, urls, queries = [], [], []
    for s in sources:
        (urls if is_url(s) else queries if looks_like_query(s) else paths).append(str(s))
    return paths, urls, queries


def plan_jobs(fetcher: Fetcher, *, urls: Iterable[str] = (), family: str | None = None,
              queries: Iterable[Query] = (), base_url: str | None = None, keywords: tuple[str, ...] = (),
              summary: ScrapeSummary, on_event: Callable[[ScrapeEvent], None] | None = None) -> list[Job]:
    """The articles to fetch: the URLs given, then each query's search results."""
    if family:
        get_family(family)  # an unknown --family fails before anything is fetched
    jobs = [Job(u, family, keywords) for u in urls]
    summary.found += len(jobs)
    for query in queries:
        hits = find_articles(fetcher, query, base_url=base_url, summary=summary, on_event=on_event)
        words = tuple(dict.fromkeys(keywords + query.keywords))
        jobs += [Job(h.url, query.journal_family, words, f"query {query.name}") for h in hits]
    return jobs


def job_groups(jobs: list[Job]) -> list[list[Job]]:
    """Consecutive jobs of one source: each group is stored as one ``runs`` row."""
    groups: list[list[Job]] = []
    for job in jobs:
        if groups and _group_key(groups[-1][0]) == _group_key(job):
            groups[-1].append(job)
        else:
            groups.append([job])
    return groups


def _group_key(job: Job):
    return job.family, job.keywords, job.source


def group_run_params(group: list[Job], summary: ScrapeSummary) -> dict:
    return {"source": group[0].source, "keywords": list(group[0].keywords), "searches": summary.searches}


def run_jobs(ds: Dataset, fetcher: Fetcher, jobs: list[Job], *, base_url: str | None = None, force: bool = False,
             summary: ScrapeSummary, on_event: Callable[[ScrapeEvent], None] | None = None) -> ScrapeSummary:
    """Fetch and store the planned articles one after another (one ``runs`` row per source);
    ``harvest.harvest`` does the same with hosts fetched in parallel."""
    for group in job_groups(jobs):
        scrape_urls(ds, [job.url for job in group], fetcher, family=group[0].family, base_url=base_url,
                    force=force, keywords=group[0].keywords, summary=summary, on_event=on_event,
                    run_params=group_run_params(group, summary))
    return summary
