"""The labeling stage: train Word2Vec + LDA on the dataset's own text, then label every image.

Models are saved with the dataset under ``label_models/v<N>/`` (with a manifest: parameters,
corpus statistics, checksums) and the dataset's config names the current one.  Training is
seeded and single-threaded, so the same corpus gives the same models.  ``train`` makes a
new version only when the corpus changed (or when forced); ``assign`` labels images the
current model has not labelled yet, one batch per transaction, so it resumes after a kill.
User labels and rejections are never touched (see ``Dataset.set_computed_labels``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from figdex.errors import FigdexError
from figdex.index.db import Dataset, now, sha256_file

MODELS_DIR = "label_models"
INTRO_TOKENS = 1500  # LDA reads the abstract and the start of the body (the introduction)
LABEL_KINDS = ("caption", "abstract", "topic")


class LabelModelError(FigdexError, ValueError):
    """No usable label model; the message says which command to run."""


@dataclass
class TrainSummary:
    version: str
    unchanged: bool = False
    articles: int = 0
    bodies: int = 0
    sentences: int = 0
    tokens: int = 0
    vocabulary: int = 0
    topics: int = 0
    seconds: float = 0.0
    folder: str = ""


@dataclass
class AssignSummary:
    model: str
    images: int = 0
    labelled: int = 0
    unchanged: int = 0
    with_caption_label: int = 0
    with_abstract_label: int = 0
    with_topic_label: int = 0
    articles_with_topic: int = 0
    articles: int = 0
    failures: list = field(default_factory=list)


def models_root(ds: Dataset) -> Path:
    return ds.root / MODELS_DIR


def current_model(ds: Dataset) -> str | None:
    return ds.config.get("label_model")


def model_folder(ds: Dataset, version: str | None = None) -> Path:
    version = version or current_model(ds)
    if not version:
        raise LabelModelError("the dataset has no label model yet; run `figdex labels train` first")
    folder = models_root(ds) / version
    if not (folder / "manifest.json").is_file():
        raise LabelModelError(f"{folder}: label model files are missing; run `figdex labels train --force`")
    return folder


# -- corpus ------------------------------------------------------------------------------------
def article_body(ds: Dataset, article) -> str:
    """The article's body text, extracted from its source file once and cached in the database."""
    from figdex.ingest.body_text import EXTRACTOR, extract_body

    src = Path(article["source_file"])
    if not src.is_file():
        row = ds.conn.execute("SELECT body FROM article_texts WHERE article_id=?", (article["id"],)).fetchone()
        return row["body"] if row else ""
    digest = sha256_file(src)
    row = ds.conn.execute("SELECT body, source_sha256, extracted_with FROM article_texts WHERE article_id=?",
                          (article["id"],)).fetchone()
    if row and row["source_sha256"] == digest and row["extracted_with"] == EXTRACTOR:
        return row["body"]
    try:
        body = extract_body(src)
    except Exception:  # an unreadable page gives no body; its abstract and captions still count
        body = ""
    with ds.transaction():
        ds.conn.execute("""INSERT INTO article_texts(article_id, body, source_sha256, extracted_with)
                           VALUES (?, ?, ?, ?) ON CONFLICT(article_id) DO UPDATE SET body=excluded.body,
                           source_sha256=excluded.source_sha256, extracted_with=excluded.extracted_with""",
                        (article["id"], body, digest, EXTRACTOR))
    return body


def _articles(ds: Dataset):
    return ds.conn.execute("SELECT id, abstract, source_file FROM articles WHERE publisher != 'folder' "
                           "ORDER BY id").fetchall()


def corpus_texts(ds: Dataset) -> Iterator[tuple[int, str, str, list[str]]]:
    """(article id, abstract, body, captions) per article, streamed."""
    for art in _articles(ds):
        captions = [r[0] for r in ds.conn.execute(
            "SELECT caption FROM figures WHERE article_id=? AND caption != '' ORDER BY id", (art["id"],))]
        yield art["id"], art["abstract"] or "", article_body(ds, art), captions


def _topic_doc(abstract_tokens: list[str], body_tokens: list[str]) -> list[str]:
    return abstract_tokens + body_tokens[:INTRO_TOKENS]


