"""Distribute a caption's text over its panel labels (deterministic, rule-based, offline).

Sentence by sentence: a mention that introduces a panel ("(a) …", "b …", bold labels)
opens that panel's text, which runs until the next one; text before the first is shared.
Where labels follow the phrases they name ("… of Au (a) and Ag (b) particles"), the clause
is cut so that each label keeps its phrase plus the words the phrases share.  "Scale bars,
5 µm (c), 500 nm (d)" gives each named panel its own scale statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree, html

from figdex.index.records import CaptionSplit, SubCaption
from figdex.ingest.captions.coordination import coordinated_intros, coordinated_posts
from figdex.ingest.captions.mentions import (INTRO, POST, REF, ROMANS, Mention, case_slips, classify, expand, find_mentions,
                                             forward_references, token_kind, tokens_of)
from figdex.ingest.captions.trailing import (MARKS, after_a_list, content_words, first_label_comes_last,
                                             is_figure_note, leads_into, listed_in_one_sentence, listed_sentence_owner,
                                             named_statement, names_panels, opening_references, panel_note_openings,
                                             panels_named_at_end)
from figdex.ingest.captions.pieces import CONNECTOR, HOLE, article_head, clean_piece, one_word_heads, strip_marks, tidy
from figdex.ingest.captions.sentences import GLUED, clause_spans, sentence_spans
from figdex.ingest.captions.tails import shared_tails
from figdex.ingest.captions.title import title_asides
from figdex.ingest.captions import respectively
from figdex.ingest.captions.abjad import abjad_labels
from figdex.ingest.captions.alternatives import alternative_labels
from figdex.ingest.captions.latex_source import latex_bold_labels, printed_text
from figdex.ingest.captions.own_figure import own_panel_references
from figdex.ingest.captions.scheme import FIRST_LABEL, choose_scheme
from figdex.ingest.sources.common import MARK_END, MARK_START, clean_text, element_text

BOLD_TAGS = frozenset({"b", "strong", "bold"})
_SCALE_START = re.compile(r"^(?:all\s+)?scale\s+bars?\b(?:\s*(?:are|is|=|:|,|represents?|indicates?|"
                          r"correspond\w*\s+to))*\s*", re.I)
# Where the shared complement of a run of short panel phrases starts.
# Words that open a clause, not a phrase parallel to one-word phrases before it.
_NOT_PANELS = re.compile(r"^(?:reagents\s+and\s+)?conditions\s*:", re.I)  # reaction steps, not panels


@dataclass
class _Piece:
    start: int
    end: int
    labels: tuple[str, ...] | None  # None: shared by all panels
    text: str | None = None  # replaces text[start:end] (rewritten scale statements, bracket notes)


def marked_text(caption: str, caption_html: str | None) -> str:
    """The caption with bold label markup kept as markers (when the HTML is given and agrees)."""
    if caption_html and re.search(r"<(?:b|strong|bold)\b", caption_html):
        try:
            root = html.fragment_fromstring(caption_html, create_parent="div")
        except (etree.ParserError, ValueError):
            return caption
        text = element_text(root, BOLD_TAGS)
        text = re.sub(f"{MARK_START}(\\s+)", rf"\1{MARK_START}", text)
        text = re.sub(f"(\\s+){MARK_END}", rf"{MARK_END}\1", text)
        # "<b>(d</b>,<b>e)</b>": brackets belong outside the bold label.
        text = re.sub(f"{MARK_START}([(\\[])", rf"\1{MARK_START}", text)
        text = re.sub(f"([)\\]]){MARK_END}", rf"{MARK_END}\1", text)
        text = clean_text(text)
        if strip_marks(text) == clean_text(caption):
            return text
    return caption


def _fits(m: Mention, scheme: str, letters: set[str] = frozenset()) -> bool:
    toks = [t for t in m.raw if t != "-"]
    # "a1", "d2" are sub-panels only of letters the caption does not use alone ("(v0)" is a variable).
    if any(len(t) > 1 and t[0].isalpha() and t[1:].isdigit() and t[0].lower() not in letters for t in toks):
        return False
    if scheme == "roman":
        return all(t.lower() in ROMANS for t in toks)
    if scheme == "alpha":
        return all(token_kind(t) == "alpha" for t in toks)
    return all(token_kind(t) == scheme for t in toks)


def label_order(label: str, scheme: str = "") -> tuple[int, int, str]:
    if label in ROMANS and (len(label) > 1 or scheme == "roman"):
        return (ROMANS.index(label), 0, label)
    if label.isdigit():
        return (int(label), 0, label)
    m = re.fullmatch(r"([a-z])(\d*)", label)
    if m:
        return (ord(m.group(1)) - 97, int(m.group(2) or 0), label)
    return (99, 0, label)


def _roles(text: str, mentions: list[Mention], scheme: str) -> list[Mention]:
    """Classify mentions in order; drop one that jumps far ahead of the labels seen so far when
    later ones go back (e.g. "the fluid (f)" in the first sentence of a caption whose panels run a–f)."""
    out: list[Mention] = []
    seen: set[str] = set()
    seen_max = -1
    for i, m in enumerate(mentions):
        # "hypothesis: a five-stage model … (a) Schematic …": a bare letter labelled later in brackets is the article.
        if m.style == "bare" and re.match(r"\s+[a-z]", text[m.end:]) and any(
                x.style in ("paren", "bold") and set(x.raw) & set(m.raw) for x in mentions[i + 1:]):
            continue
        m = classify(text, m, seen, scheme)
        if m.role != REF:
            first = label_order(m.labels(scheme)[0], scheme)[0]
            later = [label_order(x.labels(scheme)[0], scheme)[0] for x in mentions[i + 1:]]
            # A bare lower-case letter before a lower-case word is often a symbol opening a
            # sentence ("r refers to Pearson's r", "n indicates …"), not a panel label.
            symbol = m.style == "bare" and re.match(r"\s*[a-z]", text[m.end:]) is not None
            strong = m.style in ("bold", "bare", "colon") and not symbol
            # After a run of panels, a capital and a colon or comma far past it is a legend's
            # abbreviation ("… (D and E) …. L: lumen; S: stroma", "U, urethra"), not a panel.
            legend = m.style == "colon" and seen_max >= 1
            # "SEM (a) and TEM (d) images of …": a label coordinated with the one before it is no stray jump …
            paired = bool(out) and out[-1].style == m.style == "paren" and re.fullmatch(
                r",?\s*(?:and|or)\s+[\w-]+", strip_marks(text[out[-1].end:m.start]).strip()) is not None \
                and set(range(seen_max + 1, first)) <= set(later)  # … and the letters it skips come later
            if first > seen_max + 2 and (any(v < first for v in later) or not strong or legend) and not paired:
                continue
            seen |= set(m.labels(scheme))
            seen_max = max(seen_max, *(label_order(lab, scheme)[0] for lab in m.labels(scheme)))
        out.append(m)
    # "… differentially expressed (a) canonical pathways; (b) diseases and functions; and (c) …": a label whose
    # lower-case words run to a semicolon before a label that opens its own item opens its item too (rule 3: the
    # words before it are the items' common head), not a phrase it closes.
    for i in range(len(out) - 1):
        m, n = out[i], out[i + 1]
        if m.role == POST and m.style == n.style == "paren" and n.role == INTRO and re.fullmatch(
                r"\s*[a-z][^.;()]*;\s*(?:and\s+)?", strip_marks(text[m.end:n.start])):
            out[i] = Mention(m.start, m.end, m.raw, m.style, INTRO, m.note)
    return out


def split_caption(caption: str, caption_html: str | None = None, own: tuple[str, ...] = ()) -> CaptionSplit:
    """Split a caption into shared text and per-panel sub-captions (keywords/terms left empty).  ``own``: this
    figure's names (its printed number, "5", or its LaTeX label): "Figure 5a shows …" then names its panel a."""
    caption = own_panel_references(caption, own)
    # The printed text, as figdex's LaTeX ingest gives it: "\textbf{a} A schematic" hid its label behind
    # markup, and the sub-captions would keep the macros.
    caption = printed_text(latex_bold_labels(abjad_labels(caption)), caption)
    plain = clean_text(caption)  # bold markers only where the LaTeX had them (none in HTML's plain text)
    text = alternative_labels(GLUED.sub(r"\1 ", marked_text(plain, caption_html)))
    plain = strip_marks(plain)
    plain = GLUED.sub(r"\1 ", plain)
    mentions = find_mentions(text)
    scheme = "none" if _NOT_PANELS.match(plain) else choose_scheme(mentions, text)
    if scheme != "none":
        # "(d1–d3)" are panels when several share a letter never used alone that fills a gap in the single
        # letters; "(B1)" inside (B)'s text, "(d1 and d2)" after the last letter and "(G5)" alone are not.
        subs = [t.lower() for m in mentions for t in m.raw if len(t) > 1 and t[0].isalpha() and t[1:].isdigit()]
        singles = {t.lower() for m in mentions for t in m.raw if len(t) == 1 and t.isalpha()}
        letters = {t[0] for t in subs if sum(x[0] == t[0] for x in set(subs)) >= 2 and
                   (not singles or min(singles) < t[0] < max(singles))} - singles
        kept = [m for i, m in enumerate(mentions) if i in case_slips(mentions, scheme) or _fits(m, scheme, letters)]
        mentions = coordinated_posts(text, coordinated_intros(text, forward_references(text, _roles(text, kept, scheme), scheme)))
        order = [lab for m in mentions if m.role != REF for lab in m.labels(scheme)]
        if not order or first_label_comes_last(order, FIRST_LABEL.get(scheme, "")):
            scheme = "none"
    if scheme == "none":
        return CaptionSplit("none", (SubCaption("0", strip_marks(text)),), "")
    mentions = title_asides(text, mentions, scheme)
    pieces = _Distributor(text, mentions, scheme).run()
    cuts = [m for m in mentions if m.role != REF]
    return respectively.apply(_assemble(text, pieces, mentions, scheme), text, sentence_spans(text), cuts, scheme)


