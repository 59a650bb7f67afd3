"""Caption and abstract labels from word vectors (gensim Word2Vec), as in EXSCLAIM's labeling.

* Caption labels: the caption's candidate words that have a vector form a group; the word
  furthest (lowest cosine similarity) from the group's centre is dropped, again and again,
  until every word left is within ``tightness`` of the centre or ``min_words`` remain.  What
  is left are the words that agree with one another about what the image shows.
* Abstract labels: the 2-3 abstract words closest to the centre of caption labels + abstract
  words: context the caption lacks ("perovskite" for a caption that only says "SEM image").

Both are pure functions of a vector lookup, so they are tested without training anything.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from figdex.errors import InputError

WORD2VEC_FILE = "word2vec.model"


@dataclass(frozen=True)
class Word2VecParams:
    vector_size: int = 100
    window: int = 5
    min_count: int = 2
    epochs: int = 40  # small corpora need many passes; gensim's default of 5 leaves vectors near random
    sg: int = 1  # skip-gram: better for rare domain words than CBOW
    seed: int = 13


def stable_hash(text: str) -> int:
    """gensim seeds each word's initial vector with a hash; Python's str hash changes per process."""
    return zlib.crc32(text.encode("utf-8"))


def train_word2vec(sentences: Sequence[list[str]], params: Word2VecParams = Word2VecParams()):
    """A reproducible Word2Vec model (one worker thread, fixed seed, process-independent hashing)."""
    from gensim.models import Word2Vec

    if not sentences:
        raise InputError("no text to train word vectors on; ingest articles with captions or abstracts first")
    return Word2Vec(
        sentences=list(sentences), vector_size=params.vector_size, window=params.window,
        min_count=params.min_count, sg=params.sg, seed=params.seed, workers=1, epochs=params.epochs,
        hashfxn=stable_hash,
    )


def load_word2vec(folder: Path):
    from gensim.models import Word2Vec

    return Word2Vec.load(str(folder / WORD2VEC_FILE))


VectorLookup = Callable[[str], "np.ndarray | None"]


def lookup_from(model, min_count: int = 3) -> VectorLookup:
    """A word -> unit vector function over a trained model (None for unknown or rarer words:
    a word seen once or twice keeps a vector near its random start)."""
    wv = model.wv
    # Word vectors trained on one dataset share a large common direction (every cosine is
    # high); removing the mean vector makes similarities say which words belong together.
    common = wv.vectors.astype(np.float64).mean(axis=0) if len(wv) else 0.0

    def vector(word: str):
        if word not in wv.key_to_index or wv.get_vecattr(word, "count") < min_count:
            return None
        v = wv[word].astype(np.float64) - common
        n = np.linalg.norm(v)
        return v / n if n else None

    return vector


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n else v


@dataclass(frozen=True)
class DropoutResult:
    kept: tuple[tuple[str, float], ...]  # (word, cosine to the final centre), best first
    dropped: tuple[str, ...]  # in the order they were dropped
    steps: int


def word_dropout(words: Iterable[str], vector: VectorLookup, *, tightness: float = 0.6,
                 min_words: int = 2, max_words: int = 6) -> DropoutResult:
    """Iterative word dropout.  Deterministic: ties are broken by the words' order in the caption.

    The group is tight when every word is within ``tightness`` (cosine) of the centre and at
    most ``max_words`` are left: word vectors trained on one dataset are all fairly similar,
    so a similarity bound alone keeps most of a long caption.  Always terminates: each step
    removes one word, and it stops at ``min_words``.
    """
    group = [(w, v) for w in dict.fromkeys(words) if (v := vector(w)) is not None]
    dropped: list[str] = []
    steps = 0
    while group:
        centre = _unit(np.mean([v for _, v in group], axis=0))
        sims = [float(v @ centre) for _, v in group]
        worst = min(range(len(group)), key=lambda i: (sims[i], -i))
        if len(group) <= min_words or (sims[worst] >= tightness and len(group) <= max_words):
            kept = sorted(((w, round(s, 4)) for (w, _), s in zip(group, sims)), key=lambda t: (-t[1], t[0]))
            return DropoutResult(tuple(kept), tuple(dropped), steps)
        dropped.append(group.pop(worst)[0])
        steps += 1
    return DropoutResult((), tuple(dropped), steps)


def abstract_labels(caption_words: Sequence[str], abstract_words: Sequence[str], vector: VectorLookup, *,
                    n: int = 3, min_similarity: float = 0.3) -> list[tuple[str, float]]:
    """The ``n`` abstract words closest to the centre of caption labels + abstract words.

    Words already among the caption labels are not repeated.  Returns (word, cosine) pairs.
    """
    abstract = [(w, v) for w in dict.fromkeys(abstract_words) if (v := vector(w)) is not None]
    caption = [v for w in caption_words if (v := vector(w)) is not None]
    if not abstract:
        return []
    centre = _unit(np.mean([v for _, v in abstract] + caption, axis=0))
    taken = set(caption_words)
    scored = [(w, float(v @ centre)) for w, v in abstract if w not in taken]
    scored.sort(key=lambda t: (-t[1], t[0]))
    return [(w, round(s, 4)) for w, s in scored[:n] if s >= min_similarity]
