#!/usr/bin/env python3
"""W1's test accuracy over seeds, plexus against PyTorch (issue 13): is a gap seed variance?

Runs W1 (784-256-128-10 ReLU, Adam 1e-3, batch 128, 5 epochs) for seeds 0..N-1 with each program,
the seed setting both the initial weights and the shuffle, and prints per program the mean and the
sample standard deviation of the test accuracy, then the difference of the means with its standard
error, sqrt(s_plexus^2 / n + s_pytorch^2 / n) (Welch: the two spreads need not be equal). The gap
passes when it is within 0.5 points and within two standard errors. Usually run by bench/run.sh
--seeds N; alone: bench/seeds.py --build build-bench [--seeds 5] [--json FILE].
"""
import argparse
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def commands(build):
    return {
        "plexus": ([str(build / "bench/plexus_bench")], 2),
        "pytorch": (["/usr/bin/python3", str(BENCH / "torch_bench.py")], 1),
    }


def accuracy(command, threads, seed, epochs):
    line = subprocess.run(command + ["--workload", "W1", "--threads", str(threads), "--epochs",
                                     str(epochs), "--seed", str(seed)],
                          check=True, capture_output=True, text=True).stdout.strip().splitlines()
    result = json.loads(line[-1])
    return result["extra"]["test_accuracy"]


def summarise(accuracies):
    n = len(accuracies)
    return {"accuracies": accuracies, "mean": statistics.mean(accuracies),
            "std": statistics.stdev(accuracies) if n > 1 else 0.0, "n": n}


def compare(plexus, pytorch):
    difference = plexus["mean"] - pytorch["mean"]
    standard_error = math.sqrt(plexus["std"] ** 2 / plexus["n"] + pytorch["std"] ** 2 / pytorch["n"])
    return {"difference": difference, "standard_error": standard_error,
            "within_half_point": abs(difference) <= 0.005,
            "within_two_standard_errors": abs(difference) <= 2 * standard_error}


def run(build, seeds, epochs):
    """Alternates the programs seed by seed, so a slow spell of the machine hits both alike."""
    found = {name: c for name, c in commands(build).items() if Path(c[0][-1]).exists()}
    results = {name: [] for name in found}
    for seed in range(seeds):
        for name, (command, threads) in found.items():
            results[name].append(accuracy(command, threads, seed, epochs))
            print(f"seeds.py: {name} seed {seed}: {results[name][-1]:.4f}", file=sys.stderr)
    summary = {name: summarise(values) for name, values in results.items()}
    if "plexus" in summary and "pytorch" in summary:
        summary["comparison"] = compare(summary["plexus"], summary["pytorch"])
    summary["epochs"] = epochs
    return summary


def table(summary):
    rows = ["| program | threads | seeds | test accuracy per seed | mean | std |",
            "|---|---|---|---|---|---|"]
    for name, (_, threads) in commands(Path(".")).items():
        if name not in summary:
            continue
        s = summary[name]
        per_seed = " ".join(f"{100 * a:.2f}" for a in s["accuracies"])
        rows.append(f"| {name} | {threads} | {s['n']} | {per_seed} | {100 * s['mean']:.2f}% | "
                    f"{100 * s['std']:.2f} |")
    if "comparison" in summary:
        c = summary["comparison"]
        rows.append("")
        rows.append(f"plexus - pytorch: {100 * c['difference']:+.2f} points, standard error of the "
                    f"difference {100 * c['standard_error']:.2f} points (Welch, n = "
                    f"{summary['plexus']['n']} each); within 0.5 points: "
                    f"{'yes' if c['within_half_point'] else 'no'}; within two standard errors: "
                    f"{'yes' if c['within_two_standard_errors'] else 'no'}")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", type=Path, default=Path("build-bench"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()
    summary = run(args.build, args.seeds, args.epochs)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n")
    print(table(summary))


if __name__ == "__main__":
    main()
