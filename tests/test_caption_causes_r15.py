"""Round h185 of issue #15 (caption splitting): causes read off fresh-2026-12n, one test per cause."""

from figdex.ingest.captions.own_figure import figure_names, own_panel_references
from figdex.ingest.captions.split import split_caption


def _texts(split):
    return {s.label: s.text for s in split.subcaptions}


# Cause 1: a caption naming its own panels through its own figure (faadzlan/oe2020Revised Figs. 2, 7-10).
LATEX = (r"The convergence diagram for $y$. Figure \ref{fig:yrmsGCI}a shows how $y$ converges close to the Richardson "
         r"extrapolation value while Fig. \ref{fig:yrmsGCI}b shows how the error decreases with decreasing grid spacing.")


def test_own_latex_label_names_the_panels():
    split = split_caption(LATEX, None, ("fig:yrmsGCI",))
    texts = _texts(split)
    assert set(texts) == {"a", "b"}
    assert texts["a"].startswith("shows how") and "Richardson" in texts["a"] and "error" not in texts["a"]
    assert texts["b"].startswith("shows how the error")
    assert "convergence diagram" in split.shared


def test_label_inside_the_caption_is_its_own():
    split = split_caption(LATEX + r"\label{fig:yrmsGCI}")
    assert set(_texts(split)) == {"a", "b"}


def test_own_figure_number_names_the_panels():
    caption = ("Flow past the cylinder. Figure 5a shows the side view of the domain, while Fig. 5b shows the top "
               "view of the domain.")
    split = split_caption(caption, None, ("5",))
    texts = _texts(split)
    assert set(texts) == {"a", "b"}
    assert "side view" in texts["a"] and "top view" in texts["b"]


def test_other_figures_are_never_panels():
    # Without this figure's names a single reference stays a reference (the splitter cannot tell its own figure
    # from another); LATEX itself, which walks through a, b of one key, is taken as its own since round h192
    # (test_caption_causes_r16).
    assert {s.label for s in split_caption(r"Same as Fig. \ref{fig:yrmsGCI}a, for the finer mesh.").subcaptions} == {"0"}
    caption = "Flow past the cylinder. The side view is as in Fig. 3a and the top view as in Fig. 3b."
    assert {s.label for s in split_caption(caption, None, ("5",)).subcaptions} == {"0"}
    assert own_panel_references(r"as in Fig. \ref{fig:other}b", ("fig:x",)) == r"as in Fig. \ref{fig:other}b"
    # "Figure 25a" is not Figure 5's, and a bare "5a" is no figure reference.
    assert own_panel_references("Figure 25a and sample 5a", ("5",)) == "Figure 25a and sample 5a"


def test_own_reference_forms():
    assert own_panel_references("Fig. 5(b) shows", ("5",)) == "(b) shows"
    assert own_panel_references(r"\autoref{fig:x}c gives", ("fig:x",)) == "(c) gives"
    assert own_panel_references("Figure S2a-c show", ("S2",)) == "(a-c) show"
    assert own_panel_references("Figure 5ab shows", ("5",)) == "Figure 5ab shows"


def test_figure_names_from_a_label():
    assert figure_names("Figure 5") == ("5",)
    assert figure_names("Fig. S2.") == ("S2",)
    assert figure_names("Scheme") == ()
    assert figure_names(None) == ()


# Cause 2: a statement whose subject is a shaded region and names a panel goes to that panel (rule 4), not to the
# panel before it (Cassvell/geomagnetic_local_effects_p1 Fig. 2).
PANELS = ("Analysis of case 13. Panel (a): Dst and H. Panel (b): computed value of D. Panel (c): Power spectrum of D. "
          "Panel (d): Measured total electron content over Mexico.")


def test_region_statement_goes_to_the_panel_it_names():
    texts = _texts(split_caption(PANELS + " Yellow shadowing regions in panel (c) highlight the bandwidths of the "
                                          "filters."))
    assert "Yellow shadowing regions highlight the bandwidths" in texts["c"]
    assert "shadowing" not in texts["d"]


# Cause 3: plural vertical or horizontal lines drawn across the plots, after the last panel, are the figure's note
# (Cassvell Fig. 2 "Dotted vertical lines mark out …"; kif/publi_serial Fig. 7 "The two vertical lines indicate …").
def test_vertical_lines_after_the_last_panel_are_shared():
    split = split_caption(PANELS + " Dotted vertical lines mark out the storm's start (left) and end (right).")
    assert "Dotted vertical lines" in split.shared and "Dotted" not in _texts(split)["d"]
    listed = ("Quality indicators as function of the resolution shell: (a) signal/noise ratio, (b) R split and (c) "
              "CC half. The two vertical lines indicate the shell at which the signal/noise ratio drops below the "
              "threshold.")
    split = split_caption(listed)
    assert "two vertical lines" in split.shared and "vertical" not in _texts(split)["a"]


def test_a_single_line_stays_with_the_last_panel():
    texts = _texts(split_caption(PANELS + " The red line shows the fit to the measured content."))
    assert "red line" in texts["d"]


# Cause 1 at ingest: an arXiv source's caption "Figure \ref{fig:x}a" in fig:x's own caption is printed with the
# figure's number (read alone LaTeX prints "?"), so the splitter, given the figure's number, sees its own panels.
OWN_SOURCE = r"""
\documentclass{article}
\begin{document}
\begin{figure}
\includegraphics{missing.png}
\caption{Problem geometry. Figure \ref{fig:geom}a shows the side view of the domain while Fig.~\ref{fig:geom}b shows
the top view of the domain, as in Fig. \ref{fig:other}b.\label{fig:geom}}
\end{figure}
\end{document}
"""


def test_arxiv_source_prints_its_own_reference_as_its_number(tmp_path):
    import io
    import tarfile

    from figdex.ingest.captions import distribute_caption
    from figdex.ingest.sources.arxiv_source import read_document
    from figdex.ingest.sources.eprint_archive import open_eprint

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        data = OWN_SOURCE.encode()
        info = tarfile.TarInfo("main.tex")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    archive = tmp_path / "2101.00002v1.tar.gz"
    archive.write_bytes(buf.getvalue())
    (figure,) = read_document(open_eprint(archive)).figures
    assert "Figure 1a shows" in figure.caption and "Fig. 1b shows" in figure.caption
    assert "Fig. ?b." in figure.caption  # another figure's reference stays unresolved
    split = distribute_caption(figure.caption, own=figure_names(figure.label))
    assert {s.label for s in split.subcaptions} == {"a", "b"}


def test_figure_word_in_any_case():
    assert own_panel_references("in figure 5b the flow", ("5",)) == "in (b) the flow"
    assert own_panel_references("FIG. 5c shows", ("5",)) == "(c) shows"
