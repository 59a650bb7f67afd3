"""Find panel-label mentions in a caption: "(a)", "a)", "(b–d)", "(a, b)", bare "c–e Text", bold labels.

A mention is classified by where it stands:
* intro: the label comes before its text ("(a) TEM image of …", "b The schematic …");
* post: the label follows the phrase it names ("… of Au (a) and Ag (b) particles");
* ref: a cross-reference to a panel described elsewhere ("the box in f", "as in (b)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from figdex.ingest.sources.common import MARK_END, MARK_START

ROMANS = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
POSITIONS = ("top", "bottom", "left", "right", "middle", "center", "centre", "upper", "lower")

INTRO, POST, REF = "intro", "post", "ref"

_TOKEN = r"(?:[A-Za-z]\d{0,2}|\d{1,2}|[ivx]{2,4})['′]?"
_SEP = r"\s*(?:,\s*and\b|,|;|&|--|–|—|−|-|~|\band\b|\bto\b)\s*"
_LIST = rf"{_TOKEN}(?:{_SEP}{_TOKEN})*"
_MK = f"[{MARK_START}{MARK_END}]?"

# "(A.)": some authors put a full stop inside the brackets.
# "Panel (A) shows …": the word before the bracket is part of the mention.
# "(H&E)", "(R&D)" are abbreviations, not label pairs; two neighbouring letters ("(A&B)", "(C&D)") are panels.
_AMP_PAIRS = "|".join(f"{a}&{b}" for a, b in zip("ABCDEFGHIJKLMNOPQRSTUVWXY", "BCDEFGHIJKLMNOPQRSTUVWXYZ"))
# Chinese and Japanese text brackets its labels in full-width brackets too ("（a）正极；（b）负极"); "图(a)为…"
# ("figure (a) is …") names the panel with the word for figure, as "Panel (A)" does.
PAREN = re.compile(rf"(?:\bpanels?\s+|图\s*)?[(（]\s*(?:(?:panels?|fig\.?)\s+)?((?!(?!(?:{_AMP_PAIRS})\b)[A-Z]&[A-Z]\b){_LIST})\.?\s*[)）]",
                   re.I)
# "(a, scale bar 50 nm)", "(C, in red, 200×)", "(anti-CD34, E–H)": a label list with a note.
PAREN_NOTE = re.compile(rf"\(\s*({_LIST})\s*[,;:]\s+([^()]{{2,80}}?)\s*\)|\(([^()]{{2,80}}?)[,;]\s+({_LIST})\s*\)")
# "(A, *100; B, *200)", "(A. H&E * 40, B: H&E * 100)": one bracket holding several labels, each
# with its own note (magnifications, stains); each item names the phrase before the bracket.
# "… maximum (λ=200 nm, Panel (a)), …", "… nanosphere (Panel (d)).": a bracketed "Panel (x)" inside an aside's bracket
# is the aside's label (as "(λ=200 nm, a)" is); matched as a whole, so the outer bracket is not left in the text.
PANEL_NESTED = re.compile(rf"\(\s*(?:([^()]{{2,80}}?)[,;]\s+)?[Pp]anels?\s*\(\s*({_LIST})\s*\)\s*\)")
BRACKET = re.compile(r"\(([^()]{6,240})\)")
_ITEM_CUT = re.compile(r"[;,]\s*(?=[A-Za-z]\s*[,.:]\s)")
_ITEM = re.compile(r"\s*([A-Za-z])\s*[,.:]\s+(\S.*?)\s*")
# "SEM images of the electrode: a – fresh cell; b – aged cell.": a letter and a spaced dash
# opening a clause.
DASH = re.compile(r"(?:(?<=^)|(?<=[.:;]\s))([A-Za-z])\s+[–—-]\s+(?=\w)")
# "A and C: 100X." at the start of a sentence.
COLON = re.compile(rf"(?:(?<=^)|(?<=[.;)]\s))([A-Za-z](?:{_SEP}[A-Za-z])*)\s*:\s")
# "A. Little or no staining …", "A, prostate tumor; B, …" at the start of a sentence or clause.
# "B, C, D. Volcano plots …", "D-F. Predictive …": a list or range of capitals with one full stop.
# Not the last letter of an abbreviation of initials: "mean ± S.D. over n=15 cells" names no panel D.
DOT = re.compile(r"(?:(?<=^)|(?<=[.;:)]\s)|(?<=[.)])(?<!\b[A-Z]\.))([A-Z](?:(?:\s*,\s*|\s*(?:--|[–—−-])\s*)[A-Z])*)\.\s+(?=[\w(])")
# "in vivo.A Mice were …  B Quantification of …": a capital label before a capitalised word.
BARE_CAP = re.compile(r"(?:(?<=[.;]\s)|(?<=[a-z]\.))([A-Z])\s+(?=[A-Z][a-z])")
# "A–C, Representative H&E images …  D, Quantification …", "A and B, …": a range or pair of capitals with one comma
# (AACR and JBC captions).
# "A, B, TEM images …" (Nature's style): a list with commas too, its last comma before the words.
COMMA = re.compile(r"(?:(?<=^)|(?<=[.;:]\s))([A-Z](?:\s*(?:,|--|[–—−-]|and|&)\s*[A-Z])*)\s*,\s+(?=[a-zA-Z(])")
# "a. Prostate weights …  b–d. Histology …  e,f. 10 days …": lower-case labels ending in a full
# stop at the start of a sentence, before a capital or a number (never "a." inside a sentence).
DOT_LOWER = re.compile(rf"(?:(?<=^)|(?<=[.;]\s))([a-z](?:{_SEP}[a-z])*)\.\s+(?=[A-Z0-9])")
# "a, X-ray diffractograms …; b, Operando pressure …": a lower-case label and a comma opening a
# clause, before a capitalised word.
# "a, b, TEM images of …  c, XRD patterns.  d–f, EDS maps …" (Nature's style): a list, pair or range too, its last
# comma before the words (not "a, b, and c are the lattice constants").
COMMA_LOWER = re.compile(r"(?:(?<=^)|(?<=[.;]\s))([a-z](?:\s*(?:,|--|[–—−-]|and)\s*[a-z])*)\s*,\s+"
                         r"(?=[A-Z]|(?!and\b|or\b)[a-z]{2,})")
# "a. Fluorescence image of … gold b. Evolution of …", "where a: urethra …, b: urethra …": a
# letter with a full stop or colon anywhere in a sentence.  Taken only as a run a, b, c … in
# text order with one punctuation (see ``_lettered_run``), never one at a time.
LOOSE = re.compile(r"(?:(?<=^)|(?<=[\s,(]))([a-z])([.:])\s+(?=[A-Z0-9(\[]|[a-z]{2,}|[a-z][A-Z])")  # "c. mRNA …"
# "panels G and H are …", "(PSA; image C)", "In panel G the …": labels named by the word panel
# or image, outside brackets.  Capitals only after "image(s)", where "image a" is rare.
PANEL_WORD = re.compile(rf"\b(?:[Pp]anels?\s+((?:[A-Za-z]|[A-Z]\d)(?:{_SEP}(?:[A-Za-z]|[A-Z]\d))*)|"
                        rf"[Ii]mages?\s+([A-Z](?:{_SEP}[A-Z])*))\b(?![\w\-–(])")
# (In Chinese text: after a full-width stop and before an ideograph, "结果：a)正极；b)负极".)
CLOSE = re.compile(rf"(?:(?<=^)|(?<=[\s;:,.。；：，、])|(?<=[a-z])(?=[A-Z]\)))([A-Za-z](?:\s*,\s*[A-Za-z])+|[A-Za-z]\s*(?:--|[–—−-])\s*[A-Za-z]|{_TOKEN})[)）](?=\s|[\u4e00-\u9fff])")
# "SEM images of a, c)pristine and b, d) cycled …": a list closed by a bracket glued to its phrase's word.
CLOSE_GLUED = re.compile(r"(?:(?<=^)|(?<=\s))([A-Za-z](?:\s*,\s*[A-Za-z])+)\)(?=[a-z]{2,})")
# "A and B provide insight into …. C compares …": capital labels as the subject of a sentence,
# before a verb that describes a panel (a capital before other words is too often a name: "B cells").
SUBJECT = re.compile(r"(?:(?<=^)|(?<=[.;]\s))([A-Z](?:\s*(?:,\s*and|,|and|&|--|–|—|-)\s*[A-Z])*)\s+(?=(?:is|are|was|were|"
                     r"shows?|displays?|depicts?|provides?|compares?|illustrates?|presents?|represents?|contains?|"
                     r"reveals?|indicates?|demonstrates?|highlights?|summari[sz]es?|describes?)\b)")
# "…; B hematoxylin and eosin": a capital label (not the article "A") opening a clause.
BARE_UPPER = re.compile(r"(?:(?<=;\s)|(?<=[.;]\s\s))([B-Z])\s+(?=[a-z]{2,})")
# A bare label list at the start of the caption or of a sentence/clause, followed by a word.
BARE = re.compile(rf"(?:(?<=^)|(?<=[.;:]\s)|(?<=[.;:]\s\s))([a-z](?:{_SEP}[a-z])*)\s+(?=[A-Z(\[\d\"'‘“]|[a-z]{{2,}})")
POSITION = re.compile(
    r"\(\s*((?:top|bottom|upper|lower|middle|centre|center)?(?:[\s-]*(?:left|right|middle|center|centre))?"
    r"(?:\s+(?:panel|row|column|image)s?)?)\s*\)|"
    r"(?:(?<=^)|(?<=[.;]\s))((?:top|bottom|upper|lower|left|right)(?:[\s-]+(?:left|right))?"
    r"(?:\s+(?:panel|row|column|image)s?)?)\s*:", re.I)
BOLD = re.compile(rf"{MARK_START}\s*({_LIST})\s*{MARK_END}")
# What may stand between two mentions that form one list: "a, b", "c–e", "(a) and (b)".
# (Chinese: "(a)、(b)", "(a)和(b)" "and", "(a)至(c)", "(a)~(c)" "to".)
_JOIN = re.compile(r"^\s*(,|;|&|–|—|−|-|and|to|,\s*and|、|，|和|及|与|至|~|～)?\s*$")

# Chinese and Japanese script (ideographs, kana), and the full-width stops that end a sentence or clause in it.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_STOPS = "。；：！？，、"
# "图a，信号来源示意图。图b，…": Chinese captions name a panel "图a" ("figure a"); only letters ("图3" is a figure).
CJK_FIGURE = re.compile(r"图\s*([a-zA-Z](?:\s*[、，,和及与~～–-]\s*[a-zA-Z])*)(?![A-Za-z0-9])\s*[，,：:]?")

# Words after which a panel label is a cross-reference, not a panel's description.
REF_WORDS = {"in", "see", "from", "than", "cf", "cf.", "panel", "panels", "as", "to", "vs", "vs.", "versus",
             "into", "like", "onto", "of", "within", "inside", "outside", "under", "at"}
# Words after which a parenthesised label still introduces the text that follows it.
INTRO_WORDS = {"and", "or", "for", "with", "while", "whereas", "where", "but", "then", "show", "shows",
               "showing", "depicting", "displaying", "illustrating"}  # "maps showing (B-E) the … peak, (G-J) …"
# Function words: a bracketed label after one of these and before a word opens that word's phrase
# ("at (a) the initial state"); after a content word it names the phrase before it.
FUNCTION_WORDS = INTRO_WORDS | {"at", "in", "on", "of", "by", "from", "to", "into", "under", "after", "before",
                                "during", "between", "the", "a", "an", "is", "are", "was", "were", "as"}


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    raw: tuple[str, ...]  # tokens as written, ranges not yet expanded: ("b", "–", "d")
    style: str  # paren | note | close | bare | colon | bold | position
    role: str = INTRO
    note: str = ""  # words inside the brackets besides the labels ("scale bar 50 nm")

    def labels(self, scheme: str) -> list[str]:
        return expand(self.raw, scheme)


def tokens_of(text: str) -> tuple[str, ...]:
    """'b–d' -> ('b', '-', 'd'); 'a, b and c' -> ('a', 'b', 'c')."""
    out: list[str] = []
    for piece in re.split(rf"({_SEP})", text):
        piece = piece.strip()
        if not piece:
            continue
        if re.fullmatch(r"(?:--|–|—|−|-|~|to)", piece):
            out.append("-")
        elif re.fullmatch(_SEP, " " + piece + " ") or piece in (",", ";", "&", "and"):
            continue
        else:
            out.append(piece.rstrip("'′"))
    return tuple(out)


def find_mentions(text: str) -> list[Mention]:
    """All candidate label mentions, non-overlapping, in text order (markers still in ``text``)."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, raw: tuple[str, ...], style: str, note: str = "") -> None:
        if any(s < end and start < e for s, e in taken) or not raw:
            return
        taken.append((start, end))
        found.append(Mention(start, end, raw, style, INTRO, note))

    for m in BOLD.finditer(text):
        if not m.group(1).strip().isdigit():  # bold numbers are compounds ("<b>1</b>"), not panels
            add(m.start(), m.end(), tokens_of(m.group(1)), "bold")
    for m in PANEL_NESTED.finditer(text):
        if m.group(1):
            add(m.start(), m.end(), tokens_of(m.group(2)), "note", m.group(1).strip())
        else:
            add(m.start(), m.end(), tokens_of(m.group(2)), "paren")
    for m in PAREN.finditer(text):
        add(m.start(), m.end(), tokens_of(m.group(1)), "paren")
    for start, end, label, note in _bracket_items(text):
        add(start, end, (label,), "item", note)
    for m in PAREN_NOTE.finditer(text):
        labels, note = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if MARK_START not in note and not re.fullmatch(_LIST, note.strip()) and "&" not in labels:
            add(m.start(), m.end(), tokens_of(labels), "note", note.strip())
    for m in COLON.finditer(text):
        add(m.start(1), m.end(), tokens_of(m.group(1)), "colon")
    for pattern in (CLOSE, CLOSE_GLUED):
        for m in pattern.finditer(text):
            if "," in m.group(1):  # "A, B) PEI": a list, before "A," is read as a label and a comma
                add(m.start(1), m.end(), tokens_of(m.group(1)), "close")
    for pattern in (DOT, COMMA, BARE_CAP, COMMA_LOWER):
        for m in pattern.finditer(text):
            add(m.start(1), m.end(), tokens_of(m.group(1)), "colon")
    for m in DASH.finditer(text):
        add(m.start(1), m.end(), (m.group(1),), "colon")
    for m in SUBJECT.finditer(text):
        add(m.start(1), m.end(1), tokens_of(m.group(1)), "colon")
    for m in DOT_LOWER.finditer(text):
        add(m.start(1), m.end(), tokens_of(m.group(1)), "colon")
    for start, end, letter in _lettered_run(text):
        add(start, end, (letter,), "colon")
    for m in CJK_FIGURE.finditer(text):
        add(m.start(), m.end(), tokens_of(re.sub(r"[、，和及与]", ",", m.group(1)).replace("～", "-")), "colon")
    for m in PANEL_WORD.finditer(text):
        end = m.end()
        if text[end:end + 1] == ")" and not _inside_brackets(text, m.start()):
            end += 1  # "Panel a) shows …, whereas panel b) shows …": a half bracket closing the label, not an aside
        add(m.start(), end, tokens_of(m.group(1) or m.group(2)), "panelword")
    for m in POSITION.finditer(text):
        words = (m.group(1) or m.group(2) or "").strip().lower()
        if words:
            add(m.start(), m.end(), (normalise_position(words),), "position")
    for m in CLOSE.finditer(text):
        if not _inside_brackets(text, m.start(1)):  # "(Set 2)": the bracket closes a name, not a label
            add(m.start(1), m.end(), tokens_of(m.group(1)), "close")
    for m in BARE.finditer(text):
        add(m.start(1), m.end(1), tokens_of(m.group(1)), "bare")
    for m in BARE_UPPER.finditer(text):
        add(m.start(1), m.end(1), (m.group(1),), "bare")
    first = _title_first_label(text, found) or _glued_first_label(text, found)
    if first:
        add(*first)
    found.sort(key=lambda x: x.start)
    return _merge_lists(text, found)


