"""Article topics from LDA (gensim), named by their top words or by the user.

A topic label is given to an article only when its best topic's probability reaches the
threshold (0.80 by default, as in EXSCLAIM): an article split between topics gets none
rather than a wrong one.  Topic names live in a small TSV the user may edit
(``topics.tsv``: topic, name, top words); retraining writes a new model version with its own
file, so user-chosen names of an older model are never overwritten.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from figdex.errors import InputError

LDA_FILE = "lda.model"
DICTIONARY_FILE = "lda.dictionary"
TOPICS_FILE = "topics.tsv"
TOPIC_THRESHOLD = 0.80


@dataclass(frozen=True)
class LdaParams:
    num_topics: int = 8
    passes: int = 30
    iterations: int = 200
    seed: int = 13
    no_below: int = 2  # a word must appear in at least this many documents
    no_above: float = 0.5  # ... and in at most this share of them (drops "material", "sample")
    alpha: str | float = "symmetric"
    eta: str | float | None = None


@dataclass(frozen=True)
class Topic:
    topic: int
    name: str
    top_words: tuple[tuple[str, float], ...]


def train_lda(documents: Sequence[list[str]], params: LdaParams = LdaParams()):
    """(model, dictionary) from tokenised documents; seeded and single-process, so reproducible."""
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    docs = [d for d in documents if d]
    if len(docs) < 2:
        raise InputError(f"LDA needs at least 2 documents with text; the dataset has {len(docs)}. "
                         "Ingest more articles (abstracts or full text) and train again")
    dictionary = Dictionary(docs)
    # Filter only when enough documents remain to keep a vocabulary at all.
    if len(docs) >= 10:
        dictionary.filter_extremes(no_below=params.no_below, no_above=params.no_above, keep_n=50000)
    if len(dictionary) == 0:
        raise InputError("no words left for LDA after removing rare and common ones; ingest more articles")
    corpus = [dictionary.doc2bow(d) for d in docs]
    num_topics = max(2, min(params.num_topics, len(docs) // 2))
    model = LdaModel(corpus=corpus, id2word=dictionary, num_topics=num_topics, passes=params.passes,
                     iterations=params.iterations, random_state=params.seed, alpha=params.alpha, eta=params.eta,
                     eval_every=None)
    return model, dictionary


def load_lda(folder: Path):
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    return LdaModel.load(str(folder / LDA_FILE)), Dictionary.load(str(folder / DICTIONARY_FILE))


def best_topic(model, dictionary, tokens: list[str]) -> tuple[int, float] | None:
    """(topic, probability) of the most likely topic of one document; None when it has no known word."""
    bow = dictionary.doc2bow(tokens)
    if not bow:
        return None
    dist = model.get_document_topics(bow, minimum_probability=0.0)
    topic, prob = max(dist, key=lambda t: (t[1], -t[0]))
    return int(topic), float(prob)


def assign_topic(model, dictionary, tokens: list[str], threshold: float = TOPIC_THRESHOLD) -> tuple[int, float] | None:
    """The article's topic when its probability reaches ``threshold``, else None."""
    best = best_topic(model, dictionary, tokens)
    return best if best is not None and best[1] >= threshold else None


def topic_table(model, n_words: int = 8) -> list[Topic]:
    topics = []
    for t in range(model.num_topics):
        words = tuple((w, round(float(p), 4)) for w, p in model.show_topic(t, topn=n_words))
        topics.append(Topic(t, default_name(words), words))
    return topics


def default_name(words: Sequence[tuple[str, float]]) -> str:
    return "-".join(w for w, _ in words[:3])


def write_topics_file(folder: Path, topics: list[Topic]) -> Path:
    path = folder / TOPICS_FILE
    with open(path, "w", newline="", encoding="utf-8") as fh:
        fh.write("# Edit the name column to name a topic; names show in search results and exports.\n"
                 "# Then run `figdex labels assign` to apply them.\n")
        writer = csv.writer(fh, delimiter="\t", lineterminator="\n")
        writer.writerow(["topic", "name", "top_words"])
        for t in topics:
            writer.writerow([t.topic, t.name, " ".join(f"{w}:{p}" for w, p in t.top_words)])
    return path


def read_topic_names(folder: Path, num_topics: int) -> dict[int, str]:
    """topic -> name from ``topics.tsv``; a clear error names the line to fix."""
    path = folder / TOPICS_FILE
    names: dict[int, str] = {}
    with open(path, encoding="utf-8") as fh:
        rows = [line for line in fh if line.strip() and not line.startswith("#")]
    for n, row in enumerate(csv.reader(rows[1:], delimiter="\t"), start=2):
        if len(row) < 2:
            raise InputError(f"{path}: row {n} needs 'topic<TAB>name'; fix or delete it")
        try:
            topic = int(row[0])
        except ValueError:
            raise InputError(f"{path}: row {n}: topic {row[0]!r} is not a number; keep the first column as written")
        if not 0 <= topic < num_topics:
            raise InputError(f"{path}: row {n}: topic {topic} does not exist (0..{num_topics - 1})")
        name = row[1].strip()
        if not name:
            raise InputError(f"{path}: row {n}: topic {topic} has an empty name; give it a name")
        names[topic] = name
    return names
