"""Caption splitting: one test per cause of failure found on the looked-at caption sets (#15, ninth round).

The captions are real ones (some shortened) of fresh-2026-12g, looked at once and development data since; each test
names the construction, not one caption.
"""

from __future__ import annotations

from tests.caption_cases import full


def test_a_label_glued_to_chinese_text_opens_that_text():
    # feiyuxiaoThu/thuthesis Fig. 3.2: no space between "(a)" and its words, the title ends in a full-width colon.
    p = full("样品断裂面的电镜照片：(a)活性物质侧 (b)金属箔侧")
    assert set(p) == {"a", "b"}
    assert p["a"].endswith("活性物质侧") and "金属箔侧" not in p["a"]
    assert p["b"].endswith("金属箔侧") and "活性物质侧" not in p["b"]
    assert p["a"].startswith("样品断裂面的电镜照片") and p["b"].startswith("样品断裂面的电镜照片")


def test_chinese_labels_after_brackets_in_the_text_keep_their_own_words():
    # feiyuxiaoThu/thuthesis Fig. 4.5: the panels' words hold brackets themselves ("扩散前(未优化)").
    p = full("$LiFePO_4$晶体B方向锂离子扩散前后结构：(a)扩散前(未优化) (b)扩散前(优化后) (c)扩散后(未优化) (d)扩散后(优化后)")
    assert set(p) == {"a", "b", "c", "d"}
    assert p["b"].endswith("扩散前(优化后)") and "扩散后" not in p["b"].split("：")[1]
    assert p["d"].endswith("扩散后(优化后)") and "扩散前" not in p["d"].split("：")[1]


def test_a_chinese_figure_word_with_a_letter_names_a_panel():
    # Cai2003Chenyi/ustcthesis Fig. 2.1: "图a，" ("figure a,") opens panel a; "图3" would be a figure, not a panel.
    p = full("瞬态吸收光谱信号$\\Delta A$。图a，信号来源示意图。图b，代表性TA光谱模拟。")
    assert set(p) == {"a", "b"}
    assert "信号来源示意图" in p["a"] and "代表性" not in p["a"]
    assert "代表性TA光谱模拟" in p["b"] and "信号来源" not in p["b"]
    assert set(full("如图3所示，样品的形貌。")) == {"0"}


def test_the_last_letter_of_initials_is_no_panel_label():
    # AndrewGYork/mScarlet_lifetime_reports_pH Fig. 1: "mean ± S.D. over n=15 cells" cut panel B's text at "D."
    p = full("mScarlet lifetime reports pH. (A) Lifetime changes in purified mScarlet. (B) Lifetime changes in U2OS "
             "cells. Error bars indicate mean ± S.D. over n=15 cells per pH. Solid line indicates fit to a model. "
             "(C) Violin plots of the data from (B). (D) Lifetime-intensity overlay images of U2OS.")
    assert set(p) == {"a", "b", "c", "d"}
    assert "over n=15 cells per pH" in p["b"] and "Solid line" in p["b"]
    assert "n=15" not in p["d"]


def test_a_full_stop_inside_closing_quotes_ends_the_sentence():
    # 10.1130/b35178.1 Fig. 9: "… to be via `unbuffered fluids.' (B) Histogram …" gave A's last sentences to B.
    p = full("(A) Loadings plot from a principal components analysis. The analysis reveals two alteration pathways, "
             "which we interpret to be via `unbuffered (with respect to carbonate) fluids.' (B) Histogram of "
             "loadings on the first two principal components.")
    assert "The analysis reveals two alteration pathways" in p["a"]
    assert "analysis reveals" not in p["b"]
