"""Live harvests in parallel (issue #18) over real HTTP on 127.0.0.1: two hosts fetched at once, each at
its own pace, and the database a sequential harvest gives, after a kill -9 and a re-run too.

Two mirrors (tests/test_web_support.py) serve the real saved nature.com pages and figures of
demo/corpus, each on its own port (its own host: robots.txt, clock and lock are per host); the
articles of the harvest alternate between them.  Request times are taken where they arrive, in the
mirrors.  Tables are compared whole (``stages.dump_tables``), the dataset folder's path made relative.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.db import Dataset
from figdex.ingest.executors import SerialExecutor, echo
from figdex.ingest.stages import StageOptions, dump_tables, run_image_stages
from figdex.ingest.web.harvest import _Held, harvest
from figdex.ingest.web.scrape import Job, ScrapeSummary, http_config, open_fetcher, run_jobs
from tests.conftest import REPO
from tests.test_web_support import Mirror, Reply

DELAY = 0.25  # seconds between two requests to one host (--delay)
# host A: 5 figure images served + a robots.txt that refuses /articles/private; host B: 4 served.
ON_A = ["s41467-018-06211-3", "ncomms11770", "s41598-020-77062-6"]
ON_B = ["s41467-018-06297-9", "srep23945"]
NO_STAGES = StageOptions(separation=False, labels=False, embedding=False)


class TimedMirror(Mirror):
    """A mirror that notes when each request arrives."""

    def __init__(self):
        super().__init__()
        self.times: list[tuple[float, str]] = []
        self.serve_nature()

    def dispatch(self, req):
        self.times.append((time.monotonic(), req.path))
        return super().dispatch(req)


@pytest.fixture(scope="module")
def hosts():
    a, b = TimedMirror(), TimedMirror()
    a.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /articles/private\n", {"Content-Type": "text/plain"}))
    yield a, b
    a.close()
    b.close()


def _urls(hosts) -> list[str]:
    a, b = hosts
    return [f"{a.base}/articles/{ON_A[0]}", f"{b.base}/articles/{ON_B[0]}", f"{a.base}/articles/private",
            f"{a.base}/articles/{ON_A[1]}", f"{b.base}/articles/{ON_B[1]}", f"{a.base}/articles/{ON_A[2]}"]


def _fetcher(root: Path):
    return open_fetcher("requests", http_config(root, min_interval=DELAY, retries=1, backoff=0.01))


def _tables(root: Path, drop=("pid",)) -> dict:
    """Every table, the dataset folder's own path replaced (pages and images are saved under it)."""
    prefixes = sorted({str(root), str(root.resolve())}, key=len, reverse=True)

    def relative(value):
        if isinstance(value, str):
            for prefix in prefixes:
                value = value.replace(prefix, "<dataset>")
        return value

    with Dataset.open(root, create=False) as ds:
        return {name: [tuple(relative(v) for v in row) for row in rows]
                for name, rows in dump_tables(ds, drop=drop).items()}


def _sequential(root: Path, urls: list[str]) -> ScrapeSummary:
    summary = ScrapeSummary()
    with Dataset.open(root) as ds, _fetcher(root) as client:
        run_jobs(ds, client, [Job(u, "nature") for u in urls], summary=summary)
    return summary


@pytest.fixture(scope="module")
def sequential(hosts, tmp_path_factory):
    """One article after another, one host at a time: the reference."""
    root = tmp_path_factory.mktemp("sequential") / "ds"
    summary = _sequential(root, _urls(hosts))
    assert summary.ingested == 5 and len(summary.skipped) == 1
    return summary, _tables(root)


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:])]


