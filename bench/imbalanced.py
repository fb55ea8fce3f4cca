#!/usr/bin/env python3
"""The minority class on imbalanced data: what class weights and an F1 decision threshold do to
its test F1 (the table of docs/WEIGHTS.md).

  python3 bench/imbalanced.py PLEXUS SATELLITE_CSV [--letters LETTERS_CSV] [--only SET,...]
                               [--seeds 3] [--folder DIR]

Binary sets with at most 10% positives:
  sklearn    make_classification(n_samples=5000, n_features=20, n_informative=5, n_redundant=5,
             weights=[0.95], flip_y=0.01, class_sep=0.8, random_state=0), classes neg / pos;
  satellite  mlbench's Satellite (SATELLITE_CSV, as bench/tabular.py writes it: 36 features and
             `classes`), "damp grey soil" (yes) against the other five classes (no);
  letters    with --letters: mlbench's LetterRecognition (as bench/tabular.py writes it: 16
             features and `lettr`), "H" (yes, 3.7%), a letter often taken for others, against the
             other 25 (no); 20,000 rows.
Each is split 80/20, stratified, once per seed (0, 1, 2 by default), into CSVs in a temporary
folder (or DIR). Per split, `plexus train --data TRAIN --test TEST --target label --seed S` runs
with no flag, `--class-weight balanced`, `--threshold-for f1`, both, and a fixed weight of 3 on
the minority class, each saving its model; `plexus eval --model M --data TEST --json` gives the
minority class's test F1, precision and recall (its per_class scores). Prints a markdown table of
the means over the seeds, and the F1 of each seed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import pandas as pd
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

TARGET = "label"


def sklearn_set():
    x, y = make_classification(n_samples=5000, n_features=20, n_informative=5, n_redundant=5,
                               weights=[0.95], flip_y=0.01, class_sep=0.8, random_state=0)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
    frame[TARGET] = ["pos" if v == 1 else "neg" for v in y]
    return frame, "pos"


def satellite_set(path):
    frame = pd.read_csv(path)
    frame[TARGET] = ["yes" if c == "damp grey soil" else "no" for c in frame.pop("classes")]
    return frame, "yes"


def letters_set(path):
    frame = pd.read_csv(path)
    frame[TARGET] = ["yes" if c == "H" else "no" for c in frame.pop("lettr")]
    return frame, "yes"


def run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}{done.stdout[-2000:]}")
    return done.stdout


def minority_scores(plexus, train_csv, test_csv, seed, flags, minority, model):
    run([plexus, "train", "--data", train_csv, "--test", test_csv, "--target", TARGET, "--seed",
         str(seed), "--save", model, "--quiet"] + flags)
    scores = json.loads(run([plexus, "eval", "--model", model, "--data", test_csv,
                             "--json"]).strip().splitlines()[-1])
    return scores["per_class"][minority]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plexus")
    parser.add_argument("satellite_csv")
    parser.add_argument("--letters", help="LetterRecognition's CSV: adds the letters set")
    parser.add_argument("--only", help="the sets to run, e.g. letters (default: all)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--folder", help="where the splits and models go (default: a new one)")
    args = parser.parse_args()
    folder = args.folder or tempfile.mkdtemp(prefix="plexus-imbalanced-")
    os.makedirs(folder, exist_ok=True)

    sets = {"sklearn": sklearn_set, "satellite": lambda: satellite_set(args.satellite_csv)}
    if args.letters:
        sets["letters"] = lambda: letters_set(args.letters)
    chosen = args.only.split(",") if args.only else list(sets)
    sets = {name: make() for name, make in sets.items() if name in chosen}
    print("| set | flags | minority F1 | precision | recall | F1 per seed |")
    print("|---|---|---|---|---|---|")
    f1_of = {}
    for name, (frame, minority) in sets.items():
        share = (frame[TARGET] == minority).mean()
        print(f"<!-- {name}: {len(frame)} rows, {100 * share:.1f}% {minority} -->", flush=True)
        runs = {"none (default)": [], "`--class-weight balanced`": [],
                "`--threshold-for f1`": [], "`--class-weight balanced --threshold-for f1`": [],
                f"`--class-weight {minority}=3`": []}
        flags = [[], ["--class-weight", "balanced"], ["--threshold-for", "f1"],
                 ["--class-weight", "balanced", "--threshold-for", "f1"],
                 ["--class-weight", f"{minority}=3"]]
        for seed in range(args.seeds):
            train, test = train_test_split(frame, test_size=0.2, random_state=seed,
                                           stratify=frame[TARGET])
            train_csv = os.path.join(folder, f"{name}_train{seed}.csv")
            test_csv = os.path.join(folder, f"{name}_test{seed}.csv")
            train.to_csv(train_csv, index=False)
            test.to_csv(test_csv, index=False)
            model = os.path.join(folder, f"{name}_{seed}.plx")
            for label, extra in zip(runs, flags):
                runs[label].append(
                    minority_scores(args.plexus, train_csv, test_csv, seed, extra, minority, model))
        for label, scores in runs.items():
            mean = lambda key: sum(s[key] for s in scores) / len(scores)
            f1_of[name, label] = mean("f1")
            per_seed = ", ".join("%.3f" % s["f1"] for s in scores)
            print(f"| {name} | {label} | {mean('f1'):.3f} | {mean('precision'):.3f} "
                  f"| {mean('recall'):.3f} | {per_seed} |", flush=True)
    for name in sets:
        default, threshold = f1_of[name, "none (default)"], f1_of[name, "`--threshold-for f1`"]
        verdict = "raises" if threshold > default else "does not raise"
        print(f"\n{name}: the F1 threshold {verdict} the minority F1 ({default:.3f} to "
              f"{threshold:.3f})")


if __name__ == "__main__":
    main()
