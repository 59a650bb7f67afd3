"""Where a caption's sentences without panel labels go, when no label says so.

Split out of split.py (which holds the distribution itself): the decisions here are about
sentences that name no panel, after the last panel's text or between two panels' texts.
"""

from __future__ import annotations

import re

from figdex.ingest.sources.common import MARK_END, MARK_START

SHARED_START = re.compile(r"^(?:error\s+bars?|data\s+(?:are|represent|shown)|(?:the\s+)?values?\s+are|"
                          r"mean\s*±|\*+\s*p\s*[<=])", re.I)

# Words that make a trailing sentence a note on the whole figure.  An abbreviation's legend ("U, urethra",
# "BC: Bacterial colony") needs a word after it: "EEF1A1, EEF1A2 and ZNF598 depletions …" lists genes.  A capital,
# a hyphen and a word ("X-axis", "Z-scores: homeobox TF: 17.4, …") is a word, not an abbreviation.
FIGURE_NOTE = re.compile(r"\b(?:representative|all\s+(?:images|panels|micrographs|data|values|experiments)|"
                         r"each\s+(?:panel|image|group)|"
                         r"(?:these|the|all|both)\s+(?:images|panels|figures|plots|graphs|spectra|maps|curves)\b|"
                         # a bare plural subject names them all: "Images are lifetime-intensity overlays."
                         r"^(?:images|micrographs|photographs|panels)\s+(?:are|were|show)\b|"
                         # "The data are …" opens a note; "… represents the data predicted by …" is about a plot.
                         # (not "The data is the differentiated current …": what the panel plots)
                         r"^(?:the|these|all|both)\s+data\b(?!\s+(?:is|are)\s+the\b)|source\s+data|"
                         r"^(?:the|these|all|both)\s+(?:results|simulations|calculations|measurements|models)\b|"
                         # lines drawn across the plots: "Dotted vertical lines mark out …", "The two vertical lines
                         # indicate …" (plural; "The red line shows the fit" goes on about the last panel)
                         r"^(?:the\s+)?(?:(?:two|three|four|dotted|dashed|solid|thin|thick|grey|gray|black)\s+)*"
                         r"(?:vertical|horizontal)\s+(?:(?:dotted|dashed|solid|grey|gray|black)\s+)*lines\b|"
                         # a model's settings: "Parameters for yPC: a_NaT=1000, …", "All parameters … the same …"
                         r"^(?:(?:the|all|other|model|simulation)\s+)*parameters?\b|"
                         # a symbol's definition: "r′ is the distance from …", "n denotes the number of …"
                         r"^[A-Za-z](?:['′]|_\w+|\$[^$]{1,20}\$)?\s+(?:is|are|denotes?)\s+(?:the|a|an)\s|"
                         r"^(?!(?:However|Here|Thus|Therefore|Hence|Lastly|Finally|Also|Similarly|Moreover|Furthermore|"
                         r"Additionally|Again|Then|Next|Notably|Importantly|Overall|Together|Conversely|Instead|"
                         r"Meanwhile|Indeed|Consequently|(?-i:[A-Z]-[a-z]{3,}))\b)(?-i:[A-Z][A-Za-z0-9+\-]{1,7}[,:]\s+[A-Za-z][a-z])|"
                         # "SD" alone is often a plotted quantity ("the fit of SD against tKCN"); after ± it is the figure's spread.
                         r"scale\s+bars?|error\s+bars?|abbreviations?|mean\s*(?:±|\+/?-|values?)|(?:±|\+/?-)\s*s\.?d\.?\b|"
                         r"s\.?e\.?m\.?\b|^(?:scale\s+)?bars?\s*[,:=]|^scale\s*[:=]|^(?:an?\s+|the\s+)?p[\s-]*values?\b|"
                         r"reproduced\s+(?:from|with)|with\s+permission|adapted\s+from|"
                         r"standard\s+(?:deviation|error)|independent\s+experiments|p\s*[<>]|"
                         r"significance|statistical(?:ly)?\s+(?:analys|test|significan)|unless\s+otherwise|"
                         r"(?:biological|technical|independent)\s+replicates|each\s+(?:chart|graph|plot|bar)\b|"
                         # Arrows as the sentence's subject mark things in every panel ("Arrows indicate …"); "(arrow)" inside
                         # a description points at something in the panel just described.
                         r"magnification|bar\s*=|^(?:the\s+)?(?:[\w-]+\s+)?arrow(?:head)?s?\b|asterisks?|insets?|inserts?\b|"
                         # legend icons ("The clock icon is indicating the flow of simulation time …") and where the
                         # plotted data are ("Data tables underlying the Venn diagrams … are provided in …")
                         r"^(?:the\s+)?(?:[\w-]+\s+)?icons?\b|^(?:the\s+)?(?:data|data\s+tables?|tables?)\s+underlying\b|"
                         r"see\s+also\s+(?:fig|supp|table)|比例尺|标尺|"  # (Chinese: "scale bar")
                         # The authors speaking of their study ("The screening was performed once, but we conducted two
                         # selections …"): methods, not one panel's content.
                         r"\bwe\s+(?!see|observe|note|find|show)[a-z]+ed\b)",
                         re.I)


