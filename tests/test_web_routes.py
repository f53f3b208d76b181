"""Every page and action of `diagnose serve`, through Flask's test client, on the shipped knowledge."""
import re
import datetime as dt

import yaml
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from diagnose.cli import cli
from web_client import saved, visible

STOCKOUT = {"notice_reason": "cancel_rate", "fulfilment": "seller", "out_of_stock_often": "yes",
            "orders_7d": "412", "cancelled_orders_7d": "19"}
LETTER_FACTS = {"store_name": "Maple Goods", "seller_id": "A1B2C3", "suspension_date": "2026-11-02",
                "supplier_name": "Acme Supply Co.", "order_ids": "111-1, 111-2", "seller_name": "Ann Lee, owner"}


def start(client, name="shop", platform="amazon"):
    client.post("/cases", {"name": name, "platform": platform})
    return name


def interview(client, name, answers, limit=150):
    """Answer every question from ``answers`` (skipping the others) until the interview is complete."""
    asked = []
    for _ in range(limit):
        fact = client.question(name)
        if fact is None:
            return asked
        asked.append(fact)
        if fact in answers:
            client.answer(name, fact, answers[fact])
        else:
            client.answer(name, fact, skip=True)
    raise AssertionError(f"no end after {limit} questions: {asked}")


def write_case(workspace, name, text):
    (workspace / f"{name}.yaml").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The case list


def test_an_empty_workspace_offers_a_new_case(client):
    page = client.text("/")
    assert "No case yet in this workspace" in page and "New case" in page


def test_a_new_case_is_a_case_file_with_its_platform(client, workspace):
    response = client.post("/cases", {"name": "maple", "platform": "amazon"})
    assert response.headers["Location"].endswith("/case/maple")
    assert saved(workspace, "maple") == {"platform": "amazon", "case": {"status": "draft", "version": 1}}


def test_a_new_case_without_a_name_is_named_by_the_time(client, workspace):
    response = client.post("/cases", {"name": "", "platform": ""})
    name = response.headers["Location"].rsplit("/", 1)[1]
    assert name.startswith(f"case-{dt.date.today():%Y%m%d}-")
    assert saved(workspace, name) == {"case": {"status": "draft", "version": 1}}
    assert client.question(name) == "platform"


def test_a_case_name_in_use_is_refused(client, workspace):
    start(client, "maple")
    page = visible(client.post("/cases", {"name": "maple", "platform": "ebay"}, 400).get_data(as_text=True))
    assert "A case named maple already exists: open it from the list, or choose another name." in page
    assert saved(workspace, "maple")["platform"] == "amazon"


def test_the_list_shows_shop_platform_notice_top_cause_status_and_deadline(client, workspace):
    write_case(workspace, "late", (EXAMPLES / "cancel-rate-stockouts.yaml").read_text() +
               "store_name: Maple Goods\nactions_planned: {plan_peak_capacity: 2030-01-15}\n")
    write_case(workspace, "early", "platform: walmart\ncase: {status: appeal_sent, appeal_sent_on: 2026-01-05}\n")
    # eBay takes no appeal to follow up (its letters in knowledge/platforms.yaml name no follow_up)
    write_case(workspace, "none", "platform: ebay\ncase: {status: appeal_sent, appeal_sent_on: 2026-01-05}\n")
    page = client.text("/")
    assert page.index("early") < page.index("late") < page.index("none")  # soonest deadline first
    assert "late Maple Goods Amazon pre-fulfilment cancellation rate Listed items are often out of stock" in page
    assert "2030-01-15 promised: Plan each peak season ahead" in page
    assert "appeal sent 2026-01-15 follow up if no answer (10 days after the appeal)" in page
    body = client.get("/").get_data(as_text=True)
    assert '<span class="overdue">2026-01-15</span>' in body