# "… with the Sequence Tube Map A Projection of … B. Projecting …": the first label, bare, right after a
# title that lost its full stop (a word before it, a capitalised word after it).
_TITLE_FIRST = {"A": re.compile(r"(?<=[\w)\]]\s)A\s+(?=[A-Z][a-z])"), "a": re.compile(r"(?<=[\w)\]]\s)a\s+(?=[A-Z][a-z])")}


def _title_first_label(text: str, found: list[Mention]) -> tuple[int, int, tuple[str, ...], str] | None:
    """The first label of a run "B. … C. …" that opens its sentences, when the run lacks it and it
    stands inside the caption's first sentence (the title had no full stop to end it)."""
    for first, second, third in (("A", "B", "C"), ("a", "b", "c")):
        if any(first in m.raw for m in found):
            continue
        run = sorted((m for m in found if m.raw in ((second,), (third,))), key=lambda m: m.start)
        if [m.raw[0] for m in run[:2]] != [second, third]:
            continue
        head = text[:run[0].start]
        title_end = re.search(r"[.!?]\s", head)
        hit = _TITLE_FIRST[first].search(head, 0, title_end.start() if title_end else len(head))
        if hit:
            return hit.start(), hit.end(), (first,), "bare"
    return None


# "… induces autoimmunitya. Prostate weights … b-d. Histology …", "… escape variantsa-d. H&E staining …": author
# manuscripts (NIHMS) lose the space between the title and a bold first label; the title's full stop is gone too.
_GLUED_FIRST = re.compile(r"(?<=[a-z]{3})(a(?:\s*[-–]\s*[b-z])?)\.\s+(?=[A-Z0-9])")


