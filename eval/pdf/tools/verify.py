import json, sys
from grid import render
from PIL import Image
rows = json.load(open(sys.argv[1]))
sel = [r for r in rows if r['id'] == sys.argv[2] and r['page'] == int(sys.argv[3])]
im = render(sys.argv[2], int(sys.argv[3]), [r['region'] for r in sel] + [r['rough'] for r in sel if len(sys.argv) > 5])
if len(sys.argv) > 4 and sys.argv[4] != '-':
    x0, y0, x1, y1 = map(float, sys.argv[4].split(','))
    h = im.height / 1.25
    im = im.crop((int(x0 * 1.25), int((h - y1) * 1.25), int(x1 * 1.25), int((h - y0) * 1.25)))
im.save('v.png')
