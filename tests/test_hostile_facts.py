"""Hostile facts files and --fact values: each is refused fast, in one line naming the file, the
line and the field, with exit code 2 and no traceback."""
import os
import re
import shutil
import time

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, ROOT, time_limit
from diagnose.cli import cli
from diagnose.lint.glossary import prose

TIME_BOUND = 2.0  # seconds around the CLI call, at least; warm() sets it from a normal run timed here


def bomb(levels=9, width=9):
    """The "billion laughs": each alias level multiplies the values by ``width``."""
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


CASES = {
    # name: (file content, message expected on stderr)
    "empty": (b"", "facts.yaml:1: the file is empty: expected a mapping of fact names to values"),
    "binary": (b"platform: amazon\n\x00\x01\x02\xff", "facts.yaml: binary file (contains NUL bytes)"),
    "not-utf8": (b"platform: amazon\nfulfilment: \xe9\xff\n", "facts.yaml:2: file is not UTF-8 text"),
    "utf-16": ("platform: amazon\n".encode("utf-16"), "facts.yaml: file is UTF-16 text: save it as UTF-8"),
    "control-character": ("platform: amazon\nfulfilment: sel\x07ler\n", "facts.yaml:2: control character #x0007 is not allowed"),
    "two-documents": ("platform: amazon\n---\nplatform: ebay\n", "facts.yaml:2:1: invalid YAML: expected a single document in the stream, but found another document"),
    "list": ("- platform\n- amazon\n", "facts.yaml:1: expected a mapping of fact names to values, found a list"),
    "scalar": ("42\n", "facts.yaml:1: expected a mapping of fact names to values, found a single value (int)"),
    "deep": ("platform: amazon\nx: " + "[" * 5000 + "]" * 5000 + "\n", "facts.yaml:2:"),  # our limit or libyaml's: the contract is file and line
    "alias-bomb": (bomb(), "facts.yaml:6:5: aliases expand to more than 200,000 values"),
    "many-aliases": ("a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n", "facts.yaml:2:405: more than 100 YAML aliases"),
    "huge": (b"platform: amazon\n" + b"#" * 30_000_000 + b"\n", "facts.yaml: file is 30,000,018 bytes; the limit is 32,768"),
    "huge-scalar": ("platform: amazon\nfulfilment: " + "x" * 30_000 + "\n",
                    "facts.yaml:2:1: fulfilment: expected one of seller, platform, mixed, got 'xxxxxxxxx"),
    "many-keys": ("platform: amazon\n" + "".join(f"k{i}: {i}\n" for i in range(1500)),
                  "facts.yaml:1: 1,501 entries; at most 1,000 are accepted"),
    "nan": ("platform: amazon\ncancel_rate: .nan\n", "facts.yaml:2:1: cancel_rate: expected a finite number, got nan"),
    "inf": ("platform: amazon\ncancel_rate: -.inf\n", "facts.yaml:2:1: cancel_rate: expected a finite number, got -inf"),
    "1e308": ("platform: amazon\norders_7d: 1e308\n", "facts.yaml:2:1: orders_7d: 1e+308 is too large (the limit is 10^15)"),
    "huge-int": ("platform: amazon\norders_7d: " + "9" * 40 + "\n",
                 "facts.yaml:2:1: orders_7d: the number is too large (the limit is 10^15)"),
    "huger-int": ("platform: amazon\norders_7d: " + "9" * 5000 + "\n",
                  "facts.yaml:2:12: an integer of 5,000 digits; at most 100 are accepted"),
    "huge-int-as-text": ("platform: amazon\nstore_name: " + "9" * 50 + "\n",
                         "facts.yaml:2:1: store_name: the number is too large (the limit is 10^15)"),
    "five-digit-year": ("platform: amazon\nstore_name: !!timestamp 99999-01-01\n",
                        "facts.yaml:2:13: not a valid date or time: write a date as YYYY-MM-DD (a four-digit year)"),
    "negative-count": ("platform: amazon\norders_7d: -3\n", "facts.yaml:2:1: orders_7d: -3 is below the minimum 0"),
    "rate-over-100%": ("platform: amazon\ncancel_rate: 150%\n",
                       "facts.yaml:2:1: cancel_rate: a rate cannot exceed 100%, got '150%'"),
    "rate-over-1": ("platform: amazon\ncancel_rate: 1.5\n", "facts.yaml:2:1: cancel_rate: 1.5 is not a rate"),
    "negative-rate": ("platform: amazon\ncancel_rate: -1%\n", "facts.yaml:2:1: cancel_rate: a rate cannot be negative"),
    "timestamp-for-number": ("platform: amazon\ncancel_rate: 2024-01-31\n",
                             "facts.yaml:2:1: cancel_rate: expected a number, got 2024-01-31"),
    "impossible-date": ("platform: amazon\ncancel_rate: 2024-02-30\n",
                        "facts.yaml:2:14: not a valid !!timestamp value: day is out of range for month"),
    "unknown-key": ("platform: amazon\nfoo: 1\n", "facts.yaml:2:1: foo: unknown fact (see 'diagnose facts')"),
    "misspelt-key": ("platform: amazon\ncancel_rat: 3%\n", "facts.yaml:2:1: cancel_rat: unknown fact; did you mean 'cancel_rate'?"),
    "yes-as-key": ("platform: amazon\nyes: 1\n", "facts.yaml:2:1: yes: unknown fact"),
    "number-as-key": ("platform: amazon\n3: 1\n", "facts.yaml:2:1: 3: unknown fact"),
    "newline-in-key": ('platform: amazon\n"cancel\\nrate": 3%\n', "facts.yaml:2:1: 'cancel\\nrate': unknown fact"),
    "empty-key": ("platform: amazon\n'': 3%\n", "facts.yaml:2:1: '': unknown fact"),
    "complex-key": ("platform: amazon\n? [a, b]\n: 1\n", "facts.yaml:2:3: mapping keys must be plain scalars"),
    "duplicate-key": ("platform: amazon\nplatform: ebay\n", "facts.yaml:2:1: platform: duplicate key (first given on line 1)"),
    "python-object": ("platform: !!python/object/apply:os.system [echo hacked]\n",
                      "facts.yaml:1:11: invalid YAML: could not determine a constructor for the tag"),
    "python-name": ("platform: !!python/name:os.system\n", "facts.yaml:1:11: invalid YAML: could not determine a constructor"),
    "binary-tag": ("platform: !!binary YW1hem9u\n", "facts.yaml:1:11: the !!binary tag is not supported here"),
    "set": ("platform: amazon\nfulfilment: !!set {seller, mixed}\n", "facts.yaml:2:13: the !!set tag is not supported here"),
    "nul-escape": ('platform: "amazon\\0"\n', "facts.yaml:1:11: a string holds a control character or an invalid code point"),
    "surrogate-escape": ('platform: "\\ud800"\n', "facts.yaml:1:14: invalid YAML: found invalid Unicode character escape code"),
    "hex": ("platform: amazon\norders_7d: 0x1F\n", "facts.yaml:2:1: orders_7d: expected a number, got '0x1F'"),
    "base-60": ("platform: amazon\norders_7d: 1:30\n", "facts.yaml:2:1: orders_7d: expected a number, got '1:30'"),
    "unicode-digits": ("platform: amazon\norders_7d: '١٢'\n", "facts.yaml:2:1: orders_7d: expected a number, got '١٢'"),
    "decimal-comma": ("platform: amazon\ncancel_rate: 0,5%\n", "facts.yaml:2:1: cancel_rate: expected a number, got '0,5'"),
    "bool-for-number": ("platform: amazon\norders_7d: yes\n", "facts.yaml:2:1: orders_7d: expected a number, got a yes/no value (true)"),
    "list-for-bool": ("platform: amazon\nslow_replies: [yes]\n", "facts.yaml:2:1: slow_replies: expected yes or no, got a list"),
    "unknown-not-a-list": ("platform: amazon\nunknown: slow_replies\n", "facts.yaml:2:1: unknown: expected a list of fact names"),
    "unknown-of-numbers": ("platform: amazon\nunknown: [3]\n", "facts.yaml:2:1: unknown: expected a list of fact names"),
    "unknown-too-long": ("platform: amazon\nunknown: [" + "ab," * 3000 + "x]\n",
                         "facts.yaml:2:1: unknown: lists 3,001 names; the vocabulary has"),
    "unknown-and-given": ("platform: amazon\nslow_replies: yes\nunknown: [slow_replies]\n",
                          "facts.yaml:2:1: slow_replies: given a value and also listed as unknown"),
    "no-platform": ("cancel_rate: 3%\n", "facts.yaml: platform: the platform is required"),
    "counts-disagree-with-a-rate": ("platform: amazon\norders_7d: 10\ncancelled_orders_7d: 50\ncancel_rate: 1%\n",
                                    "facts.yaml:3:1: cancelled_orders_7d: cancelled_orders_7d (50) exceeds orders_7d (10)"),
    "rate-contradicts-counts": ("platform: amazon\norders_7d: 100\ncancelled_orders_7d: 50\ncancel_rate: 0%\n",
                                "facts.yaml:4:1: cancel_rate: cancel_rate 0% contradicts cancelled_orders_7d and "
                                "orders_7d (50 of 100 is 50%, facts.yaml:3): give the counts or the rate"),
    "counts-disagree": ("platform: amazon\norders_7d: 10\ncancelled_orders_7d: 11\n",
                        "facts.yaml:3:1: cancelled_orders_7d: cancelled_orders_7d (11) exceeds orders_7d (10)"),
}