def _glued_first_label(text: str, found: list[Mention]) -> tuple[int, int, tuple[str, ...], str] | None:
    """The first label (or range) glued to the title's last word, when the caption's lower-case labels with a
    full stop ("b-d.", "e,f.") start right after it and no other "a" opens a sentence.  Only the title's end is
    looked at."""
    lower = [m for m in found if m.style == "colon" and all(t == "-" or (len(t) == 1 and t.islower()) for t in m.raw)]
    if not lower or any("a" in m.raw for m in found if m.style in ("colon", "bare", "bold")):
        return None  # (a bracketed "(a,c)" inside a sentence is a reference or a phrase's label, not the run's)
    title_end = re.search(r"[.!?]\s", text)
    if title_end is None:
        return None
    hits = _GLUED_FIRST.finditer(text, max(0, title_end.start() - 6))
    hit = next((h for h in hits if h.end(1) == title_end.start()), None)
    # The glued labels end right before the run's first ("a" then "b.", "a-d" then "e,f.").
    if hit is None or ord(hit.group(1)[-1]) + 1 != ord(min(lower, key=lambda m: m.start).raw[0]):
        return None
    return hit.start(1), hit.end(1) + 1, tokens_of(hit.group(1)), "bare"


def _bracket_items(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, label, note) of each item of a bracket that lists labels with notes (``BRACKET``)."""
    out: list[tuple[int, int, str, str]] = []
    for m in BRACKET.finditer(text):
        inner, base = m.group(1), m.start(1)
        cuts = [0, *(c.start() + 1 for c in _ITEM_CUT.finditer(inner)), len(inner) + 1]
        items = [(base + a, inner[a:b - 1] if b <= len(inner) else inner[a:]) for a, b in zip(cuts, cuts[1:])]
        parsed = [(pos, _ITEM.fullmatch(part)) for pos, part in items]
        labels = [p.group(1) for _, p in parsed if p]
        if len(parsed) < 2 or not all(p for _, p in parsed) or labels != sorted(set(labels)) or \
                len({lab.isupper() for lab in labels}) > 1:
            continue  # (the labels run in order, in one case: "(x: e, v, …)" is a formula's key)
        for pos, p in parsed:
            out.append((pos + p.start(1), pos + p.end(2), p.group(1), p.group(2)))
    return out


def _inside_brackets(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside a bracket opened earlier in its sentence."""
    start = max(text.rfind(". ", 0, pos), text.rfind("; ", 0, pos), 0)
    depth = 0
    for ch in text[start:pos]:
        depth += ch == "("
        depth -= ch == ")" and depth > 0
    return depth > 0


