"""Shared tails of label runs: "(a) TGA analysis, (b) Raman spectra, and (c) XRD patterns of CNTs and PCNTs" gives
"of CNTs and PCNTs" to every panel of the run (caption rule 3).  Moved out of split.py (which is at its size limit)."""
from __future__ import annotations

import re
from typing import Callable

from figdex.ingest.captions.mentions import Mention
from figdex.ingest.captions.pieces import strip_marks

_TAIL = re.compile(r"\s(?:as\s+a\s+function\s+of|of|for|along|from|with|at|between)\s")
_CLAUSE_OPENERS = frozenset({"whether", "that", "which", "how", "when", "where", "if", "while", "whereas"})


def _words(text: str) -> int:
    """Words of a phrase between labels; a lone comma is none ("\\textbf{d, e, f}, Receiver Operating Characteristic
    (ROC) and \\textbf{g, h, i} the … curve for …": the comma after a LaTeX bold label stands apart)."""
    return sum(1 for t in text.split() if re.search(r"\w", t))


def shared_tails(text: str, intros: list[Mention], labels_of: Callable[[Mention], tuple[str, ...]], e: int,
                 s: int | None = None) -> dict[int, tuple[int, tuple[str, ...]]]:
    """"(a) TGA analysis, (b) Raman spectra, and (c) XRD patterns of CNTs and PCNTs": in a run
    of labels whose own words are a short noun phrase each, joined by commas or "and", the
    words after the last phrase's preposition ("of CNTs and PCNTs") complete every phrase.
    Returns {index of the run's last intro: (where its tail starts, the run's labels)}.  ``s``: the sentence's
    start: a run inside a sentence, after words it shares ("… used to determine differentially expressed (a)
    canonical pathways; (b) diseases and functions; and (c) upstream regulators between the two tumor samples"),
    may join its phrases by semicolons too (not labels opening the sentence: "a – fresh cell; b – aged at 45°C")."""
    out: dict[int, tuple[int, tuple[str, ...]]] = {}
    k = 0
    while k < len(intros):
        j = k
        head = strip_marks(text[s:intros[k].start]).strip() if s is not None else ""
        joint = r"(?:,|;|\band)\s*$" if len(head.split()) >= 2 and not head.endswith((".", ":")) else r"(?:,|\band)\s*$"
        while j + 1 < len(intros):
            between = strip_marks(text[intros[j].end:intros[j + 1].start])
            if _words(between) > 5 or not re.search(joint, between) or "." in between:
                break
            j += 1
        end = intros[j + 1].start if j + 1 < len(intros) else e
        own = text[intros[j].end:end]
        # "a) average bond length, b) electrostatic potential as a function of …, and c) a typical …": a long phrase
        # that hands on to one more label of the list is its last label's own, no tail of the run before it.
        goes_on = j + 1 < len(intros) and re.search(r"(?:,|;|\band)\s*$", strip_marks(own)) and "." not in own
        if j > k and not goes_on:
            labels = tuple(lab for i in range(k, j + 1) for lab in labels_of(intros[i]))
            m = _TAIL.search(own)
            # "a) pristine, b) charged and c) discharged old h-BN cathodes after 30 cycles": when every earlier
            # phrase is one word, the last phrase's first word is its own and the words after it are the
            # run's shared noun (rule 3), whatever word they start with.
            single = all(len(re.sub(r"(?:[,;]|\band|\bor)\s*$", "", strip_marks(
                text[intros[i].end:intros[i + 1].start]).strip()).split()) == 1 for i in range(k, j))
            # (None when a bold marker is in the way; a formula's TeX is one word: "(c) NH$_2$ plotted against …",
            # and so is a percentage or a degree: "uncertainties of (b) 20% and (c) 30% in the x- and y-coordinates")
            word = re.match(r"\s*(?:[\w%°-]|\$[^$\s]*\$)+(?=\s+[\w$(])", own)
            # Not "(B) known, (C) whether the 3D models are …": a phrase that opens a clause is a clause of its own
            # ("(a) before and (b) after heat-treatment at 1000 °C" shares "heat-treatment at 1000 °C").
            if single and word and len(own.split()) >= 3 and \
                    word.group(0).strip().lower() not in _CLAUSE_OPENERS:
                out[j] = (intros[j].end + word.end(), labels)
            elif m and m.start() > 0 and _words(own[:m.start()]) <= 5:
                out[j] = (intros[j].end + m.start(), labels)
        k = j + 1
    return out
