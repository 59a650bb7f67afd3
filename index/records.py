"""Row types shared by every stage.

Stages are generators of these small frozen dataclasses; the database
(`figdex.index.db`) stores them.  They live in ``index/`` so that imports run one
way: cli -> ingest/retrieval -> index/models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What a saved page gave us access to.
ACCESS_FULL = "full"  # full text with figures (or an XML full text)
ACCESS_ABSTRACT = "abstract"  # paywalled landing page: metadata/abstract, maybe thumbnails
ACCESS_DENIED = "denied"  # an access-denied / challenge / error page
# A file cut short (saved while loading, a download that stopped): what it holds is stored, the
# reason is in the article's problems, and a complete copy replaces it (never the other way round).
ACCESS_PARTIAL = "partial"
ACCESS_KINDS = (ACCESS_FULL, ACCESS_ABSTRACT, ACCESS_DENIED, ACCESS_PARTIAL)

# "image": a file from a plain image folder (`figdex ingest-images`): no article, no caption.
FIGURE_KINDS = ("figure", "scheme", "chart", "graphical-abstract", "image")

IMAGE_OK = "ok"  # image file stored in the dataset
IMAGE_MISSING = "missing"  # only the URL is known; the file was not saved beside the page
IMAGE_THUMBNAIL = "thumbnail"  # only a small preview was saved/published
IMAGE_UNREADABLE = "unreadable"  # a file was found but is not a decodable image


@dataclass(frozen=True)
class Article:
    """One article as parsed from a saved page or XML file."""

    source_file: str  # path of the page/XML it came from (as given to ingest)
    publisher: str  # parser family: nature, rsc, acs, jats, elsevier, wiley, springer, ...
    doi: str | None = None  # lower-cased, no "https://doi.org/" prefix
    title: str = ""
    journal: str | None = None
    year: int | None = None
    authors: tuple[str, ...] = ()
    abstract: str = ""
    license: str | None = None  # SPDX-like id when recognisable ("CC-BY-4.0"), else the license text/URL
    open_access: bool | None = None  # None: unknown
    url: str | None = None  # canonical article URL
    access: str = ACCESS_FULL
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """One figure (or scheme) of an article, before image separation."""

    number: int  # 1-based order of this figure within its kind in the article
    label: str  # as printed: "Figure 1", "Fig. 2", "Scheme 1"
    caption: str  # plain text of the legend, without the "Figure 1" label; title sentence included
    kind: str = "figure"  # one of FIGURE_KINDS
    caption_html: str | None = None  # legend markup (keeps <b>a</b> panel labels for caption splitting)
    image_url: str | None = None  # largest published size known (absolute URL when the page gives a base)
    image_file: str | None = None  # local file found beside the page (set by the image resolver)
    image_status: str = IMAGE_MISSING
    # Panel captions the source gives apart from the caption ((label, text), e.g. LaTeX subfigures):
    # used as the caption split as they are, instead of splitting the caption text.
    subcaptions: tuple[tuple[str, str], ...] = ()
    page: int | None = None  # 1-based page of a PDF the figure is printed on (None: pages, XML)


@dataclass(frozen=True)
class ParsedArticle:
    """What a source parser yields per article: the article, its figures and any problems noticed."""

    article: Article
    figures: tuple[Figure, ...] = ()
    problems: tuple[str, ...] = ()  # human-readable notes ("figure 3 has no caption", ...)


@dataclass(frozen=True)
class MasterImage:
    """What one panel label refers to (Master-Dependent-Inset model).

    Until figure separation runs, each figure has one master image covering the whole figure
    with panel label "0" and class "unclassified".
    """

    figure_key: str
    panel: str = "0"
    box: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 in figure pixels
    image_class: str = "unclassified"
    confidence: float | None = None
    subcaption: str = ""
    keywords: tuple[str, ...] = ()
    nm_per_px: float | None = None
    scale_source: str | None = None


@dataclass(frozen=True)
class ScaleBar:
    master_key: str
    box: tuple[int, int, int, int]
    length_px: float
    label_text: str | None = None
    nm: float | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class Hit:
    """One search result: a master image with its score and what to show for it."""

    id: str  # stable, filesystem-safe id of the master image
    score: float
    doi: str | None
    figure: str  # figure label as printed ("Fig. 1")
    label: str  # panel label ("0" when the figure is not separated)
    caption: str
    image: str | None  # path of the stored image file (absolute), None when missing
    title: str = ""
    journal: str | None = None
    year: int | None = None
    license: str | None = None
    image_class: str = "unclassified"
    nm_per_px: float | None = None
    snippet: str = ""
    subcaption: str = ""
    article_url: str | None = None
    image_url: str | None = None
    figure_number: int | None = None
    publisher: str | None = None
    labels: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SubCaption:
    """The part of a caption that describes one panel."""

    label: str  # normalised: "a", "1", "ii", "top"; "0" when the caption names no panels
    text: str  # the panel's own text (shared statements not repeated here)
    keywords: tuple[str, ...] = ()  # query keywords / synonyms found in shared + text
    terms: tuple[str, ...] = ()  # characterization techniques named (canonical names: "TEM", "XRD")


@dataclass(frozen=True)
class CaptionSplit:
    scheme: str  # alpha | ALPHA | digit | roman | position | none
    subcaptions: tuple[SubCaption, ...]
    shared: str = ""  # applies to every panel (title sentence, general notes)

    def full_text(self, label: str) -> str:
        """Shared text + the panel's own text: what describes that panel in full."""
        for sub in self.subcaptions:
            if sub.label == label:
                return " ".join(t for t in (self.shared, sub.text) if t)
        return self.shared
