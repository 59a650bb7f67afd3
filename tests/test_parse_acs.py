"""ACS pages: 2016 Literatum markup (full text and access denial) and a 2023 browser save.

The two CC-BY pages are in the bundled demo corpus; the subscription page is read from ../shared/corpus.
"""

from pathlib import Path

import pytest

from figdex.index.records import ACCESS_ABSTRACT, ACCESS_FULL, IMAGE_MISSING, IMAGE_THUMBNAIL
from figdex.ingest.sources.acs import ACSParser
from figdex.ingest.sources.base import detect_parser
from tests.conftest import DEMO, shared_path

JMEDCHEM = "cde2/acs/acs.jmedchem.6b00723.html"
ABSTRACT = "cde2/acs/acs.abstract.html"
TOLAND = "chemhtmlparser/acs/Toland.et.al.2023.html"
LARGE_2016 = (
    "https://pubs.acs.org/appl/literatum/publisher/achs/journals/content/jmcmar/0/jmcmar.ahead-of-print/"
    "acs.jmedchem.6b00723/20160901/images/large/"
)


def corpus_file(rel: str) -> Path:
    """The demo copy of an open-licence page when bundled, else the ../shared/corpus original."""
    demo = DEMO / "acs" / Path(rel).name
    return demo if demo.exists() else shared_path(rel)


def parse(path: Path):
    parser = detect_parser(path)
    assert parser is not None and parser.name == "acs", path
    (item,) = list(parser.parse(path))
    return item


def test_2016_full_text_metadata():
    art = parse(corpus_file(JMEDCHEM)).article
    assert art.publisher == "acs" and art.doi == "10.1021/acs.jmedchem.6b00723"
    assert art.title.startswith("Discovery of a Quinoline-4-carboxamide Derivative with a Novel Mechanism")
    assert art.journal == "Journal of Medicinal Chemistry" and art.year == 2016
    assert len(art.authors) == 27 and art.authors[0] == "Beatriz Baragaña"
    assert art.abstract.startswith("The antiplasmodial activity, DMPK properties, and efficacy")
    # ACS Editors' Choice: "open access article published under a Creative Commons Attribution (CC-BY) License".
    assert art.license == "CC-BY" and art.open_access is True
    assert art.access == ACCESS_FULL
    assert art.url == "https://pubs.acs.org/doi/10.1021/acs.jmedchem.6b00723"


def test_2016_figures_schemes_and_large_images():
    item = parse(corpus_file(JMEDCHEM))
    got = [(f.kind, f.number, f.label) for f in item.figures]
    assert got == [
        ("graphical-abstract", 1, "Graphical abstract"),
        ("figure", 1, "Figure 1"),
        ("scheme", 1, "Scheme 1"),
        ("scheme", 2, "Scheme 2"),
        ("scheme", 3, "Scheme 3"),
        ("figure", 2, "Figure 2"),
    ]
    fig1 = item.figures[1]
    assert fig1.caption.startswith("Key data for screening hit 1 and preclinical candidate 2.")
    assert "<b>1</b>" in fig1.caption_html and "Figure 1" not in fig1.caption_html
    # The page shows images/small/*.gif; the figure viewer script lists the large JPEG.
    assert fig1.image_url == LARGE_2016 + "jm-2016-00723u_0002.jpeg"
    assert item.figures[0].image_url == LARGE_2016 + "jm-2016-00723u_0017.jpeg"
    # A scheme legend is only a footnote marker; its conditions footnote is the caption.
    scheme1 = item.figures[2]
    assert scheme1.caption.startswith("Conditions: (a) KOH, EtOH/water, 125 °C, microwave")
    assert all(f.image_status == IMAGE_MISSING for f in item.figures)
    assert item.problems == ()


@pytest.mark.shared
def test_2016_access_denial_page_is_abstract_only():
    item = parse(shared_path(ABSTRACT))
    art = item.article
    assert art.doi == "10.1021/jp0617625" and art.access == ACCESS_ABSTRACT
    assert art.title.startswith("Ab Initio Study of the Ionization of the DNA Bases")
    assert art.journal == "The Journal of Physical Chemistry A" and art.year == 2006
    assert art.authors == ("Emilie Cauët", "Dominique Dehareng", "Jacques Liévin")
    assert art.abstract.startswith("The ionization of the four DNA bases is investigated")
    assert art.open_access is False and art.license is None
    assert item.figures == ()


def test_denied_page_figures_are_thumbnails(tmp_path):
    # The real full-text page re-served as an access denial: whatever figures remain are previews.
    text = corpus_file(JMEDCHEM).read_text(encoding="utf-8")
    page = tmp_path / "denied.html"
    denial = '<div class="accessDenialWidget"></div><div id="articleMeta">'
    page.write_text(text.replace('<div id="articleMeta">', denial, 1), encoding="utf-8")
    item = parse(page)
    assert item.article.access == ACCESS_ABSTRACT
    assert len(item.figures) == 6 and all(f.image_status == IMAGE_THUMBNAIL for f in item.figures)


def test_2023_browser_save():
    item = parse(corpus_file(TOLAND))
    art = item.article
    assert art.doi == "10.1021/acs.jpca.3c05870" and art.year == 2023
    assert art.title.startswith("Accelerated Scheme to Predict Ring-Opening Polymerization Enthalpy")
    assert art.journal == "The Journal of Physical Chemistry A"
    assert art.authors[0] == "Aubrey Toland" and len(art.authors) == 7
    assert art.license == "CC-BY-4.0" and art.open_access is True and art.access == ACCESS_FULL
    assert art.url == "https://pubs.acs.org/doi/10.1021/acs.jpca.3c05870"
    # Every figure appears twice (article body and the "Figures" tab): each is kept once.
    assert [f.label for f in item.figures] == ["Graphical abstract"] + [f"Figure {i}" for i in range(1, 6)]
    assert item.figures[0].kind == "graphical-abstract"
    fig1 = item.figures[1]
    assert fig1.caption.startswith("Flowchart describing the overall computational workflow")
    # img src points at the saved ./..._files/ medium gif; data-lg-src gives the large JPEG.
    assert fig1.image_url == "https://pubs.acs.org/cms/10.1021/acs.jpca.3c05870/asset/images/large/jp3c05870_0001.jpeg"
    assert "<i>L</i> = 3" in item.figures[2].caption_html


@pytest.mark.shared
def test_sniff_rejects_other_publishers():
    path = shared_path("cde2/rsc/10.1039_C6OB02074G.html")
    assert ACSParser().sniff(path, path.read_text(encoding="utf-8")[:65536]) is False
