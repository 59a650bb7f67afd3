"""Issue #16, item 2: one hostile file must neither stop nor poison a run.

Each stage bounds its input (``figdex/limits.py``): text length, image pixels and shape, nesting
depth, time; what exceeds a bound is refused with a reason naming the file, and the run goes on.
The hostile files are made here (tests/hostile.py), from real pages and figures.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from figdex.index.db import Dataset
from figdex.ingest.pipeline import ingest_paths
from figdex.ingest.sources.base import SourceError, get_parser
from figdex.limits import MAX_CAPTION_CHARS, MAX_MARKUP_DEPTH
from tests import hostile
from tests.conftest import shared_path

HOSTILE_CAPTION = "&amp;'&lt;" * 470_000  # 1.4 MB of "&'<" once the page is decoded


# -- captions ------------------------------------------------------------------------------------

def test_megabyte_caption_is_cut_and_the_run_goes_on(tmp_path):
    """Before: spaCy's tokenizer took days over the caption (quadratic in a chunk's length) while
    the ingest held the write lock.  A child process, so that a hang fails the test instead of
    hanging it."""
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a_hostile.html").write_text(hostile.caption_page(HOSTILE_CAPTION), encoding="utf-8")
    shutil.copy(hostile.JATS_FILE, pages / "b_real.nxml")
    started = time.monotonic()
    try:
        out = subprocess.run([sys.executable, "-m", "figdex.cli.main", "ingest", str(pages), "--dataset",
                              str(tmp_path / "ds"), "--no-separate", "--no-embed"],
                             capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("ingest of a page with a 1.4 MB caption did not finish in 120 s")
    assert out.returncode == 0, out.stderr
    assert "2 ingested" in out.stdout, out.stdout
    assert time.monotonic() - started < 120
    with Dataset.open(tmp_path / "ds", create=False) as ds:
        caption, problems = ds.conn.execute(
            "SELECT f.caption, a.problems FROM figures f JOIN articles a ON a.id = f.article_id "
            "WHERE a.doi = '10.1038/s41467-018-06297-9' AND f.number = 1").fetchone()
        assert len(caption) <= MAX_CAPTION_CHARS and caption.startswith("&'<&'<")
        assert any("Fig. 1" in p and "caption" in p and "cut" in p for p in json.loads(problems))
        assert ds.conn.execute("SELECT count(*) FROM articles WHERE doi = '10.1371/journal.pone.0000217'"
                               ).fetchone()[0] == 1


def test_term_matching_is_linear_in_the_length_of_a_chunk():
    from figdex.ingest.captions.terms import default_matcher

    matcher = default_matcher()
    matcher.terms("warm up")
    started = time.monotonic()
    assert matcher.terms("&'<" * 7000 + " HRTEM") == ("HRTEM",)
    assert matcher.keywords("&'<" * 7000 + " nanowires", ("nanowire",)) == ("nanowire",)
    assert time.monotonic() - started < 5  # before: ~90 s


def test_caption_analysis_runs_outside_the_write_transaction(tmp_path, monkeypatch):
    """Other writers (a second ingest, `labels add`) must not wait on one file's caption analysis."""
    import figdex.ingest.pipeline as pipeline

    ds = Dataset.open(tmp_path / "ds")
    real = pipeline.distribute_caption
    checked = []

    def observed(*args, **kwargs):
        other = sqlite3.connect(tmp_path / "ds" / "figdex.db", timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails with "database is locked" while ingest holds the lock
            other.execute("ROLLBACK")
            checked.append(True)
        finally:
            other.close()
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "distribute_caption", observed)
    summary = ingest_paths(ds, [hostile.NATURE_PAGE])
    ds.close()
    assert summary.failed == 0 and summary.figures == len(checked) > 0


# -- markup --------------------------------------------------------------------------------------

def test_deeply_nested_jats_is_refused_with_a_reason(tmp_path):
    deep = tmp_path / "deep.nxml"
    text = hostile.JATS_FILE.read_text(encoding="utf-8")
    deep.write_text(hostile.nested(text, "<caption>", 10_000), encoding="utf-8")
    with pytest.raises(SourceError, match=f"{deep}: elements nested deeper than {MAX_MARKUP_DEPTH}"):
        list(get_parser("jats").parse(deep))  # before: RecursionError
    ok = tmp_path / "ok.nxml"
    ok.write_text(hostile.nested(text, "<caption>", MAX_MARKUP_DEPTH - 10), encoding="utf-8")
    assert list(get_parser("jats").parse(ok))[0].figures


def test_deeply_nested_html_is_refused_not_cut(tmp_path):
    """libxml2's HTML parser drops everything below 256 levels: before, the page was read as one
    figure without its legend instead of four."""
    deep = tmp_path / "deep.html"
    deep.write_text(hostile.nested(hostile.NATURE_PAGE.read_text(encoding="utf-8"), hostile.CAPTION_START, 10_000,
                                   "b"), encoding="utf-8")
    with pytest.raises(SourceError, match=f"{deep}: elements nested deeper than {MAX_MARKUP_DEPTH}"):
        list(get_parser("nature").parse(deep))


def test_deeply_nested_elsevier_xml_is_refused(tmp_path):
    src = shared_path("limesoup/elsevier/101016jcarbon201111044.xml")
    deep = tmp_path / src.name
    deep.write_text(hostile.nested(src.read_text(encoding="utf-8"), "<ce:caption>", 10_000, "ce:bold"),
                    encoding="utf-8")
    with pytest.raises(SourceError, match="nested"):
        list(get_parser("elsevier").parse(deep))


def test_ingest_records_the_refusal_and_goes_on(ds, tmp_path):
    deep = tmp_path / "deep.nxml"
    deep.write_text(hostile.nested(hostile.JATS_FILE.read_text(encoding="utf-8"), "<caption>", 10_000),
                    encoding="utf-8")
    shutil.copy(hostile.NATURE_PAGE, tmp_path / "real.html")
    summary = ingest_paths(ds, [tmp_path])
    assert summary.failed == 1 and summary.articles == 1
    (path, reason), = summary.failures
    assert path.endswith("deep.nxml") and "nested" in reason and "please report" not in reason
