#!/usr/bin/env python3
"""Calibration on real sets: what temperature scaling does to the test ECE (and not to the
accuracy), and how often split-conformal 90% intervals cover the test rows.

  calibration.py PLEXUS DATA_DIR [--seeds 5] [--epochs N] [--part classification|regression]
                 [--sets name,name]

DATA_DIR holds the benchmark's CSVs (bench/tabular.py writes them, its targets as in
bench/tabular_sets.py). For each classification set, `plexus train` runs twice per seed, with
`--calibration none` and with the default (temperature): the same network (calibration comes after
training), so the two test scores differ by the temperature alone; means over the seeds. For each
regression set, one run per seed; the test coverage of the 90% intervals is averaged over the
seeds. Prints the markdown tables of docs/CALIBRATION.md.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

CLASSIFICATION = [("breast_cancer", "target"), ("digits", "target"), ("GermanCredit", "Class"),
                  ("Vowel", "Class"), ("Satellite", "classes")]
REGRESSION = [("diabetes", "target"), ("fair", "affairs"), ("randhie", "mdvis"), ("Ozone", "V4"),
              ("Servo", "Class")]


def labelled(path, target, folder):
    """`path`, or a copy in `folder` without the rows whose target is empty (as bench/tabular.py
    drops them: plexus does not impute targets)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    column = rows[0].index(target)
    kept = [r for r in rows[1:] if r[column].strip() not in ("", "NA")]
    if len(kept) == len(rows) - 1:
        return path, len(kept)
    copy = os.path.join(folder, os.path.basename(path))
    with open(copy, "w", newline="") as f:
        csv.writer(f).writerows([rows[0]] + kept)
    return copy, len(kept)


def train(plexus, data, target, extra):
    command = [plexus, "train", "--data", data, "--target", target, "--json", "--quiet"] + extra
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}{done.stdout[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plexus")
    parser.add_argument("data_dir")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--part", choices=["all", "classification", "regression"], default="all")
    parser.add_argument("--sets", help="only these sets, comma-separated")
    args = parser.parse_args()
    args.folder = tempfile.mkdtemp(prefix="plexus-calibration-")
    common = ["--epochs", str(args.epochs)]

    if args.part != "regression":
        classification(args, common)
    if args.part != "classification":
        regression(args, common)


def classification(args, common):
    print("| set | rows | accuracy | T kept, per seed | ECE, T = 1 | ECE, with T | log-loss, T = 1 "
          "| log-loss, with T |")
    print("|---|---|---|---|---|---|---|---|")
    lower = 0
    for name, target in CLASSIFICATION:
        if args.sets and name not in args.sets.split(","):
            continue
        data, rows = labelled(os.path.join(args.data_dir, name + ".csv"), target, args.folder)
        plain, tempered = [], []
        for seed in range(args.seeds):
            seeded = common + ["--seed", str(seed)]
            plain.append(train(args.plexus, data, target, seeded + ["--calibration", "none"]))
            tempered.append(train(args.plexus, data, target, seeded))
        mean = lambda runs, key: sum(r[key] for r in runs) / len(runs)
        same = all(p["test_accuracy"] == t["test_accuracy"] for p, t in zip(plain, tempered))
        lower += mean(tempered, "test_ece") < mean(plain, "test_ece")
        print(f"| {name} | {rows} | {mean(tempered, 'test_accuracy'):.4f}"
              f"{' (the same)' if same else ' (changed!)'} "
              f"| {' '.join('%.2f' % t['temperature'] for t in tempered)} "
              f"| {mean(plain, 'test_ece'):.4f} | {mean(tempered, 'test_ece'):.4f} "
              f"| {mean(plain, 'test_log_loss'):.4f} | {mean(tempered, 'test_log_loss'):.4f} |",
              flush=True)
    print(f"\nTemperature scaling lowered the mean test ECE on {lower} of {len(CLASSIFICATION)} "
          f"sets.\n")


def regression(args, common):

    print("| set | rows | coverage of 90% intervals, mean over seeds | per seed | mean width |")
    print("|---|---|---|---|---|")
    within = 0
    for name, target in REGRESSION:
        if args.sets and name not in args.sets.split(","):
            continue
        data, rows = labelled(os.path.join(args.data_dir, name + ".csv"), target, args.folder)
        runs = [train(args.plexus, data, target, common + ["--seed", str(seed)])
                for seed in range(args.seeds)]
        coverage = [r["test_interval_coverage"] for r in runs]
        mean = sum(coverage) / len(coverage)
        width = sum(r["test_interval_width"] for r in runs) / len(runs)
        within += 0.88 <= mean <= 0.92
        print(f"| {name} | {rows} | {mean:.3f} | {' '.join(f'{c:.3f}' for c in coverage)} "
              f"| {width:.4g} |", flush=True)
    print(f"\nThe mean coverage is within [0.88, 0.92] on {within} of {len(REGRESSION)} sets.")


if __name__ == "__main__":
    main()
