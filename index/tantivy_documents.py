"""tantivy's side of the embedded text index: schema, analyser, documents, and the queue SQL.

``index/tantivy_index.py`` holds the index itself; this module is what it is made of.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager

from figdex.index.documents import TEXT_FIELDS
from figdex.index.es_documents import fold
from figdex.index.fulltext import TextIndexError
from figdex.index.query import QueryError
from figdex.index.schema import ARTICLE_COLUMNS, FIGURE_COLUMNS, changed

SCHEMA_VERSION = 4  # a new version is rebuilt on first use (4: the stored hit row follows every figure column)
# Stored text: only the labels field.  Sub-caption, caption and title come back inside the stored hit
# row (unfolded, as displayed); the abstract, the longest field and shared by every image of an
# article, is read from the database for the rare snippet that needs it.
STORED_TEXT = ("labels",)
ROW_TEXT = ("subcaption", "caption", "title")  # text fields whose text is in the hit row
ANALYZER = "figdex_en"
INDEX_DIR = "text-index"
# Facet name (fulltext.FACET_FIELDS) -> fast field of the document.
FACET_FIELD_MAP = {
    "journal": "journal", "publisher": "publisher", "year": "year", "license": "license",
    "image_class": "image_class", "label": "label_pairs",
}
# Keyword fields: stored as given ("raw" tokenizer), fast for facets.
KEYWORD_FIELDS = ("journal", "journal_lc", "publisher", "license", "license_lc", "image_class", "image_status",
                  "doi", "label_pairs", "label_pairs_lc", "label_values_lc")


# -- the queue: every change to what a document holds queues its master image -------------------
# A sequence number per queued row tells the flush whether the row was queued again after it read it
# (any new number is above every number read before).
NEXT_SEQ = "(SELECT coalesce(max(seq), 0) + 1 FROM tantivy_pending)"


def enqueue_sql(source: str) -> str:
    return (f"INSERT INTO tantivy_pending(master_id, seq) {source} "
            "ON CONFLICT(master_id) DO UPDATE SET seq = excluded.seq")


QUEUE_TABLES = (
    "CREATE TABLE IF NOT EXISTS tantivy_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
    "generation TEXT NOT NULL, schema_version INTEGER NOT NULL, documents INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tantivy_pending (master_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS tantivy_pending_seq ON tantivy_pending(seq)",
)
# Triggers on every table a document is assembled from (index/documents.py), so a change made by any
# code path, figdex's or a user's SQL, reaches the index; ``update(ids)`` remains for explicitness.
FIGURE_MASTERS = "SELECT m.id, " + NEXT_SEQ + " FROM master_images m WHERE m.figure_id = new.id"
ARTICLE_MASTERS = ("SELECT m.id, " + NEXT_SEQ + " FROM master_images m JOIN figures f ON f.id = m.figure_id "
                    "WHERE f.article_id = new.id")
QUEUE_TRIGGERS = (
    ("tantivy_q_master_deleted", "AFTER DELETE ON master_images BEGIN "
     + enqueue_sql("VALUES (old.id, " + NEXT_SEQ + ")") + "; END"),
    ("tantivy_q_master_inserted", "AFTER INSERT ON master_images BEGIN "
     + enqueue_sql("VALUES (new.id, " + NEXT_SEQ + ")") + "; END"),
    ("tantivy_q_master_updated", "AFTER UPDATE ON master_images BEGIN "
     + enqueue_sql("VALUES (new.id, " + NEXT_SEQ + ")") + "; END"),
    ("tantivy_q_label_inserted", "AFTER INSERT ON labels BEGIN "
     + enqueue_sql("VALUES (new.master_image_id, " + NEXT_SEQ + ")") + "; END"),
    ("tantivy_q_label_deleted", "AFTER DELETE ON labels BEGIN "
     + enqueue_sql("VALUES (old.master_image_id, " + NEXT_SEQ + ")") + "; END"),
    ("tantivy_q_label_updated", "AFTER UPDATE ON labels BEGIN "
     + enqueue_sql("VALUES (old.master_image_id, " + NEXT_SEQ + ")") + "; "
     + enqueue_sql("VALUES (new.master_image_id, " + NEXT_SEQ + ")") + "; END"),
    # Figures and articles: every column a document holds (its text or its stored hit row:
    # figure label, number, image path and URL, the article's URL), and only when one changed, since
    # a re-ingest writes every figure and article again.  (Version 1 of these two watched caption
    # and image_status only, so a changed label or image path left the stored hit row stale.)
    ("tantivy_q_figure_changed", f"AFTER UPDATE ON figures WHEN {changed(FIGURE_COLUMNS)} BEGIN "
     + enqueue_sql(FIGURE_MASTERS + " AND true") + "; END"),
    ("tantivy_q_article_changed", f"AFTER UPDATE ON articles WHEN {changed(ARTICLE_COLUMNS)} BEGIN "
     + enqueue_sql(ARTICLE_MASTERS + " AND true") + "; END"),
)
# Triggers of earlier versions, dropped where found (the last trigger's name above says whether a
# dataset has this version's set).
OBSOLETE_TRIGGERS = ("tantivy_q_figure_updated", "tantivy_q_article_updated")



def import_tantivy():
    try:
        import tantivy
    except ImportError as exc:
        raise TextIndexError("the tantivy text index needs the tantivy package: "
                             "python -m pip install tantivy (or choose --backend fts5)") from exc
    return tantivy


def build_schema():
    tv = import_tantivy()
    sb = tv.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        sb.add_text_field(name, stored=name in STORED_TEXT, tokenizer_name=ANALYZER, index_option="position")
    for name in KEYWORD_FIELDS:
        sb.add_text_field(name, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    # The hit's row (documents.HIT_COLUMNS) as JSON, stored only: search hands it back with each hit.
    sb.add_bytes_field("row", stored=True, indexed=False)
    sb.add_integer_field("year", indexed=True, fast=True)
    sb.add_integer_field("open_access", indexed=True, fast=True)
    sb.add_float_field("nm_per_px", indexed=True, fast=True)
    return sb.build()


def build_analyzer():
    tv = import_tantivy()
    return (tv.TextAnalyzerBuilder(tv.Tokenizer.simple()).filter(tv.Filter.lowercase())
            .filter(tv.Filter.ascii_fold()).filter(tv.Filter.stemmer("english")).build())


def tantivy_document(doc: dict) -> dict:
    """The engine document of a ``master_documents`` row (values that are None are left out)."""
    pairs = [p for p in doc["label_pairs"] if p]
    split = [p.split(":", 1) if ":" in p else ["", p] for p in pairs]
    out: dict = {"id": [doc["id"]], "row": [json.dumps(doc["hit_row"], ensure_ascii=False).encode()]}
    for name in TEXT_FIELDS:
        if doc[name]:
            out[name] = [fold(doc[name])]
    for name in ("journal", "publisher", "license", "image_class", "image_status", "doi"):
        if doc[name] is not None:
            out[name] = [str(doc[name])]
    if doc["journal"] is not None:
        out["journal_lc"] = [doc["journal"].lower()]
    if doc["license"] is not None:
        out["license_lc"] = [doc["license"].lower()]
    if pairs:
        out["label_pairs"] = pairs
        out["label_pairs_lc"] = sorted({f"{k}:{v.lower()}" for k, v in split})
        out["label_values_lc"] = sorted({v.lower() for _, v in split})
    if doc["year"] is not None:
        out["year"] = [int(doc["year"])]
    if doc["open_access"] is not None:
        out["open_access"] = [int(bool(doc["open_access"]))]
    if doc["nm_per_px"] is not None:
        out["nm_per_px"] = [float(doc["nm_per_px"])]
    return out


def like_regex(value: str, leading: bool) -> str:
    """A SQL LIKE pattern (``%``, ``_``) as an anchored regex over the lower-cased keyword."""
    body = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in value.lower())
    return (".*" if leading else "") + body + ".*"


def like_query(Query, schema, name: str, value: str, leading: bool):
    """A SQL LIKE filter (``SearchFilters.sql``) as a regex query on the lower-cased keyword field."""
    try:
        return Query.regex_query(schema, f"{name}_lc", like_regex(value, leading))
    except ValueError as exc:  # tantivy compiles at most 1000 regex states ("_" takes ~20 each)
        raise QueryError(f"the {name} filter {value[:40]!r} is too complex to match ({exc}); shorten it or "
                         "use fewer % and _") from exc


@contextmanager
def raw_errors(query):
    """A raw query's ValueError (syntax, or a use the schema refuses: ``caption:*``) as a QueryError."""
    try:
        yield
    except ValueError as exc:
        if not isinstance(query, str) or isinstance(exc, QueryError):
            raise
        raise QueryError(f"raw tantivy query rejected: {exc}; fix its syntax or drop --raw") from exc
