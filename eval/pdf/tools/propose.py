"""Proposals for hand annotation: the parser's boxes grown by 4 pt then snapped to ink (snap.py), and the
caption's first 12 words as poppler's pdftotext reads the page (an independent reader).  Every proposal is
checked by eye on the rendered page (verify.py) and corrected by hand where wrong."""
import json, re, subprocess, sys, unicodedata
sys.path.insert(0, '/tmp/gold19')
from snap import snap, man
from figdex.ingest.sources.pdf import analyse_pdf
def pdftotext_caption(pid, page, label):
    txt = subprocess.run(['pdftotext', '-f', str(page), '-l', str(page), man[pid]['file'], '-'],
                         capture_output=True, text=True, cwd='/work/wt19p').stdout
    txt = unicodedata.normalize('NFKC', re.sub(r'-\n(?=[a-z])', '', txt))
    num = re.escape(label.split()[-1])
    word = re.escape(label.split()[0])
    m = re.search(r'(?m)^\s*' + word + r'\s*' + num + r'\b', txt)
    if not m: return None
    return ' '.join(txt[m.start():].split()[:12])
out = []
for pid in (sys.argv[1:] if __name__ == '__main__' else []):
    r = analyse_pdf('/work/wt19p/' + man[pid]['file'], render=False)
    for f in r.figures:
        rough = [f.region[0] - 4, f.region[1] - 4, f.region[2] + 4, f.region[3] + 4] if f.region else None
        reg = snap(pid, f.page, rough) if rough else None
        pt = pdftotext_caption(pid, f.page, f.label)
        mine = ' '.join(unicodedata.normalize('NFKC', f.caption).split()[:12])
        out.append(dict(id=pid, page=f.page, label=f.label, rough=rough, region=reg, caption12=pt, parser12=mine))
        flag = '' if pt == mine else '  <<< CAPTION DIFFERS'
        print(pid, f.page, f.label, reg, '|', pt, flag)
        if flag: print('      parser:', mine)
if __name__ == '__main__':
    json.dump(out, open('/tmp/gold19/prop_' + sys.argv[1] + '.json', 'w'), indent=0)
