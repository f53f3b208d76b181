"""`diagnose kb show` and `diagnose kb graph` on the minimal knowledge base."""
import pytest

from kb_fixture import invoke, make_kb, shipped_messages


@pytest.fixture
def root(tmp_path, monkeypatch):
    kb = make_kb(tmp_path, files=shipped_messages("messages.yaml"))  # 'accepted values' comes from it
    monkeypatch.chdir(kb)
    return kb


def show(root, item_id):
    return invoke("kb", "show", item_id, "--kb", root)


def test_show_cause(root):
    result = show(root, "chronic_stockout")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "cause chronic_stockout: Listed items are often out of stock",
        "  defined at knowledge/knowledge.yaml:6",
        "  family: performance",
        "  concluded by rules:",
        "    - cancel.stockout (rules/rules.yaml:3)",
        "  remedies:",
        "    - restock_now (immediate): Restock the short items now.",
        "    - daily_stock_check (preventive): Check stock against listings every day.",
        "  sources:",
        "    - src-a: Cancellation rate help page <https://example.com/cancel-rate>"]


def test_show_fact(root):
    assert show(root, "cancel_rate").output.splitlines() == [
        "fact cancel_rate (rate): What is the cancellation rate?",
        "  defined at knowledge/facts.yaml:19",
        "  accepted values: 0%–100% (e.g. 3.1% or 0.031)",
        "  window: 7 days",
        "  tested by rules:",
        "    - threshold.amazon.cancel_rate (knowledge/platforms.yaml:6)"]


def test_show_symptom(root):
    assert show(root, "cancel_rate_high").output.splitlines() == [
        "symptom cancel_rate_high: Cancellation rate over the target",
        "  defined at knowledge/knowledge.yaml:3",
        "  derived by rules:",
        "    - threshold.amazon.cancel_rate (knowledge/platforms.yaml:6)",
        "  tested by rules:",
        "    - cancel.stockout (rules/rules.yaml:3)"]


def test_show_rule(root):
    assert show(root, "cancel.stockout").output.splitlines() == [
        "rule cancel.stockout: Cancellations come from stock-outs",
        "  defined at rules/rules.yaml:3",
        "  when: symptom cancel_rate_high and out_of_stock_often is true",
        "  then: cause chronic_stockout (certainty 0.8)",
        "  platforms: all",
        "  status: stable",
        "  examples: 1 fires, 1 silent, 0 todo",
        "  sources:",
        "    - src-a: Cancellation rate help page <https://example.com/cancel-rate>"]


def test_show_remedy_and_source(root):
    assert show(root, "restock_now").output.splitlines() == [
        "remedy restock_now (immediate): Restock the short items now.",
        "  defined at knowledge/knowledge.yaml:13",
        "  listed by causes:",
        "    - chronic_stockout (knowledge/knowledge.yaml:6)",
        "  sources:",
        "    - src-a: Cancellation rate help page <https://example.com/cancel-rate>"]
    assert show(root, "src-a").output.splitlines() == [
        "source src-a: Cancellation rate help page",
        "  defined at knowledge/knowledge.yaml:22",
        "  kind: official",
        "  address: https://example.com/cancel-rate",
        "  cited by:",
        "    - rule cancel.stockout (rules/rules.yaml:3)",
        "    - rule threshold.amazon.cancel_rate (knowledge/platforms.yaml:6)",
        "    - cause chronic_stockout (knowledge/knowledge.yaml:6)",
        "    - remedy restock_now (knowledge/knowledge.yaml:13)",
        "    - remedy daily_stock_check (knowledge/knowledge.yaml:17)"]


def test_show_unknown_id_is_bad_usage(root):
    result = show(root, "restock_nw")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for ID: no fact, rule, symptom, cause, remedy or source is named 'restock_nw'; "
        "did you mean 'restock_now'?")


def test_show_on_shipped_knowledge_lists_every_kind_an_id_names():
    output = invoke("kb", "show", "handling_time_too_short").output
    assert output.startswith("fact handling_time_too_short (bool): ")
    assert "\n\ncause handling_time_too_short: " in output


