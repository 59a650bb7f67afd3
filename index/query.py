"""User query strings and search filters, independent of any engine.

A search box receives anything: quotes, operators, unbalanced parentheses, 10 kB of
pasted text.  ``parse_user_query`` turns it into a small structure that every text
engine renders in its own syntax, so user input never reaches an engine's parser
unescaped (the raw mode is the explicit opt-in for that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from figdex.errors import FigdexError
from figdex.limits import (  # noqa: F401  (importable here)
    MAX_FILTER_CHARS, MAX_NM_PER_PX, MAX_QUERY_CHARS, MAX_TERMS, MAX_YEAR,
)


class QueryError(FigdexError, ValueError):
    """A query that cannot be searched; the message says how to write it."""


class NoTermsError(QueryError):
    """A query with no term to search for (no words, or only -excluded ones).

    The CLI refuses it; the HTTP API answers it as a query that matches nothing, with this
    message as a warning, since its description cannot tell such a string from a valid query.
    """


@dataclass(frozen=True)
class Term:
    text: str  # a word or a phrase (several words)
    phrase: bool = False
    prefix: bool = False  # trailing * on a word: nano* matches nanoparticle


@dataclass(frozen=True)
class UserQuery:
    """AND of groups; each group is an OR of terms.  ``excluded`` terms must not match."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.groups

    def words(self) -> list[str]:
        return [t.text for g in self.groups for t in g]


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD_CHARS = re.compile(r"[^\w.+\-µμÅ°]+", re.UNICODE)


def parse_user_query(text: str) -> UserQuery:
    """Parse a search-box string: words, "quoted phrases", -excluded, OR between terms, word*."""
    warnings: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        warnings.append(f"query cut to its first {MAX_QUERY_CHARS} characters")
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    n_terms = 0
    for m in _TOKEN.finditer(text):
        neg, quoted, bare = m.group(1), m.group(2), m.group(3)
        if bare is not None and bare.upper() == "OR" and groups:
            pending_or = True
            continue
        if bare is not None and bare.upper() in ("AND", "NOT", "NEAR"):
            continue  # operator words are not searched for; AND is implicit
        if quoted is not None:
            words = _clean_words(quoted)
            term = Term(" ".join(words), phrase=len(words) > 1) if words else None
        else:
            negated = bare.startswith("-") and len(bare) > 1
            bare = bare[1:] if negated else bare
            neg = "-" if negated else ""
            prefix = bare.endswith("*")
            words = _clean_words(bare)
            if not words:
                term = None
            elif len(words) == 1:
                term = Term(words[0], prefix=prefix)
            else:  # "Ag/Pd", "(TEM)": punctuation splits; keep the words together as a phrase
                term = Term(" ".join(words), phrase=True)
        if term is None:
            continue
        n_terms += 1
        if n_terms > MAX_TERMS:
            warnings.append(f"only the first {MAX_TERMS} terms are searched")
            break
        if neg:
            excluded.append(term)
            pending_or = False
        elif pending_or and groups:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if not groups and excluded:
        raise NoTermsError("a query needs at least one term that is not excluded with '-'")
    return UserQuery(tuple(tuple(g) for g in groups), tuple(excluded), tuple(warnings))


# The kinds of label (the labels table, index/schema.py); a "kind:value" label filter names one.
LABEL_KINDS = ("caption", "abstract", "topic", "user", "keyword", "term", "class")

# The classes the classifier gives (models/classify.py CLASSES, which a test keeps in step) and
# the one of images not classified yet.  A class of this list matches nothing in a dataset that
# has none yet, rightly; one of neither this list nor the dataset is a typo.
IMAGE_CLASSES = ("microscopy", "diffraction", "graph", "illustration", "photo", "parent", "other", "unclassified")

# Filters that match a column exactly: a misspelt value ("microscopie") would match nothing,
# silently, so it is refused with the valid ones: the known values and the dataset's.
_EXACT_FILTERS = (("image_class", "image class", "classes", "master_images", "image_class", IMAGE_CLASSES),
                  ("publisher", "publisher", "publishers", "articles", "publisher", ()))


