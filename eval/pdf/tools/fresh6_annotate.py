"""Hand-annotation driver for the fresh_6 part (kept to show how it was made; does NOT use figdex's parser).

    python eval/pdf/tools/fresh6_annotate.py auto PID [below]    captions + a first-guess box for each, and
                                                                /tmp/f6/PID-pPAGE.png overlays to look at
    python eval/pdf/tools/fresh6_annotate.py show PID PAGE x0 y0 x1 y1 ...   overlay of boxes on a 25-pt grid
    python eval/pdf/tools/fresh6_annotate.py zoom PID PAGE x0 y0 x1 y1 [S]  the box's surroundings, larger
    python eval/pdf/tools/fresh6_annotate.py snap PID PAGE x0 y0 x1 y1       a box drawn by eye, snapped to ink
    python eval/pdf/tools/fresh6_annotate.py lines PID PAGE y0 y1            poppler lines between two heights
    python eval/pdf/tools/fresh6_annotate.py add PID PAGE LABEL x0 y0 x1 y1 "CAPTION 12"   keep a checked record
    python eval/pdf/tools/fresh6_annotate.py merge               write the kept records into gold/manifest
    python eval/pdf/tools/fresh6_annotate.py check               the last check (fresh4_annotate.check)

fresh5_annotate.py's commands for the fresh_6 part; only the helpers of fresh2/3/4_annotate.py are used
(pypdfium2 renders, poppler's pdftotext words, ink snapping).  Unlike fresh_4's merge, each source names the commit it was read at (fresh6_sources.json:
id -> [repo, commit, path, layout, licence]), since several files were deleted from their repository's
HEAD after they were added.  figdex's PDF parser is never imported or run.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fresh5_annotate as f5  # noqa: E402

OUT = Path("/tmp/f6")
STORE = Path(__file__).with_name("fresh6") / "gold_f6.json"  # kept in the repository: merge() rebuilds the part from it, and the next session continues it
SOURCES = Path(__file__).with_name("fresh6_sources.json")
PART = "fresh_6"

if __name__ == "__main__":
    f5.main(sys.argv, OUT, STORE, SOURCES, PART)
