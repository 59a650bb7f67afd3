"""Elasticsearch/OpenSearch documents, mappings and query rendering (see ``index/elastic.py``)."""

from __future__ import annotations

from typing import Callable

from figdex.index.documents import TEXT_FIELDS
from figdex.index.query import NoTermsError, QueryError, SearchFilters, Term, UserQuery, raw_text

DEFAULT_URL = "http://localhost:9200"
DEFAULT_ALIAS = "figdex"
MAPPING_VERSION = 1
MAX_WINDOW = 10_000  # index.max_result_window: deeper pages walk with search_after
ANALYZER = "figdex_english"

SETTINGS = {
    "number_of_shards": 1,
    "analysis": {
        "analyzer": {
            ANALYZER: {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "asciifolding", "porter_stem"],
            }
        },
    },
}

# Facet name (fulltext.FACET_FIELDS) -> keyword/number field of the document.
FACET_FIELD_MAP = {
    "journal": "journal",
    "publisher": "publisher",
    "year": "year",
    "license": "license",
    "image_class": "image_class",
    "label": "label_pairs",
}


# FTS5's unicode61 tokenizer applies Unicode simple case folding; Lucene's lowercase filter
# does not fold these letters to their usual forms (the micro sign is the one captions use:
# "5 µm" and "5 μm" are one word to FTS5).  Text sent to the engine, documents and query
# terms alike, is folded the same way first.
CASE_FOLD = str.maketrans({
    "\u00b5": "\u03bc",  # micro sign -> Greek mu
    "\u03c2": "\u03c3",  # final sigma -> sigma
    "\u03d0": "\u03b2", "\u03d1": "\u03b8", "\u03d5": "\u03c6", "\u03d6": "\u03c0",
    "\u03f0": "\u03ba", "\u03f1": "\u03c1", "\u03f5": "\u03b5",
    "\u017f": "s",        # long s
})


def fold(text: str) -> str:
    return text.translate(CASE_FOLD)


def mappings(vectors: dict | None = None) -> dict:
    """The documents' mapping; ``vectors``: dense-vector fields (name -> the engine's vector mapping)."""
    text = {"type": "text", "analyzer": ANALYZER}
    keyword = {"type": "keyword"}
    return {
        "dynamic": "strict",
        "_meta": {"figdex": {"mapping_version": MAPPING_VERSION}},
        "properties": {
            **{name: dict(text) for name in TEXT_FIELDS},
            "id": {"type": "long"},
            "uid": keyword,
            "doi": keyword,
            "journal": keyword,
            "publisher": keyword,
            "license": keyword,
            "image_class": keyword,
            "image_status": keyword,
            "label_pairs": keyword,      # "kind:value" as stored: facets
            "label_pairs_lc": keyword,   # "kind:" + lower(value): the kind:value filter
            "label_values_lc": keyword,  # lower(value): the value filter
            "year": {"type": "integer"},
            "nm_per_px": {"type": "double"},
            "open_access": {"type": "boolean"},
            **(vectors or {}),
        },
    }


def es_document(doc: dict) -> dict:
    """The engine document of a ``master_documents`` row: the same text fields, typed filter fields."""
    pairs = [p for p in doc["label_pairs"] if p]
    split = [p.split(":", 1) if ":" in p else ["", p] for p in pairs]
    out = {name: fold(doc[name]) for name in TEXT_FIELDS}
    out.update(
        id=doc["id"],
        uid=doc["uid"],
        doi=doc["doi"],
        journal=doc["journal"],
        publisher=doc["publisher"],
        license=doc["license"],
        image_class=doc["image_class"],
        image_status=doc["image_status"],
        label_pairs=pairs,
        label_pairs_lc=[f"{k}:{v.lower()}" for k, v in split],
        label_values_lc=sorted({v.lower() for _, v in split}),
        year=doc["year"],
        nm_per_px=doc["nm_per_px"],
        open_access=None if doc["open_access"] is None else bool(doc["open_access"]),
    )
    return out


# -- queries ------------------------------------------------------------------------------------

def _fields() -> list[tuple[str, float]]:
    return list(TEXT_FIELDS.items())


