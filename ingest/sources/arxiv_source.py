"""An arXiv e-print's source: its main .tex file and the figures the LaTeX declares.

The archive is read by ``eprint_archive.open_eprint``; ``read_document`` finds the main file (the one
with ``\\documentclass`` and ``\\begin{document}``), follows ``\\input``/``\\include``, and returns
the front matter and every ``figure``/``figure*`` environment in document order with its label,
caption, panel sub-captions (``subfigure``, ``\\subfloat``, ``\\subcaptionbox``...) and graphics
resolved against the archive (``\\graphicspath``, extension-less names).  Turning graphics into
pixels is ``arxiv_images``'s work.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from figdex.ingest.sources.common import normalize_doi
from figdex.ingest.sources.eprint_archive import TEX_EXTS, Eprint, EprintError
from figdex.ingest.sources.latex import latex_to_text, read_args, read_group, strip_comments
from figdex.limits import MAX_TEX_CHARS, MAX_TEX_INPUT_DEPTH

# pdfLaTeX's order (graphicx's \DeclareGraphicsExtensions for pdftex), then what epstopdf converts.
GRAPHIC_EXTS = (".pdf", ".png", ".jpg", ".jpeg", ".PDF", ".PNG", ".JPG", ".JPEG", ".eps", ".EPS", ".ps",
                ".tif", ".tiff", ".gif")
PANEL_LETTERS = "abcdefghijklmnopqrstuvwxyz"


# -- the LaTeX document --------------------------------------------------------------------------
@dataclass(frozen=True)
class Graphic:
    name: str  # as written in \includegraphics
    member: str | None  # the archive file it resolves to
    width: float | None = None  # fraction of the text width, when the LaTeX says


@dataclass(frozen=True)
class Panel:
    letter: str  # "a", "b", ... in the order the panels appear
    caption: str  # the panel's own caption as text ("" for \subfloat[]{...})
    graphics: tuple[Graphic, ...]
    width: float | None = None


@dataclass(frozen=True)
class LatexFigure:
    number: int
    label: str  # printed label: "Figure 3" (or "Figure S2" after \renewcommand{\thefigure}{S\arabic{figure}})
    key: str | None  # its \label{...}
    caption: str  # the main caption as text, without the panel captions
    panels: tuple[Panel, ...]
    graphics: tuple[Graphic, ...]  # every graphic, in order (panels' included)
    wide: bool = False  # figure* (both columns)


@dataclass
class LatexDocument:
    main: str  # archive name of the main .tex file
    title: str = ""
    authors: tuple[str, ...] = ()
    abstract: str = ""
    doi: str | None = None
    figures: list[LatexFigure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def find_main(eprint: Eprint) -> str:
    texes = [n for n in eprint.files if n.lower().endswith(TEX_EXTS)]
    if eprint.kind == "tex":
        return next(iter(eprint.files))
    mains = []
    for name in texes:
        text = strip_comments(_decode(eprint.files[name]))
        if re.search(r"\\documentclass\b", text) and re.search(r"\\begin\s*\{document\}", text):
            mains.append(name)
    if not mains:
        raise EprintError(f"{eprint.path}: no main LaTeX file in the e-print (no .tex file with \\documentclass and "
                          f"\\begin{{document}} among {len(texes)} .tex files)")
    # arXiv compiles the top-level file; authors' usual names break ties, then size.
    usual = ("ms", "main", "paper", "manuscript", "article")
    return sorted(mains, key=lambda n: (n.count("/"), Path(n).stem.lower() not in usual,
                                        -len(eprint.files[n])))[0]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older sources are Latin-1 (inputenc latin1)


_INPUT = re.compile(r"\\(input|include|subfile|import|subimport|inputfrom|includefrom)(?![A-Za-z@])\*?")


def expand_inputs(eprint: Eprint, main: str, problems: list[str]) -> str:
    """The main file's text with comments gone and every \\input/\\include followed (bounded)."""
    root = posixpath.dirname(main)
    budget = [MAX_TEX_CHARS]

    def load(name: str, here: str, depth: int) -> str:
        text = strip_comments(_decode(eprint.files[name]))
        budget[0] -= len(text)
        if budget[0] < 0:
            problems.append(f"{name}: the LaTeX source is over {MAX_TEX_CHARS:,} characters (figdex's limit); "
                            "the rest is not read")
            return ""
        out, i = [], 0
        for m in _INPUT.finditer(text):
            if m.start() < i:
                continue
            command = m.group(1)
            required = 2 if command in ("import", "subimport", "inputfrom", "includefrom") else 1
            _, args, end = read_args(text, m.end(), optional=0, required=required)
            if len(args) < required:
                continue
            out.append(text[i:m.start()])
            i = end
            target = posixpath.join(args[0].strip(), args[1].strip()) if required == 2 else args[0].strip()
            if command == "subimport":
                target = posixpath.join(posixpath.dirname(name), target)
            member = _resolve_tex(eprint, target, root, posixpath.dirname(name))
            if member is None:
                if not target.lower().endswith((".bbl", ".sty", ".cls", ".aux")):
                    problems.append(f"\\{command}{{{target}}}: no such file in the e-print; its text is not read")
                continue
            if depth >= MAX_TEX_INPUT_DEPTH:
                problems.append(f"\\{command}{{{target}}}: more than {MAX_TEX_INPUT_DEPTH} levels of \\input "
                                "(figdex's limit, or a file that inputs itself); not followed")
                continue
            out.append("\n" + load(member, posixpath.dirname(member), depth + 1) + "\n")
        out.append(text[i:])
        return "".join(out)

    return load(main, root, 0)


