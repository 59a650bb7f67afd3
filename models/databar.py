"""Databars: the instrument's info strip under an SEM/TEM image (HFW, mag, WD, HV, detector, date).

The strip is found from what OCR read, not from its looks (FEI draws it black with white rules,
Zeiss white with a black frame, JEOL grey): two or more databar keys ("HFW", "EHT =", "Mag",
"WD") in the lower part of the image.  Its top is the strongest horizontal edge just above
those words (the strip's rule or frame), else just above the highest of them.  Each key takes
its value from the same box ("WD = 14.8 mm"), the box to its right (Zeiss) or the box below it
(FEI's table).  The field width or pixel size gives nm per pixel when no bar does; the boxes
that are field values are handed back so that a scale bar is never paired with one (a Zeiss
"Width = 7.520 µm" next to a 200 nm bar read as the bar's label put scales 1.7-80× off).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from figdex.models.ocr import TextBox
from figdex.models.scale_text import UNITS_NM, _clean

Box = tuple[int, int, int, int]

# canonical field -> key pattern (what instruments print, and OCR's usual variants)
_KEYS = {
    "field_width": r"hfw|hfv|fov|view\s*field|h\.?f\.?w\.?|width|field\s*width|horizontal\s*field\s*width|fw",
    "field_height": r"vfw|height",
    "pixel_size": r"pixel\s*size|pixel|pix\s*size|px\s*size",
    "magnification": r"mag(?:n|nification)?\.?",
    "working_distance": r"wd|vd|w\.d\.|working\s*distance",
    "voltage": r"hv|eht|acc\.?\s*v(?:olt(?:age)?)?|high\s*voltage|voltage",
    "detector": r"det(?:ector)?|signal\s*[ab]?",
    "current": r"curr(?:ent)?|beam\s*current|i\s*probe|probe",
    "mode": r"mode",
    "spot": r"spot",
    "tilt": r"tilt",
    "date": r"date",
    "time": r"time",
    "pressure": r"pressure|vac",
}
# Tescan names the column a key belongs to ("SEM HV: 20.0 kV", "SEM MAG: 5.00 kx", "FIB HV").
_COLUMN = r"(?:sem\s+|fib\s+)?"
_KEY_ONLY = {name: re.compile(rf"^\s*{_COLUMN}(?:{pat})\s*[=:]?\s*$", re.I) for name, pat in _KEYS.items()}
_INLINE = {name: re.compile(rf"^\s*{_COLUMN}(?:{pat})\s*[=:]\s*(\S.*)$", re.I) for name, pat in _KEYS.items()}
# Keys that on their own prove a databar (a "mode" or "date" alone could be a label in a figure).
_STRONG = {"field_width", "pixel_size", "magnification", "working_distance", "voltage", "detector", "current",
           "field_height", "spot"}
# Fields whose value is a number: a key without one is a word in a figure, not a databar field.
_NUMERIC = {"field_width", "field_height", "pixel_size", "magnification", "working_distance", "voltage", "current",
            "spot", "tilt"}
_LENGTH = re.compile(r"(\d+(?:[.,]\d+)?)\s*(nm|µm|um|mm|Å|m)(?![a-z])")


@dataclass(frozen=True)
class Databar:
    box: Box  # the strip, in the pixels of the image given
    content_box: Box  # the image without it
    fields: dict[str, str]  # canonical name -> value as read ("field_width": "1.73 mm")
    nm_per_px: float | None  # from the pixel size, else the field width over the image width
    derived_from: str | None  # pixel_size | field_width
    field_boxes: tuple[Box, ...] = field(default=())  # text boxes that are keys or values of fields

    def as_json(self) -> dict:
        out = {"box": list(self.box), "fields": dict(self.fields)}
        if self.nm_per_px:
            out["nm_per_px"] = self.nm_per_px
            out["derived_from"] = self.derived_from
        return out


def _ascii(text: str) -> str:
    # OCR adds CJK look-alikes for logos and icons ("mag 田"); µ and Å are kept.
    return "".join(ch for ch in _clean(text) if ch.isascii() or ch in "µÅ×").replace("×", "x").strip()


def _key(text: str) -> tuple[str, str | None] | None:
    """(field, inline value or None) when the box is a databar key."""
    t = _ascii(text)
    for name, rx in _INLINE.items():
        m = rx.match(t)
        if m:
            return name, m.group(1).strip()
    for name, rx in _KEY_ONLY.items():
        if rx.match(t):
            return name, None
    return None


def length_nm(text: str) -> float | None:
    m = _LENGTH.search(_ascii(text).replace("um", "µm"))
    if not m:
        return None
    unit = {"m": None}.get(m.group(2), m.group(2))
    if unit is None:
        return None
    return float(m.group(1).replace(",", ".")) * UNITS_NM[unit]


def _vertical_overlap(a: Box, b: Box) -> float:
    return (min(a[3], b[3]) - max(a[1], b[1])) / max(1, min(a[3] - a[1], b[3] - b[1]))


def find_databar(gray: np.ndarray, text_boxes: list[TextBox], lower: float = 0.55) -> Databar | None:
    """The info strip at the bottom of one image, or None.  ``lower``: how far up (as a fraction of
    the height) the strip's words may start."""
    H, W = gray.shape[:2]
    whole: dict[int, Box] = {}  # id of a cell cut from a box -> the box OCR read
    in_band = [cell for tb in text_boxes if (tb.box[1] + tb.box[3]) / 2 >= lower * H for cell in _cells(tb, whole)]
    keyed = [(tb, _key(tb.text)) for tb in in_band]
    keys = [(tb, k) for tb, k in keyed if k is not None]
    if len({k[0] for _, k in keys} & _STRONG) < 2:
        return None
    top_words = min(tb.box[1] for tb, _ in keys)
    top = _strip_top(gray, top_words)
    inside = [tb for tb in in_band if tb.box[1] >= top - 2]
    fields: dict[str, str] = {}
    used: list[Box] = []
    key_boxes = {id(tb) for tb, _ in keys}
    values = [o for o in inside if id(o) not in key_boxes]
    # FEI prints a table (keys over values), Zeiss and JEOL "key = value" lines: when most bare
    # keys have a value under them, every bare key takes the one under it (the box to the right
    # of a key in a table is the next key, perhaps misread).
    bare = [tb for tb, (_, v) in keys if v is None and tb.box[1] >= top - 2]
    table = bool(bare) and sum(_value_box(tb, values, "below") is not None for tb in bare) * 2 >= len(bare)
    for tb, (name, value) in sorted(keys, key=lambda kv: (kv[0].box[1], kv[0].box[0])):
        if tb.box[1] < top - 2 or name in fields:
            continue
        if value is None:
            partner = _value_box(tb, values, "below" if table else "right")
            if partner is None:
                continue
            value = _ascii(partner.text)
            used.append(whole.get(id(partner), partner.box))
        if name in _NUMERIC and not re.search(r"\d", value):
            continue  # "Current" over a tick label-less axis is no databar field
        fields[name] = value
        used.append(whole.get(id(tb), tb.box))
    # Two instrument fields with their numbers (a detector name counts): "HV 5.00 kV" and "WD 4.0 mm".
    if len(set(fields) & _STRONG) < 2 or not set(fields) & _NUMERIC:
        return None
    nm_per_px, derived = None, None
    if "pixel_size" in fields and length_nm(fields["pixel_size"]):
        nm_per_px, derived = length_nm(fields["pixel_size"]), "pixel_size"
    elif "field_width" in fields and length_nm(fields["field_width"]):
        nm_per_px, derived = length_nm(fields["field_width"]) / W, "field_width"
    return Databar((0, top, W, H), (0, 0, W, top), fields, nm_per_px, derived, tuple(used))


