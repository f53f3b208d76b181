"""Fuzz target for the facts loader and the knowledge loader.

Every input is tried as a seller's facts file (it must give a diagnosis or an InputError) and as
a knowledge file and a rule file next to the real vocabulary and platforms (check_knowledge
must return findings, never raise). Any other exception is a bug.

With atheris (coverage-guided; Linux x86-64 wheels for Python 3.9-3.12)::

    mkdir -p /tmp/corpus && cp examples/* knowledge/*.yaml rules/*/*.yaml /tmp/corpus/
    python fuzz/fuzz_loaders.py -max_total_time=60 /tmp/corpus

``tests/test_fuzz.py`` drives the same :func:`check` with hypothesis for a fixed number of
examples; ``.ci/run`` also runs atheris for a few seconds when it is installed.
"""
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_KEPT = ("facts.yaml",)  # the vocabulary the fuzzed files refer to (parsing more costs time)


class Target:
    """A scratch folder with the real vocabulary, and the diagnoser of the shipped knowledge."""

    def __init__(self):
        from diagnose.api import get_diagnoser

        self.diagnoser = get_diagnoser(ROOT)
        self.root = Path(tempfile.mkdtemp(prefix="diagnose-fuzz-"))
        for folder in ("knowledge", "rules"):
            (self.root / folder).mkdir()
        for name in KNOWLEDGE_KEPT:
            shutil.copy(ROOT / "knowledge" / name, self.root / "knowledge" / name)
        self.facts_path = self.root / "facts.yaml"
        self.knowledge = [self.root / "knowledge" / name for name in KNOWLEDGE_KEPT]
        self.knowledge.append(self.root / "knowledge" / "fuzzed.yaml")
        self.rules = [self.root / "rules" / "fuzzed.yaml"]

    def check(self, data: bytes) -> None:
        """Raise AssertionError (or whatever escaped) if ``data`` breaks a loader."""
        self.check_facts(data)
        self.check_knowledge(data)

    def check_facts(self, data: bytes) -> None:
        from diagnose.errors import InputError
        from diagnose.facts import load_facts
        from diagnose.render import to_json

        self.facts_path.write_bytes(data)
        try:
            seller = load_facts(str(self.facts_path), [], self.diagnoser.kb)
        except InputError as exc:
            assert str(exc).strip(), "an InputError without a message"
            return
        to_json(self.diagnoser.run(seller), self.diagnoser.kb, "en")

    def check_knowledge(self, data: bytes) -> None:
        from diagnose.knowledge import Finding, check_knowledge

        for path in (self.knowledge[-1], self.rules[0]):
            path.write_bytes(data)
        kb, findings = check_knowledge(self.root, self.knowledge, self.rules)
        assert all(isinstance(finding, Finding) and str(finding) for finding in findings)
        errors = [finding for finding in findings if finding.level == "error"]
        assert (kb is None) == bool(errors), "a knowledge base with errors was returned, or none without"


def main() -> None:
    import atheris

    with atheris.instrument_imports():
        import diagnose.facts  # noqa: F401  (instrumented for coverage)
        import diagnose.knowledge  # noqa: F401
        import diagnose.vocabulary  # noqa: F401
        import diagnose.yamlsafe  # noqa: F401
    target = Target()
    atheris.Setup(sys.argv, target.check)
    atheris.Fuzz()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
