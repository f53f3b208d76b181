"""Every command's Chinese output for the examples: Chinese labels, headers and errors, full-width
punctuation after Chinese, the glossary's terms, no fact ids, English words or decimal rates where
people read words and figures; the line breaker's rules; and golden copies of the Chinese diagnoses
(`UPDATE_GOLDEN=1` rewrites them; review the diff line by line)."""
import functools
import json
import os
import re
import shutil
import tempfile

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from diagnose.cli import cli
from diagnose.knowledge import load_knowledge
from diagnose.letters import MESSAGES
from diagnose.lint import glossary
from diagnose.typography import wrap

GOLDEN = ROOT / "tests" / "golden" / "zh"
EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))
CJK = "\u3400-\u9fff\uff00-\uffef\u3000-\u303f"
HALF_AFTER_CJK = re.compile(f"[{CJK}] ?[:;,()!?]")
DECIMAL_RATE = re.compile(r"(?<![\d.])(?<!或 )0\.\d+(?![\d.%])")  # '1.2% 或 0.012': what may be typed
NESTED = re.compile(r"（[^（）\n]*（[^（）\n]*）[^（）\n]*）")
ASCII_LABEL = re.compile(r"^\s*(?:#+ |\*\*|- )?[A-Za-z][A-Za-z ]*(?::|：|\*\*)")


def invoke(*args, stdin=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=stdin)


@functools.lru_cache(maxsize=None)
def kb():
    return load_knowledge()


def outputs(example):
    """(what, text) for each Chinese surface of one example: run (table, Markdown, the JSON's texts,
    --explain), the facts that matter for its notice, the interview, the letter and each message."""
    path = EXAMPLES / example
    facts = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = [("table", invoke("run", path, "--lang", "zh", "--explain").output),
             ("markdown", invoke("run", path, "--lang", "zh", "--format", "markdown", "--explain").output),
             ("json texts", "\n".join(json_texts(json.loads(invoke("run", path, "--lang", "zh", "--format",
                                                                    "json").output)))),
             ("facts", invoke("facts", "--lang", "zh", "--platform", facts["platform"], "--notice",
                              facts["notice_reason"]).output),
             ("facts template", invoke("facts", "--lang", "zh", "--template", "--platform", facts["platform"]).output),
             ("interview", interview(facts))] + web_pages(path)
    for message in (None,) + MESSAGES:  # a message that does not fit the case is refused (an error)
        result = invoke("letter", path, "--lang", "zh", *(("--message", message) if message else ()))
        what = f"message {message}" if message else "letter"
        found += [(what, result.stdout or result.stderr), (f"{what} notes", result.stderr)]
    markdown = invoke("letter", path, "--lang", "zh", "--format", "markdown")
    return found + [("letter markdown", markdown.stdout)]


def web_pages(path):
    """The workspace's Chinese case page (with its why) and letter page for the case ``path``."""
    from web_client import visible

    from diagnose.web import create_app

    with tempfile.TemporaryDirectory() as workspace:
        shutil.copy(path, os.path.join(workspace, "001" + path.suffix.replace(".json", ".yaml")))
        client = create_app(workspace, str(ROOT), lang="zh").test_client()
        return [(f"web {page}", visible(client.get(page).get_data(as_text=True)))
                for page in ("/case/001?why=1", "/case/001/letter")]


def json_texts(data):
    """Every text of run's JSON that people read."""
    texts = [s["title"] for s in data["symptoms"]] + [m["window"] for m in data["metrics"]]
    for cause in data["causes"]:
        texts += [cause["title"], cause["explanation"]] + [r["text"] for r in cause["remedies"]]
        texts += cause["evidence_needed"] + [b["title"] for b in cause["because"]]
    texts += [s["text"] for s in data["next_steps"]] + [w["text"] for w in data["warnings"]]
    return texts + [s["title"] for s in data["sources"].values() if s["kind"] == "seed"]


ASK = ["为什么", "为什么", "为什么", "帮助", "状态", "如何 1"]


