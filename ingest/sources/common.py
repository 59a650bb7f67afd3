"""Helpers every source parser shares: markup loading, text clean-up, DOI and licence normalisation."""

from __future__ import annotations

import copy
import re
from urllib.parse import urljoin

from lxml import etree

from figdex.index.records import IMAGE_MISSING, Figure
# Loading markup lives in markup.py; the parsers take it from here with the other helpers.
from figdex.ingest.sources.markup import check_depth, decode_markup, load_html, load_xml  # noqa: F401

_WS = re.compile(r"\s+")
# A DOI's suffix may hold almost any printable character, but not a URL's query or fragment
# delimiter: "10.1039/c6ob02074g#/" (a link to the page's top) and "...?download=true" are the DOI
# before it.
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>#?&]+)", re.I)


def clean_text(text: str | None) -> str:
    """Collapse whitespace (incl. thin/no-break spaces) and trim."""
    if not text:
        return ""
    text = text.replace("\u2009", " ").replace("\u00a0", " ").replace("\u200a", " ").replace("\u00ad", "")
    return _WS.sub(" ", text).strip()


# Elements that separate words; inline ones (<b>, <sub>, <i>) must not, or "Ag<sub>2</sub>S"
# would read "Ag 2 S" and "(<b>a</b>)" would read "( a )".
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
    "table", "figcaption", "figure", "section", "title", "caption", "para", "label", "dd", "dt",
    "blockquote", "header", "footer", "article", "simple-para", "list-item",
}


def _local_name(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


MARK_START, MARK_END = "\x01", "\x02"


def element_text(el, mark: frozenset[str] = frozenset()) -> str:
    """Visible text of an element: inline markup joined tightly, blocks separated, whitespace collapsed.

    The text of elements whose tag is in ``mark`` is wrapped in MARK_START/MARK_END, so that
    callers (caption splitting) know which words the markup set apart, e.g. bold panel labels.
    """
    if el is None:
        return ""
    parts: list[str] = []

    def walk(node) -> None:
        name = _local_name(node.tag)
        if name in ("script", "style", "noscript"):
            if node is not el and node.tail:
                parts.append(node.tail)
            return
        block = name in _BLOCK_TAGS
        marked = name in mark and node is not el
        if block:
            parts.append(" ")
        if marked:
            parts.append(MARK_START)
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            walk(child)
        if marked:
            parts.append(MARK_END)
        if block:
            parts.append(" ")
        if node is not el and node.tail:
            parts.append(node.tail)

    walk(el)
    return clean_text("".join(parts))


def inner_markup(el) -> str:
    """The element's children serialised as HTML (the element's own tag dropped)."""
    parts = [el.text or ""]
    for child in el:
        parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=True))
    return clean_text("".join(parts))


def normalize_doi(value: str | None) -> str | None:
    if not value:
        return None
    m = _DOI.search(value.strip())
    if not m:
        return None
    doi = m.group(1).rstrip(".,;)")
    return doi.lower()


def find_doi(text: str) -> str | None:
    return normalize_doi(text)


def parse_year(value: str | None) -> int | None:
    if not value:
        return None
    m = re.search(r"\b(1[89]\d\d|20\d\d)\b", value)
    return int(m.group(1)) if m else None


_LICENSES = [
    # (pattern on URL or text, normalised id); first match wins, so the specific ones come first.
    (r"creativecommons\.org/licenses/by-nc-nd/(\d\.\d)|CC[ -]BY[ -]NC[ -]ND[ -]?(\d\.\d)?", "CC-BY-NC-ND"),
    (r"creativecommons\.org/licenses/by-nc-sa/(\d\.\d)|CC[ -]BY[ -]NC[ -]SA[ -]?(\d\.\d)?", "CC-BY-NC-SA"),
    (r"creativecommons\.org/licenses/by-nc/(\d\.\d)|CC[ -]BY[ -]NC[ -]?(\d\.\d)?", "CC-BY-NC"),
    (r"creativecommons\.org/licenses/by-sa/(\d\.\d)|CC[ -]BY[ -]SA[ -]?(\d\.\d)?", "CC-BY-SA"),
    (r"creativecommons\.org/licenses/by/(\d\.\d)|CC[ -]BY[ -]?(\d\.\d)?(?![ -]?N)", "CC-BY"),
    (r"creativecommons\.org/publicdomain/zero|CC0", "CC0-1.0"),
    (r"Creative Commons Attribution[- ]NonCommercial[- ]NoDerivs?", "CC-BY-NC-ND"),
    (r"Creative Commons Attribution[- ]NonCommercial", "CC-BY-NC"),
    (r"Creative Commons Attribution(?: (\d\.\d))?", "CC-BY"),
    (r"public domain", "public-domain"),
]

