"""Elsevier full-text XML parser on the (copyrighted) API responses in ../shared/corpus;
every test skips when that folder is absent."""

from pathlib import Path

import pytest

from figdex.index.records import ACCESS_ABSTRACT, ACCESS_FULL, IMAGE_MISSING
from figdex.ingest.sources.base import SourceError, detect_parser, read_head
from figdex.ingest.sources.elsevier import ElsevierParser
from figdex.ingest.sources.jats import JatsParser
from tests.conftest import shared_path

pytestmark = pytest.mark.shared

JATS_COPY = Path(__file__).resolve().parent / "data" / "jats" / "pone.0000217.nxml"


def parse(path: Path):
    parser = detect_parser(path)
    assert parser is not None and parser.name == "elsevier", path
    (item,) = list(parser.parse(path))
    return item


@pytest.mark.parametrize(
    "rel, doi, n_figures, year",
    [
        ("cde2/elsevier/j.commatsci.2018.02.056.xml", "10.1016/j.commatsci.2018.02.056", 9, 2018),
        ("cde2/elsevier/j.jnoncrysol.2017.07.006.xml", "10.1016/j.jnoncrysol.2017.07.006", 13, 2017),
        ("cde2/elsevier/j.jnoncrysol.2018.02.024.xml", "10.1016/j.jnoncrysol.2018.02.024", 8, 2018),
        ("limesoup/elsevier/101016jcarbon201111044.xml", "10.1016/j.carbon.2011.11.044", 4, 2012),
    ],
)
def test_corpus_files(rel, doi, n_figures, year):
    path = shared_path(rel)
    assert ElsevierParser().sniff(path, read_head(path))
    assert not JatsParser().sniff(path, read_head(path))
    item = parse(path)
    art = item.article
    assert art.publisher == "elsevier"
    assert art.doi == doi
    assert art.year == year
    assert art.access == ACCESS_FULL
    assert art.open_access is False  # coredata says openaccessArticle=false
    assert len(item.figures) == n_figures
    assert [f.number for f in item.figures] == list(range(1, n_figures + 1))
    assert all(f.caption and f.image_url and f.image_status == IMAGE_MISSING for f in item.figures)
    assert item.problems == ()


def test_commatsci_metadata_and_figures():
    item = parse(shared_path("cde2/elsevier/j.commatsci.2018.02.056.xml"))
    art = item.article
    assert art.title.startswith("An improved interatomic potential function for thermoelectric Mg2Si:")
    assert art.journal == "Computational Materials Science"
    assert art.authors[:2] == ("Rui Yu", "Guo-dong Li")
    assert art.license == "© 2018 Elsevier B.V. All rights reserved."
    assert art.url == "https://www.sciencedirect.com/science/article/pii/S0927025618301459"
    assert art.abstract.startswith("The appropriate interatomic potential function is of vital importance")
    assert "Interatomic potentials" in art.keywords
    fig1 = item.figures[0]
    assert (fig1.label, fig1.kind) == ("Fig. 1", "figure")
    assert fig1.caption == "Crystal structure of the Mg2Si semiconductor."
    assert fig1.caption_html == "<p>Crystal structure of the Mg<sub>2</sub>Si semiconductor.</p>"
    # The high-resolution rendition wins over the downsampled and thumbnail ones.
    assert fig1.image_url == (
        "https://api.elsevier.com/content/object/eid/1-s2.0-S0927025618301459-gr1_lrg.jpg?httpAccept=%2A%2F%2A"
    )
    fig7 = item.figures[6]
    assert fig7.caption.startswith("(a) The exchange kinetic energy and (b) the temperature profile")


def test_carbon_letter_skips_supplementary_figures():
    item = parse(shared_path("limesoup/elsevier/101016jcarbon201111044.xml"))
    art = item.article
    assert art.title == "The filling of carbon nanotubes with magnetoelectric Cr2O3"
    assert art.journal == "Carbon"
    assert art.authors[0] == "A. Bajpai"
    # Appendix "Supplementary Fig. S1/2/3" are not numbered among the article's figures.
    assert [f.label for f in item.figures] == ["Fig. 1", "Fig. 2", "Fig. 3", "Fig. 4"]
    assert item.figures[0].caption.startswith("(a and c) Displays bright field TEM images")
    # No high-res rendition in this response: the downsampled JPEG is the largest.
    assert item.figures[0].image_url.endswith("-gr1.jpg?httpAccept=%2A%2F%2A")


def test_jnoncrysol_authors_and_captions():
    item = parse(shared_path("cde2/elsevier/j.jnoncrysol.2017.07.006.xml"))
    assert item.article.authors[:3] == ("R. Babilas", "A. Bajorek", "Ł. Hawełek")
    assert item.figures[0].caption.startswith("X-ray diffraction patterns of Ca50Mg20Cu25Zn5 glassy samples")
    assert item.figures[12].label == "Fig. 13"


def test_metadata_only_response_is_abstract_access(tmp_path):
    # The API's metadata view: coredata without the original text.
    full = shared_path("cde2/elsevier/j.commatsci.2018.02.056.xml").read_text(encoding="utf-8")
    meta_only = tmp_path / "meta.xml"
    meta_only.write_text(full[: full.index("</coredata>") + len("</coredata>")] + "</full-text-retrieval-response>",
                         encoding="utf-8")
    (item,) = list(ElsevierParser().parse(meta_only))
    assert item.article.access == ACCESS_ABSTRACT
    assert item.article.doi == "10.1016/j.commatsci.2018.02.056"
    assert item.figures == ()


def test_non_elsevier_xml_raises_source_error(tmp_path):
    with pytest.raises(SourceError, match="not an Elsevier full-text XML"):
        list(ElsevierParser().parse(JATS_COPY))
    empty = tmp_path / "empty.xml"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty.xml"):
        list(ElsevierParser().parse(empty))
