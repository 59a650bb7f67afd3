"""The fetcher interface and its registry.

A fetcher turns a URL into bytes politely.  ``requests`` (``http.HttpClient``) is the
default; ``browser`` (``browser.BrowserFetcher``) renders pages in headless Chromium for
publishers that serve JavaScript challenges.  Both share the same robots.txt, rate-limit,
retry and cache rules, so swapping one for the other changes only how a page is read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from figdex.errors import FigdexError, NotFoundError, UnavailableError

PAGE = "page"  # HTML / XML / JSON documents
IMAGE = "image"  # figure images: content-type and size are checked before saving
ARCHIVE = "archive"  # arXiv e-prints (gzip'd tar, gzip'd .tex or PDF): saved as they come, size-capped


@dataclass(frozen=True)
class FetchResult:
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    content_type: str
    content: bytes
    from_cache: bool = False


class FetchError(FigdexError, RuntimeError):
    """A URL that could not be fetched; ``kind`` says why, the message names the URL and the remedy.

    kinds: robots (the site disallows it), robots-unreachable (robots.txt could not be read: nothing is
    fetched from that host), http, timeout, connection, redirect-loop, too-large, wrong-type, challenge,
    gave-up.
    """

    def __init__(self, url: str, kind: str, message: str, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.kind = kind
        self.status = status

    http_status = 502  # the site, not the request, failed


class FetcherUnavailable(UnavailableError):
    """A fetcher whose tool is not installed; the message says how to install it or what to use instead."""


class UnknownFetcherError(NotFoundError):
    pass


class Fetcher(ABC):
    name: str = ""

    @abstractmethod
    def fetch(self, url: str, *, kind: str = PAGE, data: dict | None = None, use_cache: bool = True) -> FetchResult:
        """GET ``url`` (POST ``data`` as a form when given); raise ``FetchError`` when it cannot be had."""

    def clock_key(self, url: str) -> str:
        """The host whose politeness (delay, robots.txt, one request at a time) ``url`` shares: a
        parallel harvest fetches different keys at once, and one key's articles one after another."""
        from urllib.parse import urlsplit

        return urlsplit(url).netloc

    def close(self) -> None:  # noqa: B027  (optional hook)
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_REGISTRY: dict[str, type[Fetcher]] = {}


def register_fetcher(cls: type[Fetcher]) -> type[Fetcher]:
    _REGISTRY[cls.name] = cls
    return cls


def fetcher_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def get_fetcher(name: str, config=None) -> Fetcher:
    """A fetcher by name; unknown names fail listing the valid ones, missing tools say how to install them."""
    _load_builtins()
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise UnknownFetcherError(f"unknown fetcher {name!r}; valid names: {', '.join(sorted(_REGISTRY))}") from None
    return cls(config)


def _load_builtins() -> None:
    # Importing the modules runs their @register_fetcher decorators.
    from figdex.ingest.web import browser, http  # noqa: F401
