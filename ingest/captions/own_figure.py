"""A caption that names its own panels through its own figure ("Figure 5a shows …, while Fig. 5b …"; in LaTeX
source "Figure \\ref{fig:x}a shows …" where ``fig:x`` is this figure's label): the references are this figure's
panel labels, rewritten as bracketed labels ("(a) shows …") before the splitter reads them.  Part of the caption
splitter (``split.split_caption`` calls it first).

Only references to a figure the caller names as this one (``own``: its number as printed, "5" or "S2", or its
LaTeX label) and LaTeX labels set in the caption itself (``\\label{fig:x}``) count: "as in Fig. 3b" names another
figure's panel and is left as it is (rule 6).  When no LaTeX label of this figure is known (a manuscript's
``\\label`` stands after ``\\caption``, and a caller may not pass it), a reference that walks through the panels in
order and the caption's only panel names ("Figure \\ref{fig:x}a shows …, while Fig. \\ref{fig:x}b shows …": one
key, letters a, b, … each once, two at least, and no other label in the caption) is taken as this figure's own:
a caption does not describe another figure panel by panel."""

from __future__ import annotations

import re
from collections.abc import Iterable

_LABEL = re.compile(r"\\label\{([^{}]+)\}")
_FIGURE_WORD = r"(?i:fig(?:ure)?s?\.?)"
# The panel letters right after the figure's number or reference: "5a", "5A", "5(a)", "5a,b", "5a-c" (a letter
# followed by a letter or digit is a word or a sub-panel, "5ab" or "5a1", and is left alone).
_PANELS = r"(?:\s?\(\s*(?P<inner>[A-Za-z])\s*\)|(?P<bare>[A-Za-z](?:[,\-–][A-Za-z])*)(?![A-Za-z0-9]))"


def figure_names(label: str | None) -> tuple[str, ...]:
    """The number a figure's label prints ("Figure 5" -> "5", "Fig. S2" -> "S2"); () when it prints none."""
    m = re.search(r"\b(S?\d+)\s*[.:]?\s*$", (label or "").strip())
    return (m.group(1),) if m else ()


def own_panel_references(caption: str, own: Iterable[str] = ()) -> str:
    """``caption`` with its references to its own figure's panels written as bracketed labels ("Figure
    \\ref{fig:x}a shows" -> "(a) shows"); unchanged when no name of this figure is known."""
    numbers = {n.strip() for n in own if n and re.fullmatch(r"S?\d+", n.strip())}
    labels = {n.strip() for n in own if n and n.strip() and n.strip() not in numbers} | set(_LABEL.findall(caption))
    if not labels:
        labels = _walked_reference(caption)
    parts = []
    if labels:
        alt = "|".join(re.escape(n) for n in sorted(labels, key=len, reverse=True))
        # The word "Figure" is optional before a reference (\autoref and \cref print it themselves).
        parts.append(rf"(?:{_FIGURE_WORD}\s*~?\s*)?\\(?:ref|autoref|cref|Cref)\{{(?:{alt})\}}")
    if numbers:
        alt = "|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True))
        parts.append(rf"\b{_FIGURE_WORD}\s*~?\s*(?:{alt})")  # a bare "5a" is no figure reference
    if not parts:
        return caption
    pattern = re.compile(rf"(?:{'|'.join(parts)}){_PANELS}")

    def bracketed(m: re.Match) -> str:
        return f"({m.group('inner') or m.group('bare')})"

    return pattern.sub(bracketed, caption)


_REF_PANEL = re.compile(rf"\\(?:ref|autoref|cref|Cref)\{{([^{{}}]+)\}}{_PANELS}")
# A panel label of the caption's own: "(a)" / "a)" / "(A,B)" or a LaTeX bold letter ("\\textbf{a}").
_OWN_MARK = re.compile(r"(?:^|[\s(])\(?[A-Za-z](?:\s*[,\-–]\s*[A-Za-z])*\)|\\textbf\{\s*[A-Za-z]\s*[},\-–]")


def _walked_reference(caption: str) -> set[str]:
    """{key} when one LaTeX reference key is followed by the panel letters a, b, … in order, each once (two at least),
    and the caption marks no panel of its own; else an empty set."""
    found = [(m.group(1), m.group("inner") or m.group("bare")) for m in _REF_PANEL.finditer(caption)]
    keys = {k for k, _ in found}
    if len(keys) != 1 or len(found) < 2 or _OWN_MARK.search(_REF_PANEL.sub(" ", caption)):
        return set()
    letters = [p for _, p in found]
    if any(len(p) != 1 for p in letters):
        return set()
    first = "a" if letters[0].islower() else "A"
    return keys if letters == [chr(ord(first) + i) for i in range(len(letters))] else set()
