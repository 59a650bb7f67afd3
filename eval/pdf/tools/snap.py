"""Hand annotation helpers: snap a rough box (drawn by eye on the grid) to the ink inside it, and
read the caption's first words with poppler's pdftotext inside a rough caption box."""
import json, subprocess, sys, re, unicodedata
import numpy as np
import pypdfium2 as pdfium
man = {r['id']: r for r in json.load(open('/work/wt19p/eval/pdf/manifest.json'))}
S = 3.0
def snap(pid, page, rough):
    doc = pdfium.PdfDocument('/work/wt19p/' + man[pid]['file'])
    pg = doc[page - 1]; w, h = pg.get_size()
    x0, y0, x1, y1 = rough
    im = pg.render(scale=S, crop=(x0, y0, w - x1, h - y1)).to_pil().convert('L')
    a = np.asarray(im) < 248
    ys, xs = np.nonzero(a)
    if not len(xs): return None
    bx0 = x0 + xs.min() / S; bx1 = x0 + (xs.max() + 1) / S
    by1 = y1 - ys.min() / S; by0 = y1 - (ys.max() + 1) / S
    return [round(bx0, 1), round(by0, 1), round(bx1, 1), round(by1, 1)]
def caption_top(pid, page, label):
    """Top (PDF y) and x-range of the caption's first line, from poppler's word boxes (pdftotext -bbox)."""
    import html
    doc = pdfium.PdfDocument('/work/wt19p/' + man[pid]['file'])
    h = doc[page - 1].get_size()[1]
    out = subprocess.run(['pdftotext', '-bbox', '-f', str(page), '-l', str(page), man[pid]['file'], '-'],
                         capture_output=True, text=True, cwd='/work/wt19p').stdout
    words = [(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in
             re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', out)]
    first, num = label.split()[0], label.split()[-1]
    found = []
    for i, w in enumerate(words[:-1]):
        nxt = words[i + 1]
        if w[4].rstrip('.').upper() == first.rstrip('.').upper() and nxt[4].rstrip('.:|').upper() == num.upper():
            found.append((h - w[1], w[0]))
    return found
def caption_words(pid, page, cap, n=12):
    doc = pdfium.PdfDocument('/work/wt19p/' + man[pid]['file'])
    h = doc[page - 1].get_size()[1]
    x0, y0, x1, y1 = cap
    out = subprocess.run(['pdftotext', '-f', str(page), '-l', str(page), '-x', str(int(x0)), '-y', str(int(h - y1)),
                          '-W', str(int(x1 - x0)), '-H', str(int(y1 - y0)), '-nopgbrk', man[pid]['file'], '-'],
                         capture_output=True, text=True, cwd='/work/wt19p').stdout
    out = re.sub(r'-\n(?=[a-z])', '', out)
    return ' '.join(unicodedata.normalize('NFKC', out).split()[:n])
if __name__ == '__main__':
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    out = []
    for r in rows:
        r['region'] = snap(r['id'], r['page'], r['rough'])
        r['caption12'] = caption_words(r['id'], r['page'], r['cap']) if r.get('cap') else r.get('caption12', '')
        out.append(r)
        print(r['id'], r['page'], r['label'], r['region'], '|', r['caption12'])
    json.dump(out, open(sys.argv[2], 'w'), indent=0)