def test_search_filters_the_list(client, workspace):
    write_case(workspace, "one", "platform: amazon\nstore_name: Maple Goods\n")
    write_case(workspace, "two", "platform: ebay\nstore_name: Birch Home\n")
    assert "Birch" not in client.text("/?q=maple") and "Maple" in client.text("/?q=maple")
    assert "two" in client.text("/?q=ebay") and "one" not in client.text("/?q=ebay")
    assert "No case matches the search." in client.text("/?q=nothing-like-it")


def test_an_unreadable_case_is_listed_with_its_problem(client, workspace):
    write_case(workspace, "broken", "platform: amazon\ncancel_rate: lots\n")
    write_case(workspace, "fine", "platform: amazon\n")
    page = client.text("/")
    assert "This case file cannot be read:" in page and "broken.yaml:2:1: cancel_rate:" in page
    assert "broken.yaml:2:1: cancel_rate:" in client.text("/case/broken", 400)


# ---------------------------------------------------------------------------------------------
# The interview


def test_the_next_question_comes_with_its_choices(client, workspace):
    start(client)
    body = client.get("/case/shop").get_data(as_text=True)
    assert "What reason does the platform&#39;s notice give?" in body
    assert '<label><input type="checkbox" name="value" value="cancel_rate"> pre-fulfilment cancellation rate' \
        in body  # a notice may name several reasons
    assert "Accepted answers: one or more of the listed options" in visible(body)  # how to answer
    write_case(workspace, "one", "case: {status: draft, version: 1}\n")
    body = client.get("/case/one").get_data(as_text=True)
    assert '<button type="submit" name="value" value="amazon" class="choice">' in body  # one choice: a button


def test_an_answer_is_saved_and_the_next_question_asked(client, workspace):
    start(client)
    client.answer("shop", "notice_reason", "cancel_rate")
    assert saved(workspace, "shop")["notice_reason"] == "cancel_rate"
    assert saved(workspace, "shop")["case"]["version"] == 2
    assert client.question("shop") not in ("platform", "notice_reason", None)


def test_a_bad_answer_is_refused_as_in_the_terminal(client, workspace):
    start(client)
    client.answer("shop", "notice_reason", "cancel_rate")
    client.answer("shop", "cancel_rate", "4%")  # the rate the notice names comes next
    before = saved(workspace, "shop")
    fact = client.question("shop")
    page = visible(client.answer("shop", fact, "certainly not", status=422).get_data(as_text=True))
    assert "That answer does not fit:" in page and "'certainly not'" in page
    assert saved(workspace, "shop") == before
    page = visible(client.post("/case/shop/edit", {"fact": "out_of_stock_often", "value": "certainly not"}, 422,
                               version="shop").get_data(as_text=True))
    assert "That answer does not fit: got 'certainly not'; expected yes or no (y / n)." in page
    assert saved(workspace, "shop") == before
    body = client.answer("shop", fact, "maybe", status=422).get_data(as_text=True)
    assert 'href="/case/shop?lang=zh" hreflang="zh"' in body  # the language switch leads back to the case


def ticked(body, form_id=None):
    """The values of the ticked boxes of the question's form (or of the answer row ``form_id``)."""
    if form_id:
        body = body[body.index(f'<tr id="{form_id}">'):]
        body = body[:body.index("</tr>")]
    else:
        body = body[body.index('id="answer-form"'):]
        body = body[:body.index("</form>")]
    return re.findall(r'<input type="checkbox" name="value" value="([^"]+)" checked>', body)


def test_a_notice_naming_several_reasons_is_answered_with_checkboxes_and_saved_as_the_cli_saves_it(
        client, workspace, tmp_path):
    start(client)
    body = client.get("/case/shop").get_data(as_text=True)
    assert '<input type="checkbox" name="value" value="late_shipment">' in body
    assert "Tick every one that applies." in visible(body)
    assert "Accepted answers: one or more of the listed options, ticked" in visible(body)
    client.answer("shop", "notice_reason", ["cancel_rate", "late_shipment"])
    assert saved(workspace, "shop")["notice_reason"] == ["cancel_rate", "late_shipment"]
    cli_file = tmp_path / "cli.yaml"
    result = CliRunner().invoke(cli, ["interview", "--save", str(cli_file)],
                                input="amazon\ncancel_rate, late_shipment\ndone\n")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(cli_file.read_text(encoding="utf-8"))["notice_reason"] == \
        saved(workspace, "shop")["notice_reason"]
    # both reasons act: the next question is about one of the two rates they name
    assert client.question("shop") in ("cancel_rate", "late_shipment")
    assert ticked(client.get("/case/shop").get_data(as_text=True), "answer-notice_reason") == \
        ["late_shipment", "cancel_rate"]  # in the order the choices are listed


