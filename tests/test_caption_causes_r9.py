"""Caption splitting: one test per cause of failure found on the looked-at caption sets (#15, ninth round).

The captions are real ones (most shortened) of the looked-at sets (fresh-2026-12g above all, fresh-2026-12 to
fresh-2026-12f, the folds); a few are variants of a real one written the way other Chinese theses and geology papers
write the same construction (said so at the test).  Each test names the construction, not one caption.
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
    assert p["b"].endswith("扩散前(优化后)") and "扩散后" not in p["b"].split("结构")[1]
    assert p["d"].endswith("扩散后(优化后)") and "扩散前" not in p["d"].split("结构")[1]


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


def test_a_trailing_sentence_naming_panels_by_bare_capitals_is_shared():
    # markovmodel/graphtime Fig. 3 (fresh-2026-12f) and 10.1130/b35178.1 Fig. 5: "Confidence intervals in A and B
    # are computed …", "The hammer used for scale in A has …" after the last panel are notes on the whole figure.
    p = full("Comparison of dMRF and MSM. A) Molecular structure render of the WLALL peptide. B) 95% confidence "
             "intervals of MSM implied time-scales. C) Global state distribution computed according to dMRF and MSMs. "
             "Confidence intervals in A and B are computed using bootstrap with replacement. Markov states shown in C "
             "are those observed in all 24 trajectories; dMRF state probabilities are renormalized to this set.")
    assert all("bootstrap with replacement" in p[k] and "24 trajectories" in p[k] for k in "abc")
    p = full("Photos of key lithofacies. (A) Reduction spots within the Amota Formation. (B) Mud cracks within the "
             "Amota Formation. The hammer used for scale in A has a length of 33 cm. The pen used for scale in B has "
             "a width of 1 cm.")
    assert "hammer" in p["a"] and "hammer" in p["b"] and "pen used" in p["a"]


def test_a_trailing_sentence_with_a_bracketed_label_or_a_b_cell_stays_with_the_last_panel():
    # 10.26434/chemrxiv-2022-6x1v6 Fig. 6 (held-out folds): "The K mapping (panel f) indicates …" is panel f's.
    p = full("a–d) Top-down SEM characterization of the Ni foam catalyst. e–f) Cross-sectional SEM and 2D-EXD "
             "analysis of the Ni foam. The K mapping (panel f) indicates wetting of the Ni foam catalyst.")
    assert "K mapping" in p["f"] and "K mapping" not in p["a"]
    p = full("Immune infiltrates. (A) Staining of tumours. (B) Counts of infiltrating cells. Numbers of CD19+ cells "
             "in B cells were low in every tumour.")
    assert "CD19+" in p["b"] and "CD19+" not in p["a"]


def test_words_before_a_label_that_opens_a_capitalised_text_end_the_running_panel():
    # kensugino/neuroseqpaper Fig. 4: "(top to bottom) (C) DMs for …" lost its full stop; PRI2011-173541 Fig. 3
    # (held-out folds): "(Hematoxylin & eosin, original magnification *200.) (c) Scattered …" ends panel b.
    p = full("DEF and FCR capture aspects of diversity (A) Highly variable genes. (B) Expression profiles of example "
             "genes. Red line indicates 0; full vertical scale is 6,6,8,9 tpm (top to bottom) (C) DMs for example "
             "genes, calculated as shown in Figure 3.")
    assert "full vertical scale" in p["b"] and "Red line" in p["b"]
    assert "full vertical scale" not in p["c"] and "DMs for example genes" in p["c"]
    p = full("Image Plate I. (a) Gross image of the mass. (b) Cellular area of the tumor. (Hematoxylin & eosin, "
             "original magnification *200.) (c) Scattered lipoblasts. (Hematoxylin & eosin, original magnification "
             "*400.)")
    assert "*200" in p["b"] and "*200" not in p["c"] and "*400" in p["c"]


def test_a_label_before_its_first_word_still_names_a_phrase_in_a_running_sentence():
    # The first label of a caption keeps the words before it (a title without its full stop): only a panel's
    # running text hands its unfinished sentence back.
    p = full("Maps of the river basin (A) Rainfall in 2010. (B) Rainfall in 2011.")
    assert p["a"].startswith("Maps of the river basin") and p["b"].startswith("Maps of the river basin")


def test_a_lower_case_abbreviation_key_after_the_last_panel_is_shared():
    # 10.1029/2021gc009909 Fig. 2: "… site AX4. an-plagioclase with ~70% anorthite; ilm-ilmenite; …" is the key of
    # every panel's minerals, a sentence of its own although it opens in lower case.
    p = full("Field photographs of the Beaver River diabase. (A) Centimeter-sized plagioclase megacrysts in the diabase. "
             "(B) BSE image of micron-sized Fe-Ti oxides in anorthosite xenolith site AX4. an-plagioclase with "
             "$\\sim$70% anorthite; ilm-ilmenite; mag-magnetite; px-pyroxene.")
    assert "ilm-ilmenite" in p["a"] and "ilm-ilmenite" in p["b"]
    # A lower-case word with a hyphen inside a panel's sentence is no key: "(A) … in vivo. x-ray dose …" stays whole.
    p = full("Doses. (A) Mice imaged in vivo. (B) Survival after irradiation. Survival fell with dose.")
    assert "Survival fell" in p["b"] and "Survival fell" not in p["a"]


def test_a_trailing_sentence_on_what_the_authors_did_is_shared():
    # greenelab/phenoplier_manuscript Supp. Figs. S8, S10, S12 (fresh-2026-12b): methods after the last panel ("…, but
    # we conducted two selections …", "… we overlapped the candidates …") describe the study, not panel B.
    p = full("Illumina library generation. A. Construct for generating Illumina libraries. B. Final Illumina library "
             "from HS DNA showed a single peak. The CRISPR screening process was performed once, but we conducted two "
             "selections with a control of no selection. In order to mitigate false positives, we overlapped the "
             "candidates from multiple pairwise differential analyses.")
    assert "we conducted two selections" in p["a"] and "we overlapped" in p["a"]
    # "we see", "we show" point at what the last panel shows.
    p = full("Dot tuning. (a) SEM image of the gates. (b) Measured current. Here we see the charge transitions.")
    assert "charge transitions" in p["b"] and "charge transitions" not in p["a"]


def test_a_trailing_statement_of_model_parameters_is_shared():
    # 10.1101/2022.07.01.498486 Figs. 1 and 5 (fresh-2026-12): "Parameters for the yPC and aPC are the same as in
    # Fig. 1." after the last panel sets up every panel's simulation.
    p = full("LFP-induced firing in model PCs. (A.) yPC response. (B.) aPC response. Parameters for the yPC and aPC are "
             "the same as in Fig. 1.")
    assert "Parameters for the yPC" in p["a"] and "Parameters for the yPC" in p["b"]


def test_labels_coordinated_by_or_each_open_their_phrase():
    # pythoninchemistry/chem_data_analysis_jupyter Fig. 1 (fresh-2026-12): "mention (a) data analysis or (b) python"
    # lists two objects of "mention"; "Au (a) and Ag (b) particles" still names the phrases before the labels.
    p = full("The percentage of chemistry publication that mention (a) data analysis or (b) python. Determined from "
             "Google Scholar search results.")
    assert "publication that mention data analysis" in p["a"] and "python" not in p["a"]
    assert "publication that mention python" in p["b"] and "data analysis" not in p["b"]
    assert "Google Scholar" in p["a"] and "Google Scholar" in p["b"]
    p = full("TEM images of Au (a) and Ag (b) particles.")
    assert "Au" in p["a"] and "Ag" not in p["a"] and "Ag" in p["b"]


def test_chinese_captions_with_full_width_brackets_stops_and_a_scale_note():
    # Variants of feiyuxiaoThu/thuthesis Fig. 3.4 (fresh-2026-12g) as Chinese theses also write them: full-width
    # brackets "（a）", "a)" after a full-width colon, labels before numbers ("（a）500℃"), a scale note after "。".
    for caption in ("不同角度的粘接强度测试结果：（a）正极；（b）负极", "不同角度的粘接强度测试结果：a)正极；b)负极"):
        p = full(caption)
        assert set(p) == {"a", "b"}
        assert p["a"].endswith("正极") and "负极" not in p["a"] and p["b"].endswith("负极") and "正极" not in p["b"]
        assert "粘接强度" in p["a"] and "粘接强度" in p["b"]
    p = full("样品的SEM图像（a）500℃ （b）600℃。比例尺为1μm。")
    assert "500℃" in p["a"] and "600℃" not in p["a"] and "600℃" in p["b"] and "500℃" not in p["b"]
    assert "比例尺" in p["a"] and "比例尺" in p["b"] and "SEM图像" in p["b"]


def test_a_trailing_sentence_on_the_models_speaks_of_every_panel():
    # 10.1029/2021gc009909 Fig. 9: after (D), "These models show that anorthosite xenoliths were heated up …"
    # concludes on all four thermal models.
    p = full("Thermal history model of the Beaver River diabase. (A) Schematic diagram for the thermal model. (B) Specific "
             "model for anorthosite AX16. These models show that anorthosite xenoliths were heated up to the diabase "
             "melt temperature after the emplacement, regardless of size.")
    assert "These models show" in p["a"] and "These models show" in p["b"]


def test_the_chinese_word_for_figure_before_a_bracketed_label_is_part_of_the_label():
    # As "图a，" in Cai2003Chenyi/ustcthesis Fig. 2.1 (fresh-2026-12g): "图(a)为SEM图像" ("figure (a) is the SEM image").
    p = full("不同温度下样品的形貌。图(a)为SEM图像，图(b)为TEM图像。")
    assert set(p) == {"a", "b"}
    assert "SEM图像" in p["a"] and "TEM" not in p["a"] and "TEM图像" in p["b"] and "SEM" not in p["b"]
    assert "图(b)" not in p["a"] and "形貌" in p["b"]


def test_chinese_label_lists_and_ranges_join_into_one_mention():
    # Chinese captions join labels with "、" and "和" ("and") and give ranges with "至" ("to") or "~".
    p = full("样品的形貌：(a)、(b) 500℃；(c)至(e) 600℃")
    assert set(p) == {"a", "b", "c", "d", "e"}
    assert "500℃" in p["b"] and "600℃" not in p["b"] and "600℃" in p["d"] and "500℃" not in p["d"]


def test_a_geology_abbreviation_key_with_dashes_after_the_last_panel_is_shared():
    # The key of 10.1029/2021gc009909 Fig. 2 written GSA's way, with capitals and em dashes.
    p = full("Thin sections of the granite. (A) Quartz vein. (B) Mylonite. Qz—quartz; Pl—plagioclase; Bt—biotite.")
    assert "Pl—plagioclase" in p["a"] and "Pl—plagioclase" in p["b"]


def test_a_trailing_sentence_with_images_as_bare_plural_subject_is_shared():
    # AndrewGYork/mScarlet_lifetime_reports_pH Fig. 3: "Images are lifetime-intensity overlays." after (C) is on every
    # panel's images.
    p = full("Individual lysosomes’ response to BafA. (A) Frames during treatment with 0.1% DMSO. (B) Frames during "
             "treatment with 100 nM BafA. (C) Histograms quantifying pHlys of individual lysosomes. Images are "
             "lifetime-intensity overlays.")
    assert all("lifetime-intensity overlays" in p[k] for k in "abc")


def test_a_sentence_after_a_list_of_panels_repeating_several_of_them_is_shared():
    # AndrewGYork/mScarlet_lifetime_reports_pH Fig. 3: "… treatment with (A) 0.1% DMSO or (B) 100 nM BafA in U2OS
    # cells. DMSO or BafA was added at time 0. (C) Histograms …": the sentence speaks of both listed panels.
    p = full("Response to BafA over time. Frames of a time series during treatment with (A) 0.1% DMSO or (B) 100 nM "
             "BafA in individual U2OS cells. DMSO or BafA was added at time 0. (C) Histograms quantifying pHlys of "
             "individual lysosomes.")
    assert "added at time 0" in p["a"] and "added at time 0" in p["b"]
    assert "Histograms" in p["c"] and "Histograms" not in p["b"]


def test_a_sentence_after_a_figure_note_that_shares_no_word_with_the_last_panel_is_shared_too():
    # 10.1029/2021gc009909 Fig. 9: "These models show … regardless of size. The time elapsed … is on the scale of a
    # thousand years." after (D): the second sentence goes on with the note, not with panel D's own words.
    p = full("Thermal history model of the Beaver River diabase. (A) Schematic diagram for the thermal model. (B) Thermal "
             "history model considering an anorthosite xenolith 100 meter in diameter residing in a diabase sill. These "
             "models show that anorthosite xenoliths were heated up to the diabase melt temperature. The time elapsed "
             "between at magnetite blocking temperatures during cooling is on the scale of a thousand years.")
    assert "thousand years" in p["a"] and "thousand years" in p["b"]
    # A sentence after the note that takes up the last panel's words stays with it.
    p = full("Dot tuning. (a) SEM image of the gates. (b) Measured current through the charge sensor. Scale bars, 1 µm. "
             "The charge sensor current drops at each transition.")
    assert "drops at each transition" in p["b"] and "drops at each transition" not in p["a"]


def test_a_sentence_saying_what_the_data_is_stays_with_the_last_panel():
    # johann997/QDEV_masters_thesis Fig. 6: "(c) 2D scan … The data is the differentiated current through the charge
    # sensor." defines what panel c plots; "The data are mean ± SD" stays a note on the whole figure.
    p = full("Charge sensing. (a) SEM image of the gates. (b) Measured current. (c) 2D scan shows how the occupation "
             "changes as a function of VP and VD. The data is the differentiated current through the charge sensor.")
    assert "differentiated current" in p["c"] and "differentiated current" not in p["a"]
    p = full("Growth. (a) Tumour volume. (b) Tumour weight. The data are mean ± SD of three mice.")
    assert "mean ± SD" in p["a"]