def interview(facts):
    """A Chinese interview answering from ``facts`` (skipping the rest); at every question the
    consultant asks why three times, for help, the status and how the top cause was reached,
    and first gives an answer that does not fit."""
    from diagnose.api import get_diagnoser
    from diagnose.interview import Dialog, Session

    session, said, pending = Session(get_diagnoser()), [], []
    questions = {f.question["zh"]: f for f in kb().facts.values()}

    def ask(prompt):
        if not pending:
            asked = re.findall(r"^问题 (\d+)：(.*)$", "\n".join(said), flags=re.M)
            if len(asked) > 40:
                raise EOFError
            fact = questions.get(asked[-1][1])
            if fact is None:  # anything else?
                pending.extend(ASK + ["否"])
            else:
                value = facts.get(fact.id)
                answer = "跳过" if value is None else {True: "是", False: "否"}.get(value, str(value))
                pending.extend(ASK + ([] if fact.type == "text" else ["abc"]) + [answer])
        return pending.pop(0)

    try:
        Dialog(session, "zh", ask, said.append, lambda: None).run()
    except EOFError:
        pass
    return "\n".join(said)


# Names, not words for people: `code`, addresses, [ids], rule and source ids, guidance numbers, the
# knowledge version, file paths, [PLACEHOLDERS] (the letter shares them with the English), an English
# source's title (a Markdown link), a forum user's name, what the consultant typed (> abc, 'abc'), the
# names a facts file is written with (the first column of `diagnose facts`, the template's keys)
NAMES = re.compile(r"`[^`\n]*`|<[^>\n]*>|\[[^\]\n]*\]\(https?://[^)\s]*\)|https?://\S+|\[[a-z0-9_.]+\]"
                   r"|\[CONFIRM: [a-z0-9_]+\]|(?:规则|rule) [a-z0-9_.]+(?:(?:, |、)[a-z0-9_.]+)*|[（(][GN]\d+[）)]"
                   r"|版本 `?[0-9a-f]{12}`?|(?<![\w.])(?:examples|seeds)?(?:/[\w.+-]+)+(?::\d+)*:?|\S+ 的论坛帖|'[^'\n]*'"
                   r"|^(?:# )?[a-z0-9_]+(?::.*|(?= ))|^> .*", re.M)


def prose(text):
    """``text`` with names blanked out (see NAMES) and source ids."""
    text = re.sub(r"来源：.*", " ", NAMES.sub(" ", text))
    return glossary.prose(source_ids().sub(" ", text))


@functools.lru_cache(maxsize=None)
def source_ids():
    return re.compile(r"(?<![\w-])(?:%s)(?![\w-])" % "|".join(sorted(map(re.escape, kb().sources), key=len, reverse=True)))


def problems(kb, text):
    """What is wrong in a Chinese output: half-width punctuation after Chinese, a glossary concept
    named otherwise, an English word or label, a fact id, a decimal rate, brackets inside brackets."""
    words = prose(text)
    found = [f"half-width after Chinese: {m.group()!r}" for m in HALF_AFTER_CJK.finditer(words)]
    found += [f"glossary: {problem}" for _, problem in glossary.problems(kb, words, glossary.allowed_words(kb))]
    found += [f"decimal rate: {m.group()!r}" for m in DECIMAL_RATE.finditer(words)]
    found += [f"English label: {line.strip()!r}" for line in words.splitlines() if ASCII_LABEL.match(line)]
    found += [f"fact id: {m.group()!r}" for m in fact_ids(kb).finditer(words)]
    found += [f"nested brackets: {m.group()!r}" for m in NESTED.finditer(words)]
    return found


def fact_ids(kb):
    return re.compile(r"\b(?:%s)\b" % "|".join(sorted(kb.facts, key=len, reverse=True)))


@pytest.mark.parametrize("example", EXAMPLE_FILES)
def test_every_chinese_surface_of_an_example(example):
    shown = dict(outputs(example))
    assert "为什么：" in shown["interview"] and "收到的是 'abc'" in shown["interview"]  # why and a refusal were seen
    assert re.search(r"^  [✓✗？] ", shown["interview"], re.M)  # a rule's conditions, marked
    for what, text in shown.items():
        assert text.strip() or what.endswith("notes"), what
        found = problems(kb(), text)
        assert not found, f"{example} {what}: {found}"


def test_facts_table_in_chinese():
    kb = load_knowledge()
    text = invoke("facts", "--lang", "zh").output
    header = text.splitlines()[0]
    assert header.split() == ["事实名", "类型", "单位", "可填的值", "问题"]
    assert not re.search(r"\b(days|orders|business|yes/no|a number|text|choice|rate|count)\b", prose(text))
    assert problems(kb, text) == []


