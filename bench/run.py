#!/usr/bin/env python3
"""Runs the benchmark programs alternately and prints a Markdown table of medians (stdlib only).

Every program takes `--workload W --threads T [--epochs E] [--quick]` and prints one JSON object
per measurement (format in bench/README.md). Repetition r of every (workload, threads, program)
runs before repetition r + 1 of any, so a slow spell of the machine hits every program alike.
Each run is its own process, so peak RSS belongs to one workload. Usually started by bench/run.sh.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import seeds  # bench/seeds.py, beside this file
import threads_load  # bench/threads_load.py, beside this file

BENCH = Path(__file__).resolve().parent
PEERS = ["pytorch", "dlib", "fann"]
SINGLE_THREADED = {"fann"}  # run with 1 thread only; that figure stands for every thread count


@dataclass
class Program:
    command: list
    workloads: tuple


def programs(build):
    found = {
        "plexus": Program([str(build / "bench/plexus_bench")], ("W1", "W2", "W3", "W4")),
        "pytorch": Program(["/usr/bin/python3", str(BENCH / "torch_bench.py")],
                           ("W1", "W2", "W3", "W4")),
        "dlib": Program([str(build / "bench/dlib_bench")], ("W1", "W2", "W3", "W4")),
        "fann": Program([str(build / "bench/fann_bench")], ("W1", "W2", "W3")),
        "sgemm": Program([str(build / "bench/sgemm_ceiling")], ("W1", "W2", "W4")),
        "stream": Program([str(build / "bench/weight_stream")], ("W2",)),
    }
    return {name: p for name, p in found.items() if Path(p.command[-1]).exists()}


@dataclass
class Row:
    workload: str
    metric: str
    extra: str  # None: the line's value; else the named entry of its "extra"
    label: str
    higher_is_better: bool
    ceiling: str = "sgemm"  # the program whose figure fills the ceiling column
    peers: bool = True  # False: a row of plexus against its ceiling only


CEILINGS = ("sgemm", "stream")
ROWS = [
    Row("W1", "samples_per_s", None, "train samples/s", True),
    Row("W1", "samples_per_s", "test_accuracy", "test accuracy", True),
    Row("W1", "samples_per_s", "peak_rss_mb", "peak RSS MiB", False),
    Row("W2", "latency_us_batch1", None, "batch-1 latency µs", False),
    Row("W2", "latency_us_batch1", None, "batch-1 latency µs, weight-streaming bound", False,
        ceiling="stream", peers=False),
    Row("W2", "samples_per_s_batch1024", None, "batch-1024 samples/s", True),
    Row("W3", "us_per_step", None, "µs per step", False),
    Row("W4", "samples_per_s", None, "train samples/s", True),
    Row("W4", "samples_per_s", "gflop_per_s", "GFLOP/s", True),
]


def check(line):
    """Warns about a line the table cannot use: an unknown metric or a missing required extra."""
    rows = [r for r in ROWS if (r.workload, r.metric) == (line["workload"], line["metric"])]
    where = f"{line['impl']} {line['workload']}"
    if not rows:
        known = sorted({r.metric for r in ROWS if r.workload == line["workload"]})
        print(f"  warning: {where}: metric {line['metric']!r} is not in the table; "
              f"expected one of {known} (bench/README.md)", file=sys.stderr)
    for row in rows:
        if row.extra and row.extra not in line.get("extra", {}) and line["impl"] not in CEILINGS:
            print(f"  warning: {where} {line['metric']}: extra {row.extra!r} missing "
                  f"(bench/README.md)", file=sys.stderr)


def run_once(name, program, workload, threads, args, results):
    command = program.command + ["--workload", workload, "--threads", str(threads)]
    if workload == "W1":
        command += ["--epochs", str(args.epochs)]
    if args.quick:
        command.append("--quick")
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "PLEXUS_NUM_THREADS"):
        env[var] = str(threads)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = []
    for text in done.stdout.splitlines():
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError:
            print(f"  warning: {name} printed a non-JSON line: {text[:80]}", file=sys.stderr)
    if done.returncode != 0 or not lines:
        print(f"  {name} {workload} threads={threads} failed (exit {done.returncode}):\n"
              f"{done.stderr.strip()}", file=sys.stderr)
    for line in lines:
        check(line)
        key = (line["impl"], line["workload"], line["threads"], line["metric"])
        results.setdefault(key, []).append(line)
        print(f"  {line['impl']:8} {workload} threads={threads} {line['metric']} = "
              f"{line['value']:.4g}", file=sys.stderr)


def median_of(results, impl, row, threads):
    lines = results.get((impl, row.workload, threads, row.metric), [])
    values = [l["value"] if row.extra is None else l["extra"].get(row.extra) for l in lines]
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def value_at(results, impl, row, threads):
    return median_of(results, impl, row, 1 if impl in SINGLE_THREADED else threads)


def fmt(value, row):
    if value is None:
        return "—"
    if row.extra == "test_accuracy":
        return f"{100 * value:.2f}%"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def ratio(a, b):
    return f"{a / b:.3g}×" if a is not None and b else "—"


def threads_label(threads):
    return f"{threads} thread{'s' if threads > 1 else ''}"


def best(results, impls, row, thread_counts):
    """(value, impl, threads) of the best median among impls at any thread count."""
    found = [(v, impl, t) for impl in impls for t in sorted(set(thread_counts) | {1})
             if (v := median_of(results, impl, row, t)) is not None]
    if not found:
        return None
    return (max if row.higher_is_better else min)(found, key=lambda f: f[0])


def table(results, impls, threads):
    peers = [p for p in PEERS if p in impls]
    has_plexus = "plexus" in impls
    has_ceiling = any(c in impls for c in CEILINGS)
    header = ["workload", "metric"] + (["plexus"] if has_plexus else []) + peers
    header += ["ceiling"] if has_ceiling else []
    if has_plexus:
        header += [f"plexus/{p}" for p in peers] + (["plexus/ceiling"] if has_ceiling else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in ROWS:
        shown = [i for i in impls if i not in CEILINGS and (row.peers or i == "plexus")]
        values = {i: value_at(results, i, row, threads) if i in shown else None for i in impls}
        ceiling = value_at(results, row.ceiling, row, threads) if row.ceiling in impls else None
        if all(v is None for v in values.values()) and ceiling is None:
            continue
        arrow = "↑" if row.higher_is_better else "↓"
        cells = [row.workload, f"{row.label} {arrow}"]
        cells += [fmt(values["plexus"], row)] if has_plexus else []
        cells += [fmt(values[p], row) for p in peers]
        cells += [fmt(ceiling, row)] if has_ceiling else []
        if has_plexus:
            cells += [ratio(values["plexus"], values[p]) for p in peers]
            cells += [ratio(values["plexus"], ceiling)] if has_ceiling else []
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass
class Target:
    workload: str
    label: str  # the row's label in ROWS
    against: str  # an impl, or "best": the best peer at any thread count
    bound: float
    meaning: str  # "≤ ..." / "≥ ...": plexus / other against the bound; "within": points apart
    efficiency: bool = False  # a ↓ row against a bound: other / plexus, the fraction reached


# The targets of issue 5 (the first round), kept to show that none of them slips.
TARGETS_5 = [
    Target("W1", "train samples/s", "best", 1.5, "≥ 1.5× the best peer"),
    Target("W1", "train samples/s", "sgemm", 0.75, "≥ 75% of the sgemm bound"),
    Target("W1", "test accuracy", "pytorch", 0.005, "within 0.5 points of PyTorch"),
    Target("W1", "peak RSS MiB", "pytorch", 0.5, "≤ half of PyTorch's"),
    Target("W2", "batch-1 latency µs", "best", 0.25, "≤ 1/4 of the best peer"),
    Target("W2", "batch-1024 samples/s", "best", 1.5, "≥ 1.5× the best peer"),
    Target("W3", "µs per step", "fann", 1.0, "≤ FANN's"),
    Target("W4", "GFLOP/s", "sgemm", 0.9, "≥ 90% of the sgemm ceiling"),
]

# The targets of issue 13 (the second round); W1's accuracy over seeds is seeds_row's.
TARGETS_13 = [
    Target("W3", "µs per step", "fann", 0.85, "≤ 0.85× FANN's"),
    Target("W2", "batch-1 latency µs", "stream", 0.8, "≥ 80% of the weight-streaming bound",
           efficiency=True),
    Target("W2", "batch-1 latency µs", "best", 0.35, "≤ 0.35× the best peer"),
    Target("W1", "train samples/s", "sgemm", 0.9, "≥ 90% of the sgemm bound"),
    Target("W4", "GFLOP/s", "sgemm", 0.9, "≥ 90% of the sgemm ceiling"),
]

# The targets of issue 22 (the third round) that run.py's own runs measure; the thread-scaling
# and loaded-machine lines come from speedup_line and load_lines.
TARGETS_22 = [t for t in TARGETS_13 if t.against != "best"]

TARGETS_HEADER = ["workload", "metric", "plexus", "compared with", "ratio", "target", "met"]


def row_of(workload, label):
    return next(r for r in ROWS if (r.workload, r.label) == (workload, label))


def target_line(results, impls, threads, thread_counts, target):
    """One Markdown line of the targets table, or None where a figure is missing."""
    row = row_of(target.workload, target.label)
    mine = median_of(results, "plexus", row, threads)
    if target.against == "best":
        found = best(results, [p for p in PEERS if p in impls], row, thread_counts)
        other, who = (None, "—")
        if found:
            other, who = found[0], f"{found[1]} ({threads_label(found[2])})"
    else:
        ran = 1 if target.against in SINGLE_THREADED else threads
        other = median_of(results, target.against, row, ran)
        who = f"{target.against} ({threads_label(ran)})"
    if mine is None or not other:
        return None
    if target.meaning.startswith("within"):
        shown, met = f"{100 * (mine - other):+.2f} points", abs(mine - other) <= target.bound
    else:
        r = other / mine if target.efficiency else mine / other
        shown = f"{100 * r:.0f}%" if target.efficiency else f"{r:.3g}×"
        met = r >= target.bound if target.meaning.startswith("≥") else r <= target.bound
    return (f"| {row.workload} | {row.label} | {fmt(mine, row)} | {who}: {fmt(other, row)} "
            f"| {shown} | {target.meaning} | {'yes' if met else '**no**'} |")


def seeds_row(path):
    """W1's mean test accuracy over seeds against PyTorch's, from bench/seeds.py's JSON file (its
    summary and comparison: the difference of the means and its Welch standard error)."""
    label = "| W1 | mean test accuracy over seeds | "
    meaning = "within 0.5 points of PyTorch's mean and 2 s.e."
    try:
        found = json.loads(path.read_text())
        mine, torch = found["plexus"], found["pytorch"]
        c = seeds.compare(mine, torch)
    except (OSError, ValueError, KeyError, TypeError):
        return label + f"not measured (no {path.name}: bench/run.sh --seeds 5) | — | — | {meaning} | — |"
    met = c["within_half_point"] and c["within_two_standard_errors"]
    return (label + f"{100 * mine['mean']:.2f}% (n = {mine['n']}) | pytorch: "
            f"{100 * torch['mean']:.2f}% (n = {torch['n']}) | "
            f"{100 * c['difference']:+.2f} ± {100 * c['standard_error']:.2f} points (1 s.e.) | "
            f"{meaning} | {'yes' if met else '**no**'} |")


def targets_table(results, impls, threads, thread_counts, targets, extra_lines=()):
    lines = ["| " + " | ".join(TARGETS_HEADER) + " |", "|" + "---|" * len(TARGETS_HEADER)]
    for target in targets:
        line = target_line(results, impls, threads, thread_counts, target)
        if line:
            lines.append(line)
    lines += extra_lines
    return "\n".join(lines)


def speedup_line(results, label, bound=1.6):
    """plexus at 2 threads against 1 on an idle machine: the rate's ratio."""
    row = next(r for r in ROWS if r.label == label)
    one, two = median_of(results, "plexus", row, 1), median_of(results, "plexus", row, 2)
    if not one or not two:
        return None
    ratio = two / one if row.higher_is_better else one / two
    return (f"| {row.workload} | {row.label}, idle | {fmt(two, row)} | plexus (1 thread): "
            f"{fmt(one, row)} | {ratio:.2f}× | ≥ {bound}× with 2 threads | "
            f"{'yes' if ratio >= bound else '**no**'} |")


