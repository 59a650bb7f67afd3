"""RSC full-text pages from ../shared/corpus (publisher copyright / CC-BY-NC: read in place, never copied)."""

from pathlib import Path

import pytest

from figdex.index.records import ACCESS_FULL, IMAGE_MISSING
from figdex.ingest.sources.base import SourceError, detect_parser, read_head
from figdex.ingest.sources.rsc import RSCParser
from tests.conftest import shared_path

pytestmark = pytest.mark.shared

RSC = "cde2/rsc/"


def parse(path: Path):
    parser = detect_parser(path)
    assert parser is not None and parser.name == "rsc", path
    (item,) = list(parser.parse(path))
    return item


@pytest.mark.parametrize(
    "name, doi, year, labels",
    [
        ("10.1039_C6OB02074G.html", "10.1039/c6ob02074g", 2016, ["Fig. 1", "Fig. 2", "Scheme 1", "Fig. 3"]),
        ("test_paper.html", "10.1039/c7ta06843c", 2017, ["Scheme 1"] + [f"Fig. {i}" for i in range(1, 9)]),
        ("b806499g.html", "10.1039/b806499g", 2008, [f"Fig. {i}" for i in range(1, 9)]),
        ("c1jm13879k.html", "10.1039/c1jm13879k", 2012, [f"Fig. {i}" for i in range(1, 12)]),
        ("c2jm33712f.html", "10.1039/c2jm33712f", 2012, ["Scheme 1"] + [f"Fig. {i}" for i in range(1, 10)]),
    ],
)
def test_articles(name, doi, year, labels):
    item = parse(shared_path(RSC + name))
    art = item.article
    assert art.publisher == "rsc" and art.doi == doi and art.year == year
    assert art.access == ACCESS_FULL
    assert art.title and art.authors and len(art.abstract) > 200
    assert [f.label for f in item.figures] == labels
    for fig in item.figures:
        assert fig.kind == ("scheme" if fig.label.startswith("Scheme") else "figure")
        assert fig.caption and not fig.caption.startswith(("Fig", "Scheme"))
        assert fig.image_url.startswith(("http://pubs.rsc.org/", "https://pubs.rsc.org/"))
        assert fig.image_status == IMAGE_MISSING
        # Ontology/ChemSpider pop-up links are page behaviour, not legend markup.
        assert "javascript:" not in (fig.caption_html or "")
    assert item.problems == ()


def test_open_access_article_metadata_and_hi_res_link():
    item = parse(shared_path(RSC + "10.1039_C6OB02074G.html"))
    art = item.article
    assert art.title.startswith("Denitrogenative hydrofluorination of aromatic aldehyde hydrazones")
    assert art.journal == "Organic & Biomolecular Chemistry"
    assert art.authors == ("Kaivalya G. Kulkarni", "Boris Miokovic", "Matthew Sauder", "Graham K. Murphy")
    assert art.license == "CC-BY-NC-3.0" and art.open_access is True
    assert art.abstract.startswith("An operationally simple conversion of aromatic aldehyde hydrazones")
    fig1 = item.figures[0]
    assert fig1.caption == "Fluorine transfer reagents based on N–F, S–F or I–F bonds."
    # The thumbnail links to the full-size rendition.
    assert fig1.image_url.endswith("/c6ob02074g/c6ob02074g-f1_hi-res.gif")
    scheme = item.figures[2]
    assert (scheme.kind, scheme.number) == ("scheme", 1)
    assert scheme.caption.startswith("Denitrogenative hydrofluorination of benzaldehyde hydrazone")


def test_relative_image_links_use_the_canonical_url():
    item = parse(shared_path(RSC + "test_paper.html"))
    assert item.article.url == "https://pubs.rsc.org/en/content/articlehtml/2017/ta/c7ta06843c"
    assert item.article.license is None and item.article.open_access is False
    fig1 = item.figures[1]
    assert fig1.image_url == (
        "https://pubs.rsc.org/services/images/RSCpubs.ePlatform.Service.FreeContent.ImageService.svc/"
        "ImageService/Articleimage/2017/TA/c7ta06843c/c7ta06843c-f1_hi-res.gif"
    )
    assert fig1.caption.startswith("(a) X-ray diffraction of pure Ni")
    assert "<sub>12</sub>" in fig1.caption_html and "Fig. 1" not in fig1.caption_html


def test_older_pages_without_hi_res_link_keep_the_inline_image():
    item = parse(shared_path(RSC + "b806499g.html"))
    fig1 = item.figures[0]
    assert fig1.caption == "TEM images of oleylamine capped EuS nanospheres (a) and nanocubes (b)."
    assert fig1.image_url.endswith("/b806499g/b806499g-f1.gif")


def test_search_results_page_is_not_an_article():
    path = shared_path(RSC + "searchresults.html")
    assert RSCParser().sniff(path, read_head(path)) is False
    assert detect_parser(path) is None
    with pytest.raises(SourceError, match="searchresults.html"):
        list(RSCParser().parse(path))


def test_a_doi_ends_where_a_url_query_or_fragment_begins():
    """A page's DOI meta with a URL's fragment or query behind it (one flipped byte of a real RSC page
    made '10.1039/c6ob02074g#/'): the DOI is what comes before."""
    from figdex.ingest.sources.common import normalize_doi

    assert normalize_doi("10.1039/C6OB02074G#/") == "10.1039/c6ob02074g"
    assert normalize_doi("https://doi.org/10.1039/c6ob02074g?download=true&x=1") == "10.1039/c6ob02074g"
    # What a DOI's suffix may hold stays: parentheses, semicolons, colons, slashes.
    assert normalize_doi("doi:10.1002/(SICI)1097-4636(199712)37:4;2-C.") == "10.1002/(sici)1097-4636(199712)37:4;2-c"
