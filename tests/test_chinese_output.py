"""Every command's Chinese output for the examples: Chinese labels and headers, full-width
punctuation after Chinese, the glossary's terms, no fact ids or decimal rates where people read
figures; and golden copies of the Chinese diagnoses (`UPDATE_GOLDEN=1` rewrites them; review the
diff line by line)."""
import json
import os
import re

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT
from diagnose.cli import cli
from diagnose.knowledge import load_knowledge
from diagnose.lint.glossary import other_names
from diagnose.typography import wrap

GOLDEN = ROOT / "tests" / "golden" / "zh"
EXAMPLE_FILES = sorted(p.name for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))
CJK = "\u3400-\u9fff\uff00-\uffef\u3000-\u303f"
HALF_AFTER_CJK = re.compile(f"[{CJK}] ?[:;,()!?]")
DECIMAL_RATE = re.compile(r"(?<![\d.])0\.\d+(?![\d.%])")
ASCII_LABEL = re.compile(r"^\s*(?:#+ |\*\*|- )?[A-Za-z][A-Za-z ]*(?::|：|\*\*)")


def invoke(*args, stdin=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=stdin)


def outputs(example):
    """(what, text) for each Chinese surface of one example."""
    path = EXAMPLES / example
    run = [("table", invoke("run", path, "--lang", "zh", "--explain").output),
           ("markdown", invoke("run", path, "--lang", "zh", "--format", "markdown", "--explain").output)]
    data = json.loads(invoke("run", path, "--lang", "zh", "--format", "json").output)
    titles = [c["title"] for c in data["causes"]] + [s["title"] for s in data["symptoms"]]
    titles += [b["title"] for c in data["causes"] for b in c["because"]]
    titles += [s["title"] for s in data["sources"].values() if s["kind"] == "seed"]
    letter = invoke("letter", path, "--lang", "zh")
    return run + [("json titles", "\n".join(titles)), ("letter", letter.stdout), ("letter notes", letter.stderr)]


def prose(text):
    """``text`` without `code`, addresses and [rule ids] (names, not words for people)."""
    text = re.sub(r"`[^`\n]*`|<[^>\n]*>|https?://\S+|\[[a-z0-9_.]+\]", " ", text)
    return re.sub(r"(?:规则|rule) [a-z0-9_.]+", " ", text)


def problems(kb, text):
    found = [f"half-width after Chinese: {m.group()!r}" for m in HALF_AFTER_CJK.finditer(prose(text))]
    found += [f"glossary: {problem}" for _, problem in other_names(kb, text)]
    found += [f"decimal rate: {m.group()!r}" for m in DECIMAL_RATE.finditer(prose(text).replace("0.031", ""))]
    found += [f"English label: {line.strip()!r}" for line in prose(text).splitlines() if ASCII_LABEL.match(line)]
    return found


@pytest.mark.parametrize("example", EXAMPLE_FILES)
def test_every_chinese_surface_of_an_example(example):
    kb = load_knowledge()
    metric_ids = re.compile(r"\b(?:%s)\b" % "|".join(f for t in kb.glossary.values() for f in t.facts))
    for what, text in outputs(example):
        assert text.strip(), what
        found = problems(kb, text)
        if what != "letter notes":  # the notes list placeholders with the fact a consultant fills in
            found += [f"fact id: {m.group()!r}" for m in metric_ids.finditer(prose(text))]
        assert not found, f"{example} {what}: {found}"


def test_facts_table_in_chinese():
    kb = load_knowledge()
    text = invoke("facts", "--lang", "zh").output
    header = text.splitlines()[0]
    assert header.split() == ["事实名", "类型", "单位", "可填的值", "问题"]
    assert not re.search(r"\b(days|orders|business|yes/no|a number|text|choice|rate|count)\b", prose(text))
    assert problems(kb, text) == []


def test_interview_and_errors_in_chinese(tmp_path):
    kb = load_knowledge()
    answers = "1\n帮助\nabc\n完成\n"
    interview = invoke("interview", "--lang", "zh", "--save", tmp_path / "c.yaml", stdin=answers).output
    assert "收到的是 'abc'" in interview and interview.count("应为") == 1
    errors = [invoke("run", "--fact", "platform=amazon", "--fact", "cancel_rate=150%", "--lang", "zh"),
              invoke("run", "--fact", "cancel_rat=1%", "--lang", "zh"),
              invoke("letter", "--fact", "platform=amazon", "--lang", "zh"),
              invoke("letter", "--fact", "platform=amazon", "--fact", "slow_replies=yes", "--message",
                     "feedback-removal", "--lang", "zh")]
    for result in errors:
        assert result.exit_code == 2 and result.stderr.startswith("错误："), result.stderr
        assert not re.search(r"\b(Error|expected|unknown|got|give|cannot|the)\b", result.stderr), result.stderr
    for text in [interview] + [r.stderr for r in errors]:
        assert problems(kb, text) == [], text


@pytest.mark.parametrize("text,columns", [
    ("立即：整理最近 365 天内、采购数量能覆盖销量的供应商发票，发票上须有供应商名称、地址、电话和网站（FBA），共 24 小时。", 30),
    ("预防：学习平台的知识产权和正品政策，上架前查询每个品牌的商标注册情况。", 14),
    ("换用稳定的货代，或把畅销商品转为平台仓配送（FBA）。", 12),
])
def test_wrapped_chinese_keeps_tokens_punctuation_and_labels(text, columns):
    lines = wrap(text, columns, ["平台"])
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines[1:]:
        assert line[0] not in "，。、；：）」”！？", lines
    for before, after in zip(lines, lines[1:]):
        for token in ("FBA", "365", "24", "平台"):
            assert not any(before.endswith(token[:k]) and after.startswith(token[k:]) for k in range(1, len(token))), lines
    assert lines[0].startswith(text[:4]) and len(lines[0]) > 4  # the label stays with its text


@pytest.mark.parametrize("example", EXAMPLE_FILES)
def test_chinese_golden_diagnosis(example):
    text = invoke("run", EXAMPLES / example, "--lang", "zh", "--explain").output
    text = re.sub(r"知识库版本 [0-9a-f]{12}", "知识库版本 <version>", text)
    golden = GOLDEN / f"{example.rsplit('.', 1)[0]}.run.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
