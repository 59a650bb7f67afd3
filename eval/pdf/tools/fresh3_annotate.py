"""Hand-annotation driver for the fresh_3 part (kept to show how it was made; does NOT use figdex's parser).

    python eval/pdf/tools/fresh3_annotate.py auto PID [below]     captions + a first-guess box for each, and
                                                                 /tmp/f3/PID-pPAGE.png overlays to look at
    python eval/pdf/tools/fresh3_annotate.py show PID PAGE x0 y0 x1 y1 ...   overlay of boxes on a 25-pt grid

It only calls the helpers of fresh2_annotate.py (pypdfium2 renders, poppler's pdftotext words, ink
snapping); figdex's PDF parser is never imported.  Every proposal was looked at and most were redrawn.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fresh2_annotate as f2  # noqa: E402

OUT = Path("/tmp/f3")


def auto(pid, below=False):
    OUT.mkdir(exist_ok=True)
    pages = {}
    for page, label, x, y, text in f2.caps(pid):
        try:
            box, cap = f2.propose(pid, page, x, y, below=below)
            box = [float(v) for v in box] if box else None
        except Exception as e:  # a proposal that fails is drawn by hand instead
            box, cap = None, None
        words = f2.words(pid, page, cap[:4]) if cap else text
        print(page, label, x, y, box, "|", words)
        pages.setdefault(page, []).extend([box] if box else [])
    for page, boxes in pages.items():
        f2.grid(pid, page, boxes, S=1.0).save(OUT / f"{pid}-p{page}.png")


if __name__ == "__main__":
    if sys.argv[1] == "auto":
        auto(sys.argv[2], "below" in sys.argv[3:])
    elif sys.argv[1] == "show":
        pid, page = sys.argv[2], int(sys.argv[3])
        vals = [float(v) for v in sys.argv[4:]]
        OUT.mkdir(exist_ok=True)
        f2.grid(pid, page, [vals[i:i + 4] for i in range(0, len(vals), 4)], S=1.0).save(OUT / f"{pid}-p{page}.png")


def pair(pid, pages, out):
    """Pages side by side (each with its grid and boxes, as saved by auto/show) in one image to look at."""
    from PIL import Image
    ims = [Image.open(OUT / f"{pid}-p{p}.png") for p in pages]
    sheet = Image.new("RGB", (sum(i.size[0] for i in ims), max(i.size[1] for i in ims)), "white")
    x = 0
    for im in ims:
        sheet.paste(im, (x, 0))
        x += im.size[0]
    sheet.save(out)


if __name__ == "__main__" and sys.argv[1] == "pair":
    pair(sys.argv[2], [int(p) for p in sys.argv[3:]], OUT / f"{sys.argv[2]}-pair.png")


def add(pid, page, label, region, caption12, store=OUT / "gold_f3.json"):
    """Append one checked record to the working file (merged into eval/pdf/gold.json at the end)."""
    import json
    data = json.loads(store.read_text()) if store.exists() else {}
    figs = [f for f in data.get(pid, []) if not (f["label"] == label and f["page"] == page)]
    figs.append({"label": label, "page": page, "caption12": caption12, "region": [round(float(v), 1) for v in region]})
    data[pid] = figs
    store.write_text(json.dumps(data, indent=1, ensure_ascii=False))


if __name__ == "__main__" and sys.argv[1] == "add":
    add(sys.argv[2], int(sys.argv[3]), sys.argv[4], [float(v) for v in sys.argv[5:9]], sys.argv[9])


def zoom(pid, page, box, margin=30, S=2.0):
    """The part of a page around a box (with the grid), larger, to check the box's edges."""
    im = f2.grid(pid, page, [box], S=S)
    h = f2.doc(pid)[page - 1].get_size()[1]
    x0, y0, x1, y1 = box
    im.crop((max(0, (x0 - margin) * S), max(0, (h - y1 - margin) * S), (x1 + margin) * S, (h - y0 + margin) * S)).save(
        OUT / f"{pid}-z{page}.png")


if __name__ == "__main__" and sys.argv[1] == "zoom":
    zoom(sys.argv[2], int(sys.argv[3]), [float(v) for v in sys.argv[4:8]], S=float(sys.argv[8]) if len(sys.argv) > 8 else 2.0)


def cap12(pid, page, x, y):
    """The first 12 words of the poppler text block whose top-left is nearest the caption start (x, y)."""
    bl = f2.blocks(pid, page)
    cap = min(bl, key=lambda b: abs(b[0] - x) + abs(b[3] - y))
    return f2.words(pid, page, cap[:4])


if __name__ == "__main__" and sys.argv[1] == "cap":
    for i in range(3, len(sys.argv), 3):
        print(sys.argv[i], "|", cap12(sys.argv[2], int(sys.argv[i]), float(sys.argv[i + 1]), float(sys.argv[i + 2])))


def merge(meta_file, store=OUT / "gold_f3.json"):
    """Write the checked records into eval/pdf/gold.json and manifest.json as the fresh_3 part.
    meta_file: {id: [repo, path, layout, licence]}; the commit is the mirror's HEAD, where the file was read."""
    import hashlib
    import json
    import subprocess
    meta = json.loads(Path(meta_file).read_text())
    figs = json.loads(store.read_text())
    gold_path, man_path = f2.ROOT / "eval/pdf/gold.json", f2.MANIFEST
    gold, manifest = json.loads(gold_path.read_text()), json.loads(man_path.read_text())
    gold["pdfs"] = [r for r in gold["pdfs"] if r["split"] != "fresh_3"]
    manifest = [r for r in manifest if r["id"] not in meta]
    gold["split"]["fresh_3"] = []
    for pid, (repo, path, layout, licence, *committed) in meta.items():
        if pid not in figs:
            continue
        file = committed[0] if committed else f"eval/pdf/restored/{pid}.pdf"  # openly licensed: tests/data/pdf
        data = (f2.ROOT / file).read_bytes()
        git_dir = f"/work/.mirror/{repo.replace('/', '+')}/repo"
        commit = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        assert subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], capture_output=True).stdout == data
        order = sorted(figs[pid], key=lambda f: (f["page"], -f["region"][3], f["region"][0]))
        gold["pdfs"].append({"id": pid, "file": file, "layout": layout, "split": "fresh_3", "scanned": False,
                             "figures": order})
        gold["split"]["fresh_3"].append(pid)
        manifest.append({"id": pid, "repo": repo, "commit": commit, "path": path,
                         "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "layout": layout,
                         "licence": licence, "file": file})
    gold_path.write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n")
    man_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__" and sys.argv[1] == "merge":
    merge(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).with_name("fresh3_sources.json"))
