"""arXiv e-prints read offline: real LaTeX sources (tests/data/arxiv, see SOURCES.md), the LaTeX-to-text
rules, sub-figure panels, bounds and broken archives."""

import gzip
import io
import shutil
import tarfile

import pytest

from figdex.index.db import Dataset
from figdex.ingest.pipeline import ingest_paths
from figdex.ingest.sources.arxiv import ArxivParser, arxiv_id, eprint_suffix, parse_feed
from figdex.ingest.sources.arxiv_source import read_document
from figdex.ingest.sources.eprint_archive import EprintError, open_eprint
from figdex.ingest.sources.base import detect_parser
from figdex.ingest.sources.latex import latex_to_text
from tests.conftest import DEMO, REPO

DATA = REPO / "tests" / "data" / "arxiv"
SKIMAGE = DATA / "skimage-paper.tar.gz"
SCIPY = DATA / "scipy-1.0-paper.tar.gz"


def test_latex_to_text_reads_captions_as_printed():
    # Constructed snippets, one rule each (not data).
    assert latex_to_text(r"\textbf{(a)} TEM of Ag~\cite{x,y} nanowires, see Fig.~\ref{fig:2}\label{f}.") == \
        "(a) TEM of Ag nanowires, see Fig. ?."
    assert latex_to_text(r"scale bar 5\,$\mu$m; H$_2$O at 10$^{-3}$~mbar, 300\,K \% \emph{in situ}") == \
        "scale bar 5 µm; H2O at 10-3 mbar, 300 K % in situ"
    assert latex_to_text(r"\SI{20}{\nano\metre} and \num{1e5} at \SI{450}{\celsius}") == \
        "20 nm and 1 × 105 at 450 °C"
    assert latex_to_text(r"Fran\c{c}ois Schr\"{o}dinger's \'etude {\bf nested {braces}} \href{http://x}{link}") == \
        "François Schrödinger's étude nested braces link"
    assert latex_to_text(r"100 \% -- done --- ok ``quoted''") == "100 % – done — ok “quoted”"


def test_real_multi_file_source_with_graphicspath_and_missing_files():
    eprint = open_eprint(SKIMAGE)
    doc = read_document(eprint)
    assert eprint.kind == "tar" and doc.main == "latex/skimage.tex"
    assert doc.title == "scikit-image: Image processing in Python"
    assert doc.authors[:3] == ("Stéfan van der Walt", "Johannes L. Schönberger", "Juan Nunez-Iglesias")
    assert doc.abstract.startswith("scikit-image is an image processing library")
    # \input followed two levels deep (skimage.tex -> panorama_example.tex -> pano_multifig.tex),
    # figure and figure* numbered together in document order.
    assert [(f.label, f.key, f.wide) for f in doc.figures] == [
        ("Figure 1", "fig:gettingstarted", False), ("Figure 2", "fig:cracks", False),
        ("Figure 3", "fig:profile", True), ("Figure 4", "fig:PL", True), ("Figure 5", "fig:pano", False)]
    # \graphicspath{{../output/skimage/}} relative to latex/, the extension-less name found as .png.
    assert doc.figures[0].graphics[0].name == "getting_started"
    assert doc.figures[0].graphics[0].member == "output/skimage/getting_started.png"
    assert doc.figures[1].graphics[0].member is None  # fig_cracks.png is not in this archive
    # \caption[short]{long}: the long one; \texttt and \citep read as printed.
    assert doc.figures[0].caption.startswith("Illustration of several functions available in scikit-image")
    assert "The measure.profile_line function" in doc.figures[2].caption
    assert "determine the region extent, and functions" in doc.figures[2].caption  # \citep{..} gone
    assert doc.problems == []


def test_real_source_main_file_among_several_documents_and_pdf_figure():
    doc = read_document(open_eprint(SCIPY))
    assert doc.main == "paper.tex"  # not the cover letter or the rebuttals, which are documents too
    assert doc.title == "SciPy 1.0—Fundamental Algorithms for Scientific Computing in Python"
    assert "Pauli Virtanen" in doc.authors  # from \input{core-dev}
    labels = [(f.label, f.key, [g.member for g in f.graphics]) for f in doc.figures]
    assert labels == [("Figure 1", "fig:announce-0.1", []), ("Figure 2", "fig:timeline", [None]),
                      ("Figure 3", "fig:coverage", []), ("Figure 4", "fig:asvbench", ["static/asv.pdf"])]
    assert "10000 uniformly distributed points" in doc.figures[3].caption  # \num{10000}


