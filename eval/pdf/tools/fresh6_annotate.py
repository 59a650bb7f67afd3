"""Hand-annotation driver for the fresh_6 to fresh_12 parts (kept to show how they were made; does NOT use figdex's parser).

    python eval/pdf/tools/fresh6_annotate.py [--part fresh_7] auto|show|zoom|snap|lines|imgs|add|merge|check ...
        the commands of fresh5_annotate.py (its docstring), on the part named (default fresh_6); overlays go
        to /tmp/f6 (fresh_N: /tmp/fN; fresh_12: /tmp/f12, sources fresh12_sources.json, records fresh6/gold_f12.json)

fresh5_annotate.py's commands for a later part; only the helpers of fresh2/3/4_annotate.py are used
(pypdfium2 renders, poppler's pdftotext words, ink snapping).  Unlike fresh_4's merge, each source names the commit it was read at
(freshN_sources.json: id -> [repo, commit, path, layout, licence]), since several files were deleted from their repository's
HEAD after they were added.  Each part keeps its own sources file and its own kept records (tools/fresh6/gold_fN.json),
so `merge` rebuilds one part without touching the others.  figdex's PDF parser is never imported or run.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fresh5_annotate as f5  # noqa: E402

TOOLS = Path(__file__).resolve().parent


def files(part: str) -> tuple[Path, Path, Path]:
    """(overlay folder, kept records, sources) of ``part`` ("fresh_6" -> /tmp/f6, fresh6/gold_f6.json, fresh6_sources.json)."""
    n = part.removeprefix("fresh_")
    return Path(f"/tmp/f{n}"), TOOLS / "fresh6" / f"gold_f{n}.json", TOOLS / f"fresh{n}_sources.json"


if __name__ == "__main__":
    argv = list(sys.argv)
    part = "fresh_6"
    if len(argv) > 2 and argv[1] == "--part":
        part = argv[2]
        del argv[1:3]
    out, store, sources = files(part)
    f5.main(argv, out, store, sources, part)
