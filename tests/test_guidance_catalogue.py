"""Every guidance tag in the knowledge names an item of the guidance catalogue, and every item of
the catalogue is covered. The catalogue lives beside the checkout, in ../shared, as for the seeds
test; without it these tests are skipped."""
import re

import pytest

from conftest import ROOT, SCENARIOS
from diagnose.yamlsafe import load_yaml

CATALOGUE = ROOT.parent / "shared" / "guidance-catalogue.md"
pytestmark = pytest.mark.skipif(not CATALOGUE.is_file(), reason="no ../shared/guidance-catalogue.md beside the checkout")


@pytest.fixture(scope="module")
def catalogue_ids():
    ids = re.findall(r"^- (G\d{2}) ", CATALOGUE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert ids and len(ids) == len(set(ids))
    return set(ids)


def knowledge_tags(kb):
    """Guidance id → where the knowledge names it."""
    tags = {}
    for kind, items in (("rule", kb.rules), ("cause", kb.causes)):
        for item in items.values():
            for tag in item.guidance:
                tags.setdefault(tag, []).append(f"{kind} {item.id}")
    for tag in kb.guidance:
        if tag.startswith("G"):  # N: a next step of our own, not from the catalogue
            tags.setdefault(tag, []).append("knowledge/guidance.yaml")
    return tags


def test_every_tag_names_a_catalogue_item(kb, catalogue_ids):
    unknown = {tag: places for tag, places in knowledge_tags(kb).items() if tag not in catalogue_ids}
    scenario_tags = {}
    for path in SCENARIOS.glob("*.yaml"):
        tags = load_yaml(str(path)).get("guidance", ())
        scenario_tags[path.name] = {tags} if isinstance(tags, str) else set(tags)
    unknown.update({name: sorted(tags - catalogue_ids) for name, tags in scenario_tags.items() if tags - catalogue_ids})
    assert unknown == {}


def test_every_catalogue_item_is_covered_by_the_knowledge(kb, catalogue_ids):
    assert sorted(catalogue_ids - set(knowledge_tags(kb))) == []