@pytest.fixture(scope="module", autouse=True)
def warm():
    """Load the knowledge base once, so the time bound measures the facts handling only; then set
    the bound from a normal run on this machine (the size and alias limits act before parsing,
    so a refusal is never much slower than that)."""
    global TIME_BOUND
    assert CliRunner().invoke(cli, ["run", str(EXAMPLES / "listing-mismatch.yaml")]).exit_code == 0
    result, elapsed = timed([EXAMPLES / "listing-mismatch.yaml"])
    assert result.exit_code == 0, result.output
    TIME_BOUND = time_limit(elapsed, floor=TIME_BOUND)


def timed(args, kb=None):
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["run", *map(str, args)] + (["--kb", str(kb)] if kb else []))
    return result, time.perf_counter() - started


def assert_refused(result, elapsed, expected, lines=1):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stdout == ""
    assert expected in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == lines, result.stderr
    assert elapsed < TIME_BOUND, f"took {elapsed:.2f} s (the limit: {TIME_BOUND:.2f} s)"


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_facts_file(tmp_path, monkeypatch, name):
    content, expected = CASES[name]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "facts.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    assert_refused(*timed([path.name]), "Error: " + expected)


ENGLISH = re.compile(r"\b(Error|expected|unknown|got|give|cannot|file|the|is|not|YAML|bytes|digits|more|than)\b")