# Marks drawn on the images ("… capillaries (arrows).").  After a caption that only names its panels, one phrase each
# ("(A) Bone marrow (B) Liver … (L) Ventral prostate."), a sentence on them speaks of every panel: no panel was described.
MARKS = re.compile(r"\barrow(?:head)?s?\b|\basterisks?\b", re.I)


# An abbreviation key written "abbreviation-word" ("an-plagioclase with ~70% anorthite; ilm-ilmenite;
# mag-magnetite; px-pyroxene.", geology's "Qz—quartz; Pl—plagioclase; Bt—biotite."): three or more items, each a
# short abbreviation, a dash or an equals sign and a word, joined by semicolons or commas.
_KEY_ITEM = r"[A-Za-z][A-Za-z0-9+]{0,4}\s*[-–—=]\s*[A-Za-z][^;,]*"
ABBREVIATION_KEY = re.compile(rf"^(?:{_KEY_ITEM}[;,]\s*){{2,}}{_KEY_ITEM}$")


def is_figure_note(body: str, scale_start: re.Pattern, panel_notes: frozenset = frozenset()) -> bool:
    """Whether a sentence after the last panel's own text speaks of the whole figure ("Images are
    representative of …", "Scale bars …", "Data are mean ± SD", an aside wholly in brackets).
    Not when panels' own texts hold notes opening the same way (``panel_notes``, see
    ``panel_note_openings``): then the caption states that note panel by panel, unless this one
    says it is the figure's default ("… unless otherwise specified")."""
    if _opening(body) in panel_notes and not re.search(r"unless\s+otherwise", body, re.I):
        return False
    aside = body.startswith(("(", "[")) and body.rstrip(".").endswith((")", "]"))
    return bool(FIGURE_NOTE.search(body) or SHARED_START.match(body) or scale_start.match(body) or aside
                or ABBREVIATION_KEY.match(body.rstrip(".")))


# "… in A and B are computed …", "… used for scale in B, C, D, E, G and H has …": capital panel letters named
# without brackets after a preposition, before a verb or the sentence's end (not "B cells", "in A549").
# Not "… are colored as in panel D, with …": a comparison with another panel is a cross-reference (rule 6), and the
# sentence goes on about the panel before it.
_BARE_REFS = re.compile(r"(?<!\bas )\b(?:in|of|for|from)\s+(?:panels?\s+)?([A-Z](?:\s*(?:,\s*and|,|and|&|--|[–—-])\s*[A-Z])*)"
                        r"(?=\s*[.;,]|\s+(?:is|are|was|were|has|have|had|shows?|represents?|indicates?|denotes?)\b)")


def names_panels(body: str, scheme: str, labels: set[str]) -> bool:
    """Whether a sentence after the last panel's own text names panels by bare capital letters ("Confidence
    intervals in A and B are computed using bootstrap.", "The hammer used for scale in A has a length of 33
    cm."): such sentences are a note on the figure, shared by all panels.  Not bracketed labels: "The K
    mapping (panel f) indicates …", "… colored as in panel (A) …" go on about the last panel (the gold's
    reading on the development sets).  ``labels``: the caption's panel labels, in capitals."""
    if scheme != "ALPHA":
        return False  # ("in a and b": lower-case letters there are articles and symbols too)
    # Only letters the caption labels panels with: "expression of T, …" names a gene.
    return any(set(re.findall(r"\b[A-Z]\b", m.group(1))) <= labels for m in _BARE_REFS.finditer(body))