def test_deadlines_and_an_undecided_case_in_chinese(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("platform: amazon\ncancel_rate: 4%\nsuspension_date: 2026-02-20\n"
                    "appeal_date: 2026-02-25\n", encoding="utf-8")
    for fmt in ("table", "markdown"):
        text = invoke("run", case, "--lang", "zh", "--today", "2026-03-01", "--format", fmt).output
        assert "期限" in text and "仍有可能的原因" in text and "请问：" in text, text
        assert problems(kb(), text) == [], text


def test_the_letter_s_notes_in_chinese(tmp_path):
    """Causes left out, an old invoice, deadlines, an overdue plan and the placeholders."""
    case = tmp_path / "case.yaml"
    case.write_text((EXAMPLES / "counterfeit-unauthorised-brand.yaml").read_text(encoding="utf-8") +
                    "suspension_date: 2026-02-20\ninvoice_date: 2024-06-01\n"
                    "actions_planned: {remove_unauthorised_brand_listings: 2026-02-01}\n", encoding="utf-8")
    notes = invoke("letter", case, "--lang", "zh", "--today", "2026-03-01", "--min-certainty", "0.6").stderr
    for said in ("未写入草稿：货源来自零售渠道或未授权卖家（50%）", "亚马逊只接受到", "还剩 8 天", "原定 2026-02-01", "尚不能发送"):
        assert said in notes, notes
    assert problems(kb(), notes) == [], notes


def chinese_errors(tmp_path):
    """What a consultant gets wrong on the command line, each told in Chinese."""
    files = {"bad.yaml": "platform: amazon\ncancel_rate: 150%\nfulfilment: abc\norders_7d: 5\ncancelled_orders_7d: 9\n"
                         "unknown: [foo, slow_replies]\nslow_replies: yes\nfoo: 1\n",
             "zero.yaml": "platform: amazon\norders_7d: 0\ncancelled_orders_7d: 2\n",
             "twice.yaml": "platform: amazon\nplatform: ebay\n", "list.yaml": "- amazon\n", "broken.yaml": "platform: [\n",
             "date.yaml": "platform: amazon\nsuspension_date: 2026-13-45\n", "noplatform.yaml": "cancel_rate: 3%\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    today = "--today=2026-03-01"
    return [invoke("run", tmp_path / name, "--lang", "zh") for name in files] + [
        invoke("run", "--fact", "platform=amazon", "--fact", "cancel_rate=150%", "--lang", "zh"),
        invoke("run", "--fact", "cancel_rat=1%", "--lang", "zh"), invoke("run", "--fact", "x", "--lang", "zh"),
        invoke("run", "--lang", "zh"), invoke("run", tmp_path / "missing.yaml", "--lang", "zh"),
        invoke("run", tmp_path, "--lang", "zh"),
        invoke("run", EXAMPLES / "odr-slow-replies.yaml", "--explain", "nonsense", "--lang", "zh"),
        invoke("letter", "--fact", "platform=amazon", "--lang", "zh"),
        invoke("letter", "--fact", "platform=amazon", "--fact", "slow_replies=yes", "--message", "feedback-removal",
               "--lang", "zh"),
        invoke("letter", "--fact", "platform=ebay", "--fact", "slow_replies=yes", "--message", "feedback-removal",
               "--lang", "zh"),
        invoke("letter", "--fact", "platform=amazon", "--fact", "slow_replies=yes", "--fact", "appeal_date=2026-02-28",
               "--message", "follow-up", "--lang", "zh", today),
        invoke("letter", "--fact", "platform=walmart", "--fact", "account_terminated=yes", "--fact", "slow_replies=yes",
               "--lang", "zh"),
        invoke("letter", "--fact", "platform=wish", "--fact", "infraction_date=2025-01-01", "--fact", "slow_replies=yes",
               "--lang", "zh", today)]


def test_interview_and_errors_in_chinese(tmp_path):
    answers = "1\n帮助\nabc\n完成\n"
    interview = invoke("interview", "--lang", "zh", "--save", tmp_path / "c.yaml", stdin=answers).output
    assert "收到的是 'abc'" in interview and interview.count("应为") == 1
    errors = chinese_errors(tmp_path)
    for result in errors:
        assert result.exit_code == 2 and result.stderr.startswith("错误："), result.stderr
        assert not re.search(r"\b(Error|expected|unknown|got|give|cannot|the|is|not)\b", prose(result.stderr)), result.stderr
    for text in [interview] + [r.stderr for r in errors]:
        assert problems(kb(), text) == [], text


@pytest.mark.parametrize("text,columns,words", [
    ("立即：整理最近 365 天内、采购数量能覆盖销量的供应商发票，发票上须有供应商名称、地址、电话和网站（FBA），共 24 小时。", 30,
     ("FBA", "365 天", "24 小时", "发票")),
    ("预防：学习平台的知识产权和正品政策，上架前查询每个品牌的商标注册情况。", 14, ("平台", "商标", "注册", "知识产权")),
    ("换用稳定的货代，或把畅销商品转为平台仓配送（FBA）。", 12, ("平台", "FBA", "货代")),
    ("每天至少在电脑上查看三次买家消息，并开启假期模式（不可售）后再去度假。", 10, ("查看", "买家", "不可售", "假期")),
    ("请用水电费账单或银行对账单证明地址，换用更好的物流合作方。", 10, ("对账单", "合作方", "物流")),
])
def test_wrapped_chinese_keeps_words_tokens_punctuation_and_labels(text, columns, words):
    lines = wrap(text, columns, ["平台", "知识产权"])
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines[1:]:
        assert line[0] not in "，。、；：）」”！？", lines
    for word in words:  # BudouX cuts 买|家 and 对|账单: the breaker does not follow it there
        assert sum(line.count(word) for line in lines) == text.count(word), (word, lines)
    if text.startswith(("立即：", "预防：")):
        assert len(lines[0]) > 4  # the label stays with its text


@pytest.mark.parametrize("kind,sample", [
    ("half-width after Chinese", "诊断: 亚马逊"), ("half-width after Chinese", "平台仓配送(计算得出)"),
    ("fact id", "事实：是否经常断货？是；cancel_rate 未达标"), ("decimal rate", "亚马逊：配送前取消率未达标（须低于 0.025）"),
    ("English word", "错误：a rate cannot exceed 100%"), ("English word", "fact  type  unit  accepted values"),
    ("English label", "Error: 比率不能超过 100%"), ("glossary", "根本原因（可信度 85%）"),
    ("glossary", "订单由平台配送"),  # 平台 is a term, yet 平台配送 is another name for 平台仓配送
    ("nested brackets", "请检查（并非（配送方式为平台仓配送））"),
])
def test_the_checks_find_each_kind_of_problem(kind, sample):
    assert any(kind in problem for problem in problems(kb(), sample)), problems(kb(), sample)


def chinese_texts():
    """Every Chinese text a table cell or a wrapped line shows: cause titles, remedies after their
    label, questions, deadlines, and the glossary's terms inside a sentence."""
    from diagnose.vocabulary import say

    texts = [say(c.title, "zh") for c in kb().causes.values()]
    texts += [("立即：" if r.kind == "immediate" else "预防：") + say(r.text, "zh") for r in kb().remedies.values()]
    texts += [say(f.question, "zh") for f in kb().facts.values()] + [say(d.label, "zh") for d in kb().deadlines.values()]
    return texts + [f"请先核对{t.text['zh']}，再逐条整改并记录。" for t in kb().glossary.values()]


CLOSING = "，。、；：！？）」”》"
ASCII_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9%./-]*")


@pytest.mark.parametrize("columns", [16, 34, 60])
def test_wrapping_every_chinese_text(columns):
    keep = [t.text["zh"] for t in kb().glossary.values()]
    for text in chinese_texts():
        lines = wrap(text, columns, keep)
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), lines
        assert not [line for line in lines[1:] if line[:1] in CLOSING], lines
        for term in keep + ASCII_TOKEN.findall(text):  # each term and token whole on one line
            assert sum(line.count(term) for line in lines) == text.count(term), (term, lines)
        for before, after in zip(lines, lines[1:]):  # a figure stays with its unit: 24 小时
            assert not (re.search(r"[A-Za-z0-9%]$", before) and not after[:1].isascii()), lines
        if re.match(r"^(立即|预防)：", text):
            assert len(lines[0]) > 3, lines