def _resolve_tex(eprint: Eprint, target: str, root: str, here: str) -> str | None:
    target = target.strip().strip('"')
    for base in dict.fromkeys((root, here)):
        path = posixpath.normpath(posixpath.join(base, target))
        for candidate in (path + ".tex", path) if not path.lower().endswith(TEX_EXTS) else (path,):
            found = eprint.find(candidate)
            if found is not None and (found.lower().endswith(TEX_EXTS) or "." not in posixpath.basename(found)):
                return found
    return None


def read_document(eprint: Eprint) -> LatexDocument:
    """Front matter and figures of an e-print's LaTeX source."""
    main = find_main(eprint)
    doc = LatexDocument(main)
    text = expand_inputs(eprint, main, doc.problems)
    # The comment package's environment is text LaTeX never typesets (old figures often sit there).
    text = re.sub(r"\\begin\s*\{comment\}.*?\\end\s*\{comment\}", "", text, flags=re.S)
    m = re.search(r"\\begin\s*\{document\}", text)
    preamble, body = (text[:m.start()], text[m.end():]) if m else ("", text)
    front = body.split("\\section", 1)[0]
    doc.title = _command_text(preamble + front, "title")
    doc.authors = _authors(preamble + front)
    abstract = re.search(r"\\begin\s*\{abstract\}(.*?)\\end\s*\{abstract\}", text, re.S)
    if abstract:
        doc.abstract = latex_to_text(abstract.group(1))
    else:
        doc.abstract = _command_text(preamble + front, "abstract")
    doi = re.search(r"\\doi\s*\{([^}]*)\}", preamble + front) or re.search(r"doi\.org/(10\.\d{4,9}/[^\s}]+)",
                                                                            preamble + front)
    doc.doi = normalize_doi(doi.group(1)) if doi else None
    paths = _graphicspaths(text)
    doc.figures = _figures(eprint, body, posixpath.dirname(main), paths, doc.problems)
    return doc


def _command_text(text: str, name: str) -> str:
    m = re.search(r"\\%s(?![A-Za-z@])\s*" % name, text)
    if not m:
        return ""
    _, args, _ = read_args(text, m.end(), optional=1, required=1)
    return latex_to_text(args[0]) if args else ""


