"""Caption splitting on the real captions where the development set found it failing (#15).

The captions are read from the development set (eval/devset/separation_dev.json and
captions_dev.json) by id,
not copied here.  fresh-2026-12 has been development data since its first look (see
eval/devset/README.md), so tests may use it; newer fresh sets are never read by tests.
"""

from __future__ import annotations

import json

import pytest

from figdex.ingest.captions import split_caption
from tests.conftest import REPO

GOLD = json.loads((REPO / "eval" / "devset" / "separation_dev.json").read_text(encoding="utf-8"))
SPLIT_GOLD = json.loads((REPO / "eval" / "devset" / "captions_dev.json").read_text(encoding="utf-8"))
CAPTIONS = {f["id"]: f["caption"] for f in GOLD["figures"] + SPLIT_GOLD["captions"]
            if f.get("caption") and f.get("set") in (None, *GOLD.get("development_sets", []))}


def own(fig_id: str) -> dict[str, str]:
    split = split_caption(CAPTIONS[fig_id])
    return {s.label: s.text for s in split.subcaptions}


def test_markdown_entries_a_dot_title_open_their_panel():
    # "… screening. a. Strategy for … sites. b. Validation of …": each "x." opens the text after it.
    p = own("10.1101/2024.07.25.605204#Figure 1")
    assert sorted(p) == list("abcde")
    assert p["a"].startswith("Strategy for genomic integration") and "attB" in p["a"]
    assert p["b"].startswith("Validation of Cas9 activity") and "Strategy" not in p["b"]
    assert p["d"].startswith("Correlated change") and "r refers to Pearson" in p["d"]


def test_a_symbol_opening_a_sentence_is_not_a_label():
    # "r refers to Pearson correlation coefficient." after panels a-i: not a panel r.
    p = own("10.1101/2024.07.25.605204#Figure 2")
    assert sorted(p) == list("abcdefghi")
    assert "r refers to Pearson" in p["i"]


def test_a_dot_label_before_a_lower_case_word():
    # "c. mRNA level changes …" opens panel c although the word after the label is not capitalised.
    p = own("10.1101/2024.07.25.605204#Figure 5")
    assert sorted(p) == list("abcdefg")
    assert p["c"].startswith("mRNA level changes") and "mRNA level changes" not in p["b"]


def test_labels_with_a_full_stop_inside_the_brackets():
    p = own("10.1101/2022.07.01.498486#Figure 5")
    assert sorted(p) == ["a", "b", "c"]
    assert p["a"].startswith("yPC response") and p["b"].startswith("aPC response")


def test_numbered_features_and_names_in_brackets_are_not_labels():
    # "query domain (1) and subject (2)", "(Set 1)", "(Set 2)": no digit panels.
    split = split_caption(CAPTIONS["ElofssonLab/evolutionary_rates#Figure 3"])
    assert [s.label for s in split.subcaptions] == ["0"]


def test_a_closing_bracket_label_ends_the_sentence_before_it():
    # "… colored in red. b) Cross-section …": the sentence before "b)" is still panel a's.
    p = own("3d-pli/fastpli#Figure 1")
    assert "Individual colliding segments" in p["a"] and "Individual colliding" not in p["b"]


def test_panel_word_before_a_bracketed_label_is_part_of_the_mention():
    p = own("mshumko/asilib#Figure 1")
    assert sorted(p) == ["a", "b", "c"]
    assert p["a"].startswith("shows the conjunction finder") and "Panel" not in " ".join(p.values())
    assert "Keogramist" in p["c"] and "Keogramist" not in p["b"]


def test_a_sentence_opened_by_however_is_not_a_legend_abbreviation():
    # "However, the shifts …" after the last panel continues panel C; "U, urethra" would be shared.
    split = split_caption(CAPTIONS["10.1073/pnas.1806133115#Figure 7"])
    p = {s.label: s.text for s in split.subcaptions}
    assert "However" in p["c"] and "However" not in split.shared and "However" not in p["a"]


def test_numbered_curves_after_letter_panels_are_not_panels():
    # "spectra (a) and sizes … (b) … nanoparticles: 1) 50 °C; 2) 100 °C; … 7) 240 °C, 60 min."
    split = split_caption(CAPTIONS["10.1007/s11237-016-9437-y#Fig. 2"])
    assert split.scheme == "alpha" and [s.label for s in split.subcaptions] == ["a", "b"]


def test_the_letter_case_that_opens_sentences_names_the_panels():
    # "(A) IHC staining … in normal prostate (NP) (a and b), hyperplastic prostate (HP) (c and d) …
    # (B) Comparison … (C) Comparison …": A-C are the panels, a-h images inside A.
    split = split_caption(CAPTIONS["pone.0027970#Figure 2"])
    assert split.scheme == "ALPHA" and [s.label for s in split.subcaptions] == ["a", "b", "c"]


@pytest.mark.parametrize("fig_id", ["10.1101/2024.07.25.605204#Figure 1", "10.1101/2022.07.01.498486#Figure 5"])
def test_split_is_deterministic(fig_id):
    assert split_caption(CAPTIONS[fig_id]) == split_caption(CAPTIONS[fig_id])