@pytest.mark.parametrize("example", EXAMPLE_FILES)
def test_chinese_golden_diagnosis(example):
    text = invoke("run", EXAMPLES / example, "--lang", "zh", "--explain").output
    text = re.sub(r"知识库版本 [0-9a-f]{12}", "知识库版本 <version>", text)
    golden = GOLDEN / f"{example.rsplit('.', 1)[0]}.run.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


USAGE_ERRORS = [  # (arguments, the usage line's command, the problem told in Chinese)
    (["run", "--format", "xml"], "diagnose run [OPTIONS] [FACTS_FILE]", "--format 只能取 table、json、markdown，收到的是 'xml'"),
    (["letter", "--today", "2026-13-01"], "diagnose letter [OPTIONS] [FACTS_FILE]",
     "--today 应为 YYYY-MM-DD 格式的日期，收到的是 '2026-13-01'"),
    (["batch"], "diagnose batch [OPTIONS] INPUT_FILE", "缺少参数 INPUT_FILE"),
    (["run", "--bogus"], "diagnose run [OPTIONS] [FACTS_FILE]", "没有 --bogus 这个选项"),
    (["run", "--formt", "json"], "diagnose run [OPTIONS] [FACTS_FILE]", "没有 --formt 这个选项，是不是 --format？"),
    (["run", "--top", "0"], "diagnose run [OPTIONS] [FACTS_FILE]", "--top 应为 1 到 50 之间的整数，收到的是 '0'"),
    (["letter", "--min-certainty", "x"], "diagnose letter [OPTIONS] [FACTS_FILE]",
     "--min-certainty 应为 0 到 1 之间的数，收到的是 'x'"),
    (["run", "a.yaml", "b.yaml"], "diagnose run [OPTIONS] [FACTS_FILE]", "多出了参数：'b.yaml'"),
    (["facts", "--template=x"], "diagnose facts [OPTIONS]", "选项 --template 不带值"),
    (["batch", "."], "diagnose batch [OPTIONS] INPUT_FILE", "INPUT_FILE 给出的 '.' 是文件夹，这里要的是文件"),
    (["serve", "--workspace", "no-such-folder"], "diagnose serve [OPTIONS]", "--workspace 给出的 'no-such-folder' 不存在"),
    (["rn"], "diagnose [OPTIONS] COMMAND [ARGS]...", "没有 'rn' 这个命令"),
]


