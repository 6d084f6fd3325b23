"""Benchmark of `custody-rules audit` (run by hand; not part of the test suite).

    python bench/bench_audit.py [--records 100000] [--seed 1] [--write bench/RESULTS.md]

It generates the records once (bench/out/, ignored by git), then reports, in one run:

* records per second of `audit --jobs 1` and `--jobs 2` (text report, and JSON for jobs 2);
* the baseline: the time to only read and validate the same records (no rules), in one process;
* peak memory (largest resident process: the parent or a worker) at 10,000 and at the full
  count, each measured in a fresh process through getrusage(RUSAGE_CHILDREN);
* where the time of one record goes, stage by stage (parse, validate, timeline, engine,
  findings, output), measured in process on a sample.

Targets from the issue: >= 10,000 records/s with --jobs 2; audit <= 3x the baseline; peak
memory at the full count <= 1.25x that at 10,000.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from a checkout
OUT = ROOT / "bench" / "out"
AS_OF = "2026-01-01T00:00:00+00:00"
SAMPLE = 3000

# Runs a command and prints its wall time and the peak RSS of its largest descendant.
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


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def measure(command: list[str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", METER, *command], capture_output=True,
                          text=True, env=_env(), cwd=ROOT, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    if result["returncode"] not in (0, 1):
        raise SystemExit(f"failed ({result['returncode']}): {' '.join(command)}")
    return result


def generate(count: int, seed: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"records-{count}-{seed}.jsonl"
    if path.exists():
        return path
    command = [sys.executable, "-m", "custody_rules", "generate", "--records", str(count),
               "--seed", str(seed), "--output", str(path)]
    done = subprocess.run(command, env=_env(), cwd=ROOT, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:  # the generate command is not there: use the library directly
        from custody_rules.generate import generate_records

        with path.open("w", encoding="utf-8") as handle:
            for record in generate_records(count, seed):
                handle.write(json.dumps(record) + "\n")
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


def baseline_main(path: str) -> None:
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


def stages(path: Path, count: int) -> dict[str, float]:
    """Microseconds per record in each step of the pipeline, on the first `count` records."""
    import durable_rules_engine

    from custody_rules.audit.summary import checked_digest
    from custody_rules.checker import Checker
    from custody_rules.convert import _datetime
    from custody_rules.findings import RecordResult, findings_for
    from custody_rules.formatters.json import result_to_dict
    from custody_rules.read import parse_json
    from custody_rules.timeline import build_timeline
    from custody_rules.validate import validate_record

    c_time = [0.0]

    def timed(function: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args)
            finally:
                c_time[0] += time.perf_counter() - start
        return wrapper

    # The adapter calls the C functions through the module: time them to split the engine
    # stage into the C matcher and the Python driver around it.
    names = ("assert_facts", "assert_fact", "start_action_for_state",
             "complete_and_start_action", "delete_state")
    originals = {name: getattr(durable_rules_engine, name) for name in names}
    for name in names:
        setattr(durable_rules_engine, name, timed(originals[name]))
    checker = Checker()
    c_time[0] = 0.0
    as_of = _datetime(AS_OF, datetime)
    now = datetime.now(timezone.utc)
    spent = dict.fromkeys(("parse", "validate", "timeline", "engine", "findings", "output"), 0.0)
    with path.open("rb") as handle:
        lines = [line for _, line in zip(range(count), handle, strict=False)]
    clock = time.perf_counter
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
        findings, applied, in_force = findings_for(hits, timeline, checker.rulebook)
        t5 = clock()
        result = RecordResult(record.record_id, timeline.judged_at, findings, applied, in_force,
                              (), timeline)
        checked_digest(0, "bench", 1, record, result).to_wire()
        json.dumps(result_to_dict(result), ensure_ascii=False, separators=(",", ":"))
        t6 = clock()
        for name, spent_here in zip(spent, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4,
                                            t6 - t5), strict=True):
            spent[name] += spent_here
    durable_rules_engine.__dict__.update(originals)
    spent["engine: Python driver"] = spent.pop("engine") - c_time[0]
    spent["engine: C matcher"] = c_time[0]
    order = ("parse", "validate", "timeline", "engine: Python driver", "engine: C matcher",
             "findings", "output")
    return {name: 1e6 * spent[name] / len(lines) for name in order}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}; load average at start {load:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", type=Path, default=None, help="write the results here")
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline:
        baseline_main(args.baseline)
        return
    about = machine()
    print(about, flush=True)
    full = generate(args.records, args.seed)
    small = head(full, min(10_000, args.records))
    from custody_rules.policy import default_policy
    from custody_rules.rulebook import load_rulebook

    rules = len(load_rulebook(default_policy()).rules)
    audit = [sys.executable, "-m", "custody_rules", "audit", "--as-of", AS_OF, "--quiet"]
    runs: dict[str, dict[str, Any]] = {}
    plan = [
        ("baseline", [sys.executable, str(Path(__file__).resolve()), "--baseline", str(full)]),
        ("jobs1", [*audit, str(full), "--jobs", "1"]),
        ("jobs2", [*audit, str(full), "--jobs", "2"]),
        ("jobs2_json", [*audit, str(full), "--jobs", "2", "--format", "json",
                        "--output", str(OUT / "audit.json")]),
        ("mem_small", [*audit, str(small), "--jobs", "2"]),
    ]
    for name, command in plan:
        runs[name] = measure(command)
        print(f"{name}: {runs[name]}", flush=True)
    per_stage = stages(full, SAMPLE)
    print("stages (us/record):", {k: round(v) for k, v in per_stage.items()}, flush=True)
    n = args.records
    rate = {name: n / runs[name]["wall"] for name in ("baseline", "jobs1", "jobs2", "jobs2_json")}
    mem_small = runs["mem_small"]["maxrss_kib"] / 1024
    mem_full = runs["jobs2"]["maxrss_kib"] / 1024
    total = sum(per_stage.values())
    lines = [
        "# Audit benchmark",
        "",
        f"Command: `python bench/bench_audit.py --records {n} --seed {args.seed}`",
        f"({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {rules} rules in the catalogue).",
        "",
        f"Machine: {about}.",
        "",
        "| run | wall time | records/s | CPU time (all processes) |",
        "| --- | ---: | ---: | ---: |",
    ]
    labels = {"baseline": "read + validate only (1 process, no rules)",
              "jobs1": "`audit --jobs 1` (text report)",
              "jobs2": "`audit --jobs 2` (text report)",
              "jobs2_json": "`audit --jobs 2 --format json`"}
    for name, label in labels.items():
        lines.append(f"| {label} | {runs[name]['wall']:.1f} s | {rate[name]:,.0f} | "
                     f"{runs[name]['cpu']:.1f} s |")
    lines += [
        "",
        "| target | measured | met |",
        "| --- | ---: | :---: |",
        f"| >= 10,000 records/s with --jobs 2 | {rate['jobs2']:,.0f} records/s | "
        f"{'yes' if rate['jobs2'] >= 10_000 else 'no'} |",
        f"| audit (--jobs 2) <= 3x read + validate | "
        f"{runs['jobs2']['wall'] / runs['baseline']['wall']:.1f}x | "
        f"{'yes' if runs['jobs2']['wall'] <= 3 * runs['baseline']['wall'] else 'no'} |",
        f"| audit (--jobs 1) <= 3x read + validate | "
        f"{runs['jobs1']['wall'] / runs['baseline']['wall']:.1f}x | "
        f"{'yes' if runs['jobs1']['wall'] <= 3 * runs['baseline']['wall'] else 'no'} |",
        f"| peak memory at {n:,} <= 1.25x at 10,000 | {mem_full:.0f} MiB vs {mem_small:.0f} MiB "
        f"= {mem_full / mem_small:.2f}x | {'yes' if mem_full <= 1.25 * mem_small else 'no'} |",
        "",
        f"Where one record's time goes (one process, first {SAMPLE:,} records, microseconds):",
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
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
