#!/usr/bin/python3
"""plexus train at 1 and 2 threads on an idle machine, with one core busy and with both busy.

Run:  /usr/bin/python3 bench/threads_load.py [--plexus build/tools/plexus/plexus] [--reps 3]

Workloads (the command, as a user runs it; wall time of the whole process, median of --reps):
  small   a penguins-sized table: 344 rows, 10 numeric columns, 3 classes, 31 epochs
  medium  a 10,000-row table (12,500 rows, 2,500 held out), 50 numeric columns, 5 epochs
  W1      Fashion-MNIST, the W1 network (784-256-128-10, batch 128), 1 epoch, no validation
Loads: idle; one core busy (`taskset -c 1 yes > /dev/null`); both busy (one `yes` per core).
Prints a Markdown table with lscpu's model name; the ratio is 2 threads' time over 1 thread's.
bench/run.sh prints the same table (run.py imports this file).
"""
import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--plexus", default="build/tools/plexus/plexus", help="the plexus command")
    p.add_argument("--reps", type=int, default=3, help="runs per cell (median)")
    return p.parse_args()


def write_table(path, rows, columns, classes, seed):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write(",".join([f"x{i}" for i in range(columns)] + ["y"]) + "\n")
        for _ in range(rows):
            x = [rng.gauss(0, 1) for _ in range(columns)]
            label = int((x[0] + 0.5 * x[1] > 0) + (x[2] > 1)) % classes
            f.write(",".join(f"{v:.5f}" for v in x) + f",c{label}\n")


def cpu_model():
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


LOADS = {"idle": [], "one core busy": [1], "both cores busy": [0, 1]}


def busy_loops(load):
    cores = LOADS[load]
    return [subprocess.Popen(["taskset", "-c", str(c), "yes"], stdout=subprocess.DEVNULL)
            for c in cores]


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(plexus, reps):
    """[(workload, load, 1-thread s, 2-thread s)]: each workload under each load, the two thread
    counts alternating within a load so a slow spell hits both alike."""
    work = tempfile.mkdtemp(prefix="plexus-threads-")
    small, medium = os.path.join(work, "small.csv"), os.path.join(work, "medium.csv")
    write_table(small, 344, 10, 3, 1)
    write_table(medium, 12500, 50, 2, 2)
    quiet = ["--quiet", "--early-stopping", "0"]
    workloads = {
        "small": ["train", "--data", small, "--target", "y", "--epochs", "31"] + quiet,
        "medium": ["train", "--data", medium, "--target", "y", "--epochs", "5"] + quiet,
        "W1": ["train", "--data", "fashion-mnist", "--epochs", "1", "--validation-split", "0",
               "--schedule", "none"] + quiet,
    }
    rows = []
    for name, command in workloads.items():
        for load in LOADS:
            loops = busy_loops(load)
            try:
                runs = {1: [], 2: []}
                for _ in range(reps):
                    for threads in (1, 2):
                        runs[threads].append(
                            timed([plexus] + command + ["--threads", str(threads)]))
            finally:
                for loop in loops:
                    loop.kill()
            rows.append((name, load, statistics.median(runs[1]), statistics.median(runs[2])))
            print(f"[threads] {name}, {load}: {rows[-1][2]:.2f} s / {rows[-1][3]:.2f} s",
                  file=sys.stderr, flush=True)
    return rows


def markdown(rows, reps):
    lines = [f"{cpu_model()}, {os.cpu_count()} CPUs; wall seconds of `plexus train`, median of "
             f"{reps}\n", "| workload | load | 1 thread s | 2 threads s | 2 / 1 |",
             "|---|---|---:|---:|---:|"]
    lines += [f"| {name} | {load} | {one:.2f} | {two:.2f} | {two / one:.2f} |"
              for name, load, one, two in rows]
    return "\n".join(lines)


def main():
    args = parse_args()
    print(markdown(measure(args.plexus, args.reps), args.reps))


if __name__ == "__main__":
    main()
