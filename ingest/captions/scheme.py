"""Which labelling scheme a caption's panel-label mentions follow (split out of split.py, which distributes the
caption over the labels of that scheme)."""

from __future__ import annotations

from figdex.ingest.captions.mentions import Mention, token_kind
from figdex.ingest.captions.pieces import strip_marks

SCHEME_ORDER = ("alpha", "ALPHA", "digit", "roman", "position")
FIRST_LABEL = {"alpha": "a", "ALPHA": "a", "digit": "1", "roman": "i"}


def _label_kind(tok: str) -> str:
    return token_kind(tok)


def choose_scheme(mentions: list[Mention], text: str | None = None) -> str:
    """The labelling scheme most mentions agree on, or "none"."""
    labels: dict[str, set[str]] = {k: set() for k in SCHEME_ORDER}
    strong: dict[str, bool] = {k: False for k in SCHEME_ORDER}
    named: dict[str, bool] = {k: False for k in SCHEME_ORDER}  # every mention says "panel" ("… in Panel B.")
    for m in mentions:
        for tok in m.raw:
            kind = _label_kind(tok) if tok != "-" else ""
            if kind in labels:
                labels[kind].add(tok.lower())
                strong[kind] |= m.style in ("bold", "bare", "close", "colon")
                named[kind] = named[kind] or m.style == "panelword"
    # "i" alone is a letter when other letters are there; "ii" and "iii" make it roman.
    if labels["roman"] and "i" in labels["alpha"] and not ({"h", "j"} & labels["alpha"]):
        labels["roman"].add("i")
    if labels["roman"] and "i" in labels["ALPHA"] and not ({"h", "j"} & labels["ALPHA"]):
        labels["roman"].add("i")  # "(I) SEM micrograph … (II) EDS …"
    candidates = []
    for kind in SCHEME_ORDER:
        found = labels[kind]
        if len(found) < 2:
            continue
        # "… fluid (CSF) in Panel B. … in Panel C, and … in Panel D.": panels named with the word "panel" are panels
        # even when the first one is only the title's (no "Panel A"); bare or bracketed letters without the first
        # are symbols or references.
        panel_words = named[kind] and all(m.style == "panelword" for m in mentions
                                          if any(_label_kind(t) == kind for t in m.raw))
        if kind != "position" and FIRST_LABEL[kind] not in found and not panel_words:
            continue
        if kind == "digit" and not strong[kind]:
            continue  # parenthesised numbers after words are references or equations
        candidates.append((len(found), kind))
    if not candidates:
        return "none"
    kinds = {k for _, k in candidates}
    if "digit" in kinds and kinds & {"alpha", "ALPHA"}:
        # Letters and numbers both run from the first: the numbers are a key to curves or
        # conditions ("spectra (a) and sizes (b) … : 1) 50 °C; 2) 100 °C; …"), not panels.
        candidates = [c for c in candidates if c[1] != "digit"]
    if {"alpha", "ALPHA"} <= kinds and text is not None:
        # One case opens sentences ("(A) IHC staining of … (a and b) …"): that case names the
        # panels, the other case the images inside them.
        opening = {k: sum(1 for m in mentions if _opens_sentence(text, m) and
                          any(_label_kind(t) == k for t in m.raw)) for k in ("alpha", "ALPHA")}
        keep = None
        if min(opening.values()) == 0 and max(opening.values()) >= 2:
            keep = max(opening, key=opening.get)
        elif min(opening.values()) > 0:
            # Both cases open sentences ("(A) Summary … (a-d) At 4 months … (e-h) … (B) …"): the
            # case that opens first is the outer level, the panels; the other names images in them.
            keep = next(_label_kind(t) for m in mentions if _opens_sentence(text, m)
                        for t in m.raw if _label_kind(t) in ("alpha", "ALPHA"))
        if keep:
            candidates = [c for c in candidates if c[1] not in ("alpha", "ALPHA") or c[1] == keep]
    best = max(n for n, _ in candidates)
    return next(k for k in SCHEME_ORDER if (best, k) in candidates)


def _opens_sentence(text: str, m: Mention) -> bool:
    before = strip_marks(text[max(0, m.start - 40):m.start]).rstrip()
    return not before and m.start < 40 or before.endswith((".", ";", ":"))
