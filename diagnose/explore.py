"""Browse a knowledge base: one item with everything linked to it (``kb show``) and the
graph facts → symptoms → causes → remedies (``kb graph``)."""
from __future__ import annotations

import json
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from .knowledge import Cause, KnowledgeBase, Remedy, Rule, Source, Symptom, Where
from .render import describe_range
from .vocabulary import Fact, say

KINDS = ("fact", "rule", "symptom", "cause", "remedy", "source")


def _at(where: Where) -> str:
    return f"{where.path}:{where.line or 1}"


def _rule_ref(rule: Rule) -> str:
    return f"{rule.id} ({_at(rule.where)})"


def _list(title: str, items: List[str]) -> List[str]:
    return [f"  {title}:"] + [f"    - {item}" for item in items] if items else [f"  {title}: none"]


class Explorer:
    """Indexes of what refers to what in one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.rules = [rule for rule in kb.rules.values() if rule.status != "deprecated"]

    def tables(self) -> Dict[str, dict]:
        kb = self.kb
        return {"fact": kb.facts, "rule": kb.rules, "symptom": kb.symptoms, "cause": kb.causes,
                "remedy": kb.remedies, "source": kb.sources}

    def find(self, item_id: str) -> List[str]:
        """The kinds of item named ``item_id`` (an id may name, say, a symptom and a cause)."""
        return [kind for kind, table in self.tables().items() if item_id in table]

    def known_ids(self) -> Set[str]:
        return {item_id for table in self.tables().values() for item_id in table}

    # -- kb show ---------------------------------------------------------------------------------
    def show(self, kind: str, item_id: str) -> List[str]:
        """Lines describing one item and everything linked to it."""
        return getattr(self, f"_show_{kind}")(self.tables()[kind][item_id])

    def _sources(self, source_ids: Iterable[str]) -> List[str]:
        lines = []
        for source_id in source_ids:
            source = self.kb.sources[source_id]
            lines.append(f"{source.id}: {source.title} <{source.url or source.file}>")
        return _list("sources", lines)

    def _rules_where(self, test: Callable[[Rule], bool]) -> List[str]:
        return [_rule_ref(rule) for rule in self.rules if test(rule)]

    def _show_fact(self, fact: Fact) -> List[str]:
        lines = [f"fact {fact.id} ({fact.type}): {say(fact.question, 'en')}", f"  defined at {_at(fact.where)}",
                 f"  accepted values: {describe_range(self.kb, fact, 'en')}"]
        if fact.window:
            lines.append(f"  window: {say(fact.window, 'en')}")
        if fact.computed_from:
            lines.append(f"  computed from: {fact.computed_from[0]} / {fact.computed_from[1]}")
        feeds = sorted(f.id for f in self.kb.facts.values() if f.computed_from and fact.id in f.computed_from)
        if feeds:
            lines.append(f"  used to compute: {', '.join(feeds)}")
        lines += _list("tested by rules", self._rules_where(
            lambda rule: any(c.kind == "fact" and c.name == fact.id for c in rule.conditions)))
        return lines

    def _show_rule(self, rule: Rule) -> List[str]:
        kind, target = rule.conclusion
        joiner = " and " if rule.match == "all" else " or "
        lines = [f"rule {rule.id}: {say(rule.title, 'en')}", f"  defined at {_at(rule.where)}",
                 f"  when: {joiner.join(c.describe() for c in rule.conditions)}",
                 f"  then: {kind} {target} (certainty {rule.certainty:g})",
                 f"  platforms: {', '.join(rule.platforms) or 'all'}", f"  status: {rule.status}",
                 "  examples: " + ", ".join(f"{len(rule.examples.get(k, ()))} {k}" for k in ("fires", "silent", "todo"))]
        if rule.generated_from:
            lines.insert(2, f"  generated from threshold {rule.generated_from}")
        return lines + self._sources(rule.sources)

    def _show_symptom(self, symptom: Symptom) -> List[str]:
        lines = [f"symptom {symptom.id}: {say(symptom.title, 'en')}", f"  defined at {_at(symptom.where)}"]
        lines += _list("derived by rules", self._rules_where(lambda rule: rule.conclusion == ("symptom", symptom.id)))
        lines += _list("tested by rules", self._rules_where(
            lambda rule: any(c.kind == "symptom" and c.name == symptom.id for c in rule.conditions)))
        return lines

    def _show_cause(self, cause: Cause) -> List[str]:
        lines = [f"cause {cause.id}: {say(cause.title, 'en')}", f"  defined at {_at(cause.where)}",
                 f"  family: {cause.family}"]
        lines += _list("concluded by rules", self._rules_where(lambda rule: rule.conclusion == ("cause", cause.id)))
        lines += _list("remedies", [f"{r} ({self.kb.remedies[r].kind}): {say(self.kb.remedies[r].text, 'en')}"
                                    for r in cause.remedies])
        return lines + self._sources(cause.sources)

    def _show_remedy(self, remedy: Remedy) -> List[str]:
        lines = [f"remedy {remedy.id} ({remedy.kind}): {say(remedy.text, 'en')}", f"  defined at {_at(remedy.where)}"]
        lines += _list("listed by causes", [f"{c.id} ({_at(c.where)})" for c in self.kb.causes.values()
                                            if remedy.id in c.remedies])
        return lines + self._sources(remedy.sources)

    def _show_source(self, source: Source) -> List[str]:
        lines = [f"source {source.id}: {source.title}", f"  defined at {_at(source.where)}",
                 f"  kind: {source.kind}", f"  address: {source.url or source.file}"]
        if source.author or source.date:
            lines.append(f"  by: {', '.join(part for part in (source.author, source.date) if part)}")
        cited = [f"rule {_rule_ref(rule)}" for rule in self.rules if source.id in rule.sources]
        for kind, table in (("cause", self.kb.causes), ("remedy", self.kb.remedies), ("guidance", self.kb.guidance)):
            cited += [f"{kind} {item.id} ({_at(item.where)})" for item in table.values() if source.id in item.sources]
        return lines + _list("cited by", cited)

    # -- kb graph --------------------------------------------------------------------------------
    def edges(self, cause: Optional[str] = None) -> List[Tuple[str, str, bool]]:
        """(from node, to node, negated) as "kind:id" pairs, sorted; only what leads to ``cause``
        and its remedies when given. The platform fact is left out: every threshold tests it."""
        edges = set()
        for rule in self.rules:
            target = ":".join(rule.conclusion)
            for condition in rule.conditions:
                if condition.name != "platform" or condition.kind != "fact":
                    edges.add((f"{condition.kind}:{condition.name}", target, condition.negated))
        for item in self.kb.causes.values():
            edges |= {(f"cause:{item.id}", f"remedy:{remedy}", False) for remedy in item.remedies}
        if cause is not None:
            keep = {f"cause:{cause}"}
            grown = True
            while grown:
                before = len(keep)
                keep |= {source for source, target, _ in edges if target in keep}
                grown = len(keep) > before
            edges = {e for e in edges if e[1] in keep or e[0] == f"cause:{cause}"}
        order = {kind: index for index, kind in enumerate(KINDS)}
        return sorted(edges, key=lambda e: (order[e[0].split(":")[0]], e[0], order[e[1].split(":")[0]], e[1], e[2]))


def mermaid(edges: List[Tuple[str, str, bool]]) -> Iterator[str]:
    """The graph as a Mermaid flowchart."""
    shapes = {"fact": '(["{}"])', "symptom": '{{{{"{}"}}}}', "cause": '["{}"]', "remedy": '>"{}"]'}
    yield "flowchart LR"
    for node in _nodes(edges):
        kind, name = node.split(":")
        yield f"  {_mermaid_id(node)}{shapes[kind].format(name)}"
    for source, target, negated in edges:
        arrow = "-. not .->" if negated else "-->"
        yield f"  {_mermaid_id(source)} {arrow} {_mermaid_id(target)}"


def dot(edges: List[Tuple[str, str, bool]]) -> Iterator[str]:
    """The graph in Graphviz DOT."""
    shapes = {"fact": "ellipse", "symptom": "hexagon", "cause": "box", "remedy": "note"}
    yield "digraph knowledge {"
    yield "  rankdir=LR;"
    for node in _nodes(edges):
        kind, name = node.split(":")
        yield f"  {json.dumps(node)} [label={json.dumps(name)}, shape={shapes[kind]}];"
    for source, target, negated in edges:
        style = ' [style=dashed, label="not"]' if negated else ""
        yield f"  {json.dumps(source)} -> {json.dumps(target)}{style};"
    yield "}"


def _nodes(edges: Iterable[Tuple[str, str, bool]]) -> List[str]:
    seen: Dict[str, None] = {}
    for source, target, _ in edges:
        seen.setdefault(source)
        seen.setdefault(target)
    order = {kind: index for index, kind in enumerate(KINDS)}
    return sorted(seen, key=lambda node: (order[node.split(":")[0]], node))


def _mermaid_id(node: str) -> str:
    kind, name = node.split(":")
    return f"{kind[0]}_{name}"
