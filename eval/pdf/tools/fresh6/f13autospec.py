"""python f13autospec.py PID LABELRE X0 X1 TOP > SPEC (fresh_13, h169): a first spec for every caption line: box from caption top + 3 up to the nearest
line above that is body text (>= 7 words and wider than 60% of X1-X0), a caption (Fig./Table/Figure), or a numbered
heading; else TOP.  Caption12 = first 12 words of the caption block (its lines under the label line).  A first guess only: every box
was looked at and most tops redrawn (a paragraph's short last line or a caption's last line is no stop)."""
import sys, subprocess, re, html
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
import fresh2_annotate as f2
pid, lab, X0, X1, TOP = sys.argv[1], re.compile(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
n = len(f2.doc(pid))
for page in range(1, n + 1):
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), f2.path(pid), "-"], capture_output=True, text=True).stdout
    h = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))
    lines = []
    for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', out, re.S):
        t = " ".join(html.unescape(w) for w in re.findall(r'>([^<]*)</word>', m.group(5)))
        lines.append((h - float(m.group(4)), h - float(m.group(2)), float(m.group(1)), float(m.group(3)), t))
    raw = subprocess.run(["pdftotext", "-raw", "-f", str(page), "-l", str(page), f2.path(pid), "-"], capture_output=True, text=True).stdout
    for b, t, x0, x1, txt in lines:
        m = lab.match(txt)
        if not m:
            continue
        def stop(l):
            w = l[4].split()
            return (len(w) >= 7 and (l[3] - l[2]) > 0.6 * (X1 - X0)) or re.match(r'^(Fig\.|Figure|Table|TABLE) ?[0-9]', l[4]) \
                or re.match(r'^[0-9]+(\.[0-9]+)* [A-Z]', l[4])
        above = [l for l in lines if l[0] > t + 1 and stop(l)]
        top = min(l[0] for l in above) - 1.5 if above else TOP
        label = m.group(0).strip()
        block, cur = [txt], (b, x0)
        for l in sorted([l for l in lines if l[1] < t], key=lambda l: -l[1]):
            if cur[0] - l[1] < 4.5 and abs(l[2] - x0) < 30 and not lab.match(l[4]):
                block.append(l[4]); cur = (l[0], l[2])
            elif l[1] < cur[0] - 4.5:
                break
        words = " ".join(block).split()[:12]
        print(f"{page}|{label}|{X0} {t + 3:.1f} {X1} {min(top, TOP):.1f}|{' '.join(words)}")
