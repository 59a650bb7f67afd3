"""Caption splitting guard from round h162 (#15): a change tried there (a full stop after "panels B–F" or a label range
ends a sentence, commit 45827b1, reverted in e63777a) also cut "Panel A." off the text it opens, and every panel got
every sentence.  The end validation of that round dropped (see eval/devset/README.md, "Round h162"); this is the cause
found afterwards on a made-up caption (the validation failures were not read)."""

from __future__ import annotations

from tests.caption_cases import full


def test_panel_x_with_a_full_stop_opens_its_text():
    p = full("Title of figure. Panel A. Mice were treated. Panel B. Rats were treated. Panels C-D. Controls were treated.")
    assert set(p) == set("abcd")
    assert "Mice" in p["a"] and "Rats" not in p["a"]
    assert "Rats" in p["b"] and "Mice" not in p["b"]
    assert "Controls" in p["c"] and "Controls" in p["d"] and "Mice" not in p["d"]
