"""Benchmark of `custody-rules audit`, compared in one run (by hand; not part of the test suite).

    python bench/bench_audit.py [--records 20000] [--memory-records 100000] [--seed 7]
                                [--write bench/RESULTS.md]

It generates the records once (bench/out/, ignored by git) and then, on the same records and
in the same process tree (each measure a fresh child process of this one), reports:

* parse: the standard library's `json.loads` of every line: a floor the product cannot change;
* read + validate: what the audit's workers do before any rule (no rules loaded);
* reference: the hand-written pipeline for the same logic: read, validate, timeline, the
  independent plain-Python statement of every rule in tests/reference, and its findings
  written as JSON;
* `audit --jobs 1` and `audit --jobs 2`, each with `--format json` (every record's findings
  written, as the reference writes its own);
* `check` of one record, cold (empty rulebook cache) and warm;
* peak memory of `audit --jobs 2` at 10,000 and at --memory-records records;

each run as records/s (wall) and CPU per record (all its processes), and as a ratio to the
parse and to the reference; the load average is sampled during every run, since the machine
may be shared. `--stages` adds where one record's CPU goes inside the audit, stage by stage.

Targets (issue 12): `audit --jobs 1` CPU per record within 1.5x the reference; `--jobs 2` at
least 3,000 records/s and 1.8x `--jobs 1`; `check` of one record at most 0.25 s warm and
0.45 s cold; peak memory at 100,000 records at most 1.1x that at 10,000.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from a checkout
OUT = ROOT / "bench" / "out"
AS_OF = "2026-01-01T00:00:00+00:00"
STAGE_SAMPLE = 3000
CHECK_RUNS = 7
CHECK_RECORD = ROOT / "examples" / "compliant.json"
KEEP = "## Reading these figures"

# Runs a command and prints its wall time, its CPU time (all its processes) and the peak RSS
# of its largest process.
METER = (
    "import json, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "wall = time.perf_counter() - start\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'wall': wall, 'returncode': done.returncode,\n"
    "                  'maxrss_kib': usage.ru_maxrss,\n"
    "                  'cpu': usage.ru_utime + usage.ru_stime}))\n"
)


class LoadSampler:
    """The 1-minute load average, sampled every second while a measure runs."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(1.0):
                return

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def text(self) -> str:
        if not self.samples:
            return "-"
        return (f"{min(self.samples):.1f}-{max(self.samples):.1f} "
                f"(mean {statistics.fmean(self.samples):.1f})")


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