MERMAID = [
    "flowchart LR",
    '  f_cancel_rate(["cancel_rate"])',
    '  f_fulfilment(["fulfilment"])',
    '  f_out_of_stock_often(["out_of_stock_often"])',
    '  s_cancel_rate_high{{"cancel_rate_high"}}',
    '  c_chronic_stockout["chronic_stockout"]',
    '  r_daily_stock_check>"daily_stock_check"]',
    '  r_restock_now>"restock_now"]',
    "  f_cancel_rate --> s_cancel_rate_high",
    "  f_fulfilment -. not .-> s_cancel_rate_high",
    "  f_out_of_stock_often --> c_chronic_stockout",
    "  s_cancel_rate_high --> c_chronic_stockout",
    "  c_chronic_stockout --> r_daily_stock_check",
    "  c_chronic_stockout --> r_restock_now",
]


def test_graph_mermaid(root):
    result = invoke("kb", "graph", "--kb", root)
    assert (result.exit_code, result.output.splitlines()) == (0, MERMAID)


def test_graph_dot(root):
    assert invoke("kb", "graph", "--kb", root, "--format", "dot").output.splitlines() == [
        "digraph knowledge {",
        "  rankdir=LR;",
        '  "fact:cancel_rate" [label="cancel_rate", shape=ellipse];',
        '  "fact:fulfilment" [label="fulfilment", shape=ellipse];',
        '  "fact:out_of_stock_often" [label="out_of_stock_often", shape=ellipse];',
        '  "symptom:cancel_rate_high" [label="cancel_rate_high", shape=hexagon];',
        '  "cause:chronic_stockout" [label="chronic_stockout", shape=box];',
        '  "remedy:daily_stock_check" [label="daily_stock_check", shape=note];',
        '  "remedy:restock_now" [label="restock_now", shape=note];',
        '  "fact:cancel_rate" -> "symptom:cancel_rate_high";',
        '  "fact:fulfilment" -> "symptom:cancel_rate_high" [style=dashed, label="not"];',
        '  "fact:out_of_stock_often" -> "cause:chronic_stockout";',
        '  "symptom:cancel_rate_high" -> "cause:chronic_stockout";',
        '  "cause:chronic_stockout" -> "remedy:daily_stock_check";',
        '  "cause:chronic_stockout" -> "remedy:restock_now";',
        "}"]


def test_graph_for_one_cause_leaves_the_others_out(tmp_path, monkeypatch):
    extra = """# yaml-language-server: $schema=schemas/knowledge.schema.json
causes:
  - id: careless_packing
    family: performance
    title: {en: "Careless packing", zh: "包装马虎"}
    explanation: {en: "Items break on the way.", zh: "商品在运输中损坏。"}
    remedies: [restock_now, daily_stock_check]
    sources: [src-a]
"""
    rule = """# yaml-language-server: $schema=../knowledge/schemas/rules.schema.json
rules:
  - id: cancel.packing
    title: {en: "Cancellations from careless packing", zh: "包装导致取消"}
    when: [{symptom: cancel_rate_high}, {not: {fact: out_of_stock_often, is: true}}]
    then: {cause: careless_packing}
    sources: [src-a]
    examples: {fires: [{platform: amazon, cancel_rate: 4%}], silent: [{platform: amazon, cancel_rate: 1%}]}
"""
    root = make_kb(tmp_path, files={"knowledge/more.yaml": extra, "rules/more.yaml": rule})
    whole = invoke("kb", "graph", "--kb", root).output.splitlines()
    assert "  f_out_of_stock_often -. not .-> c_careless_packing" in whole
    assert invoke("kb", "graph", "--kb", root, "--cause", "chronic_stockout").output.splitlines() == MERMAID


def test_graph_unknown_cause_is_bad_usage(root):
    result = invoke("kb", "graph", "--kb", root, "--cause", "chronic_stock")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--cause': unknown cause 'chronic_stock'; did you mean 'chronic_stockout'?")
