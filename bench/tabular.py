#!/usr/bin/python3
"""plexus train with its defaults against XGBoost, scikit-learn's HistGradientBoosting and MLP
on 17 real tabular sets (issue 19): the same seeded 80/20 splits, metrics and aggregation.

Run:  /usr/bin/python3 bench/tabular.py --plexus build/tools/plexus/plexus
          [--recipe-list 'defaults=;median=--impute median'] [--plexus-args "..."]
          [--sets iris,wine | --holdout] [--seeds 3] [--jobs 2] [--markdown FILE] [--raw FILE]

Each recipe runs `plexus train --data train.csv --test test.csv --target Y --task T --header
--json --quiet --seed S --threads 1` + --plexus-args + the recipe's flags. The data sets, their
splits (bench/tabular_sets.py) and the reference learners' results (bench/tabular_learners.py)
are kept in --cache-dir, so a second run with other recipes runs only plexus. A recipe whose
flags start with `tune` runs `plexus tune` instead, e.g. --recipe-list 'tune60=tune --time-limit
60s' (issue 21): its time is the command's, reading the data included.

Scores: classification error (1 - accuracy), RMSE / the test target's standard deviation; per
set the median over the seeds; over sets the shifted geometric mean exp(mean(log(x + 0.01))) -
0.01, classification and regression apart. A run that fails is a FAIL (its error's first line)
and its set is left out of that learner's means.
"""
import argparse
import concurrent.futures
import datetime
import hashlib
import json
import os
import shlex
import subprocess
import sys
import time

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "PLEXUS_NUM_THREADS")
for variable in THREAD_VARIABLES:  # before numpy loads: every learner on one thread
    os.environ[variable] = "1"

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import xgboost  # noqa: E402

import tabular_learners  # noqa: E402
import tabular_report  # noqa: E402
import tabular_sets  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT_OPTIONS = ("--markdown", "--raw", "--cache-dir")


def file_digest(*paths):
    digest = hashlib.sha1()
    for path in paths:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


VERSIONS = f"sklearn {sklearn.__version__} xgboost {xgboost.__version__}"
# a cached reference result is reused only by the same learner code and library versions
BASELINE_VERSION = f"{file_digest(tabular_learners.__file__)[:12]} {VERSIONS}"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--plexus", default="build/tools/plexus/plexus", help="the plexus command")
    p.add_argument("--plexus-args", default="", help="flags added to every plexus train run")
    p.add_argument("--recipe-list", default="defaults=",
                   help="';'-separated 'name=flags': plexus recipes run on the same splits, "
                   "one aggregate row each (default: 'defaults=')")
    p.add_argument("--sets", default="", help="comma-separated subset of the data sets")
    p.add_argument("--holdout", action="store_true",
                   help="the held-out sets instead (never used to choose the recipe)")
    p.add_argument("--seeds", type=int, default=3, help="seeds (= splits) per set")
    p.add_argument("--jobs", type=int, default=1, help="runs at once (each on one thread)")
    p.add_argument("--cache-dir", default=os.path.join(HERE, ".tabular-cache"),
                   help="data, splits and reference results (default: bench/.tabular-cache)")
    p.add_argument("--timeout", type=float, default=900, help="seconds before a plexus run FAILs")
    p.add_argument("--markdown", default="", help="also write the report to this file")
    p.add_argument("--raw", default="", help="write every run as JSON to this file")
    return p.parse_args(argv)


def parse_recipes(text):
    recipes = []
    for item in text.split(";"):
        if item.strip():
            name, _, flags = item.partition("=")
            recipes.append((name.strip(), flags.strip()))
    if len({name for name, _ in recipes}) != len(recipes):
        sys.exit("recipe names must differ")
    return recipes or [("defaults", "")]


def log(text):
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Reference learners, cached per split in CACHE/baselines.json.


def run_baselines(args, sets, paths):
    cache_path = os.path.join(args.cache_dir, "baselines.json")
    cache = json.load(open(cache_path)) if os.path.exists(cache_path) else {}
    results, todo = {}, []
    for name in sets:
        s = tabular_sets.BY_NAME[name]
        for seed, (train, test) in paths[name].items():
            key_base = f"{BASELINE_VERSION}|{file_digest(train, test)}|{seed}"
            for learner in tabular_learners.LEARNERS:
                key = f"{key_base}|{learner}"
                if key in cache:
                    results[(name, learner, seed)] = cache[key]
                else:
                    todo.append((key, (name, learner, seed),
                                 (learner, train, test, s.target, s.classification, seed)))
    if todo:
        log(f"# {len(todo)} reference runs to do ({len(results)} cached)")
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(tabular_learners.fit_and_score, *call): (key, where)
                   for key, where, call in todo}
        for future in concurrent.futures.as_completed(futures):
            key, where = futures[future]
            results[where] = future.result()
            log(f"# {where[0]} seed {where[2]} {where[1]}: {describe_run(results[where])}")
            if "error" not in results[where]:
                cache[key] = results[where]
                with open(cache_path + ".tmp", "w") as f:
                    json.dump(cache, f, indent=0)
                os.replace(cache_path + ".tmp", cache_path)
    return results


