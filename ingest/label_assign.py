"""Apply the current label model to images: caption, abstract and topic labels per master image."""

from __future__ import annotations

import hashlib
from typing import Callable

from figdex.errors import InputError
from figdex.index.db import Dataset
from figdex.index.fulltext import create_text_index
from figdex.ingest.labels import INTRO_TOKENS, AssignSummary, article_body, load_models
from figdex.models.topics import TOPIC_THRESHOLD

BATCH = 200


def _topics_of_articles(ds: Dataset, version: str, lda, dictionary, threshold: float, summary: AssignSummary):
    """article id -> (topic, probability) for articles whose best topic reaches the threshold."""
    from figdex.models.text_prep import preprocess
    from figdex.models.topics import best_topic

    arts = ds.conn.execute("SELECT id, abstract, source_file FROM articles WHERE publisher != 'folder' ORDER BY id"
                           ).fetchall()
    known = {r[0]: (r[1], r[2]) for r in ds.conn.execute(
        "SELECT article_id, topic, probability FROM article_topics WHERE model=?", (version,))}
    todo = [a for a in arts if a["id"] not in known]
    texts = []
    for a in todo:
        texts.extend([a["abstract"] or "", article_body(ds, a)])
    tokenised = [[t.text for t in toks] for toks in preprocess(texts)]
    with ds.transaction():
        for i, a in enumerate(todo):
            doc = tokenised[2 * i] + tokenised[2 * i + 1][:INTRO_TOKENS]
            best = best_topic(lda, dictionary, doc)
            if best is not None:
                ds.conn.execute("INSERT OR REPLACE INTO article_topics(article_id, model, topic, probability) "
                                "VALUES (?, ?, ?, ?)", (a["id"], version, best[0], best[1]))
                known[a["id"]] = best
    summary.articles = len(arts)
    chosen = {aid: tp for aid, tp in known.items() if tp[1] >= threshold}
    summary.articles_with_topic = len(chosen)
    return chosen


def assign_labels(ds: Dataset, *, redo: bool = False, threshold: float = TOPIC_THRESHOLD, tightness: float = 0.6,
                  on_batch: Callable[[int], None] | None = None) -> AssignSummary:
    """Label every image the current model has not labelled (all of them with ``redo``)."""
    from figdex.models.text_prep import label_candidates, preprocess
    from figdex.models.word_labels import abstract_labels, lookup_from, word_dropout

    if not 0.0 < threshold <= 1.0:
        raise InputError(f"topic threshold {threshold} must be in (0, 1]; the default is {TOPIC_THRESHOLD}")
    version, w2v, lda, dictionary, names = load_models(ds)
    source = f"labels-{version}"
    summary = AssignSummary(version)
    vector = lookup_from(w2v)
    topics = _topics_of_articles(ds, version, lda, dictionary, threshold, summary)
    text_index = create_text_index(ds.config["text_index"], ds.conn, ds.root)
    rows = ds.conn.execute(
        """SELECT m.id, coalesce(nullif(m.subcaption, ''), f.caption) AS text, a.id AS article_id,
                  a.abstract, la.model, la.text_sha256
           FROM master_images m JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id
           LEFT JOIN label_assignments la ON la.master_image_id = m.id ORDER BY m.id""").fetchall()
    summary.images = len(rows)
    abstract_cache: dict[int, list[str]] = {}
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        shas = [hashlib.sha256(f"{r['text']}\0{r['abstract']}".encode()).hexdigest() for r in chunk]
        todo = [(r, s) for r, s in zip(chunk, shas) if redo or r["model"] != version or r["text_sha256"] != s]
        summary.unchanged += len(chunk) - len(todo)
        captions = list(preprocess([r["text"] or "" for r, _ in todo]))
        for r, _ in todo:
            if r["article_id"] not in abstract_cache:
                abstract_cache[r["article_id"]] = label_candidates(next(preprocess([r["abstract"] or ""])))
        with ds.transaction():
            for (r, sha), toks in zip(todo, captions):
                kept = word_dropout(label_candidates(toks), vector, tightness=tightness).kept
                caption_words = [w for w, _ in kept]
                context = abstract_labels(caption_words, abstract_cache[r["article_id"]], vector) if kept else []
                ds.set_computed_labels(r["id"], "caption", kept, source)
                ds.set_computed_labels(r["id"], "abstract", context, source)
                ds.conn.execute("INSERT OR REPLACE INTO label_assignments(master_image_id, model, text_sha256) "
                                "VALUES (?, ?, ?)", (r["id"], version, sha))
            # Topic labels are re-applied to the whole batch each run: renamed topics take effect at once.
            for r in chunk:
                tp = topics.get(r["article_id"])
                value = [(names.get(tp[0], f"topic {tp[0]}"), round(tp[1], 4))] if tp else []
                ds.set_computed_labels(r["id"], "topic", value, f"{source}:topic{tp[0]}" if tp else source)
            text_index.update([r["id"] for r in chunk])
        summary.labelled += len(todo)
        if on_batch:
            on_batch(len(chunk))
    for kind in ("caption", "abstract", "topic"):
        n = ds.conn.execute("SELECT count(DISTINCT master_image_id) FROM labels WHERE kind=?", (kind,)).fetchone()[0]
        setattr(summary, f"with_{kind}_label", n)
    return summary
