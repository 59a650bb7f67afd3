"""Crash-resume: `figdex ingest` killed outright (SIGKILL, no chance to clean up) at random moments,
then run again to completion, leaves the same dataset as a run never interrupted: every table of
the database and the tantivy text index.

The command is a real subprocess on real files: the JATS XML of tests/data and a nature.com page of
../shared/corpus with figure images beside it, so that the kills land in parsing, caption splitting,
image storing, separation, scale reading and the text index's flush.  The uninterrupted run is timed
first; the kill delays are drawn (seeded) over that duration, one per stratum, so they spread over
the whole run.  The default run does 3 trials; ``-m slow`` does 20 on a page with more figures.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

pytestmark = pytest.mark.shared

# The commands under test, by name: the arguments after `figdex`, before the sources and --dataset.
# Parallel ingest joins with one line here once it exists, e.g.
#     "workers-2": ["ingest", "--no-embed", "--workers", "2"],
# --no-embed: image vectors need the `ml` extra (torch) and would add a CNN load of several seconds
# to each of the 7 (default) or 41 (slow) runs; the embedding stage is left to its own tests.
COMMANDS = {
    "sequential": ["ingest", "--no-embed"],
}
# The long run also kills parallel ingests (#18): worker processes, one writer committing in order.
LONG_COMMANDS = {**COMMANDS, "workers-2": ["ingest", "--no-embed", "--workers", "2"]}

# Columns that say when or by which run a row was written, not what it holds.  They may differ
# between a killed-then-resumed dataset and an uninterrupted one, so they are left out of the
# comparison (row ids are kept: a resumed run must give each row the id an uninterrupted run gives):
#   *.updated_at / created_at   wall-clock time of the write;
#   source_files/articles.run_id  the run that wrote the row (the resumed dataset has more runs);
#   changes.seq, tantivy_pending.seq  positions in a change sequence: a killed run's writes take
#                               numbers too, so they grow with the history; which images are listed
#                               is still compared;
#   change_origin.origin        a random name given to each new database;
#   tantivy_state.generation, documents  a random directory name, and the document count at the last
#                               rebuild (the index's documents themselves are compared below).
# The `runs` table as a whole is history (one row per run, a killed one marked interrupted): it is
# checked on its own (crash_trials): no run is left 'running' and the last one is 'done'.
VOLATILE = {
    "source_files": {"updated_at", "run_id"},
    "articles": {"updated_at", "run_id"},
    "figures": {"updated_at"},
    "master_images": {"updated_at"},
    "labels": {"created_at"},
    "embeddings": {"created_at"},
    "label_rejections": {"created_at"},
    "image_texts": {"created_at"},  # the OCR seconds stay: separation's reads store 0.0
    "changes": {"seq"},
    "tantivy_pending": {"seq"},
    "change_origin": {"origin"},
    "tantivy_state": {"generation", "documents"},
}
HISTORY_TABLES = {"runs"}


# -- the corpus -----------------------------------------------------------------------------------------

JATS = sorted((REPO / "tests" / "data" / "jats").iterdir())
EXSCLAIM = SHARED / "exsclaim"
ESEM = EXSCLAIM / "nature_ESEM"
ESEM_PAGE = "s41467-018-06297-9"


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> list[Path]:
    """The JATS files and the ncomms5946 nature page with one of its nine figure images, in the
    layout the corpus keeps them (the other eight are recorded as missing): Fig. 6 is the one that
    separates fastest (~2 s of CPU, 3 panels), which keeps an uninterrupted run near 10 s."""
    if not EXSCLAIM.is_dir():
        pytest.skip("../shared/corpus is absent")
    root = tmp_path_factory.mktemp("corpus") / "exsclaim"
    (root / "nature_articles").mkdir(parents=True)
    (root / "figures").mkdir()
    shutil.copy(EXSCLAIM / "nature_articles" / "ncomms5946.html", root / "nature_articles")
    shutil.copy(EXSCLAIM / "figures" / "ncomms5946_fig6.jpg", root / "figures")
    return [*JATS, root / "nature_articles" / "ncomms5946.html"]


@pytest.fixture(scope="module")
def full_corpus() -> list[Path]:
    """The JATS files and a nature page with all four of its figure images, read where they are."""
    if not ESEM.is_dir():
        pytest.skip("../shared/corpus is absent")
    return [*JATS, ESEM / "html" / f"{ESEM_PAGE}.html"]


# -- running figdex ---------------------------------------------------------------------------------------

def start(command: list[str], sources: list[Path], dataset: Path, log: Path) -> subprocess.Popen:
    """`figdex <command> <sources> --dataset <dataset>` in its own process group (so that a kill
    reaches every process it starts, workers included)."""
    argv = [sys.executable, "-m", "figdex.cli.main", *command, *map(str, sources), "--dataset", str(dataset)]
    with open(log, "ab") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                cwd=dataset.parent)


def run_to_end(command, sources, dataset: Path, log: Path, timeout: float = 600) -> float:
    started = time.monotonic()
    proc = start(command, sources, dataset, log)
    try:
        rc = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    assert rc == 0, f"figdex {' '.join(command)} exited {rc}:\n{log.read_text(errors='replace')[-3000:]}"
    return time.monotonic() - started


def kill_after(command, sources, dataset: Path, log: Path, delay: float) -> float | None:
    """Start the command and SIGKILL its process group after ``delay`` seconds; None when it was
    still running (a kill), else the seconds it took to finish on its own."""
    started = time.monotonic()
    proc = start(command, sources, dataset, log)
    try:
        proc.wait(delay)
        return time.monotonic() - started
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


def kill_at_fraction(command, sources, dataset: Path, log: Path, duration: float, fraction: float,
                     attempts: int = 3) -> tuple[float, bool]:
    """Kill the command ``fraction`` of the way through a run of ``duration`` seconds.  A run faster
    than the uninterrupted one (the machine got less busy) may finish first: then the same fraction
    of its own duration is tried again on a fresh dataset.  Returns (the delay, whether it killed)."""
    delay = duration * fraction
    for attempt in range(attempts):
        finished_in = kill_after(command, sources, dataset, log, delay)
        if finished_in is None:
            return delay, True
        if attempt + 1 == attempts:  # the last run stays: it is a trial without a kill
            break
        shutil.rmtree(dataset)
        log.unlink()
        delay = finished_in * fraction
    return delay, False


def stage_reached(log: Path) -> str:
    """The last stage the command announced before it died (its progress lines)."""
    # Not the device line ("figdex: embedding on CPU ..."), printed before any stage starts.
    text = "\n".join(line for line in log.read_text(errors="replace").splitlines()
                     if not line.startswith("figdex: embedding on"))
    stages = [s for s in ("ingesting", "separating", "embedding") if s in text]
    return stages[-1] if stages else "starting"


# -- what a dataset holds ----------------------------------------------------------------------------------

def _sort_key(row: tuple) -> tuple:
    return tuple((v is None, type(v).__name__, v if v is not None else 0) for v in row)


def dump(dataset: Path) -> dict:
    """Every table (rows sorted by all their columns, volatile columns left out), the text index's
    documents, and the stored image files, read without writing anything (the database read-only, the
    text index's queue not applied)."""
    conn = sqlite3.connect(f"file:{dataset / 'figdex.db'}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        out: dict = {"tables": sorted(tables)}
        for table in tables:
            if table in HISTORY_TABLES:
                continue
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            kept = [c for c in columns if c not in VOLATILE.get(table, set())]
            rows = conn.execute(f"SELECT {', '.join(kept)} FROM {table}").fetchall()
            out[f"table {table} ({', '.join(kept)})"] = sorted(rows, key=_sort_key)
        out["text index"] = text_index_documents(conn, dataset)
        out["runs"] = conn.execute("SELECT id, status FROM runs ORDER BY id").fetchall()
        generation = conn.execute("SELECT generation FROM tantivy_state").fetchone()[0]
    finally:
        conn.close()
    out["image files"] = sorted(
        (str(p.relative_to(dataset)), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in (dataset / "images").rglob("*") if p.is_file())
    # A generation directory other than the current one is a rebuild's leftover.
    out["text index directories"] = sorted(
        "current" if p.name == f"tantivy-{generation}" else "other" for p in (dataset / "text-index").iterdir())
    return out


def text_index_documents(conn: sqlite3.Connection, dataset: Path) -> list:
    from figdex.index.tantivy_index import TantivyIndex

    generation = conn.execute("SELECT generation FROM tantivy_state").fetchone()
    assert generation and (dataset / "text-index" / f"tantivy-{generation[0]}" / "meta.json").exists(), \
        "the text index named by tantivy_state is missing (it would be rebuilt on first use)"
    return [sorted(doc.items()) for doc in TantivyIndex(conn, dataset).stored_documents()]


def differences(expected: dict, got: dict) -> list[str]:
    """What differs, part by part, with a few rows of each side."""
    out = []
    for part in sorted(set(expected) | set(got)):
        if part == "runs":
            continue
        want, have = expected.get(part), got.get(part)
        if want == have:
            continue
        if isinstance(want, list) and isinstance(have, list):
            missing = [r for r in want if r not in have][:3]
            extra = [r for r in have if r not in want][:3]
            out.append(f"{part}: {len(want)} rows expected, {len(have)} found; "
                       f"missing {str(missing)[:600]}; unexpected {str(extra)[:600]}")
        else:
            out.append(f"{part}: expected {str(want)[:300]}, found {str(have)[:300]}")
    return out


# -- the trials ----------------------------------------------------------------------------------------------

def crash_trials(tmp: Path, command: list[str], sources: list[Path], trials: int, seed: int) -> None:
    reference = tmp / "reference"
    duration = run_to_end(command, sources, reference, tmp / "reference.log")
    expected = dump(reference)
    assert expected["text index"], "the uninterrupted run indexed nothing: nothing would be compared"
    rng = random.Random(seed)
    # One moment per stratum of the run, as a fraction of it: spread over the whole run, in random order.
    fractions = [(i + rng.random()) / trials for i in range(trials)]
    rng.shuffle(fractions)
    results, failed = [], []
    for n, fraction in enumerate(fractions):
        dataset, log = tmp / f"trial{n}", tmp / f"trial{n}.log"
        delay, killed = kill_at_fraction(command, sources, dataset, log, duration, fraction)
        stage = stage_reached(log)
        run_to_end(command, sources, dataset, log)
        got = dump(dataset)
        diff = differences(expected, got)
        runs = got["runs"]
        if any(status == "running" for _, status in runs) or runs[-1][1] != "done":
            diff.append(f"runs left as {runs}")
        results.append((round(delay, 2), killed, stage, not diff))
        if diff:
            failed.append(f"trial {n} (killed after {delay:.2f} s, in {stage}): " + "\n  ".join(diff))
        else:  # only to save space; this process still holds the dataset's text index open (tantivy
            # may write a lock file in it meanwhile: "Directory not empty")
            shutil.rmtree(dataset, ignore_errors=True)
    held = sum(ok for *_, ok in results)
    kills = sum(k for _, k, _, _ in results)
    print(f"\ncrash-resume {' '.join(command)}: {held} of {trials} trials held ({kills} killed mid-run; "
          f"uninterrupted run {duration:.1f} s); (delay s, killed, stage, held): {results}")
    assert not failed, "\n".join(failed)
    assert kills >= trials - 1, f"only {kills} of {trials} runs were still running when killed: {results}"


@pytest.mark.parametrize("command", list(COMMANDS.values()), ids=list(COMMANDS))
def test_ingest_killed_and_resumed_equals_an_uninterrupted_run(tmp_path, small_corpus, command):
    crash_trials(tmp_path, command, small_corpus, trials=3, seed=16)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(LONG_COMMANDS.values()), ids=list(LONG_COMMANDS))
def test_ingest_killed_and_resumed_equals_an_uninterrupted_run_at_length(tmp_path, full_corpus, command):
    crash_trials(tmp_path, command, full_corpus, trials=int(os.environ.get("FIGDEX_CRASH_TRIALS", "20")),
                 seed=1600)


def test_the_comparison_sees_a_changed_row_and_a_lost_document(tmp_path):
    """The comparison is not blind: a caption changed by hand and a document gone from the text
    index (its row still in the database) both show as differences."""
    import tantivy

    from figdex.index.db import Dataset
    from figdex.ingest.pipeline import ingest_paths

    original = tmp_path / "original"
    with Dataset.open(original) as ds:
        assert ingest_paths(ds, JATS).failed == 0
    expected = dump(original)
    assert differences(expected, dump(original)) == []

    changed = tmp_path / "changed"
    shutil.copytree(original, changed)
    conn = sqlite3.connect(changed / "figdex.db")
    with conn:
        conn.execute("UPDATE figures SET caption = caption || ' (edited)' WHERE id = (SELECT min(id) FROM figures)")
    conn.close()
    assert any(d.startswith("table figures") for d in differences(expected, dump(changed)))

    lost = tmp_path / "lost"
    shutil.copytree(original, lost)
    conn = sqlite3.connect(lost / "figdex.db")
    generation, first = conn.execute("SELECT generation, (SELECT min(id) FROM master_images) FROM tantivy_state").fetchone()
    conn.close()
    index = tantivy.Index.open(str(lost / "text-index" / f"tantivy-{generation}"))
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    writer.delete_documents_by_term("id", first)
    writer.commit()
    writer.wait_merging_threads()
    del writer
    assert [d.split(":")[0] for d in differences(expected, dump(lost))] == ["text index"]
