"""The dataset database: one SQLite file (WAL) per dataset directory, the source of truth.

Full-text, Elasticsearch and FAISS indexes are derived from it and can be rebuilt
from it (``figdex index rebuild``).  Rows have stable keys (DOI + figure + panel), so
ingesting the same article again updates rows instead of adding new ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from figdex import settings
from figdex.errors import InputError, UnavailableError
from figdex.index.records import IMAGE_OK, IMAGE_UNREADABLE, Article, Figure
from figdex.index.schema import migrate

DB_NAME = "figdex.db"


class DatasetError(UnavailableError):
    """A dataset that cannot be opened or written; the message says what to do."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def slug(text: str) -> str:
    """A filesystem-safe, readable form of a key: '10.1038/ncomms1/fig1/0' -> '10.1038-ncomms1-fig1-0'."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.") or "x"


def article_key(article: Article) -> str:
    if article.doi:
        return f"doi:{article.doi}"
    return f"file:{Path(article.source_file).resolve()}"


def figure_key(art_key: str, figure: Figure) -> str:
    if figure.kind == "image":
        # Folder images are keyed by their path in the folder, so adding files never renumbers others.
        return f"{art_key}/{figure.label}"
    prefix = {"figure": "fig", "scheme": "scheme", "chart": "chart"}.get(figure.kind, figure.kind)
    return f"{art_key}/{prefix}{figure.number}"


def master_uid(master_key: str) -> str:
    key = master_key.split(":", 1)[1] if master_key.startswith("doi:") else master_key
    if master_key.startswith("file:"):
        # 'file:/long/path/page.html/fig1/0' -> 'page.html-fig1-0' plus a hash of the path for uniqueness.
        digest = hashlib.sha1(master_key.encode()).hexdigest()[:6]
        parts = master_key.split("/")
        key = "/".join(parts[-3:]) + "-" + digest
    return slug(key)


@dataclass(frozen=True)
class StoredImage:
    path: str | None  # relative to the dataset directory
    sha256: str
    format: str | None
    width: int | None
    height: int | None
    status: str
    reason: str | None = None  # why an image was not stored (status unreadable): names the file and the fix


def _first_per_value(scored: list[tuple[str, float | None]]) -> list[tuple[str, float | None]]:
    """Pairs with each label value once (its first occurrence), in order."""
    seen: dict[str, float | None] = {}
    for value, score in scored:
        seen.setdefault(value, score)
    return list(seen.items())


def _process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (True when that cannot be told)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill would terminate it there; without a cheap check, assume alive
        return True
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def store_image_file(root: Path, src: Path) -> StoredImage:
    """Copy an image into ``root/images/`` under its content hash, with the extension of its real format.

    Only images every stage can read are stored: decoded once here (a truncated file fails now,
    not in every later stage), within the bounds of ``figdex/limits.py``.  Others come back with
    status unreadable and the reason.  Touches no database, so worker processes run it: the copy is
    content-addressed and atomic, and two processes copying one image write distinct temporary files."""
    from PIL import Image

    from figdex.limits import LimitError, open_image

    data = Path(src).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        with open_image(src) as im:
            fmt, (width, height) = (im.format or "").lower(), im.size
            im.verify()
        with Image.open(src) as im:
            im.load()  # verify() checks structure only; decoding finds truncated pixel data
    except LimitError as exc:
        return StoredImage(None, digest, None, None, None, IMAGE_UNREADABLE, str(exc))
    except Exception as exc:  # decoders raise struct.error, IndexError, ... on damaged files, not only OSError
        return StoredImage(None, digest, None, None, None, IMAGE_UNREADABLE,
                           f"{src}: not a readable image ({exc}); convert it to PNG/JPEG/TIFF or remove it")
    ext = {"jpeg": "jpg", "tiff": "tif"}.get(fmt, fmt or "bin")
    rel = Path("images") / digest[:2] / f"{digest}.{ext}"
    dest = Path(root) / rel
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f"{dest.name}.{os.getpid()}-{os.urandom(4).hex()}.part")
        tmp.write_bytes(data)
        os.replace(tmp, dest)  # atomic: a killed ingest never leaves half an image under the final name
    from figdex.models.instrument_hitachi import sidecars

    for side in sidecars(Path(src)):  # the instrument's text beside it (Hitachi .txt, Tescan .hdr) goes along
        target = dest.with_suffix(side.suffix.lower())
        tmp = target.with_name(f"{target.name}.{os.getpid()}-{os.urandom(4).hex()}.part")
        tmp.write_bytes(side.read_bytes())
        os.replace(tmp, target)
    return StoredImage(rel.as_posix(), digest, fmt, width, height, IMAGE_OK)


class Dataset:
    """A dataset directory: ``figdex.db`` + ``images/`` (content-addressed) + derived indexes."""

    def __init__(self, root: Path, conn: sqlite3.Connection):
        self.root = root
        self.conn = conn

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, root: str | os.PathLike, create: bool = True) -> "Dataset":
        root = Path(root)
        db_path = root / DB_NAME
        if not db_path.exists() and not create:
            raise DatasetError(
                f"no dataset at {root} (missing {DB_NAME}); run `figdex ingest PATH --dataset {root}` first"
            )
        if root.exists() and not root.is_dir():
            raise DatasetError(f"{root} is a file, not a dataset directory; choose another --dataset")
        root.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(db_path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise DatasetError(f"{db_path} is not a figdex database ({exc}); choose another --dataset") from exc
        return cls._setup(root, conn, str(db_path))

    @classmethod
    def in_memory(cls, root: str | os.PathLike) -> "Dataset":
        """An in-memory database whose images go to ``root`` (tests, throwaway datasets)."""
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        return cls._setup(root, sqlite3.connect(":memory:"), ":memory:")

    @classmethod
    def _setup(cls, root: Path, conn: sqlite3.Connection, where: str) -> "Dataset":
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        try:
            migrate(conn, where)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DatasetError(f"{where} is not a figdex database ({exc}); choose another --dataset") from exc
        return cls(root, conn)

    def close(self) -> None:
        from figdex.index.tantivy_index import flush_pending

        flush_pending(self.conn, self.root)  # the embedded text index leaves in step with the rows
        self.conn.close()

    def __enter__(self) -> "Dataset":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.conn:
            yield self.conn

    # -- configuration (which derived-index backends this dataset uses) ---------------------
    @property
    def config(self) -> dict:
        """The dataset settings (figdex/settings.py): environment, config.json (read once, checked), defaults."""
        return {s.name: settings.get(s.name, self.root) for s in settings.SETTINGS if s.in_config}

    def set_config(self, **values) -> None:
        settings.write_config(self.root, **values)

    # -- runs and source files (progress and resume) ----------------------------------------
    def start_run(self, command: str, params: dict) -> int:
        """Record a new run (and mark runs whose process died without finishing as interrupted)."""
        with self.conn:
            self._mark_dead_runs()
            cur = self.conn.execute(
                "INSERT INTO runs(command, params, started_at, pid, host) VALUES (?, ?, ?, ?, ?)",
                (command, json.dumps(params, default=str), now(), os.getpid(), socket.gethostname()),
            )
        return cur.lastrowid

    def _mark_dead_runs(self) -> None:
        """A run still 'running' whose process is gone was killed: say so.  Runs of another host are
        left alone (their process cannot be checked from here); runs without a pid were started by a
        figdex older than schema version 7 and cannot still be running beside this one."""
        host = socket.gethostname()
        for run_id, pid, run_host in self.conn.execute(
                "SELECT id, pid, host FROM runs WHERE status = 'running'").fetchall():
            if pid is not None and (run_host != host or _process_alive(pid)):
                continue
            note = f"process {pid} ended without finishing the run" if pid else "ended without finishing the run"
            self.conn.execute("UPDATE runs SET status = 'interrupted', finished_at = ?, summary = ? WHERE id = ?",
                              (now(), json.dumps({"note": note + "; marked when the next run started"}), run_id))

    def finish_run(self, run_id: int, status: str, summary: dict) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE runs SET finished_at=?, status=?, summary=? WHERE id=?",
                (now(), status, json.dumps(summary), run_id),
            )

    def source_file(self, path: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM source_files WHERE path=?", (path,)).fetchone()

    def record_source_file(
        self, path: str, sha256: str, parser: str | None, status: str, reason: str | None, articles: int, run_id: int
    ) -> None:
        self.conn.execute(
            """INSERT INTO source_files(path, sha256, parser, status, reason, articles, run_id, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256, parser=excluded.parser,
                 status=excluded.status, reason=excluded.reason, articles=excluded.articles,
                 run_id=excluded.run_id, updated_at=excluded.updated_at""",
            (path, sha256, parser, status, reason, articles, run_id, now()),
        )

    # -- images ------------------------------------------------------------------------------
    def store_image(self, src: Path) -> StoredImage:
        """Copy an image into ``images/`` (``store_image_file``)."""
        return store_image_file(self.root, src)

    def image_path(self, rel: str | None) -> Path | None:
        return self.root / rel if rel else None

    # -- articles, figures, master images ------------------------------------------------------
    def upsert_article(self, article: Article, problems: tuple[str, ...], run_id: int | None) -> tuple[int, str]:
        key = article_key(article)
        row = (
            key, article.doi, article.title, article.journal, article.publisher, article.year,
            json.dumps(list(article.authors)), article.abstract, article.license,
            None if article.open_access is None else int(article.open_access), article.url,
            article.source_file, article.access, json.dumps(list(article.keywords)),
            json.dumps(list(problems)), run_id, now(),
        )
        self.conn.execute(
            """INSERT INTO articles(key, doi, title, journal, publisher, year, authors, abstract, license,
                 open_access, url, source_file, access, keywords, problems, run_id, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET doi=excluded.doi, title=excluded.title, journal=excluded.journal,
                 publisher=excluded.publisher, year=excluded.year, authors=excluded.authors,
                 abstract=excluded.abstract, license=excluded.license, open_access=excluded.open_access,
                 url=excluded.url, source_file=excluded.source_file, access=excluded.access,
                 keywords=excluded.keywords, problems=excluded.problems, run_id=excluded.run_id,
                 updated_at=excluded.updated_at""",
            row,
        )
        art_id = self.conn.execute("SELECT id FROM articles WHERE key=?", (key,)).fetchone()[0]
        return art_id, key

    def complete_copy(self, key: str, page: Path) -> str | None:
        """The source file of a stored copy that is not partial, of this article or of anything ``page``
        gave before (a truncated file may have lost the DOI that keys its article); None when none."""
        row = self.conn.execute(
            "SELECT source_file FROM articles WHERE access != 'partial' AND (key = ? OR source_file IN (?, ?)) "
            "ORDER BY key = ? DESC LIMIT 1", (key, str(page), str(Path(page).resolve()), key)).fetchone()
        return row[0] if row else None

    def delete_article(self, key: str) -> list[int]:
        """Delete an article with its figures and images; returns the ids of the master images it had."""
        ids = [r[0] for r in self.conn.execute(
            "SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = "
            "f.article_id WHERE a.key = ?", (key,))]
        self.conn.execute("DELETE FROM articles WHERE key = ?", (key,))
        return ids

    def upsert_figure(self, article_id: int, art_key: str, figure: Figure, image: StoredImage | None) -> tuple[int, str]:
        key = figure_key(art_key, figure)
        status = image.status if image else figure.image_status
        self.conn.execute(
            """INSERT INTO figures(key, article_id, number, label, kind, caption, caption_html, image_url,
                 image_status, image_path, image_sha256, image_format, width, height, source_image, page, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET article_id=excluded.article_id, number=excluded.number,
                 label=excluded.label, kind=excluded.kind, caption=excluded.caption,
                 caption_html=excluded.caption_html, image_url=excluded.image_url,
                 image_status=excluded.image_status, image_path=excluded.image_path,
                 image_sha256=excluded.image_sha256, image_format=excluded.image_format,
                 width=excluded.width, height=excluded.height, source_image=excluded.source_image,
                 page=excluded.page, separation_status=CASE WHEN figures.image_sha256 IS excluded.image_sha256
                   AND figures.caption = excluded.caption THEN figures.separation_status END,
                 updated_at=excluded.updated_at""",
            (
                key, article_id, figure.number, figure.label, figure.kind, figure.caption, figure.caption_html,
                figure.image_url, status, image.path if image else None, image.sha256 if image else None,
                image.format if image else None, image.width if image else None, image.height if image else None,
                figure.image_file, figure.page, now(),
            ),
        )
        fig_id = self.conn.execute("SELECT id FROM figures WHERE key=?", (key,)).fetchone()[0]
        return fig_id, key

    def delete_figures_except(self, article_id: int, keep_keys: list[str]) -> int:
        """Drop figures an article no longer has (its page changed); their master images go with them."""
        marks = ",".join("?" * len(keep_keys))
        sql = f"DELETE FROM figures WHERE article_id=? AND key NOT IN ({marks})" if keep_keys else (
            "DELETE FROM figures WHERE article_id=?")
        return self.conn.execute(sql, (article_id, *keep_keys)).rowcount

    def free_uid(self, key: str) -> str:
        """The uid for a master image key: ``master_uid(key)``, unless a master of another key already
        has it (keys that differ only in punctuation, which the slug drops: 'doi:10.1039/x#/fig1/0' and
        'doi:10.1039/x/fig1/0'); then that uid with a hash of the key.  A master keeps its uid once
        stored (an upsert by key never rewrites it)."""
        uid = master_uid(key)
        row = self.conn.execute("SELECT key FROM master_images WHERE uid = ?", (uid,)).fetchone()
        if row is None or row[0] == key:
            return uid
        return f"{uid}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"

    def ensure_whole_figure_master(self, figure_id: int, fig_key: str, caption: str) -> int | None:
        """Until figure separation runs, a figure is one master image (panel '0') holding the whole caption.

        Figures already separated into panels keep their panels; their captions are the
        separation stage's business.  Returns the master id when one was written.
        """
        panels = self.conn.execute(
            "SELECT id, panel FROM master_images WHERE figure_id=?", (figure_id,)
        ).fetchall()
        if any(p["panel"] != "0" for p in panels):
            return None
        key = f"{fig_key}/0"
        self.conn.execute(
            """INSERT INTO master_images(key, uid, figure_id, panel, subcaption, updated_at)
               VALUES (?, ?, ?, '0', ?, ?)
               ON CONFLICT(key) DO UPDATE SET subcaption=excluded.subcaption, updated_at=excluded.updated_at""",
            (key, self.free_uid(key), figure_id, caption, now()),
        )
        return self.conn.execute("SELECT id FROM master_images WHERE key=?", (key,)).fetchone()[0]

    def store_caption_split(self, figure_id: int, split) -> None:
        """Replace the figure's sub-captions with a new split (a ``CaptionSplit``)."""
        self.conn.execute(
            "UPDATE figures SET caption_scheme=?, caption_shared=? WHERE id=?", (split.scheme, split.shared, figure_id)
        )
        self.conn.execute("DELETE FROM subcaptions WHERE figure_id=?", (figure_id,))
        self.conn.executemany(
            "INSERT INTO subcaptions(figure_id, label, text, keywords, terms) VALUES (?, ?, ?, ?, ?)",
            [(figure_id, s.label, s.text, json.dumps(list(s.keywords)), json.dumps(list(s.terms)))
             for s in split.subcaptions],
        )

    def set_computed_labels(self, master_id: int, kind: str, values, source: str) -> None:
        """Replace the labels of one kind that a stage computed; user labels are never touched.

        ``values``: label strings, or (label, score) pairs.  Labels a user took off this image
        (``label_rejections``) are not put back.
        """
        if kind == "user":
            raise ValueError("user labels are not computed; use set_user_label")
        self.conn.execute("DELETE FROM labels WHERE master_image_id=? AND kind=?", (master_id, kind))
        rejected = {r[0].lower() for r in self.conn.execute(
            "SELECT value FROM label_rejections WHERE master_image_id=?", (master_id,))}
        scored = [(v, None) if isinstance(v, str) else (v[0], v[1]) for v in values]
        for value, score in _first_per_value(scored):
            if value.lower() not in rejected:
                self.add_label(master_id, kind, value, source, score)

    def is_rejected(self, master_id: int, value: str) -> bool:
        """Whether a user took this label off this image (see ``set_user_label``)."""
        return self.conn.execute("SELECT 1 FROM label_rejections WHERE master_image_id=? AND value=?",
                                 (master_id, value.strip())).fetchone() is not None

    def set_user_label(self, master_id: int, value: str, present: bool, source: str = "cli") -> bool:
        """A user's decision that an image has (or has not) a label; returns whether anything changed.

        Adding stores a ``user`` label.  Removing deletes the label of every kind (a computed
        one included) and records a rejection, so that retraining never puts it back.
        """
        value = value.strip()
        if not value:
            raise InputError("the label is empty; give a word or phrase such as 'nanowire'")
        if present:
            gone = self.conn.execute("DELETE FROM label_rejections WHERE master_image_id=? AND value=?",
                                     (master_id, value)).rowcount
            had = self.conn.execute("SELECT 1 FROM labels WHERE master_image_id=? AND kind='user' AND "
                                    "lower(value)=lower(?)", (master_id, value)).fetchone()
            if not had:
                self.add_label(master_id, "user", value, source)
            return bool(gone) or not had
        removed = self.conn.execute("DELETE FROM labels WHERE master_image_id=? AND lower(value)=lower(?)",
                                    (master_id, value)).rowcount
        self.conn.execute(
            """INSERT INTO label_rejections(master_image_id, value, source, created_at) VALUES (?, ?, ?, ?)
               ON CONFLICT(master_image_id, value) DO NOTHING""", (master_id, value, source, now()))
        return removed > 0

    def set_master_keywords(self, master_id: int, keywords) -> None:
        self.conn.execute("UPDATE master_images SET keywords=? WHERE id=?", (json.dumps(list(keywords)), master_id))

    # -- labels -------------------------------------------------------------------------------
    def add_label(self, master_id: int, kind: str, value: str, source: str | None = None, score: float | None = None) -> bool:
        cur = self.conn.execute(
            """INSERT INTO labels(master_image_id, kind, value, source, score, created_at) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(master_image_id, kind, value) DO UPDATE SET source=excluded.source, score=excluded.score""",
            (master_id, kind, value, source, score, now()),
        )
        return cur.rowcount > 0

    def remove_label(self, master_id: int, kind: str, value: str) -> bool:
        cur = self.conn.execute(
            "DELETE FROM labels WHERE master_image_id=? AND kind=? AND value=?", (master_id, kind, value)
        )
        return cur.rowcount > 0

    def master_id(self, uid: str) -> int | None:
        row = self.conn.execute("SELECT id FROM master_images WHERE uid=? OR key=?", (uid, uid)).fetchone()
        return row[0] if row else None

    def master_ids(self) -> Iterator[int]:
        for row in self.conn.execute("SELECT id FROM master_images ORDER BY id"):
            yield row[0]

    # -- statistics ---------------------------------------------------------------------------
    def counts(self, run_ids: list[int] | None = None) -> dict:
        """Articles, figures, graphical abstracts, images found/missing (``index/counts.py`` says what
        each means); with ``run_ids``, of the articles those runs stored."""
        from figdex.index.counts import dataset_counts

        return dataset_counts(self.conn, run_ids)

    def stats(self) -> dict:
        q = self.conn.execute
        totals = self.counts()
        totals["labels"] = q("SELECT count(*) FROM labels").fetchone()[0]
        totals["source_files_failed"] = q("SELECT count(*) FROM source_files WHERE status='failed'").fetchone()[0]
        totals["failed_files"] = [
            {"path": r["path"], "reason": r["reason"]}
            for r in q("SELECT path, reason FROM source_files WHERE status='failed' ORDER BY path")
        ]
        return totals
