"""(Kept to show how the fresh split was annotated: ran from /tmp with the worktree path hard-coded.)
Hand-annotation helper for the fresh split (does not use figdex's parser).
grid PID PAGES OUT      render pages with a 25-pt grid (PDF points, origin bottom-left)
caps PID                list caption starts (Figure/Fig./Scheme/Chart N) from poppler word boxes
snap PID PAGE x0 y0 x1 y1   snap a rough box to the ink inside it
words PID PAGE x0 y0 x1 y1  first 12 words inside a box (pdftotext -x -y -W -H)
show PID PAGE x0 y0 x1 y1 [...]  render page with boxes drawn
"""
import sys, re, html, subprocess, unicodedata
import numpy as np, pypdfium2 as pdfium
from PIL import Image, ImageDraw
ROOT = '/work/wt19f/'
FILES = {
 'scirep_2020_lah10': 'tests/data/pdf/scirep_2020_lah10.pdf',
 'natneurosci_2011': 'eval/pdf/restored/natneurosci_2011.pdf',
 'acs_jcim_2016': 'eval/pdf/restored/acs_jcim_2016.pdf',
 'acs_joc_2022a': 'eval/pdf/restored/acs_joc_2022a.pdf',
 'acs_joc_2022b': 'eval/pdf/restored/acs_joc_2022b.pdf',
 'acs_joc_2022c': 'eval/pdf/restored/acs_joc_2022c.pdf',
 'iop_sust_2018a': 'eval/pdf/restored/iop_sust_2018a.pdf',
 'iop_sust_2018b': 'eval/pdf/restored/iop_sust_2018b.pdf',
 'preprint_naxcoo2': 'eval/pdf/restored/preprint_naxcoo2.pdf',
 'preprint_hcosy': 'eval/pdf/restored/preprint_hcosy.pdf',
 'cebaf_th_94_08': 'eval/pdf/restored/cebaf_th_94_08.pdf',
}
def doc(pid): return pdfium.PdfDocument(ROOT + FILES[pid])
def grid(pid, page, boxes=(), S=1.2):
    pg = doc(pid)[page - 1]; w, h = pg.get_size()
    im = pg.render(scale=S).to_pil().convert('RGB'); d = ImageDraw.Draw(im)
    for x in range(0, int(w) + 1, 25):
        d.line([(x*S, 0), (x*S, h*S)], fill=(255, 190, 190) if x % 100 else (255, 0, 0), width=1)
        if x % 100 == 0: d.text((x*S+2, 2), str(x), fill=(255, 0, 0))
    for y in range(0, int(h) + 1, 25):
        yy = (h - y) * S
        d.line([(0, yy), (w*S, yy)], fill=(190, 190, 255) if y % 100 else (0, 0, 255), width=1)
        if y % 100 == 0: d.text((2, yy+2), str(y), fill=(0, 0, 255))
    for b in boxes:
        d.rectangle([b[0]*S, (h-b[3])*S, b[2]*S, (h-b[1])*S], outline=(0, 170, 0), width=2)
    return im
def snap(pid, page, r, S=4.0, thr=245):
    pg = doc(pid)[page - 1]; w, h = pg.get_size(); x0, y0, x1, y1 = r
    im = pg.render(scale=S, crop=(x0, y0, w - x1, h - y1)).to_pil().convert('L')
    a = np.asarray(im) < thr; ys, xs = np.nonzero(a)
    if not len(xs): return None
    return [round(x0 + xs.min()/S, 1), round(y1 - (ys.max()+1)/S, 1), round(x0 + (xs.max()+1)/S, 1), round(y1 - ys.min()/S, 1)]
def words(pid, page, c, n=12):
    h = doc(pid)[page - 1].get_size()[1]; x0, y0, x1, y1 = c
    out = subprocess.run(['pdftotext', '-f', str(page), '-l', str(page), '-x', str(int(x0)), '-y', str(int(h - y1)),
        '-W', str(int(x1 - x0 + 1)), '-H', str(int(y1 - y0 + 1)), '-nopgbrk', ROOT + FILES[pid], '-'], capture_output=True, text=True).stdout
    out = re.sub(r'-\n(?=[a-z])', '', out)
    return ' '.join(unicodedata.normalize('NFKC', out).split()[:n])
