"""The source-parser interface and its registry.

A source parser turns one saved file (HTML page or XML) into ``ParsedArticle``
records.  Built-in parsers register themselves exactly as an extension would, with
``@register_parser``; ``detect_parser`` asks each one, most specific first, whether
it recognises the file.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterator

from figdex.errors import FigdexError, NotFoundError
from figdex.index.records import ParsedArticle

_REGISTRY: dict[str, type["SourceParser"]] = {}


class UnknownParserError(NotFoundError):
    pass


class SourceParser(ABC):
    """Parses one kind of saved article file.

    ``name`` is the registry name (also the ``publisher`` recorded in articles);
    ``priority`` orders detection (higher is asked first, so specific parsers beat the
    generic fallback).
    """

    name: str = ""
    priority: int = 0

    @abstractmethod
    def sniff(self, path: Path, head: str) -> bool:
        """True when this parser handles the file. ``head`` is its first ~64 KiB decoded leniently."""

    @abstractmethod
    def parse(self, path: Path) -> Iterator[ParsedArticle]:
        """Yield the article(s) in the file. Raise ``SourceError`` for files it cannot read."""


class SourceError(FigdexError, ValueError):
    """A file that a parser recognised but could not parse; the message names the file and the fix."""


def register_parser(cls: type[SourceParser]) -> type[SourceParser]:
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def parser_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def get_parser(name: str) -> SourceParser:
    _load_builtins()
    try:
        return _REGISTRY[name]()
    except KeyError:
        raise UnknownParserError(
            f"unknown source parser {name!r}; valid names: {', '.join(sorted(_REGISTRY))}"
        ) from None


def read_head(path: Path, size: int = 65536) -> str:
    with open(path, "rb") as fh:
        return fh.read(size).decode("utf-8", errors="replace")


def detect_parser(path: Path) -> SourceParser | None:
    """The registered parser that recognises ``path``, or None."""
    _load_builtins()
    head = read_head(path)
    for cls in sorted(_REGISTRY.values(), key=lambda c: -c.priority):
        parser = cls()
        if parser.sniff(path, head):
            return parser
    return None


def _load_builtins() -> None:
    # Importing the modules runs their @register_parser decorators.
    from figdex.ingest.sources import builtin  # noqa: F401
