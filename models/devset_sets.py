"""Which sets of eval/devset are unseen and which are development data: the one list that
eval/devset/build.py (the gold JSONs), `figdex eval separation|captions --set` and the tests read.

Records marked with a "set" were gathered after the held-out folds had been looked at.  The fresh set
is still unseen: it is scored only by `figdex eval ... --set fresh` (or its name), never as a fold
(neither tuned on nor held out).  Once measured it has been looked at: it moves to DEVELOPMENT_SETS
(development data from then on, in the ``dev`` part and scored on its own by `--set <name>`), the
next gathered set becomes FRESH_SET, and `python eval/devset/build.py` rewrites the gold JSONs.
Records of a set listed nowhere (a set being gathered) are left out of everything.
"""

from __future__ import annotations

FRESH_SET = "fresh-2026-12r"
FRESH_FIGURES = 34  # figures of the fresh set when registered (README: its "measured once" section)

# set -> when it was looked at (its "measured once" section in eval/devset/README.md)
DEVELOPMENT_SETS: dict[str, str] = {
    "fresh-2026-12": "looked at once, then tuned on for #15",
    "fresh-2026-12b": "looked at on 2026-12-06 (README 'fresh-2026-12b measured')",
    "fresh-2026-12c": "looked at on 2026-12-06 (README 'The third fresh set measured')",
    "fresh-2026-12d": "looked at on 2026-12-06 (stop 27, measured once)",
    "fresh-2026-12e": "looked at on 2026-12-06 (stop 28, measured once)",
    "fresh-2026-12f": "looked at on 2026-12-06 (stop 29, measured once)",
    "fresh-2026-12g": "looked at on 2026-12-07 (stop 30, measured once)",
    "fresh-2026-12h": "looked at on 2026-12-07 (stop 31, measured once)",
    "fresh-2026-12i": "looked at on 2026-12-07 (stop 32, measured once)",
    "fresh-2026-12j": "looked at on 2026-12-07 (stop 33, measured once)",
    "fresh-2026-12k": "looked at on 2026-12-07 (stop 34, measured once)",
    "fresh-2026-12l": "looked at on 2026-12-07 (stop 35, measured once)",
    "fresh-2026-12m": "looked at on 2026-12-07 (stop 36, measured once)",
    "fresh-2026-12n": "looked at on 2026-12-07 (stop 37, measured once)",
    "fresh-2026-12o": "looked at on 2026-12-07 (stop 38, measured once)",
    "fresh-2026-12p": "looked at on 2026-12-07 (stop 38, measured once)",
    "fresh-2026-12q": "looked at on 2026-12-07 (stop 38, measured once)",
}
