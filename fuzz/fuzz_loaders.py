"""Fuzz target for the facts loader, the knowledge loader and the letter renderer.

Every input is tried as a seller's facts file (it must give a diagnosis or an InputError), as
the facts of a letter (every letter and message, text and Markdown: a draft or an InputError),
and as a knowledge file and a rule file next to the real vocabulary and platforms
(check_knowledge must return findings, never raise). Any other exception is a bug.

With atheris (coverage-guided; Linux x86-64 wheels for Python 3.9-3.12; it writes new inputs
into the corpus folder, so give it a scratch copy)::

    mkdir -p /tmp/corpus && cp examples/* rules/*/*.yaml /tmp/corpus/
    python fuzz/fuzz_loaders.py -max_total_time=60 -max_len=4096 /tmp/corpus

``tests/test_fuzz.py`` drives the same checks with hypothesis for a fixed number of examples;
``.ci/run`` also runs atheris for 20 seconds when it is installed.
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

    def check_letter(self, data: bytes) -> None:
        from diagnose.errors import InputError
        from diagnose.facts import load_facts
        from diagnose.letters import MESSAGES, _markdown_text, draft_letter, draft_message

        self.facts_path.write_bytes(data)
        try:
            diagnosis = self.diagnoser.run(load_facts(str(self.facts_path), [], self.diagnoser.kb))
        except InputError:
            return
        for markdown in (False, True):
            for draft in [lambda markdown=markdown: draft_letter(self.diagnoser.kb, diagnosis, "en", markdown)] + [
                    lambda kind=kind, markdown=markdown: draft_message(self.diagnoser.kb, diagnosis, kind, "en", markdown)
                    for kind in MESSAGES]:
                try:
                    text = draft().text
                except InputError as exc:
                    assert str(exc).strip(), "an InputError without a message"
                    continue
                # template syntax must not leak, though the seller's own text (a store name '{%') may hold it
                for given in (v for v in diagnosis.facts.values() if isinstance(v, str)):
                    text = text.replace(_markdown_text(given) if markdown else given, "")
                assert text.endswith("\n") and "{{" not in text and "{%" not in text

    def check_knowledge(self, data: bytes) -> None:
        from diagnose.knowledge import Finding, check_knowledge

        for path in (self.knowledge[-1], self.rules[0]):
            path.write_bytes(data)
        kb, findings = check_knowledge(self.root, self.knowledge, self.rules)
        assert all(isinstance(finding, Finding) and str(finding) for finding in findings)
        errors = [finding for finding in findings if finding.level == "error"]
        assert (kb is None) == bool(errors), "a knowledge base with errors was returned, or none without"


def main() -> None:
    """Run atheris: an input starting with "K" goes to the knowledge loader, "L" to the letter
    renderer, any other to the facts loader."""
    import atheris
    import jsonschema  # noqa: F401  (imported first so that only our own modules are instrumented)
    import yaml  # noqa: F401

    with atheris.instrument_imports(include=["diagnose"]):
        import diagnose.api  # noqa: F401
    target = Target()

    def one_input(data: bytes) -> None:
        if data[:1] == b"K":
            target.check_knowledge(data[1:])
        elif data[:1] == b"L":
            target.check_letter(data[1:])
        else:
            target.check_facts(data)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
