"""What the counts mean, defined once: ``figdex stats``, the ingest and harvest summaries and the
dataset line after them all count with ``dataset_counts``.

* ``figures`` are the figures, schemes and charts of articles (and the images of image folders).
  Graphical abstracts are kept and searchable, but they are not figures of the article: they are
  counted apart, as ``graphical_abstracts``, never silently dropped.
* ``captions``, ``images_found`` and ``images_missing`` (no stored image: only its URL, a thumbnail,
  or an unreadable file) are of those figures; ``image_status`` breaks the figures down likewise.
* ``master_images`` are every master image, those of graphical abstracts included (search finds
  them); ``graphical_abstract_masters`` says how many of them that is.
* With ``run_ids``, only the articles those runs stored (``articles.run_id``) and their figures
  count: what an ingest run added or updated, each article once however many files held it.
"""

from __future__ import annotations

import sqlite3

GA = "'graphical-abstract'"
FIGURE_COUNTS = ("figures", "graphical_abstracts", "captions", "images_found", "images_missing")


def dataset_counts(conn: sqlite3.Connection, run_ids: list[int] | None = None) -> dict:
    """Totals and per-publisher counts (``FIGURE_COUNTS`` plus articles and access kinds)."""
    if run_ids is not None and not run_ids:
        run_ids = [-1]  # no run: nothing counts
    scope = f"WHERE a.run_id IN ({','.join('?' * len(run_ids))})" if run_ids else ""
    args = list(run_ids or [])
    per_publisher: dict[str, dict] = {}
    for row in conn.execute(
        f"""SELECT a.publisher,
                  count(DISTINCT a.id) AS articles,
                  count(f.id) - count(CASE WHEN f.kind = {GA} THEN 1 END) AS figures,
                  count(CASE WHEN f.kind = {GA} THEN 1 END) AS graphical_abstracts,
                  count(CASE WHEN f.kind != {GA} AND f.caption != '' THEN 1 END) AS captions,
                  count(CASE WHEN f.kind != {GA} AND f.image_status = 'ok' THEN 1 END) AS images_found,
                  count(CASE WHEN f.kind != {GA} AND f.image_status != 'ok' THEN 1 END) AS images_missing
           FROM articles a LEFT JOIN figures f ON f.article_id = a.id {scope}
           GROUP BY a.publisher ORDER BY a.publisher""", args):
        per_publisher[row[0]] = {"articles": row[1], **dict(zip(FIGURE_COUNTS, row[2:]))}
    for publisher, access, n in conn.execute(
            f"SELECT a.publisher, a.access, count(*) FROM articles a {scope} GROUP BY 1, 2", args):
        per_publisher[publisher][f"access_{access}"] = n
    totals = {k: sum(p[k] for p in per_publisher.values()) for k in ("articles", *FIGURE_COUNTS)}
    masters = conn.execute(
        f"""SELECT count(*), count(CASE WHEN f.kind = {GA} THEN 1 END) FROM master_images m
            JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id {scope}""", args).fetchone()
    totals["master_images"], totals["graphical_abstract_masters"] = masters
    totals["image_status"] = dict(conn.execute(
        f"""SELECT f.image_status, count(*) FROM figures f JOIN articles a ON a.id = f.article_id
            {scope or 'WHERE true'} AND f.kind != {GA} GROUP BY 1 ORDER BY 1""", args).fetchall())
    totals["per_publisher"] = per_publisher
    return totals
