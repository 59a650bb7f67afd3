from pathlib import Path

import pytest

from figdex.index.records import ACCESS_ABSTRACT, ACCESS_FULL, IMAGE_THUMBNAIL
from figdex.ingest.sources.base import detect_parser
from figdex.ingest.sources.nature import NatureParser, full_size_url
from tests.conftest import DEMO, shared_path

NATURE = DEMO / "nature" / "html"


def parse(path: Path):
    parser = detect_parser(path)
    assert parser is not None and parser.name == "nature", path
    (item,) = list(parser.parse(path))
    return item


@pytest.mark.parametrize(
    "name, doi, n_figures, first_label, year",
    [
        ("ncomms11770.html", "10.1038/ncomms11770", 5, "Figure 1", 2016),
        ("s41467-018-06211-3.html", "10.1038/s41467-018-06211-3", 5, "Fig. 1", 2018),
        ("s41598-020-77062-6.html", "10.1038/s41598-020-77062-6", 6, "Scheme 1", 2020),
        ("srep23945.html", "10.1038/srep23945", 5, "Figure 1", 2016),
        ("s41467-018-06297-9.html", "10.1038/s41467-018-06297-9", 4, "Fig. 1", 2018),  # the 2024 save
    ],
)
def test_open_access_pages(name, doi, n_figures, first_label, year):
    item = parse(NATURE / name)
    art = item.article
    assert art.doi == doi
    assert art.year == year
    assert art.license == "CC-BY-4.0" and art.open_access is True
    assert art.access == ACCESS_FULL
    assert art.journal in ("Nature Communications", "Scientific Reports")
    assert len(art.abstract) > 500 and art.authors
    assert len(item.figures) == n_figures
    assert item.figures[0].label == first_label
    assert all(f.caption for f in item.figures)
    # Largest rendition, not the 685-px preview the page shows.
    assert all(f.image_url.startswith("https://media.springernature.com/full/") for f in item.figures)


def test_schemes_are_their_own_kind():
    item = parse(NATURE / "s41598-020-77062-6.html")
    kinds = [(f.kind, f.number) for f in item.figures]
    assert kinds == [("scheme", 1), *[("figure", i) for i in range(1, 5)], ("scheme", 2)]


def test_caption_keeps_title_text_and_panel_markup():
    item = parse(NATURE / "s41467-018-06211-3.html")
    fig1 = item.figures[0]
    assert fig1.caption.startswith("Formation of the stripe pattern and dislocation. a, b Schematic")
    # Inline markup must not split words: "Ag<sub>2</sub>MnO<sub>4</sub>" reads Ag2MnO4, units keep µ.
    assert "Ag2MnO4" in fig1.caption and "5 μm (c)" in fig1.caption
    assert "<b>c</b>" in fig1.caption_html


def test_full_size_url():
    assert full_size_url("//media.springernature.com/lw685/springer-static/image/x.png?as=webp") == (
        "https://media.springernature.com/full/springer-static/image/x.png"
    )
    assert full_size_url("//media.springernature.com/m312/springer-static/a.png").endswith("/full/springer-static/a.png")


def test_paywalled_page_is_abstract_only_with_thumbnails():
    item = parse(shared_path("exsclaim/nature_articles/s41557-020-0418-3.html"))
    assert item.article.access == ACCESS_ABSTRACT
    assert item.article.open_access is False
    assert len(item.figures) == 6
    assert all(f.image_status == IMAGE_THUMBNAIL for f in item.figures)
    assert item.figures[0].caption == "Reduction of Au3+ on TMD nanostructures."


def test_subscription_page_with_legends_is_full_but_not_open():
    item = parse(shared_path("exsclaim/nature_articles/ncomms5946.html"))
    assert item.article.access == ACCESS_FULL and item.article.open_access is False
    assert len(item.figures) == 9


def test_search_result_pages_are_not_articles():
    path = shared_path("exsclaim/nature_articles/nature_search.html")
    parser = detect_parser(path)
    assert parser is None or parser.name != "nature"
    assert not NatureParser().sniff(path, path.read_text(errors="replace")[:65536])
