"""LaTeX -> text: the commands of captions, titles and abstracts read the way they print.

Not a TeX engine: it reads the commands that carry words (``\\textbf{X}`` -> X, ``$\\mu$m`` ->
µm, ``\\SI{5}{\\nano\\metre}`` -> 5 nm), drops those that print nothing useful in a caption
(``\\label``, ``\\cite``), prints ``?`` for cross references (LaTeX's own mark for a reference it
cannot resolve, which is all a caption read alone can give), and keeps the argument of any
command it does not know.  Sub/superscripts are flattened the way the HTML parsers flatten
``<sub>``/``<sup>`` ("H$_2$O" -> "H2O"), so captions from both sources match the same queries.
"""

from __future__ import annotations

import re
import unicodedata

from figdex.ingest.sources.common import clean_text

# Commands whose (last) argument is dropped with them.
DROP_WITH_ARGS = {
    "label", "cite", "citep", "citet", "citealp", "citealt", "citeauthor", "citeyear", "citenum", "nocite",
    "footnote", "footnotemark", "footnotetext", "thanks", "vspace", "hspace", "vskip", "hskip", "phantom",
    "hphantom", "vphantom", "includegraphics", "input", "include", "bibliography", "bibliographystyle",
    "captionsetup", "setlength", "addtolength", "setcounter", "addtocounter", "color", "definecolor",
    "pagecolor", "fontsize", "linespread", "rule", "raisebox", "newcommand", "renewcommand", "affiliation",
    "affil", "email", "altaffiliation", "orcid", "inst", "institute", "address", "keywords", "pacs", "date",
    "centerline", "linenumbers", "protect", "doi", "acknowledgments",
}
# Commands that print "?" in place of a reference (LaTeX prints "??" for a missing one).
REFERENCES = {"ref", "eqref", "autoref", "cref", "Cref", "pageref", "nameref", "subref", "vref", "figref",
              "fref", "Fref", "secref", "tabref"}
# Commands with two arguments whose second one is the text: \href{url}{text}, \textcolor{red}{text}.
SECOND_ARG = {"href", "textcolor", "colorbox", "foreignlanguage"}
SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "µ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "upmu": "µ", "textmu": "µ", "micro": "µ",
    "times": "×", "pm": "±", "mp": "∓", "sim": "~", "approx": "≈", "simeq": "≃", "leq": "≤", "le": "≤",
    "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "propto": "∝", "infty": "∞", "circ": "°", "degree": "°",
    "textdegree": "°", "AA": "Å", "angstrom": "Å", "cdot": "·", "ldots": "...", "dots": "...",
    "cdots": "...", "rightarrow": "→", "to": "→", "leftarrow": "←", "leftrightarrow": "↔", "Rightarrow": "⇒",
    "uparrow": "↑", "downarrow": "↓", "partial": "∂", "nabla": "∇", "hbar": "ħ", "ell": "ℓ", "perp": "⊥",
    "parallel": "∥", "langle": "⟨", "rangle": "⟩", "%": "%", "&": "&", "#": "#", "_": "_", "$": "$", "{": "{",
    "}": "}", "textless": "<", "textgreater": ">", "textasciitilde": "~", "ss": "ß", "o": "ø", "O": "Ø",
    "ae": "æ", "aa": "å", "l": "ł", "L": "Ł", "copyright": "©", "textregistered": "®", "texttrademark": "™",
    "dag": "†", "dagger": "†", "ddag": "‡", "S": "§", "P": "¶", "textendash": "–", "textemdash": "—",
    "minus": "−", "prime": "′", "ast": "*", "star": "*", "bullet": "•", "newline": " ", "par": " ",
    "noindent": "", "centering": "", "small": "", "footnotesize": "", "scriptsize": "", "tiny": "",
    "large": "", "Large": "", "normalsize": "", "bf": "", "it": "", "rm": "", "sf": "", "tt": "", "em": "",
    "sc": "", "bfseries": "", "itshape": "", "upshape": "", "mdseries": "", "normalfont": "", "selectfont": "",
    "hfill": " ", "vfill": " ", "quad": " ", "qquad": " ", "enspace": " ", "thinspace": " ", "medskip": " ",
    "bigskip": " ", "smallskip": " ", "clearpage": " ", "newpage": " ", "relax": "", "left": "", "right": "",
    "big": "", "Big": "", "bigg": "", "Bigg": "", "displaystyle": "", "textstyle": "", "limits": "",
    "nolimits": "", "ensuremath": "", "xspace": "", "maketitle": "", "and": ",", "AND": ",", "item": " ",
    "checkmark": "✓", "textbackslash": "\\", "i": "ı", "j": "ȷ", "deg": "°", "ohm": "Ω",
}
# siunitx units and prefixes.
UNITS = {
    "yocto": "y", "zepto": "z", "atto": "a", "femto": "f", "pico": "p", "nano": "n", "micro": "µ", "milli": "m",
    "centi": "c", "deci": "d", "kilo": "k", "mega": "M", "giga": "G", "tera": "T", "metre": "m", "meter": "m",
    "m": "m", "second": "s", "s": "s", "gram": "g", "g": "g", "kelvin": "K", "K": "K", "celsius": "°C",
    "degreeCelsius": "°C", "volt": "V", "V": "V", "ampere": "A", "A": "A", "electronvolt": "eV", "eV": "eV",
    "hertz": "Hz", "Hz": "Hz", "mole": "mol", "mol": "mol", "molar": "M", "litre": "L", "liter": "L",
    "watt": "W", "W": "W", "joule": "J", "J": "J", "pascal": "Pa", "Pa": "Pa", "bar": "bar", "tesla": "T",
    "T": "T", "newton": "N", "N": "N", "ohm": "Ω", "siemens": "S", "farad": "F", "coulomb": "C",
    "angstrom": "Å", "degree": "°", "percent": "%", "minute": "min", "hour": "h", "day": "d", "nm": "nm",
    "um": "µm", "mm": "mm", "cm": "cm", "km": "km", "ns": "ns", "us": "µs", "ms": "ms", "ps": "ps",
    "fs": "fs", "kV": "kV", "mV": "mV", "keV": "keV", "meV": "meV", "MeV": "MeV", "GHz": "GHz", "MHz": "MHz",
    "kHz": "kHz", "mg": "mg", "kg": "kg", "ug": "µg", "mL": "mL", "uL": "µL", "mA": "mA", "uA": "µA",
    "nA": "nA", "mW": "mW", "kW": "kW", "GPa": "GPa", "MPa": "MPa", "kPa": "kPa", "mmol": "mmol",
    "per": "/", "square": "²", "squared": "²", "cubic": "³", "cubed": "³", "arcsecond": "″", "arcminute": "′",
}
ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
           ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
           "r": "\u030a", "d": "\u0323", "b": "\u0331"}
