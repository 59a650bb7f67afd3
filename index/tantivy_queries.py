"""tantivy queries for figdex's query language and filters (used by index/tantivy_index.py).

A user query (``index.query.UserQuery``) becomes a boolean query of its groups: each term is
searched in every weighted text field (``documents.TEXT_FIELDS``), the fields' BM25 scores summed
with their boosts, as on Elasticsearch; a raw query goes to tantivy's own parser.  Filters are the
clause-for-clause meaning of ``SearchFilters.sql()`` and add nothing to the score.
"""

from __future__ import annotations

import re
import sqlite3

from figdex.index.documents import TEXT_FIELDS
from figdex.index.es_documents import fold
from figdex.index.query import NoTermsError, SearchFilters, Term, UserQuery, raw_text
from figdex.index.tantivy_documents import raw_errors


class TantivyQueries:
    """Builds the queries of one search on one open index; ``analyze`` is the index's analyser."""

    def __init__(self, tv, index, conn: sqlite3.Connection, analyze):
        self._tv, self.index, self.schema, self.conn, self._analyze = tv, index, index.schema, conn, analyze

    def term_query(self, term: Term, boost: bool = True, terms: list | None = None):
        """One term over every weighted field, the fields' scores summed; its tokens go to ``terms``."""
        Query, schema, Occur = self._tv.Query, self.schema, self._tv.Occur
        tokens = self._analyze(fold(term.text))
        if not tokens:
            return None
        if terms is not None:
            terms.extend((tok, term.prefix and i == len(tokens) - 1) for i, tok in enumerate(tokens))
        clauses = []
        for name, weight in TEXT_FIELDS.items():
            if term.prefix and len(tokens) == 1:
                q = Query.regex_query(schema, name, re.escape(tokens[0]) + ".*")
            elif term.prefix:
                q = Query.phrase_prefix_query(schema, name, tokens)
            elif len(tokens) == 1:
                q = Query.term_query(schema, name, tokens[0], index_option="freq")
            else:
                q = Query.phrase_query(schema, name, tokens)
            clauses.append((Occur.Should, Query.boost_query(q, weight) if boost else q))
        return Query.boolean_query(clauses)

    def text_query(self, query: UserQuery | str | None, terms: list | None = None):
        Query, Occur = self._tv.Query, self._tv.Occur
        if query is None:
            return Query.all_query()
        if isinstance(query, str):
            with raw_errors(query):
                return self.index.parse_query(fold(raw_text(query)), list(TEXT_FIELDS),
                                               field_boosts=dict(TEXT_FIELDS), conjunction_by_default=True)
        if query.empty:
            raise NoTermsError("the query has no words to search for; type at least one word")
        clauses = []
        for group in query.groups:
            alts = [q for q in (self.term_query(t, terms=terms) for t in group) if q is not None]
            if not alts:  # a term the analyser reduces to nothing matches nothing, as in FTS5
                return Query.empty_query()
            clauses.append((Occur.Must, alts[0] if len(alts) == 1 else
                            Query.boolean_query([(Occur.Should, a) for a in alts])))
        for term in query.excluded:
            q = self.term_query(term, boost=False)
            if q is not None:
                clauses.append((Occur.MustNot, q))
        return Query.boolean_query(clauses)

    def like_values(self, clause: str, column: str, values: tuple[str, ...]) -> list[str]:
        """The lower-cased stored values of ``column`` that ``clause`` (as in SearchFilters.sql) selects
        for any of ``values``; a value no article has stands in when none does, so nothing matches."""
        where = " OR ".join([f"({clause})"] * len(values))
        found = [r[0].lower() for r in self.conn.execute(
            f"SELECT DISTINCT {column} FROM articles WHERE {column} IS NOT NULL AND ({where})", values)]
        return found or ["\x00no such value"]

    def filter_queries(self, filters: SearchFilters) -> list:
        """``SearchFilters`` as tantivy queries, clause for clause the meaning of ``SearchFilters.sql()``."""
        Query, Occur, schema = self._tv.Query, self._tv.Occur, self.schema
        FieldType = self._tv.FieldType
        out = []

        def any_of(queries):
            out.append(queries[0] if len(queries) == 1 else
                       Query.boolean_query([(Occur.Should, q) for q in queries]))

        # Journal and licence filters are LIKE patterns; they are matched against the dataset's few
        # distinct values in SQLite and searched as exact terms: a regex query of the user's value
        # fails on long ones (tantivy's limit of 1000 automaton states).
        if filters.journal:
            out.append(Query.term_set_query(schema, "journal_lc", self.like_values(
                "lower(journal) LIKE '%' || lower(?) || '%'", "journal", filters.journal)))
        if filters.publisher:
            out.append(Query.term_set_query(schema, "publisher", list(filters.publisher)))
        if filters.license:
            out.append(Query.term_set_query(schema, "license_lc", self.like_values(
                "license LIKE ? || '%'", "license", filters.license)))
        if filters.image_class:
            out.append(Query.term_set_query(schema, "image_class", list(filters.image_class)))
        if filters.doi:
            out.append(Query.term_set_query(schema, "doi", [v.lower() for v in filters.doi]))
        if filters.year_min is not None or filters.year_max is not None:
            out.append(Query.range_query(schema, "year", FieldType.Integer, filters.year_min, filters.year_max))
        if filters.open_access is not None:
            out.append(Query.term_query(schema, "open_access", int(filters.open_access)))
        if filters.has_scale is not None:
            exists = Query.exists_query("nm_per_px")
            out.append(exists if filters.has_scale else
                       Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, exists)]))
        if filters.scale_min is not None or filters.scale_max is not None:
            out.append(Query.range_query(schema, "nm_per_px", FieldType.Float,
                                         None if filters.scale_min is None else float(filters.scale_min),
                                         None if filters.scale_max is None else float(filters.scale_max)))
        if filters.has_image is not None:
            ok = Query.term_query(schema, "image_status", "ok")
            out.append(ok if filters.has_image else
                       Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, ok)]))
        for value in filters.label:  # every label filter must match, as in SQL
            kind, _, val = value.partition(":") if ":" in value else ("", "", value)
            if kind:
                out.append(Query.term_query(schema, "label_pairs_lc", f"{kind}:{val.lower()}"))
            else:
                out.append(Query.term_query(schema, "label_values_lc", val.lower()))
        return out

    def query(self, query, filters: SearchFilters, terms: list | None = None):
        text = self.text_query(query, terms)
        filters_q = self.filter_queries(filters)
        if not filters_q:
            return text
        Query, Occur = self._tv.Query, self._tv.Occur
        # Filters must not add to the score: constant score 0.
        return Query.boolean_query([(Occur.Must, text)] +
                                   [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters_q])