def describe_run(run):
    if "error" in run:
        return "FAIL " + run["error"]
    return f"{run['metric']:.4f} in {run['seconds']:.2f} s"


# ---------------------------------------------------------------------------------------------
# plexus


def run_plexus(args, flags, name, seed, train, test):
    s = tabular_sets.BY_NAME[name]
    # A recipe whose flags start with "tune" runs `plexus tune` with the rest of them.
    words = shlex.split(flags)
    command = "tune" if words[:1] == ["tune"] else "train"
    words = words[1:] if command == "tune" else words
    cmd = [args.plexus, command, "--data", train, "--test", test, "--target", s.target,
           "--task", s.task, "--header", "--json", "--quiet", "--seed", str(seed),
           "--threads", "1"] + shlex.split(args.plexus_args) + words
    run = {"command": shlex.join(cmd)}
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {**run, "error": f"timed out after {args.timeout:g} s"}
    run["wall_seconds"] = time.perf_counter() - start
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        error = lines[0].strip() if lines else f"exit code {proc.returncode}"
        return {**run, "error": error.replace(os.path.dirname(train) + os.sep, "")}
    try:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {**run, "error": "no JSON on the last line of stdout"}
    if command == "tune":  # the test scores under "test"; the seconds include reading the data
        result = {**result["test"], "train_seconds": result["seconds"],
                  "trials": result["trials_run"]}
        run["trials"] = result["trials"]
    run.update(seconds=result["train_seconds"], epochs=result.get("epochs_run"),
               best_epoch=result.get("best_epoch"), test_rows=result.get("test_rows"))
    if s.classification:
        run["metric"] = 1.0 - result["test_accuracy"]
    else:  # plexus reports the MSE in the target's units; the std is the test file's
        y = tabular_sets.read_csv(test)[s.target].to_numpy(dtype=float)
        run["metric"] = float(np.sqrt(result["test_mse"]) / np.std(y))
    return run


def run_all_plexus(args, recipes, sets, paths):
    calls = [(recipe, name, seed, train, test) for recipe, _ in recipes for name in sets
             for seed, (train, test) in paths[name].items()]
    flags_of = dict(recipes)
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run_plexus, args, flags_of[recipe], name, seed, train, test):
                   (name, tabular_report.plexus_name(recipe), seed)
                   for recipe, name, seed, train, test in calls}
        for future in concurrent.futures.as_completed(futures):
            where = futures[future]
            results[where] = future.result()
            log(f"# {where[0]} seed {where[2]} {where[1]}: {describe_run(results[where])}")
    return results


# ---------------------------------------------------------------------------------------------


def machine():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next(l.split(":", 1)[1].strip() for l in out.splitlines()
                     if l.startswith("Model name"))
    except (OSError, StopIteration):
        model = "unknown"
    return f"{model}, {os.cpu_count()} CPUs"


def plexus_commit(plexus):
    folder = os.path.dirname(os.path.abspath(plexus))
    proc = subprocess.run(["git", "-C", folder, "log", "-1", "--format=%h (%cs)"],
                          capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 else "unknown"


def result_arguments(argv):
    """argv without the options that only say where files go: the command in the report."""
    kept, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word in OUTPUT_OPTIONS:
            skip = True
        elif not word.startswith(tuple(o + "=" for o in OUTPUT_OPTIONS)):
            kept.append(word)
    return kept


def main(argv):
    args = parse_args(argv)
    recipes = parse_recipes(args.recipe_list)
    family = tabular_sets.HOLDOUT_SETS if args.holdout else tabular_sets.SETS
    sets = [n for n in args.sets.split(",") if n] or [s.name for s in family]
    unknown = [n for n in sets if n not in tabular_sets.BY_NAME]
    if unknown:
        sys.exit(f"unknown sets: {', '.join(unknown)} (known: "
                 f"{', '.join(tabular_sets.BY_NAME)})")
    if not os.access(args.plexus, os.X_OK):
        sys.exit(f"{args.plexus} is not an executable plexus (--plexus)")
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    seeds = list(range(args.seeds))
    tabular_sets.write_data(os.path.join(args.cache_dir, "data"), sets)
    infos, paths = {}, {}
    for name in sets:
        infos[name], paths[name] = tabular_sets.write_splits(args.cache_dir, name, seeds)
    results = run_baselines(args, sets, paths)
    results.update(run_all_plexus(args, recipes, sets, paths))
    context = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "plexus": plexus_commit(args.plexus),
        "versions": VERSIONS,
        "command": "/usr/bin/python3 bench/tabular.py " + shlex.join(result_arguments(argv)),
        "plexus_args": args.plexus_args, "seeds": seeds, "jobs": args.jobs,
        "wall_minutes": (time.perf_counter() - started) / 60,
        "load": (load_before, os.getloadavg()[0]),
    }
    text = tabular_report.report(context, recipes, sets, infos, results)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.raw:
        runs = [{"set": n, "learner": who, "seed": seed, **run}
                for (n, who, seed), run in sorted(results.items(), key=lambda kv: str(kv[0]))]
        with open(args.raw, "w") as f:
            json.dump({"context": context, "recipes": dict(recipes), "sets": infos,
                       "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
