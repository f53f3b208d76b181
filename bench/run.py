"""Benchmark seller-diagnose: run ``python bench/run.py`` from the checkout (several minutes).

Prints, in one run:
  * cold ``diagnose run`` on an example, next to ``python -c "import durable.engine, yaml"``;
  * warm latency of one diagnosis (validation, engine, ranking), engine next to the reference;
  * the engine on shops of 70 facts, next to the reference;
  * batch throughput in shops per second per core, the engine next to the reference evaluator;
  * diagnose batch with 1 and 2 workers: CPU and wall-clock time for the same rows;
  * the first run after one knowledge file was touched or edited, next to a warm run;
  * peak memory of ``diagnose batch`` at 1,000 and 100,000 shops (its own, not the harness's);
  * how load, ruleset build, a diagnosis and memory grow with 2, 5 and 10 times the rules.

It is a plain harness, not a test: figures vary from machine to machine. ``--quick`` runs
smaller batches (10,000 instead of 100,000 shops for memory, 10,000 instead
of 20,000 for the workers) and fewer rounds.
"""
from __future__ import annotations

import argparse
import compileall
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLE = ROOT / "examples" / "cancel-rate-stockouts.yaml"
PLATFORMS = ("amazon", "ebay", "walmart", "wish")
COLUMNS = ("shop", "platform", "fulfilment", "notice_reason", "cancel_rate", "late_shipment_rate",
           "order_defect_rate", "valid_tracking_rate", "on_time_delivery_rate", "out_of_stock_often",
           "handling_time_too_short", "slow_replies", "listing_details_wrong", "images_from_others")


def write_shops(path: Path, count: int, seed: int = 1) -> Path:
    """A CSV of ``count`` made-up shops with a realistic spread of metrics and answers."""
    rnd = random.Random(seed)

    def maybe(value):
        return value if rnd.random() < 0.7 else ""

    with open(path, "w", encoding="utf-8") as out:
        out.write(",".join(COLUMNS) + "\n")
        for index in range(count):
            row = [f"shop{index}", rnd.choice(PLATFORMS), maybe(rnd.choice(("seller", "platform", "mixed"))),
                   maybe(rnd.choice(("cancel_rate", "late_shipment", "order_defect_rate", "listing_mismatch",
                                     "ip_complaint", "other"))),
                   maybe(f"{rnd.uniform(0, 6):.2f}%"), maybe(f"{rnd.uniform(0, 10):.2f}%"),
                   maybe(f"{rnd.uniform(0, 2):.2f}%"), maybe(f"{rnd.uniform(90, 100):.2f}%"),
                   maybe(f"{rnd.uniform(85, 100):.2f}%")]
            row += [maybe(rnd.choice(("yes", "no"))) for _ in range(5)]
            out.write(",".join(row) + "\n")
    return path


def rich_shops(kb, count: int, size: int = 70, seed: int = 3) -> list:
    """``count`` made-up shops of ``size`` facts each (yes/no, rates, counts, numbers, choices),
    drawn from the whole vocabulary, as raw facts for validation."""
    rnd = random.Random(seed)
    pool = sorted(f.id for f in kb.facts.values()
                  if f.type in ("bool", "rate", "count", "number", "choice") and f.id != "platform" and not f.computed_from)
    denominators = {f.computed_from[1] for f in kb.facts.values() if f.computed_from}  # above any numerator
    shops = []
    for _ in range(count):
        facts = {"platform": rnd.choice(PLATFORMS)}
        for name in rnd.sample(pool, size - 1):
            fact = kb.facts[name]
            if fact.type == "bool":
                facts[name] = rnd.random() < 0.5
            elif fact.type == "rate":
                facts[name] = round(rnd.uniform(0, 0.1), 4)
            elif fact.type == "choice":
                facts[name] = rnd.choice(fact.choice_values)
            else:
                low = int(fact.minimum or 0) + (1000 if name in denominators else 0)
                facts[name] = rnd.randint(low, low + 100 if fact.maximum is None else int(min(fact.maximum, low + 100)))
        shops.append(facts)
    return shops


# Runs a command and prints its wall seconds, CPU seconds and peak RSS. A child's peak RSS counts
# the pages of the process that forked it, so the benchmark (tens of MB once the knowledge is
# loaded) starts each measured command through this small launcher instead.
LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_utime + usage.ru_stime,
      usage.ru_maxrss / 1024)
