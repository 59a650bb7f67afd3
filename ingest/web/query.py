"""EXSCLAIM query JSON -> a frozen ``Query``.

The JSON is accepted as EXSCLAIM writes it::

    {"name": "nature-test", "journal_family": "nature", "maximum_scraped": 2,
     "sortby": "relevant", "open": false, "save_format": ["boxes"],
     "query": {"search_field_1": {"term": "Ag nanoparticle", "synonyms": ["silver nanoparticle"]}}}

Keys figdex does not use (``logging``, ``llm``, ...) are kept aside, not refused, so a
query file written for EXSCLAIM runs unchanged.  Every validation error names the field
and how to fix it.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from figdex.errors import FigdexError

SORT_ORDERS = {"relevant": "relevant", "relevance": "relevant", "recent": "recent", "date": "recent",
               "newest": "recent", "old": "old", "oldest": "old"}
KNOWN_KEYS = {"name", "journal_family", "maximum_scraped", "sortby", "query", "open", "save_format", "results_dir",
              "categories"}
# An arXiv category: "cond-mat.mtrl-sci", "physics.chem-ph", "cs.CV", "hep-th".
_CATEGORY = re.compile(r"^[a-z][a-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")


class QueryFileError(FigdexError, ValueError):
    """A query that cannot be used; the message names the field and the fix."""


@dataclass(frozen=True)
class SearchField:
    term: str
    synonyms: tuple[str, ...] = ()

    @property
    def alternatives(self) -> tuple[str, ...]:
        return (self.term, *self.synonyms)


@dataclass(frozen=True)
class Query:
    name: str
    journal_family: str
    maximum_scraped: int
    fields: tuple[SearchField, ...]
    sortby: str = "relevant"  # relevant | recent | old
    open: bool = False  # only open-access articles
    save_format: tuple[str, ...] = ()
    results_dir: str | None = None
    ignored_keys: tuple[str, ...] = ()  # EXSCLAIM keys figdex does not use
    categories: tuple[str, ...] = ()  # arXiv categories the search is limited to (any of them)

    def search_strings(self) -> list[str]:
        """One search per combination of each field's term or synonym, all terms first.

        Each alternative is quoted so that multi-word terms stay phrases, the way
        EXSCLAIM sends them ('"Ag nanoparticle" "HAADF-STEM"').
        """
        combos = itertools.product(*(f.alternatives for f in self.fields))
        return [" ".join(_quote(t) for t in combo) for combo in combos]

    @property
    def keywords(self) -> tuple[str, ...]:
        """Every term and synonym: recorded where captions mention them."""
        return tuple(dict.fromkeys(t for f in self.fields for t in f.alternatives))

    def with_overrides(self, **changes) -> "Query":
        """A copy with the given fields replaced (CLI flags override the JSON); None means keep."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if "sortby" in changes:
            changes["sortby"] = _sortby(changes["sortby"], "--sortby")
        if "maximum_scraped" in changes:
            changes["maximum_scraped"] = _positive_int(changes["maximum_scraped"], "--max")
        if "categories" in changes:
            changes["categories"] = _categories(changes["categories"], "--category") or self.categories
        return replace(self, **changes)


def _quote(term: str) -> str:
    return f'"{term}"' if " " in term or "-" in term else term