def load_lines(rows, bound=1.1):
    """The busy-machine rows of threads_load: 2 threads' time at most bound × 1 thread's."""
    return [f"| {name} | train wall s, {load} | {two:.2f} | plexus (1 thread): {one:.2f} | "
            f"{two / one:.2f}× | ≤ {bound}× 1 thread's time | "
            f"{'yes' if two / one <= bound else '**no**'} |"
            for name, load, one, two in rows if load != "idle"]


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(l.split(":", 1)[1].strip() for l in out.splitlines()
                    if l.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", type=Path, default=BENCH.parent / "build-bench")
    parser.add_argument("--reps", type=int, help="repetitions (default 5; 3 with --quick)")
    parser.add_argument("--threads", default="1,2", help="thread counts, e.g. 1,2")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: W1 for 1 epoch, fewer timed calls, 3 reps")
    parser.add_argument("--epochs", type=int, help="W1 epochs (default 5; 1 with --quick)")
    parser.add_argument("--workloads", default="W1,W2,W3,W4")
    parser.add_argument("--impls", default="plexus,pytorch,dlib,fann,sgemm,stream")
    parser.add_argument("--skip", action="append", default=[], help="leave out this impl")
    parser.add_argument("--jsonl", type=Path, help="raw lines (default BUILD/bench-results.jsonl)")
    parser.add_argument("--seeds", type=int, default=0,
                        help="also run W1 over this many seeds (bench/seeds.py) into BUILD/seeds.json")
    parser.add_argument("--no-load-table", action="store_true",
                        help="leave out the idle/busy thread table (bench/threads_load.py)")
    parser.add_argument("--seeds-json", type=Path,
                        help="an earlier seeds run to read (default BUILD/seeds.json)")
    args = parser.parse_args()
    args.reps = args.reps or (3 if args.quick else 5)
    args.epochs = args.epochs or (1 if args.quick else 5)
    thread_counts = [int(t) for t in args.threads.split(",")]
    workloads = args.workloads.split(",")
    available = programs(args.build.resolve())
    impls = [i for i in args.impls.split(",") if i in available and i not in args.skip]
    if "plexus" not in impls:
        print("note: no plexus_bench: peers only", file=sys.stderr)

    started, load_before = datetime.datetime.now(), os.getloadavg()[0]
    results = {}
    for rep in range(1, args.reps + 1):
        for workload in workloads:
            for threads in thread_counts:
                for name in impls:
                    program = available[name]
                    if workload not in program.workloads:
                        continue
                    if name in SINGLE_THREADED and threads != thread_counts[0]:
                        continue
                    ran = 1 if name in SINGLE_THREADED else threads
                    print(f"[rep {rep}/{args.reps}] {workload} {name} threads={ran}",
                          file=sys.stderr)
                    run_once(name, program, workload, ran, args, results)

    jsonl = args.jsonl or args.build / "bench-results.jsonl"
    with open(jsonl, "w") as out:
        for lines in results.values():
            for line in lines:
                out.write(json.dumps(line) + "\n")

    load_rows = []
    command = args.build / "tools/plexus/plexus"
    if not args.no_load_table and "plexus" in impls and 2 in thread_counts:
        if command.exists():
            load_rows = threads_load.measure(str(command), args.reps)
        else:
            print(f"note: no {command}: no thread table under load", file=sys.stderr)

    print(f"# plexus benchmark, {started:%Y-%m-%d %H:%M}\n")
    print(f"- machine: {cpu_model()}, {os.cpu_count()} CPUs; load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"- medians of {args.reps} alternating repetitions; W1 {args.epochs} epoch(s)"
          f"{'; --quick (fewer timed calls)' if args.quick else ''}; raw lines in {jsonl}")
    print("- ↑ higher is better, ↓ lower is better; ratios are plexus / other (FANN is "
          "single-threaded: its 1-thread figures stand in every table)\n")
    for threads in thread_counts:
        print(f"## {threads_label(threads)}\n")
        print(table(results, impls, threads) + "\n")
    if "plexus" in impls:
        top = max(thread_counts)
        print(f"## Targets (issue 13): plexus with {threads_label(top)}, each peer at its best "
              "setting\n")
        seeds_json = args.seeds_json or args.build / "seeds.json"
        if args.seeds:
            summary = seeds.run(args.build.resolve(), args.seeds, args.epochs)
            seeds_json.write_text(json.dumps(summary, indent=1) + "\n")
        line = seeds_row(seeds_json)
        print(targets_table(results, impls, top, thread_counts, TARGETS_13, [line]) + "\n")
        if 1 in thread_counts and 2 in thread_counts:
            lines = [speedup_line(results, "train samples/s"), speedup_line(results, "GFLOP/s")]
            print("## Targets (issue 22): plexus with 2 threads\n")
            print(targets_table(results, impls, 2, thread_counts, TARGETS_22,
                                [l for l in lines if l] + load_lines(load_rows)) + "\n")
        if load_rows:
            print("## Threads on an idle and a busy machine (bench/threads_load.py)\n")
            print(threads_load.markdown(load_rows, args.reps) + "\n")
        print(f"## Targets (issue 5, kept as a check): plexus with {threads_label(top)}\n")
        print(targets_table(results, impls, top, thread_counts, TARGETS_5) + "\n")


if __name__ == "__main__":
    main()
