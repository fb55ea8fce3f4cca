#!/usr/bin/python3
"""How far a regression set's test rows repeat its training rows, and what remembering them is
worth: for each test row, the mean target of the training rows with exactly the same feature
values, shrunk toward the overall mean by `--prior` pseudo-rows (the overall mean where none
matches), scored as bench/tabular.py scores (RMSE / the test target's population std).

  repeated_rows.py SET TARGET [--seeds 8] [--prior 2] [--cache-dir bench/.tabular-cache]

Reads the splits bench/tabular.py wrote. On randhie (panel data: a person in several years) it
beats every learner of the benchmark (bench/TABULAR.md), which says the trees' lead there is
memory of repeated rows, not a better smooth fit.
"""
import argparse
import os

import numpy as np
import pandas as pd


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("set")
    parser.add_argument("target")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--prior", type=float, default=2.0)
    parser.add_argument("--cache-dir", default=os.path.join(os.path.dirname(__file__),
                                                            ".tabular-cache"))
    args = parser.parse_args()
    scores = []
    for seed in range(args.seeds):
        folder = os.path.join(args.cache_dir, "splits", args.set, "seed%d" % seed)
        train = pd.read_csv(os.path.join(folder, "train.csv"))
        test = pd.read_csv(os.path.join(folder, "test.csv"))
        features = [c for c in train.columns if c != args.target]
        groups = train.groupby(features, dropna=False)[args.target].agg(["sum", "count"])
        matched = test.merge(groups.reset_index(), on=features, how="left")
        mean = train[args.target].mean()
        count = matched["count"].fillna(0)
        guess = (matched["sum"].fillna(0) + args.prior * mean) / (count + args.prior)
        error = np.sqrt(((guess - test[args.target]) ** 2).mean())
        scores.append(error / test[args.target].std(ddof=0))
        print("seed %d: %d distinct training rows of %d, %.1f%% of test rows repeat one, "
              "RMSE/std %.4f" % (seed, len(groups), len(train), 100 * (count > 0).mean(),
                                 scores[-1]))
    print("median RMSE/std over %d splits: %.4f" % (len(scores), float(np.median(scores))))


if __name__ == "__main__":
    main()
