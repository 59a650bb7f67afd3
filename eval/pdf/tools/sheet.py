"""One image per PDF for checking proposals by eye: each page that pdftotext finds a caption on, with the
proposed regions (green) and a 25-pt grid (labels every 100 pt, origin bottom-left)."""
import json, re, subprocess, sys
sys.path.insert(0, '/tmp/gold19')
from grid import render, man
from PIL import Image, ImageDraw
pid = sys.argv[1]
props = json.load(open(f'/tmp/gold19/prop_{pid}.json'))
f = man[pid]['file']
n = int(re.search(r'Pages:\s+(\d+)', subprocess.run(['pdfinfo', f], capture_output=True, text=True, cwd='/work/wt19p').stdout).group(1))
pat = re.compile(r'(?m)^\s*(Fig(?:ure)?\.?|FIG(?:URE)?\.?|Scheme|SCHEME)\s*S?\d+')
pages = []
for p in range(1, n + 1):
    t = subprocess.run(['pdftotext', '-f', str(p), '-l', str(p), f, '-'], capture_output=True, text=True, cwd='/work/wt19p').stdout
    if pat.search(t) or any(r['page'] == p for r in props):
        pages.append(p)
pages = [int(x) for x in sys.argv[2].split(',')] if len(sys.argv) > 2 else pages
ims = []
for p in pages:
    im = render(pid, p, [r['region'] for r in props if r['page'] == p and r['region']])
    ImageDraw.Draw(im).text((im.width - 60, 5), f'p{p}', fill=(0, 0, 0))
    ims.append(im)
for k in range(0, len(ims), 2):
    pair = ims[k:k + 2]
    out = Image.new('RGB', (sum(i.width for i in pair), max(i.height for i in pair)), 'white'); x = 0
    for i in pair: out.paste(i, (x, 0)); x += i.width
    out.save(f'/tmp/gold19/sheet_{pid}_{k // 2}.png')
print(pid, 'pages', pages, 'sheets', (len(ims) + 1) // 2)