def load_query(path: str | Path) -> Query:
    """Read a query JSON file; errors name the file, the field and the fix."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise QueryFileError(f"{path}: not valid JSON ({exc}); fix the file or give a page/folder to ingest") from exc
    except OSError as exc:
        raise QueryFileError(f"{path}: cannot read the query file ({exc.strerror})") from exc
    try:
        return parse_query(data)
    except QueryFileError as exc:
        raise QueryFileError(f"{path}: {exc}") from None


def looks_like_query(path: str | Path) -> bool:
    """True for a .json file holding a query object (so `figdex ingest X.json` means "run this query")."""
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True  # a broken .json file: load_query reports what is wrong with it
    return isinstance(data, dict) and ("query" in data or "journal_family" in data)


def parse_query(data) -> Query:
    if not isinstance(data, dict):
        raise QueryFileError("a query is a JSON object with name, journal_family, maximum_scraped and query")
    family = data.get("journal_family")
    if not isinstance(family, str) or not family.strip():
        raise QueryFileError('field "journal_family" is missing; add e.g. "journal_family": "nature" '
                             "(nature, rsc, acs, europepmc, arxiv)")
    raw_query = data.get("query")
    if not isinstance(raw_query, dict) or not raw_query:
        raise QueryFileError('field "query" is missing or empty; add e.g. '
                             '"query": {"search_field_1": {"term": "HAADF-STEM", "synonyms": []}}')
    fields = []
    for key in sorted(raw_query, key=_field_order):
        fields.append(_search_field(key, raw_query[key]))
    name = data.get("name") or "query"
    if not isinstance(name, str):
        raise QueryFileError('field "name" must be a string, e.g. "name": "silver-haadf"')
    open_access = data.get("open", False)
    if not isinstance(open_access, bool):
        raise QueryFileError(f'field "open" must be true or false (got {open_access!r})')
    save_format = data.get("save_format") or ()
    if isinstance(save_format, str):
        save_format = (save_format,)
    if not isinstance(save_format, (list, tuple)) or not all(isinstance(s, str) for s in save_format):
        raise QueryFileError('field "save_format" must be a list of strings, e.g. ["boxes"]')
    results_dir = data.get("results_dir")
    if results_dir is not None and not isinstance(results_dir, str):
        raise QueryFileError('field "results_dir" must be a path string')
    return Query(
        name=name,
        journal_family=family.strip().lower(),
        maximum_scraped=_positive_int(data.get("maximum_scraped", 10), '"maximum_scraped"'),
        fields=tuple(fields),
        sortby=_sortby(data.get("sortby", "relevant"), '"sortby"'),
        open=open_access,
        save_format=tuple(save_format),
        results_dir=results_dir,
        ignored_keys=tuple(sorted(set(data) - KNOWN_KEYS)),
        categories=_categories(data.get("categories") or (), '"categories"'),
    )


def query_from_terms(family: str, searches: tuple[str, ...], *, maximum: int = 10, sortby: str = "relevant",
                     open_access: bool = False, name: str = "cli", categories: tuple[str, ...] = ()) -> Query:
    """A query from CLI flags: each search is 'term' or 'term|synonym|synonym'."""
    fields = []
    for i, spec in enumerate(searches, 1):
        parts = [p.strip() for p in spec.split("|")]
        if not parts[0]:
            raise QueryFileError(f"--search {spec!r}: give a term, optionally followed by |synonym|synonym")
        fields.append(SearchField(parts[0], tuple(p for p in parts[1:] if p)))
    if not fields:
        raise QueryFileError("give at least one --search TERM (or a QUERY.json)")
    return Query(name=name, journal_family=family.lower(), maximum_scraped=_positive_int(maximum, "--max"),
                 fields=tuple(fields), sortby=_sortby(sortby, "--sortby"), open=open_access,
                 categories=_categories(categories, "--category"))


def _categories(value, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(c, str) for c in value):
        raise QueryFileError(f"{where} must be a list of arXiv categories, e.g. "
                             '["cond-mat.mtrl-sci", "physics.chem-ph"]')
    cats = [c.strip() for c in value if c.strip()]
    bad = [c for c in cats if not _CATEGORY.match(c)]
    if bad:
        raise QueryFileError(f"{where}: {bad[0]!r} is not an arXiv category; write them as arXiv does, "
                             'e.g. "cond-mat.mtrl-sci" or "physics.chem-ph"')
    return tuple(dict.fromkeys(cats))


def _field_order(key: str):
    m = re.search(r"(\d+)$", key)
    return (int(m.group(1)) if m else 1 << 30, key)


def _search_field(key: str, value) -> SearchField:
    where = f'field "query.{key}"'
    if isinstance(value, str):  # a bare term is unambiguous enough to accept
        value = {"term": value}
    if not isinstance(value, dict):
        raise QueryFileError(f'{where} must be an object like {{"term": "TEM", "synonyms": ["electron microscopy"]}}')
    term = value.get("term")
    if not isinstance(term, str) or not term.strip():
        raise QueryFileError(f'{where}.term is missing or empty; give the search term, e.g. "term": "HAADF-STEM"')
    synonyms = value.get("synonyms") or []
    if isinstance(synonyms, str):
        synonyms = [synonyms]
    if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
        raise QueryFileError(f'{where}.synonyms must be a list of strings, e.g. "synonyms": ["STEM"]')
    synonyms = [s.strip() for s in synonyms if s.strip() and s.strip() != term.strip()]
    return SearchField(term.strip(), tuple(dict.fromkeys(synonyms)))


def _sortby(value, where: str) -> str:
    key = str(value).strip().lower()
    if key not in SORT_ORDERS:
        raise QueryFileError(f"{where} must be one of relevant, recent, old (got {value!r})")
    return SORT_ORDERS[key]


def _positive_int(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise QueryFileError(f"{where} must be a positive whole number, e.g. 10 (got {value!r})")
    try:
        number = int(value)
    except ValueError:
        raise QueryFileError(f"{where} must be a positive whole number, e.g. 10 (got {value!r})") from None
    if number < 1:
        raise QueryFileError(f"{where} must be at least 1 (got {number})")
    return number