# -- training ----------------------------------------------------------------------------------
def train_label_models(ds: Dataset, *, force: bool = False, word2vec=None, lda=None,
                       on_step: Callable[[str], None] | None = None) -> TrainSummary:
    from figdex.models.text_prep import pipeline_name, preprocess
    from figdex.models.topics import LdaParams, topic_table, train_lda, write_topics_file
    from figdex.models.word_labels import WORD2VEC_FILE, Word2VecParams, train_word2vec

    started = time.perf_counter()
    word2vec, lda = word2vec or Word2VecParams(), lda or LdaParams()
    step = on_step or (lambda msg: None)
    step("reading the corpus")
    sentences: list[list[str]] = []
    topic_docs: list[list[str]] = []
    article_ids: list[int] = []
    articles = bodies = 0
    for article_id, abstract, body, captions in corpus_texts(ds):
        article_ids.append(article_id)
        articles += 1
        bodies += bool(body)
        paragraphs = [abstract, *body.split("\n\n"), *captions]
        tokenised = [[t.text for t in toks] for toks in preprocess(paragraphs)]
        sentences.extend(t for t in tokenised if t)
        body_tokens = [w for toks in tokenised[1:1 + len(paragraphs) - 1 - len(captions)] for w in toks]
        topic_docs.append(_topic_doc(tokenised[0], body_tokens))
    corpus_sha = hashlib.sha256(json.dumps([sentences, repr(word2vec), repr(lda)]).encode()).hexdigest()
    previous = current_model(ds)
    if previous and not force:
        try:
            manifest = json.loads((model_folder(ds) / "manifest.json").read_text())
            if manifest.get("corpus_sha256") == corpus_sha:
                return TrainSummary(previous, unchanged=True, articles=articles, folder=str(model_folder(ds)))
        except (LabelModelError, ValueError):
            pass
    if not sentences:
        raise LabelModelError("the dataset has no caption, abstract or body text to train on; "
                              "ingest articles first (`figdex ingest`)")
    step(f"training word vectors on {len(sentences)} sentences")
    w2v = train_word2vec(sentences, word2vec)
    step(f"training LDA on {len(topic_docs)} articles")
    lda_model, dictionary = train_lda(topic_docs, lda)
    version = _next_version(ds)
    final = models_root(ds) / version
    tmp = final.with_name(version + ".part")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    w2v.save(str(tmp / WORD2VEC_FILE))
    lda_model.save(str(tmp / "lda.model"))
    dictionary.save(str(tmp / "lda.dictionary"))
    topics = topic_table(lda_model)
    write_topics_file(tmp, topics)
    summary = TrainSummary(version, articles=articles, bodies=bodies, sentences=len(sentences),
                           tokens=sum(map(len, sentences)), vocabulary=len(w2v.wv), topics=len(topics))
    manifest = {
        "version": version, "created": now(), "corpus_sha256": corpus_sha, "text_pipeline": pipeline_name(),
        "word2vec": asdict(word2vec), "lda": {k: v for k, v in asdict(lda).items()},
        "corpus": {k: getattr(summary, k) for k in ("articles", "bodies", "sentences", "tokens", "vocabulary")},
        "topics": len(topics), "gensim": _gensim_version(),
        "files": {p.name: sha256_file(p) for p in sorted(tmp.iterdir()) if p.name != "topics.tsv"},
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmp, final)  # a killed training never leaves a half-written model under its name
    _store_article_topics(ds, version, lda_model, dictionary, article_ids, topic_docs)
    ds.set_config(label_model=version)
    summary.seconds = round(time.perf_counter() - started, 2)
    summary.folder = str(final)
    return summary


def _store_article_topics(ds: Dataset, version: str, lda_model, dictionary, article_ids, topic_docs) -> None:
    """Each article's best topic under the new model, from the documents already tokenised
    for training (so assigning labels does not tag every article body again)."""
    from figdex.models.topics import best_topic

    with ds.transaction():
        for article_id, doc in zip(article_ids, topic_docs):
            best = best_topic(lda_model, dictionary, doc)
            if best is not None:
                ds.conn.execute("INSERT OR REPLACE INTO article_topics(article_id, model, topic, probability) "
                                "VALUES (?, ?, ?, ?)", (article_id, version, best[0], best[1]))


def _next_version(ds: Dataset) -> str:
    root = models_root(ds)
    taken = [int(p.name[1:]) for p in root.glob("v*") if p.name[1:].isdigit()] if root.is_dir() else []
    return f"v{max(taken, default=0) + 1}"


def _gensim_version() -> str:
    import gensim

    return gensim.__version__


def load_models(ds: Dataset, version: str | None = None):
    """(version, word2vec, lda, dictionary, topic names) of the current (or given) model; checksums verified."""
    from figdex.models.topics import load_lda, read_topic_names
    from figdex.models.word_labels import load_word2vec

    folder = model_folder(ds, version)
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        if not (folder / name).is_file() or sha256_file(folder / name) != digest:
            raise LabelModelError(f"{folder / name} is missing or changed since training (checksum differs); "
                                  "run `figdex labels train --force` to retrain")
    lda, dictionary = load_lda(folder)
    try:
        names = read_topic_names(folder, lda.num_topics)
    except FileNotFoundError:
        names = {}
    return manifest["version"], load_word2vec(folder), lda, dictionary, names