def _authors(text: str) -> tuple[str, ...]:
    names: list[str] = []
    for m in re.finditer(r"\\author(?![A-Za-z@])\s*", text):
        _, args, _ = read_args(text, m.end(), optional=1, required=1)
        if not args:
            continue
        raw = re.sub(r"\$\s*\^\s*\{?[^$]*\}?\s*\$|\\textsuperscript\s*\{[^}]*\}|\^\{[^}]*\}", "", args[0])
        raw = re.sub(r"\\(?:inst|thanks|footnote|affil|affiliation|orcidlink|email)\s*(?:\[[^\]]*\])?\s*\{[^{}]*\}",
                     "", raw)
        for part in re.split(r"\\and\b|\\\\|,|\band\b", raw):
            name = latex_to_text(part).strip(" ,*∗†‡0123456789")
            if name and len(name) < 100 and not re.search(r"@|\buniversity\b|\binstitute\b", name, re.I):
                names.append(name)
    return tuple(dict.fromkeys(names))


def _graphicspaths(text: str) -> list[str]:
    paths: list[str] = []
    for m in re.finditer(r"\\graphicspath\s*", text):
        group = read_group(text, m.end())
        if group:
            paths += [p.strip() for p in re.findall(r"\{([^{}]*)\}", group[0]) if p.strip()]
    return paths


# A figure environment, a change of how figures are numbered, or of the figure counter.
_FIGURE_EVENT = re.compile(r"\\begin\s*\{(figure\*?|wrapfigure|SCfigure)\}|\\renewcommand\s*\{?\\thefigure\}?"
                           r"|\\setcounter\s*\{figure\}")
_SUBFIGURE_ENV = re.compile(r"\\begin\s*\{(subfigure|subfigure\*|minipage)\}")
_SUB_COMMAND = re.compile(r"\\(subfloat|subfigure|sidesubfloat|subcaptionbox)(?![A-Za-z@])\*?")
_GRAPHIC = re.compile(r"\\(includegraphics|epsfig|psfig|epsfbox|epsffile|plotone|plottwo|includepdf)"
                      r"(?![A-Za-z@])\*?")
_CAPTION = re.compile(r"\\(caption|captionof|subcaption)(?![A-Za-z@])\*?")


def _figures(eprint: Eprint, body: str, root: str, paths: list[str], problems: list[str]) -> list[LatexFigure]:
    figures: list[LatexFigure] = []
    counter, prefix = 0, ""
    i = 0
    while True:
        m = _FIGURE_EVENT.search(body, i)
        if m is None:
            break
        if m.group(0).startswith("\\renewcommand"):
            group = read_group(body, m.end())
            if group:
                p = re.match(r"\s*([A-Za-z.\-]*)\s*\\(?:arabic|the)", group[0])
                prefix = p.group(1) if p else prefix
                i = group[1]
            else:
                i = m.end()
            continue
        if m.group(0).startswith("\\setcounter"):
            group = read_group(body, m.end())
            counter = int(group[0]) if group and group[0].strip().isdigit() else counter
            i = group[1] if group else m.end()
            continue
        env = m.group(1)
        end = body.find(f"\\end{{{env}}}", m.end())
        if end < 0:
            problems.append(f"\\begin{{{env}}} without \\end{{{env}}}: the figures after it are not read")
            break
        inner = body[m.end():end]
        i = end + len(env) + 6
        for caption, key, panels, graphics in _split_float(eprint, inner, root, paths):
            if caption is None:
                problems.append(f"a {env} environment without \\caption ({_where(graphics)}): LaTeX gives it no "
                                "number; left out")
                continue
            counter += 1
            caption = caption.replace(_OWN_NUMBER, f"{prefix}{counter}")
            figures.append(LatexFigure(counter, f"Figure {prefix}{counter}", key, caption, panels, graphics,
                                       env == "figure*"))
    return figures


def _where(graphics) -> str:
    return ", ".join(g.name for g in graphics) or "no graphics"


