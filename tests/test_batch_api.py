"""The library API in parallel: results are picklable, calls share no state, Dask runs it."""
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest

from conftest import ROOT
from diagnose import diagnose

SHOPS = [
    {"platform": "amazon", "cancel_rate": "4%", "out_of_stock_often": True},
    {"platform": "amazon", "order_defect_rate": "0.8%"},
    {"platform": "walmart", "cancel_rate": "2.4%", "out_of_stock_often": "yes"},
    {"platform": "ebay", "late_shipment_rate": "9%", "handling_time_too_short": True},
]


def diagnose_shipped(facts):
    return diagnose(facts, ROOT)


def summary(result):
    return ([(c.id, c.certainty) for c in result.causes], [(m.fact, m.status) for m in result.metrics])


def test_a_diagnosis_survives_pickling():
    result = diagnose_shipped(SHOPS[0])
    again = pickle.loads(pickle.dumps(result))
    assert again == result
    assert again.causes[0].id == "chronic_stockout"


def test_calls_share_no_state():
    first = [diagnose_shipped(facts) for facts in SHOPS]
    reversed_ = [diagnose_shipped(facts) for facts in reversed(SHOPS)]
    assert first == reversed_[::-1]
    assert summary(first[1]) == ([], [("order_defect_rate", "at_risk")])


@pytest.mark.slow
def test_fresh_processes_give_the_same_results():
    expected = [diagnose_shipped(facts) for facts in SHOPS]
    with ProcessPoolExecutor(2, mp_context=get_context("spawn")) as pool:
        assert list(pool.map(diagnose_shipped, SHOPS)) == expected


@pytest.mark.slow
def test_dask_local_scheduler():
    bag = pytest.importorskip("dask.bag")
    expected = [summary(diagnose_shipped(facts)) for facts in SHOPS]
    results = bag.from_sequence(SHOPS, npartitions=2).map(diagnose_shipped).compute(scheduler="processes")
    assert [summary(result) for result in results] == expected


@pytest.mark.slow
@pytest.mark.parametrize("watching", [True, False], ids=["inotify", "stat"])
def test_repeated_calls_reuse_the_loaded_knowledge_until_a_file_changes(tmp_path, monkeypatch, watching):
    """diagnose() in a loop hashes the knowledge files once, yet sees an edit, a new file and a
    removed one at the next call: told by the kernel (inotify) or, without it, by a stat of each file."""
    import shutil

    import diagnose.api as api
    import diagnose.knowledge as knowledge
    from diagnose.api import get_diagnoser

    if watching and api.watch([str(tmp_path)]) is None:
        pytest.skip("inotify is not available here")
    if not watching:
        monkeypatch.setattr(api, "watch", lambda folders, top_names=(): None)
    for folder in ("knowledge", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    hashed, loads = [], []
    digest, load = knowledge._digest, api.load_knowledge
    monkeypatch.setattr(knowledge, "_digest", lambda root, paths: hashed.append(1) or digest(root, paths))
    monkeypatch.setattr(api, "load_knowledge", lambda root: loads.append(1) or load(root))
    for _ in range(3):
        assert diagnose(SHOPS[0], tmp_path).causes[0].id == "chronic_stockout"
    assert len(hashed) == 1
    # watched: the second call starts the watch, the third looks at no file while nothing changed
    assert len(loads) == (2 if watching else 3)

    causes = tmp_path / "knowledge" / "causes.yaml"
    text = causes.read_text(encoding="utf-8")
    causes.write_text(text.replace("Listed items are often out of stock", "Listed items are often sold out"),
                      encoding="utf-8")
    assert diagnose(SHOPS[0], tmp_path).causes[0].title["en"] == "Listed items are often sold out"
    extra = tmp_path / "knowledge" / "policy" / "extra-sources.yaml"
    extra.write_text("sources:\n  - id: s-extra\n    title: An extra page\n    kind: official\n"
                     "    url: https://example.com/extra\n", encoding="utf-8")
    assert "s-extra" in get_diagnoser(tmp_path).kb.sources
    extra.unlink()
    assert "s-extra" not in get_diagnoser(tmp_path).kb.sources
    assert len(hashed) == 4


def test_a_forked_child_watches_on_its_own(tmp_path, monkeypatch):
    """A child process shares its parent's change queue: it must not trust (or drain) it."""
    import diagnose.watch as watch_module

    folder_watch = watch_module.watch([str(tmp_path)])
    if folder_watch is None:
        pytest.skip("inotify is not available here")
    assert folder_watch.unchanged()
    monkeypatch.setattr(watch_module.os, "getpid", lambda: -1)
    assert not folder_watch.unchanged()


def test_other_files_in_the_knowledge_root_do_not_count_as_changes(tmp_path):
    """A checkout's top folder sees caches and logs come and go: only knowledge/ and rules/ count."""
    import diagnose.watch as watch_module

    (tmp_path / "knowledge").mkdir()
    folder_watch = watch_module.watch([str(tmp_path), str(tmp_path / "knowledge")], top_names=("knowledge", "rules"))
    if folder_watch is None:
        pytest.skip("inotify is not available here")
    (tmp_path / ".hypothesis").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    assert folder_watch.unchanged()
    (tmp_path / "rules").mkdir()
    assert not folder_watch.unchanged()
