"""Pages of one PDF with the kept boxes of gold_f5.json drawn (or boxes given), side by side, to look at."""
import json, sys
sys.path.insert(0, '/work/wt83/eval/pdf/tools')
import fresh2_annotate as f2
from PIL import Image
pid = sys.argv[1]; S = float(sys.argv[2]) if len(sys.argv) > 2 else 0.6
figs = json.load(open('/tmp/f5/gold_f5.json')).get(pid, [])
pages = sorted({f['page'] for f in figs})
ims = [f2.grid(pid, p, [f['region'] for f in figs if f['page'] == p], S=S) for p in pages]
per = 4
for k in range(0, len(ims), per):
    grp = ims[k:k + per]
    sheet = Image.new('RGB', (sum(i.size[0] for i in grp), max(i.size[1] for i in grp)), 'white')
    x = 0
    for im in grp:
        sheet.paste(im, (x, 0)); x += im.size[0]
    sheet.save(f'/tmp/f5/{pid}-sheet{k // per}.png')
    print(f'/tmp/f5/{pid}-sheet{k // per}.png', pages[k:k + per])
