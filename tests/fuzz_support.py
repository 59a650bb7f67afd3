"""The fuzzing layer's shared parts: budgets, a per-case time limit, mutations of real files.

Every fuzz test exists twice (``fuzz_pair``): a small budget in the default run (derandomized, so
it runs the same cases every time) and a large one marked ``fuzz`` (deselected by default; run it
with ``pytest -m fuzz``), whose budgets add up to more than 100,000 cases (FIGDEX_FUZZ_SCALE=0.1
runs a tenth of each, to measure the rate).  Both must end with
no unhandled exception and no hang: each case runs under ``time_limit``, which turns a hang into
a failure naming the case.  On a machine shared with other work, FIGDEX_FUZZ_TIME_SCALE=3 gives
every case three times its limit: a case starved of CPU by other processes is not a hang.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import time
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Cases actually run per test name (a test may stop early on a failure): the run reports them.
CASES: dict[str, int] = {}
SECONDS: dict[str, float] = {}


class CaseTimeout(BaseException):
    """A case past its time limit.  A BaseException, so that no ``except Exception`` in the code
    under test can turn a hang into an ordinary refusal."""


@contextmanager
def time_limit(seconds: float, what: str):
    """Fail the case when it runs longer than ``seconds``.  SIGALRM interrupts Python code; a hang
    inside C code (where no signal handler runs) is caught by faulthandler, which prints every
    thread's stack and ends the process after four times the limit."""
    seconds *= float(os.environ.get("FIGDEX_FUZZ_TIME_SCALE", "1"))

    def on_alarm(signum, frame):
        raise CaseTimeout(f"{what}: no answer within {seconds} s (a hang)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(4 * seconds + 10, exit=True)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()
    elapsed = time.monotonic() - started
    if elapsed > seconds:  # a C call that returned after the alarm
        raise CaseTimeout(f"{what}: took {elapsed:.1f} s, over the limit of {seconds} s")


def fuzz_pair(fast: int, long: int, *strategies, env: bool = False):
    """Two tests of one property: ``fast`` cases in the default run, ``long`` under the ``fuzz`` marker.

    Use as ``test_x, test_x_long = fuzz_pair(50, 20_000, st.…)(check)``; ``check(name, *drawn)``
    runs one case (``check(name, *drawn, fuzz_env)`` with ``env``: the module's ``fuzz_env``
    fixture, module-scoped, so that one value serves every case).  Hypothesis keeps no example
    database (the default run is derandomized; a long-run failure prints the blob that replays it)."""
    def wrap(check):
        def make(n: int, name: str, long_run: bool):
            def run_case(drawn, *extra):
                started = time.monotonic()
                check(name, *drawn, *extra)
                CASES[name] = CASES.get(name, 0) + 1
                SECONDS[name] = SECONDS.get(name, 0.0) + time.monotonic() - started

            if env:
                def test(fuzz_env, drawn):
                    run_case(drawn, fuzz_env)
            else:
                def test(drawn):
                    run_case(drawn)
            test = given(drawn=st.tuples(*strategies))(test)
            test = settings(max_examples=n, deadline=None, derandomize=not long_run, database=None,
                            print_blob=True, suppress_health_check=list(HealthCheck))(test)
            test.__name__ = test.__qualname__ = name
            test = _report(name, n)(test)
            return pytest.mark.fuzz(test) if long_run else test

        base = check.__name__.removeprefix("check_")
        scale = float(os.environ.get("FIGDEX_FUZZ_SCALE", "1"))
        return make(fast, f"test_fuzz_{base}", False), make(max(1, int(long * scale)), f"test_fuzz_{base}_long", True)
    return wrap


def _report(name: str, budget: int):
    """Print the cases run, their rate, and fail when fewer than the budget ran (a property that
    Hypothesis cannot find enough distinct cases for would otherwise shrink the run silently)."""
    def deco(test):
        import functools

        @functools.wraps(test)
        def run(*args, **kwargs):
            CASES[name], SECONDS[name] = 0, 0.0
            started = time.monotonic()
            test(*args, **kwargs)
            wall = time.monotonic() - started
            print(f"\n{name}: {CASES[name]} cases in {wall:.1f} s ({CASES[name] / max(wall, 1e-9):.0f} cases/s)")
            assert CASES[name] >= budget * 0.9, f"{name}: only {CASES[name]} of {budget} cases ran"
        return run
    return deco


# -- mutations of real files ------------------------------------------------------------------------

ENCODINGS = ["utf-16", "utf-32", "latin-1", "cp1252", "shift_jis", "cp500", "koi8-r", "x-bogus", "utf-8"]
HOSTILE_TEXT = ["&amp;'&lt;" * 20_000, "\x00" * 100, "&#0;&#xD800;&#x110000;&bogus;&amp", "\u202e\u0301" * 500,
                "]]><![CDATA[", "<!--", "<?xml version='1.0'?>", "<!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'>]>&a;&a;"]


@st.composite
def mutation(draw):
    """One change to a file: (kind, parameters drawn as fractions of its length and small ints)."""
    kind = draw(st.sampled_from(["truncate", "delete_tags", "flip", "huge_attribute", "deep", "encoding",
                                 "repeat", "insert"]))
    where = draw(st.floats(0, 1))
    if kind == "flip":
        return kind, where, draw(st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), min_size=1, max_size=20))
    if kind == "delete_tags":
        return kind, where, draw(st.integers(1, 20_000))
    if kind == "huge_attribute":
        return kind, where, draw(st.sampled_from([10_000, 300_000, 2_000_000]))
    if kind == "deep":
        return kind, where, (draw(st.integers(1, 20_000)), draw(st.booleans()), draw(st.sampled_from(
            ["i", "b", "div", "p", "italic", "ce:bold", "fig", "caption"])))
    if kind == "encoding":
        return kind, where, (draw(st.sampled_from(ENCODINGS)), draw(st.sampled_from(ENCODINGS)))
    if kind == "repeat":
        return kind, where, (draw(st.integers(1, 5000)), draw(st.integers(2, 200)))
    if kind == "insert":
        return kind, where, draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=200)))
    return kind, where, None


