"""Property tests: random facts of every type and size through validation and diagnosis.

Whatever the facts, the result is a diagnosis or an InputError; the same facts give
byte-identical JSON whatever the key order; threads give what sequential runs give; and
thousands of diagnoses leave the process's memory flat.
"""
import datetime as dt
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import EXAMPLES, ROOT
from diagnose.errors import InputError
from diagnose.facts import load_facts, validate_facts
from diagnose.render import to_json, to_markdown, to_table
from diagnose.yamlsafe import load_yaml

VOCABULARY = {item["id"]: item for item in load_yaml(str(ROOT / "knowledge" / "facts.yaml"))["facts"]}
PLATFORMS = [choice["value"] for choice in VOCABULARY["platform"]["choices"]]


def examples(count):
    """Settings for a property test: ``count`` examples, no deadline (machines differ in speed)."""
    return settings(max_examples=count, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TRICKY = ["3.1%", "0.031", "1", "0", "yes", "no", "是", "否", "on", "amazon", "seller", "platform", "1,000", "1_000",
          "10_00", "0,5%", "1e308", "1e-308", "-0", "150%", "-1%", " 12 ", "nan", "inf%", "١٢", "0x1F", "1:30",
          "2999-01-01", "2020-02-30", "", " ", "%", "%%", "\x00", "\ud800", "x" * 3000]
RAW_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-10 ** 40, max_value=10 ** 40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), st.sampled_from(TRICKY),
    st.dates(), st.datetimes(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2), st.binary(max_size=5))
RAW_KEY = st.one_of(st.sampled_from(sorted(VOCABULARY) + ["unknown"]), st.text(max_size=12), st.integers())


@st.composite
def hostile_facts(draw):
    """Any mapping: known and unknown keys, values of every type; usually a valid platform."""
    facts = draw(st.dictionaries(RAW_KEY, RAW_VALUE, max_size=draw(st.sampled_from([3, 14, 60]))))
    if draw(st.booleans()):
        facts["unknown"] = draw(st.lists(st.one_of(st.sampled_from(sorted(VOCABULARY)), st.text(max_size=5)),
                                         max_size=3))
    if draw(st.integers(0, 3)):
        facts["platform"] = draw(st.sampled_from(PLATFORMS))
    return facts


def valid_value(fact):
    kind = fact["type"]
    if kind == "rate":
        return st.one_of(st.floats(0, 1), st.floats(0, 100).map(lambda p: f"{p:.2f}%"))
    if kind == "count":
        return st.integers(0, 100_000)
    if kind == "bool":
        return st.one_of(st.booleans(), st.sampled_from(["yes", "no", "是", "否"]))
    if kind == "choice":
        return st.sampled_from([choice["value"] for choice in fact["choices"]])
    if kind == "number":
        return st.floats(fact.get("min", -1e9), fact.get("max", 1e9))
    if kind == "date":
        return st.dates(max_value=dt.date.today()).map(str)
    return st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40)


@st.composite
def valid_facts(draw):
    """Facts that pass validation: typed values, counts that agree with each other and with their rate."""
    names = draw(st.lists(st.sampled_from(sorted(set(VOCABULARY) - {"platform"})), unique=True, max_size=12))
    facts = {name: draw(valid_value(VOCABULARY[name])) for name in names}
    facts["platform"] = draw(st.sampled_from(PLATFORMS))
    for fact in VOCABULARY.values():
        parts = fact.get("computed_from")
        if parts and parts["numerator"] in facts and parts["denominator"] in facts:
            facts[parts["numerator"]] = min(facts[parts["numerator"]], facts[parts["denominator"]])
            if facts[parts["denominator"]] == 0:
                del facts[parts["numerator"]]
            elif fact["id"] in facts:
                facts[fact["id"]] = facts[parts["numerator"]] / facts[parts["denominator"]]
    return facts


@pytest.mark.slow
@examples(400)
@given(facts=hostile_facts())
def test_any_facts_give_a_diagnosis_or_an_input_error(diagnoser, facts):
    try:
        seller = validate_facts(facts, diagnoser.kb, "facts.yaml")
    except InputError as exc:
        assert all(line.startswith(("facts.yaml", "...")) for line in str(exc).splitlines()), str(exc)
        return
    diagnosis = diagnoser.run(seller)
    for lang in ("en", "zh"):
        json.loads(to_json(diagnosis, diagnoser.kb, lang))
        to_table(diagnosis, diagnoser.kb, lang, 5, True)
        to_markdown(diagnosis, diagnoser.kb, lang, 5, True)


@examples(60)
@given(facts=valid_facts(), order=st.randoms(use_true_random=False))
def test_same_facts_in_any_key_order_give_byte_identical_json(diagnoser, tmp_path, facts, order):
    items = list(facts.items())
    order.shuffle(items)
    outputs = []
    for name, pairs in (("a.json", list(facts.items())), ("b.json", items), ("a.json", list(facts.items()))):
        path = tmp_path / name
        path.write_text(json.dumps(dict(pairs), ensure_ascii=False))
        seller = load_facts(str(path), [], diagnoser.kb)
        outputs.append(to_json(diagnoser.run(seller), diagnoser.kb, "en"))
    assert outputs[0] == outputs[1] == outputs[2]


@pytest.mark.slow
def test_json_is_the_same_whatever_the_hash_seed(tmp_path):
    """Set and dict orders depend on PYTHONHASHSEED for strings: the output must not."""
    code = ("import sys\nfrom diagnose.api import get_diagnoser\nfrom diagnose.facts import load_facts\n"
            "from diagnose.render import to_json\nd = get_diagnoser()\n"
            "for path in sys.argv[1:]:\n"
            "    print(to_json(d.run(load_facts(path, [], d.kb)), d.kb, 'zh'))\n")
    paths = [str(path) for path in sorted(EXAMPLES.iterdir())]
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed, DIAGNOSE_CACHE_DIR=str(tmp_path / seed))
        done = subprocess.run([sys.executable, "-c", code, *paths], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and outputs[0].count('"causes"') == len(paths)


@examples(5)
@given(cases=st.lists(valid_facts(), min_size=40, max_size=40))
def test_threads_give_the_same_results_as_one_by_one(diagnoser, cases):
    def run(facts):
        return to_json(diagnoser.run(facts), diagnoser.kb, "en")

    sequential = [run(facts) for facts in cases]
    with ThreadPoolExecutor(max_workers=6) as pool:
        concurrent = list(pool.map(run, cases))
    assert concurrent == sequential


def rss_bytes():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_ten_thousand_diagnoses_leave_memory_flat(diagnoser, capsys):
    draw = random.Random(7)
    cases = [{"platform": draw.choice(PLATFORMS), "cancel_rate": draw.uniform(0, 0.1),
              "late_shipment_rate": draw.uniform(0, 0.1), "out_of_stock_often": draw.random() < 0.5,
              "slow_replies": draw.random() < 0.5, "notice_reason": draw.choice(["cancel_rate", "other"])}
             for _ in range(100)]
    for facts in cases * 10:  # warm-up: caches, allocator pools
        diagnoser.run(facts)
    before = rss_bytes()
    for index in range(10_000):
        diagnoser.run(cases[index % len(cases)])
    growth = rss_bytes() - before
    with capsys.disabled():
        print(f"\nmemory: RSS grew {growth / 1024:.0f} KiB over 10,000 diagnoses "
              f"({before / 2 ** 20:.1f} MiB after warm-up)")
    assert growth < 8 * 2 ** 20  # one undeleted session alone costs about 1 MB
