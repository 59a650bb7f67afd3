"""Loading saved pages and XML files into lxml trees: decoding, parsing, and the bounds on both."""

from __future__ import annotations

import io
import re
from pathlib import Path

from lxml import etree, html

from figdex.ingest.sources.base import SourceError
from figdex.limits import MAX_MARKUP_DEPTH


def load_html(path: Path) -> html.HtmlElement:
    """Parse a saved page leniently (publisher markup is rarely valid)."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise SourceError(f"{path}: the file is empty; save the page again or remove it from the input")
    try:
        doc = html.document_fromstring(decode_markup(data))
    except (etree.ParserError, ValueError) as exc:
        raise SourceError(f"{path}: not readable as HTML ({exc}); save the page as HTML") from exc
    check_depth(doc, path)  # libxml2 drops whatever lies below 256 levels: the page would lose figures
    return doc


_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def decode_markup(data: bytes) -> str:
    """Decode page bytes to text.

    Saved pages often lose or misstate their charset (BeautifulSoup re-serialisation,
    "save as"), and libxml2's guess then turns UTF-8 "50\u2009nm" into mojibake.  UTF-8 is
    tried first because it almost never decodes non-UTF-8 data by accident.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        m = _CHARSET.search(data[:4096])
        enc = m.group(1).decode("ascii", "replace") if m else "cp1252"
        try:
            text = data.decode(enc, errors="replace")
        except LookupError:
            text = data.decode("cp1252", errors="replace")
    # lxml refuses str input that carries an encoding declaration.
    return _XML_DECL.sub("", text, count=1)


def load_xml(path: Path) -> etree._Element:
    """Parse an XML file without fetching DTDs or entities (offline and safe)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, recover=True, huge_tree=True
    )
    try:
        data = no_surrogate_refs(Path(path).read_bytes())
        root = etree.parse(io.BytesIO(data), parser, base_url=str(path)).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        raise SourceError(f"{path}: not readable as XML ({exc}); check that the file is complete") from exc
    if root is None:
        raise SourceError(f"{path}: no XML content; check that the file is complete")
    check_depth(root, path)
    return root


_CHAR_REF = re.compile(rb"&#([xX][0-9a-fA-F]{1,16}|[0-9]{1,20});")


def no_surrogate_refs(data: bytes) -> bytes:
    """Character references to UTF-16 surrogates (``&#xD800;``, which XML forbids) as U+FFFD.

    In recover mode libxml2 writes such a reference into the tree as bytes that are not UTF-8,
    and lxml then raises UnicodeDecodeError on the element's text, far from the parser."""
    def fix(m: re.Match) -> bytes:
        ref = m.group(1)
        code = int(ref[1:], 16) if ref[:1] in b"xX" else int(ref)
        return b"&#xFFFD;" if 0xD800 <= code <= 0xDFFF else m.group(0)

    return _CHAR_REF.sub(fix, data) if b"&#" in data else data


def check_depth(root, path: Path) -> None:
    """Refuse a tree nested deeper than MAX_MARKUP_DEPTH: text extraction walks it recursively, and
    no real article comes near (the deepest of the corpora is 39 levels)."""
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_MARKUP_DEPTH:
            raise SourceError(f"{path}: elements nested deeper than {MAX_MARKUP_DEPTH} levels (no article is); "
                              "the file is damaged or not an article: download it again or remove it from the input")