def test_one_ticked_reason_is_saved_as_one_value(client, workspace):
    start(client)
    client.answer("shop", "notice_reason", ["cancel_rate"])
    assert saved(workspace, "shop")["notice_reason"] == "cancel_rate"


def test_a_refused_set_of_reasons_keeps_every_box_ticked(client, workspace):
    start(client)
    before = saved(workspace, "shop")
    page = visible(client.answer("shop", "notice_reason", status=422).get_data(as_text=True))
    assert "That answer does not fit:" in page and "one or more of the listed options, ticked" in page
    assert saved(workspace, "shop") == before
    body = client.answer("shop", "notice_reason", ["late_shipment", "cancel_rate", "no_such_reason"],
                         status=422).get_data(as_text=True)
    assert "no_such_reason" in visible(body) and saved(workspace, "shop") == before
    assert ticked(body) == ["late_shipment", "cancel_rate"]  # what was ticked stays ticked


def test_an_answer_of_several_reasons_is_edited_in_place_and_a_refused_edit_keeps_what_was_entered(
        client, workspace):
    write_case(workspace, "shop", "platform: amazon\nnotice_reason: [cancel_rate]\nfulfilment: seller\n")
    client.post("/case/shop/edit", {"fact": "notice_reason", "value": ["late_shipment", "valid_tracking"]},
                version="shop")
    case = saved(workspace, "shop")
    assert case["notice_reason"] == ["late_shipment", "valid_tracking"]
    assert list(case)[:3] == ["platform", "notice_reason", "fulfilment"]  # changed in place
    body = client.post("/case/shop/edit", {"fact": "notice_reason", "value": ["order_defect_rate", "no_such_reason"]},
                       422, version="shop").get_data(as_text=True)
    assert ticked(body, "answer-notice_reason") == ["order_defect_rate"]
    assert '<details class="edit" open>' in body
    assert saved(workspace, "shop")["notice_reason"] == ["late_shipment", "valid_tracking"]
    body = client.post("/case/shop/edit", {"fact": "fulfilment", "value": "by pigeon"}, 422,
                       version="shop").get_data(as_text=True)
    row = body[body.index('<tr id="answer-fulfilment">'):]
    assert '<details class="edit" open>' in row[:row.index("</tr>")]


def test_a_choice_answer_s_edit_form_shows_the_saved_choice(client, workspace):
    write_case(workspace, "shop", "platform: amazon\nfulfilment: mixed\n")
    body = client.get("/case/shop").get_data(as_text=True)
    row = body[body.index('<tr id="answer-fulfilment">'):]
    assert '<option value="mixed" selected>' in row[:row.index("</tr>")]


def test_contradicting_counts_are_flagged(client, workspace):
    write_case(workspace, "shop", "platform: amazon\norders_7d: 10\n")
    page = visible(client.post("/case/shop/edit", {"fact": "cancelled_orders_7d", "value": "25"}, 422,
                               version="shop").get_data(as_text=True))
    assert "That answer does not fit: cancelled_orders_7d: cancelled_orders_7d (25) exceeds orders_7d (10). " \
           "Expected a whole number, 0 or more." in page
    assert "cancelled_orders_7d" not in saved(workspace, "shop")