"""


def timed(command) -> tuple:
    """(wall seconds, CPU seconds, peak RSS in MB) of one run of ``command``: its own figures."""
    printed = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, *command], check=True,
                             capture_output=True, text=True).stdout.split()
    if int(printed[0]) not in (0, 2):
        raise SystemExit(f"failed: {' '.join(command)}")
    return float(printed[1]), float(printed[2]), float(printed[3])


def cold(commands, rounds: int) -> list:
    """(wall, CPU) seconds of each command in each round; a round runs every command in turn,
    so that load from elsewhere hits them alike."""
    return [[timed(command)[:2] for command in commands] for _ in range(rounds)]


def per_call(function, items, repeat: int = 1) -> float:
    """Median CPU seconds per call of ``function`` over ``items`` (CPU time: steady under load)."""
    rounds = []
    for _ in range(repeat):
        start = time.process_time()
        for item in items:
            function(item)
        rounds.append((time.process_time() - start) / len(items))
    return statistics.median(rounds)


def paired(first, second, items, rounds: int = 5, slices: int = 15) -> tuple:
    """Median CPU seconds per call of ``first`` and of ``second`` over ``items``, and the median of
    their per-round ratio. ``items`` are dealt into ``slices`` and each round runs both on one
    slice in turn (tens of milliseconds each), ``rounds`` times over every slice: a shared
    machine's load changes from one second to the next, and hits both sides of a short round alike."""
    parts = [items[start::slices] for start in range(min(slices, len(items)))]
    results = [(per_call(first, part), per_call(second, part)) for _ in range(rounds) for part in parts]
    return (statistics.median(a for a, _ in results), statistics.median(b for _, b in results),
            statistics.median(a / b for a, b in results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches")
    options = parser.parse_args()
    python, diagnose_cmd = sys.executable, [str(Path(sys.executable).parent / "diagnose")]
    big = 10_000 if options.quick else 100_000
    print(f"seller-diagnose benchmark · Python {sys.version.split()[0]} · {os.cpu_count()} cores")

    # 1. cold start -------------------------------------------------------------------------------
    compileall.compile_dir(str(ROOT / "diagnose"), quiet=1)  # as an installed wheel would have it
    subprocess.run(diagnose_cmd + ["run", str(EXAMPLE)], check=True, stdout=subprocess.DEVNULL)  # KB cache
    rounds = cold([[python, "-c", "import durable.engine, yaml"], diagnose_cmd + ["run", str(EXAMPLE)]], 21)
    bare = [statistics.median(r[0][kind] for r in rounds) * 1000 for kind in (0, 1)]  # wall, CPU
    run = [statistics.median(r[1][kind] for r in rounds) * 1000 for kind in (0, 1)]
    ratio = [statistics.median(r[1][kind] / r[0][kind] for r in rounds) for kind in (0, 1)]
    print("\ncold start (21 rounds, each running both in turn; medians)"
          f"\n  import durable.engine, yaml              wall {bare[0]:5.0f} ms   CPU {bare[1]:5.0f} ms"
          f"\n  diagnose run {EXAMPLE.name:27} wall {run[0]:5.0f} ms   CPU {run[1]:5.0f} ms"
          f"\n  ratio (median of the rounds' ratios)     wall {ratio[0]:5.2f} x    CPU {ratio[1]:5.2f} x"
          "    (target <= 2.5x)")

    # 2. warm latency -------------------------------------------------------------------------------
    from diagnose.api import diagnose, get_diagnoser
    from diagnose.batch import Screener, read_rows
    from diagnose.facts import read_facts_file, validate_facts
    from diagnose.ranking import rank
    from diagnose.reference import ReferenceEvaluator

    diagnoser = get_diagnoser(ROOT)
    kb = diagnoser.kb
    reference = ReferenceEvaluator(kb)
    with tempfile.TemporaryDirectory() as tmp:
        shops_csv = write_shops(Path(tmp) / "shops.csv", 5000)
        rows = [row for row in read_rows(str(shops_csv), kb) if row.facts is not None]
        sellers = [validate_facts(row.facts, kb) for row in rows]
        example = validate_facts(read_facts_file(str(EXAMPLE)), kb)
        one = per_call(diagnoser.run, [example] * 2000, 3)
        raw = read_facts_file(str(EXAMPLE))
        by_library, _, library_ratio = paired(diagnose, diagnoser.run, [raw] * 2000)
        validate = per_call(lambda row: validate_facts(row.facts, kb), rows)
        engine, floor, engine_ratio = paired(lambda s: diagnoser.engine.infer(s.platform, s.values),
                                             lambda s: reference.infer(s.platform, s.values), sellers)
        rich = [validate_facts(facts, kb) for facts in rich_shops(kb, 1000)]
        rich_engine, rich_floor, rich_ratio = paired(lambda s: diagnoser.engine.infer(s.platform, s.values),
                                                     lambda s: reference.infer(s.platform, s.values), rich)
        firings = [diagnoser.engine.infer(s.platform, s.values) for s in sellers]
        ranking = per_call(lambda pair: rank(kb, *pair), list(zip(sellers, firings)))
        print(f"\nwarm latency per diagnosis (in process, CPU time, {len(rows)} generated shops)"
              f"\n  the example, validated facts to ranked diagnosis  {one * 1e6:7.0f} us"
              f"\n  validate facts                                    {validate * 1e6:7.0f} us"
              f"\n  engine (durable-rules)                            {engine * 1e6:7.0f} us"
              f"\n  reference evaluator (plain Python)                {floor * 1e6:7.0f} us"
              f"   engine / reference = {engine_ratio:.2f}x (target <= 2x)"
              f"\n  engine, shops of 70 facts                         {rich_engine * 1e6:7.0f} us"
              f"\n  reference, shops of 70 facts                      {rich_floor * 1e6:7.0f} us"
              f"   engine / reference = {rich_ratio:.2f}x (target <= 4x)"
              f"\n  ranking                                           {ranking * 1e6:7.0f} us"
              f"\n  diagnose(dict), the library call                  {by_library * 1e6:7.0f} us"
              f"   / Diagnoser.run(dict) = {library_ratio:.2f}x (target <= 1.1x)")

        # 3. batch throughput ---------------------------------------------------------------------
        screener = Screener(ROOT, str(shops_csv), "jsonl", 3, "en")
        pipeline = per_call(screener, rows)
        screener.diagnoser = type(diagnoser)(kb)
        screener.diagnoser.engine = reference  # the same pipeline with the reference evaluator
        pipeline_floor = per_call(screener, rows)
        print(f"\nbatch throughput per core (validate, infer, rank, write JSON Lines)"
              f"\n  in process, engine              {1 / pipeline:7.0f} shops per CPU second"
              f"\n  in process, reference evaluator {1 / pipeline_floor:7.0f} shops per CPU second"
              f"   engine is {pipeline / pipeline_floor:.1f}x slower (target <= 10x)")
        count = 10_000 if options.quick else 20_000
        many = write_shops(Path(tmp) / "many.csv", count, seed=2)
        batch = [diagnose_cmd + ["batch", str(many), "--workers", str(workers), "--kb", str(ROOT), "-o", os.devnull]
                 for workers in (1, 2)]
        rounds = cold(batch, 3 if options.quick else 5)
        print(f"  diagnose batch, {count:,} shops, process start included (3,000 per CPU second is the target;"
              f" {len(rounds)} rounds, each running both in turn; medians)")
        for index, workers in enumerate((1, 2)):
            wall, cpu = (statistics.median(r[index][kind] for r in rounds) for kind in (0, 1))
            print(f"    --workers {workers}   CPU {cpu:5.2f} s ({count / cpu:5.0f} shops per CPU second)"
                  f"   wall {wall:5.2f} s ({count / wall:5.0f} shops per second)")
        cpu_ratio = statistics.median(r[1][1] / r[0][1] for r in rounds)
        wall_ratio = statistics.median(r[1][0] / r[0][0] for r in rounds)
        print(f"    2 workers / 1 worker: CPU {cpu_ratio:.2f}x (target <= 1.1x), wall {wall_ratio:.2f}x"
              f" (0.5x at best, on two cores nothing else uses)")

        # 3b. the first run after an edit ---------------------------------------------------------
        first_run(diagnose_cmd, Path(tmp), 5 if options.quick else 11)

        # 4. memory -------------------------------------------------------------------------------
        print("\npeak memory of diagnose batch itself (--workers 1, output to /dev/null)")
        for count in (1_000, big):
            path = write_shops(Path(tmp) / f"shops-{count}.csv", count, seed=count)
            seconds, _, megabytes = timed(diagnose_cmd + ["batch", str(path), "--kb", str(ROOT), "-o", os.devnull])
            print(f"  {count:>7,} shops  {megabytes:6.1f} MB  ({seconds:.1f} s)")

        # 5. scaling ------------------------------------------------------------------------------
        scaling(sellers, Path(tmp))


def first_run(diagnose_cmd, tmp: Path, rounds: int) -> None:
    """``diagnose run`` right after one knowledge file was touched (its time changed) or edited
    (a comment added), next to a warm run, on a copy of the knowledge; rounds run all three in turn."""
    import shutil

    root = tmp / "edited"
    shutil.copytree(ROOT / "knowledge", root / "knowledge")
    shutil.copytree(ROOT / "rules", root / "rules")
    edited = root / "knowledge" / "causes.yaml"
    command = diagnose_cmd + ["run", str(EXAMPLE), "--kb", str(root)]
    timed(command)  # the caches of this copy
    results = []
    for number in range(rounds):
        os.utime(edited)
        touched = timed(command)[:2]
        with open(edited, "a", encoding="utf-8") as out:
            out.write(f"# edit {number}\n")
        edit = timed(command)[:2]
        warm = timed(command)[:2]
        results.append((touched, edit, warm))
    print(f"\nthe first run after one knowledge file changed (diagnose run, {rounds} rounds; medians)")
    for index, label in ((2, "warm run"), (0, "after touching causes.yaml"), (1, "after editing causes.yaml")):
        wall, cpu = (statistics.median(r[index][kind] for r in results) * 1000 for kind in (0, 1))
        ratio = [statistics.median(r[index][kind] / r[2][kind] for r in results) for kind in (0, 1)]
        print(f"  {label:27} wall {wall:5.0f} ms   CPU {cpu:5.0f} ms" +
              (f"   / warm: wall {ratio[0]:.2f}x, CPU {ratio[1]:.2f}x" if index != 2 else "") +
              ("   (target <= 3x)" if index == 1 else ""))


def resident_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def scaling(sellers, tmp: Path) -> None:
    """Load, ruleset build, per-diagnosis cost and memory with 1, 2, 5 and 10 copies of the shipped rules."""
    import shutil

    from diagnose.api import Diagnoser
    from diagnose.knowledge import load_knowledge
    from diagnose.reference import ReferenceEvaluator

    print("\nscaling with the number of rules (copies of the shipped rules, ids suffixed; CPU time)")
    print("  rules   load      build     engine/diagnosis   reference/diagnosis   RSS growth")
    base = None
    for copies in (1, 2, 5, 10):
        root = tmp / f"scaled-{copies}"
        shutil.copytree(ROOT / "knowledge", root / "knowledge")
        for copy in range(copies):
            for source in (ROOT / "rules").rglob("*.yaml"):
                target = root / "rules" / f"copy{copy}" / source.relative_to(ROOT / "rules")
                target.parent.mkdir(parents=True, exist_ok=True)
                text = source.read_text(encoding="utf-8")
                target.write_text(text if copy == 0 else text.replace("  - id: ", f"  - id: c{copy}."),
                                  encoding="utf-8")
        before = resident_mb()
        start = time.process_time()
        kb = load_knowledge(root, use_cache=False)
        load = time.process_time() - start
        start = time.process_time()
        diagnoser = Diagnoser(kb)
        for platform in PLATFORMS:
            diagnoser.engine.infer(platform, {"platform": platform})  # registers each platform's ruleset
        build = time.process_time() - start
        memory = resident_mb() - before
        reference = ReferenceEvaluator(kb)
        sample = sellers[:1000]
        engine = per_call(lambda s: diagnoser.engine.infer(s.platform, s.values), sample)  # noqa: B023 (called at once)
        floor = per_call(lambda s: reference.infer(s.platform, s.values), sample)  # noqa: B023 (called at once)
        base = base or (engine, floor)
        print(f"  {len(kb.rules):5}  {load * 1000:5.0f} ms  {build * 1000:5.0f} ms"
              f"   {engine * 1e6:6.0f} us ({engine / base[0]:4.2f}x)   {floor * 1e6:6.0f} us ({floor / base[1]:4.2f}x)"
              f"        {memory:5.1f} MB")


if __name__ == "__main__":
    main()
