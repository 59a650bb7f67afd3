"""What a live harvest reports: its events, its counts, and the lines the CLI prints of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from figdex.ingest.pipeline import IngestSummary


@dataclass(frozen=True)
class ScrapeEvent:
    stage: str  # search | page | attachment | image | article (article: the final outcome, once per URL)
    url: str
    outcome: str  # found, fetched, cached, failed, ... ; for stage "article" one of FINAL
    detail: str = ""


@dataclass
class ScrapeSummary:
    searches: list = field(default_factory=list)  # the search strings sent
    search_pages: int = 0
    found: int = 0  # article URLs taken (after the open-access filter, up to maximum_scraped)
    closed_filtered: int = 0  # results dropped because they are not open access
    fetched: int = 0  # article documents downloaded
    cached: int = 0  # article documents served by the HTTP cache
    ingested: int = 0
    unchanged: int = 0
    images_fetched: int = 0
    images_present: int = 0  # already on disk from an earlier run
    images_not_fetched: int = 0  # paywalled pages: only thumbnails are published
    attachments_fetched: int = 0  # documents fetched beside a page (arXiv e-prints, OAI licence records)
    attachments_present: int = 0  # already saved by an earlier run
    attachment_failures: list = field(default_factory=list)  # (url, reason)
    skipped: list = field(default_factory=list)  # (url, reason)
    failed: list = field(default_factory=list)  # (url, reason): articles, and search pages (searches_failed)
    searches_failed: int = 0
    image_failures: list = field(default_factory=list)  # (url, reason)
    problems: list = field(default_factory=list)  # search pages whose markup was not recognised, ...
    ingest: IngestSummary = field(default_factory=IngestSummary)

    @property
    def articles_failed(self) -> int:
        return len(self.failed) - self.searches_failed

    @property
    def articles_tried(self) -> int:
        """Articles given an outcome (each URL gets exactly one, see ``FINAL``)."""
        return self.ingested + self.unchanged + len(self.skipped) + self.articles_failed

    @property
    def nothing_fetched(self) -> bool:
        """Something was asked for (a search or an article) and not one article document came back."""
        return self.fetched + self.cached == 0 and bool(self.failed or self.skipped)

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "ingest"}
        out["figures"] = self.ingest.figures  # of the articles stored, counted as `figdex stats` counts
        out["graphical_abstracts"] = self.ingest.graphical_abstracts
        out["images_stored"] = self.ingest.images_found
        out["partial"] = [reason for _, reason in self.ingest.partial]  # truncated pages, stored as partial
        out["articles_failed"] = self.articles_failed
        return out


def summary_lines(summary: ScrapeSummary) -> list[str]:
    s = summary
    closed = f" ({s.closed_filtered} closed-access results left out)" if s.closed_filtered else ""
    found = f"{s.found} articles found{closed} in {s.search_pages} search pages" if s.search_pages else \
        f"{s.found} article URLs"
    return [
        f"{found}; {s.fetched} fetched, {s.cached} from "
        f"cache; {s.ingested} ingested, {s.unchanged} unchanged, {len(s.skipped)} skipped, {len(s.failed)} failed",
        f"{s.ingest.figures} figures stored{_ga_note(s.ingest.graphical_abstracts)}; images: {s.images_fetched} "
        f"fetched, {s.images_present} already saved, "
        f"{len(s.image_failures)} failed, {s.images_not_fetched} not fetched (paywalled pages)",
    ] + ([f"e-prints and licence records: {s.attachments_fetched} fetched, {s.attachments_present} already saved, "
          f"{len(s.attachment_failures)} failed"]
         if s.attachments_fetched or s.attachments_present or s.attachment_failures else [])


def _ga_note(n: int) -> str:
    return f" (and {n} graphical abstracts, not counted as figures)" if n else ""


def outcome_line(summary: ScrapeSummary) -> str:
    """The harvest's last line: how many articles failed, and the first cause when nothing came back."""
    s = summary
    searches = f"; {s.searches_failed} search requests failed" if s.searches_failed else ""
    counts = (f"{s.articles_failed} of {s.articles_tried} articles failed, {len(s.skipped)} skipped, "
              f"{s.ingested} ingested, {s.unchanged} unchanged{searches}")
    if not s.nothing_fetched:
        return "harvest: " + counts
    first = (s.failed or s.skipped)[0][1]
    return f"nothing could be fetched: {counts}; first cause: {first}"