def check_filters(conn, filters: SearchFilters) -> None:
    """Refuse filter values that cannot match (QueryError naming the valid ones).

    The common case costs one indexed lookup per value; the list of valid values is read only
    to write the error.
    """
    for field_name, what, plural, table, column, known in _EXACT_FILTERS:
        for value in getattr(filters, field_name):
            if value in known:
                continue
            if conn.execute(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", (value,)).fetchone() is None:
                valid = sorted({*known, *(r[0] for r in conn.execute(
                    f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"))})
                raise QueryError(f"no {what} {value!r} in this dataset; valid {plural}: "
                                 f"{', '.join(valid) or 'none yet (ingest articles first)'}")
    for value in filters.label:
        kind = value.partition(":")[0] if ":" in value else ""
        if kind and kind not in LABEL_KINDS:
            raise QueryError(f"unknown label kind {kind!r} in {value!r}; give the value alone or kind:value "
                             f"with a kind among {', '.join(LABEL_KINDS)}")


def raw_text(query: str, what: str = "the raw query", max_chars: int = MAX_QUERY_CHARS) -> str:
    """A raw query (``--raw``) or a filter value as it may go to an engine: UTF-8 text of at most
    ``max_chars`` (a raw query is refused, not cut: cutting would change its syntax; the engines'
    cost grows with its clauses).  A terminal in another encoding hands Python undecodable bytes
    as lone surrogates, which no engine takes.  Refused here, for every backend alike."""
    if len(query) > max_chars:
        raise QueryError(f"{what} has {len(query)} characters; give at most {max_chars}")
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QueryError(f"{what} is not valid UTF-8 text (an undecodable byte at character {exc.start + 1}); "
                         "retype it, or set the terminal to UTF-8") from None
    return query


def _clean_words(text: str) -> list[str]:
    return [w.strip(".-+") for w in _WORD_CHARS.split(text) if w.strip(".-+")]


@dataclass(frozen=True)
class SearchFilters:
    """Filters shared by keyword search, export and (later) image search."""

    journal: tuple[str, ...] = ()  # case-insensitive substring match on the journal name
    publisher: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    license: tuple[str, ...] = ()  # prefixes: "CC-BY" matches CC-BY-4.0 and CC-BY-NC-ND-3.0
    open_access: bool | None = None
    image_class: tuple[str, ...] = ()
    label: tuple[str, ...] = ()  # any label value (all kinds) or "kind:value"
    has_scale: bool | None = None
    scale_min: float | None = None  # nm per pixel
    scale_max: float | None = None
    has_image: bool | None = None
    doi: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        """Values every backend can take: UTF-8 text of at most MAX_FILTER_CHARS, years that fit,
        scales from 0 to MAX_NM_PER_PX."""
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("year_min", "year_max") and value is not None and abs(value) > MAX_YEAR:
                raise QueryError(f"the {f.name} filter {value} is not a year; give one such as 2016")
            if f.name in ("scale_min", "scale_max") and value is not None:
                if not 0 <= value <= MAX_NM_PER_PX:
                    raise QueryError(f"the {f.name} filter {value} is not a scale; give nm per pixel from 0 to "
                                     f"{MAX_NM_PER_PX:g}")
                object.__setattr__(self, f.name, value + 0.0)  # -0.0 as 0.0 (see limits.MAX_NM_PER_PX)
            if f.type != "tuple[str, ...]":
                continue
            for text in value:
                raw_text(text, f"the {f.name} filter", MAX_FILTER_CHARS)

    def sql(self) -> tuple[str, list]:
        """WHERE clause over aliases m (master_images), f (figures), a (articles)."""
        where: list[str] = []
        params: list = []

        def any_of(column_expr: str, values: tuple[str, ...], op: str) -> None:
            if values:
                where.append("(" + " OR ".join(f"{column_expr} {op}" for _ in values) + ")")
                params.extend(values)

        any_of("lower(a.journal) LIKE '%' || lower(?) || '%'", self.journal, "")
        any_of("a.publisher =", self.publisher, "?")
        any_of("a.license LIKE", tuple(f"{v}%" for v in self.license), "?")
        any_of("m.image_class =", self.image_class, "?")
        any_of("a.doi =", tuple(v.lower() for v in self.doi), "?")
        if self.year_min is not None:
            where.append("a.year >= ?")
            params.append(self.year_min)
        if self.year_max is not None:
            where.append("a.year <= ?")
            params.append(self.year_max)
        if self.open_access is not None:
            where.append("a.open_access = ?")
            params.append(int(self.open_access))
        if self.has_scale is not None:
            where.append("m.nm_per_px IS NOT NULL" if self.has_scale else "m.nm_per_px IS NULL")
        if self.scale_min is not None:
            where.append("m.nm_per_px >= ?")
            params.append(self.scale_min)
        if self.scale_max is not None:
            where.append("m.nm_per_px <= ?")
            params.append(self.scale_max)
        if self.has_image is not None:
            where.append("f.image_status = 'ok'" if self.has_image else "f.image_status != 'ok'")
        for value in self.label:
            kind, _, val = value.partition(":") if ":" in value else ("", "", value)
            if kind:
                where.append("EXISTS (SELECT 1 FROM labels l WHERE l.master_image_id = m.id AND l.kind = ? "
                             "AND lower(l.value) = lower(?))")
                params.extend([kind, val])
            else:
                where.append("EXISTS (SELECT 1 FROM labels l WHERE l.master_image_id = m.id "
                             "AND lower(l.value) = lower(?))")
                params.append(val)
        return (" AND ".join(where) or "1"), params