def _split_float(eprint, inner: str, root: str, paths: list[str]):
    """(caption, \\label, panels, graphics) of each captioned figure in one float environment.

    Panels (subfigure environments, \\subfloat & co.) are taken out first; a float holding several
    top-level \\caption commands is several figures (two minipages side by side), each with the
    graphics before its caption."""
    spans: list[tuple[int, int, Panel]] = []
    masked = list(inner)
    for start, end, caption, content, width in _panel_spans(inner):
        graphics = tuple(_graphics(eprint, content, root, paths, width))
        spans.append((start, end, Panel("", latex_to_text(caption), graphics, width)))
        masked[start:end] = " " * (end - start)
    rest = "".join(masked)
    captions = []
    for m in _CAPTION.finditer(rest):
        if m.group(1) == "subcaption":
            continue  # a panel's caption outside any panel environment is not the figure's
        opts, args, end = read_args(rest, m.end(), optional=1 if m.group(1) != "captionof" else 0,
                                    required=2 if m.group(1) == "captionof" else 1)
        if m.group(1) == "captionof":
            if not args or args[0].strip() != "figure":
                continue
            opts, more, end = read_args(rest, end, optional=1, required=1)  # \captionof{figure}[short]{long}
            args = more
        if args:
            captions.append((m.start(), end, args[-1]))
    if not captions:
        yield None, None, (), tuple(_graphics(eprint, rest, root, paths, None))
        return
    bounds = [0] + [c[1] for c in captions[:-1]] + [len(inner)]
    for n, (c_start, c_end, caption_tex) in enumerate(captions):
        lo, hi = bounds[n], bounds[n + 1]
        if len(captions) == 1:
            lo, hi = 0, len(inner)
        panels = [p for s, e, p in spans if lo <= s < hi]
        panels = [Panel(PANEL_LETTERS[k] if k < 26 else str(k + 1), p.caption, p.graphics, p.width)
                  for k, p in enumerate(panels)]
        region = rest[lo:hi]
        key = re.search(r"\\label\s*\{([^}]*)\}", region) or re.search(r"\\label\s*\{([^}]*)\}", caption_tex)
        # Graphics in document order: the panels' and those outside any panel.
        items = [(s, p.graphics) for s, e, p in spans if lo <= s < hi]
        loose = [(lo + gm.start(), (g,)) for gm, g in _graphic_matches(eprint, region, root, paths, None)]
        graphics = tuple(g for _, gs in sorted(items + loose, key=lambda t: t[0]) for g in gs)
        own = key.group(1).strip() if key else None
        yield latex_to_text(_own_references(caption_tex, own)), own, tuple(panels), graphics


# "Figure \ref{fig:x}a shows …" in fig:x's own caption: the reference printed as the figure's number once it is
# counted (a reference read alone prints "?", and the caption splitter could not see its own panels).
_OWN_NUMBER = "FIGDEXOWNFIGURENUMBER"


def _own_references(caption_tex: str, key: str | None) -> str:
    if not key:
        return caption_tex
    caption_tex = re.sub(rf"\\(?:autoref|cref|Cref)\s*\{{\s*{re.escape(key)}\s*\}}", f"Figure {_OWN_NUMBER}",
                         caption_tex)  # these print the word themselves
    return re.sub(rf"\\ref\s*\{{\s*{re.escape(key)}\s*\}}", _OWN_NUMBER, caption_tex)