_PANELS_NAMED = re.compile(r"\b(?:in|of|for|from)\s+panels\s+([A-Z](?:\s*(?:,\s*and|,|and|&|--|[–—-])\s*[A-Z])+)\s*[.;]?$")


def panels_named_at_end(body: str, scheme: str, labels: set[str], expand) -> tuple[str, ...] | None:
    """"Green dots indicate SNPs … in panels B–F.": a note after the last panel that ends by naming some of the
    panels (the word "panels" and a list) is about those panels (rule 4), not the whole figure.  ``labels``: the
    caption's panel labels, in capitals; ``expand``: label list text -> labels."""
    # (Not "Source data for panels A-G.": eLife's pointer to the figure's data files, a note on the whole figure.)
    m = _PANELS_NAMED.search(body) if scheme == "ALPHA" and not re.match(r"source\s+data\b", body, re.I) else None
    if not m or not set(re.findall(r"[A-Z]", m.group(1))) <= labels:
        return None
    named = tuple(expand(m.group(1)))
    return named if named and len(set(named)) < len(labels) else None


_SUBJECT_LABEL = re.compile(r"[\s\x01\x02]*(?:shows?|depicts?|displays?|illustrates?|presents?|gives?|plots?)\s", re.I)


def listed_in_one_sentence(text: str, spans: list[tuple[int, int]], intros: list) -> dict | None:
    """When every panel is introduced inside one sentence after words they share ("… computation
    of solvation for (a) a charged sphere and (b) a protein."), that sentence is a list and the
    last panel's text ends with it.  Returns each panel's own words ({labels: words}), else None."""
    if len(intros) < 2:
        return None
    span = next(((s, e) for s, e in spans if s <= intros[0].start < e), None)
    if span is None or not all(span[0] <= m.start < span[1] for m in intros):
        return None
    head = text[span[0]:intros[0].start].strip()
    # (No head: a sentence that opens with its first label as the subject of a clause and holds every panel, "Figure
    # 2a shows the side view …, while Fig. 2b shows the top view …. Note that …", is a list too, and the note after
    # it the figure's; not a list of labelled phrases, "(a) Strong staining …; (c) negative …. Positive marker …".)
    if not head and _SUBJECT_LABEL.match(text[intros[0].end:]):
        pass
    elif len(head.split()) < 2 or head.endswith((".", ";")):
        return None
    ends = [m.start for m in intros[1:]] + [span[1]]
    own = {m: _content_words(text[m.end:end]) - _content_words(head) for m, end in zip(intros, ends)}
    # A list gives every panel its words in that sentence ("… gold b. Evolution of …" ends before b's).
    if not all(own.values()):
        return None
    # A panel's own words are those no other listed panel has: "(a) principal component analysis and (b)
    # hierarchical clustering analysis. For the principal component analysis, …" repeats a's, not b's "analysis".
    distinct = {m: words - set().union(*(w for n, w in own.items() if n is not m)) for m, words in own.items()}
    return distinct if all(distinct.values()) else own


def listed_sentence_owner(body: str, own_words: dict):
    """The panel a sentence after such a list describes: the one whose own words it repeats alone
    ("(a) HE staining and (b) ERG staining. The nuclei stain positively for ERG …" is about b);
    None (the whole figure) when it repeats no panel's words or several panels'."""
    words = _content_words(body)
    owners = [m for m, own in own_words.items() if own & words]
    return owners[0] if len(owners) == 1 else None


def after_a_list(text: str, prev: tuple[int, int], span: tuple[int, int], intros: list) -> tuple | None:
    """"… treatment with (A) 0.1% DMSO or (B) 100 nM BafA in U2OS cells. DMSO or BafA was added at time 0.": a
    sentence without labels right after one that lists panels goes to the listed panel whose own words it repeats,
    or to every panel when it repeats several panels' words (as after a list that closes the caption).  Returns
    (the owner's mention or None for all), or None when the sentence repeats no listed panel's words."""
    own = listed_in_one_sentence(text, [prev], [m for m in intros if prev[0] <= m.start < prev[1]])
    body = text[span[0]:span[1]].replace(MARK_START, "").replace(MARK_END, "")
    if own is None or not any(words & _content_words(body) for words in own.values()):
        return None
    return (listed_sentence_owner(body, own),)


