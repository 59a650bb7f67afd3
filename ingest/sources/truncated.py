"""Files cut short: a page saved while it was still loading, a download that stopped.

Both parsers are lenient (publisher markup is rarely valid), so a file cut at a third still
parses, into an article with a third of its figures or without its DOI.  The ingest pipeline
asks ``truncation_reason`` of every file and stores such articles with access "partial".
"""

from __future__ import annotations

import re
from pathlib import Path

# The first element of a file: after a BOM, XML declaration, comments and a DOCTYPE.
_ROOT_TAG = re.compile(rb"(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^>\[]|\[.*?\])*>)*<([A-Za-z_][\w:.-]*)", re.S | re.I)
_HTML_ROOTS = {"html", "head", "body", "meta", "title", "link", "script", "style", "div", "p", "base"}
_TAIL_BYTES = 65536


def truncation_reason(path: Path) -> str | None:
    """Why a saved page or XML file was cut short, or None when it ends as a complete one does.

    A complete HTML page closes ``</body>`` or ``</html>`` (scripts may follow, hence the long
    tail read); a complete XML file ends with its root element's end tag.
    Pages without an ``<html>`` element have no such mark and are never called truncated.
    """
    with open(path, "rb") as fh:
        head = fh.read(65536)
        size = fh.seek(0, 2)
        fh.seek(max(0, size - _TAIL_BYTES))
        tail = fh.read()
    if head.lstrip()[:5] == b"%PDF-":
        # A complete PDF ends with %%EOF (an incremental update appends another, also at the end).
        if b"%%EOF" in tail[-1024:]:
            return None
        return (f"{path}: truncated: the PDF ends after {size} bytes without %%EOF, so pages or figures may be "
                "missing; download it again and ingest the complete copy (it replaces this one)")
    m = _ROOT_TAG.match(head.removeprefix(b"\xef\xbb\xbf"))
    if not m:
        return None
    root = m.group(1)
    name = root.decode("ascii", "replace")
    if name.lower() in _HTML_ROOTS:
        if name.lower() != "html" or re.search(rb"</(?:html|body)\s*>", tail, re.I):
            return None
        expected = "</html>"
    else:
        self_closed = re.match(rb"<" + re.escape(root) + rb"\b[^>]*/>\s*$", head[m.start(1) - 1:].strip())
        if self_closed or re.search(rb"</" + re.escape(root) + rb"\s*>(?:\s|<!--.*?-->|<\?.*?\?>)*$", tail, re.S):
            return None
        expected = f"</{name}>"
    return (f"{path}: truncated: the file ends after {size} bytes without {expected}, so part of the article is "
            "missing; save or download it again and ingest the complete copy (it replaces this one)")
