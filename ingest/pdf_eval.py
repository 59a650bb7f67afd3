"""`figdex eval pdf`: the PDF parser against the hand-made gold of eval/pdf/gold.json.

Per PDF of the chosen split, the parser's figures are matched to the gold's by kind and printed
label ("Figure 3" / "Fig. 3" name the same figure) on the same page.  Scores: figure recall and
precision (a found figure counts when it is matched), caption exact on its first 12 words,
the share of gold figures whose region has IoU >= 0.8 with the found one, the share of scanned PDFs
called scanned, and seconds per page of finding figures (rendering left out; timed here, on this
machine).  The split was fixed by PDF before any tuning: report ``fresh_2`` (the only part never looked
at; ``fresh`` has been looked at).
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from figdex.errors import NotFoundError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = ROOT / "eval" / "pdf" / "gold.json"
CAPTION_WORDS = 12
IOU_OK = 0.8


@dataclass
class PdfScores:
    pdfs: int = 0
    pages: int = 0
    gold_figures: int = 0
    found_figures: int = 0
    matched: int = 0
    caption_exact: int = 0
    iou_ok: int = 0
    scanned_pdfs: int = 0
    scanned_said: int = 0
    seconds: float = 0.0
    missing_files: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # what did not match, for --failures

    def summary(self) -> dict:
        def share(a, b):
            return round(a / b, 3) if b else None

        return {
            "pdfs": self.pdfs, "pages": self.pages, "gold_figures": self.gold_figures,
            "found_figures": self.found_figures,
            "recall": share(self.matched, self.gold_figures),
            "precision": share(self.matched, self.found_figures),
            "caption_first12_exact": share(self.caption_exact, self.gold_figures),
            "region_iou_0.8": share(self.iou_ok, self.gold_figures),
            "scanned_said": f"{self.scanned_said}/{self.scanned_pdfs}",
            "seconds_per_page": round(self.seconds / self.pages, 3) if self.pages else None,
        }


def normalise_words(text: str, n: int = CAPTION_WORDS) -> str:
    """The first ``n`` words, as the gold file writes them: NFKC, one space, no soft hyphens."""
    text = unicodedata.normalize("NFKC", text.replace("\x02", "-").replace("\u00ad", ""))
    return " ".join(text.split()[:n])


def label_key(kind_label: str) -> tuple[str, str]:
    """("figure", "3") for "Figure 3", "Fig. 3", "FIG. 3", "Fig 3"; ("scheme", "S1") for "Scheme S1";
    ("figure", "7-26") for a book's chapter-numbered "Figure 7-26", ("figure", "5.15") for "Fig. 5.15" (not "7"
    or "5": the chapter's other figures differ); ("figure", "A1") for an appendix's "Figure A1" ("B.1" for "Figure B.1")."""
    m = re.match(r"\s*([A-Za-z]+)\.?\s*((?:S|[A-RT-Z]\.?(?=\d))?\d+(?:[-\u2013.]\d+)?[A-Za-z]?)", kind_label)
    if not m:
        return ("?", kind_label)
    word = m.group(1).lower()
    kind = "scheme" if word.startswith("scheme") else "chart" if word.startswith("chart") else "figure"
    return kind, m.group(2).upper().replace("\u2013", "-")


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def load_gold(path: Path = DEFAULT_GOLD) -> dict:
    if not Path(path).is_file():
        raise NotFoundError(f"{path}: no PDF gold file; it ships in eval/pdf/gold.json")
    return json.loads(Path(path).read_text())


# Parts being gathered for a later single measurement: `--split all` leaves them out, so that nobody sees the
# parser's output on them by accident (a part is scored only when named, once it is complete).
UNMEASURED_PARTS: tuple[str, ...] = ()


def evaluate_pdfs(gold: dict, split: str = "fresh_2", on_pdf=None) -> PdfScores:
    """Score the parser on the gold PDFs of ``split``: a part, parts joined by "+" (gathered at once and measured
    together, "fresh_15+fresh_16"), or "all" (every part but ``UNMEASURED_PARTS``)."""
    from figdex.ingest.sources.base import SourceError
    from figdex.ingest.sources.pdf import analyse_pdf

    scores = PdfScores()
    parts = set(split.split("+"))
    for record in gold["pdfs"]:
        if record["split"] not in parts and (split != "all" or record["split"] in UNMEASURED_PARTS):
            continue
        path = ROOT / record["file"]
        if not path.is_file():
            scores.missing_files.append(record["file"])
            continue
        started = time.perf_counter()
        try:
            result = analyse_pdf(path, render=False)
            found, pages, scanned = result.figures, result.pages, result.scanned
        except SourceError as exc:
            found, pages, scanned = [], 1, False
            scores.failures.append({"pdf": record["id"], "error": str(exc)})
        scores.seconds += time.perf_counter() - started
        scores.pdfs += 1
        scores.pages += pages
        if record.get("scanned"):
            scores.scanned_pdfs += 1
            scores.scanned_said += int(scanned)
        scores.found_figures += len(found)
        by_key = {}
        for fig in found:
            by_key.setdefault((label_key(fig.label), fig.page), fig)
        for g in record["figures"]:
            scores.gold_figures += 1
            fig = by_key.pop((label_key(g["label"]), g["page"]), None)
            if fig is None:
                scores.failures.append({"pdf": record["id"], "figure": g["label"], "page": g["page"], "what": "missed"})
                continue
            scores.matched += 1
            caption_ok = normalise_words(fig.caption) == normalise_words(g["caption12"])
            scores.caption_exact += caption_ok
            overlap = iou(fig.region, g["region"]) if fig.region else 0.0
            scores.iou_ok += overlap >= IOU_OK
            if not caption_ok or overlap < IOU_OK:
                scores.failures.append({
                    "pdf": record["id"], "figure": g["label"], "page": g["page"], "iou": round(overlap, 2),
                    **({} if caption_ok else {"caption": normalise_words(fig.caption), "gold": g["caption12"]}),
                })
        for (key, page), fig in by_key.items():
            scores.failures.append({"pdf": record["id"], "figure": fig.label, "page": page, "what": "not in the gold"})
        if on_pdf:
            on_pdf(record["id"])
    return scores


def scores_dict(scores: PdfScores, failures: bool = False) -> dict:
    out = scores.summary()
    if scores.missing_files:
        out["missing_files"] = len(scores.missing_files)
    if failures:
        out["failures"] = scores.failures
    return out


__all__ = ["DEFAULT_GOLD", "PdfScores", "evaluate_pdfs", "load_gold", "scores_dict", "asdict"]