def test_skip_back_and_the_platform_cannot_be_skipped(client, workspace):
    name = client.post("/cases", {"name": "", "platform": ""}).headers["Location"].rsplit("/", 1)[1]
    page = visible(client.answer(name, "platform", skip=True, status=422).get_data(as_text=True))
    assert "The marketplace is needed before anything else" in page
    client.answer(name, "platform", "1")  # a choice by its number, as in the terminal
    client.answer(name, "notice_reason", skip=True)
    assert saved(workspace, name)["unknown"] == ["notice_reason"]
    client.post(f"/case/{name}/back", {}, version=name)
    assert "unknown" not in saved(workspace, name) and client.question(name) == "notice_reason"


def test_an_answer_for_another_question_than_the_one_asked_is_a_conflict(client, workspace):
    start(client)
    page = visible(client.answer("shop", "fulfilment", "seller", status=409).get_data(as_text=True))
    assert "This case has changed since the page was shown" in page
    assert "fulfilment" not in saved(workspace, "shop")


def test_why_and_how_are_one_click_away(client):
    start(client)
    assert 'href="/case/shop?why=1#why"' in client.get("/case/shop").get_data(as_text=True)
    page = client.text("/case/shop?why=1")
    assert 'WHY: "What reason does the platform\'s notice give?" decides a condition of this rule:' in page
    assert "rule notice." in page


def test_an_earlier_answer_is_changed_in_place(client, workspace):
    start(client)
    client.answer("shop", "notice_reason", "cancel_rate")
    client.answer("shop", "cancel_rate", "4%")
    client.post("/case/shop/edit", {"fact": "notice_reason", "value": "late_shipment"}, version="shop")
    assert list(saved(workspace, "shop"))[:3] == ["platform", "notice_reason", "cancel_rate"]
    assert saved(workspace, "shop")["notice_reason"] == "late_shipment"
    client.post("/case/shop/edit", {"fact": "cancel_rate", "action": "unknown"}, version="shop")
    assert saved(workspace, "shop")["unknown"] == ["cancel_rate"] and "cancel_rate" not in saved(workspace, "shop")
    client.post("/case/shop/edit", {"fact": "notice_reason", "action": "remove"}, version="shop")
    assert "notice_reason" not in saved(workspace, "shop")


def test_a_metric_answered_or_changed_to_over_target(client, workspace):
    start(client)
    client.answer("shop", "notice_reason", "cancel_rate")
    client.answer("shop", "cancel_rate", "4%")
    client.post("/case/shop/edit", {"fact": "cancel_rate", "value": "over target"}, version="shop")
    facts = saved(workspace, "shop")
    assert facts["over_target"] == "cancel_rate" and "cancel_rate" not in facts


def test_causes_certainties_remedies_and_the_rule_tree_follow_the_answers(client):
    start(client)
    assert "No root cause reaches the reporting threshold yet." in client.text("/case/shop")
    interview(client, "shop", STOCKOUT)
    page = client.text("/case/shop")
    assert "The interview is complete" in page
    assert "1 Listed items are often out of stock 90% could still end between" in page  # 0.85 with the notice's prior
    assert "Ask the supplier to restock every listed item that is short" in page
    assert "rule cancel.chronic_stockout (85%): Cancellations come from chronic stock-outs " \
           'Do listed items often turn out to be out of stock when an order arrives? yes ' \
           "symptom: Cancellation rate over the platform's target" in page


def test_status_deadlines_and_history(client, workspace):
    write_case(workspace, "shop", (EXAMPLES / "cancel-rate-stockouts.yaml").read_text())
    client.post("/case/shop/status", {"status": "appeal_sent", "appeal_sent_on": "2026-11-20"}, version="shop")
    case = saved(workspace, "shop")["case"]
    assert case["status"] == "appeal_sent" and case["appeal_sent_on"] == "2026-11-20"
    page = client.text("/case/shop")
    assert "appeal sent" in page and "2026-11-30 follow up if no answer (10 days after the appeal)" in page
    client.post("/case/shop/edit", {"fact": "out_of_stock_often", "value": "no"}, version="shop")
    history = saved(workspace, "shop")["case"]["history"]
    # 0.85 with the notice's prior; the seller's 'no' removes the prior too
    assert [(entry["top"], entry["certainty"]) for entry in history] == [("chronic_stockout", 0.895), (None, 0.0)]
    knowledge = history[0]["knowledge"]
    assert knowledge and all(entry["knowledge"] == knowledge for entry in history)
    page = client.text("/case/shop")
    assert page.index(f"no root cause 0% {knowledge}") < \
        page.index(f"Listed items are often out of stock 90% {knowledge}")  # newest first
    client.post("/case/shop/status", {"status": "lost"}, 400, version="shop")
    client.post("/case/shop/status", {"status": "draft", "appeal_sent_on": "last week"}, 400, version="shop")
    client.post("/case/shop/status", {"status": "draft"}, version="shop")
    assert "follow up" not in client.text("/case/shop")