mutations = st.lists(mutation(), min_size=1, max_size=3)


def mutate(data: bytes, changes) -> bytes:
    for kind, where, arg in changes:
        data = _apply(data, kind, int(where * len(data)), arg)
    return data


def _apply(data: bytes, kind: str, at: int, arg) -> bytes:
    if kind == "truncate":
        return data[:at]
    if kind == "delete_tags":  # from a '<' to a '>' further on: whole tags and the text between
        start = data.find(b"<", at)
        end = data.find(b">", start + arg) if start >= 0 else -1
        return data if end < 0 else data[:start] + data[end + 1:]
    if kind == "flip":
        out = bytearray(data)
        for pos, mask in arg:
            if out:
                out[int(pos * (len(out) - 1))] ^= mask
        return bytes(out)
    if kind == "huge_attribute":  # inside the next tag
        tag = data.find(b"<", at)
        end = data.find(b" ", tag) if tag >= 0 else -1
        return data if end < 0 else data[:end] + b' data-x="' + b"A\xc3\xa9&amp;" * (arg // 8) + b'"' + data[end:]
    if kind == "deep":
        depth, closed, name = arg
        tag = data.find(b">", at)
        pos = tag + 1 if tag >= 0 else at
        inner = f"<{name}>".encode() * depth + b"x" + (f"</{name}>".encode() * depth if closed else b"")
        return data[:pos] + inner + data[pos:]
    if kind == "encoding":  # declare one encoding, write the text in another
        declared, actual = arg
        text = data.decode("utf-8", errors="replace")
        head = f'<?xml version="1.0" encoding="{declared}"?>' if text.lstrip().startswith("<?xml") else \
            f'<meta charset="{declared}">'
        if text.lstrip().startswith("<?xml"):
            text = text[text.find("?>") + 2:]
        try:
            return head.encode() + text.encode(actual, errors="replace")
        except LookupError:
            return head.encode() + text.encode("utf-8")
    if kind == "repeat":
        length, times = arg
        return data[:at] + data[at:at + length] * times + data[at:]
    if kind == "insert":
        return data[:at] + arg.encode("utf-8", errors="surrogatepass") + data[at:]
    raise ValueError(kind)
