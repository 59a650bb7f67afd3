"""Austrobaileya helper: snap each caption's proposed box between the caption and the running head (629 pt); the holotype sheets were then re-snapped page-wide (x 35-455), see the README."""
import sys, json, subprocess
sys.path.insert(0, __file__.rsplit('/', 2)[0])
import fresh2_annotate as f2
P='austrobaileya_2016_solanum'
rows=[l.split('|')[0].split() for l in open('/tmp/f6/aauto.txt') if l.strip()]
out={}
for r in rows:
    page=int(r[0]); label=r[1]+' '+r[2].rstrip('.'); capy=float(r[4])
    box=[float(v.strip('[],')) for v in r[5:9]]
    b=[box[0]-8, capy+9.5, box[2]+8, 629.0]
    s=f2.snap(P,page,b)
    out[label]=(page,[float(v) for v in s])
    print(page,label,capy,b,[float(v) for v in s])
json.dump(out,open('/tmp/f6/asnap.json','w'))