def test_two_hosts_are_fetched_at_once_each_at_its_pace_and_the_tables_are_the_sequential_ones(
        hosts, sequential, tmp_path):
    a, b = hosts
    a.times.clear()
    b.times.clear()
    root = tmp_path / "ds"
    summary = ScrapeSummary()
    turns: dict[str, list[float]] = {}  # host -> the moments its requests were let out, as the client saw them
    with Dataset.open(root) as ds, _fetcher(root) as client:
        wait_turn = client._wait_turn

        def noted(url):
            wait_turn(url)  # (called under the host's lock: the list is in the host's order)
            key = client.clock_key(url)
            turns.setdefault(key, []).append(client._last[key])

        client._wait_turn = noted
        harvest(ds, client, [Job(u, "nature") for u in _urls(hosts)], summary=summary, hosts=2, options=NO_STAGES)
    on_a, on_b = [t for t, _ in a.times], [t for t, _ in b.times]
    assert len(on_a) > 10 and len(on_b) > 5 and sorted(map(len, turns.values())) == sorted([len(on_b), len(on_a)])
    # Each host politely: its requests let out never closer than the delay, whatever the other host does;
    # where they arrive none came together (arrivals carry the loaded machine's jitter).
    assert all(min(_gaps(times)) >= DELAY - 0.001 for times in turns.values()), turns
    assert min(_gaps(on_a)) > DELAY / 2 and min(_gaps(on_b)) > DELAY / 2
    # ... and the two at once: host B's requests arrive between host A's.
    between = [t for t in on_b if any(x < t < y for x, y in zip(on_a, on_a[1:]))]
    assert len(between) >= len(on_b) // 2, "host B waited for host A"
    # robots.txt still refuses what it disallows; nothing of it was asked for.
    assert [u for u, _ in summary.skipped] == [_urls(hosts)[2]] and "robots.txt" in summary.skipped[0][1]
    assert not any(p.startswith("/articles/private") for _, p in a.times)
    # The same database and the same counts, lists in the same order, as one article after another.
    reference_summary, reference_tables = sequential
    assert summary.as_dict() == reference_summary.as_dict()
    assert _tables(root) == reference_tables