def _lettered_run(text: str) -> list[tuple[int, int, str]]:
    """LOOSE candidates that spell a, b, c … in text order with the same punctuation (≥ 2)."""
    for punct in ".:":
        run, expected = [], "a"
        for m in LOOSE.finditer(text):
            if m.group(2) == punct and m.group(1) == expected:
                run.append((m.start(1), m.end(2), m.group(1)))
                expected = chr(ord(expected) + 1)
        if len(run) >= 2:
            return run
    return []


def _merge_lists(text: str, mentions: list[Mention]) -> list[Mention]:
    """Join mentions that form one label list: <b>a</b>, <b>b</b> -> (a, b); <b>c</b>–<b>e</b> -> c-e."""
    merged: list[Mention] = []
    for m in mentions:
        if merged and m.style == merged[-1].style and m.style not in ("position", "item"):
            gap = text[merged[-1].end:m.start].replace(MARK_START, "").replace(MARK_END, "")
            j = _JOIN.match(gap)
            if j:
                prev = merged[-1]
                dash = j.group(1) in ("–", "—", "−", "-", "to", "至", "~", "～")
                raw = prev.raw + (("-",) if dash else ()) + m.raw
                merged[-1] = Mention(prev.start, m.end, raw, prev.style, INTRO, prev.note or m.note)
                continue
        merged.append(m)
    return [_bracketed(text, m) for m in merged]


