"""Text preprocessing for the label models: spaCy tokens and lemmas, chemistry-aware.

Chemical formulas (MoS2, Fe3O4, TiO2, ZnO, CH3NH3PbI3) are kept verbatim as one token,
case included, because lower-casing or lemmatising them destroys their meaning ("Co" is
cobalt, "co" is not).  Pure numbers, units, panel letters, punctuation and stop words go.
With a trained English pipeline installed, words are lemmatised and tagged (caption labels
keep nouns, proper nouns and adjectives); without one, the blank tokenizer is used and every
content word is a candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

_ELEMENTS = set(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr Y Zr "
    "Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W Re Os Ir "
    "Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr".split()
)
_AMBIGUOUS_SYMBOLS = {"In", "As", "At", "No", "He", "Be", "Am", "Es", "Ho", "Po", "Ga", "Pa", "Re", "Md"}
_FORMULA_PART = re.compile(r"([A-Z][a-z]?)(\d+(?:\.\d+)?|[xyδ])?")
_NUMBER = re.compile(r"^[+\-±~≈]?\d+([.,]\d+)*(%|°|°C|K|x|×)?$")
_UNITS = {
    "nm", "µm", "μm", "um", "mm", "cm", "m", "pm", "å", "a.u.", "au", "ev", "kev", "mev", "kv", "mv", "v", "s",
    "ms", "min", "h", "hz", "khz", "mhz", "ghz", "k", "°c", "mg", "g", "kg", "ml", "l", "mol", "mmol", "wt", "at",
    "nm-1", "cm-1", "deg", "rpm", "pa", "kpa", "mpa", "gpa", "w", "mw", "ma", "μa", "µa", "na",
}
# Words that say how a caption is laid out rather than what it shows.
_CAPTION_FILLER = {
    "fig", "figure", "panel", "image", "images", "inset", "insets", "corresponding", "respectively", "show",
    "shows", "shown", "scale", "bar", "bars", "left", "right", "top", "bottom", "middle", "red", "blue", "green",
    "black", "white", "yellow", "orange", "purple", "dashed", "solid", "line", "lines", "arrow", "arrows",
    "see", "text", "supplementary", "data", "different", "various", "typical", "representative", "sample",
    "samples", "area", "region", "result", "results", "value", "values", "et", "al", "ref", "also", "using",
}
LABEL_POS = {"NOUN", "PROPN", "ADJ"}


@dataclass(frozen=True)
class Token:
    text: str  # what the models see: a formula verbatim, else the lower-cased lemma
    pos: str  # coarse part of speech ('' when no tagger is installed)
    formula: bool


def is_formula(word: str) -> bool:
    """MoS2, Fe3O4, TiO2, ZnO, CH3NH3PbI3, LiFePO4: element symbols with counts, >= 2 parts or a count."""
    if len(word) < 2 or not word[0].isupper() or not word.isalnum() and not re.fullmatch(r"[A-Za-z0-9.δ]+", word):
        return False
    parts = _FORMULA_PART.findall(word)
    if "".join(a + b for a, b in parts) != word:
        return False
    if not all(sym in _ELEMENTS for sym, _ in parts):
        return False
    has_count = any(count for _, count in parts)
    if len(parts) == 1 and not has_count:
        # A lone two-letter symbol (Au, Ag, Pt) unless it is also a common English word.
        return len(word) == 2 and word not in _AMBIGUOUS_SYMBOLS
    return len(parts) >= 2 or has_count


_WORD = re.compile(r"[^\W\d_][\w\-+′']*")


def _keep(text: str) -> bool:
    low = text.lower()
    return bool(_WORD.fullmatch(low)) and not (
        len(low) < 2
        or _NUMBER.match(low)
        or low in _UNITS
        or low in _CAPTION_FILLER
        or not any(ch.isalpha() for ch in low)
    )


@lru_cache(maxsize=None)
def _pipeline():
    """(nlp, tagged): a trained pipeline with tagger+lemmatizer when installed, else the blank tokenizer."""
    import spacy

    from figdex.ingest.captions.nlp import PIPELINES

    for name in PIPELINES:
        try:
            return spacy.load(name, disable=["ner", "parser"]), True
        except (OSError, ImportError):
            continue
    return spacy.blank("en"), False


def pipeline_name() -> str:
    nlp, tagged = _pipeline()
    return f"{nlp.meta.get('name', 'blank')}-{nlp.meta.get('version', '')}" if tagged else "spacy-blank-en"


def preprocess(texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Token]]:
    """Content tokens of each text, in order (one list per text)."""
    from figdex.limits import break_long_runs

    nlp, tagged = _pipeline()
    stops = nlp.Defaults.stop_words
    # spaCy's tokenizer is quadratic in the length of a chunk without spaces (limits.MAX_TOKEN_CHARS).
    texts = (break_long_runs(t or "") for t in texts)
    docs = nlp.pipe(texts, batch_size=batch_size) if tagged else (nlp.make_doc(t) for t in texts)
    for doc in docs:
        out: list[Token] = []
        for tok in doc:
            raw = tok.text.strip("()[]{}.,;:'\"")
            if not raw:
                continue
            if is_formula(raw):
                out.append(Token(raw, "PROPN", True))
                continue
            if tok.is_punct or tok.is_space or tok.like_num or tok.lower_ in stops:
                continue
            lemma = (tok.lemma_ if tagged and tok.lemma_ else tok.text).lower().strip("()[]{}.,;:'\"")
            if lemma in stops or not _keep(lemma):
                continue
            out.append(Token(lemma, tok.pos_ if tagged else "", False))
        yield out


def label_candidates(tokens: list[Token]) -> list[str]:
    """Distinct words that may become labels: nouns/adjectives (all content words without a tagger)."""
    seen: dict[str, None] = {}
    for t in tokens:
        if t.formula or not t.pos or t.pos in LABEL_POS:
            seen.setdefault(t.text, None)
    return list(seen)