def measure(command: list[str], env: dict[str, str] | None = None,
            allowed: tuple[int, ...] = (0, 1)) -> dict[str, Any]:
    with LoadSampler() as load:
        done = subprocess.run([sys.executable, "-c", METER, *command], capture_output=True,
                              text=True, env=env or _env(), cwd=ROOT, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    if result["returncode"] not in allowed:
        raise SystemExit(f"failed ({result['returncode']}): {' '.join(command)}")
    result["load"] = load.text()
    result["load_mean"] = statistics.fmean(load.samples) if load.samples else float("nan")
    return result


def generate(count: int, seed: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"records-{count}-{seed}.jsonl"
    if not path.exists():
        command = [sys.executable, "-m", "custody_rules", "generate", "--records", str(count),
                   "--seed", str(seed), "--output", str(path)]
        subprocess.run(command, env=_env(), cwd=ROOT, check=True)
    return path


def head(path: Path, count: int) -> Path:
    target = path.with_name(f"{path.stem}-head{count}.jsonl")
    if not target.exists():
        with path.open("rb") as source, target.open("wb") as out:
            for number, line in enumerate(source):
                if number >= count:
                    break
                out.write(line)
    return target


# --------------------------------------------------------------------------- in-process runs

def parse_main(path: str) -> None:
    """The floor: the standard library's JSON parse of every line, nothing else."""
    count = 0
    with open(path, "rb") as handle:
        for line in handle:
            json.loads(line)
            count += 1
    print(count)


def validate_main(path: str) -> None:
    """Read and validate every record, as the audit's workers do, with no rules."""
    from custody_rules.audit.sources import discover, iter_items, load_item
    from custody_rules.errors import InputError
    from custody_rules.validate import validate_record

    good = bad = 0
    for item in iter_items(discover([Path(path)], with_csv=False).sources, None):
        try:
            validate_record(load_item(item, None).raw, source=item.where)
            good += 1
        except InputError:
            bad += 1
    print(good, bad)


def reference_main(path: str, output: str) -> None:
    """The hand-written pipeline: read, validate, timeline, tests/reference, findings as JSON."""
    from custody_rules.audit.sources import discover, iter_items, load_item
    from custody_rules.convert import parse_time
    from custody_rules.errors import InputError
    from custody_rules.policy import default_policy
    from custody_rules.rulebook import load_rulebook
    from custody_rules.timeline import build_timeline
    from custody_rules.validate import validate_record
    from tests.reference import expected_findings

    policy = default_policy()
    rules = load_rulebook(policy).rules
    as_of = parse_time(AS_OF)
    now = datetime.now(timezone.utc)
    with open(output, "wb") as out:
        for item in iter_items(discover([Path(path)], with_csv=False).sources, None):
            try:
                record = validate_record(load_item(item, None).raw, source=item.where).record
            except InputError:
                continue
            timeline = build_timeline(record, as_of, now)
            arrival = next((e for e in timeline.events if e.type == "arrival"), None)
            day = arrival.at.date() if arrival else timeline.judged_at.date()
            in_force = [rule.id for rule in rules if rule.in_force_on(day)]
            found = sorted(expected_findings(timeline, policy, in_force),
                           key=lambda f: (f[0], f[1], sorted(f[2])))
            body = {"record_id": record.record_id, "findings": [
                {"rule": rule, "status": status, "events": sorted(events),
                 "due": due.isoformat() if due else None}
                for rule, status, events, due in found]}
            out.write(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
                      + b"\n")


def stages(path: Path, count: int) -> dict[str, float]:
    """Microseconds of CPU per record in each step of the audit, on the first `count` records,
    in this process (no workers). The engine stage is split into durable-rules' C matcher
    and the Python around it by timing the C functions the adapter calls; the timer's own cost
    (two reads of the process clock per C call, a few microseconds each on a VM) is measured
    and taken out of both."""
    import durable_rules_engine

    from custody_rules.audit.summary import checked_digest
    from custody_rules.checker import Checker
    from custody_rules.convert import parse_time
    from custody_rules.findings import RecordResult, findings_for
    from custody_rules.formatters.audit_json import record_json
    from custody_rules.read import parse_json
    from custody_rules.timeline import build_timeline
    from custody_rules.validate import validate_record

    c_time = [0.0]
    c_calls = [0]
    clock = time.process_time

    def timed(function: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            c_calls[0] += 1
            start = clock()
            try:
                return function(*args)
            finally:
                c_time[0] += clock() - start
        return wrapper

    reads = 20_000
    started = clock()
    for _ in range(reads):
        clock()
    per_read = (clock() - started) / reads
    names = [name for name in ("assert_facts", "assert_fact", "retract_facts",
                               "start_action_for_state", "complete_and_start_action",
                               "delete_state", "get_facts") if hasattr(durable_rules_engine, name)]
    originals = {name: getattr(durable_rules_engine, name) for name in names}
    for name in names:
        setattr(durable_rules_engine, name, timed(originals[name]))
    try:
        checker = Checker()
        as_of = parse_time(AS_OF)
        now = datetime.now(timezone.utc)
        spent = dict.fromkeys(("parse", "validate", "timeline", "engine", "triggers",
                               "findings", "output"), 0.0)
        with path.open("rb") as handle:
            lines = [line for _, line in zip(range(count), handle, strict=False)]
        c_time[0], c_calls[0] = 0.0, 0
        for line in lines:
            t0 = clock()
            raw = parse_json(line, "bench")
            t1 = clock()
            record = validate_record(raw).record
            t2 = clock()
            timeline = build_timeline(record, as_of, now)
            t3 = clock()
            hits = checker.engine.hits(record.record_id, timeline.facts)
            t4 = clock()
            hits += checker.triggers.hits(timeline.facts)
            t5 = clock()
            findings, applied, in_force = findings_for(hits, timeline, checker.rulebook)
            t6 = clock()
            result = RecordResult(record.record_id, timeline.judged_at, findings, applied,
                                  in_force, (), timeline, checker.rulebook.version,
                                  checker.rulebook.digest)
            digest = checked_digest(0, "bench", 1, record, result)
            digest.to_wire()
            record_json(result, digest)
            t7 = clock()
            for name, here in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4,
                                          t6 - t5, t7 - t6), strict=True):
                spent[name] += here
    finally:
        durable_rules_engine.__dict__.update(originals)
    timer = c_calls[0] * per_read  # one clock read inside each C timing, one outside
    spent["engine: Python driver"] = spent.pop("engine") - c_time[0] - timer
    spent["engine: C matcher"] = c_time[0] - timer
    order = ("parse", "validate", "timeline", "engine: Python driver", "engine: C matcher",
             "triggers", "findings", "output")
    return {name: 1e6 * spent[name] / len(lines) for name in order}


# --------------------------------------------------------------------------- the report

def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def check_times(cache: Path) -> dict[str, Any]:
    """Wall time of `check` of one record: cold (no cached rulebook) and warm, median of runs."""
    command = [sys.executable, "-m", "custody_rules", "check", str(CHECK_RECORD),
               "--format", "json"]
    env = _env(CUSTODY_RULES_CACHE_DIR=str(cache))
    cold: list[float] = []
    warm: list[float] = []
    loads: list[float] = []
    for _ in range(CHECK_RUNS):
        shutil.rmtree(cache, ignore_errors=True)
        for times in (cold, warm):
            run = measure(command, env)
            times.append(run["wall"])
            loads.append(run["load_mean"])
    return {"cold": statistics.median(cold), "warm": statistics.median(warm),
            "load": f"{min(loads):.1f}-{max(loads):.1f}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--memory-records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stages", action="store_true",
                        help="also measure where one record's CPU goes, in process")
    parser.add_argument("--write", type=Path, default=None, help="write the results here")
    parser.add_argument("--run", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        kind, *rest = args.run
        {"parse": parse_main, "validate": validate_main, "reference": reference_main}[kind](*rest)
        return
    about = machine()
    print(about, flush=True)
    start_load = os.getloadavg()
    n = args.records
    records = generate(n, args.seed)
    big = generate(args.memory_records, args.seed)
    small = head(big, 10_000)
    me = [sys.executable, str(Path(__file__).resolve()), "--run"]
    audit = [sys.executable, "-m", "custody_rules", "audit", "--as-of", AS_OF, "--quiet",
             "--format", "json"]
    plan = [
        ("parse", "stdlib `json.loads` of each line (1 process)", [*me, "parse", str(records)]),
        ("validate", "read + validate (1 process, no rules)",
         [*me, "validate", str(records)]),
        ("reference", "reference pipeline (1 process)",
         [*me, "reference", str(records), str(OUT / "reference.jsonl")]),
        ("jobs1", "`audit --jobs 1 --format json`",
         [*audit, str(records), "--jobs", "1", "--output", str(OUT / "audit1.json")]),
        ("jobs2", "`audit --jobs 2 --format json`",
         [*audit, str(records), "--jobs", "2", "--output", str(OUT / "audit2.json")]),
    ]
    runs: dict[str, dict[str, Any]] = {}
    for name, _, command in plan:
        runs[name] = measure(command, allowed=(0, 1) if name.startswith("jobs") else (0,))
        print(f"{name}: {runs[name]}", flush=True)
    memory = {}
    for label, path in (("10k", small), ("big", big)):
        memory[label] = measure([*audit, str(path), "--jobs", "2", "--output",
                                 str(OUT / f"audit-memory-{label}.json")])
        print(f"memory {label}: {memory[label]}", flush=True)
    with tempfile.TemporaryDirectory() as cache:
        check = check_times(Path(cache) / "cache")
    print(f"check: {check}", flush=True)
    per_stage = stages(records, STAGE_SAMPLE) if args.stages else None
    end_load = os.getloadavg()

    rate = {name: n / run["wall"] for name, run in runs.items()}
    cpu_us = {name: 1e6 * run["cpu"] / n for name, run in runs.items()}
    mem_small = memory["10k"]["maxrss_kib"] / 1024
    mem_big = memory["big"]["maxrss_kib"] / 1024
    jobs1_vs_reference = cpu_us["jobs1"] / cpu_us["reference"]
    speedup = rate["jobs2"] / rate["jobs1"]

    def met(ok: bool) -> str:
        return "yes" if ok else "no"

    command = (f"python bench/bench_audit.py --records {n} --memory-records "
               f"{args.memory_records} --seed {args.seed}{' --stages' if args.stages else ''}")
    lines = [
        "# Audit benchmark",
        "",
        f"Command: `{command}`",
        f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {n:,} generated records, seed "
        f"{args.seed}, `--as-of {AS_OF}`).",
        "",
        f"Machine: {about}. Load average (1 min) at start {start_load[0]:.1f}, at end "
        f"{end_load[0]:.1f}; the load during each run is in its row.",
        "",
        "| run | wall | records/s | CPU/record | CPU vs parse | CPU vs reference "
        "| load during |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, label, _ in plan:
        lines.append(
            f"| {label} | {runs[name]['wall']:.1f} s | {rate[name]:,.0f} | "
            f"{cpu_us[name]:,.0f} us | {cpu_us[name] / cpu_us['parse']:.1f}x | "
            f"{cpu_us[name] / cpu_us['reference']:.2f}x | {runs[name]['load']} |")
    lines += [
        "",
        f"`check` of one record (`{CHECK_RECORD.relative_to(ROOT)}`, median of {CHECK_RUNS}): "
        f"{check['cold']:.2f} s cold (empty rulebook cache), {check['warm']:.2f} s warm "
        f"(load {check['load']}).",
        "",
        f"Peak memory (largest process of `audit --jobs 2`): {mem_small:.0f} MiB at 10,000 "
        f"records (load {memory['10k']['load']}), {mem_big:.0f} MiB at "
        f"{args.memory_records:,} (load {memory['big']['load']}).",
        "",
        "| target | measured | met |",
        "| --- | ---: | :---: |",
        f"| `--jobs 1` CPU per record <= 1.5x the reference | {jobs1_vs_reference:.2f}x | "
        f"{met(jobs1_vs_reference <= 1.5)} |",
        f"| `--jobs 2` >= 3,000 records/s | {rate['jobs2']:,.0f} records/s | "
        f"{met(rate['jobs2'] >= 3000)} |",
        f"| `--jobs 2` >= 1.8x `--jobs 1` | {speedup:.2f}x | {met(speedup >= 1.8)} |",
        f"| `check` warm <= 0.25 s | {check['warm']:.2f} s | {met(check['warm'] <= 0.25)} |",
        f"| `check` cold <= 0.45 s | {check['cold']:.2f} s | {met(check['cold'] <= 0.45)} |",
        f"| peak memory at {args.memory_records:,} <= 1.1x at 10,000 | "
        f"{mem_big / mem_small:.2f}x | {met(mem_big <= 1.1 * mem_small)} |",
    ]
    if per_stage is not None:
        total = sum(per_stage.values())
        lines += [
            "",
            f"Where one record's CPU goes in the audit (one process, first "
            f"{min(STAGE_SAMPLE, n):,} records, microseconds):",
            "",
            "| stage | us/record | share |",
            "| --- | ---: | ---: |",
        ]
        for name, micros in per_stage.items():
            lines.append(f"| {name} | {micros:,.0f} | {100 * micros / total:.0f}% |")
        lines.append(f"| total | {total:,.0f} | 100% |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        # The hand-written reading of the figures, after KEEP, survives a rewrite.
        old = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        kept = old[old.index(KEEP):] if KEEP in old else ""
        args.write.write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")


if __name__ == "__main__":
    main()
