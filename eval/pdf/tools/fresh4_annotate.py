"""Hand-annotation driver for the fresh_4 part (kept to show how it was made; does NOT use figdex's parser).

    python eval/pdf/tools/fresh4_annotate.py auto PID [below]    captions + a first-guess box for each, and
                                                                /tmp/f4/PID-pPAGE.png overlays to look at
    python eval/pdf/tools/fresh4_annotate.py show PID PAGE x0 y0 x1 y1 ...   overlay of boxes on a 25-pt grid
    python eval/pdf/tools/fresh4_annotate.py snap PID PAGE x0 y0 x1 y1       a box drawn by eye, snapped to ink
    python eval/pdf/tools/fresh4_annotate.py add PID PAGE LABEL x0 y0 x1 y1 "CAPTION 12"   keep a checked record
    python eval/pdf/tools/fresh4_annotate.py merge               write the kept records into gold/manifest

Only the helpers of fresh2_annotate.py / fresh3_annotate.py are used (pypdfium2 renders, poppler's
pdftotext words, ink snapping); figdex's PDF parser is never imported or run.  Every proposal was looked
at on its page and most were redrawn by eye on the grid.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fresh2_annotate as f2  # noqa: E402
import fresh3_annotate as f3  # noqa: E402

f3.OUT = OUT = Path("/tmp/f4")
STORE = OUT / "gold_f4.json"
SOURCES = Path(__file__).with_name("fresh4_sources.json")


def write_part(part: str, entries: list[tuple], replaced_ids) -> None:
    """Append ``entries`` (id, repo, commit, path, layout, licence, file, scanned, figures) to
    eval/pdf/gold.json as the part ``part`` (its old records dropped first) and to manifest.json (records
    of ``replaced_ids`` dropped first); every file is checked byte for byte against its repository."""
    import hashlib
    import json
    import subprocess
    gold_path, man_path = f2.ROOT / "eval/pdf/gold.json", f2.MANIFEST
    gold, manifest = json.loads(gold_path.read_text()), json.loads(man_path.read_text())
    gold["pdfs"] = [r for r in gold["pdfs"] if r["split"] != part]
    manifest = [r for r in manifest if r["id"] not in replaced_ids]
    gold["split"][part] = []
    for pid, repo, commit, path, layout, licence, file, scanned, figures in entries:
        data = (f2.ROOT / file).read_bytes()
        git_dir = f"/work/.mirror/{repo.replace('/', '+')}/repo"
        git_dir = git_dir + "/.git" if Path(git_dir, ".git").is_dir() else git_dir  # a clone with a work tree
        commit = commit or subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"],
                                          capture_output=True, text=True).stdout.strip()
        assert subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], capture_output=True).stdout == data
        order = sorted(figures, key=lambda f: (f["page"], -f["region"][3], f["region"][0]))
        gold["pdfs"].append({"id": pid, "file": file, "layout": layout, "split": part, "scanned": scanned,
                             "figures": [] if scanned else order})
        gold["split"][part].append(pid)
        manifest.append({"id": pid, "repo": repo, "commit": commit, "path": path,
                         "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "layout": layout,
                         "licence": licence, "file": file})
    gold_path.write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n")
    man_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


def merge(meta_file=SOURCES, store=STORE, part="fresh_4"):
    """fresh3_annotate.merge for another part: the same records, written as `part` (the mirror's HEAD is
    the commit)."""
    import json
    meta = json.loads(Path(meta_file).read_text())
    figs = json.loads(store.read_text())
    entries = [(pid, repo, None, path, layout, licence, committed[0] if committed else f"eval/pdf/restored/{pid}.pdf",
                False, figs[pid]) for pid, (repo, path, layout, licence, *committed) in meta.items() if pid in figs]
    write_part(part, entries, meta)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "auto":
        f3.auto(sys.argv[2], "below" in sys.argv[3:])
    elif cmd == "show":
        pid, page = sys.argv[2], int(sys.argv[3])
        vals = [float(v) for v in sys.argv[4:]]
        OUT.mkdir(exist_ok=True)
        f2.grid(pid, page, [vals[i:i + 4] for i in range(0, len(vals), 4)], S=1.0).save(OUT / f"{pid}-p{page}.png")
    elif cmd == "snap":
        print(f2.snap(sys.argv[2], int(sys.argv[3]), [float(v) for v in sys.argv[4:8]]))
    elif cmd == "add":
        f3.add(sys.argv[2], int(sys.argv[3]), sys.argv[4], [float(v) for v in sys.argv[5:9]], sys.argv[9], store=STORE)
    elif cmd == "merge":
        merge()


def imgs(pid, page):
    """The embedded images of a page (pdfplumber), as boxes in PDF points, origin bottom-left: where a
    figure is one image, its placement is the first box drawn, then snapped to the ink."""
    import pdfplumber
    with pdfplumber.open(f2.path(pid)) as pdf:
        pg = pdf.pages[page - 1]
        return [(round(im["x0"], 1), round(pg.height - im["bottom"], 1), round(im["x1"], 1), round(pg.height - im["top"], 1))
                for im in pg.images]


def check(part="fresh_4"):
    """The last check: poppler lines inside or across a region that look like running text (>= 7 words)
    or a caption, overlapping regions, and regions off the page; every hit is printed to be looked at."""
    import html
    import json
    import re
    import subprocess
    gold = json.loads((f2.ROOT / "eval/pdf/gold.json").read_text())
    for rec in (r for r in gold["pdfs"] if r["split"] == part):
        pid, doc = rec["id"], f2.doc(rec["id"])
        by_page = {}
        for fig in rec["figures"]:
            by_page.setdefault(fig["page"], []).append(fig)
        for page, figs in by_page.items():
            w, h = doc[page - 1].get_size()
            out = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), f2.path(pid), "-"],
                                 capture_output=True, text=True).stdout
            lines = [(*[float(v) for v in m.groups()[:4]], " ".join(html.unescape(t) for t in re.findall(r">([^<]*)</word>", m.group(5))))
                     for m in f2.LINE.finditer(out)]
            for i, fig in enumerate(figs):
                x0, y0, x1, y1 = fig["region"]
                if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
                    print("off the page:", pid, page, fig["label"])
                for other in figs[i + 1:]:
                    a = other["region"]
                    if min(x1, a[2]) > max(x0, a[0]) and min(y1, a[3]) > max(y0, a[1]):
                        print("overlap:", pid, page, fig["label"], other["label"])
                for lx0, top, lx1, bottom, text in lines:
                    ly0, ly1 = h - bottom, h - top
                    if min(lx1, x1) - max(lx0, x0) > 5 and min(ly1, y1) - max(ly0, y0) > 1.5 and \
                            (len(text.split()) >= 7 or re.match(r"(Fig|FIG|Figure|Scheme)", text)):
                        print(f"text in {pid} p{page} {fig['label']}: [{lx0:.0f},{ly0:.0f},{lx1:.0f},{ly1:.0f}] {text[:80]}")


if __name__ == "__main__" and sys.argv[1] == "imgs":
    for box in imgs(sys.argv[2], int(sys.argv[3])):
        print(*box)
elif __name__ == "__main__" and sys.argv[1] == "check":
    check()