class _Distributor:
    def __init__(self, text: str, mentions: list[Mention], scheme: str):
        self.text = text
        self.mentions = [m for m in mentions if m.role != REF]
        self.refs = [m for m in mentions if m.role == REF]
        self.scheme = scheme
        self.pieces: list[_Piece] = []
        self.group: tuple[str, ...] | None = None  # labels of the panel text being read
        self.post_group: tuple[str, ...] | None = None  # labels of the last sentence of "phrase (a)" mentions

    def labels(self, m: Mention) -> tuple[str, ...]:
        return tuple(m.labels(self.scheme))

    def add(self, start: int, end: int, labels, text: str | None = None) -> None:
        if end > start or text:
            self.pieces.append(_Piece(start, end, labels, text))

    def run(self) -> list[_Piece]:
        spans = sentence_spans(self.text)
        last_mention = max((m.start for m in self.mentions), default=0)
        listed = self._listed(spans)
        notes = panel_note_openings(self.text, spans, self.mentions)
        after_note = False  # whether a note on the whole figure followed the last panel's own text
        known = {lab for m in self.mentions for lab in self.labels(m)}
        for k, (s, e) in enumerate(spans):
            named = named_statement(self.text, s, e, self.refs, self.scheme)
            if named and not any(s <= m.start < e for m in self.mentions):
                self.add(s, s, *named)  # "Scale bars in (E) and (F) are 50 nm."
                continue
            openings = [] if any(s <= m.start < e for m in self.mentions) else opening_references(
                strip_marks(self.text[s:e]).strip(), known, lambda words: expand(tokens_of(words), self.scheme))
            if openings:
                for opening in openings:
                    self.add(s, s, *opening)  # "In A, models include …": A's, wherever it stands
                continue
            if s > last_mention and self.group is not None:
                # Notes after the last panel's own sentence describe the whole figure when they
                # speak of all of it ("Images are representative of …", "Scale bars …", "Data
                # are mean ± SD"); otherwise they go on describing the last panel ("Note the
                # intense staining in …", "Positive marker the normal glands").
                body = strip_marks(self.text[s:e]).strip()
                capitals = {lab.upper() for m in self.mentions for lab in self.labels(m)}
                subset = panels_named_at_end(body, self.scheme, capitals, lambda w: expand(tokens_of(w), self.scheme))
                if subset:
                    self.add(s, e, subset)
                    continue
                if names_panels(body, self.scheme, capitals):
                    self.add(s, e, None)  # "Confidence intervals in A and B are computed …": the figure's note
                    continue
                if listed is not None and not (is_figure_note(body, _SCALE_START, notes) or MARKS.search(body)):
                    owner = listed_sentence_owner(body, listed)
                    self.add(s, e, self.labels(owner) if owner else None)
                    continue
                shared = listed is not None or is_figure_note(body, _SCALE_START, notes) or (
                    after_note and not self._repeats_last_panel(body))
                after_note = after_note or shared
                self.add(s, e, None if shared else self.group)
                continue
            if s > last_mention:
                self.post_group = None
            ahead = None if self.group else leads_into(self.text, spans[k + 1:k + 2], self.mentions, self.scheme)
            if ahead and not any(s <= m.start < e for m in self.mentions):
                self.add(s, e, ahead)
                continue
            run = respectively.adjacent_run(self.text, s, e, self.mentions)
            follows = k and not any(s <= m.start < e for m in self.mentions) and after_a_list(
                self.text, spans[k - 1], (s, e), [m for m in self.mentions if m.role == INTRO])
            if follows:
                self.add(s, e, self.labels(follows[0]) if follows[0] else None)
                continue
            together = tuple(dict.fromkeys(lab for m in run or () for lab in self.labels(m)))
            if len(together) > 1 and run == [m for m in self.mentions if s <= m.start < e]:
                self.add(s, e, together)  # the whole sentence, handed out item by item by respectively.apply
                self.group = together  # (as a clause handing over to its labels does in posts())
                continue
            self.sentence(s, e)
        return self.pieces

    def _listed(self, spans: list[tuple[int, int]]) -> dict | None:
        """``listed_in_one_sentence`` less the run's shared tail in the last panel's own words: "… and (c) upstream
        regulators between the two tumor samples, …. For each of the three analyses, … of the four samples …"."""
        intros = [m for m in self.mentions if m.role == INTRO]
        listed = listed_in_one_sentence(self.text, spans, intros)
        span = next(((s, e) for s, e in spans if intros and s <= intros[0].start < e), None)
        if listed is None or span is None:
            return listed
        tail = shared_tails(self.text, intros, self.labels, span[1], span[0]).get(len(intros) - 1)
        own = {m: words - content_words(self.text[tail[0]:span[1]]) for m, words in listed.items()} if tail else listed
        return own if all(own.values()) else listed

    def _repeats_last_panel(self, body: str) -> bool:
        own = " ".join(self.text[p.start:p.end] for p in self.pieces if p.labels == self.group)
        return bool(content_words(body) & content_words(own))

    def sentence(self, s: int, e: int) -> None:
        ms = [m for m in self.mentions if s <= m.start < e]
        body = self.text[s:e].lstrip()
        lead = len(self.text[s:e]) - len(body)
        if _SCALE_START.match(body) and any(m.role == POST for m in ms):
            self.scale_statement(s + lead + _SCALE_START.match(body).end(), e, ms, body)
            return
        if not ms:
            group = self.group or self.post_group
            shared = group is None  # (mid-caption, "Data represent …" goes on about the panel before it)
            self.add(s, e, None if shared else group)
            return
        intros = [m for m in ms if m.role == INTRO]
        first_cut = intros[0].start if intros else e
        if first_cut > s and self.text[s:first_cut].strip():
            region_posts = [m for m in ms if m.role == POST and m.end <= first_cut]
            if region_posts:
                self.posts(s, first_cut, region_posts)
                if not intros and all(m.style in ("paren", "note", "bold") for m in region_posts):
                    # "… for X (A), Y (B), or Z (C). Arrows point …": a sentence without labels after one whose
                    # labels follow their phrases is about those panels (not past the caption's last label).
                    self.post_group = tuple(lab for m in region_posts for lab in self.labels(m))
            elif len(intros) == 1 and not re.search(r"(?:[:.]|\S+\s+\S+\s+\S+.*[,;]\s*(?:and|or)?)$", strip_marks(
                    self.text[s:first_cut]).strip()) and not self._glued_title(intros[0]) \
                    and not (self.group and re.match(r"[\s\x01\x02]*[A-Z]", self.text[intros[0].end:])):
                # (Not a sentence that ends before it: "… in Panel A. C. Schematic …", nor a clause closed by a
                # comma: "However, … charge storage, and c) Al-Super-P cell" goes on about b; "Lastly, …" opens c.
                # Nor, inside a panel's text, words before a label that opens a capitalised text: "… tpm (top to
                # bottom) (C) DMs for …" ends the running panel's sentence that lost its full stop.)
                self.add(s, first_cut, self.labels(intros[0]))  # "… were investigated a through …"
            elif len(intros) > 1:
                # "… measured for (a) Co2a; (b) Co2b": the opening words describe every listed panel; but a heading
                # that opens the caption with a colon is its title when labels follow after the sentence ("Schematics
                # of band folding in a 2D lattice: (a) …; (b) …. (c) …; (d) …").
                title = not self.pieces and strip_marks(self.text[s:first_cut]).rstrip().endswith(":") and any(
                    m.start >= e for m in self.mentions)
                self.add(s, first_cut, None if title else tuple(lab for m in intros for lab in self.labels(m)))
            elif self.group and strip_marks(self.text[s:first_cut]).rstrip().endswith(":"):
                # "… ${S}t \equiv 0$. Below the black line are shown simulations: (q--v) …": after a panel's text, a
                # heading that ends in a colon introduces the label after it (before the first panel it is the title).
                self.add(s, first_cut, self.labels(intros[0]))
            else:
                self.add(s, first_cut, self.group)
        tails = shared_tails(self.text, intros, self.labels, e, s)
        for k, intro in enumerate(intros):
            self.group = self.labels(intro)
            if intro.note:
                self.add(intro.end, intro.end, self.group, intro.note)
            end = intros[k + 1].start if k + 1 < len(intros) else e
            posts = [m for m in ms if m.role == POST and intro.end <= m.start < end]
            if posts:
                self.posts(intro.end, end, posts)
            elif k in tails:
                tail_start, labels = tails[k]
                self.add(intro.end, tail_start, self.group)
                self.add(tail_start, end, labels)
                # "c) EDXS profile and d) SEM image of a cycled h-BN cathode. The cycled cathode shows …": the shared
                # words name the run's subject, and the sentences going on about it are the run's, not the last panel's.
                self.group = labels
            else:
                self.add(intro.end, end, self.group)

    def _glued_title(self, intro: Mention) -> bool:
        """"… prostate tumorigenesis(a) H&E …": PMC captions glue the title to the first label; "… reveals
        pathway bottlenecks (a) Distribution of …", "… Tube Map A Projection of …": a title without its full stop."""
        return intro is self.mentions[0] and intro.start > 0 and (self.text[intro.start] == "(" and (
            self.text[intro.start - 1].isalnum() or re.match(r"\s*[A-Z][a-z]", self.text[intro.end:]) is not None)
            or intro.style == "bare" and self.text[:intro.start].rstrip()[-1:].isalnum())

    def scale_statement(self, start: int, e: int, ms: list[Mention], body: str) -> None:
        """'Scale bars, 5 µm (c), 500 nm (d)' -> c: 'Scale bars, 5 µm', d: 'Scale bars, 500 nm'."""
        head = clean_text(re.sub(r"[\s,:=]+$", "", _SCALE_START.match(body).group(0))) + ","
        cut = start
        for m in ms:
            if m.role != POST:
                continue
            value = CONNECTOR.sub("", strip_marks(self.text[cut:m.start])).strip(" ,;.")
            if value:
                self.add(m.start, m.start, self.labels(m), f"{head} {value}")
            cut = m.end
        rest = strip_marks(self.text[cut:e]).strip(" ,;.")
        if rest:
            self.add(cut, e, self.group)

    def posts(self, start: int, end: int, posts: list[Mention]) -> None:
        """A region whose labels follow their phrases; handled clause by clause."""
        group = self.group
        region_labels = tuple(lab for m in posts for lab in self.labels(m))
        named = None  # labels of the last clause that named panels
        for cs, ce in clause_spans(self.text, start, end):
            inside = [m for m in posts if cs <= m.start < ce]
            if not inside:
                # "… with 1% FBS (b); scale bars are 50 nm; Viability … (c)": a clause without labels after clauses
                # that name panels goes on about the panels of the clause before it, not about the whole region.
                self.add(cs, ce, group or named or region_labels)
                continue
            named = tuple(lab for m in inside for lab in self.labels(m))
            new = [m for m in inside if not group or not set(self.labels(m)) & set(group)]
            if group and len(group) == 1 and not new:
                self.add(cs, ce, group)  # "(a) … the image (a) …": a repeated label is noise
            elif group and new and len(new) == len(inside):
                # "(C) shows …, whereas the same tumour has … (D) …": the clause hands over to D (not in a sentence
                # of its own, whose words before a label are that label's: "… (Panel (a)). The 685nm …, and … (Panel (b))").
                cut = cs if cs == start and re.search(r"[.!?]\W*$|^\W*$", self.text[:start]) else \
                    self._clause_boundary(cs, new[0].start)
                self.add(cs, cut, group)
                self.phrases(cut, ce, new)
                self.group = self.labels(new[-1])
            else:
                self.phrases(cs, ce, [m for m in inside if not group or set(self.labels(m)) <= set(group)])

    def _clause_boundary(self, start: int, pos: int) -> int:
        seg = self.text[start:pos]
        best = max(seg.rfind(", whereas "), seg.rfind(", while "), seg.rfind(", and "), seg.rfind(", but "))
        return start + best if best > 0 else start

    def phrases(self, cs: int, ce: int, posts: list[Mention]) -> None:
        """'SEM images of BM (c), PM (d) and SMNp (e) showing …' -> each label: its phrase + shared words."""
        if not posts:
            self.add(cs, ce, self.group)
            return
        text = self.text
        segs: list[tuple[int, int]] = []
        cut = cs
        continuations: dict[int, tuple[int, int]] = {}
        for j, m in enumerate(posts):
            lead = len(text[cut:m.start]) - len(CONNECTOR.sub("", text[cut:m.start])) if j else 0
            segs.append((cut + lead, m.start))
            cut = m.end
            if j + 1 < len(posts):
                # "Schematic (a) of the bulk …, and the summary (b) of …": the words right after a
                # label that continue its phrase belong to it, up to the clause boundary.
                nxt = text[m.end:posts[j + 1].start]
                aside = re.match(r"\s*\([^()]*\)", nxt)  # "Photomicrographs (a-d) (top inset, …) and …": its aside
                if aside:
                    continuations[j] = (m.end, m.end + aside.end())
                    cut = m.end + aside.end()
                elif re.match(r"\s+(?!and\b|or\b)[a-z]", nxt):
                    boundary = max(nxt.rfind(", and "), nxt.rfind(", "))
                    if boundary > 0:
                        continuations[j] = (m.end, m.end + boundary)
                        cut = m.end + boundary
        tail = (posts[-1].end, ce)
        # (An aside in brackets and a leading article add no words: "V1 (A), V2 (B), and the Frontal Eye Field (FEF)
        # (C)" are short parallel phrases.)
        short = [len(re.sub(r"^(?:the|a|an)\s+", "", re.sub(r"\([^()]*\)", " ", strip_marks(text[a:b])).strip(),
                            flags=re.I).split()) for a, b in segs[1:]]
        later_words = [len(strip_marks(text[a:b]).split()) for a, b in segs[1:]]
        head = None
        if later_words and max(short) <= 3:
            # Parallel short phrases share the words before the first one: keep the first
            # phrase as long as the others and give the rest (the head) to every label.
            words = list(re.finditer(r"\S+", text[segs[0][0]:segs[0][1]]))
            k = min(later_words[0], len(words))
            if not k:
                head = segs[0]  # "… in the specimen (A, *100; B, *200)": every label shares the phrase
            elif len(words) > k:
                head = (segs[0][0], segs[0][0] + words[-k].start())
        head = head or article_head(text, segs)
        heads = {} if head else one_word_heads(text, segs, [(m.start, m.end) for m in posts])
        for j, m in enumerate(posts):
            labels = self.labels(m)
            if head and j:
                self.add(*head, labels)
            elif j in heads:
                self.add(*heads[j], labels)
            self.add(*segs[j], labels)
            if m.note:  # an item's note is already inside the caption's own bracket
                self.add(m.start, m.start, labels, m.note if m.style == "item" else f"({m.note})")
            if j in continuations:
                self.add(*continuations[j], labels)
            self.add(*tail, labels)


