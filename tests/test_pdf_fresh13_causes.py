"""PDF figures the parser got wrong on the ``fresh_13`` part of eval/pdf/gold.json, fixed by cause (issue
#19; fresh_13 has been development data since its one measurement).  Each test is on a real PDF where
the cause occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying
so, when they are not here)."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def _found_and_gold_by_label(pid: str):
    """As ``found_and_gold``, with fresh_13's gold labels ("Fig. 6:") keyed as the parser names them ("Fig. 6")."""
    found, gold = _found_and_gold(pid)
    return found, {(label.rstrip(":."), page): g for (label, page), g in gold.items()}


def test_a_tex_cedilla_drawn_under_its_letter_is_that_letters_accent():
    # The Portuguese sn-jnl manuscript sets TeX's \c{c}: its text layer reports a spacing cedilla (U+00B8)
    # before the "c" it is drawn under, and the ten "Especificações" captions read "Especifica ̧cões".
    found, gold = _found_and_gold_by_label("snjnl_ms_2021_modular_control_manufacturing_pt")
    for key in (("Fig. 6", 7), ("Fig. 7", 8), ("Fig. 10", 9), ("Fig. 15", 12)):
        _check(found, gold, key)
    assert found[("Fig. 6", 7)].caption.startswith("Fig. 6: Especificações 0 e 1")
