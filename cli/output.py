"""Printing results: table for people, jsonl/json/csv for programs (nothing else on stdout)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from typing import Iterable, Sequence

FORMATS = ("table", "jsonl", "csv", "json")


def emit(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None, stream=None) -> None:
    stream = stream or sys.stdout
    if fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt == "json":
        stream.write(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt == "csv":
        cols = list(columns or (rows[0].keys() if rows else []))
        writer = csv.DictWriter(stream, fieldnames=cols, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _flat(row.get(k)) for k in cols})
    else:
        table(rows, columns, stream)
    stream.flush()  # so messages on stderr come after the results they describe


def _flat(value):
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def table(rows: Sequence[dict], columns: Sequence[str] | None, stream) -> None:
    if not rows:
        return
    cols = list(columns or rows[0].keys())
    width = shutil.get_terminal_size((120, 20)).columns
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    # Give the last column what is left of the terminal so long captions don't wrap the table.
    used = sum(widths[:-1]) + 2 * (len(cols) - 1)
    widths[-1] = max(20, min(widths[-1], width - used))
    stream.write("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip() + "\n")
    for row in cells:
        stream.write("  ".join(_fit(v, w) for v, w in zip(row, widths)).rstrip() + "\n")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}"
    text = str(value) if not isinstance(value, (list, tuple)) else ", ".join(map(str, value))
    return re.sub(r"</?mark>", "*", text).replace("\n", " ")


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def write_lines(lines: Iterable[str]) -> None:
    for line in lines:
        sys.stdout.write(line + "\n")