@pytest.mark.parametrize("args,usage,problem", USAGE_ERRORS, ids=[" ".join(a) for a, _, _ in USAGE_ERRORS])
def test_click_s_usage_errors_in_chinese(args, usage, problem):
    def diagnose(arguments, env=None):
        return CliRunner(env=env).invoke(cli, arguments, prog_name="diagnose")

    english = diagnose(args)
    assert english.exit_code == 2 and "Error: " in english.stderr
    for result in (diagnose([*args, "--lang", "zh"]), diagnose(args, env={"DIAGNOSE_LANG": "zh"})):
        command = usage.split(" [")[0]
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines() == [f"用法：{usage}", f"查看帮助：{command} --help", "", f"错误：{problem}"]
        assert not re.search(r"\b(Error|Usage|Try|Invalid|Missing|No|such|expected|got|is|not)\b",
                             prose(result.stderr)), result.stderr


def test_a_usage_error_needing_a_value_and_a_bad_language_choice_in_chinese():
    result = invoke("run", "--lang", "zh", "--format")
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, "错误：选项 --format 后面要给出一个值")
    result = CliRunner(env={"DIAGNOSE_LANG": "zh"}).invoke(cli, ["run", "--lang", "fr"])
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (2, "错误：--lang 只能取 en、zh，收到的是 'fr'")


def test_a_usage_error_stays_click_s_english_where_the_catalogue_lacks_its_words(tmp_path):
    from kb_fixture import make_kb  # the minimal knowledge base has no usage.* messages
    root = make_kb(tmp_path)
    result = invoke("run", "--kb", root, "--lang", "zh", "--top", "0")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: Invalid value for '--top': 0 is not in the range 1<=x<=50."


def test_every_fact_has_a_short_chinese_name():
    """Errors, warnings, explanations and the letter's gaps name a fact by its term, never by its question."""
    from diagnose.lint.glossary import MAX_TERM_CHARS

    for fact in kb().facts.values():
        label = kb().fact_label(fact.id, "zh")
        assert label != fact.id and not re.search(r"[？?“”]", label) and len(label) <= MAX_TERM_CHARS, (fact.id, label)


def test_chinese_errors_and_the_letter_s_gaps_name_facts_by_their_terms(tmp_path):
    result = invoke("run", "--fact", "platform=amazon", "--fact", "orders_7d=10", "--fact", "cancelled_orders_7d=1",
                    "--fact", "cancel_rate=50%", "--fact", "slow_replies=maybe", "--lang", "zh")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "错误：--fact: 回复买家消息慢：应为 是 或 否，收到的是 'maybe'",
        "错误：--fact: 配送前取消率：填的是 50%，与最近 7 天卖家取消订单数和最近 7 天订单数不符（10 单中有 1 单，即 10%，"
        "见 --fact）：请只给出计数或比率之一，或使两者一致"]
    gaps = invoke("letter", EXAMPLES / "odr-slow-replies.yaml", "--lang", "zh").stderr
    assert "[STORE NAME]        店铺名称：店铺在平台上显示的名称是什么？" in gaps, gaps