@pytest.mark.parametrize("name", sorted(set(CASES) - {"huge"}))  # "huge": 30 MB; its message is tested below
def test_hostile_facts_file_in_chinese(tmp_path, monkeypatch, name):
    """Under --lang zh each refusal is Chinese, at the place (file, line, column) the English names."""
    content, expected = CASES[name]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "facts.yaml").write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = CliRunner().invoke(cli, ["run", "facts.yaml", "--lang", "zh"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("错误：" + expected.split(" ")[0]), result.stderr
    assert not ENGLISH.search(prose(result.stderr)), result.stderr


@pytest.mark.parametrize("name", sorted(set(CASES) - {"huge"}))
def test_a_file_s_refusal_in_english_is_its_catalogue_entry(tmp_path, name):
    """The message catalogue's English for a refused file reads exactly as the error does, so the
    Chinese beside it translates the same thing (each refusal has a catalogue entry)."""
    from diagnose.errors import InputError
    from diagnose.facts import read_facts_file
    from diagnose.knowledge import load_knowledge

    content, _ = CASES[name]
    path = tmp_path / "facts.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    try:
        read_facts_file(str(path))
    except InputError as exc:
        assert exc.code is not None, exc.message
        if exc.code != "error.not_mapping":  # its English names the kind found, its Chinese the kind wanted
            assert load_knowledge().message(exc.code, "en", **exc.values) == exc.message


def test_the_size_limit_in_chinese(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_bytes(b"platform: amazon\n" + b"#" * 40_000 + b"\n")
    result = CliRunner().invoke(cli, ["run", str(path), "--lang", "zh"])
    assert (result.exit_code, result.stderr) == (2, f"错误：{path}: 文件有 40,018 字节，上限是 32,768 字节\n")


def test_many_problems_are_capped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "facts.yaml").write_text("platform: amazon\n" + "".join(f"k{i}: {i}\n" for i in range(900)))
    result, elapsed = timed(["facts.yaml"])
    assert_refused(result, elapsed, "Error: facts.yaml:2:1: k0: unknown fact", lines=21)
    assert result.stderr.splitlines()[-1] == "Error: ... and 880 more problems"


@pytest.mark.parametrize("kind", ["directory", "missing", "symlink-loop", "fifo", "dev-zero"])
def test_hostile_paths(tmp_path, monkeypatch, kind):
    monkeypatch.chdir(tmp_path)
    expected = {"directory": "facts.yaml: is a directory, not a file",
                "missing": "facts.yaml: cannot read file: No such file or directory",
                "symlink-loop": "facts.yaml: cannot read file: Too many levels of symbolic links",
                "fifo": "facts.yaml: is not a regular file (a device, pipe or socket)",
                "dev-zero": "facts.yaml: is not a regular file (a device, pipe or socket)"}[kind]
    if kind == "directory":
        os.mkdir("facts.yaml")
    elif kind == "symlink-loop":
        os.symlink("other.yaml", "facts.yaml")
        os.symlink("facts.yaml", "other.yaml")
    elif kind == "fifo":
        os.mkfifo("facts.yaml")  # opening it would wait for a writer forever
    elif kind == "dev-zero":
        os.symlink(os.devnull.replace("null", "zero"), "facts.yaml")  # endless: never read to the end
    assert_refused(*timed(["facts.yaml"]), "Error: " + expected)


def test_a_large_alias_free_document_is_not_called_an_alias_expansion():
    from diagnose.yamlsafe import YamlError, parse_yaml

    with pytest.raises(YamlError) as refused:
        parse_yaml("x: [" + ",".join(["1"] * 200_001) + "]\n", "big.yaml")
    assert str(refused.value) == "big.yaml:1:4: the document holds more than 200,000 values"


@pytest.mark.parametrize("value", ["Shop\u0085x", "Shop\u009b31m", "Shop\u2028Line", "Shop\u2029x", "Shop\x1b[31m"])
def test_control_characters_in_fact_text_are_refused_as_in_files(value):
    assert_refused(*timed(["--fact", "platform=amazon", "--fact", f"store_name={value}"]),
                   "Error: --fact: store_name: text holds a control character or an invalid code point")


def test_a_huge_int_in_the_library_is_an_input_error():
    from diagnose.api import diagnose
    from diagnose.errors import InputError

    for name in ("store_name", "orders_7d", "slow_replies", "fulfilment", "cancel_rate"):
        with pytest.raises(InputError, match=f"{name}: "):
            diagnose({"platform": "amazon", name: 10 ** 5000})


@pytest.mark.parametrize("assignment,expected", [
    ("orders_7d=1e308", "--fact: orders_7d: '1e308' is too large (the limit is 10^15)"),
    ("cancel_rate=nan", "--fact: cancel_rate: expected a number, got 'nan'"),
    ("cancel_rate=inf%", "--fact: cancel_rate: expected a number, got 'inf'"),
    ("orders_7d=1_0_0", "--fact: orders_7d: expected a number, got '1_0_0'"),
    ("orders_7d= 12 000", "--fact: orders_7d: expected a number, got '12 000'"),
    ("=amazon", "--fact expects name=value, got '=amazon'"),
    ("platform", "--fact expects name=value, got 'platform'"),
    ("True=yes", "--fact: True: unknown fact"),
])
def test_hostile_fact_options(assignment, expected):
    args = ["--fact", "platform=amazon", "--fact", assignment] if "platform" not in assignment else ["--fact", assignment]
    assert_refused(*timed(args), "Error: " + expected)


def test_unicode_whitespace_and_grouping_that_are_fine():
    result, _ = timed(["--fact", "platform=amazon", "--fact", "orders_7d= 1,000 ", "--fact", "cancelled_orders_7d=10",
                       "--fact", "out_of_stock_often=是", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"cancel_rate": 0.01' in result.stdout


@pytest.fixture(scope="module")
def kb_with_a_date(tmp_path_factory):
    """A knowledge base whose vocabulary also has a date fact."""
    root = tmp_path_factory.mktemp("kb")
    shutil.copytree(ROOT / "knowledge", root / "knowledge")
    shutil.copytree(ROOT / "rules", root / "rules")
    (root / "knowledge" / "dates.yaml").write_text(
        "facts:\n  - id: notice_date\n    type: date\n"
        "    question: {en: 'When did the notice arrive?', zh: '通知是哪天收到的？'}\n"
        "    help: {en: 'The date on the notice.', zh: '通知上的日期。'}\n")
    assert CliRunner().invoke(cli, ["run", "--fact", "platform=amazon", "--kb", str(root)]).exit_code == 0
    return root


@pytest.mark.parametrize("value,expected", [
    ("2999-01-01", "facts.yaml:2:1: notice_date: 2999-01-01 is in the future"),
    ("'31/01/2024'", "facts.yaml:2:1: notice_date: expected a date as YYYY-MM-DD, got '31/01/2024'"),
    ("20240131", "facts.yaml:2:1: notice_date: expected a date as YYYY-MM-DD, got 20240131"),
])
def test_hostile_dates(kb_with_a_date, tmp_path, monkeypatch, value, expected):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "facts.yaml").write_text(f"platform: amazon\nnotice_date: {value}\n")
    assert_refused(*timed(["facts.yaml"], kb=kb_with_a_date), "Error: " + expected)


def test_a_bad_fact_option_over_a_file_names_the_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "facts.yaml").write_text("platform: amazon\ncancel_rate: 3%\norders_7d: -1\n")
    result, elapsed = timed(["facts.yaml", "--fact", "cancel_rate=150%"])
    assert_refused(result, elapsed, "Error: --fact: cancel_rate: a rate cannot exceed 100%, got '150%'", lines=2)
    assert "Error: facts.yaml:3:1: orders_7d: -1 is below the minimum 0" in result.stderr


@pytest.mark.parametrize("value", ["Shop\u0085x", "Shop\u2028Line", "Shop\x1b[31m"])
def test_control_characters_in_an_interview_answer_are_refused_and_not_recorded(diagnoser, value):
    from diagnose.interview import Session
    from diagnose.vocabulary import ValueProblem

    session = Session(diagnoser)
    session.answer("platform", "amazon")
    with pytest.raises(ValueProblem, match="control character"):
        session.answer("store_name", value)
    assert "store_name" not in session.values


@pytest.mark.parametrize("written,number", [("017", 17), ("1_000", 1000), ("1,000", 1000), ("'1,000'", 1000)])
def test_numbers_are_decimal_with_thousands_grouped(tmp_path, monkeypatch, written, number):
    """The README's row: `017` is 17 (not YAML 1.1's octal 15); `1,000` and `1_000` group thousands,
    in a file and in --fact alike."""
    from diagnose.api import get_diagnoser
    from diagnose.facts import load_facts

    monkeypatch.chdir(tmp_path)
    (tmp_path / "facts.yaml").write_text(f"platform: amazon\norders_7d: {written}\n", encoding="utf-8")
    kb = get_diagnoser().kb
    assert load_facts("facts.yaml", [], kb).values["orders_7d"] == number
    assert load_facts(None, ["platform=amazon", f"orders_7d={written.strip(chr(39))}"], kb).values["orders_7d"] == number