def term_clause(term: Term, analyze: Callable[[str], list[str]], boost: bool = True) -> dict:
    """One search term over every weighted field, the fields' scores summed (as FTS5's bm25 sums columns).

    A word or phrase is ``match_phrase`` (the engine's analyzer splits and stems it, like the
    quoted FTS5 string).  A prefix (``nano*``) is stemmed by the index's own analyzer, as
    FTS5's porter tokenizer stems prefix tokens, then matched with a ``prefix`` query
    (several words: ``match_phrase_prefix``).
    """
    clauses = []
    text = fold(term.text)
    tokens = analyze(text) if term.prefix else []
    for name, weight in _fields():
        w = {"boost": weight} if boost else {}
        if term.prefix and len(tokens) == 1:
            clauses.append({"prefix": {name: {"value": tokens[0], **w}}})
        elif term.prefix and tokens:
            clauses.append({"match_phrase_prefix": {name: {"query": text, "max_expansions": 1000, **w}}})
        else:
            clauses.append({"match_phrase": {name: {"query": text, **w}}})
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def render_query(query: UserQuery | str | None, analyze: Callable[[str], list[str]]) -> dict:
    """The engine query for a parsed user query, a raw query_string (opt-in) or everything (None)."""
    if query is None:
        return {"match_all": {}}
    if isinstance(query, str):
        return {"query_string": {
            "query": raw_text(query),
            "fields": [f"{name}^{weight:g}" for name, weight in _fields()],
            "default_operator": "AND",
        }}
    if query.empty:
        raise NoTermsError("the query has no words to search for; type at least one word")
    must = []
    for group in query.groups:
        alts = [term_clause(t, analyze) for t in group]
        must.append(alts[0] if len(alts) == 1 else {"bool": {"should": alts, "minimum_should_match": 1}})
    must_not = [term_clause(t, analyze, boost=False) for t in query.excluded]
    return {"bool": {"must": must, "must_not": must_not}}


def like_to_wildcard(value: str, leading: bool) -> str:
    """A SQL ``LIKE`` pattern piece as an engine wildcard: ``%`` -> ``*``, ``_`` -> ``?``.

    ``SearchFilters.sql()`` matches journals with ``LIKE '%' || v || '%'`` and licences
    with ``LIKE v || '%'``, so ``%`` and ``_`` inside a value are wildcards there too;
    the engine's own wildcard characters in the value are escaped.
    """
    out = []
    for ch in value:
        if ch in "\\*?":
            out.append("\\" + ch)
        elif ch == "%":
            out.append("*")
        elif ch == "_":
            out.append("?")
        else:
            out.append(ch)
    return ("*" if leading else "") + "".join(out) + "*"


def _any(clauses: list[dict]) -> dict:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def filter_clauses(filters: SearchFilters) -> list[dict]:
    """``SearchFilters`` as engine filters, clause for clause the meaning of ``SearchFilters.sql()``.

    Differences that cannot be avoided: SQLite's ``lower()`` and ``LIKE`` fold ASCII
    letters only, the engine folds all of Unicode (a journal filter ``É`` matches ``é``
    here, not in SQLite); labels are compared the same way.
    """
    out: list[dict] = []
    if filters.journal:
        out.append(_any([{"wildcard": {"journal": {"value": like_to_wildcard(v, True), "case_insensitive": True}}}
                         for v in filters.journal]))
    if filters.publisher:
        out.append({"terms": {"publisher": list(filters.publisher)}})
    if filters.license:
        out.append(_any([{"wildcard": {"license": {"value": like_to_wildcard(v, False), "case_insensitive": True}}}
                         for v in filters.license]))
    if filters.image_class:
        out.append({"terms": {"image_class": list(filters.image_class)}})
    if filters.doi:
        out.append({"terms": {"doi": [v.lower() for v in filters.doi]}})
    year = {k: v for k, v in (("gte", filters.year_min), ("lte", filters.year_max)) if v is not None}
    if year:
        out.append({"range": {"year": year}})
    if filters.open_access is not None:
        out.append({"term": {"open_access": bool(filters.open_access)}})
    if filters.has_scale is not None:
        exists = {"exists": {"field": "nm_per_px"}}
        out.append(exists if filters.has_scale else {"bool": {"must_not": [exists]}})
    scale = {k: v for k, v in (("gte", filters.scale_min), ("lte", filters.scale_max)) if v is not None}
    if scale:
        out.append({"range": {"nm_per_px": scale}})
    if filters.has_image is not None:
        ok = {"term": {"image_status": "ok"}}
        out.append(ok if filters.has_image else {"bool": {"must_not": [ok]}})
    for value in filters.label:  # every label filter must match, as in SQL
        kind, _, val = value.partition(":") if ":" in value else ("", "", value)
        if kind:
            out.append({"term": {"label_pairs_lc": f"{kind}:{val.lower()}"}})
        else:
            out.append({"term": {"label_values_lc": val.lower()}})
    return out


SNIPPET_ORDER = ("subcaption", "caption", "labels", "title", "abstract")


def snippet(highlight: dict) -> str:
    """The first highlighted fragment in reading order (the panel's own text first), as FTS5 picks."""
    candidates = [(highlight.get(name) or [""])[0] for name in SNIPPET_ORDER]
    for snip in candidates:
        if snip and "<mark>" in snip:
            return snip
    return next((s for s in candidates if s), "")