_ACCENT = re.compile(r"\\([\'`^\"~=.])\s*(?:\{\s*\\?([A-Za-z])\s*\}|\\?([A-Za-z]))"
                     r"|\\([uvHckrdb])\s*\{\s*\\?([A-Za-z])\s*\}")
_COMMENT = re.compile(r"(?<!\\)((?:\\\\)*)%.*")


def strip_comments(text: str) -> str:
    """The text without ``%`` comments (``\\%`` is a percent sign, ``\\\\%`` a line break then a comment)."""
    return "\n".join(_COMMENT.sub(r"\1", line) for line in text.split("\n"))


def read_group(text: str, i: int, open_: str = "{", close: str = "}") -> tuple[str, int] | None:
    """The balanced group starting at ``text[i]`` (after blanks): (its inside, index after it), or None."""
    n = len(text)
    while i < n and text[i] in " \t\n":
        i += 1
    if i >= n or text[i] != open_:
        return None
    depth, j = 0, i
    while j < n:
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if open_ == "[" and c == "{":  # a brace group inside [..] may hold a "]"
            inner = read_group(text, j)
            j = inner[1] if inner else j + 1
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return text[i + 1:j], j + 1
        j += 1
    return None


def read_args(text: str, i: int, optional: int = 1, required: int = 1) -> tuple[list[str | None], list[str], int]:
    """Up to ``optional`` [..] arguments then ``required`` {..} ones after ``text[i]``: (opts, args, end).
    A required argument without braces is the next single token (``\\input file``)."""
    opts: list[str | None] = []
    for _ in range(optional):
        group = read_group(text, i, "[", "]")
        if group is None:
            break
        opts.append(group[0])
        i = group[1]
    args: list[str] = []
    for _ in range(required):
        group = read_group(text, i)
        if group is None:
            m = re.compile(r"\s*(\\[A-Za-z]+|[^\s{}\\])").match(text, i)
            if not m:
                break
            args.append(m.group(1))
            i = m.end()
            continue
        args.append(group[0])
        i = group[1]
    return opts, args, i


_CMD = re.compile(r"\\([A-Za-z]+)\*?|\\(.)")


def latex_to_text(tex: str) -> str:
    """Printable text of a piece of LaTeX (a caption, a title, an abstract)."""
    if not tex:
        return ""
    text = strip_comments(tex)
    text = _ACCENT.sub(_accent, text)
    text = _convert(text, 0)
    text = text.replace("``", "“").replace("''", "”").replace("---", "—").replace("--", "–")
    text = text.replace("~", " ").replace("\u00a0", " ")
    text = re.sub(r"\s+([,.;:)\]])", r"\1", clean_text(text))
    text = re.sub(r"([(\[])\s+", r"\1", text)
    return unicodedata.normalize("NFC", text)


def _accent(m: re.Match) -> str:
    mark = ACCENTS[m.group(1) or m.group(4)]
    letter = m.group(2) or m.group(3) or m.group(5)
    return unicodedata.normalize("NFC", letter + mark)