def caps(pid):
    d = doc(pid); res = []
    for p in range(1, len(d) + 1):
        h = d[p-1].get_size()[1]
        out = subprocess.run(['pdftotext', '-bbox', '-f', str(p), '-l', str(p), ROOT + FILES[pid], '-'], capture_output=True, text=True).stdout
        ws = [(float(a), float(b), float(c), float(e), html.unescape(t)) for a, b, c, e, t in
              re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', out)]
        for i, w in enumerate(ws[:-1]):
            if re.fullmatch(r'(Figure|Fig\.|FIG\.|Scheme|Chart|FIGURE|SCHEME)', w[4]) and re.fullmatch(r'S?\d+[.:|]?', ws[i+1][4]):
                res.append((p, w[4] + ' ' + ws[i+1][4], round(w[0], 1), round(h - w[1], 1), ' '.join(x[4] for x in ws[i:i+8])))
    return res
if __name__ == '__main__':
    cmd, pid = sys.argv[1], sys.argv[2]
    if cmd == 'grid':
        pages = [int(p) for p in sys.argv[3].split(',')]
        ims = [grid(pid, p) for p in pages]
        W = sum(i.width for i in ims); H = max(i.height for i in ims)
        out = Image.new('RGB', (W, H), 'white'); x = 0
        for i in ims: out.paste(i, (x, 0)); x += i.width
        out.save(sys.argv[4])
    elif cmd == 'caps':
        for r in caps(pid): print(*r)
    elif cmd == 'snap':
        print(snap(pid, int(sys.argv[3]), [float(v) for v in sys.argv[4:8]]))
    elif cmd == 'words':
        print(words(pid, int(sys.argv[3]), [float(v) for v in sys.argv[4:8]]))
    elif cmd == 'show':
        vals = [float(v) for v in sys.argv[4:-1]]
        boxes = [vals[i:i+4] for i in range(0, len(vals), 4)]
        grid(pid, int(sys.argv[3]), boxes).save(sys.argv[-1])
def lines(pid, page, y0, y1):
    h = doc(pid)[page - 1].get_size()[1]
    out = subprocess.run(['pdftotext', '-bbox-layout', '-f', str(page), '-l', str(page), ROOT + FILES[pid], '-'], capture_output=True, text=True).stdout
    for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', out, re.S):
        a, b, c, e = map(float, m.groups()[:4]); top, bot = h - b, h - e
        if bot <= y1 and top >= y0:
            t = ' '.join(html.unescape(x) for x in re.findall(r'>([^<]*)</word>', m.group(5)))
            print(f'{a:6.1f} {bot:6.1f} {c:6.1f} {top:6.1f} | {t[:90]}')
if __name__ == '__main__' and sys.argv[1] == 'lines':
    lines(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))
def wordsin(pid, page, box):
    h = doc(pid)[page - 1].get_size()[1]
    out = subprocess.run(['pdftotext', '-bbox', '-f', str(page), '-l', str(page), ROOT + FILES[pid], '-'], capture_output=True, text=True).stdout
    rows = {}
    for a, b, c, e, t in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', out):
        a, b, c, e = map(float, (a, b, c, e)); top, bot = h - b, h - e
        if a >= box[0] and c <= box[2] and bot >= box[1] and top <= box[3]:
            rows.setdefault(round(bot), []).append((a, c, top, html.unescape(t)))
    for y in sorted(rows, reverse=True):
        ws = sorted(rows[y]); print(f'y={y:4d} x={ws[0][0]:6.1f}-{ws[-1][1]:6.1f} top={max(w[2] for w in ws):6.1f} | ' + ' '.join(w[3] for w in ws)[:100])
if __name__ == '__main__' and sys.argv[1] == 'wordsin':
    wordsin(sys.argv[2], int(sys.argv[3]), [float(v) for v in sys.argv[4:8]])
def toprow(pid, page, r, S=4.0, thr=245):
    import numpy as np
    pg = doc(pid)[page - 1]; w, h = pg.get_size(); x0, y0, x1, y1 = r
    a = np.asarray(pg.render(scale=S, crop=(x0, y0, w - x1, h - y1)).to_pil().convert('L')) < thr
    rows = np.nonzero(a.any(1))[0]
    for k in (0, -1):
        rr = rows[k]; xs = np.nonzero(a[rr])[0]
        print('top' if k == 0 else 'bottom', round(y1 - rr / S, 1), 'x', round(x0 + xs.min() / S, 1), round(x0 + xs.max() / S, 1), 'n', len(xs))
    cols = np.nonzero(a.any(0))[0]
    for k in (0, -1):
        cc = cols[k]; ys = np.nonzero(a[:, cc])[0]
        print('left' if k == 0 else 'right', round(x0 + cc / S, 1), 'y', round(y1 - ys.max() / S, 1), round(y1 - ys.min() / S, 1), 'n', len(ys))
if __name__ == '__main__' and sys.argv[1] == 'edges':
    toprow(sys.argv[2], int(sys.argv[3]), [float(v) for v in sys.argv[4:8]])
