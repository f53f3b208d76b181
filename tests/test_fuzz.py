"""A bounded fuzz run over the facts loader, the knowledge loader and the letter renderer
(see fuzz/fuzz_loaders.py).

Inputs are random bytes, and real files mutated line by line and token by token, so that many
of them get past the YAML parser and the schemas into the checks behind them.
"""
import importlib.util

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.slow  # see pyproject.toml: `pytest -m "not slow"` leaves these out

_spec = importlib.util.spec_from_file_location("fuzz_loaders", ROOT / "fuzz" / "fuzz_loaders.py")
fuzz_loaders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz_loaders)

SEEDS = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.iterdir())]
SEEDS += [path.read_text(encoding="utf-8") for path in sorted((ROOT / "rules").rglob("*.yaml"))]
SEEDS += [(ROOT / "knowledge" / name).read_text(encoding="utf-8")
          for name in ("platforms.yaml", "causes.yaml", "symptoms.yaml")]
TOKENS = ["abc", "''", '"\\0"', "~", "null", "yes", "no", "-1", "0", "1e308", "-.inf", ".nan", "150%", "2999-01-01",
          "2020-02-30", "[]", "{}", "[1, [2, [3]]]", "&a x", "*a", "*b", "<<: *a", "!!python/object:os.system x",
          "!!binary eA==", "!!set {a}", "!!int 0x1f", "? [k]", "---", "...", "%YAML 1.1", "\t", "'", '"', "#", ":",
          "- ", "@", "`", "|", ">", "\ufeff", "é", "中", "0x1F", "1:30", "1_000", "١٢"]


@st.composite
def mutated(draw):
    """A seed file with a few lines deleted, duplicated or swapped and tokens replaced or inserted."""
    lines = draw(st.sampled_from(SEEDS)).splitlines(keepends=True) or [""]
    for _ in range(draw(st.integers(1, 6))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "replace", "insert", "indent"]))
        line = lines[index]
        if action == "delete" and len(lines) > 1:
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], line
        elif action == "indent":
            lines[index] = draw(st.sampled_from(["", " ", "  ", "\t"])) + line.lstrip(" ")
        else:
            token = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)))
            cut = draw(st.integers(0, len(line)))
            end = cut if action == "insert" else min(len(line), cut + draw(st.integers(0, 12)))
            lines[index] = line[:cut] + token + line[end:]
    return "".join(lines).encode("utf-8", "surrogatepass")


INPUTS = st.one_of(st.binary(max_size=200), mutated())


@pytest.fixture(scope="module")
def target(diagnoser):
    return fuzz_loaders.Target()


def fuzz_settings(count):
    return settings(max_examples=count, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


@fuzz_settings(500)
@given(data=INPUTS)
def test_fuzz_facts_loader(target, data):
    target.check_facts(data)


@fuzz_settings(80)
@given(data=INPUTS)
def test_fuzz_knowledge_loader(target, data):
    target.check_knowledge(data)


@fuzz_settings(120)
@given(data=st.one_of(mutated(), st.text(alphabet="<>*_[]()#&`|~\\-.!{}%", max_size=40).map(
    lambda store: f"platform: amazon\ncancel_rate: 4%\nout_of_stock_often: yes\nstore_name: '{store}'\n"
                  .encode("utf-8"))))
@example(data=b"platform: amazon\ncancel_rate: 4%\nout_of_stock_often: yes\nstore_name: '{%'\n")  # braces in a name
def test_fuzz_letter_renderer(target, data):
    target.check_letter(data)