_STOP = frozenset("the and for with from that this these those are was were its their into onto over under "
                  "between after before during same area show shows showing shown image images panel panels".split())


def content_words(text: str) -> set[str]:
    return _content_words(text)


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9-]{2,}", text.lower()) if w not in _STOP}


# A sentence opening with one of these words continues the sentence before it.
_ANAPHOR = re.compile(r"^(?:they|these|this|it|those|both|such|here)\b", re.I)


def leads_into(text: str, following: list[tuple[int, int]], mentions: list, scheme: str) -> tuple[str, ...] | None:
    """Labels of the next sentence when a label-less sentence belongs to it: in captions whose
    labels follow their phrases ("… are shown in (b) using black points."), a sentence that names
    no panel and is taken up by the next one ("The mid-points are … . They are shown using grey
    points in (c).") describes the later panel, not the one before it.  ``following``: the next
    sentence's span (none at the caption's end)."""
    if not following:
        return None
    start, end = following[0]
    marks = [m for m in mentions if start <= m.start < end]
    if not marks or any(m.role != "post" for m in marks):
        return None
    if not _ANAPHOR.match(text[start:end].replace(MARK_START, "").replace(MARK_END, "").strip()):
        return None
    return tuple(lab for m in marks for lab in m.labels(scheme))


def first_label_comes_last(order: list[str], first: str) -> bool:
    """Panel labels are introduced in their order, the first ("a", "i", "1") before the others.
    Labels whose first comes only after every other ("… complexed state (v) and free in solution
    (ii) … zero (iii) … analytically (iv) … the standard binding free energy (i)") number the
    states or branches of one scheme, not its panels.  ``order``: labels in order of first mention."""
    seen = list(dict.fromkeys(order))
    return len(seen) >= 3 and first in seen and seen[-1] == first


# A statement about what is drawn on panels: scale and error bars, markers, insets, shaded regions.
_STATEMENT = re.compile(r"^(?:all\s+|the\s+)?(?:[\w-]+\s+){0,3}?(?:scale\s+bars?|error\s+bars?|arrows?|arrowheads?|"
                        r"asterisks?|insets?|lines?|images|micrographs|plots|curves|spectra|"
                        # "Yellow shadowing regions in panel (d) highlight …", "Shaded areas in (b) mark …"
                        r"regions?|areas?|bands?)\b", re.I)


def named_statement(text: str, start: int, end: int, refs: list, scheme: str) -> tuple[tuple[str, ...], str] | None:
    """"Scale bars in (E) and (F) are 50 nm.": a statement whose subject names panels goes, without
    the panel references, to each panel it names (the gold's rule 4), not to the panel before it
    nor to all.  Returns (labels, text) or None; ``refs``: the caption's cross-reference mentions."""
    plain = text[start:end]
    lead = len(plain) - len(plain.lstrip())
    head = _STATEMENT.match(plain.lstrip())
    inside = [m for m in refs if start <= m.start < end]
    if not head or not inside:
        return None
    # The references must name the subject right after it ("Error bars in (d) and (e) represent …"),
    # not a later object ("Inset: the same region as the inset in (h) …").
    subject_end = start + lead + head.end()
    if not re.fullmatch(r"\s+(?:in|for|of)\s+(?:panels?\s+)?", text[subject_end:inside[0].start], re.I):
        return None
    if any(not re.fullmatch(r"[\s,;&]*(?:(?:and|or)\s*)?", text[a.end:b.start]) for a, b in zip(inside, inside[1:])):
        return None
    words = (text[start:subject_end] + text[inside[-1].end:end]).replace(MARK_START, "").replace(MARK_END, "")
    return tuple(lab for m in inside for lab in m.labels(scheme)), re.sub(r"\s+", " ", words).strip()


