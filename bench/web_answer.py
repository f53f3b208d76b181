"""How long does `diagnose serve` take from an answer to the next question's page?

For each scenario in tests/scenarios, a case is started in a temporary workspace and its
interview answered through the web application, as a browser does it: the answer is posted
(the case file is read, the answer checked, the file written atomically with fsync) and the
redirect followed to the case page (the next question chosen, causes, tree and tracking
rendered). Each post + page pair is timed, wall clock and CPU, in-process through Flask's test
client (no network, no browser: what the server spends).

    python bench/web_answer.py [SCENARIO_DIR] [--kb DIR] [--limit N]

Prints the median, 90th percentile and worst times; the target is under 100 ms. Exits 1 if the
median exceeds it.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnose.cases import scenario_files  # noqa: E402
from diagnose.web import create_app  # noqa: E402
from diagnose.yamlsafe import load_yaml  # noqa: E402

TARGET_MS = 100.0


def interview(client, name, facts, csrf):
    """Answer a case's interview from ``facts`` (the rest: not known); the time of each answer in ms,
    as (wall clock, CPU)."""
    timings = []
    page = client.get(f"/case/{name}").get_data(as_text=True)
    for _ in range(200):
        asked = re.search(r'name="fact" value="([^"]+)">\s*<div class="(?:choices|row)">', page)
        if asked is None:
            return timings
        fact = asked.group(1)
        form = {"csrf": csrf, "fact": fact, "version": re.search(r'name="version" value="(\d+)"', page).group(1)}
        if fact in facts:
            form["value"] = str(facts[fact]).lower() if isinstance(facts[fact], bool) else str(facts[fact])
        else:
            form["action"] = "skip"
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/case/{name}/answer", data=form, follow_redirects=True)
        timings.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
        if response.status_code != 200:
            raise SystemExit(f"{name}: {fact}={form.get('value')!r} gave {response.status_code}")
        page = response.get_data(as_text=True)
    raise SystemExit(f"{name}: the interview did not end")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="?", default=str(ROOT / "tests" / "scenarios"))
    parser.add_argument("--kb", default=str(ROOT))
    parser.add_argument("--limit", type=int, default=0, help="Only the first N scenarios.")
    args = parser.parse_args(argv)
    paths = list(scenario_files(Path(args.scenarios)))[:args.limit or None]
    timings = []
    with tempfile.TemporaryDirectory() as workspace:
        client = create_app(workspace, args.kb).test_client()
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
        for index, path in enumerate(paths):
            facts = dict(load_yaml(str(path))["facts"])
            name = f"case-{index}"
            client.post("/cases", data={"csrf": csrf, "name": name, "platform": facts.pop("platform")})
            timings += interview(client, name, facts, csrf)
    wall = sorted(t[0] for t in timings)
    cpu = sorted(t[1] for t in timings)

    def summary(values):
        return (f"median {statistics.median(values):.1f} ms, 90th percentile {values[int(len(values) * 0.9)]:.1f} ms, "
                f"worst {values[-1]:.1f} ms")

    print(f"Answer to the next question's page ({len(timings)} answers in {len(paths)} cases):")
    print(f"  wall clock: {summary(wall)}")
    print(f"  CPU:        {summary(cpu)}")
    print(f"  target: under {TARGET_MS:.0f} ms")
    return 0 if statistics.median(wall) < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
