"""python inside.py PID : poppler lines inside or across each kept box (to find text that is not the figure's)."""
import html, json, re, subprocess, sys
sys.path.insert(0, '/work/wt83/eval/pdf/tools')
import fresh2_annotate as f2
pid = sys.argv[1]
figs = json.load(open('/tmp/f5/gold_f5.json'))[pid]
for f in figs:
    page = f['page']; h = f2.doc(pid)[page - 1].get_size()[1]
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), f2.path(pid), "-"], capture_output=True, text=True).stdout
    x0, y0, x1, y1 = f['region']
    for m in f2.LINE.finditer(out):
        lx0, t, lx1, b = map(float, m.groups()[:4])
        ly0, ly1 = h - b, h - t
        text = " ".join(html.unescape(w) for w in re.findall(r">([^<]*)</word>", m.group(5)))
        if min(lx1, x1) - max(lx0, x0) > 2 and min(ly1, y1) - max(ly0, y0) > 1 and (len(text.split()) >= 5 or re.match(r'(Fig|FIG|Figure|Scheme)', text) or len(sys.argv) > 2):
            print(f"p{page} {f['label']}: [{lx0:.0f},{ly0:.0f},{lx1:.0f},{ly1:.0f}] {text[:90]}")
