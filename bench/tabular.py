#!/usr/bin/python3
"""plexus train's defaults against scikit-learn's MLPClassifier/MLPRegressor on small tabular sets.

Run:  /usr/bin/python3 bench/tabular.py --plexus build-sk/tools/plexus/plexus [--seeds 3]
          [--extra-args "--hidden 128,64"] [--recipes] [--markdown bench/TABULAR.md]

For every data set and seed it makes a stratified 80/20 split (regression: stratified on target
quintiles), writes train.csv/test.csv into a temporary folder and

  * runs `plexus train --data train.csv --test test.csv --target target --task T --header
    --json --quiet [--impute mean]` (+ --extra-args), reading the JSON on the last stdout line;
  * fits scikit-learn's MLPClassifier/MLPRegressor with default settings (random_state=seed) in a
    Pipeline that does what plexus does to a CSV: numeric columns SimpleImputer(mean) +
    StandardScaler, categorical (text) columns SimpleImputer(most_frequent) +
    OneHotEncoder(handle_unknown='ignore'); fit on train.csv's rows, scored on test.csv's.

Data sets: scikit-learn's bundled ones that need no download (iris, wine, breast_cancer, digits,
diabetes; linnerud is left out: 20 rows leave a test set of 4) and made-up variants with text
categories and missing cells (breast_cancer+cat+nan, diabetes+cat+nan, a synthetic set with a
200-level category for each task).

Classification is scored by accuracy and macro F1, regression by R^2 and MAE. Times are the
training time only: plexus's train_seconds (the fit loop) and the sklearn Pipeline's fit().
Both run on --threads threads (default 1; BLAS threads are set before numpy loads).

With --recipes it also runs a list of alternative plexus flag sets on the same splits and ranks
every recipe (and sklearn) per (set, seed) on the primary metric (accuracy / R^2): the mean rank
over all sets and seeds, and on how many sets the recipe's mean is at least sklearn's.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--plexus", default="build/tools/plexus/plexus", help="the plexus command")
    p.add_argument("--seeds", type=int, default=3, help="seeds (= splits) per data set")
    p.add_argument("--extra-args", default="", help="flags added to every plexus train run")
    p.add_argument("--threads", type=int, default=1, help="threads for plexus and for BLAS")
    p.add_argument("--sets", default="", help="comma-separated subset of data sets")
    p.add_argument("--recipes", action="store_true", help="also compare alternative recipes")
    p.add_argument("--recipe-list", default="",
                   help="recipes to compare, ';'-separated 'name=flags' (default: the built-in list)")
    p.add_argument("--markdown", default="", help="also write the tables to this file")
    p.add_argument("--raw", default="", help="write every run's numbers to this JSON file")
    return p.parse_args()


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler  # noqa: E402

warnings.filterwarnings("ignore", category=ConvergenceWarning)

# ---------------------------------------------------------------------------------------------
# Data sets. Each is (columns, kinds, X (object array, None = missing), y, task); kinds[i] is
# "num" or "cat". Made-up variants are generated with a fixed seed, independent of the split seed.


def bundled(loader, task):
    d = loader()
    names = [str(n).replace(" ", "_") for n in d.feature_names] if hasattr(d, "feature_names") \
        and d.feature_names is not None else [f"x{i}" for i in range(d.data.shape[1])]
    X = d.data.astype(object)
    return names, ["num"] * len(names), X, d.target, task


def blank(X, cols, fraction, rng):
    for c in cols:
        mask = rng.random(X.shape[0]) < fraction
        X[mask, c] = None


def breast_cancer_cat_nan():
    names, kinds, X, y, task = bundled(datasets.load_breast_cancer, "classification")
    rng = np.random.default_rng(1234)
    labels = np.array(["small", "medium", "large", "huge"], dtype=object)
    for c in (names.index("mean_radius"), names.index("worst_texture")):
        v = X[:, c].astype(float)
        edges = np.quantile(v, [0.25, 0.5, 0.75])
        X[:, c] = labels[np.searchsorted(edges, v)]
        kinds[c] = "cat"
    gaps = [names.index(n) for n in ("mean_radius", "worst_texture", "mean_texture",
                                     "mean_smoothness", "worst_area", "worst_concavity")]
    blank(X, gaps, 0.10, rng)
    return names, kinds, X, y, task


def diabetes_cat_nan():
    names, kinds, X, y, task = bundled(datasets.load_diabetes, "regression")
    rng = np.random.default_rng(4321)
    c = names.index("sex")
    v = X[:, c].astype(float)
    X[:, c] = np.where(v > 0, "M", "F").astype(object)
    kinds[c] = "cat"
    blank(X, [c] + [names.index(n) for n in ("bmi", "bp", "s1", "s5")], 0.10, rng)
    return names, kinds, X, y, task


def synthetic_high_card(task):
    """2000 rows: 6 numeric columns (two with 10% gaps), a 200-level 'city' whose level shifts
    the target (Zipf-like frequencies, so many levels are rare), a 4-level 'plan' with gaps."""
    rng = np.random.default_rng(99 if task == "classification" else 98)
    n, levels = 2000, 200
    num = rng.normal(size=(n, 6))
    freq = 1.0 / np.arange(1, levels + 1) ** 0.8
    city = rng.choice(levels, size=n, p=freq / freq.sum())
    city_effect = rng.normal(scale=1.0, size=levels)
    plan = rng.integers(0, 4, size=n)
    plan_effect = np.array([-0.8, 0.0, 0.4, 1.0])
    f = (1.2 * num[:, 0] - 0.8 * num[:, 1] + 0.6 * num[:, 2] * num[:, 3] + np.sin(2 * num[:, 4])
         + city_effect[city] + plan_effect[plan])
    if task == "classification":
        y = (f + rng.normal(scale=0.7, size=n) > np.median(f)).astype(int)
    else:
        y = 10.0 + 3.0 * f + rng.normal(scale=1.5, size=n)
    X = np.empty((n, 8), dtype=object)
    X[:, :6] = num
    X[:, 6] = np.array([f"city_{k:03d}" for k in city], dtype=object)
    X[:, 7] = np.array(["basic", "plus", "pro", "max"], dtype=object)[plan]
    blank(X, [1, 4, 7], 0.10, rng)
    names = [f"n{i}" for i in range(6)] + ["city", "plan"]
    kinds = ["num"] * 6 + ["cat", "cat"]
    return names, kinds, X, y, task


SETS = {
    "iris": lambda: bundled(datasets.load_iris, "classification"),
    "wine": lambda: bundled(datasets.load_wine, "classification"),
    "breast_cancer": lambda: bundled(datasets.load_breast_cancer, "classification"),
    "digits": lambda: bundled(datasets.load_digits, "classification"),
    "breast_cancer+cat+nan": breast_cancer_cat_nan,
    "synth_city_clf": lambda: synthetic_high_card("classification"),
    "diabetes": lambda: bundled(datasets.load_diabetes, "regression"),
    "diabetes+cat+nan": diabetes_cat_nan,
    "synth_city_reg": lambda: synthetic_high_card("regression"),
}

# ---------------------------------------------------------------------------------------------
# Splits and CSVs.


def split(X, y, task, seed):
    idx = np.arange(len(y))
    if task == "classification":
        strata = y
    else:
        strata = np.searchsorted(np.quantile(y, [0.2, 0.4, 0.6, 0.8]), y)
    return train_test_split(idx, test_size=0.2, random_state=seed, stratify=strata)


def cell(v):
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return repr(float(v))


def write_csv(path, names, X, y, task):
    with open(path, "w") as f:
        f.write(",".join(names + ["target"]) + "\n")
        for row, t in zip(X, y):
            target = str(int(t)) if task == "classification" else repr(float(t))
            f.write(",".join(cell(v) for v in row) + "," + target + "\n")


# ---------------------------------------------------------------------------------------------
# The two contestants.


def run_plexus(folder, task, has_gaps, seed, extra):
    cmd = [ARGS.plexus, "train", "--data", os.path.join(folder, "train.csv"),
           "--test", os.path.join(folder, "test.csv"), "--target", "target", "--task", task,
           "--header", "--json", "--quiet", "--seed", str(seed), "--threads", str(ARGS.threads)]
    if has_gaps:
        cmd += ["--impute", "mean"]
    cmd += shlex.split(extra)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"plexus failed ({proc.returncode}): {shlex.join(cmd)}\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if task == "classification":
        metrics = (result["test_accuracy"], result["test_macro_f1"])
    else:
        metrics = (result["test_r2"], result["test_mae"])
    return {"m1": metrics[0], "m2": metrics[1], "seconds": result["train_seconds"], "wall": wall,
            "epochs": result.get("epochs_run")}


def to_float(a):
    return np.array([[np.nan if v is None else float(v) for v in row] for row in a], dtype=float)


def to_text(a):
    return np.array([[np.nan if v is None else str(v) for v in row] for row in a], dtype=object)


def run_sklearn(kinds, X_train, y_train, X_test, y_test, task, seed, scale_target=False):
    num = [i for i, k in enumerate(kinds) if k == "num"]
    cat = [i for i, k in enumerate(kinds) if k == "cat"]
    parts = []
    if num:
        parts.append(("num", Pipeline([("float", FunctionTransformer(to_float)),
                                       ("impute", SimpleImputer(strategy="mean")),
                                       ("scale", StandardScaler())]), num))
    if cat:
        parts.append(("cat", Pipeline([("text", FunctionTransformer(to_text)),
                                       ("impute", SimpleImputer(strategy="most_frequent")),
                                       ("onehot", OneHotEncoder(handle_unknown="ignore"))]), cat))
    if task == "classification":
        model = MLPClassifier(random_state=seed)
    elif scale_target:  # what plexus does to a regression target
        model = TransformedTargetRegressor(MLPRegressor(random_state=seed),
                                           transformer=StandardScaler())
    else:
        model = MLPRegressor(random_state=seed)
    pipe = Pipeline([("prep", ColumnTransformer(parts)), ("mlp", model)])
    start = time.perf_counter()
    pipe.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    pred = pipe.predict(X_test)
    if task == "classification":
        m = (accuracy_score(y_test, pred), f1_score(y_test, pred, average="macro"))
    else:
        m = (r2_score(y_test, pred), mean_absolute_error(y_test, pred))
    mlp = pipe[-1].regressor_ if scale_target and task != "classification" else pipe[-1]
    return {"m1": m[0], "m2": m[1], "seconds": seconds, "epochs": mlp.n_iter_}


# ---------------------------------------------------------------------------------------------
# Recipes: flags on top of the plexus defaults. "default" is whatever the binary does today.

RECIPES = [
    ("default", ""),
    ("bs32", "--batch-size 32"),
    ("bs64", "--batch-size 64"),
    ("bs32 es20", "--batch-size 32 --early-stopping 20"),
    ("bs32 es20 ep200", "--batch-size 32 --early-stopping 20 --epochs 200"),
    ("bs32 h128,64", "--batch-size 32 --hidden 128,64"),
    ("bs32 h64", "--batch-size 32 --hidden 64"),
    ("bs32 do0", "--batch-size 32 --dropout 0"),
    ("bs32 do0.2", "--batch-size 32 --dropout 0.2"),
    ("bs32 wd1e-4", "--batch-size 32 --weight-decay 1e-4"),
    ("bs32 val0.2 es20", "--batch-size 32 --validation-split 0.2 --early-stopping 20"),
    ("bs64 lr3e-3", "--batch-size 64 --lr 3e-3"),
    ("bs128 lr3e-3 es20", "--lr 3e-3 --early-stopping 20"),
]


def parse_recipes(text):
    out = []
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        name, _, flags = item.partition("=")
        out.append((name.strip(), flags.strip()))
    return out


def fmt_metric(task, m1, m2):
    return f"{m1:.3f} / {m2:.3f}" if task == "classification" else f"{m1:.3f} / {m2:.1f}"


def main():
    names = [s for s in ARGS.sets.split(",") if s] or list(SETS)
    recipes = [("plexus", "")]
    if ARGS.recipes:
        recipes = parse_recipes(ARGS.recipe_list) if ARGS.recipe_list else RECIPES
    seeds = list(range(ARGS.seeds))
    results = {}  # (set, recipe or "sklearn", seed) -> dict
    info = {}
    with tempfile.TemporaryDirectory(prefix="plexus-tabular-") as tmp:
        for set_name in names:
            cols, kinds, X, y, task = SETS[set_name]()
            has_gaps = any(v is None for v in X.ravel())
            info[set_name] = (len(y), task, X.shape[1], kinds.count("cat"), has_gaps)
            for seed in seeds:
                tr, te = split(X, y, task, seed)
                folder = os.path.join(tmp, f"{set_name}-{seed}")
                os.makedirs(folder)
                write_csv(os.path.join(folder, "train.csv"), cols, X[tr], y[tr], task)
                write_csv(os.path.join(folder, "test.csv"), cols, X[te], y[te], task)
                results[(set_name, "sklearn", seed)] = run_sklearn(
                    kinds, X[tr], y[tr], X[te], y[te], task, seed)
                results[(set_name, "sklearn+y", seed)] = results[(set_name, "sklearn", seed)] \
                    if task == "classification" else run_sklearn(
                        kinds, X[tr], y[tr], X[te], y[te], task, seed, scale_target=True)
                for rname, flags in recipes:
                    extra = " ".join(x for x in (ARGS.extra_args, flags) if x)
                    results[(set_name, rname, seed)] = run_plexus(folder, task, has_gaps, seed,
                                                                  extra)
                s = results[(set_name, "sklearn", seed)]
                line = " ".join(f"{r}={results[(set_name, r, seed)]['m1']:.3f}"
                                for r, _ in recipes)
                sy = results[(set_name, "sklearn+y", seed)]
                print(f"# {set_name} seed {seed}: sklearn={s['m1']:.3f} "
                      f"sklearn+y={sy['m1']:.3f} {line}",
                      file=sys.stderr, flush=True)

    def mean(set_name, who, key):
        return float(np.mean([results[(set_name, who, s)][key] for s in seeds]))

    out = []
    first = recipes[0][0]
    extra_note = f" with `{ARGS.extra_args}`" if ARGS.extra_args else ""
    out.append(f"plexus ({first}{extra_note}) vs scikit-learn MLP defaults, mean of "
               f"{len(seeds)} seeded 80/20 splits; metric = accuracy / macro F1 (classification), "
               "R² / MAE (regression); seconds = training time.\n")
    out.append("| data set | rows | cols (cat) | gaps | task | plexus metric | sklearn metric "
               "| sklearn+y metric | plexus s | sklearn s | sklearn+y s |")
    out.append("|---|---:|---:|:-:|---|---:|---:|---:|---:|---:|---:|")
    for set_name in names:
        n, task, ncol, ncat, gaps = info[set_name]
        p = fmt_metric(task, mean(set_name, first, "m1"), mean(set_name, first, "m2"))
        k = fmt_metric(task, mean(set_name, "sklearn", "m1"), mean(set_name, "sklearn", "m2"))
        clf = task == "classification"
        ky = "same" if clf else fmt_metric(task, mean(set_name, "sklearn+y", "m1"),
                                           mean(set_name, "sklearn+y", "m2"))
        kys = "same" if clf else f"{mean(set_name, 'sklearn+y', 'seconds'):.2f}"
        out.append(f"| {set_name} | {n} | {ncol} ({ncat}) | {'10%' if gaps else '-'} | "
                   f"{'clf' if clf else 'reg'} | {p} | {k} | {ky} | "
                   f"{mean(set_name, first, 'seconds'):.2f} | "
                   f"{mean(set_name, 'sklearn', 'seconds'):.2f} | {kys} |")
    out.append("\nsklearn+y = the same sklearn pipeline with the regression target standardised "
               "(TransformedTargetRegressor + StandardScaler), as plexus does internally; "
               "MLPRegressor's defaults do not converge in 200 iterations on diabetes's raw "
               "target.")

    if ARGS.recipes:
        entrants = [r for r, _ in recipes] + ["sklearn", "sklearn+y"]
        ranks = {e: [] for e in entrants}
        for set_name in names:
            for s in seeds:
                vals = np.array([results[(set_name, e, s)]["m1"] for e in entrants])
                # rank 1 = best; ties share the mean rank
                order = (-vals).argsort(kind="stable")
                r = np.empty(len(vals))
                r[order] = np.arange(1, len(vals) + 1)
                for v in np.unique(vals):
                    r[vals == v] = r[vals == v].mean()
                for e, ri in zip(entrants, r):
                    ranks[e].append(ri)
        out.append("")
        out.append(f"Recipes (flags on top of the binary's defaults{extra_note}), ranked among "
                   f"{len(entrants)} entrants per (set, seed) on accuracy / R²; "
                   "'≥ sklearn' counts sets whose mean is at least sklearn+y's (the stronger "
                   "reference; and within 0.005).\n")
        header = "| recipe | flags | mean rank | ≥ sklearn | ≥ sklearn−0.005 | " + \
            " | ".join(names) + " | mean s |"
        out.append(header)
        out.append("|---|---|---:|---:|---:|" + "---:|" * len(names) + "---:|")
        flags_of = dict(recipes)
        flags_of["sklearn"] = "MLP defaults"
        flags_of["sklearn+y"] = "MLP defaults, scaled y"
        for e in sorted(entrants, key=lambda e: np.mean(ranks[e])):
            per = [mean(n_, e, "m1") for n_ in names]
            ref = [mean(n_, "sklearn+y", "m1") for n_ in names]
            wins = sum(a >= b for a, b in zip(per, ref))
            near = sum(a >= b - 0.005 for a, b in zip(per, ref))
            secs = np.mean([mean(n_, e, "seconds") for n_ in names])
            out.append(f"| {e} | `{flags_of[e]}` | {np.mean(ranks[e]):.2f} | {wins}/{len(names)} "
                       f"| {near}/{len(names)} | " + " | ".join(f"{v:.3f}" for v in per) +
                       f" | {secs:.2f} |")

    text = "\n".join(out)
    print(text)
    if ARGS.markdown:
        with open(ARGS.markdown, "w") as f:
            f.write(text + "\n")
    if ARGS.raw:
        with open(ARGS.raw, "w") as f:
            json.dump({"|".join(map(str, k)): v for k, v in results.items()}, f, indent=1)


if __name__ == "__main__":
    main()
