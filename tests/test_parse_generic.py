"""The fallback parser on Wiley, SpringerLink and ScienceDirect pages from ../shared/corpus (read in place),
and on blocked-access pages."""

from pathlib import Path

import pytest

from figdex.index.records import ACCESS_ABSTRACT, ACCESS_DENIED, ACCESS_FULL
from figdex.ingest.sources.base import detect_parser, read_head
from figdex.ingest.sources.generic import GenericParser
from tests.conftest import DEMO, shared_path

WILEY = "limesoup/wiley_html/"
SPRINGER = "limesoup/springer_html/"
ELSEVIER = "limesoup/elsevier/"


def parse(path: Path):
    parser = detect_parser(path)
    assert parser is not None and parser.name == "generic", path
    (item,) = list(parser.parse(path))
    return item


@pytest.mark.shared
@pytest.mark.parametrize(
    "rel, publisher, doi, year, n_figures",
    [
        (WILEY + "101002admi201400532.html", "wiley", "10.1002/admi.201400532", 2015, 3),
        (WILEY + "101002adsc201400257.html", "wiley", "10.1002/adsc.201400257", 2014, 7),
        (WILEY + "101002zaac201400398.html", "wiley", "10.1002/zaac.201400398", 2015, 9),
        (SPRINGER + "101007s10853-006-0223-4.html", "springer", "10.1007/s10853-006-0223-4", 2006, 8),
        (SPRINGER + "101007s11041-016-0022-8.html", "springer", "10.1007/s11041-016-0022-8", 2016, 3),
        (SPRINGER + "101007s11223-016-9732-9.html", "springer", "10.1007/s11223-016-9732-9", 2016, 9),
        (SPRINGER + "101007s11237-016-9437-y.html", "springer", "10.1007/s11237-016-9437-y", 2016, 4),
        (SPRINGER + "101007s11661-014-2711-5.html", "springer", "10.1007/s11661-014-2711-5", 2015, 5),
        (ELSEVIER + "101016jijfatigue201305006.html", "elsevier", "10.1016/j.ijfatigue.2013.05.006", 2014, 13),
        (ELSEVIER + "101016jjpowsour201602050.html", "elsevier", "10.1016/j.jpowsour.2016.02.050", 2016, 8),
    ],
)
def test_full_text_pages(rel, publisher, doi, year, n_figures):
    item = parse(shared_path(rel))
    art = item.article
    assert (art.publisher, art.doi, art.year) == (publisher, doi, year)
    assert art.access == ACCESS_FULL and art.title and art.journal and art.authors
    assert len(art.abstract) > 200
    figures = [f for f in item.figures if f.kind != "graphical-abstract"]
    assert len(figures) == n_figures
    for fig in figures:
        assert fig.caption and fig.image_url.startswith("http")
        assert "Download" not in fig.caption and "Open Figure" not in fig.caption
    assert [f.number for f in figures if f.kind == "figure"] == list(
        range(1, 1 + sum(f.kind == "figure" for f in figures))
    )


@pytest.mark.shared
def test_wiley_schemes_captions_and_full_size_links():
    item = parse(shared_path(WILEY + "101002adsc201400257.html"))
    assert item.article.journal == "Advanced Synthesis & Catalysis"
    assert [f.label for f in item.figures] == [
        "Scheme 1", "Scheme 2", "Scheme 3", "Figure 1", "Scheme 4", "Scheme 5", "Scheme 6",
    ]
    scheme1 = item.figures[0]
    assert scheme1.kind == "scheme" and scheme1.caption == "An intramolecular styrenyl DDA reaction."
    assert scheme1.caption_html == "<p>An intramolecular styrenyl DDA reaction.</p>"
    # "Link to full-size image" (image_m) beats the inline image_n preview.
    assert "/asset/image_m/msch001.gif" in scheme1.image_url


@pytest.mark.shared
def test_wiley_marked_graphical_abstract():
    item = parse(shared_path(WILEY + "101002admi201400532.html"))
    assert item.article.title == "Electronic Level Alignment in Inverted Organometal Perovskite Solar Cells"
    assert [f.kind for f in item.figures] == ["graphical-abstract", "figure", "figure", "figure"]
    assert item.figures[1].caption.startswith("UPS and IPES spectra of MAPbI3 on sNiOx (black curve)")
    assert "<sub>3</sub>" in item.figures[1].caption_html


