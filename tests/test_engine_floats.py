"""Every float reaches durable-rules' C core as that very float (subnormals included).

The property runs in a child process: a value the C parser misreads can crash the process
(a segfault), which would otherwise take pytest down with it.
"""
import json
import math
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from diagnose.engine import engine_json, engine_number

PROPERTY = textwrap.dedent("""
    import math
    from hypothesis import HealthCheck, given, settings, strategies as st
    from msgspec.structs import replace
    from diagnose.engine import Engine
    from diagnose.knowledge import NUMERIC_OPS, Condition, Rule, load_knowledge
    from diagnose.reference import ReferenceEvaluator, same_firings

    kb = load_knowledge()
    FACT = "account_health_rating"  # a number from 0 to 1000: any float in it is a valid value
    low, high = kb.facts[FACT].minimum, kb.facts[FACT].maximum
    floats = st.floats(min_value=low, max_value=high, allow_subnormal=True)
    where = kb.rules[next(iter(kb.rules))].where
    symptom = sorted(kb.symptoms)[0]

    def near(threshold, step):
        return min(max(math.nextafter(threshold, step * math.inf), low), high)

    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(op=st.sampled_from(NUMERIC_OPS + ("is", "is_not")), threshold=floats,
           value=st.one_of(floats, st.just(None)), step=st.sampled_from([-1, 0, 1]))
    def agree(op, threshold, value, step):
        if value is None:  # right at the threshold, or a step either side
            value = near(threshold, step) if step else threshold
        rule = Rule("float.rule", {"en": "float"}, (Condition("fact", FACT, op, threshold),), "all",
                    ("symptom", symptom), 0.7, (), ("s-method",), (), "stable", {}, where)
        generated = replace(kb, rules={rule.id: rule}, version="floats")
        facts = {"platform": "amazon", FACT: value}
        engine = Engine(generated).infer("amazon", facts)
        reference = ReferenceEvaluator(generated).infer("amazon", facts)
        difference = same_firings(generated, engine, reference)
        assert difference is None, (op, threshold, value, difference)
        assert all(dict(f.facts).get(FACT, value) == value for f in engine)

    agree()
    print("agreed")
""")


def test_every_float_reaches_the_engine_as_itself():
    code = PROPERTY.replace("MAX_EXAMPLES", "400")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    assert done.stdout.strip() == "agreed"


@pytest.mark.parametrize("number", [5e-324, 1e-323, 2.2250738585072014e-308, 5e-05, 1e-05, 0.0001, 1e+16,
                                    -5e-324, 1.5, 0.0, 123456789012345.0])
def test_engine_number_keeps_a_decimal_point_and_the_value(number):
    text = engine_number(number)
    mantissa = text.lower().partition("e")[0]
    assert "." in mantissa and float(text) == number and math.copysign(1, float(text)) == math.copysign(1, number)


def test_engine_json_writes_nested_floats_and_text():
    assert engine_json({"a": [5e-324, {"b": 1e-05}], "t": "é\"", "n": None, "y": True, "i": 3}) == \
        '{"a":[5.0e-324,{"b":1.0e-05}],"t":"é\\"","n":null,"y":true,"i":3}'


@pytest.mark.parametrize("fact, extra", [("account_health_rating", ()), ("fulfilment_days", ()),
                                          ("delivery_days", ("--fact", "wish_express=yes"))])
def test_a_subnormal_fact_is_diagnosed(fact, extra):
    platform = "wish" if extra else "amazon"
    done = subprocess.run([sys.executable, "-m", "diagnose", "run", "--fact", f"platform={platform}",
                           "--fact", f"{fact}=5e-324", *extra, "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-500:]}"
    assert f'"{fact}": 5e-324' in done.stdout


def test_a_subnormal_through_every_way_in(tmp_path):
    """Issue 15: a facts file, the library, a resumed interview and a batch with one and with two
    workers (the dead worker once lost 17 results, or hung the pool) all diagnose 5e-324.
    Each runs in its own process, so a crash is a failed assertion, not a dead test run."""
    case = tmp_path / "case.yaml"
    case.write_text("platform: amazon\naccount_health_rating: 5e-324\n", encoding="utf-8")
    shops = tmp_path / "shops.csv"
    rows = ["amazon,4.6%,"] * 10 + ["amazon,,5e-324"] + ["amazon,1%,"] * 10
    shops.write_text("platform,cancel_rate,account_health_rating\n" + "\n".join(rows) + "\n", encoding="utf-8")
    library = "from diagnose import diagnose; print(diagnose({'platform': 'amazon', 'account_health_rating': 5e-324})" \
              ".facts['account_health_rating'])"
    runs = {"file": (["-m", "diagnose", "run", str(case), "--format", "json"], ""),
            "library": (["-c", library], ""),
            "interview": (["-m", "diagnose", "interview", "--resume", str(case)], "done\n")}
    runs.update({f"batch-{n}": (["-m", "diagnose", "batch", str(shops), "--workers", n, "-o", str(tmp_path / f"{n}.jsonl")],
                                "") for n in ("1", "2")})
    output = {}
    for name, (args, answers) in runs.items():
        done = subprocess.run([sys.executable, *args], cwd=ROOT, input=answers, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"{name}: exit {done.returncode}: {done.stderr[-500:]}"
        output[name] = done.stdout
    assert '"account_health_rating": 5e-324' in output["file"] and output["library"] == "5e-324\n"
    assert "account_health_rating: 5.0e-324" in case.read_text(encoding="utf-8")  # saved again by the interview
    for workers in ("1", "2"):
        written = [json.loads(line) for line in (tmp_path / f"{workers}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert [row["row"] for row in written] == list(range(2, 23)), workers