def _cells(tb: TextBox, whole: dict[int, Box]) -> list[TextBox]:
    """A box OCR read across the rule between two cells of FEI's table ("20.00 kV|22.7 mm", the rule read as
    '|') cut at the rule into one box per cell, each its share of the columns by characters; ``whole`` maps
    each cut cell to the box read, which is what a field hands back (never a bar's label)."""
    parts = [p for p in tb.text.split("|")]
    if len(parts) < 2 or sum(bool(p.strip()) for p in parts) < 2:
        return [tb]
    x0, y0, x1, y1 = tb.box
    per = (x1 - x0) / max(1, len(tb.text))
    out, at = [], 0
    for part in parts:
        if part.strip():
            cell = TextBox((int(x0 + at * per), y0, int(x0 + (at + len(part)) * per), y1), part.strip(), tb.confidence)
            whole[id(cell)] = tb.box
            out.append(cell)
        at += len(part) + 1
    return out


def _value_box(key: TextBox, others: list[TextBox], where: str) -> TextBox | None:
    """The value printed to the right of a key on its line (``where="right"``, falling back to under
    it) or under it (``"below"``, FEI's table)."""
    kx0, ky0, kx1, ky1 = key.box
    kh = max(4, ky1 - ky0)
    best, best_cost = None, None
    for o in others:
        ox0, oy0, ox1, oy1 = o.box
        if where == "right" and _vertical_overlap(key.box, o.box) > 0.5 and 0 <= ox0 - kx1 <= 3 * kh:
            cost = (ox0 - kx1) / kh
        elif oy0 >= ky1 - kh / 3 and oy0 - ky1 <= 1.5 * kh and (ox0 + ox1) / 2 >= kx0 - kh and \
                (ox0 + ox1) / 2 <= kx1 + kh:
            cost = 0.5 + (oy0 - ky1) / kh + abs((ox0 + ox1) / 2 - (kx0 + kx1) / 2) / kh
        else:
            continue
        if best_cost is None or cost < best_cost:
            best, best_cost = o, cost
    return best


def _strip_top(gray: np.ndarray, top_words: int) -> int:
    """The strip's top: the row with the strongest full-width edge a little above its first words."""
    H, W = gray.shape[:2]
    g = gray.astype(np.int16)
    lo = max(1, top_words - max(12, (H - top_words) // 2))
    best_row, best = None, 0.0
    for y in range(top_words, lo - 1, -1):
        strength = float((np.abs(g[y] - g[y - 1]) > 30).mean())
        # Rows nearer the words win ties: the strip's own rule, not an edge in the picture above.
        if strength > best + 0.05:
            best_row, best = y, strength
    if best_row is not None and best >= 0.5:
        # A rule one to three pixels thick belongs to the strip: its upper edge is the top.
        top = best_row
        for y in (best_row - 1, best_row - 2, best_row - 3):
            if y < 1 or float((np.abs(g[y] - g[y - 1]) > 30).mean()) < 0.5 * best:
                break
            top = y
        return top
    return max(0, top_words - 3)