@pytest.mark.shared
def test_springer_original_image_and_clean_title():
    item = parse(shared_path(SPRINGER + "101007s11041-016-0022-8.html"))
    fig1 = item.figures[0]
    assert fig1.label == "Fig. 1" and fig1.caption.startswith("Dependences of the ferrite content")
    assert fig1.image_url.startswith("https://media.springernature.com/original/")
    assert item.article.url == "https://link.springer.com/article/10.1007/s11041-016-0022-8"
    eu = parse(shared_path(SPRINGER + "101007s11237-016-9437-y.html")).article
    assert eu.title == "Luminescence and Spectral Characteristics of Zinc Sulfide Nanoparticles Doped with Eu2+"


@pytest.mark.shared
def test_springer_preview_page_is_abstract_only():
    item = parse(shared_path(SPRINGER + "101007s10853-005-0756-y.html"))
    art = item.article
    assert art.access == ACCESS_ABSTRACT and art.open_access is False and item.figures == ()
    assert art.abstract.startswith("Mechanically alloyed aluminium powder was prepared by vacuum attrition milling.")


@pytest.mark.shared
def test_sciencedirect_legacy_page():
    item = parse(shared_path(ELSEVIER + "101016jijfatigue201305006.html"))
    art = item.article
    assert art.journal == "International Journal of Fatigue"
    assert art.authors == ("S. Foletti", "S. Beretta", "M.G. Tarantino")
    assert any("taken from the file name" in p for p in item.problems)
    fig1 = item.figures[0]
    assert fig1.label == "Fig. 1"
    assert fig1.caption == "Shapes and sizes of specimen and artificial micro-notches adopted in fatigue tests."
    assert fig1.image_url == "http://origin-ars.els-cdn.com/content/image/1-s2.0-S0142112313001485-gr1.jpg"


@pytest.mark.shared
@pytest.mark.parametrize("rel", ["cde2/rsc/searchresults.html", "exsclaim/nature_articles/test_search.html"])
def test_search_pages_are_not_articles(rel):
    path = shared_path(rel)
    assert GenericParser().sniff(path, read_head(path)) is False


def test_cloudflare_script_on_a_real_article_is_not_a_challenge():
    # pubs.acs.org pages embed /cdn-cgi/challenge-platform/ even when the article was served.
    demo = DEMO / "acs" / "Toland.et.al.2023.html"
    path = demo if demo.exists() else shared_path("chemhtmlparser/acs/Toland.et.al.2023.html")
    (item,) = list(GenericParser().parse(path))
    assert item.article.access == ACCESS_FULL and item.article.publisher == "acs"
    assert item.article.license == "CC-BY-4.0" and item.article.open_access is True


CHALLENGES = {
    "cloudflare.html": (
        "<!DOCTYPE html><html lang='en-US'><head><title>Just a moment...</title></head><body>"
        "<div class='main-wrapper'><h1>onlinelibrary.wiley.com</h1><p>Verifying you are human. "
        "This may take a few seconds.</p><script src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1'>"
        "</script></div></body></html>"
    ),
    "akamai.html": (
        "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n"
        "You don't have permission to access \"http&#58;&#47;&#47;www&#46;sciencedirect&#46;com&#47;science&#47;"
        "article&#47;pii&#47;S0378775316301574\" on this server.<P>\nReference&#32;&#35;18&#46;1\n</BODY>\n</HTML>"
    ),
    "attention.html": (
        "<html><head><title>Attention Required! | Cloudflare</title>"
        "<meta name='citation_doi' content='10.1002/adma.201600001'></head>"
        "<body><h1>Sorry, you have been blocked</h1><div class='cf-error-details'></div></body></html>"
    ),
}


@pytest.mark.parametrize("name", sorted(CHALLENGES))
def test_blocked_access_pages(tmp_path, name):
    page = tmp_path / name
    page.write_text(CHALLENGES[name], encoding="utf-8")
    item = parse(page)
    assert item.article.access == ACCESS_DENIED
    assert item.figures == ()
    assert item.problems and "download the article again" in item.problems[0]


def test_denied_page_keeps_doi_for_a_retry(tmp_path):
    page = tmp_path / "attention.html"
    page.write_text(CHALLENGES["attention.html"], encoding="utf-8")
    art = parse(page).article
    assert art.doi == "10.1002/adma.201600001" and art.publisher == "wiley"
    assert art.url == "https://doi.org/10.1002/adma.201600001"


@pytest.mark.shared
def test_non_html_is_not_claimed(tmp_path):
    xml = shared_path(ELSEVIER + "101016jcarbon201111044.xml")
    assert GenericParser().sniff(xml, read_head(xml)) is False
    png = tmp_path / "figure.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert GenericParser().sniff(png, read_head(png)) is False