def test_wish_dispute_window_is_a_deadline_until_the_appeal_goes_in(client, workspace):
    write_case(workspace, "wish", "platform: wish\ninfraction_date: 2024-11-01\n")
    assert "2025-01-30 Wish dispute window closes (90 days after the infraction)" in client.text("/case/wish")
    assert '<span class="overdue">2025-01-30</span>' in client.get("/").get_data(as_text=True)
    client.post("/case/wish/status", {"status": "appeal_sent", "appeal_sent_on": "2024-12-01"}, version="wish")
    page = client.text("/case/wish")
    assert "Wish dispute window" not in page and "2024-12-11 follow up if no answer" in page


# ---------------------------------------------------------------------------------------------
# The letter


def finished_case(client, workspace):
    write_case(workspace, "shop", (EXAMPLES / "cancel-rate-stockouts.yaml").read_text())
    return "shop"


def test_the_letter_shows_its_placeholders_and_is_not_ready(client, workspace):
    finished_case(client, workspace)
    body = client.get("/case/shop/letter").get_data(as_text=True)
    assert "Not ready to send" in body and "6 placeholder(s) still to fill in" in body
    assert "1 corrective action(s) neither confirmed as done nor given a date" in body
    assert "From: <mark>[STORE NAME]</mark> (merchant token <mark>[SELLER ID]</mark>)" in body
    assert "What is the store&#39;s name as the marketplace shows it?" in body


def test_filling_placeholders_and_confirming_actions_makes_it_ready(client, workspace):
    finished_case(client, workspace)
    client.get("/case/shop/letter")
    for fact, value in LETTER_FACTS.items():
        response = client.post("/case/shop/edit", {"fact": fact, "value": value, "next": "letter"}, version="shop")
        assert response.headers["Location"].endswith("/case/shop/letter")
    page = client.text("/case/shop/letter")
    assert "placeholder" not in page and "Not ready to send" in page
    client.post("/case/shop/actions", {"remedy": ["replenish_with_supplier"],
                                       "planned-replenish_with_supplier": "2026-12-24"}, version="shop")
    assert "actions_done" not in saved(workspace, "shop")
    assert saved(workspace, "shop")["actions_planned"] == {"replenish_with_supplier": "2026-12-24"}
    assert "2026-12-24 promised: Ask the supplier to restock" in client.text("/case/shop")
    page = client.text("/case/shop/letter")  # a dated commitment is all the letter needs
    assert "Ready to send: nothing is left to confirm." in page and "By 2026-12-24, we will place restocking orders" in page
    client.post("/case/shop/actions", {"remedy": ["replenish_with_supplier"], "done": ["replenish_with_supplier"]},
                version="shop")
    page = client.text("/case/shop/letter")
    assert "Ready to send: nothing is left to confirm." in page and "From: Maple Goods (merchant token A1B2C3)" in page
    assert saved(workspace, "shop")["actions_done"] == ["replenish_with_supplier"]
    assert "actions_planned" not in saved(workspace, "shop")


def combined_case(workspace):
    """Three causes: one corrective action done, one planned, one unconfirmed; a measure that needs
    an unconfirmed fact (stable_forwarder: the carrier at fault)."""
    write_case(workspace, "shop", (ROOT / "tests" / "golden" / "letters" / "amazon-combined.yaml").read_text())
    return "shop"


def action_boxes(page):
    return re.findall(r'name="done" value="([a-z_]+)"', page)


