"""diagnose batch and report imports under --lang zh: every row problem, note and the summary in
Chinese, at the row, file, line and field the English names; the same exit codes; and each
message's catalogue entry reads in English exactly as the message does."""
import json
import re

import pytest

from conftest import ROOT
from kb_fixture import invoke
from report_fixture import report
from diagnose.errors import InputError, Said
from diagnose.lint.glossary import prose

FROM = ("--from", "amazon-account-health")
ENGLISH = re.compile(r"\b(expected|cells?|header|columns?|quoted|closed|line|valid|text|object|values?|names?|"
                     r"shops?|characters|rejected|diagnosed|risk|missing|target|Rejected|Summary|Note|not|the|got|"
                     r"report|read|fields?|number|rate|between|JSON|UTF)\b")

CSV_ROWS = {  # each kind of bad CSV row -> (its line, the start of its English problem)
    "shop,platform,cancel_rate,late_shipment_rate\n": None,
    "good,amazon,1%,2%\n": None,
    "extra,amazon,1%,2%,9\n": (3, "shops.csv:3: 5 cells but the header names 4 columns"),
    'quote,"amazon,1%,2%\n': (4, "shops.csv:4: a quoted cell is not closed on its line"),
    "word,amazon,abc,2%\n": (5, "shops.csv:5:3: cancel_rate: expected a number"),
    "market,bogus,1%,1%\n": (6, "shops.csv:6:2: platform: expected one of"),
    "bytes,amazon,\udcff\udcfe,1%\n": (7, "shops.csv:7: not valid UTF-8 text"),
    "over,amazon,1%,200%\n": (8, "shops.csv:8:4: late_shipment_rate: a rate cannot exceed 100%"),
    ("x" * 1_000_001) + "\n": (9, "shops.csv:9: the line is longer than 1,000,000 characters"),
}
JSONL_ROWS = {
    '{"platform": "amazon", "cancel_rate": "1%"}\n': None,
    "[1, 2]\n": (2, "shops.jsonl:2: expected a JSON object of fact names to values"),
    '{"platform": "amazon", "platform": "ebay"}\n': (3, "shops.jsonl:3: platform: not valid JSON: duplicate key"),
    '{"platform": \n': (4, "shops.jsonl:4: not valid JSON: Expecting value"),
    '{"shop": [1], "platform": "amazon"}\n': (5, "shops.jsonl:5: shop: expected a short text naming the shop"),
    '{"platform": "amazon", "cancel_rate": "x"}\n': (6, "shops.jsonl:6:24: cancel_rate: expected a number"),
    '{"platform": "amazon", "cancel_rate": 0.01, "deep": ' + "[" * 120 + "]" * 120 + "}\n":
        (7, "shops.jsonl:7: not valid JSON: nested more than 64 levels deep"),
    "\udcff\n": (8, "shops.jsonl:8: not valid UTF-8 text"),
}


def write(tmp_path, name, rows):
    path = tmp_path / name
    path.write_bytes("".join(rows).encode("utf-8", "surrogateescape"))
    return path


def where(line):
    """A problem's place: the file, the line (and column)."""
    return re.match(r"^[^:]+:\d+(?::\d+)?: ", line).group()


def problems(result, prefix):
    return [line[len(prefix):] for line in result.stderr.splitlines() if line.startswith(prefix)]


def assert_chinese(line):
    """No English word is left outside the file name, ids and code spans."""
    text = line.split(": ", 1)[1]  # after the file and line
    assert not ENGLISH.search(prose(text)), line


@pytest.mark.parametrize("name, rows", [("shops.csv", CSV_ROWS), ("shops.jsonl", JSONL_ROWS)])
def test_each_bad_row_in_chinese_at_the_place_the_english_names(tmp_path, monkeypatch, name, rows):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, name, rows)
    english, chinese = invoke("batch", name), invoke("batch", name, "--lang", "zh")
    for one, lang in ((english, ()), (chinese, ("--lang", "zh"))):  # workers read the raw lines as one does
        two = invoke("batch", name, "--workers", "2", *lang)
        assert (two.stdout, two.stderr, two.exit_code) == (one.stdout, one.stderr, one.exit_code)
    expected = [wanted for wanted in rows.values() if wanted]
    told = problems(english, "Rejected: ")
    assert [line[:len(start)] for line, (_, start) in zip(told, expected)] == [start for _, start in expected]
    assert len(told) == len(expected)
    assert english.exit_code == chinese.exit_code == 2
    good = [json.loads(line)["row"] for line in english.stdout.splitlines()]
    assert good == [json.loads(line)["row"] for line in chinese.stdout.splitlines()] == [1 + name.endswith(".csv")]
    zh = problems(chinese, "未受理：")
    assert [where(line) for line in told] == [where(line) for line in zh]
    for line in zh:
        assert_chinese(line)
    assert "Rejected" not in chinese.stderr and "Summary" not in chinese.stderr