def test_ingest_real_eprints_stores_figures_images_and_reasons(tmp_path):
    for src in (SKIMAGE, SCIPY):
        shutil.copy(src, tmp_path / src.name)
    with Dataset.open(tmp_path / "d") as ds:
        summary = ingest_paths(ds, [tmp_path / SKIMAGE.name, tmp_path / SCIPY.name])
        assert summary.failed == 0, summary.failures
        assert summary.per_publisher["arxiv"]["articles"] == 2 and summary.figures == 9
        rows = {(r["title"][:10], r["label"]): (r["image_status"], r["image_format"], r["width"])
                for r in ds.conn.execute("SELECT a.title, f.label, f.image_status, f.image_format, f.width "
                                         "FROM figures f JOIN articles a ON a.id = f.article_id")}
        # PNG figures keep their pixels; fig_cracks is missing from the archive.
        assert rows[("scikit-ima", "Figure 1")] == ("ok", "png", 480)
        assert rows[("scikit-ima", "Figure 5")] == ("ok", "png", 400)
        assert rows[("scikit-ima", "Figure 2")][0] == "missing"
        art = ds.conn.execute("SELECT doi, year, url, publisher, problems FROM articles WHERE title LIKE 'SciPy%'"
                              ).fetchone()
        assert art["publisher"] == "arxiv" and art["doi"] is None  # a bare archive: no id, no DOI
        assert "Figure 2: no image: graphics not in the e-print: static/scipy_timeline" in art["problems"]
        assert "Figure 1: no \\\\includegraphics" in art["problems"]  # a verbatim figure (JSON-escaped)
        asv = rows[("SciPy 1.0—", "Figure 4")]
        try:
            import pypdfium2  # noqa: F401
        except ImportError:
            assert asv[0] == "missing" and "pypdfium2 is not installed" in art["problems"]
        else:
            assert asv[:2] == ("ok", "png") and asv[2] > 3000  # rendered at 300 dpi
        assert "arxiv" in ds.stats()["per_publisher"]


def _tar_gz(files: dict) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


# A constructed LaTeX document (not real data) with the panel forms papers use; the images are
# real figures of the demo corpus (CC-BY, demo/SOURCES.md).
SUBFIGURES = r"""
\documentclass{article}
\usepackage{subcaption}
\graphicspath{{figs/}}
\begin{document}
\title{Panels}
\author{A. Author \and B. Author}
\maketitle
\begin{figure*}[t]
  \centering
  \begin{subfigure}[b]{0.48\textwidth}
    \includegraphics[width=\linewidth]{left}
    \caption{SEM image of the Ag nanowires.}\label{fig:a}
  \end{subfigure}\hfill
  \begin{subfigure}[b]{0.48\textwidth}
    \includegraphics[width=\linewidth]{right.jpg}
    \caption{TEM image of one wire, scale bar \SI{50}{\nano\metre}.}
  \end{subfigure}
  \caption{Electron micrographs of silver nanowires.}\label{fig:wires}
\end{figure*}
\renewcommand{\thefigure}{S\arabic{figure}}
\setcounter{figure}{0}
\begin{figure}
  \subfloat[XRD pattern]{\includegraphics[width=0.3\textwidth]{left}}
  \subfloat[]{\includegraphics[width=0.3\textwidth]{right}}
  \caption{Supplementary: (a) XRD and (b) its fit.}
\end{figure}
\end{document}
"""


