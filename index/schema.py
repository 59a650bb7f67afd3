"""Schema of the dataset database and its migrations.

``PRAGMA user_version`` holds the schema version.  Each migration is a list of SQL
statements that takes the database from version N-1 to N; ``migrate`` applies the
missing ones in one transaction each, so an old dataset opens with a newer figdex.
"""

from __future__ import annotations

import sqlite3

from figdex.errors import UnavailableError

MIGRATIONS: list[list[str]] = [
    # 1: the spine: runs, source files, articles, figures, master images, scale bars, labels, embeddings.
    [
        """CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            command TEXT NOT NULL,
            params TEXT,                  -- JSON: the query / options of the run
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL DEFAULT 'running',  -- running | done | interrupted | failed
            summary TEXT                  -- JSON counts
        )""",
        """CREATE TABLE source_files (
            path TEXT PRIMARY KEY,        -- absolute path of an ingested page/XML
            sha256 TEXT NOT NULL,
            parser TEXT,
            status TEXT NOT NULL,         -- done | skipped | failed
            reason TEXT,
            articles INTEGER NOT NULL DEFAULT 0,
            run_id INTEGER REFERENCES runs(id),
            updated_at TEXT NOT NULL
        )""",
        """CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,     -- 'doi:<doi>' or 'file:<path>' when the page has no DOI
            doi TEXT,
            title TEXT NOT NULL DEFAULT '',
            journal TEXT,
            publisher TEXT NOT NULL,
            year INTEGER,
            authors TEXT NOT NULL DEFAULT '[]',   -- JSON list
            abstract TEXT NOT NULL DEFAULT '',
            license TEXT,
            open_access INTEGER,          -- 1 / 0 / NULL unknown
            url TEXT,
            source_file TEXT NOT NULL,
            access TEXT NOT NULL,         -- full | abstract | denied
            keywords TEXT NOT NULL DEFAULT '[]',
            problems TEXT NOT NULL DEFAULT '[]',
            run_id INTEGER REFERENCES runs(id),
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX articles_doi ON articles(doi)",
        """CREATE TABLE figures (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,     -- article key + '/fig<N>' (or '/scheme<N>')
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            label TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'figure',
            caption TEXT NOT NULL DEFAULT '',
            caption_html TEXT,
            image_url TEXT,
            image_status TEXT NOT NULL,   -- ok | missing | thumbnail | unreadable
            image_path TEXT,              -- relative to the dataset directory
            image_sha256 TEXT,
            image_format TEXT,            -- real format (png/jpeg/...), whatever the file name said
            width INTEGER,
            height INTEGER,
            source_image TEXT,            -- the file it was copied from
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX figures_article ON figures(article_id)",
        """CREATE TABLE master_images (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,     -- figure key + '/' + panel label
            uid TEXT NOT NULL UNIQUE,     -- the id users see: filesystem-safe
            figure_id INTEGER NOT NULL REFERENCES figures(id) ON DELETE CASCADE,
            panel TEXT NOT NULL DEFAULT '0',
            x0 INTEGER, y0 INTEGER, x1 INTEGER, y1 INTEGER,
            image_class TEXT NOT NULL DEFAULT 'unclassified',
            confidence REAL,
            subcaption TEXT NOT NULL DEFAULT '',
            keywords TEXT NOT NULL DEFAULT '[]',
            nm_per_px REAL,
            scale_source TEXT,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX master_figure ON master_images(figure_id)",
        "CREATE INDEX master_class ON master_images(image_class)",
        "CREATE INDEX master_scale ON master_images(nm_per_px)",
        """CREATE TABLE scale_bars (
            id INTEGER PRIMARY KEY,
            master_image_id INTEGER NOT NULL REFERENCES master_images(id) ON DELETE CASCADE,
            x0 INTEGER, y0 INTEGER, x1 INTEGER, y1 INTEGER,
            length_px REAL,
            label_text TEXT,
            nm REAL,
            confidence REAL,
            source TEXT                   -- bar | caption | both
        )""",
        "CREATE INDEX scale_master ON scale_bars(master_image_id)",
        """CREATE TABLE labels (
            id INTEGER PRIMARY KEY,
            master_image_id INTEGER NOT NULL REFERENCES master_images(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,           -- keyword | term | caption | abstract | topic | user | class
            value TEXT NOT NULL,
            source TEXT,                  -- what made it (model name/version, 'cli', 'web')
            score REAL,
            created_at TEXT NOT NULL,
            UNIQUE (master_image_id, kind, value)
        )""",
        "CREATE INDEX labels_value ON labels(value, kind)",
        """CREATE TABLE embeddings (
            id INTEGER PRIMARY KEY,
            master_image_id INTEGER NOT NULL REFERENCES master_images(id) ON DELETE CASCADE,
            embedder TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector_id INTEGER,            -- id in the FAISS index
            index_name TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (master_image_id, embedder)
        )""",
    ],
]

MIGRATIONS.append([
    # 2: caption distribution: each figure's caption split into per-panel sub-captions.
    "ALTER TABLE figures ADD COLUMN caption_scheme TEXT",
    "ALTER TABLE figures ADD COLUMN caption_shared TEXT",
    """CREATE TABLE subcaptions (
        id INTEGER PRIMARY KEY,
        figure_id INTEGER NOT NULL REFERENCES figures(id) ON DELETE CASCADE,
        label TEXT NOT NULL,           -- normalised panel label; '0' when the caption names no panels
        text TEXT NOT NULL,            -- the panel's own text (figures.caption_shared applies to all)
        keywords TEXT NOT NULL DEFAULT '[]',
        terms TEXT NOT NULL DEFAULT '[]',
        UNIQUE (figure_id, label)
    )""",
    "CREATE INDEX subcaptions_figure ON subcaptions(figure_id)",
])

MIGRATIONS.append([
    # 3: figure separation: per-figure status, master image details, scale provenance.
    # separation_status: NULL (not run) | done | failed | skipped; separated_with: the method
    # version, so that a better method re-runs.
    "ALTER TABLE figures ADD COLUMN separation_status TEXT",
    "ALTER TABLE figures ADD COLUMN separation_note TEXT",
    "ALTER TABLE figures ADD COLUMN separated_with TEXT",
    "ALTER TABLE master_images ADD COLUMN label_box TEXT",
    "ALTER TABLE master_images ADD COLUMN dependents TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE master_images ADD COLUMN insets TEXT NOT NULL DEFAULT '[]'",
    "ALTER TABLE master_images ADD COLUMN scale_confidence REAL",
    "ALTER TABLE scale_bars ADD COLUMN label_box TEXT",
])

MIGRATIONS.append([
    # 4: the vectors themselves live in the database (FAISS is derived and rebuilt from them).
    "ALTER TABLE embeddings ADD COLUMN vector BLOB",  # float32, L2-normalised
    "ALTER TABLE embeddings ADD COLUMN image_sha256 TEXT",  # what was embedded, to spot stale vectors
])

MIGRATIONS.append([
    # 5: labels from Word2Vec/LDA and curation.  A user who takes a label off an image records
    # a rejection, so that no later computation (retraining, re-assigning) puts it back.
    """CREATE TABLE label_rejections (
        master_image_id INTEGER NOT NULL REFERENCES master_images(id) ON DELETE CASCADE,
        value TEXT NOT NULL COLLATE NOCASE,
        source TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (master_image_id, value)
    )""",
    # Article body text (paragraphs) for the label models, extracted once from the source file.
    """CREATE TABLE article_texts (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        body TEXT NOT NULL,
        source_sha256 TEXT,
        extracted_with TEXT NOT NULL
    )""",
    # Topics of the current label model per article (probability of the best topic).
    """CREATE TABLE article_topics (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        topic INTEGER NOT NULL,
        probability REAL NOT NULL,
        PRIMARY KEY (article_id, model)
    )""",
    # Which label model last labelled each image, and from what text: `labels assign` resumes
    # and only redoes images whose caption changed or that a newer model has not seen.
    """CREATE TABLE label_assignments (
        master_image_id INTEGER PRIMARY KEY REFERENCES master_images(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        text_sha256 TEXT NOT NULL
    )""",
])

# 6: the change log.  Indexes synced from outside the database (Elasticsearch/OpenSearch) ask
# "which images changed since my last sync?".  Timestamps cannot answer: a row is stamped when it is
# written and becomes visible when its transaction commits, so a sync that starts in between marks a
# time after the stamp and every later sync skips the row.  Instead every change to what an image's
# document holds (index/documents.py) gives the image the next number of one sequence, inside the
# writer's own transaction.  SQLite admits one write transaction at a time and a writer always works
# on the latest commit, so a number is larger than every number committed before it, and no other
# writer can commit a larger one first: numbers grow in commit order.  A sync reads the largest
# committed number before it reads any row; whatever commits later has a larger number and is seen by
# the next sync.  Rows are never deleted: a deleted image keeps its row (its number says when it went),
# which is how a deletion or a label removal reaches the index.  ``change_origin`` names this
# database, so that an index synced from another (or a recreated) dataset is pushed in full.
_NEXT_CHANGE = "(SELECT coalesce(max(seq), 0) + 1 FROM changes)"


def _record_change(source: str) -> str:
    return (f"INSERT INTO changes(master_id, seq) {source} "
            "ON CONFLICT(master_id) DO UPDATE SET seq = excluded.seq")


# The figure and article columns an image's document holds (its text and its stored hit row); the
# tantivy queue's triggers watch the same ones (index/tantivy_documents.py).
FIGURE_COLUMNS = ("caption", "label", "number", "image_status", "image_path", "image_url", "article_id")
ARTICLE_COLUMNS = ("title", "abstract", "journal", "publisher", "year", "license", "open_access", "doi", "url")


def changed(columns: tuple[str, ...]) -> str:
    """A trigger's WHEN condition: one of ``columns`` changed value."""
    return " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)



MIGRATIONS.append([
    "CREATE TABLE changes (master_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)",
    "CREATE INDEX changes_seq ON changes(seq)",
    "CREATE TABLE change_origin (id INTEGER PRIMARY KEY CHECK (id = 1), origin TEXT NOT NULL)",
    "INSERT INTO change_origin(id, origin) VALUES (1, lower(hex(randomblob(16))))",
    # Existing images start at change 1; an index synced before this version has no change mark and
    # gets one full push (index/elastic.py), so nothing written before the upgrade is missed.
    "INSERT INTO changes(master_id, seq) SELECT id, 1 FROM master_images",
    "CREATE TRIGGER change_master_inserted AFTER INSERT ON master_images BEGIN "
    + _record_change(f"VALUES (new.id, {_NEXT_CHANGE})") + "; END",
    "CREATE TRIGGER change_master_updated AFTER UPDATE ON master_images BEGIN "
    + _record_change(f"VALUES (new.id, {_NEXT_CHANGE})") + "; END",
    "CREATE TRIGGER change_master_deleted AFTER DELETE ON master_images BEGIN "
    + _record_change(f"VALUES (old.id, {_NEXT_CHANGE})") + "; END",
    "CREATE TRIGGER change_label_inserted AFTER INSERT ON labels BEGIN "
    + _record_change(f"VALUES (new.master_image_id, {_NEXT_CHANGE})") + "; END",
    "CREATE TRIGGER change_label_deleted AFTER DELETE ON labels BEGIN "
    + _record_change(f"VALUES (old.master_image_id, {_NEXT_CHANGE})") + "; END",
    "CREATE TRIGGER change_label_updated AFTER UPDATE ON labels BEGIN "
    + _record_change(f"VALUES (old.master_image_id, {_NEXT_CHANGE})") + "; "
    + _record_change(f"VALUES (new.master_image_id, {_NEXT_CHANGE})") + "; END",
    # Figures and articles are written again by every re-ingest: only a changed column counts.
    f"CREATE TRIGGER change_figure_updated AFTER UPDATE ON figures WHEN {changed(FIGURE_COLUMNS)} BEGIN "
    + _record_change(f"SELECT m.id, {_NEXT_CHANGE} FROM master_images m WHERE m.figure_id = new.id") + "; END",
    f"CREATE TRIGGER change_article_updated AFTER UPDATE ON articles WHEN {changed(ARTICLE_COLUMNS)} BEGIN "
    + _record_change(f"SELECT m.id, {_NEXT_CHANGE} FROM master_images m JOIN figures f ON f.id = m.figure_id "
                     "WHERE f.article_id = new.id") + "; END",
])

MIGRATIONS.append([
    # 7: which process runs a run.  A run killed outright (SIGKILL, power loss) never records its end;
    # the next run marks it interrupted once its process is gone from this host (index/db.py).
    "ALTER TABLE runs ADD COLUMN pid INTEGER",
    "ALTER TABLE runs ADD COLUMN host TEXT",
])

MIGRATIONS.append([
    # 8: instrument scale (#17): the databar under an SEM/TEM image ({"box", "fields"}, figure pixels;
    # the master's box stops above it) and where the scale came from: the instrument's metadata and
    # every source checked against the one kept (models/scale_sources.py).
    "ALTER TABLE master_images ADD COLUMN databar TEXT",
    "ALTER TABLE master_images ADD COLUMN scale_detail TEXT",
])

MIGRATIONS.append([
    # 9: the page of a PDF a figure is printed on (#19); NULL for figures of pages and XML.
    "ALTER TABLE figures ADD COLUMN page INTEGER",
])

MIGRATIONS.append([
    # 10: the text printed in an image (axis titles, legends, sample names, units), read by OCR from its
    # pixels, never from its caption (issue 20): `search --by-content` embeds it next to the alignment.
    # One row per master read ('' = read, nothing kept); ``read_of`` = the figure image's sha256 and
    # the master's box at the time, so a changed image or box is read again.
    """CREATE TABLE image_texts (
        master_image_id INTEGER PRIMARY KEY REFERENCES master_images(id) ON DELETE CASCADE,
        text TEXT NOT NULL,           -- the lines kept (words, not bare numbers or panel letters), '; '-joined
        lines TEXT NOT NULL DEFAULT '[]',  -- every line read: [[x0, y0, x1, y1, text, confidence]], master pixels
        engine TEXT NOT NULL,         -- OCR engine, or 'separation:<engine>' when ingest's separation read it
        read_of TEXT NOT NULL,
        seconds REAL,                 -- OCR time of this master (0 when reused from separation)
        created_at TEXT NOT NULL
    )""",
])

SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(UnavailableError):
    pass


def current_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, where: str = "the dataset") -> int:
    """Bring the schema up to ``SCHEMA_VERSION``; returns the version found before."""
    found = current_version(conn)
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"{where} has schema version {found}, newer than this figdex ({SCHEMA_VERSION}); "
            "upgrade figdex (pip install -U figdex)"
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with conn:  # one transaction per migration: a failure leaves the previous version intact
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
    return found