OPEN_LICENSES = ("CC-BY", "CC0", "public-domain")


def normalize_license(value: str | None) -> str | None:
    """Map a licence URL or statement to a short id ("CC-BY-4.0"); keep other text as it is."""
    text = clean_text(value)
    if not text:
        return None
    for pattern, ident in _LICENSES:
        m = re.search(pattern, text, re.I)
        if m:
            version = next((g for g in m.groups() if g), None) if m.groups() else None
            if version is None:
                vm = re.search(r"\b([1-4]\.0)\b", text)
                version = vm.group(1) if vm and ident.startswith("CC-") else None
            return f"{ident}-{version}" if version and ident.startswith("CC-") else ident
    return text[:200]


def is_open_license(license_id: str | None) -> bool:
    """True for licences that allow redistribution of the figures (CC-BY family, CC0, public domain)."""
    if not license_id:
        return False
    return license_id.startswith(OPEN_LICENSES)


def absolute_url(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if url.startswith("//"):
        return "https:" + url
    if base and not re.match(r"^[a-z]+://", url):
        return urljoin(base, url)
    return url


def meta_content(doc, name: str) -> str | None:
    """First ``<meta name=... content=...>`` (or property=) value."""
    for attr in ("name", "property"):
        vals = doc.xpath(f"//meta[@{attr}=$n]/@content", n=name)
        for v in vals:
            if v and v.strip():
                return clean_text(v)
    return None


def meta_contents(doc, name: str) -> list[str]:
    return [clean_text(v) for v in doc.xpath("//meta[@name=$n]/@content", n=name) if v and v.strip()]


_FIG_LABEL = re.compile(r"^\s*((?:Supplementary\s+)?(?:Fig(?:ure)?s?\.?|Scheme|Chart)\s*S?\d+[A-Za-z]?)[\s.:|\u2014\u2013-]*", re.I)


def split_figure_label(text: str) -> tuple[str | None, str]:
    """Split "Figure 2. Caption..." into ("Figure 2", "Caption...")."""
    m = _FIG_LABEL.match(text)
    if not m:
        return None, text
    return clean_text(m.group(1)), clean_text(text[m.end():])


def figure_kind(label: str | None) -> str:
    low = (label or "").lower()
    if low.startswith("scheme"):
        return "scheme"
    if low.startswith("chart"):
        return "chart"
    return "figure"


def label_number(label: str | None, default: int) -> int:
    m = re.search(r"(\d+)", label or "")
    return int(m.group(1)) if m else default


def expand_entities(root) -> None:
    """Replace entity references left unresolved (``&ndash;`` without the DTD) by their characters.

    ``load_xml`` does not read DTDs, so publisher XML using HTML entity names keeps them as
    entity nodes whose text is skipped when flattening ("Li&ndash;S" would read "LiS").
    """
    from html.entities import html5

    for ent in list(root.iter(etree.Entity)):
        name = ent.text[1:-1] if ent.text else ""
        if name.startswith("#"):
            try:
                char = chr(int(name[2:], 16) if name[1:2] in "xX" else int(name[1:]))
            except ValueError:
                char = ""
        else:
            char = html5.get(name + ";", html5.get(name, ""))
        ent.tail = char + (ent.tail or "")
        _remove_keep_tail(ent)


def local_name(el) -> str:
    """Lower-case tag name without namespace or unbound prefix; "" for comments and PIs."""
    return _local_name(el.tag)


def xml_text(el, skip=frozenset()) -> str:
    """``element_text`` of an XML element with the ``skip`` elements (local names) left out."""
    if el is None:
        return ""
    if not skip:
        return element_text(el)
    dup = copy.deepcopy(el)
    dup.tail = None
    for node in [n for n in dup.iterdescendants() if local_name(n) in skip]:
        _remove_keep_tail(node)
    return element_text(dup)


def xml_markup(el, rename=None, skip=frozenset()) -> str:
    """Inner markup of an XML element as simple HTML: namespaces and attributes dropped,
    tags renamed by ``rename`` (e.g. {"bold": "b"}), ``skip`` elements removed (tail kept)."""
    if el is None:
        return ""
    rename = rename or {}
    dup = copy.deepcopy(el)
    dup.tail = None
    for node in list(dup.iter()):
        name = local_name(node)
        if node is not dup and (not name or name in skip):
            _remove_keep_tail(node)
            continue
        try:
            node.tag = rename.get(name, name)
        except ValueError:  # a name recover mode kept but lxml refuses to set ("xocs:3sid"): a plain span
            node.tag = "span"
        node.attrib.clear()
    etree.cleanup_namespaces(dup)
    return inner_markup(dup)


def _remove_keep_tail(el) -> None:
    """Remove an element but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _text_slots(el):
    """(element, "text"|"tail") in reading order; comments contribute only their tail."""
    if isinstance(el.tag, str):
        yield el, "text"
        for child in el:
            yield from _text_slots(child)
    yield el, "tail"


def _strip_label(el) -> None:
    for node, slot in _text_slots(el):
        if slot == "tail" and node is el:
            return
        text = getattr(node, slot) or ""
        if not text.strip():
            continue
        m = _FIG_LABEL.match(text.replace("\u00a0", " "))
        if not m:
            return  # the label is split across elements; keep the markup as it is
        setattr(node, slot, text[m.end():])
        # An element that held only the label ("<b>Fig. 1 </b>") would be left empty,
        # and so might its wrappers.
        while slot == "text" and node is not el and len(node) == 0 and not (node.text or "").strip():
            parent = node.getparent()
            _remove_keep_tail(node)
            node = parent
        return


def caption_parts(el, drop: str | None = None) -> tuple[str | None, str, str]:
    """Label, plain caption and caption markup of a legend element, the label removed from both.

    ``drop`` is an XPath (relative to ``el``) for parts that are not legend text, such as
    "Open figure" / "Download slide" link lists.  The page tree is not modified.
    """
    el = copy.deepcopy(el)
    el.tail = None
    if drop:
        for bad in el.xpath(drop):
            _remove_keep_tail(bad)
    # Script links (reference pop-ups, ontology look-ups) are page behaviour, not legend markup.
    for a in el.xpath(".//a[@href or @onclick]"):
        scripted = a.get("onclick") or a.get("href", "").strip().lower().startswith("javascript:")
        if scripted and hasattr(a, "drop_tag"):  # lxml.html elements; XML trees have no such links
            a.drop_tag()
    label, caption = split_figure_label(element_text(el))
    if label:
        _strip_label(el)
    return label, caption, inner_markup(el)


class FigureCollector:
    """Builds a parser's Figure list: per-kind numbering, repeats dropped, gaps noted.

    Pages repeat figures (figure viewers, tab panes); the first copy in document order wins.
    """

    def __init__(self, problems: list[str], image_status: str = IMAGE_MISSING):
        self.problems = problems
        self.image_status = image_status
        self.figures: list[Figure] = []
        self._order: dict[str, int] = {}
        self._seen: set[tuple[str, int]] = set()

    def add(self, label: str | None, caption: str, caption_html: str | None,
            image_url: str | None, kind: str | None = None) -> Figure | None:
        kind = kind or figure_kind(label)
        self._order[kind] = self._order.get(kind, 0) + 1
        number = label_number(label, self._order[kind]) if label else self._order[kind]
        if (kind, number) in self._seen:
            self._order[kind] -= 1
            return None
        self._seen.add((kind, number))
        if not label:
            label = "Graphical abstract" if kind == "graphical-abstract" else f"{kind.title()} {number}"
            if kind != "graphical-abstract":
                self.problems.append(f"{label}: no label on the page; numbered by position")
        if not caption and kind != "graphical-abstract":
            self.problems.append(f"{label}: no caption on the page")
        if not image_url:
            self.problems.append(f"{label}: no image URL on the page")
        fig = Figure(number=number, label=label, caption=caption, kind=kind,
                     caption_html=caption_html or None, image_url=image_url,
                     image_status=self.image_status)
        self.figures.append(fig)
        return fig


# Titles and markers of pages that a bot check, paywall proxy or error handler served instead
# of the article.  Titles alone are decisive.  Body markers count only on short pages without
# article metadata: Cloudflare injects its challenge script into ordinary article pages too.
_DENIED_TITLE = re.compile(
    r"^(access denied|just a moment|attention required|are you a robot|captcha|security check"
    r"|request rejected|403 forbidden|error 403|forbidden|too many requests|validate user"
    r"|human verification|verify you are human|pardon our interruption|bot verification"
    r"|radware|you have been blocked|unauthorized|page not found|404 not found)",
    re.I,
)
_DENIED_BODY = re.compile(
    r"cf-browser-verification|challenge-platform|cf_chl_|checking your browser|g-recaptcha"
    r"|h-captcha|hcaptcha|enable javascript and cookies to continue|you don't have permission to access"
    r"|perfdrive|captcha-delivery|distil_r_captcha",
    re.I,
)
_ARTICLE_META = (
    "//meta[translate(@name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    " = 'citation_title' or translate(@name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    " = 'dc.title']"
)


def access_denied_reason(doc) -> str | None:
    """Why a loaded page is an access-denied / challenge / error page instead of an article, or None."""
    title = clean_text(" ".join(doc.xpath("//title//text()")))
    if _DENIED_TITLE.match(title):
        return f"the page is a blocked-access page (title {title!r})"
    body = doc.xpath("//body")
    if doc.xpath(_ARTICLE_META) or not body or len(element_text(body[0])) > 3000:
        return None
    m = _DENIED_BODY.search(etree.tostring(body[0], encoding="unicode"))
    if m:
        return f"the page is a bot check or access-denied page ({m.group(0)!r})"
    return None
    body = doc.xpath("//body")
    markup = etree.tostring(body[0], encoding="unicode") if body else ""
    m = _DENIED_BODY.search(markup)
    if m:
        return f"the page is a bot check or access-denied page ({m.group(0)!r})"
    return None


def license_open_access(license_id: str | None) -> bool | None:
    """Open-access flag from a licence id: any Creative Commons licence or public domain is open
    access (NC/ND included); a copyright line is not; None when nothing is known.
    Whether figures may be redistributed is ``is_open_license``."""
    if license_id is None:
        return None
    return license_id.startswith(("CC-", "CC0")) or is_open_license(license_id)


_COLOR_ONLINE = re.compile(r"\(?\s*colou?r online\s*\)?\.?", re.I)


def printed_label(raw_label: str | None) -> tuple[str | None, str]:
    """(label, rest) of a printed figure label such as "FIG. 2. (Color online)" -> ("FIG. 2", "").

    ``rest`` is label text after the number that belongs to the caption; the "(Color online)"
    print note is dropped.  Labels that are no figure label ("Plate 1.") keep their text.
    """
    raw_label = clean_text(raw_label)
    if not raw_label:
        return None, ""
    label, rest = split_figure_label(raw_label)
    if label is None:
        return raw_label.rstrip(".:| "), ""
    return label, "" if _COLOR_ONLINE.fullmatch(rest) else rest


def canonical_url(doc) -> str | None:
    """The page's own address as it declares it: ``<link rel="canonical">``, else ``og:url``."""
    for value in doc.xpath('//link[@rel="canonical"]/@href') + doc.xpath('//meta[@property="og:url"]/@content'):
        if value.strip().startswith(("http://", "https://")):
            return value.strip()
    return None