def test_the_letter_asks_only_for_the_corrective_actions_it_states(client, workspace):
    combined_case(workspace)
    page = client.get("/case/shop/letter").get_data(as_text=True)
    assert action_boxes(page) == ["replenish_with_supplier", "answer_open_messages", "lengthen_handling_time"]
    assert re.findall(r'name="remedy" value="([a-z_]+)"', page) == action_boxes(page)
    for measure in ("daily_inventory_check", "message_schedule", "confirm_shipment_promptly", "stable_forwarder"):
        assert f'value="{measure}"' not in page  # preventive: stated as they are, never asked
    assert 'id="done-replenish_with_supplier" checked' in page and 'value="2026-10-25"' in page
    # done and planned both answer the letter; only answer_open_messages is left
    assert "1 corrective action(s) neither confirmed as done nor given a date" in page
    assert re.findall(r"<mark>(\[CONFIRM: [a-z_]+\])</mark>", page) == ["[CONFIRM: answer_open_messages]"]


def test_the_letter_is_ready_without_any_preventive_measure_ticked(client, workspace):
    combined_case(workspace)
    parts = {"negative_feedback_rate": "0.5%", "atoz_claim_rate": "0.6%", "chargeback_rate": "0.25%"}
    for fact, value in {**LETTER_FACTS, **parts}.items():
        client.post("/case/shop/edit", {"fact": fact, "value": value, "next": "letter"}, version="shop")
    shown = ["replenish_with_supplier", "answer_open_messages", "lengthen_handling_time"]
    client.post("/case/shop/actions", {"remedy": shown, "done": shown[:2],
                                       "planned-lengthen_handling_time": "2030-01-15"}, version="shop")
    page = client.text("/case/shop/letter")
    assert "Ready to send: nothing is left to confirm." in page
    assert "By 2030-01-15, we will set the handling time" in page
    assert saved(workspace, "shop")["actions_done"] == shown[:2]
    assert saved(workspace, "shop")["actions_planned"] == {"lengthen_handling_time": "2030-01-15"}


def test_actions_outside_the_knowledge_are_refused(client, workspace):
    finished_case(client, workspace)
    client.post("/case/shop/actions", {"remedy": ["made_up"], "done": ["made_up"]}, 400, version="shop")
    client.post("/case/shop/actions", {"remedy": ["daily_inventory_check"], "done": ["replenish_with_supplier"]},
                400, version="shop")
    client.post("/case/shop/actions", {"remedy": ["daily_inventory_check"],
                                       "planned-daily_inventory_check": "next week"}, 400, version="shop")
    assert "actions_done" not in saved(workspace, "shop")


def test_the_letter_downloads_as_text_and_markdown(client, workspace):
    finished_case(client, workspace)
    text = client.get("/case/shop/download/letter.txt")
    assert text.headers["Content-Disposition"] == 'attachment; filename="shop-letter.en.txt"'
    assert text.mimetype == "text/plain" and "Root causes\n-----------" in text.get_data(as_text=True)
    markdown = client.get("/case/shop/download/letter.md?lang=zh")
    assert markdown.headers["Content-Disposition"] == 'attachment; filename="shop-letter.zh.md"'
    assert "## " in markdown.get_data(as_text=True) and "根本原因" in markdown.get_data(as_text=True)
    client.get("/case/shop/download/letter.pdf", 404)
    client.get("/case/shop/download/letter.txt?lang=fr", 404)


def test_buyer_messages_are_reviewed_the_same_way(client, workspace):
    finished_case(client, workspace)
    page = client.text("/case/shop/letter?message=atoz-withdrawal")
    assert "A-to-z claim withdrawal request" in page and "placeholder(s) still to fill in" in page
    assert "[ORDER IDS]" in page
    response = client.get("/case/shop/download/atoz-withdrawal.txt")
    assert "[ORDER IDS]" in response.get_data(as_text=True)
    refused = client.text("/case/shop/letter?message=feedback-removal")
    assert "the feedback meets none of the removal criteria" in refused
    client.get("/case/shop/letter?message=spam", 404)