def test_subfigures_give_panel_subcaptions_and_one_composed_image(tmp_path):
    left = (DEMO / "nature" / "figures" / "s41467-018-06297-9_fig1.jpg").read_bytes()
    right = (DEMO / "nature" / "figures" / "s41467-018-06211-3_fig2.jpg").read_bytes()
    archive = tmp_path / "2101.00001v1.tar.gz"
    archive.write_bytes(_tar_gz({"main.tex": SUBFIGURES.encode(), "figs/left.jpg": left, "figs/right.jpg": right}))
    doc = read_document(open_eprint(archive))
    first, second = doc.figures
    assert (first.label, first.key, first.wide) == ("Figure 1", "fig:wires", True)
    assert [(p.letter, p.caption) for p in first.panels] == [
        ("a", "SEM image of the Ag nanowires."), ("b", "TEM image of one wire, scale bar 50 nm.")]
    assert first.caption == "Electron micrographs of silver nanowires."
    assert (second.label, [(p.letter, p.caption) for p in second.panels]) == ("Figure S1", [("a", "XRD pattern"),
                                                                                          ("b", "")])
    with Dataset.open(tmp_path / "d") as ds:
        summary = ingest_paths(ds, [archive])
        assert summary.failed == 0, summary.failures
        art = ds.conn.execute("SELECT doi, year, url, authors FROM articles").fetchone()
        assert (art["doi"], art["year"], art["url"]) == ("10.48550/arxiv.2101.00001", 2021,
                                                         "https://arxiv.org/abs/2101.00001v1")  # from the file name
        fig = ds.conn.execute("SELECT id, caption, caption_shared, image_status, width FROM figures "
                              "WHERE label = 'Figure 1'").fetchone()
        assert fig["caption"] == ("Electron micrographs of silver nanowires. (a) SEM image of the Ag nanowires. "
                                  "(b) TEM image of one wire, scale bar 50 nm.")
        assert fig["caption_shared"] == "Electron micrographs of silver nanowires."
        subs = ds.conn.execute("SELECT label, text FROM subcaptions WHERE figure_id = ? ORDER BY label",
                               (fig["id"],)).fetchall()
        assert [tuple(s) for s in subs] == [("a", "SEM image of the Ag nanowires."),
                                            ("b", "TEM image of one wire, scale bar 50 nm.")]
        assert fig["image_status"] == "ok" and fig["width"] > 2000  # both panels side by side in one image
        # Panels with empty sub-captions: the caption text is split as usual.
        s1 = ds.conn.execute("SELECT f.id FROM figures f WHERE label = 'Figure S1'").fetchone()["id"]
        assert {r[0] for r in ds.conn.execute("SELECT label FROM subcaptions WHERE figure_id = ?", (s1,))} == \
            {"a", "b"}


def test_broken_archives_are_refused_naming_the_file_and_the_run_goes_on(tmp_path):
    good = tmp_path / "good.tar.gz"
    shutil.copy(SKIMAGE, good)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(SKIMAGE.read_bytes()[:50_000])  # a download that stopped
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"\x1f\x8b" + b"not gzip at all" * 10)
    with pytest.raises(EprintError, match="cut.tar.gz: the e-print is cut short"):
        open_eprint(cut)
    with Dataset.open(tmp_path / "d") as ds:
        summary = ingest_paths(ds, [cut, junk, good])
        assert summary.failed == 2 and summary.articles == 1
        reasons = dict(summary.failures)
        assert "cut.tar.gz: the e-print is cut short" in reasons[str(cut.resolve())]
        assert "junk.tar.gz: the e-print is a broken gzip file" in reasons[str(junk.resolve())]
        assert "delete it and run again" in reasons[str(cut.resolve())]


def test_inputs_are_bounded_and_single_gzipped_tex_is_read(tmp_path):
    loop = rb"\documentclass{article}\begin{document}\input{main}\begin{figure}\caption{x}\end{figure}\end{document}"
    archive = tmp_path / "loop.tar.gz"
    archive.write_bytes(_tar_gz({"main.tex": loop}))
    doc = read_document(open_eprint(archive))
    assert any("levels of \\input" in p for p in doc.problems) and len(doc.figures) > 0
    single = tmp_path / "one.gz"
    single.write_bytes(gzip.compress(SUBFIGURES.encode()))
    eprint = open_eprint(single)
    assert eprint.kind == "tex" and len(read_document(eprint).figures) == 2
    assert eprint_suffix(single.read_bytes()) == ".gz" and eprint_suffix(SKIMAGE.read_bytes()) == ".tar.gz"
    assert eprint_suffix(b"%PDF-1.5") == ".pdf"
    assert isinstance(detect_parser(single), ArxivParser)
    image = tmp_path / "micrograph.tif.gz"  # a gzip'd file that is not LaTeX is not an e-print
    image.write_bytes(gzip.compress((DEMO / "nature" / "figures" / "s41467-018-06297-9_fig1.jpg").read_bytes()))
    assert not isinstance(detect_parser(image), ArxivParser)
    with pytest.raises(EprintError, match="neither a tar archive, a PDF nor LaTeX"):
        open_eprint(image)


