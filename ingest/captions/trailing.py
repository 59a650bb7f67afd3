"""Where a caption's sentences without panel labels go, when no label says so.

Split out of split.py (which holds the distribution itself): the decisions here are about
sentences that name no panel, after the last panel's text or between two panels' texts.
"""

from __future__ import annotations

import re

SHARED_START = re.compile(r"^(?:error\s+bars?|data\s+(?:are|represent|shown)|(?:the\s+)?values?\s+are|"
                          r"mean\s*±|\*+\s*p\s*[<=])", re.I)

# Words that make a trailing sentence a note on the whole figure.
FIGURE_NOTE = re.compile(r"\b(?:representative|all\s+(?:images|panels|micrographs|data|values|experiments)|"
                         r"each\s+(?:panel|image|group)|"
                         r"(?:these|the|all|both)\s+(?:images|panels|figures|plots|graphs|spectra|maps|curves|data)\b|"
                         r"^(?:the|these|all|both)\s+(?:results|simulations|calculations|measurements)\b|"
                         r"^(?!(?:However|Here|Thus|Therefore|Hence|Lastly|Finally|Also|Similarly|Moreover|Furthermore|"
                         r"Additionally|Again|Then|Next|Notably|Importantly|Overall|Together|Conversely|Instead|"
                         r"Meanwhile|Indeed|Consequently)\b)[A-Z][A-Za-z0-9+\-]{1,7}[,:]\s+[a-z]|"
                         r"scale\s+bars?|error\s+bars?|abbreviations?|mean\s*(?:±|\+/?-|values?)|s\.?d\.?\b|s\.?e\.?m\.?\b|"
                         r"standard\s+(?:deviation|error)|independent\s+experiments|p\s*[<>]|"
                         r"significance|statistical(?:ly)?\s+(?:analys|test|significan)|unless\s+otherwise|"
                         r"(?:biological|technical|independent)\s+replicates|each\s+(?:chart|graph|plot|bar)\b|"
                         r"magnification|bar\s*=|arrows?|arrowheads?|asterisks?|insets?|see\s+also\s+(?:fig|supp|table))",
                         re.I)


def is_figure_note(body: str, scale_start: re.Pattern) -> bool:
    """Whether a sentence after the last panel's own text speaks of the whole figure ("Images are
    representative of …", "Scale bars …", "Data are mean ± SD", an aside wholly in brackets)."""
    aside = body.startswith(("(", "[")) and body.rstrip(".").endswith((")", "]"))
    return bool(FIGURE_NOTE.search(body) or SHARED_START.match(body) or scale_start.match(body) or aside)