def _bracketed(text: str, m: Mention) -> Mention:
    """A bold label list inside brackets, "(<b>h</b>, <b>i</b>)", is a bracketed label."""
    if m.style != "bold":
        return m
    left = re.search(r"\(\s*$", text[:m.start])
    right = re.match(r"\s*\)", text[m.end:])
    if left and right:
        return Mention(left.start(), m.end + right.end(), m.raw, "paren", m.role, m.note)
    return m


def normalise_position(words: str) -> str:
    words = re.sub(r"\s+(?:panel|row|column|image)s?$", "", words.lower())
    return re.sub(r"[\s-]+", "-", words.replace("centre", "center"))


def token_kind(token: str) -> str:
    if token.isdigit():
        return "digit"
    if re.fullmatch(r"[a-z]\d{1,2}", token):
        return "alpha"
    if re.fullmatch(r"[A-Z]\d{1,2}", token):
        return "ALPHA"
    if token.lower() in ROMANS and len(token) > 1 and (token.islower() or token.isupper()):
        return "roman"  # "(ii)", "(II)"
    if len(token) == 1 and token.isalpha():
        return "alpha" if token.islower() else "ALPHA"
    if "-" in token and token.split("-")[0] in POSITIONS or token in POSITIONS:
        return "position"
    return "other"