def test_the_cli_harvests_in_parallel_and_a_kill_9_then_a_rerun_gives_the_sequential_tables(
        hosts, sequential, tmp_path):
    root = tmp_path / "ds"
    urls = _urls(hosts)
    args = ["ingest", *urls, "--family", "nature", "--delay", str(DELAY), "--no-separate", "--no-embed",
            "--workers", "1", "--dataset", str(root)]
    env = {**os.environ, "FIGDEX_HARVEST_HOSTS": "2"}
    first = subprocess.Popen([sys.executable, "-c", "from figdex.cli.main import main; main()", *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO.parent, env=env,
                             start_new_session=True)
    stored = 0
    try:
        deadline = time.monotonic() + 120
        while first.poll() is None and time.monotonic() < deadline:
            stored = _done_pages(root)
            if stored >= 1:  # the first article is stored, the others are on their way
                os.killpg(first.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert first.returncode == -signal.SIGKILL and 1 <= _done_pages(root) < 5, "the kill missed the harvest"
    res = CliRunner().invoke(cli, args, env={"FIGDEX_HARVEST_HOSTS": "2"})
    assert res.exit_code == 0, res.output
    assert "ingested" in res.output and "1 skipped" in res.output
    # The interrupted run is (rightly) recorded as one, and rows name the run that wrote them.
    drop = ("pid", "run_id")
    again = {k: v for k, v in _tables(root, drop).items() if k != "runs"}
    reference = _sequential(tmp_path / "reference", urls)
    assert reference.ingested == 5
    assert again == {k: v for k, v in _tables(tmp_path / "reference", drop).items() if k != "runs"}


def test_the_fetch_bar_starts_after_the_models_are_loaded(hosts, tmp_path, monkeypatch):
    """A bar per stage, each started after the one-time model loading (its ETA times the work alone)."""
    import click

    from figdex.ingest.captions.nlp import tokenizer_nlp, trained_nlp

    tokenizer_nlp.cache_clear()
    trained_nlp.cache_clear()
    bars, real = [], click.progressbar

    def recording_bar(*args, **kwargs):
        bars.append((kwargs.get("label"), kwargs.get("length"), trained_nlp.cache_info().currsize))
        return real(*args, **kwargs)

    monkeypatch.setattr(click, "progressbar", recording_bar)
    a, b = hosts
    res = CliRunner().invoke(cli, ["ingest", f"{a.base}/articles/{ON_A[1]}", f"{b.base}/articles/{ON_B[1]}",
                                   "--family", "nature", "--delay", "0", "--no-separate", "--no-embed",
                                   "--dataset", str(tmp_path / "ds")], env={"FIGDEX_HARVEST_HOSTS": "2"})
    assert res.exit_code == 0, res.output
    assert bars == [("fetching", 2, 1)], "the fetch bar started before the caption pipelines were loaded"


def _done_pages(root: Path) -> int:
    if not (root / "figdex.db").exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{root / 'figdex.db'}?mode=ro", uri=True, timeout=0.1)
        try:
            return conn.execute("SELECT count(*) FROM source_files WHERE status = 'done'").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet
        return 0


class _Task(tuple):
    """An ``echo`` task (seconds, value) that names a figure, as the separation stage's tasks do."""

    @property
    def fig_id(self):
        return self[1]


def test_results_computed_ahead_are_taken_in_order_and_not_counted_by_the_bar():
    executor = SerialExecutor()
    tasks = [_Task((0.0, i)) for i in range(8)]
    ahead = {t: executor.submit(echo, t) for t in tasks[1:6:2]}  # figures 1, 3, 5 separated during the harvest
    held = _Held(executor, dict(ahead))
    assert held.freeze({t.fig_id for t in tasks}) == 3
    got, counted = [], []
    for item, result in held.ordered(echo, tasks):
        got.append(result)
        if not held.last_was_free:
            counted.append(result)
    assert got == list(range(8)) and not held.held  # every result once, in order, each held one taken
    assert counted == [0, 2, 4, 6, 7]  # the bar times only the work done while it runs


# -- with the separation stage: figures separated while later articles download ---------------------------
SEPARATED = ("41467_2018_6297_Fig3_HTML", "41467_2018_6297_Fig4_HTML")  # the two smallest: this machine is slow


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_separation_overlaps_the_downloads_and_gives_the_sequential_tables(tmp_path, workers):
    """Host A serves an article two of whose figures are separated; host B's article comes 2 s late, so
    the writer separates host A's figures while it waits.  The tables are those of a sequential harvest
    followed by the stages."""
    from figdex.ingest.executors import create_executor

    a, b = TimedMirror(), TimedMirror()
    for mirror in (a, b):  # the other figures are not served (recorded as missing, not separated)
        mirror.prefixes.insert(0, ("/media.springernature.com/", lambda req, m=mirror: m.nature_image(req) if any(
            name in req.path for name in SEPARATED) else Reply(404, b"not mirrored", {"Content-Type": "text/plain"})))
    late = b.nature_article(ON_B[1])
    b.route(f"/articles/{ON_B[1]}", Reply(late.status, late.body, late.headers, delay=2.0))
    urls = [f"{a.base}/articles/{ON_B[0]}", f"{b.base}/articles/{ON_B[1]}"]
    options = StageOptions(embedding=False, labels=False)
    try:
        reference = tmp_path / "reference"
        _sequential(reference, urls)
        with Dataset.open(reference) as ds:
            run_image_stages(ds, options=options)
        bars = []

        class Recording:
            def start(self, stage, total):
                bars.append((stage, total))

            def advance(self, n=1, figures=0):
                pass

            def finish(self):
                pass

        root = tmp_path / "ds"
        with create_executor("serial" if workers == 1 else "processes", workers=workers) as executor, \
                Dataset.open(root) as ds, _fetcher(root) as client:
            summary, report = harvest(ds, client, [Job(u, "nature") for u in urls], summary=ScrapeSummary(),
                                      hosts=2, executor=executor, options=options, progress=Recording())
        assert summary.ingested == 2 and report.separation.separated == 2 and report.separation.failed == 0
        assert bars[0] == ("fetch", 2) and bars[1][0] == "separate" and bars[1][1] < 2, bars  # done ahead
        assert _tables(root) == _tables(reference)
    finally:
        a.close()
        b.close()
