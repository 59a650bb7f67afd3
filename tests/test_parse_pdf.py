"""PDF articles (issue #19): parsing real, openly licensed PDFs (tests/data/pdf, SOURCES.md there),
ingest and search, a scanned PDF said to be one, damaged PDFs failing clearly while the run goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("pypdfium2")

from figdex.index.db import Dataset  # noqa: E402
from figdex.ingest.pipeline import ingest_paths  # noqa: E402
from figdex.ingest.sources.base import SourceError, detect_parser  # noqa: E402
from figdex.ingest.sources.pdf import analyse_pdf, parse_pdf  # noqa: E402
from figdex.retrieval.search import search  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "pdf"
CLINSCI = DATA / "clinsci_2014_cs20130403.pdf"  # Clinical Science 2014, CC-BY-3.0: 10 figures and a scheme
BMC = DATA / "bmc_hsr_2014_quality.pdf"  # BMC Health Services Research 2014, CC-BY-2.0: one figure
SCANNED = DATA / "scanned_ocr_test.pdf"  # one scanned page, no text layer
GOLD = Path(__file__).resolve().parents[1] / "eval" / "pdf" / "gold.json"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FIGDEX_CACHE_DIR", str(tmp_path / "cache"))


def test_detects_pdfs_by_their_header(tmp_path):
    assert detect_parser(CLINSCI).name == "pdf"
    renamed = tmp_path / "article.bin"  # the header decides, not the name
    shutil.copy(BMC, renamed)
    assert detect_parser(renamed).name == "pdf"


def test_metadata_of_a_real_article():
    article = parse_pdf(CLINSCI, render=False).article
    assert article.publisher == "pdf"
    assert article.doi == "10.1042/cs20130403"
    assert article.year == 2014
    assert article.title.startswith("Fragment-based design for the development of N-domain-selective")
    assert article.license == "CC-BY-3.0"  # printed on page 1: "Creative Commons Attribution Licence (CC-BY) ... by/3.0"
    bmc = parse_pdf(BMC, render=False).article
    assert bmc.license == "CC-BY-2.0"
    assert bmc.title.startswith("Understanding the barriers to setting up a healthcare quality improvement")


def test_every_figure_and_scheme_with_label_page_caption_and_region_as_in_the_gold():
    gold = next(p for p in json.loads(GOLD.read_text())["pdfs"] if p["id"] == "clinsci_2014")
    result = analyse_pdf(CLINSCI, render=False)
    found = {(f.label, f.page): f for f in result.figures}
    assert sorted(found) == sorted((g["label"], g["page"]) for g in gold["figures"])
    scheme = found[("Scheme S1", 12)]
    assert scheme.kind == "scheme"
    for g in gold["figures"]:
        fig = found[(g["label"], g["page"])]
        assert " ".join(fig.caption.split()[:12]) == g["caption12"]
        x0, y0, x1, y1 = fig.region
        gx0, gy0, gx1, gy1 = g["region"]
        inter = max(0, min(x1, gx1) - max(x0, gx0)) * max(0, min(y1, gy1) - max(y0, gy0))
        iou = inter / ((x1 - x0) * (y1 - y0) + (gx1 - gx0) * (gy1 - gy0) - inter)
        assert iou > 0.75, (g["label"], fig.region, g["region"])


def test_figures_are_rendered_at_300_dpi_or_kept_at_their_native_pixels(tmp_path):
    vector = analyse_pdf(BMC, out_dir=tmp_path).figures[0]  # a flow chart drawn with paths: rendered
    assert not vector.native
    with Image.open(vector.image_file) as im:
        assert im.width >= (vector.region[2] - vector.region[0]) * 300 / 72 - 2
        assert im.height >= (vector.region[3] - vector.region[1]) * 300 / 72 - 2
    result = analyse_pdf(CLINSCI, out_dir=tmp_path)
    raster = {f.label: f for f in result.figures}["Figure 5"]  # one embedded image, nothing over it
    assert raster.native
    with Image.open(raster.image_file) as im:
        # the image's own 350 x 438 pixels (less a white edge trimmed off), not a 300-dpi render (~700 x 875)
        assert 340 <= im.width <= 350 and 428 <= im.height <= 438
    parsed = parse_pdf(CLINSCI, out_dir=tmp_path)
    assert {f.label: f.page for f in parsed.figures}["Figure 7"] == 7
    assert all(f.caption and not f.caption.startswith(f.label) for f in parsed.figures)


def test_a_scanned_pdf_says_so_and_stores_no_text():
    result = analyse_pdf(SCANNED)
    assert result.scanned
    assert result.figures == []
    assert "scanned or image-only PDF" in result.problems[0] and str(SCANNED) in result.problems[0]
    assert result.article.title == "" and result.article.doi is None


def test_a_damaged_pdf_fails_with_a_message_naming_it(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(SourceError, match=r"broken\.pdf: not a readable PDF .*download it again"):
        parse_pdf(broken)


def _ingest_pdf_folder(tmp_path, *papers: Path):
    """Ingest a folder of the given real PDFs plus a cut-short copy (the first 60% of one: no %%EOF,
    no cross-reference table) and a damaged file; those two must fail with their reason, naming
    the file, while the run goes on.  Returns (dataset, summary); the caller closes the dataset."""
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for path in papers:
        shutil.copy(path, folder / path.name)
    data = BMC.read_bytes()
    (folder / "cut_short.pdf").write_bytes(data[: int(len(data) * 0.6)])
    (folder / "damaged.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf\n")
    ds = Dataset.in_memory(tmp_path / "ds")
    summary = ingest_paths(ds, [folder])
    failed = {Path(path).name: reason for path, reason in summary.failures}
    assert set(failed) == {"damaged.pdf", "cut_short.pdf"}
    assert all("not a readable PDF" in reason and name in reason for name, reason in failed.items())
    return ds, summary


def test_ingest_a_folder_of_pdfs_then_search_by_caption_text(tmp_path):
    ds, summary = _ingest_pdf_folder(tmp_path, BMC, SCANNED)
    try:
        assert summary.articles == 2
        row = ds.conn.execute("SELECT f.label, f.page, f.image_status, a.publisher FROM figures f "
                              "JOIN articles a ON a.id = f.article_id").fetchone()
        assert tuple(row) == ("Figure 1", 7, "ok", "pdf")
        hits = search(ds, "patient flow pattern medical department", limit=5).hits
        assert hits and hits[0].figure == "Figure 1" and Path(hits[0].image).is_file()
        problems = json.loads(ds.conn.execute(
            "SELECT problems FROM articles WHERE source_file LIKE '%scanned_ocr_test.pdf'").fetchone()[0])
        assert any("scanned or image-only PDF" in p for p in problems)
    finally:
        ds.close()


@pytest.mark.slow
def test_ingest_a_longer_article_then_search_its_figures(tmp_path):
    ds, summary = _ingest_pdf_folder(tmp_path, CLINSCI, BMC, SCANNED)
    try:
        assert summary.articles == 3
        rows = ds.conn.execute("SELECT label, page, image_status, width FROM figures f JOIN articles a "
                               "ON a.id = f.article_id WHERE a.doi = '10.1042/cs20130403'").fetchall()
        assert {(r[0], r[1]) for r in rows} >= {("Figure 1", 2), ("Figure 7", 7), ("Scheme S1", 12)}
        assert all(r[2] == "ok" and r[3] for r in rows)
        hits = search(ds, "Crystal structure of N-domain ACE", limit=5).hits
        assert hits and hits[0].figure == "Figure 5" and hits[0].publisher == "pdf"
        assert Path(hits[0].image).is_file()
        problems = json.loads(ds.conn.execute(
            "SELECT problems FROM articles WHERE source_file LIKE '%scanned_ocr_test.pdf'").fetchone()[0])
        assert any("scanned or image-only PDF" in p for p in problems)
    finally:
        ds.close()


def test_bounds_refuse_a_pdf_with_too_many_pages_naming_it(monkeypatch):
    import figdex.ingest.sources.pdf as pdf_module

    monkeypatch.setattr(pdf_module, "MAX_PDF_PAGES", 3)
    with pytest.raises(SourceError, match=r"clinsci_2014_cs20130403\.pdf: 13 pages, more than the 3 figdex reads"):
        parse_pdf(CLINSCI, render=False)


def test_a_pdf_without_its_end_marker_is_called_truncated(tmp_path):
    from figdex.ingest.sources.truncated import truncation_reason

    assert truncation_reason(BMC) is None
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(BMC.read_bytes()[:-2000])
    reason = truncation_reason(cut)
    assert reason and "cut.pdf: truncated" in reason and "%%EOF" in reason
