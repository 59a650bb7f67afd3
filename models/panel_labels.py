"""Find panel labels ("a", "(b)", "C", "d)") in a compound figure.

General text detectors miss lone letters at figure corners, so labels are found the other
way round: glyph-sized connected components that stand alone on a clear background are
collected (dark-on-light and light-on-dark), neighbouring glyphs joined into short tokens
("(a)"), and the tokens recognised in one batch by the OCR engine's recogniser.  The
caption's label set, when known, says which labels to look for; label heights in one figure
agree, which settles between candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from figdex.models.glyph_stacks import drop_rotated_words
from figdex.models.ocr import OcrEngine
# Kept importable from here: callers and tests name them as panel-label functions.
from figdex.models.reading_order import in_reading_order, labels_in_reading_order  # noqa: F401

_LABEL_TEXT = re.compile(r"^[\(\[（]?\s*([A-Za-z]|[ivxIVX]{2,4}|\d{1,2})\s*[\)\]）.:]?$")
_MIN_H, _MAX_H = 6, 48


def max_label_height(shape) -> int:
    """Tallest text line read by the detector that is taken for a label: 48 px, more in large
    figures (a 1500 px wide figure at print resolution has 60-70 px bracketed labels).  Lone
    glyphs stay below 48 px: larger isolated letters are mostly axis symbols in schematics."""
    return max(_MAX_H, int(0.065 * min(shape[0], shape[1])))


@dataclass(frozen=True)
class PanelLabel:
    label: str  # normalised: lower-case letter, roman numeral or digit
    text: str  # as read
    box: tuple[int, int, int, int]
    confidence: float


@dataclass(frozen=True)
class _Token:
    box: tuple[int, int, int, int]
    polarity: str  # dark | light


def to_gray(image: np.ndarray) -> np.ndarray:
    return (image[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)) if image.ndim == 3 \
        else image.astype(np.float32)


def glyph_tokens(gray: np.ndarray) -> list[_Token]:
    """Short runs of glyph-sized components that stand alone on a uniform background.

    Labels grow with the figure: a 3000 px tall figure drawn for print has 100-150 px letters
    (robustness-RNP, the benchmark-sets review), which the 48 px bound never saw.  Large figures
    get a second pass with the bound of ``max_label_height`` that adds only the taller tokens:
    with the larger bound a bracket or frame joins a small label into one blob, so the first
    pass's tokens stay as they were."""
    tokens = _glyph_tokens(gray, _MAX_H)
    max_h = max_label_height(gray.shape)
    if max_h > _MAX_H:
        tokens += [t for t in _glyph_tokens(gray, max_h) if t.box[3] - t.box[1] > _MAX_H]
    return tokens


def _glyph_tokens(gray: np.ndarray, max_h: int) -> list[_Token]:
    from scipy import ndimage

    tokens: list[_Token] = []
    seen: set[tuple[int, int, int, int]] = set()
    # Two thresholds per polarity: a black label next to a dark-grey micrograph only comes
    # apart from it at the stricter one.
    for polarity, mask in (("dark", gray < 110), ("dark", gray < 60), ("light", gray > 170), ("light", gray > 215)):
        labels, _ = ndimage.label(mask, structure=np.ones((3, 3), bool))
        comps = []
        for sl in ndimage.find_objects(labels):
            if sl is None:
                continue
            h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
            if 2 <= h <= max_h and 1 <= w <= max_h and w <= 2.2 * h + 2:
                comps.append((sl[1].start, sl[0].start, sl[1].stop, sl[0].stop))
        comps = _join_dots(sorted(comps))
        used = [False] * len(comps)
        for i, c in enumerate(comps):
            if used[i]:
                continue
            x0, y0, x1, y1 = c
            members = [i]
            # Join glyphs on one line with small gaps: "(", "a", ")" -> "(a)".
            for j in range(i + 1, len(comps)):
                cx0, cy0, cx1, cy1 = comps[j]
                if cx0 > x1 + max(2, 0.45 * (y1 - y0)):
                    break
                overlap = min(y1, cy1) - max(y0, cy0)
                if overlap > 0.4 * min(y1 - y0, cy1 - cy0) and not used[j]:
                    x0, y0, x1, y1 = min(x0, cx0), min(y0, cy0), max(x1, cx1), max(y1, cy1)
                    members.append(j)
            for j in members:
                used[j] = True
            h, w = y1 - y0, x1 - x0
            if not (_MIN_H <= h <= max_h) or w > 3.2 * h or len(members) > 4:
                continue
            if (x0, y0, x1, y1) not in seen and _isolated(gray, mask, (x0, y0, x1, y1)):
                seen.add((x0, y0, x1, y1))
                tokens.append(_Token((x0, y0, x1, y1), polarity))
    return tokens


