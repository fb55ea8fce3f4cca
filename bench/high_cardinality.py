#!/usr/bin/python3
"""A made-up table with a high-cardinality text column whose level carries signal, for choosing
when plexus embeds a categorical column instead of one-hot encoding it (bench/TABULAR.md).

  high_cardinality.py OUT_DIR [--levels 1450] [--rows 3000] [--seed 0]

Writes OUT_DIR/train.csv (80% of the rows) and OUT_DIR/test.csv: five numeric columns, a text
column `city` whose levels follow a Zipf law (so some are frequent, many rare, and the test rows
have levels the training rows lack), 3% of its cells empty, and a binary target
y = [x1 + 0.5 x2 + 1.5 effect(city) + noise > 0], effect ~ N(0, 1) per level.
"""
import argparse
import os

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--levels", type=int, default=1450)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    weights = 1.0 / np.arange(1, args.levels + 1) ** 0.8
    level = rng.choice(args.levels, size=args.rows, p=weights / weights.sum())
    effect = rng.normal(size=args.levels)
    x = rng.normal(size=(args.rows, 5))
    score = x[:, 0] + 0.5 * x[:, 1] + 1.5 * effect[level] + 0.5 * rng.normal(size=args.rows)
    y = (score > 0).astype(int)
    empty = rng.random(args.rows) < 0.03
    os.makedirs(args.out, exist_ok=True)
    train = int(0.8 * args.rows)
    for name, rows in (("train.csv", range(train)), ("test.csv", range(train, args.rows))):
        with open(os.path.join(args.out, name), "w") as f:
            f.write("x1,x2,x3,x4,x5,city,y\n")
            for r in rows:
                city = "" if empty[r] else f"c{level[r]}"
                f.write(",".join(f"{v:.4f}" for v in x[r]) + f",{city},{y[r]}\n")


if __name__ == "__main__":
    main()