def _convert(text: str, depth: int) -> str:
    if depth > 50:  # nesting this deep is not a caption; keep the letters
        return re.sub(r"[\\{}$]", "", text)
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            m = _CMD.match(text, i)
            if m is None:
                i += 1
                continue
            name = m.group(1)
            if name is None:  # a control symbol: \%, \&, \, (thin space), \\ (line break)
                sym = m.group(2)
                out.append({",": " ", ";": " ", ":": " ", "!": "", " ": " ", "\\": " ", "/": "", "-": "",
                            "\n": " "}.get(sym, SYMBOLS.get(sym, sym)))
                i = m.end()
                continue
            i = m.end()
            i = _command(name, text, i, out, depth)
        elif c in "{}":
            i += 1
        elif c == "$":
            i += 1
        elif c in "^_":
            # Flatten sub/superscripts; "^\circ" is a degree sign either way.
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _command(name: str, text: str, i: int, out: list[str], depth: int) -> int:
    if name in REFERENCES:
        _, _, i = read_args(text, i, optional=0)
        out.append("?")
        return i
    if name in DROP_WITH_ARGS:
        # Only a braced argument goes with it: a bare "\\footnotesize"-like use never swallows the next word.
        start = _skip_opts(text, i)
        group = read_group(text, start)
        return group[1] if group is not None else start
    if name in SECOND_ARG:
        _, args, i = read_args(text, i, optional=0, required=2)
        out.append(_convert(args[-1], depth + 1) if args else "")
        return i
    if name == "texorpdfstring":
        _, args, i = read_args(text, i, optional=0, required=2)
        out.append(_convert(args[0], depth + 1) if args else "")
        return i
    if name in ("SI", "qty", "SIrange", "qtyrange", "si", "unit", "num", "numrange", "ang"):
        return _siunitx(name, text, i, out)
    if name in ("frac", "dfrac", "tfrac"):
        _, args, i = read_args(text, i, optional=0, required=2)
        out.append("/".join(_convert(a, depth + 1) for a in args))
        return i
    if name == "sqrt":
        _, args, i = read_args(text, i, optional=1, required=1)
        out.append("√" + (_convert(args[0], depth + 1) if args else ""))
        return i
    if name in ("begin", "end"):
        _, args, end = read_args(text, i, optional=0, required=1)
        # Environment options (\begin{minipage}[t]{0.5\textwidth}) are layout, not text.
        if name == "begin":
            while True:
                group = read_group(text, end, "[", "]") or read_group(text, end)
                if group is None or not re.fullmatch(r"[\d.\s]*\\?[a-z]*(?:width|height)?|[tbchp!H]+|\s*", group[0]):
                    break
                end = group[1]
        out.append(" ")
        return end
    if name in SYMBOLS:
        out.append(SYMBOLS[name])
        if i < len(text) and text[i] == " " and name.isalpha():
            i += 1  # TeX eats the blank after a control word ("$5\,\mu$m", "\AA ")
        return i
    # Unknown command: keep the text of its arguments (\textbf{x} -> x, \emph{x} -> x, \mbox{x} -> x).
    i = _skip_opts(text, i)
    group = read_group(text, i) if i < len(text) and text[i] == "{" else None
    if group is not None:
        out.append(_convert(group[0], depth + 1))
        return group[1]
    return i


def _skip_opts(text: str, i: int) -> int:
    while True:
        group = read_group(text, i, "[", "]")
        if group is None or len(group[0]) > 200:
            return i
        i = group[1]


def _siunitx(name: str, text: str, i: int, out: list[str]) -> int:
    required = {"SI": 2, "qty": 2, "SIrange": 3, "qtyrange": 3, "si": 1, "unit": 1, "num": 1, "numrange": 2,
                "ang": 1}[name]
    _, args, i = read_args(text, i, optional=1, required=required)
    if not args:
        return i
    if name in ("si", "unit"):
        out.append(_unit(args[0]))
    elif name == "num":
        out.append(_number(args[0]))
    elif name == "numrange":
        out.append("–".join(_number(a) for a in args))
    elif name == "ang":
        out.append(_number(args[0]) + "°")
    elif name in ("SI", "qty"):
        out.append(f"{_number(args[0])} {_unit(args[-1])}")
    else:
        out.append(f"{_number(args[0])}–{_number(args[1])} {_unit(args[-1])}")
    return i


def _number(value: str) -> str:
    value = value.strip()
    m = re.fullmatch(r"([-+\d.,]+)\s*e\s*([-+]?\d+)", value)
    if m:
        return f"{m.group(1)} × 10{m.group(2)}"
    return latex_to_text(value).replace(" ", "")


def _unit(value: str) -> str:
    if "\\" not in value:
        return latex_to_text(value)
    parts = re.findall(r"\\([A-Za-z]+)|([^\\\s{}]+)", value)
    out = ""
    for name, literal in parts:
        if literal:
            out += literal
        elif name in ("per",):
            out += "/"
        elif name in ("square", "squared"):
            out += "²"
        elif name in ("cubic", "cubed"):
            out += "³"
        else:
            out += UNITS.get(name, name)
    return out