def test_the_summary_in_chinese(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "shops.csv", ["platform,cancel_rate,late_shipment_rate\n", "amazon,1%,3.5%\n",
                                  "amazon,1%,5%\n", "amazon,x,1%\n"])
    english, chinese = invoke("batch", "shops.csv"), invoke("batch", "shops.csv", "--lang", "zh")
    assert english.stderr.splitlines()[-1] == (
        "Summary: 2 shop(s) diagnosed, 1 row(s) rejected, 1 shop(s) at risk (a metric within its warning margin, "
        "or the marketplace says so), 1 missing a target")
    assert chinese.stderr.splitlines()[-1] == (
        "汇总：已诊断 2 家店铺，1 行未受理，1 家店铺接近红线（有指标已进入预警区间，或平台自己这样判定），"
        "1 家店铺有指标未达标")
    assert (english.exit_code, chinese.exit_code) == (2, 2)


@pytest.mark.parametrize("header, english", [
    ("platform,platform\n", "Error: shops.csv:1:2: platform: the column appears twice"),
    ("platform,cancel_rat\n", "Error: shops.csv:1:2: cancel_rat: not a fact; did you mean 'cancel_rate'?"),
    ("\n\n", "Error: shops.csv:1: the file is empty: expected a header row of fact names"),
    ("platform,,cancel_rate\n", "Error: shops.csv:1:2: column 2: not a fact (see 'diagnose facts')"),
])
def test_a_bad_header_in_chinese(tmp_path, monkeypatch, header, english):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "shops.csv", [header])
    told, chinese = invoke("batch", "shops.csv"), invoke("batch", "shops.csv", "--lang", "zh")
    assert (told.exit_code, chinese.exit_code) == (2, 2)
    assert told.stderr.startswith(english), told.stderr
    line, = chinese.stderr.splitlines()
    assert line.startswith("错误：" + english[len("Error: "):].split(" ")[0]), line
    assert_chinese(line)


def late_shipment(**changes):
    document = report("amazon-late-shipment")
    document["performanceMetrics"][0]["lateShipmentRate"].update(changes)
    return document


