"""python c12.py PID PAGE "Figure N:" : pdftotext -raw of the page from the label on, and its first 12 words (a reading aid; checked on the page)."""
import sys, subprocess, re
pdf, page, start = sys.argv[1], sys.argv[2], sys.argv[3]
t = subprocess.run(["pdftotext", "-raw", "-f", page, "-l", page, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "restored" / f"{pdf}.pdf"), "-"], capture_output=True, text=True).stdout
i = t.find(start)
seg = t[i:i+400]
print(repr(seg[:250]))
print(" ".join(seg.split()[:12]))