def normalise(token: str) -> str:
    return token.lower()


def expand(raw: tuple[str, ...], scheme: str) -> list[str]:
    """Expand ranges: ('b', '-', 'd') -> ['b', 'c', 'd']; roman and digit ranges too."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        if tok == "-":
            i += 1
            continue
        if i + 2 < len(raw) and raw[i + 1] == "-":
            out.extend(_range(tok, raw[i + 2], scheme))
            i += 3
            continue
        out.append(normalise(tok))
        i += 1
    return list(dict.fromkeys(out))


def _range(first: str, last: str, scheme: str) -> list[str]:
    a, b = normalise(first), normalise(last)
    if scheme == "roman" or (a in ROMANS and b in ROMANS and len(a + b) > 2):
        if a in ROMANS and b in ROMANS and ROMANS.index(a) <= ROMANS.index(b):
            return ROMANS[ROMANS.index(a): ROMANS.index(b) + 1]
    if a.isdigit() and b.isdigit() and int(a) <= int(b) <= int(a) + 30:
        return [str(n) for n in range(int(a), int(b) + 1)]
    if len(a) == 1 and len(b) == 1 and a.isalpha() and b.isalpha() and a <= b:
        return [chr(c) for c in range(ord(a), ord(b) + 1)]
    m1, m2 = re.fullmatch(r"([a-z])(\d+)", a), re.fullmatch(r"([a-z])(\d+)", b)
    if m1 and m2 and m1.group(1) == m2.group(1) and int(m1.group(2)) <= int(m2.group(2)):
        return [f"{m1.group(1)}{n}" for n in range(int(m1.group(2)), int(m2.group(2)) + 1)]
    return [a, b]


def previous_word(text: str, pos: int) -> str:
    before = text[:pos].rstrip(f" {MARK_START}{MARK_END}")
    if not before or before[-1] in ".;:!?":
        return ""
    m = re.search(r"([A-Za-z.]+)$", before)
    return m.group(1).lower() if m else before[-1]


def classify(text: str, mention: Mention, seen: set[str], scheme: str) -> Mention:
    """Decide intro / post / ref from the words around the mention and the labels seen so far."""
    before = text[: mention.start].rstrip(f" {MARK_START}{MARK_END}")
    prev = previous_word(text, mention.start)
    after = text[mention.end:].lstrip(f" {MARK_START}{MARK_END}")
    labels = set(mention.labels(scheme))
    panel_word = re.match(r"(?:\(\s*)?panels?\s", text[mention.start:mention.end], re.I)
    # "Panels A, E, I & M: Day 4." opens the words after its colon for those panels.
    opens = panel_word and not prev and after[:1] == ":"
    if (prev.rstrip(".") in REF_WORDS or panel_word) and labels <= seen and before and not opens:
        role = REF  # "the box in f", "as in (b)", "(panel A)": a panel already described
    elif mention.style == "item":
        role = POST  # "specimen (A, *100; B, *200)"
    elif mention.style == "panelword":
        # "(image A and B)", "(PSA; image C)": names the words before it; "panels G and H are …"
        # and "In panel G the …" open their own.
        role = POST if after[:1] in (")", ";", ",", ".", "") else INTRO
    elif mention.style in ("bare", "close", "colon", "position"):
        role = INTRO
    elif not before or before[-1] in ".;:!?" + CJK_STOPS:
        role = INTRO
    elif mention.style == "paren" and CJK.search(text):
        role = INTRO  # "(a)活性物质侧 (b)金属箔侧", "SEM图像（a）500℃": Chinese captions put a label before its words
    elif mention.style == "bold":
        role = INTRO
        if after[:1] in (",", ".", ";", ")", "") or after.startswith(("and ", "or ")):
            role = POST if before[-1] not in ",(" else INTRO
    elif mention.style == "paren" and before[-1].isalpha() and text[mention.start - 1] == before[-1] \
            and re.match(r"\s*[A-Za-z0-9]", text[mention.end:]):
        role = INTRO  # "… prostate tumorigenesis(a) H&E, …": PMC glues the title to the first label
    elif mention.style == "paren" and re.match(r"[A-Z](?:[a-z]|[A-Z0-9-]+s?\s|[A-Za-z]*\d[A-Za-z0-9+-]*\s)|A\s+[a-z]{2,}", after):
        # "(A) Bone marrow (B) Liver (C) Lung": a list of panels, each opening its words; an acronym's plural too
        # ("… (top to bottom) (C) DMs for example genes …"), and a name with a digit ("… fluorescence (ΔF/F) (B) T4c
        # peak responses …", "GCaMP6f) (C) …": a panel's text that lost its full stop, not a phrase the label closes;
        # "… seen in Table S3 (b) A two dimensional …": the article opens b's text).
        role = INTRO
    elif re.search(r"\b(?:shown|depicted|displayed|illustrated|presented|plotted|seen|given)\s+(?:in|by)\s*$", before) \
            and re.match(r"(?:using|with|as|at|on|via|for|where|which|when)\b", after):
        # "… are shown in (b) using black points": the label says where the phrase before it is shown
        # (while "shown by (a) the isosurface colour" opens a's own phrase).
        role = POST
    elif prev in FUNCTION_WORDS or before[-1] in ",":
        # "… shown as circle in panel (a) and protein … in (b)": a conjunction after the label
        # closes the phrase before it; a word opens the label's own phrase ("at (a) the initial state").
        closes = re.match(r"(?:and|or|while|whereas|but)\s+[A-Za-z]{2,}", after) is not None
        # (TeX math opens a phrase too: "for (i) $V_{Cu}^{0}$ in Cu$_2$SiSe$_3$ and (j) $V_{Cd}^{-1}$ in CdTe".)
        role = INTRO if (after[:1].isalnum() or after[:1] in "([$") and not closes else POST
    elif mention.style == "paren" and re.match(r"(?:before|after|above|below|during|upon)\b", after):
        role = INTRO  # "… in the foam (c) before and (d) after biofunctionalization": the label opens its phrase
    else:
        role = POST
    return Mention(mention.start, mention.end, mention.raw, mention.style, role, mention.note)


def forward_references(text: str, mentions: list[Mention], scheme: str) -> list[Mention]:
    """"(F) Image of the fibre with the line selected for the kymograph in (G). … (G) Kymograph of …":
    a label after "in", "see" or "as" that opens its own sentence later is a cross-reference to that
    panel, not where the text before it hands over to it."""
    out = list(mentions)
    for i, m in enumerate(out):
        if m.role != POST or previous_word(text, m.start).rstrip(".") not in REF_WORDS:
            continue
        labels = set(m.labels(scheme))
        if any(n.role == INTRO and set(n.labels(scheme)) >= labels and re.search(
                r"(?:^|[.;:!?])\s*$", text[:n.start].replace(MARK_START, "").replace(MARK_END, ""))
               for n in out[i + 1:]):
            out[i] = Mention(m.start, m.end, m.raw, m.style, REF, m.note)
    return out


def case_slips(mentions: list[Mention], scheme: str) -> set[int]:
    """Indices of mentions typed in the other letter case that continue the run of labels: "A) … B) …
    c) neuronal test set" — same marker style as the label before it, and its letter the next one.
    A letter that repeats or jumps is another thing (a symbol, a sub-label) and stays out."""
    if scheme not in ("alpha", "ALPHA"):
        return set()
    out: set[int] = set()
    prev: Mention | None = None
    for i, m in enumerate(mentions):
        toks = [t for t in m.raw if t != "-"]
        if not toks or not all(len(t) == 1 and t.isalpha() for t in toks):
            continue
        if all(token_kind(t) == scheme for t in toks):
            prev = m
            continue
        if prev is None or m.style != prev.style or len(m.raw) != 1:
            continue
        last = prev.raw[-1].lower()
        if ord(m.raw[0].lower()) == ord(last) + 1:
            out.add(i)
            prev = m
    return out
