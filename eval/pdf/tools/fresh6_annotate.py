"""Hand-annotation driver for the fresh_6 part (kept to show how it was made; does NOT use figdex's parser).

    python eval/pdf/tools/fresh6_annotate.py auto|show|zoom|snap|lines|imgs|add|merge|check ...
        the commands of fresh5_annotate.py (its docstring), on the fresh_6 part; overlays go to /tmp/f6

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
