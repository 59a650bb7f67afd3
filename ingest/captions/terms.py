"""Keywords and characterization terms found in (sub-)captions.

Terms come from a curated vocabulary kept as data (``models/vocab/characterization_terms.tsv``):
canonical name, category and the spellings that mean it.  Matching runs on spaCy tokens
(case-insensitive), so "HR-TEM", "high-resolution TEM" and "HRTEM" all give "HRTEM".
Query keywords are matched the same way; when a trained spaCy pipeline is installed its
lemmas also match inflections ("nanoparticles" for "nanoparticle"), otherwise a plural
rule does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from figdex.errors import InputError
from figdex.ingest.captions.nlp import tokenizer_nlp, trained_nlp
from figdex.limits import break_long_runs

VOCAB = Path(__file__).resolve().parents[2] / "models" / "vocab" / "characterization_terms.tsv"


@dataclass(frozen=True)
class Term:
    canonical: str
    category: str
    variants: tuple[str, ...]


def load_vocabulary(path: Path = VOCAB) -> tuple[Term, ...]:
    terms = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise InputError(f"{path}:{n}: expected 3 tab-separated columns (canonical, category, variants)")
        canonical, category, variants = parts
        terms.append(Term(canonical, category, tuple(v.strip() for v in variants.split("|") if v.strip())))
    return tuple(terms)


def _stem(word: str) -> str:
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def _is_acronym(variant: str) -> bool:
    return len(variant) <= 5 and variant.replace("-", "").isupper()


class TermMatcher:
    """Finds vocabulary terms and query keywords in text."""

    def __init__(self, vocabulary: tuple[Term, ...] | None = None, use_trained: bool = True):
        from spacy.matcher import PhraseMatcher

        self.nlp = tokenizer_nlp()
        self.trained = trained_nlp() if use_trained else None
        self.vocabulary = vocabulary if vocabulary is not None else load_vocabulary()
        # Acronyms match as written ("PL", not "pl"); phrases match in any case.
        self.exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for term in self.vocabulary:
            acronyms = [self.nlp.make_doc(v) for v in term.variants if _is_acronym(v)]
            phrases = [self.nlp.make_doc(v) for v in term.variants if not _is_acronym(v)]
            if acronyms:
                self.exact.add(term.canonical, acronyms)
            if phrases:
                self.folded.add(term.canonical, phrases)

    def terms(self, text: str) -> tuple[str, ...]:
        """Canonical names of the terms in ``text``, in vocabulary order, each once.

        Overlapping matches keep the longest ("HR-TEM" is HRTEM, not also TEM).
        """
        from spacy.util import filter_spans

        doc = self.nlp.make_doc(break_long_runs(text))  # spaCy is quadratic in a chunk's length
        spans = [doc[s:e] for _, s, e in self.exact(doc)] + [doc[s:e] for _, s, e in self.folded(doc)]
        labels = {(s, e): self.nlp.vocab.strings[m] for m, s, e in [*self.exact(doc), *self.folded(doc)]}
        found = {labels[(sp.start, sp.end)] for sp in filter_spans(spans)}
        return tuple(t.canonical for t in self.vocabulary if t.canonical in found)

    def keywords(self, text: str, keywords: tuple[str, ...]) -> tuple[str, ...]:
        """The query keywords (and synonyms) that occur in ``text``, as the user wrote them."""
        if not keywords:
            return ()
        words = self._normal_forms(text)
        found = []
        for kw in keywords:
            kw_forms = [_stem(t.text) for t in self.nlp.make_doc(kw) if not t.is_punct]
            if kw_forms and _contains(words, kw_forms):
                found.append(kw)
        return tuple(dict.fromkeys(found))

    def _normal_forms(self, text: str) -> list[str]:
        text = break_long_runs(text)  # spaCy is quadratic in a chunk's length (limits.MAX_TOKEN_CHARS)
        if self.trained is not None:
            return [_stem(t.lemma_ or t.text) for t in self.trained(text) if not t.is_punct]
        return [_stem(t.text) for t in self.nlp.make_doc(text) if not t.is_punct]


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


@lru_cache(maxsize=1)
def default_matcher() -> TermMatcher:
    return TermMatcher()
