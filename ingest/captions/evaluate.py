"""Evaluate caption splitting against hand-split gold files.

Metrics, per gold set:
* label-set exact match: share of captions whose predicted label set equals the gold one;
* token F1: per label in gold ∪ predicted, F1 between the tokens of the predicted and gold
  descriptions of that panel (shared text + the panel's own text), a missing label scoring 0;
  averaged over all labels of all captions; Chinese and Japanese text counts a character as a token
  (``eval_tokens``);
* unsplit: share of captions the splitter left whole (label "0") — and the same for the gold.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from figdex.ingest.captions.latex_source import printed_text
from figdex.ingest.captions.nlp import tokens
from figdex.ingest.captions.split import split_caption


@dataclass(frozen=True)
class GoldCaption:
    id: str
    caption: str
    panels: dict[str, str]  # label -> full description (shared + own text)
    caption_html: str | None = None  # the page's caption markup, when the source is at hand
    own: tuple[str, ...] = ()  # this figure's names (printed number, LaTeX label): "Figure 5a shows …" is its panel a


@dataclass
class CaptionScores:
    name: str
    captions: int = 0
    label_set_exact: float = 0.0
    token_f1: float = 0.0
    unsplit_predicted: float = 0.0
    unsplit_gold: float = 0.0
    failures: list = field(default_factory=list)  # (id, gold labels, predicted labels, worst F1)

    def as_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.__dict__.items()
                if k != "failures"} | {"failures": self.failures[:20]}


def load_figdex_gold(path: Path, root: Path | None = None) -> Iterator[GoldCaption]:
    """figdex's gold file; ``root`` is where its ``source`` paths resolve (to read caption markup)."""
    markup = _CaptionMarkup(root)
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        shared = row.get("shared", "")
        panels = {s["label"]: " ".join(t for t in (shared, s["text"]) if t) for s in row["subcaptions"]}
        yield GoldCaption(row["id"], row["caption"], panels, markup.find(row.get("source"), row["caption"]))


class _CaptionMarkup:
    """Caption HTML of the gold captions, parsed from their source pages (bold panel labels)."""

    def __init__(self, root: Path | None):
        self.root = root
        self.cache: dict[str, dict[str, str]] = {}

    def find(self, source: str | None, caption: str) -> str | None:
        if not source or self.root is None:
            return None
        if source not in self.cache:
            from figdex.ingest.sources.base import detect_parser
            from figdex.ingest.sources.common import clean_text

            path = self.root / source
            parser = detect_parser(path) if path.exists() else None
            found: dict[str, str] = {}
            if parser is not None:
                for item in parser.parse(path):
                    for fig in item.figures:
                        if fig.caption_html:
                            found[clean_text(fig.caption)] = fig.caption_html
            self.cache[source] = found
        return self.cache[source].get(caption)