def test_the_letter_needs_the_platform(client):
    client.post("/cases", {"name": "blank", "platform": ""})
    assert "The draft needs the marketplace" in client.text("/case/blank/letter")


# ---------------------------------------------------------------------------------------------
# Languages and the command line's case files


def test_chinese_pages_from_the_knowledge_texts(client, workspace):
    finished_case(client, workspace)
    page = client.text("/case/shop?lang=zh")
    assert "目前的根本原因" in page and "在售商品经常断货" in page
    assert "症状：" in page and "配送前取消率：" in page and "（由订单数计算）" in page
    for shown in (page, client.text("/case/shop/letter?lang=zh")):  # full-width after Chinese, no fact ids
        assert not re.search(r"[\u3400-\u9fff\uff00-\uffef] ?[:;,()]", shown), re.findall(r".{20}[\u4e00-\u9fff] ?[:;,()].{5}", shown)
        words = re.sub(r"规则 [a-z0-9_.]+", "", shown)  # rule ids are names, not words for people
        assert not re.search(r"\b(?:cancel_rate|out_of_stock_often|fulfilment|notice_reason)\b", words)
    assert "问题" in client.text("/case/shop") or "问诊已完成" in client.text("/case/shop")  # the choice is kept
    body = client.get("/case/shop/letter").get_data(as_text=True)
    assert "尚不能发送" in body and "这是中文审阅稿" in body
    assert 'href="/case/shop/download/letter.txt?lang=en" id="download-en" download>下载发送用的英文版' in body
    assert "Cases" in client.text("/?lang=en")


def test_a_case_from_the_terminal_opens_and_goes_back_to_the_terminal(client, workspace):
    path = workspace / "terminal.yaml"
    result = CliRunner().invoke(cli, ["interview", "--save", str(path)], input="amazon\n3\ndone\n")
    assert result.exit_code == 0, result.output
    assert "pre-fulfilment cancellation rate" in client.text("/case/terminal")
    fact = client.question("terminal")
    client.answer("terminal", fact, skip=True)
    assert fact in saved(workspace, "terminal")["unknown"]
    result = CliRunner().invoke(cli, ["run", str(path)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(cli, ["interview", "--resume", str(path)], input="done\n")
    assert result.exit_code == 0, result.output
    assert saved(workspace, "terminal")["case"]["version"] == 2  # the web's save, then the terminal's on resuming
    assert yaml.safe_load(path.read_text())["unknown"] == [fact]


def _to_checklist(client, name):
    """Skip every question up to the checklist of metrics (after a notice that shows no symptom)."""
    client.answer(name, "notice_reason", "other")
    for _ in range(10):
        fact = client.question(name)
        if fact == "metrics":
            return client.get(f"/case/{name}").get_data(as_text=True)
        client.answer(name, fact, skip=True)
    raise AssertionError("no checklist of metrics")


def test_the_checklist_of_metrics_is_ticked_in_checkboxes(client, workspace, kb):
    start(client)
    body = _to_checklist(client, "shop")
    assert kb.message("interview.metrics", "en") in visible(body)
    assert '<input type="checkbox" name="value" value="cancel_rate">' in body
    assert '<input type="checkbox" name="value" value="late_shipment_rate">' in body
    client.answer("shop", "metrics", ["cancel_rate", "late_shipment_rate"])
    facts = saved(workspace, "shop")
    assert facts["over_target"] == ["late_shipment_rate", "cancel_rate"]
    assert "order_defect_rate" in facts["unknown"] and "cancel_rate" not in facts["unknown"]
    assert client.question("shop") in ("cancel_rate", "late_shipment_rate")  # the figure of a ticked one
    start(client, "other")
    _to_checklist(client, "other")
    client.answer("other", "metrics", skip=True)  # none of them: their figures stay unknown
    facts = saved(workspace, "other")
    assert "over_target" not in facts and {"cancel_rate", "order_defect_rate"} <= set(facts["unknown"])
    assert client.question("other") not in facts["unknown"] + ["metrics"]
