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

Only the helpers of fresh2/3/4_annotate.py are used (pypdfium2 renders, poppler's pdftotext words, ink
snapping).  Unlike fresh_4's merge, each source names the commit it was read at (fresh6_sources.json:
id -> [repo, commit, path, layout, licence]), since several files were deleted from their repository's
HEAD after they were added.  figdex's PDF parser is never imported or run.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fresh2_annotate as f2  # noqa: E402
import fresh3_annotate as f3  # noqa: E402
import fresh4_annotate as f4  # noqa: E402

f3.OUT = OUT = Path("/tmp/f6")
STORE = Path(__file__).with_name("fresh6") / "gold_f6.json"  # kept in the repository: merge() rebuilds the part from it, and the next session continues it
SOURCES = Path(__file__).with_name("fresh6_sources.json")
PART = "fresh_6"


def merge(meta_file=SOURCES, store=STORE):
    """The kept records into eval/pdf/gold.json (appended at the end, as the fresh_6 part) and manifest.json;
    every file is checked byte for byte against its repository at the recorded commit."""
    import hashlib
    import json
    import subprocess
    meta = json.loads(Path(meta_file).read_text())
    figs = json.loads(store.read_text())
    gold_path, man_path = f2.ROOT / "eval/pdf/gold.json", f2.MANIFEST
    gold, manifest = json.loads(gold_path.read_text()), json.loads(man_path.read_text())
    gold["pdfs"] = [r for r in gold["pdfs"] if r["split"] != PART]
    manifest = [r for r in manifest if r["id"] not in meta]
    gold["split"][PART] = []
    for pid, (repo, commit, path, layout, licence, *rest) in meta.items():
        if pid not in figs:
            continue
        scanned = bool(rest and rest[0] == "scanned")
        file = f"eval/pdf/restored/{pid}.pdf"
        data = (f2.ROOT / file).read_bytes()
        git_dir = f"/work/.mirror/{repo.replace('/', '+')}/repo"
        git_dir = git_dir + "/.git" if Path(git_dir, ".git").is_dir() else git_dir  # a clone with a work tree
        assert subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], capture_output=True).stdout == data
        order = sorted(figs[pid], key=lambda f: (f["page"], -f["region"][3], f["region"][0]))
        gold["pdfs"].append({"id": pid, "file": file, "layout": layout, "split": PART, "scanned": scanned,
                             "figures": [] if scanned else order})
        gold["split"][PART].append(pid)
        manifest.append({"id": pid, "repo": repo, "commit": commit, "path": path,
                         "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "layout": layout,
                         "licence": licence, "file": file})
    gold_path.write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n")
    man_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    cmd = sys.argv[1]
    OUT.mkdir(exist_ok=True)
    if cmd == "auto":
        f3.auto(sys.argv[2], "below" in sys.argv[3:])
    elif cmd == "show":
        pid, page = sys.argv[2], int(sys.argv[3])
        vals = [float(v) for v in sys.argv[4:]]
        f2.grid(pid, page, [vals[i:i + 4] for i in range(0, len(vals), 4)], S=1.0).save(OUT / f"{pid}-p{page}.png")
    elif cmd == "zoom":
        f3.zoom(sys.argv[2], int(sys.argv[3]), [float(v) for v in sys.argv[4:8]],
                S=float(sys.argv[8]) if len(sys.argv) > 8 else 2.0)
    elif cmd == "snap":
        print(f2.snap(sys.argv[2], int(sys.argv[3]), [float(v) for v in sys.argv[4:8]]))
    elif cmd == "lines":
        f2.lines(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
    elif cmd == "imgs":
        for box in f4.imgs(sys.argv[2], int(sys.argv[3])):
            print(*box)
    elif cmd == "add":
        f3.add(sys.argv[2], int(sys.argv[3]), sys.argv[4], [float(v) for v in sys.argv[5:9]], sys.argv[9], store=STORE)
    elif cmd == "merge":
        merge()
    elif cmd == "check":
        f4.check(PART)