def load_compfigsep_gold(path: Path) -> Iterator[GoldCaption]:
    """compfigsep's hand-split biomedical captions: {image: {caption, gt_subfigures: [{label, caption}]}}."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for key, row in data.items():
        panels: dict[str, str] = {}
        for sub in row.get("gt_subfigures", []):
            label = (sub.get("label") or {}).get("text") or "0"
            panels[label.strip().lower()] = sub.get("caption", "")
        if not panels:
            panels = {"0": row["caption"]}
        yield GoldCaption(key, row["caption"], panels)


# CJK ideographs, kana and full-width forms: scripts written without spaces between words.
_CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def eval_tokens(text: str, source: str | None = None) -> list[str]:
    """The tokens token F1 compares: ``tokens`` (spaCy's word tokens), with runs of CJK script cut into
    characters.  spaCy's English tokenizer leaves '活性物质侧' (even 'a)活性物质侧') as one token, so one
    character more or less would cost a Chinese panel its whole score where an English one loses a word.
    Text given as LaTeX source is compared as printed (``printed_text``), as the splitter gives it; ``source``, when
    given, is the whole caption and decides whether the text is LaTeX: a gold panel of a LaTeX caption may hold only
    math ("computed value of $D_I$.") and no control word, and would otherwise be compared unprinted ("$D_I$" against
    the splitter's "DI")."""
    out: list[str] = []
    for token in tokens(printed_text(text, source)):
        if not _CJK.search(token):
            out.append(token)
            continue
        rest = ""
        for ch in token:
            if not _CJK.match(ch):
                rest += ch
                continue
            out += _word(rest)
            rest = ""
            if not unicodedata.category(ch).startswith(("P", "Z")):  # '，' '：' '（' are punctuation
                out.append(ch)
        out += _word(rest)
    return out


def _word(text: str) -> list[str]:
    """A piece of a mixed token between CJK characters ('a)' of 'a)活性'), without its edge punctuation."""
    word = re.sub(r"^\W+|\W+$", "", text)
    return [word] if word else []


def f1(pred: list[str], gold: list[str]) -> float:
    if not pred and not gold:
        return 1.0
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    p, r = common / len(pred), common / len(gold)
    return 2 * p * r / (p + r)


def evaluate(name: str, gold: Iterable[GoldCaption]) -> CaptionScores:
    scores = CaptionScores(name)
    exact = f1_sum = f1_n = unsplit_p = unsplit_g = 0
    for item in gold:
        split = split_caption(item.caption, item.caption_html, item.own)
        predicted = {s.label: split.full_text(s.label) for s in split.subcaptions}
        scores.captions += 1
        exact += set(predicted) == set(item.panels)
        unsplit_p += set(predicted) == {"0"}
        unsplit_g += set(item.panels) == {"0"}
        worst = 1.0
        for label in set(predicted) | set(item.panels):
            value = f1(eval_tokens(predicted.get(label, ""), item.caption),
                       eval_tokens(item.panels.get(label, ""), item.caption))
            f1_sum += value
            f1_n += 1
            worst = min(worst, value)
        if set(predicted) != set(item.panels) or worst < 0.8:
            scores.failures.append((item.id, sorted(item.panels), sorted(predicted), round(worst, 3)))
    n = max(scores.captions, 1)
    scores.label_set_exact = exact / n
    scores.token_f1 = f1_sum / max(f1_n, 1)
    scores.unsplit_predicted = unsplit_p / n
    scores.unsplit_gold = unsplit_g / n
    return scores


@dataclass(frozen=True)
class DevCaption:
    gold: GoldCaption
    field: str
    publisher: str
    fold: int


def load_devset_captions(captions: Path, figures: Path | None = None, which: str = "held_out") -> list[DevCaption]:
    """The development set's hand-split captions (eval/devset/captions_dev.json) and the captions
    of its annotated figures (separation_dev.json), of ``which`` part: "held_out", "tune", "all"
    (folds), "fresh" (the fresh set), "dev" (folds and development sets) or a development set's
    name (see models.evaluate_devset.in_set).

    Folds are by paper and were fixed before any tuning; the held-out folds are named in the file."""
    from figdex.models.evaluate_devset import devset_parts, in_set

    out: list[DevCaption] = []
    data = json.loads(Path(captions).read_text(encoding="utf-8"))
    held, fresh_sets, dev_sets = devset_parts(data)

    def keep(row: dict) -> bool:
        return in_set(row, which, held, fresh_sets, dev_sets)

    for row in data["captions"]:
        if keep(row):
            shared = row.get("shared", "")
            panels = {s["label"]: " ".join(t for t in (shared, s["text"]) if t) for s in row["subcaptions"]}
            out.append(DevCaption(GoldCaption(row["id"], row["caption"], panels, own=_own_names(row)), row.get("field", "?"),
                                  row.get("publisher", "?"), row["fold"]))
    if figures is not None and Path(figures).exists():
        ids = {c.gold.id for c in out}
        for fig in json.loads(Path(figures).read_text(encoding="utf-8"))["figures"]:
            split = fig.get("subcaptions")
            if not fig.get("caption") or not split or not split.get("panels") or fig["id"] in ids or not keep(fig):
                continue
            shared = split.get("shared", "")
            panels = {p["label"]: " ".join(t for t in (shared, p["text"]) if t) for p in split["panels"]}
            gold = GoldCaption(fig["id"], fig["caption"], panels, own=_own_names(fig))
            out.append(DevCaption(gold, fig.get("field", "?"),
                                  fig.get("publisher", "?"), fig["fold"]))
    return out


def _own_names(fig: dict) -> tuple[str, ...]:
    """A figure record's own names: the number its id prints ("repo#Figure 5" -> "5") and, where the record keeps
    it, its LaTeX label (``latex_label``; the records so far drop the caption's \\label, so "Figure \\ref{fig:x}a"
    in their captions cannot be told from a reference to another figure)."""
    from figdex.ingest.captions.own_figure import figure_names

    names = figure_names(fig["id"].rsplit("#", 1)[-1]) if "#" in fig["id"] else ()
    return names + ((fig["latex_label"],) if fig.get("latex_label") else ())


def evaluate_grouped(name: str, items: list[DevCaption]) -> list[CaptionScores]:
    """Scores over all items, then per field and per publisher (rows named "<name> field:x")."""
    groups: dict[str, list[GoldCaption]] = {name: [c.gold for c in items]}
    for c in items:
        groups.setdefault(f"{name} field:{c.field}", []).append(c.gold)
    for c in items:
        groups.setdefault(f"{name} publisher:{c.publisher}", []).append(c.gold)
    return [evaluate(key, golds) for key, golds in groups.items()]