def _join_dots(comps: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Join the dot of an "i" or "j" to its stem (a small component just above, overlapping in x)."""
    if not comps:
        return comps
    by_top = sorted(range(len(comps)), key=lambda k: comps[k][1])
    tops = [comps[k][1] for k in by_top]
    import bisect

    absorbed: set[int] = set()
    out = list(comps)
    for i, a in enumerate(comps):
        ah = a[3] - a[1]
        area_a = (a[2] - a[0]) * ah
        # stems start at most a third of their height below the dot's bottom
        lo = bisect.bisect_left(tops, a[1] - 2 * ah)
        hi = bisect.bisect_right(tops, a[1])
        for k in by_top[lo:hi]:
            b = comps[k]
            if k == i or k in absorbed:
                continue
            small = (b[2] - b[0]) * (b[3] - b[1]) <= 0.5 * area_a
            gap = a[1] - b[3]
            if small and min(a[2], b[2]) - max(a[0], b[0]) > 0 and 0 <= gap <= max(2, 0.35 * ah):
                out[i] = (min(a[0], b[0]), b[1], max(a[2], b[2]), a[3])
                absorbed.add(k)
                break
    return sorted(c for k, c in enumerate(out) if k not in absorbed)


def _isolated(gray: np.ndarray, mask: np.ndarray, box) -> bool:
    """At least three of the four strips around the token hold no ink of its polarity.

    Labels often touch the panel they name on one side; letters inside words were already
    joined into longer tokens, so a clear left/right is not needed on both sides.
    """
    x0, y0, x1, y1 = box
    h = y1 - y0
    m = max(2, int(round(0.35 * h)))
    H, W = mask.shape
    strips = [
        mask[max(0, y0 - m):y0, x0:x1],  # top
        mask[y1:min(H, y1 + m), x0:x1],  # bottom
        mask[y0:y1, max(0, x0 - m):x0],  # left
        mask[y0:y1, x1:min(W, x1 + m)],  # right
    ]
    clear = sum(1 for st in strips if st.size == 0 or st.mean() < 0.02)
    if clear < 3:
        return False
    # The token itself must look like a glyph on a plain background, not a patch of texture.
    inside = gray[y0:y1, x0:x1]
    return float(mask[y0:y1, x0:x1].mean()) < 0.75 and float(inside.std()) > 25


def _crop(image: np.ndarray, box, target_h: int = 40) -> np.ndarray:
    from PIL import Image

    x0, y0, x1, y1 = box
    h = y1 - y0
    m = max(2, int(0.3 * h))
    H, W = image.shape[:2]
    crop = image[max(0, y0 - m):min(H, y1 + m), max(0, x0 - m):min(W, x1 + m)]
    scale = target_h / max(1, crop.shape[0])
    if scale > 1.2:
        im = Image.fromarray(crop).resize((max(1, int(crop.shape[1] * scale)), target_h), Image.BICUBIC)
        crop = np.asarray(im)
    return np.ascontiguousarray(crop)


_NUMERIC_TEXT = re.compile(r"^[-+−]?[\d.,]+%?$")


def _inside_read_text(box, text_boxes) -> bool:
    """The token is a glyph of a tick number or a word the text detector has already read.

    Those are a quarter of the tokens of a typical figure and never a panel label, so they are
    not recognised again; a token at the start of a line ("A  Cell counts") may be a label
    printed beside a panel title and is kept."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    for tb in text_boxes:
        x0, y0, x1, y1 = tb.box
        if x0 <= cx <= x1 and y0 <= cy <= y1:
            text = tb.text.strip()
            if normalise_label(text):
                return False
            if _NUMERIC_TEXT.match(text):
                return True
            if len(text) >= 4 and box[0] > x0 + 1.5 * (box[3] - box[1]):
                return True
    return False


# A bracketed letter opening a panel's title line: "(a) Matrix factorization", "b) Spectra".
_TITLED_LABEL = re.compile(r"^\s*([\(\[（]\s*([A-Za-z])\s*[\)\]）]|([A-Za-z])[\)\]）])\s+\S")


def _titled_label(tb) -> PanelLabel | None:
    """The label at the start of a title line the text detector read as one box.  Its glyphs
    touch the title's, so they are no lone token; its box is the line's share of its characters."""
    m = _TITLED_LABEL.match(tb.text)
    if m is None:
        return None
    text = tb.text.strip()
    x0, y0, x1, y1 = tb.box
    prefix = m.group(1)
    width = max(1, round((x1 - x0) * len(prefix) / max(1, len(text))))
    return PanelLabel((m.group(2) or m.group(3)).lower(), prefix, (x0, y0, x0 + width, y1), tb.confidence * 0.9)


def normalise_label(text: str) -> str | None:
    m = _LABEL_TEXT.match(text.strip())
    return m.group(1).lower() if m else None


def find_panel_labels(image: np.ndarray, ocr: OcrEngine, expected: list[str] | None = None,
                      min_confidence: float = 0.45, text_boxes=None) -> list[PanelLabel]:
    """Panel labels in reading order. ``expected``: the labels the caption names (normalised)."""
    gray = to_gray(image)
    tokens = [t for t in glyph_tokens(gray) if not _inside_read_text(t.box, text_boxes or ())]
    tokens = drop_rotated_words(tokens)
    if not tokens:
        return []
    # One crop at a time: batched recognition pads crops to a common width, which changes
    # what the recogniser reads for lone letters.
    reads = [((b.text, b.confidence) if b else ("", 0.0)) for b in (ocr.recognise(_crop(image, t.box, 32)) for t in tokens)]
    candidates: list[PanelLabel] = []
    for tok, (text, conf) in zip(tokens, reads):
        label = normalise_label(text)
        if label is None or conf < min_confidence:
            continue
        if expected is None and not (len(label) == 1 and label.isalpha()):
            continue  # without a caption, only letters: digits and numerals are mostly tick labels
        candidates.append(PanelLabel(label, text.strip(), tok.box, conf))
    # Labels printed inside an image ("(a)" in white on a micrograph) are better found by the
    # text detector, whose lines the caller has already read.
    for tb in text_boxes or ():
        label = normalise_label(tb.text)
        # Without a caption, a lone letter read inside a plot is more often a curve label than a
        # panel label: only bracketed ones ("(a)", "a)") count then.
        bracketed = bool(re.match(r"^\s*[\(\[（]?\s*\w+\s*[\)\]）]", tb.text))
        if label is not None and tb.confidence >= min_confidence and (expected is not None or
                                                                      (label.isalpha() and bracketed)) \
                and (tb.box[3] - tb.box[1]) <= max_label_height(image.shape):
            candidates.append(PanelLabel(label, tb.text.strip(), tb.box, tb.confidence * 0.95))
        elif tb.confidence >= min_confidence and (tb.box[3] - tb.box[1]) <= max_label_height(image.shape):
            titled = _titled_label(tb)
            if titled is not None:
                candidates.append(titled)
    chosen = choose_labels(candidates, expected)
    if expected:
        chosen = infer_missing(chosen, expected)
    elif not chosen:
        # A panel cut from a larger figure keeps its own label ("(b)") at its top-left corner,
        # with no "a" beside it: bracketed and in the corner, it is a panel label, not a curve's.
        h, w = gray.shape[:2]
        corner = [c for c in candidates if re.match(r"^\s*[\(\[（]\s*\w\s*[\)\]）]\s*$", c.text)
                  and c.box[0] < 0.15 * w and c.box[1] < 0.15 * h]
        chosen = sorted(corner, key=lambda c: -c.confidence)[:1]
    return chosen


def infer_missing(found: list[PanelLabel], expected: list[str]) -> list[PanelLabel]:
    """Place labels the caption names but the image did not give up, where the grid of found
    labels has a free cell between their neighbours in reading order (confidence 0.3, no text).

    Panels in a figure form rows and columns; a time series a–j in two rows of five with "i"
    unreadable still has an empty cell between "h" and "j".
    """
    if len(found) < 3:
        return found
    height = float(np.median([c.box[3] - c.box[1] for c in found]))
    tol = max(4.0, 1.2 * height)
    cols = _cluster([c.box[0] for c in found], tol)
    rows = _cluster([c.box[1] for c in found], tol)
    cell = {(_nearest(rows, c.box[1]), _nearest(cols, c.box[0])): c for c in found}
    by_label = {c.label: c for c in found}
    order = [lab for lab in expected if len(lab) == 1 or lab.isdigit()]
    added = []
    for i, lab in enumerate(order):
        if lab in by_label:
            continue
        prev = next((by_label[x] for x in reversed(order[:i]) if x in by_label), None)
        nxt = next((by_label[x] for x in order[i + 1:] if x in by_label), None)
        if prev is None:
            continue
        r, c = _nearest(rows, prev.box[1]), _nearest(cols, prev.box[0])
        # Rows of one figure usually share their columns: the column that follows prev's in
        # another row that also uses prev's column is where this label goes.
        followers = []
        for (rr, cc) in cell:
            if rr != r and cc == c:
                later = sorted(c2 for (r2, c2) in cell if r2 == rr and c2 > c)
                if later:
                    followers.append(later[0])
        nxt_col = max(set(followers), key=followers.count) if followers else c + 1
        target = (r, nxt_col) if nxt_col < len(cols) else (r + 1, 0) if r + 1 < len(rows) else None
        if target is None or target in cell:
            continue
        if nxt is not None:
            nr, nc = _nearest(rows, nxt.box[1]), _nearest(cols, nxt.box[0])
            if (nr, nc) <= target:
                continue  # the next label already sits there or before: no room for this one
        w, h = prev.box[2] - prev.box[0], prev.box[3] - prev.box[1]
        x, y = int(cols[target[1]]), int(rows[target[0]])
        guess = PanelLabel(lab, "", (x, y, x + w, y + h), 0.3)
        cell[target] = guess
        by_label[lab] = guess
        added.append(guess)
    return sorted(found + added, key=lambda c: (c.box[1] // max(1, int(height)), c.box[0]))


def _cluster(values: list[int], tol: float) -> list[float]:
    centres: list[list[int]] = []
    for v in sorted(values):
        if centres and v - np.mean(centres[-1]) <= tol:
            centres[-1].append(v)
        else:
            centres.append([v])
    return [float(min(c)) for c in centres]


def _nearest(centres: list[float], v: float) -> int:
    return int(np.argmin([abs(c - v) for c in centres]))


# Letters whose capital has the same shape: a recogniser reads either case, so they join both.
_SAME_SHAPE = set("cosuvwxz")


def _letter_case(c: PanelLabel) -> str:
    letters = [ch for ch in c.text if ch.isalpha()]
    if len(letters) != 1 or len(c.label) != 1 or not c.label.isalpha():
        return "any"
    if c.label in _SAME_SHAPE:
        return "any"
    return "upper" if letters[0].isupper() else "lower"


def choose_labels(candidates: list[PanelLabel], expected: list[str] | None) -> list[PanelLabel]:
    """One candidate per label, from the largest set of candidates that agree in letter case.

    A figure prints all its panel letters in one case and one size; letters read elsewhere
    (spaced axis titles, legends) mostly differ in one or the other, so each case is tried on
    its own and the one that explains the most labels wins (more labels, then more confidence).
    """
    if expected is not None:
        wanted = set(expected)
        candidates = [c for c in candidates if c.label in wanted]
    best: list[PanelLabel] = []
    best_key: tuple = (0, 0.0, 0.0)
    for case in ("upper", "lower"):
        group = [c for c in candidates if _letter_case(c) in (case, "any")]
        # Labels also share one size: letters of rotated axis titles and tick labels are smaller
        # (or, in headings, larger), so each size class is tried on its own.
        # With a caption's label set the junk is already filtered out: the whole case group is
        # tried too, so labels printed in two sizes still count together.
        # Capitals share one height; lower-case letters span x-height to ascender (a vs b: 1.5x).
        spread = 1.3 if case == "upper" else 1.6
        for members in _height_classes(group, spread) + ([group] if expected is not None else []):
            chosen = _choose_in_group(members, expected)
            key = (len(chosen), float(np.median([c.box[3] - c.box[1] for c in chosen])) if chosen else 0.0,
                   sum(c.confidence for c in chosen))
            if key > best_key:
                best, best_key = chosen, key
    return best


def _height_classes(candidates: list[PanelLabel], spread: float = 1.3) -> list[list[PanelLabel]]:
    """Candidates grouped by glyph height: each class spans at most ``spread`` times its smallest."""
    ordered = sorted(candidates, key=lambda c: c.box[3] - c.box[1])
    classes: list[list[PanelLabel]] = []
    for c in ordered:
        h = c.box[3] - c.box[1]
        if classes and h <= spread * (classes[-1][0].box[3] - classes[-1][0].box[1]):
            classes[-1].append(c)
        else:
            classes.append([c])
    return [cls for cls in classes if len(cls) >= 2 or len(classes) == 1]


def _choose_in_group(candidates: list[PanelLabel], expected: list[str] | None) -> list[PanelLabel]:
    """One candidate per label: the likeliest given confidence and the figure's label height."""
    by_label: dict[str, list[PanelLabel]] = {}
    for c in candidates:
        by_label.setdefault(c.label, []).append(c)
    if not by_label:
        return []
    firsts = [max(cs, key=lambda c: c.confidence) for cs in by_label.values()]
    height = float(np.median([c.box[3] - c.box[1] for c in firsts]))

    def score(c: PanelLabel) -> float:
        h = c.box[3] - c.box[1]
        # Labels sit near the top-left of what they name: prefer higher-up, left-most candidates a little.
        return c.confidence - 0.6 * abs(h - height) / max(height, 1.0)

    # A candidate of another size than the figure's labels is dropped below: choosing it over one
    # of the right size lost the label (doped Fig. 2: an "e" in an axis title, with more neighbours
    # in line, over the bold panel "e").  Each label is chosen among those of the right size.
    def fits(c: PanelLabel) -> bool:
        return abs((c.box[3] - c.box[1]) - height) <= 0.45 * height + 2

    by_label = {lab: [c for c in cs if fits(c)] or cs for lab, cs in by_label.items()}
    chosen = [max(cs, key=score) for cs in by_label.values()]
    # Labels of one figure line up in rows and columns: prefer the candidate that aligns with
    # the others' choices (a second pass settles "b" in a legend against "b" at a panel corner).
    for _ in range(2):
        others = {c.label: c for c in chosen}
        chosen = [max(cs, key=lambda c: score(c) + 0.25 * _alignment(c, others, height))
                  for cs in by_label.values()]
    chosen = [c for c in chosen if fits(c)]
    if expected is None:
        chosen = _sequence_from_a(chosen)
    return sorted(chosen, key=lambda c: (c.box[1] // max(1, int(height)), c.box[0]))


def _alignment(c: PanelLabel, others: dict[str, PanelLabel], height: float) -> int:
    tol = max(3.0, 0.8 * height)
    return sum(1 for o in others.values() if o.label != c.label and
               (abs(o.box[0] - c.box[0]) <= tol or abs(o.box[1] - c.box[1]) <= tol))


def _sequence_from_a(labels: list[PanelLabel]) -> list[PanelLabel]:
    """Without a caption, keep letters that run a, b, c, … (one gap allowed)."""
    letters = {c.label: c for c in labels if len(c.label) == 1}
    if "a" not in letters:
        return []
    kept, gaps = [], 0
    for code in range(ord("a"), ord("z") + 1):
        ch = chr(code)
        if ch in letters:
            kept.append(letters[ch])
        else:
            gaps += 1
            if gaps > 1:
                break
    return kept if len(kept) >= 2 else []


def implied_label_sequence(found: list[str]) -> list[str] | None:
    """a..max of the letters found when some letters in between are missing (None otherwise).

    Only gaps are implied: a figure labelled a-j may or may not have a k, so nothing is added
    past the last letter found.
    """
    letters = sorted({lab for lab in found if len(lab) == 1 and "a" <= lab <= "z"})
    if len(letters) < 2 or len(letters) != len(set(found)):
        return None
    full = [chr(c) for c in range(ord("a"), ord(letters[-1]) + 1)]
    return full if len(full) > len(letters) and len(full) <= 26 else None
