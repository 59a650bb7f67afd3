"""PDF figures the parser got wrong across the parts of eval/pdf/gold.json (fresh_1..fresh_6 and the older
ones, all development data), fixed by cause (issue #19, h107).  Each test is on a real PDF where the cause
occurs (restored by ``python eval/pdf/restore.py`` from git mirrors; the tests skip, saying so, when they
are not here), or on text made up to show the rule."""

from __future__ import annotations

import pytest

pytest.importorskip("pypdfium2")

from figdex.ingest.pdf_eval import label_key  # noqa: E402
from figdex.ingest.sources.pdf_layout import Line, caption_start  # noqa: E402
from tests.pdf_gold_cases import check_figure as _check, found_and_gold as _found_and_gold  # noqa: E402


def test_an_appendix_label_with_its_letter_and_no_stop_opens_a_caption():
    # IOP numbers its appendix figures "Figure A1.", "Figure C2." (no stop after the letter): only the
    # "Figure B.1" form was read, so the pinning paper's four appendix figures were missed.
    line = Line((304.8, 523.8, 538.1, 531.8), "Figure A1. Phase diagram for a pin doublet located in the plane", 8.0)
    assert caption_start(line) == ("figure", "Figure A1", "A1")
    assert label_key("Figure A1") == ("figure", "A1") and label_key("Figure B.1") == ("figure", "B.1")
    # A reference in running text is still none ("Figure C2(b) shows ..."), nor a letter alone.
    assert caption_start(Line((304.8, 661.2, 549.9, 674.5), "Figure C2(b) shows the B-dependence", 9.0)) is None
    assert caption_start(Line((304.8, 661.2, 549.9, 674.5), "Figure A shows the map", 9.0)) is None
    found, gold = _found_and_gold("iop_sust_2018_pinning")
    for key in (("Figure A1", 15), ("Figure B1", 17), ("Figure C1", 17), ("Figure C2", 18)):
        _check(found, gold, key)
