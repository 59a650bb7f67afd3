"""Query JSON, search URL builders and result-page parsers (no network: saved pages only)."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from figdex.ingest.web.query import QueryFileError, load_query, looks_like_query, parse_query, query_from_terms
from figdex.ingest.web.search import PageRequest, UnknownFamilyError, family_for_url, get_family
from tests.conftest import shared_path

EXSCLAIM_QUERY = {
    "name": "silver-haadf",
    "journal_family": "nature",
    "maximum_scraped": 5,
    "sortby": "recent",
    "query": {
        "search_field_2": {"term": "HAADF-STEM", "synonyms": ["STEM"]},
        "search_field_1": {"term": "Ag nanoparticle", "synonyms": ["silver nanoparticle", "Ag nanoparticle"]},
    },
    "open": True,
    "save_format": ["boxes", "postgres"],
    "logging": ["exsclaim.log"],
    "results_dir": "out/",
}


def test_exsclaim_query_is_accepted_as_is(tmp_path):
    path = tmp_path / "query.json"
    path.write_text(json.dumps(EXSCLAIM_QUERY))
    assert looks_like_query(path)
    q = load_query(path)
    assert (q.name, q.journal_family, q.maximum_scraped, q.sortby, q.open) == ("silver-haadf", "nature", 5, "recent", True)
    assert q.save_format == ("boxes", "postgres") and q.results_dir == "out/" and q.ignored_keys == ("logging",)
    # fields in search_field_N order; a synonym equal to its term is dropped
    assert [f.term for f in q.fields] == ["Ag nanoparticle", "HAADF-STEM"]
    assert q.search_strings() == [
        '"Ag nanoparticle" "HAADF-STEM"', '"Ag nanoparticle" STEM',
        '"silver nanoparticle" "HAADF-STEM"', '"silver nanoparticle" STEM',
    ]
    assert q.keywords == ("Ag nanoparticle", "silver nanoparticle", "HAADF-STEM", "STEM")
    assert q.with_overrides(maximum_scraped=2, sortby=None, open=False).maximum_scraped == 2


def test_the_real_exsclaim_test_query_loads():
    q = load_query(shared_path("exsclaim/annotations/nature_test.json"))
    assert q.search_strings() == ['"Ag nanoparticle"'] and q.maximum_scraped == 2 and q.open is False


@pytest.mark.parametrize("change, words", [
    ({"journal_family": None}, ['"journal_family"', "nature"]),
    ({"maximum_scraped": "ten"}, ['"maximum_scraped"', "whole number"]),
    ({"maximum_scraped": 0}, ['"maximum_scraped"', "at least 1"]),
    ({"sortby": "best"}, ['"sortby"', "relevant, recent, old"]),
    ({"open": "yes"}, ['"open"', "true or false"]),
    ({"query": {}}, ['"query"', "search_field_1"]),
    ({"query": {"search_field_1": {"synonyms": ["x"]}}}, ["query.search_field_1", "term"]),
    ({"query": {"search_field_1": {"term": "x", "synonyms": "a"}}}, []),  # a lone string is accepted
    ({"query": {"search_field_1": {"term": "x", "synonyms": [1]}}}, ["synonyms", "list of strings"]),
])
def test_validation_errors_name_the_field_and_the_fix(change, words):
    data = {**EXSCLAIM_QUERY, **change}
    data = {k: v for k, v in data.items() if v is not None}
    if not words:
        assert parse_query(data).fields[0].synonyms == ("a",)
        return
    with pytest.raises(QueryFileError) as err:
        parse_query(data)
    for word in words:
        assert word in str(err.value)


def test_broken_query_file_names_the_file(tmp_path):
    bad = tmp_path / "q.json"
    bad.write_text("{not json")
    assert looks_like_query(bad)
    with pytest.raises(QueryFileError, match="q.json: not valid JSON"):
        load_query(bad)
    other = tmp_path / "data.json"
    other.write_text('{"rows": []}')
    assert not looks_like_query(other)  # a JSON file that is not a query stays a path to ingest


def test_query_from_cli_terms():
    q = query_from_terms("rsc", ("TEM|transmission electron microscopy", "gold"), maximum=3, open_access=True)
    assert q.search_strings() == ["TEM gold", '"transmission electron microscopy" gold']
    with pytest.raises(QueryFileError, match="--max"):
        query_from_terms("rsc", ("x",), maximum=0)


def test_search_urls_per_family_order_open_access_page_size_and_base_url():
    q = query_from_terms("nature", ("Ag nanoparticle",), sortby="recent", open_access=True)
    nature = get_family("nature").search_request('"Ag nanoparticle"', q)
    assert nature.url.startswith("https://www.nature.com/search?")
    assert parse_qs(urlsplit(nature.url).query) == {"q": ['"Ag nanoparticle"'], "order": ["date_desc"], "page": ["1"]}

    rsc = get_family("rsc").search_request("aspirin", q, base="http://127.0.0.1:9/", page_size=50)
    params = parse_qs(urlsplit(rsc.url).query)
    assert rsc.url.startswith("http://127.0.0.1:9/en/results?")
    assert params["SortBy"] == ["Latest to oldest"] and params["PageSize"] == ["50"]
    assert params["Article Access"] == ["Open Access"]

    acs = get_family("acs").search_request("TEM", q.with_overrides(sortby="relevant"))
    params = parse_qs(urlsplit(acs.url).query)
    assert params["sortBy"] == ["relevancy"] and params["accessType"] == ["openAccess"] and params["pageSize"] == ["20"]

    epmc = get_family("pmc").search_request("TEM", q, page_size=5)
    params = parse_qs(urlsplit(epmc.url).query)
    assert epmc.url.startswith("https://www.ebi.ac.uk/europepmc/webservices/rest/search?")
    assert params["query"] == ["(TEM) AND IN_EPMC:y AND OPEN_ACCESS:y"] and params["sort"] == ["P_PDATE_D desc"]
    assert params["pageSize"] == ["5"] and params["cursorMark"] == ["*"] and params["format"] == ["json"]


def test_family_registry_and_hosts():
    with pytest.raises(UnknownFamilyError, match="valid families: nature, rsc, acs, europepmc"):
        get_family("wiley", searchable=True)
    assert family_for_url("https://www.nature.com/articles/ncomms5946").name == "nature"
    assert family_for_url("https://pubs.rsc.org/en/content/articlehtml/2012/jm/c2jm33712f").name == "rsc"
    assert family_for_url("https://pubs.acs.org/doi/10.1021/acs.jpca.3c05870").name == "acs"
    assert family_for_url("https://pmc.ncbi.nlm.nih.gov/articles/PMC11879214/").name == "europepmc"
    assert family_for_url("https://onlinelibrary.wiley.com/doi/10.1002/x").name == "other"
    epmc = get_family("europepmc")
    assert epmc.article_request_url("https://europepmc.org/article/PMC/PMC11879214") == \
        "https://www.ebi.ac.uk/europepmc/webservices/rest/PMC11879214/fullTextXML"
    assert epmc.image_url("btaf065f1", "https://www.ebi.ac.uk/europepmc/webservices/rest/PMC11879214/fullTextXML") == \
        "https://europepmc.org/articles/PMC11879214/bin/btaf065f1.jpg"
    assert get_family("rsc").article_request_url("https://pubs.rsc.org/en/content/articlelanding/1951/tf/tf9514701191") \
        == "https://pubs.rsc.org/en/content/articlehtml/1951/tf/tf9514701191"
    assert get_family("acs").page_name("https://pubs.acs.org/doi/10.1021/acs.jpca.3c05870") == "10.1021-acs.jpca.3c05870"
    # the largest rendition, also for a mirror serving springernature's paths
    assert get_family("nature").image_url("http://127.0.0.1:5/media.springernature.com/lw685/a/b.png", "http://x/") \
        == "http://127.0.0.1:5/media.springernature.com/full/a/b.png"


# -- the saved result pages ------------------------------------------------------------------------
def test_nature_result_page_grid_markup():
    page_file = shared_path("exsclaim/nature_articles/nature_search.html")
    page = get_family("nature").parse_results(page_file.read_bytes(),
                                              PageRequest("https://www.nature.com/search?q=Ag+nanoparticle&page=1"))
    assert len(page.hits) == 50 and page.total == 2469 and not page.problems
    assert page.hits[0].url == "https://www.nature.com/articles/ncomms5179"
    assert page.hits[2].url == "https://www.nature.com/articles/ncomms11770" and page.hits[2].open_access is True
    assert page.hits[0].open_access is False and page.hits[0].title.startswith("Stress-induced phase transformation")
    # one open-access badge per open card, counted independently of the parser
    assert sum(h.open_access for h in page.hits) == page_file.read_text(errors="replace").count('data-test="open-access"')
    assert page.next == PageRequest("https://www.nature.com/search?q=Ag+nanoparticle&page=2")


def test_nature_result_page_list_markup():
    page = get_family("nature").parse_results(shared_path("exsclaim/nature_articles/test_search.html").read_bytes(),
                                              PageRequest("https://www.nature.com/search?q=x"))
    assert len(page.hits) == 12 and page.total == 12 and page.next is None
    assert [h.url.rsplit("/", 1)[1] for h in page.hits if h.open_access] == [
        "s41467-018-06211-3", "s41598-017-12553-7", "ncomms9788", "srep01497", "srep23945"]


def test_rsc_result_page_and_its_post_pagination():
    page = get_family("rsc").parse_results(shared_path("cde2/rsc/searchresults.html").read_bytes(),
                                           PageRequest("https://pubs.rsc.org/en/results?searchtext=Aspirin"))
    assert len(page.hits) == 25 and page.total == 1358
    assert page.hits[0].url == "https://pubs.rsc.org/en/content/articlehtml/2017/cp/c6cp06202d"
    assert page.hits[0].doi == "10.1039/c6cp06202d"
    assert page.hits[12].url.endswith("/articlelanding/1951/tf/tf9514701191")  # no HTML full text offered
    assert [h.url.rsplit("/", 1)[1] for h in page.hits if h.open_access] == ["c7ra07339a", "c6ce00710d", "c6cp04137j"]
    form = page.next.form
    assert page.next.url == "https://pubs.rsc.org/en/search/journalresult"
    assert form["pageno"] == "2" and form["category"] == "all" and form["searchterm"].startswith("AAEAAAD")


def test_unrecognised_markup_falls_back_to_links_and_says_so():
    html = b'<html><body><a href="/articles/ncomms1">a</a><a href="/articles/ncomms1">again</a></body></html>'
    page = get_family("nature").parse_results(html, PageRequest("https://www.nature.com/search?q=x"))
    assert [h.url for h in page.hits] == ["https://www.nature.com/articles/ncomms1"]
    assert page.hits[0].open_access is None and "not recognised" in page.problems[0]
