"""A keyword index of the words printed in the images (issue 20): `search --by-content`'s lexical signal.

The sentence vector of an image's printed words (ingest/image_text.py) finds "absorbance spectrum"
for a chart that prints "Absorbance; Wavelength (nm)", but a list of OCR fragments is a poor
sentence: a rare exact word the query shares with the image ("DIPSI-2", "cyclosporin", "ztop",
"Maxwell-Wagner") counts for more than the vector says.  This index scores those shared words with
BM25: a derived SQLite FTS5 file (``vectors/image-text-words.sqlite``, beside the image-text vectors
it is rebuilt with; the ``image_texts`` table is the source of truth), Porter-stemmed, the query's
words ORed (a long sub-caption shares a few words with the image, never all).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Iterable

TOKENIZER = "porter unicode61 remove_diacritics 2"
_WORD = re.compile(r"\w+", re.UNICODE)


def build_word_index(path: Path, texts: Iterable[tuple[int, str]]) -> int:
    """Write the index of (master id, printed text) rows to ``path`` (replaced whole: a reader never
    sees a half-built file); returns the rows indexed.  No rows: the file is removed."""
    tmp = path.with_name(f".{path.name}.part")
    tmp.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.execute(f"CREATE VIRTUAL TABLE words USING fts5(text, tokenize='{TOKENIZER}')")
        conn.executemany("INSERT INTO words(rowid, text) VALUES (?, ?)", ((int(i), t) for i, t in texts if t))
        n = conn.execute("SELECT count(*) FROM words").fetchone()[0]
        conn.commit()
    finally:
        conn.close()
    if not n:
        tmp.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        return 0
    tmp.replace(path)
    return n


def query_expression(text: str) -> str:
    """The query's distinct words (two characters or more, not bare numbers), each quoted, ORed."""
    words = sorted({w for w in _WORD.findall(text.lower()) if len(w) > 1 and not w.isdigit()})
    return " OR ".join(f'"{w}"' for w in words)


def search_words(path: Path, text: str, limit: int) -> list[tuple[int, float]]:
    """(master id, BM25 score, higher is better) of the images printing the query's words, best first;
    empty when the query has no word or the index no file."""
    expression = query_expression(text)
    if not expression or not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT rowid, -bm25(words) FROM words WHERE words MATCH ? ORDER BY bm25(words), rowid "
                            "LIMIT ?", (expression, limit)).fetchall()
    finally:
        conn.close()
    return [(int(i), float(s)) for i, s in rows]
