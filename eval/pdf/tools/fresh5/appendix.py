"""Appendix figures the gold lacked: fresh_5's IOP pinning paper's A1, B1, C1, C2 (h107) and fresh_3's AGU manuscript's
Figure A1 (found by h107's run, drawn by the lead on stop 30).  Each box was drawn by eye on the page (pdftoppm, the 25-pt grid of ``fresh5_annotate.py show``) and
snapped to the ink (``fresh2_annotate.snap``, grey < 245), then looked at; the captions are pdftotext's words
read on the page ("ﬁ" written "fi" as the gold does; C2's "npξ3": poppler reads IOP's Symbol ξ as "x" and
``pdftotext -bbox`` puts no word gap between n, its subscript p and ξ).

    python eval/pdf/tools/fresh5/appendix.py      adds them to their PDFs' records in gold.json

Only those records change (its figures in write_part's order: page, top down, left to right); the rest of
gold.json is written back as the tools write it (indent 1, UTF-8), so the other parts' lines stay as they are.
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import fresh2_annotate as f2  # noqa: E402

# pdf id -> (page, label, the box drawn by eye before snapping, in PDF points from the page's foot, the first 12
# words of the caption as printed)
DRAWN = {"iop_sust_2018_pinning": [
    (15, "Figure A1", [300, 533, 552, 775], "Figure A1. Phase diagram for a pin doublet located in the plane"),
    (17, "Figure B1", [44, 609, 296, 775], "Figure B1. The vortex configuration near the double-occupation instability."),
    (17, "Figure C1", [300, 491, 552, 775],
     "Figure C1. Field dependence of parameters characterizing trapped vortex line configurations for"),
    (18, "Figure C2", [44, 467, 296, 775],
     "Figure C2. (a) Representative mean-squared displacements of the vortex lines for npξ3"),
], "agu_jgr_manuscript_2019": [
    # page 19: panels (a), (b) and (c) over the caption; the running head and page number are outside
    (19, "Figure A1", [90, 277, 490, 657],
     "Figure A1. Comparison of the highly correlated lower band whistler mode chorus"),
]}


def main() -> None:
    gold_path = f2.ROOT / "eval/pdf/gold.json"
    gold = json.loads(gold_path.read_text())
    for pid, drawn_figures in DRAWN.items():
        record = next(r for r in gold["pdfs"] if r["id"] == pid)
        figures = [f for f in record["figures"] if f["label"] not in {label for _, label, _, _ in drawn_figures}]
        for page, label, drawn, caption12 in drawn_figures:
            box = [round(float(v), 1) for v in f2.snap(pid, page, drawn)]
            assert 0 < len(caption12.split()) <= 12, caption12
            figures.append({"label": label, "page": page, "caption12": caption12, "region": box})
            print(pid, page, label, box, "|", caption12)
        record["figures"] = sorted(figures, key=lambda f: (f["page"], -f["region"][3], f["region"][0]))
    gold_path.write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
