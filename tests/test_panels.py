"""Panel-level matching (retrieval/panels.py): what ties a panel to a query is its own text."""

from __future__ import annotations

from figdex.index.query import parse_user_query
from figdex.index.records import Hit
from figdex.retrieval.panels import panel_matches

CAPTION = ("Evolution of Ag particles during in situ TEM imaging. (a) Initial TEM image of the particles. "
           "(d) EDS spectrum from a nanocage.")
TITLE = "Evolution of Ag particles during in situ TEM imaging."


def panel(label: str, subcaption: str, labels=(), image_class="microscopy") -> Hit:
    return Hit(id=f"x-fig4-{label}", score=1.0, doi=None, figure="Fig. 4", label=label, caption=CAPTION, image=None,
               image_class=image_class, subcaption=subcaption, labels=tuple(labels))


def matches(query: str, hit: Hit) -> bool:
    return panel_matches(parse_user_query(query), hit)


def test_the_figure_title_does_not_tie_a_panel_to_the_query():
    # Caption distribution heads every sub-caption with the title, and the term labels follow it.
    eds = panel("d", f"{TITLE} EDS spectrum from a nanocage.", ["term:TEM", "term:EDS", "class:graph"], "graph")
    assert not matches("TEM", eds) and matches("EDS", eds) and matches("nanocages", eds)  # stemmed as the engines
    tem = panel("a", f"{TITLE} Initial TEM image of the particles.", ["term:TEM"])
    assert matches("TEM", tem) and matches("TEM image*", tem)
    # A panel with no text of its own keeps the title: it is all that describes it.
    assert matches("TEM", panel("b", TITLE, ["term:TEM"]))


def test_labels_and_class_tie_a_panel_and_a_whole_figure_keeps_its_caption():
    assert matches("SEM", panel("c", "Top view of the film.", ["user:SEM"]))
    assert matches("microscopy", panel("c", "Top view of the film."))
    assert not matches("EDS", panel("c", "Top view of the film."))
    whole = panel("0", CAPTION)
    assert matches("EDS", whole) and matches('"in situ" TEM', whole)
    assert matches("EDS OR nothing", panel("d", f"{TITLE} EDS spectrum."))
