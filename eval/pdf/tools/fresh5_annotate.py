"""Hand-annotation driver for the fresh_5 part (kept to show how it was made; does NOT use figdex's parser).

    python eval/pdf/tools/fresh5_annotate.py auto PID [below]    captions + a first-guess box for each, and
                                                                /tmp/f5/PID-pPAGE.png overlays to look at
    python eval/pdf/tools/fresh5_annotate.py show PID PAGE x0 y0 x1 y1 ...   overlay of boxes on a 25-pt grid
    python eval/pdf/tools/fresh5_annotate.py zoom PID PAGE x0 y0 x1 y1 [S]  the box's surroundings, larger
    python eval/pdf/tools/fresh5_annotate.py snap PID PAGE x0 y0 x1 y1       a box drawn by eye, snapped to ink
    python eval/pdf/tools/fresh5_annotate.py lines PID PAGE y0 y1            poppler lines between two heights
    python eval/pdf/tools/fresh5_annotate.py add PID PAGE LABEL x0 y0 x1 y1 "CAPTION 12"   keep a checked record
    python eval/pdf/tools/fresh5_annotate.py merge               write the kept records into gold/manifest
    python eval/pdf/tools/fresh5_annotate.py check               the last check (fresh4_annotate.check)

Only the helpers of fresh2/3/4_annotate.py are used (pypdfium2 renders, poppler's pdftotext words, ink
snapping).  Unlike fresh_4's merge, each source names the commit it was read at (fresh5_sources.json:
id -> [repo, commit, path, layout, licence]), since several files were deleted from their repository's
HEAD after they were added.  figdex's PDF parser is never imported or run.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fresh2_annotate as f2  # noqa: E402
import fresh3_annotate as f3  # noqa: E402
import fresh4_annotate as f4  # noqa: E402

f3.OUT = OUT = Path("/tmp/f5")
STORE = OUT / "gold_f5.json"
SOURCES = Path(__file__).with_name("fresh5_sources.json")
PART = "fresh_5"


def merge(meta_file=SOURCES, store=STORE, part=PART):
    """The kept records into eval/pdf/gold.json (appended at the end, as the part ``part``) and manifest.json;
    every file is checked byte for byte against its repository at the recorded commit."""
    import json
    meta = json.loads(Path(meta_file).read_text())
    figs = json.loads(store.read_text())
    entries = [(pid, repo, commit, path, layout, licence, f"eval/pdf/restored/{pid}.pdf",
                bool(rest and rest[0] == "scanned"), figs[pid])
               for pid, (repo, commit, path, layout, licence, *rest) in meta.items() if pid in figs]
    f4.write_part(part, entries, meta)


def main(argv, out=OUT, store=STORE, sources=SOURCES, part=PART) -> None:
    """The commands of the module docstring, for ``part`` (fresh6_annotate.py runs them for fresh_6)."""
    f3.OUT = out
    cmd = argv[1]
    out.mkdir(exist_ok=True)
    if cmd == "auto":
        f3.auto(argv[2], "below" in argv[3:])
    elif cmd == "show":
        pid, page = argv[2], int(argv[3])
        vals = [float(v) for v in argv[4:]]
        f2.grid(pid, page, [vals[i:i + 4] for i in range(0, len(vals), 4)], S=1.0).save(out / f"{pid}-p{page}.png")
    elif cmd == "zoom":
        f3.zoom(argv[2], int(argv[3]), [float(v) for v in argv[4:8]], S=float(argv[8]) if len(argv) > 8 else 2.0)
    elif cmd == "snap":
        print(f2.snap(argv[2], int(argv[3]), [float(v) for v in argv[4:8]]))
    elif cmd == "lines":
        f2.lines(argv[2], int(argv[3]), float(argv[4]), float(argv[5]))
    elif cmd == "imgs":
        for box in f4.imgs(argv[2], int(argv[3])):
            print(*box)
    elif cmd == "add":
        f3.add(argv[2], int(argv[3]), argv[4], [float(v) for v in argv[5:9]], argv[9], store=store)
    elif cmd == "merge":
        merge(sources, store, part)
    elif cmd == "check":
        f4.check(part)


if __name__ == "__main__":
    main(sys.argv)