def test_a_report_s_problem_in_chinese(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.json").write_text(json.dumps(late_shipment(rate=7.5), indent=1), encoding="utf-8")
    english, chinese = (invoke("run", *FROM, "report.json", *lang) for lang in ((), ("--lang", "zh")))
    assert (english.exit_code, chinese.exit_code) == (2, 2)
    assert english.stderr == ("Error: report.json:9: performanceMetrics[0].lateShipmentRate.rate: 7.5 is not a rate "
                              "between 0 and 1, as the report format states rates\n")
    assert chinese.stderr == ("错误：report.json:9: performanceMetrics[0].lateShipmentRate.rate：7.5 不是 0 到 1 "
                              "之间的比率，而这种报告的比率都是这样写的\n")


def test_report_lines_in_batch_in_chinese(tmp_path, monkeypatch):
    """A shop's problem names its shop, a note what was not read, a line that is no report says so."""
    monkeypatch.chdir(tmp_path)
    noted = report("amazon-late-shipment")
    noted["performanceMetrics"][0]["mysteryField"] = 1
    lines = [late_shipment(rate="abc"), noted, []]
    (tmp_path / "reports.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    english, chinese = (invoke("batch", *FROM, "reports.jsonl", *lang) for lang in ((), ("--lang", "zh")))
    for one, lang in ((english, ()), (chinese, ("--lang", "zh"))):  # workers read the reports as one does
        two = invoke("batch", *FROM, "reports.jsonl", "--workers", "2", *lang)
        assert (two.stdout, two.stderr, two.exit_code) == (one.stdout, one.stderr, one.exit_code)
    assert (english.exit_code, chinese.exit_code) == (2, 2)
    assert english.stderr.splitlines()[:3] == [
        "Rejected: reports.jsonl:1: performanceMetrics[0].lateShipmentRate.rate: expected a number, got the text "
        "'abc' (in ATVPDKIKX0DER)",
        "Note: reports.jsonl:2: performanceMetrics[0]: not read: mysteryField (not fields this import knows)",
        "Rejected: reports.jsonl:3: not a amazon-account-health report: expected a JSON object"]
    assert chinese.stderr.splitlines()[:3] == [
        "未受理：reports.jsonl:1: performanceMetrics[0].lateShipmentRate.rate：应为数字，实际是文字 'abc'"
        "（店铺 ATVPDKIKX0DER）",
        "提示：reports.jsonl:2: performanceMetrics[0]：未读取 mysteryField（本导入不认识这些字段）",
        "未受理：reports.jsonl:3: 不是 `amazon-account-health` 报告：应为一个 `JSON` 对象"]
    assert chinese.stderr.splitlines()[3].startswith("汇总：已诊断 1 家店铺，2 行未受理")


# --- each message's catalogue entry reads as the message ---------------------------------------


def assert_catalogued(kb, said):
    """``said`` (a Said or an error) has a catalogue entry whose English is its message, and so
    has every problem within it."""
    assert said.code is not None, said.message
    assert kb.message(said.code, "en", **said.values) == said.message
    for value in said.values.values():
        if isinstance(value, Said) and value.code is not None:
            assert_catalogued(kb, value)


def test_each_row_problem_in_english_is_its_catalogue_entry(tmp_path):
    from diagnose.batch import read_rows
    from diagnose.knowledge import load_knowledge

    kb = load_knowledge(ROOT)
    found = []
    for name, rows in (("shops.csv", CSV_ROWS), ("shops.jsonl", JSONL_ROWS)):
        path = write(tmp_path, name, rows)
        found += [row.problem for row in read_rows(str(path), kb) if row.problem is not None]
    assert len(found) == 10  # the rows the validation of facts refuses are tested with facts files
    for said in found:
        assert_catalogued(kb, said)
    for header in ("platform,platform\n", "platform,cancel_rat\n", "platform,bogus\n", "\n", '"platform\n',
                   "platform,,\n",
                   "x" * 1_000_001 + "\n"):
        path = write(tmp_path, "header.csv", [header])
        with pytest.raises(InputError) as refused:
            read_rows(str(path), kb)
        assert_catalogued(kb, refused.value)


REPORT_CASES = {  # a report line -> what is wrong with it
    "not an object": [],
    "no list": {"accountStatuses": []},
    "entry not an object": {"performanceMetrics": [3]},
    "a shop twice": {"performanceMetrics": [{"marketplaceId": "A"}, {"marketplaceId": "A"}]},
    "no shop": {"performanceMetrics": []},
    "no shop id": {"performanceMetrics": [{"lateShipmentRate": {}}]},
}


@pytest.mark.parametrize("name", sorted(REPORT_CASES))
def test_each_report_problem_in_english_is_its_catalogue_entry(name):
    from diagnose.importers import load_mapping, shops_from_report
    from diagnose.knowledge import load_knowledge
    from diagnose.reportpaths import ReportError
    from diagnose.rows import parse_json

    kb = load_knowledge(ROOT)
    mapping = load_mapping("amazon-account-health", kb)
    with pytest.raises((InputError, ReportError)) as refused:
        shops_from_report(parse_json(json.dumps(REPORT_CASES[name]), "r.json"), mapping, "r.json")
    assert_catalogued(kb, refused.value)


def claims(count, orders):
    """The late-shipment report with ``count`` claims out of ``orders`` orders in each ODR channel."""
    document = report("amazon-late-shipment")
    for channel in document["performanceMetrics"][0]["orderDefectRate"].values():
        channel.update(orderCount=orders, claims={"count": count, "status": "NONE"})
    return document


@pytest.mark.parametrize("document", [late_shipment(rate=7.5), late_shipment(rate="abc"), late_shipment(rate=None),
                                      late_shipment(rate=[1]), late_shipment(rate={}), claims(9, 0), claims(9, 3)])
def test_each_field_problem_in_english_is_its_catalogue_entry(document):
    from diagnose.importers import load_mapping, shops_from_report
    from diagnose.knowledge import load_knowledge
    from diagnose.rows import parse_json

    kb = load_knowledge(ROOT)
    shop, = shops_from_report(parse_json(json.dumps(document), "r.json"), load_mapping("amazon-account-health", kb),
                              "r.json")
    assert shop.problem is not None
    assert_catalogued(kb, shop.problem)


def test_each_report_note_in_english_is_its_catalogue_entry():
    from diagnose.importers import load_mapping, shops_from_report
    from diagnose.knowledge import load_knowledge
    from diagnose.rows import parse_json

    kb = load_knowledge(ROOT)
    document = report("amazon-late-shipment")
    del document["accountStatuses"]
    entry = document["performanceMetrics"][0]
    entry["mysteryField"] = 1
    del entry["lateShipmentRate"]["rate"]
    shop, = shops_from_report(parse_json(json.dumps(document), "r.json"), load_mapping("amazon-account-health", kb),
                              "r.json")
    assert shop.problem is None and len(shop.notes) == 3, shop.notes
    for said in shop.notes:
        assert_catalogued(kb, said)


def test_the_summary_in_english_is_its_catalogue_entry():
    from diagnose.batch import Summary
    from diagnose.knowledge import load_knowledge

    summary = Summary(diagnosed=3, rejected=1, at_risk=2, missed=1)
    assert summary.said().message == str(summary)
    assert_catalogued(load_knowledge(ROOT), summary.said())