def test_real_atom_answers():
    feed = parse_feed((DATA / "atom" / "search-au_del_maestro.xml").read_bytes())
    assert (feed.total, feed.start, len(feed.entries)) == (31, 0, 10)
    one = parse_feed((DATA / "atom" / "id_list-1111.2011v2.xml").read_bytes()).entries[0]
    assert (one.arxiv_id, one.doi, one.published[:4]) == ("1111.2011v2", "10.1103/physrevb.85.115117", "2011")
    assert one.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert one.categories == ("cond-mat.str-el", "cond-mat.stat-mech") and one.license is None
    recent = parse_feed((DATA / "atom" / "id_list-2104.12255v1.xml").read_bytes()).entries[0]
    assert (recent.arxiv_id, recent.doi, recent.categories) == ("2104.12255v1", None, ("cs.CR",))
    assert arxiv_id("https://arxiv.org/abs/cond-mat/0102536v1") == "cond-mat/0102536v1"
    assert arxiv_id("http://export.arxiv.org/e-print/2101.00001") == "2101.00001"


def test_atom_entry_with_a_pdf_only_eprint_goes_to_the_pdf_hook(tmp_path):
    """The saved layout of the family (pages/arxiv/<id>.xml + <id>_files/eprint.*): the real API
    entry of 1111.2011v2, and as its e-print a real PDF (the SciPy paper's asv.pdf figure), as arXiv
    serves e-prints that were submitted without source."""
    page = tmp_path / "1111.2011v2.xml"
    page.write_bytes((DATA / "atom" / "id_list-1111.2011v2.xml").read_bytes())
    (tmp_path / "1111.2011v2_files").mkdir()
    pdf = tmp_path / "1111.2011v2_files" / "eprint.pdf"
    pdf.write_bytes(open_eprint(SCIPY).files["static/asv.pdf"])
    assert isinstance(detect_parser(page), ArxivParser)
    (item,) = ArxivParser().parse(page)
    art = item.article
    assert (art.publisher, art.doi, art.year, art.url) == (
        "arxiv", "10.1103/physrevb.85.115117", 2011, "https://arxiv.org/abs/1111.2011v2")
    assert art.authors[1] == "Adrian Del Maestro" and art.keywords == ("cond-mat.str-el", "cond-mat.stat-mech")
    other = detect_parser(pdf)
    if other is None or other.name in ("arxiv", "generic"):
        assert art.access == "abstract" and item.figures == ()
        assert any("no PDF parser is installed" in p for p in item.problems)
    else:  # a PDF parser is registered: the hook hands the e-print to it
        assert art.access == "full"
    pdf.unlink()
    (item,) = ArxivParser().parse(page)  # nothing fetched yet: metadata only, and it says so
    assert item.article.access == "abstract" and any("was not fetched" in p for p in item.problems)


def test_oai_licence_records(tmp_path):
    from figdex.ingest.sources.arxiv import oai_license

    # Constructed answers in the OAI-PMH format (not saved responses): a record, and an error.
    record = tmp_path / "oai.xml"
    record.write_text('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><GetRecord><record><metadata>'
                      '<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><license>http://creativecommons.org/licenses/by-nc-sa/'
                      '4.0/</license></arXiv></metadata></record></GetRecord></OAI-PMH>')
    assert oai_license(record) == ("CC-BY-NC-SA-4.0", None)
    record.write_text('<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><error code="idDoesNotExist">'
                      "unknown</error></OAI-PMH>")
    assert oai_license(record) == (None, "oai.xml: arXiv's OAI-PMH answered idDoesNotExist: unknown")


def test_an_archive_without_a_main_latex_file_is_refused_naming_it(tmp_path):
    """Two .tex files, neither with \\documentclass and \\begin{document} (a constructed archive: the
    shape of an e-print whose main file was left out)."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in ("intro.tex", "methods.tex"):
            data = b"\\section{Methods} The sample was annealed."
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp_path / "2401.00001.tar"
    path.write_bytes(buf.getvalue())
    with pytest.raises(EprintError, match=r"2401\.00001\.tar: no main LaTeX file .* among 2 \.tex files"):
        read_document(open_eprint(path))
