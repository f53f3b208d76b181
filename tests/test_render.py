"""diagnose.render on its own: the table, Markdown and JSON of a diagnosis made by hand."""
import json

import msgspec
import pytest

from diagnose import render
from diagnose.engine import Firing
from diagnose.facts import SellerFacts
from diagnose.knowledge import Message, Where
from diagnose.ranking import rank

FIRINGS = [Firing("threshold.amazon.cancel_rate", (("cancel_rate", 0.04), ("platform", "amazon")), ()),
           Firing("cancel.stockout", (("out_of_stock_often", True),), ("cancel_rate_high",))]
SELLER = SellerFacts({"platform": "amazon", "cancel_rate": 0.04, "out_of_stock_often": True, "fulfilment": "seller"})


@pytest.fixture(scope="module")
def diagnosis(minimal_kb):
    return rank(minimal_kb, SELLER, FIRINGS)


@pytest.mark.parametrize("certainty,shown", [(0.8, "80%"), (0.795, "80%"), (0.2, "20%"), (1.0, "100%")])
def test_percent(certainty, shown):
    assert render.percent(certainty) == shown


def test_json_holds_the_causes_metrics_and_sources(minimal_kb, diagnosis):
    data = json.loads(render.to_json(diagnosis, minimal_kb))
    assert (data["platform"], data["language"], data["knowledge_version"]) == ("amazon", "en", minimal_kb.version)
    assert [(c["id"], c["rank"], c["certainty"]) for c in data["causes"]] == [("chronic_stockout", 1, 0.8)]
    assert data["metrics"][0]["must_be"] == "below" and data["metrics"][0]["status"] == "missed"
    assert render.to_json(diagnosis, minimal_kb) == render.to_json(diagnosis, minimal_kb)


def test_the_table_shows_causes_remedies_and_metrics(minimal_kb, diagnosis):
    table = render.to_table(diagnosis, minimal_kb)
    assert "Listed items are often out of" in table and "80%" in table
    assert "Now: Restock the short items now." in table
    assert [line.split() for line in table.splitlines() if line.startswith("cancel_rate")] == [
        ["cancel_rate", "4%", "below", "2.5%", "7", "days", "missed"]]
    assert "Why:" not in table and "Why:" in render.to_table(diagnosis, minimal_kb, explain=True)


def test_the_operator_words_come_from_the_knowledge(minimal_kb, diagnosis):
    assert "| below 2.5% |" in render.to_markdown(diagnosis, minimal_kb, "zh")  # no words given: the name
    kb = msgspec.structs.replace(minimal_kb)
    kb.messages = {"operator.below": Message("operator.below", {"en": "under", "zh": "小于"}, Where("x.yaml", 1, 1))}
    assert "| under 2.5% |" in render.to_markdown(diagnosis, kb, "en")
    assert "| 小于 2.5% |" in render.to_markdown(diagnosis, kb, "zh")


def test_markdown_in_chinese_uses_the_chinese_texts(minimal_kb, diagnosis):
    markdown = render.to_markdown(diagnosis, minimal_kb, "zh")
    assert markdown.startswith("# 诊断: 亚马逊\n")
    assert "## 1. 在售商品经常断货 — 80%" in markdown
    assert "- 立即为缺货商品补货。 (src-a)" in markdown


def test_no_cause_says_so(minimal_kb):
    empty = rank(minimal_kb, SELLER, [])
    assert render.labels("en")["no_causes"] in render.to_table(empty, minimal_kb)
    assert json.loads(render.to_json(empty, minimal_kb))["causes"] == []