# "In A, models include …", "In panel (b), the …", "Panel (A) shows …", "The panels b–e show …": a sentence whose
# opening names panels it speaks of (a label already introduced, hence read as a cross-reference); an adverb may
# stand before the verb ("Panels J and K also show …").
_LABEL_LIST = r"[A-Za-z](?:\s*(?:,\s*and|,|and|&|--|[–—-])\s*[A-Za-z])*"
_OPENING_REF = re.compile(
    rf"^(?:(?:in|for)\s+(?:panels?\s+)?(?P<scope>\({_LABEL_LIST}\)|{_LABEL_LIST})\s*,\s+|"
    # "in panels b and c lines are coloured …": with the word "panels", no comma is needed after the list
    rf"(?:in|for)\s+panels?\s+(?P<listed>\({_LABEL_LIST}\)|{_LABEL_LIST})\s+(?=[a-z])|"
    rf"(?:the\s+)?panels?\s+(?P<subject>\({_LABEL_LIST}\)|{_LABEL_LIST})\s+(?=(?:(?:also|both|each)\s+)?"
    r"(?:show|shows|depict|depicts|display|displays|illustrate|illustrates|present|presents|compare|compares|"
    r"contain|contains|represent|represents)\b))",
    re.I)


def opening_reference(body: str, labels: set[str], expand) -> tuple[tuple[str, ...], str] | None:
    """(labels, the sentence without its opening reference) when ``body`` opens by naming panels it is about
    ("In A, models include age …" -> A: "models include age …"): rule 4 gives a statement that names panels to
    each panel it names, not to the panel before it nor to all.  ``labels``: the caption's panel labels (lower
    case; a letter the caption does not label with, "In T, …", names something else); ``expand``: label list
    text -> labels."""
    m = _OPENING_REF.match(body)
    if not m:
        return None
    named = expand((m.group("scope") or m.group("listed") or m.group("subject")).strip("()"))
    if not named or not set(named) <= labels:
        return None
    rest = body[m.end():].strip()
    return (tuple(named), rest) if rest else None  # (words as written: rule 7)


# "Panels A and B show …, and panels C–F show …": a later clause of the sentence that opens by naming other panels.
_NEXT_OPENING = re.compile(rf"[,;]\s*(?:(?:and|while|whereas|but)\s+)?(?=(?:the\s+)?panels?\s+(?:\({_LABEL_LIST}\)|"
                           rf"{_LABEL_LIST})\s+(?:show|shows|depict|depicts|display|displays|illustrate|illustrates|present|"
                           r"presents|compare|compares|contain|contains|represent|represents)\b)", re.I)


def opening_references(body: str, labels: set[str], expand) -> list[tuple[tuple[str, ...], str]]:
    """``opening_reference`` for each clause of ``body`` that opens by naming its panels ("Panels A and B show
    traditional lipids, and panels C–F show non-traditional lipids": each clause to its own panels, rule 4);
    [] when the sentence does not open so."""
    first = opening_reference(body, labels, expand)
    if not first:
        return []
    cut = _NEXT_OPENING.search(body, len(body) - len(first[1]))
    if cut:
        rest = opening_references(body[cut.end():], labels, expand)
        if rest:
            return [opening_reference(body[:cut.start()], labels, expand) or first] + rest
    return [first]


def panel_note_openings(text: str, spans: list[tuple[int, int]], mentions: list) -> frozenset:
    """Openings (first three words) of the sentences inside the panels' texts that name no panel:
    "(C) Quantification of (B). Significance determined using two-way ANOVA …. (H) …. Significance
    determined using a t test …": the last such note after the last panel is that panel's too."""
    if not mentions:
        return frozenset()
    first, last = min(m.start for m in mentions), max(m.start for m in mentions)
    openings = {_opening(text[s:e]) for s, e in spans
                if first < s < last and not any(s <= m.start < e for m in mentions)}
    # "(H) Wiring diagram. Hexagons represent cell groups. Arrows represent the synapses.": the last
    # panel's text ends in a run of "<Marks> represent …" sentences, which a trailing one continues.
    after = [text[s:e] for s, e in spans if s > last or s <= last < e]
    own = True  # whether the sentence before stays with the last panel
    for prev, cur in zip(after, after[1:]):
        chained = own and _ENCODING.match(prev.strip()) is not None and _ENCODING.match(cur.strip()) is not None
        if chained:
            openings.add(_opening(cur))
        own = chained or not (FIGURE_NOTE.search(cur.strip()) or SHARED_START.match(cur.strip()))
    return frozenset(openings)


_ENCODING = re.compile(r"^[A-Z][a-z]+(?:\s+[a-z]+)?\s+(?:represents?|indicates?|denotes?|mark)\s", re.I)


def _opening(sentence: str) -> tuple[str, ...]:
    words = re.findall(r"[A-Za-z]+", sentence.lower())[:3]
    return tuple(words) if len(words) == 3 else ()
