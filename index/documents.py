"""The searchable document of a master image, assembled from the database.

Every text backend (FTS5, tantivy, Elasticsearch) indexes the same fields, so results
mean the same whichever engine a dataset uses.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Iterable, Iterator

# Field -> BM25 weight.  The sub-caption describes the panel itself and weighs most; labels
# are curated words; the article title and abstract only give context.
TEXT_FIELDS: dict[str, float] = {
    "subcaption": 4.0,
    "labels": 3.0,
    "caption": 2.0,
    "title": 1.5,
    "abstract": 0.5,
}

# The columns a search hit shows (retrieval.search builds its Hit from them); an engine that stores
# them can hand them back with its hits instead of a second read of the database.
HIT_COLUMNS = ("id", "uid", "panel", "subcaption", "image_class", "nm_per_px", "figure_label", "number", "caption",
               "image_path", "image_url", "image_status", "doi", "title", "journal", "year", "license", "url",
               "publisher", "labels")

_DOC_SQL = """
SELECT m.id, m.uid, m.panel, m.subcaption, m.image_class, m.nm_per_px, m.keywords,
       f.caption, f.label AS figure_label, f.number, f.image_status, f.image_path, f.image_url,
       a.title, a.abstract, a.journal, a.publisher, a.year, a.license, a.open_access, a.doi, a.url,
       (SELECT group_concat(l.value, ' ; ') FROM labels l WHERE l.master_image_id = m.id) AS labels,
       (SELECT json_group_array(l.kind || ':' || l.value) FROM labels l WHERE l.master_image_id = m.id) AS label_pairs
FROM master_images m JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id
"""


def master_documents(conn: sqlite3.Connection, ids: Iterable[int] | None = None, batch: int = 500) -> Iterator[dict]:
    """Documents for the given master ids (all when None), streamed in batches."""
    if ids is None:
        cur = conn.execute(_DOC_SQL + " ORDER BY m.id")
        while rows := cur.fetchmany(batch):
            yield from (_doc(r) for r in rows)
        return
    id_list = list(ids)
    for start in range(0, len(id_list), batch):
        chunk = id_list[start:start + batch]
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(_DOC_SQL + f" WHERE m.id IN ({marks}) ORDER BY m.id", chunk):
            yield _doc(r)


def _doc(r: sqlite3.Row) -> dict:
    keywords = " ; ".join(json.loads(r["keywords"] or "[]"))
    labels = " ; ".join(x for x in (r["labels"] or "", keywords) if x)
    return {
        "id": r["id"],
        "uid": r["uid"],
        "subcaption": r["subcaption"] or "",
        "caption": r["caption"] or "",
        "labels": labels,
        "title": r["title"] or "",
        "abstract": r["abstract"] or "",
        # Filter fields, for engines that filter internally.
        "journal": r["journal"],
        "publisher": r["publisher"],
        "year": r["year"],
        "license": r["license"],
        "open_access": r["open_access"],
        "doi": r["doi"],
        "image_class": r["image_class"],
        "nm_per_px": r["nm_per_px"],
        "image_status": r["image_status"],
        "label_pairs": json.loads(r["label_pairs"] or "[]"),
        # The hit's row, as retrieval.search reads it (labels as the JSON text of "kind:value").
        "hit_row": {**{c: r[c] for c in HIT_COLUMNS if c != "labels"}, "labels": r["label_pairs"] or "[]"},
    }