def _panel_spans(inner: str):
    """(start, end, caption, content, width) of each panel in a float, in order."""
    found = []
    for m in _SUBFIGURE_ENV.finditer(inner):
        env = m.group(1)
        close = _matching_end(inner, env, m.end())
        if close is None:
            continue
        opts, args, content_start = read_args(inner, m.end(), optional=1, required=1)
        content = inner[content_start:close]
        cap = None
        for c in _CAPTION.finditer(content):
            if env == "minipage" and c.group(1) != "subcaption":
                continue
            _, cargs, _ = read_args(content, c.end(), optional=1, required=1)
            cap = cargs[-1] if cargs else ""
        if env == "minipage" and cap is None:
            continue  # a minipage without \subcaption is layout, not a panel
        found.append((m.start(), close + len(f"\\end{{{env}}}"), cap or "", content, _width(args[0] if args else "")))
    for m in _SUB_COMMAND.finditer(inner):
        if any(s <= m.start() < e for s, e, *_ in found):
            continue
        if m.group(1) == "subcaptionbox":
            opts, args, end = read_args(inner, m.end(), optional=1, required=2)
            if len(args) < 2:
                continue
            found.append((m.start(), end, args[0], args[1], None))
            continue
        opts, args, end = read_args(inner, m.end(), optional=2, required=1)
        if not args:
            continue
        found.append((m.start(), end, opts[-1] if opts and opts[-1] is not None else "", args[0], None))
    return sorted(found)


def _matching_end(text: str, env: str, start: int) -> int | None:
    """Index of the \\end{env} that closes an environment opened before ``start`` (nesting counted)."""
    pattern = re.compile(r"\\(begin|end)\s*\{%s\}" % re.escape(env))
    depth = 1
    for m in pattern.finditer(text, start):
        depth += 1 if m.group(1) == "begin" else -1
        if depth == 0:
            return m.start()
    return None


def _width(spec: str) -> float | None:
    """A width as a fraction of the text width: "0.45\\textwidth" -> 0.45, "\\linewidth" -> 1."""
    m = re.search(r"([\d.]*)\s*\\(?:textwidth|linewidth|columnwidth|hsize)", spec or "")
    if not m:
        return None
    try:
        return float(m.group(1)) if m.group(1) else 1.0
    except ValueError:
        return None


def _graphic_matches(eprint, text: str, root: str, paths: list[str], panel_width: float | None):
    for m in _GRAPHIC.finditer(text):
        command = m.group(1)
        if command in ("epsfig", "psfig"):
            _, args, _ = read_args(text, m.end(), optional=0, required=1)
            spec = args[0] if args else ""
            name = re.search(r"(?:file|figure)\s*=\s*([^,}\s]+)", spec)
            width = _width(re.search(r"width\s*=\s*([^,]+)", spec).group(1)) if "width" in spec else None
            names = [name.group(1)] if name else []
        elif command == "plottwo":
            _, args, _ = read_args(text, m.end(), optional=0, required=2)
            names, width = args, 0.5
        else:
            opts, args, _ = read_args(text, m.end(), optional=2, required=1)
            names = args[:1]
            width = _width(next((o for o in opts if o and "width" in o), "") or "")
        if panel_width is not None and width is not None:
            width = width * panel_width if width <= 1 else panel_width
        for name in names:
            yield m, Graphic(name.strip(), resolve_graphic(eprint, name, root, paths), width or panel_width)


def _graphics(eprint, text, root, paths, panel_width):
    return [g for _, g in _graphic_matches(eprint, text, root, paths, panel_width)]


def resolve_graphic(eprint: Eprint, name: str, root: str, paths: list[str]) -> str | None:
    """The archive member an \\includegraphics name means: tried in each \\graphicspath folder and the
    main file's folder, as written and with each extension pdfLaTeX tries."""
    # "{fig.1}.png" (braces keep a dot out of the extension) and "\"my figure\"" name files too.
    name = name.strip().strip('"').replace("{", "").replace("}", "").strip()
    if not name:
        return None
    bases = [posixpath.join(root, p) for p in paths] + [root]
    has_ext = posixpath.splitext(name)[1].lower() in {e.lower() for e in GRAPHIC_EXTS}
    for base in bases:
        path = posixpath.normpath(posixpath.join(base, name))
        tries = [path] if has_ext else [path + ext for ext in GRAPHIC_EXTS] + [path]
        for candidate in tries:
            found = eprint.find(candidate)
            if found is not None:
                return found
    return None

