"""Captions given as LaTeX source (a manuscript's or an arXiv source's ``\\caption{...}``): the text as printed,
and the bold label lists the markup carries ("\\textbf{A-C} Raster plots ...") kept as figdex's bold markers.  Part
of the caption splitter (``split.split_caption`` calls both before it reads any label)."""

from __future__ import annotations

import re

from figdex.ingest.sources.common import MARK_END, MARK_START

# A caption given as LaTeX source (a manuscript's or an arXiv source's \caption{...}): a control word
# such as \textbf{a}, \ce{SnO2} or \emph.  Plain captions hold no backslash before letters.
_LATEX_MARKUP = re.compile(r"\\[A-Za-z]{2,}")


def printed_text(caption: str, source: str | None = None) -> str:
    """``caption`` as printed when it is given as LaTeX source; any other caption unchanged.  ``source``, when
    given, is the caption before figdex's own edits (bold label markers): it decides whether this is LaTeX, as
    those edits may have removed its only macro ("$\\textbf{g}_1$" would keep its "$" and "_")."""
    if not _LATEX_MARKUP.search(caption if source is None else source):
        return caption
    from figdex.ingest.sources.latex import latex_to_text

    # A bare "%" is a percent sign here (Markdown captions with TeX math: "99% confidence"), never a
    # comment that would drop the rest of the caption.
    return latex_to_text(re.sub(r"(?<!\\)%", r"\\%", caption))


# "\textbf{A-C} Raster plots ...": a label list in LaTeX bold, kept as bold markers (as "<b>" is from HTML); once
# the markup is gone a bare range before a capitalised word is read as no label (procedural_paper Fig. 3).
_LATEX_BOLD_LABEL = re.compile(r"\\textbf\{\s*([A-Za-z](?:\s*(?:,|-{1,2}|–|—)\s*[A-Za-z])*)\s*\}")
# "\textbf{Benchmarking MAGNET. a}, \textbf{b}, ...": a Nature-style bold title that ends with a sentence stop and the
# first label list in the same bold group; the group is split so that the label list is one of its own.
_LATEX_BOLD_TITLE_LABEL = re.compile(
    r"\\textbf\{([^{}]*?[.:])\s+([A-Za-z](?:\s*(?:,|-{1,2}|–|—)\s*[A-Za-z])*)\s*\}")
# TeX math: a bold letter in it is a symbol ("$\\textbf{g}_1$", a diffraction vector), never a panel label.
_LATEX_MATH = re.compile(r"(?<!\\)\$\$.*?(?<!\\)\$\$|(?<!\\)\$.*?(?<!\\)\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)


def latex_bold_labels(caption: str) -> str:
    """LaTeX bold label lists outside math turned into bold markers; any other caption unchanged."""
    if not _LATEX_MARKUP.search(caption):
        return caption

    def marked(part: str) -> str:
        part = _LATEX_BOLD_TITLE_LABEL.sub(lambda b: f"\\textbf{{{b.group(1)}}} \\textbf{{{b.group(2)}}}", part)
        return _LATEX_BOLD_LABEL.sub(lambda b: f"{MARK_START}{b.group(1)}{MARK_END}", part)

    out, last = [], 0
    for m in _LATEX_MATH.finditer(caption):
        out += [marked(caption[last:m.start()]), m.group()]
        last = m.end()
    return "".join(out) + marked(caption[last:])
