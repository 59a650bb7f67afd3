"""Two panels described in one phrase, the second as a bracketed alternative: "\\textbf{a} (\\textbf{c}), PDFs … of the
New Zealand (Japan) data set" (a for New Zealand, c for Japan).  Part of the caption splitter: ``split.split_caption``
reads such a bold label with a bold label in brackets after it as the list of both, so both get the phrase."""

from __future__ import annotations

import re

from figdex.ingest.sources.common import MARK_END, MARK_START

# A bold single label, then the alternative's bold single label alone in brackets.
_ALTERNATIVE = re.compile(f"{MARK_START}\\s*([A-Za-z])\\s*{MARK_END}\\s*\\(\\s*{MARK_START}\\s*([A-Za-z])\\s*{MARK_END}\\s*\\)")


def alternative_labels(text: str) -> str:
    """``text`` (with figdex's bold markers) with each "a (c)" of bold labels made the bold list "a, c"."""
    return _ALTERNATIVE.sub(lambda m: f"{MARK_START}{m.group(1)}, {m.group(2)}{MARK_END}", text)