def _assemble(text: str, pieces: list[_Piece], mentions: list[Mention], scheme: str) -> CaptionSplit:
    # Label markers that were cut points are not part of any text; cross-references stay.
    masked = list(text)
    for m in mentions:
        if m.role != REF:
            masked[m.start:m.end] = [HOLE] * (m.end - m.start)
    masked_text = "".join(masked)
    per_label: dict[str, list[tuple[int, str]]] = {}
    shared: list[tuple[int, str]] = []
    for m in mentions:
        if m.role != REF:
            for lab in m.labels(scheme):
                per_label.setdefault(lab, [])
    for piece in pieces:
        chunk = piece.text or clean_piece(masked_text[piece.start:piece.end])
        if not chunk:
            continue
        if piece.labels is None:
            shared.append((piece.start, chunk))
        else:
            for lab in piece.labels:
                per_label.setdefault(lab, []).append((piece.start, chunk))
    subs = []
    for lab in sorted(per_label, key=lambda lab: label_order(lab, scheme)):
        parts = [c for _, c in sorted(per_label[lab], key=lambda x: x[0])]
        subs.append(SubCaption(lab, tidy(" ".join(dict.fromkeys(parts)))))
    return CaptionSplit(scheme, tuple(subs), tidy(" ".join(c for _, c in sorted(shared))))

