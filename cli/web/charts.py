"""Small SVG charts drawn on the server (no plotting library, no JavaScript).

Colours come from CSS classes in static/style.css (the page's Content-Security-Policy allows
no inline styles); every text is escaped.
"""

from __future__ import annotations

from typing import Callable, Sequence

from markupsafe import Markup, escape

ROW = 22  # px per bar of a horizontal bar chart
LABEL_W = 220
BAR_W = 420


def _fmt(n: int) -> str:
    return f"{n:,}"


def _wrap(inner: str, link: str | None) -> str:
    return f'<a href="{escape(link)}">{inner}</a>' if link else inner


def bar_chart(pairs: Sequence[tuple[object, int]], *, link: Callable[[object], str] | None = None) -> Markup:
    """Horizontal bars, one per (label, count), in the order given."""
    if not pairs:
        return Markup('<p class="muted">nothing to plot</p>')
    top = max(n for _, n in pairs) or 1
    height = ROW * len(pairs) + 4
    parts = [f'<svg class="chart" role="img" width="{LABEL_W + BAR_W + 80}" height="{height}" '
             f'viewBox="0 0 {LABEL_W + BAR_W + 80} {height}" xmlns="http://www.w3.org/2000/svg">']
    for i, (label, n) in enumerate(pairs):
        y = i * ROW + 2
        w = max(1, round(BAR_W * n / top))
        text = str(label) if len(str(label)) <= 32 else str(label)[:31] + "…"
        inner = (f'<title>{escape(label)}: {_fmt(n)}</title>'
                 f'<text class="label" x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{escape(text)}</text>'
                 f'<rect class="bar" x="{LABEL_W}" y="{y + 3}" width="{w}" height="{ROW - 6}"/>'
                 f'<text class="count" x="{LABEL_W + w + 4}" y="{y + 15}">{_fmt(n)}</text>')
        parts.append("<g>" + _wrap(inner, link(label) if link else None) + "</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram(bins: Sequence[tuple[str, int]], *, x_label: str = "", link: Callable[[str], str] | None = None,
              height: int = 180) -> Markup:
    """Vertical bars over ordered bins (years, scale ranges), each labelled below."""
    if not bins or not any(n for _, n in bins):
        return Markup('<p class="muted">nothing to plot</p>')
    top = max(n for _, n in bins) or 1
    col = max(18, min(60, 720 // len(bins)))
    width = col * len(bins) + 20
    total_h = height + 70
    parts = [f'<svg class="chart" role="img" width="{width}" height="{total_h}" viewBox="0 0 {width} {total_h}" '
             'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, n) in enumerate(bins):
        x = 10 + i * col
        h = round((height - 20) * n / top)
        y = height - h
        inner = (f'<title>{escape(label)}: {_fmt(n)}</title>'
                 f'<rect class="bar" x="{x + 2}" y="{y}" width="{col - 4}" height="{h}"/>'
                 + (f'<text class="count" x="{x + col / 2}" y="{y - 4}" text-anchor="middle">{_fmt(n)}</text>'
                    if n else "")
                 + f'<text class="label" transform="translate({x + col / 2},{height + 12}) rotate(45)">'
                   f'{escape(label)}</text>')
        parts.append("<g>" + _wrap(inner, link(label) if link else None) + "</g>")
    parts.append(f'<text class="axis" x="{width - 10}" y="{total_h - 4}" text-anchor="end">{escape(x_label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
