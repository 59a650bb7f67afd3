"""The body paragraphs of an article, read again from its saved page or XML for the label models.

The parsers keep what figdex stores per article (metadata, abstract, figures); the label
models also learn from the running text, which is only needed when they are trained.  So
the paragraphs are extracted on demand, from whatever page/XML the article came from, and
cached in ``article_texts`` with the file's hash.  Paragraphs inside figures, tables,
reference lists, navigation and page chrome are skipped.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from figdex.ingest.sources.common import clean_text, load_html, load_xml, local_name

EXTRACTOR = "figdex-body-1"
MAX_CHARS = 300_000  # one article; longer bodies are supplements pasted into the page
_SKIP_XML = {"caption", "fig", "table-wrap", "ref-list", "back", "abstract", "floats-group", "figure", "table",
             "bibliography", "acknowledgment", "ack", "float-anchor", "display", "front", "head"}
_SKIP_HTML_TAGS = {"figure", "figcaption", "nav", "header", "footer", "aside", "table", "script", "style"}
_SKIP_HTML_WORDS = ("figure", "caption", "reference", "bibliograph", "footer", "header", "nav", "cookie",
                    "related", "recommend", "citation", "author-info", "c-article-references", "banner")


def extract_body(path: Path) -> str:
    """Body paragraphs joined by blank lines ('' when the file holds none)."""
    name = path.name.lower()
    if name.endswith((".xml", ".nxml")):
        return _clip(_xml_paragraphs(path))
    return _clip(_html_paragraphs(path))


def _clip(paragraphs: list[str]) -> str:
    text = "\n\n".join(p for p in paragraphs if len(p) >= 40)
    return text[:MAX_CHARS]


def _xml_paragraphs(path: Path) -> list[str]:
    root = load_xml(path)
    out = []
    for el in root.iter():
        if not isinstance(el.tag, str) or local_name(el) not in ("p", "para", "simple-para"):
            continue
        if any(isinstance(a.tag, str) and local_name(a) in _SKIP_XML for a in el.iterancestors()):
            continue
        if any(isinstance(a.tag, str) and local_name(a) in ("p", "para") for a in el.iterancestors()):
            continue  # nested paragraph: its text is already in the outer one
        out.append(clean_text("".join(el.itertext())))
    return out


def _skipped_html(el) -> bool:
    for a in el.iterancestors():
        if a.tag in _SKIP_HTML_TAGS:
            return True
        marks = f"{a.get('class', '')} {a.get('id', '')} {a.get('role', '')}".lower()
        if any(w in marks for w in _SKIP_HTML_WORDS):
            return True
    return False


def _html_paragraphs(path: Path) -> list[str]:
    doc = load_html(path)
    out = []
    for el in doc.iter("p"):
        if _skipped_html(el):
            continue
        try:
            out.append(clean_text(el.text_content()))
        except (ValueError, etree.LxmlError):
            continue
    return out
