"""Scale-label text: "200 nm", "0.5 µm", "2,5 μm", OCR's "1um", "20.nm", "5 pm" (µm), "5 Å".

``parse_scale_label`` normalises what OCR read into (value, unit, nanometres) and says how
sure it is; ``parse_scale_statement`` reads caption sentences ("Scale bars, 5 µm", "scale bar
= 200 nm").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# unit -> nanometres
UNITS_NM = {"Å": 0.1, "nm": 1.0, "µm": 1e3, "mm": 1e6, "cm": 1e7}

# OCR and typing variants of each unit, most specific first.
_UNIT_VARIANTS = [
    (r"(?:µ|μ|u|U|mu|mu-|micro)\s*-?\s*m|microns?|micrometers?|micrometres?|um|pm|ym|jm|qm|Mm|gm|jim|jum", "µm"),
    (r"nm|rm|nrn|mn|run|rim|hm|n\s*m", "nm"),
    (r"Å|Å|A(?![a-z])|angstroms?|ångströms?|Ä", "Å"),
    (r"mm|rnm|millimeters?|millimetres?", "mm"),
    (r"m(?![a-zA-Z])", "m"),
    (r"cm", "cm"),
]
_NUMBER = r"(\d+(?:[.,]\d+)?|\.\d+)"


@dataclass(frozen=True)
class ScaleLabel:
    text: str  # normalised, e.g. "200 nm"
    value: float
    unit: str
    nm: float
    confidence: float


def _clean(text: str) -> str:
    text = text.strip().replace("µ", "µ").replace("μ", "µ")
    # OCR confusions inside numbers: O/o for 0, l/I for 1, S for 5 next to digits.
    # Twice: "1ooum" (a 100µm label read over texture) has its second o after the first, not a digit.
    for _ in range(2):
        text = re.sub(r"(?<=\d)[Oo](?=\d|\s|[a-zµÅ]|$)", "0", text)
    text = re.sub(r"^[Oo](?=[.,]\d)", "0", text)
    text = re.sub(r"(?<=\d)[lI](?=\d)", "1", text)
    text = re.sub(r"(?<=\d[.,])[DO](?=\s*[a-zµÅ])", "0", text)
    text = re.sub(r"(?<=\d)\s*-\s*(?=[a-zµÅ])", " ", text)  # "100-nm"
    text = re.sub(r"^[lI](?=\d|\s*[0O]{1,3}\s*[a-zµ])", "1", text)
    # A lone l/I/| before a unit is a 1 ("lum", "I µm"); a number printed with a leading zero
    # has a decimal point ("05 µm", "0 5 µm" are 0.5 µm with the point lost).
    text = re.sub(r"^[lI|](?=\s*(?:µm|um|nm|mm|pm)\b)", "1", text)
    text = re.sub(r"^0\s?(?=[1-9]\d?\s*[a-zµÅ])", "0.", text)
    return text


def parse_scale_label(raw: str, ocr_confidence: float = 1.0) -> ScaleLabel | None:
    """Parse one scale label; None when the text is not a length."""
    if not raw:
        return None
    text = _clean(raw)
    # Keep ASCII, µ and Å only: OCR sometimes adds stray symbols around the label.
    text = "".join(ch for ch in text if ch.isascii() or ch in "µÅÄ")
    for variants, unit in _UNIT_VARIANTS:
        m = re.search(rf"{_NUMBER}\s*[.,]?\s*(?:{variants})(?![a-zA-Z]{{2,}})", text)
        if m:
            number = m.group(1).replace(",", ".")
            try:
                value = float(number)
            except ValueError:
                continue
            if value <= 0 or value > 5000:
                continue
            conf = ocr_confidence
            if number.startswith("."):
                conf *= 0.8  # labels print "0.5", never ".5": a speck read as a point, or the 0 lost
            matched_unit = m.group(0)[len(m.group(1)):].strip(" .,")
            if unit == "µm" and matched_unit.lower() in ("pm", "ym", "jm", "qm", "mm"):
                conf *= 0.9  # a µ read as p/y: likely, not certain
            if unit == "Å" and matched_unit == "A":
                conf *= 0.9
            # Priors of figure scale bars: a metre bar does not occur and a bar of 10 mm or more
            # is rare, while OCR often drops or doubles the n of "nm" ("200 m", "200mm") and
            # reads "1um" as "1m".  Small values lean to µm, larger ones to nm.
            if unit == "m":
                unit, conf = ("nm" if value >= 10 else "µm"), conf * 0.6
            elif unit == "mm" and value >= 10 and matched_unit == "mm":
                unit, conf = "nm", conf * 0.7
            shown = f"{_fmt(value)} {unit}"
            return ScaleLabel(shown, value, unit, value * UNITS_NM[unit], round(conf, 3))
    return None


# Values printed on scale bars: 1, 2, 2.5, 3, 4 and 5 times a power of ten (10 nm, 200 nm, 0.5 µm,
# 2.5 µm, 30 µm); any other is possible (35 nm, 60 nm) but rarer, so a reading of it loses to a
# reading of a common value from another view, not to nothing.
_COMMON_MANTISSAS = (1.0, 2.0, 2.5, 3.0, 4.0, 5.0)
_UNCOMMON_FACTOR = 0.85


def plausibility(label: ScaleLabel) -> float:
    """1.0 for a common scale-bar value, ``_UNCOMMON_FACTOR`` for any other."""
    exponent = math.floor(math.log10(label.value))
    mantissa = round(label.value / 10 ** exponent, 6)
    return 1.0 if mantissa in _COMMON_MANTISSAS else _UNCOMMON_FACTOR


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


_STATEMENT = re.compile(
    rf"scale\s+bars?\b[^0-9]{{0,40}}?{_NUMBER}\s*(µm|μm|um|nm|Å|mm|cm|pm|microns?|micrometers?|m)\b", re.I)


def parse_scale_statement(text: str) -> ScaleLabel | None:
    """The length stated by a caption's scale sentence: 'Scale bars, 5 µm', 'scale bar = 200 nm'."""
    m = _STATEMENT.search(text or "")
    if not m:
        return None
    return parse_scale_label(f"{m.group(1)} {m.group(2)}")


_BARE_NUMBER = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*$")
_BARE_UNIT = re.compile(r"^\s*(?:µm|μm|um|nm|mm|Å|pm|microns?)\s*$", re.I)


def joined_labels(text_boxes: list) -> list:
    """The text boxes plus one box for each number that OCR read apart from its unit on the same line
    ("500" | "µm": FEI's databar ruler label came back as two boxes, neither of them a length).  The
    unit starts within one glyph height of the number's right edge, on its line."""
    from dataclasses import replace

    out = list(text_boxes)
    units = [tb for tb in text_boxes if _BARE_UNIT.match(tb.text)]
    for tb in text_boxes:
        if not _BARE_NUMBER.match(tb.text):
            continue
        x0, y0, x1, y1 = tb.box
        h = max(4, y1 - y0)
        for unit in units:
            ux0, uy0, ux1, uy1 = unit.box
            overlap = min(y1, uy1) - max(y0, uy0)
            if -2 <= ux0 - x1 <= h and overlap >= 0.5 * min(h, uy1 - uy0):
                out.append(replace(tb, box=(x0, min(y0, uy0), ux1, max(y1, uy1)),
                                   text=f"{tb.text.strip()} {unit.text.strip()}",
                                   confidence=min(tb.confidence, unit.confidence)))
                break
    return out
