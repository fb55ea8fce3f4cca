"""The Markdown report of bench/tabular.py: per-set medians, the shifted geometric means, the
comparisons the issue's targets name, and train times."""
import math

import numpy as np

import tabular_sets

EPSILON = 0.01  # the shift of the geometric mean
BASELINES = (("xgb", "XGBoost defaults"), ("hgb", "HistGradientBoosting defaults"),
             ("mlp", "MLP (standardised, one-hot, median-imputed)"))
MLP_ACCURACY_ALLOWANCE = 0.01
MLP_ONE_SAMPLE_BELOW = 150  # test rows under which one test sample's worth is allowed instead
MLP_RMSE_ALLOWANCE = 1.10


def plexus_name(recipe):
    return f"plexus {recipe}"


def column_name(who):
    return f"plexus `{who[len('plexus '):]}`" if who.startswith("plexus ") else who


def shifted_geometric_mean(values):
    if not values:
        return math.nan
    return float(np.exp(np.mean(np.log(np.asarray(values) + EPSILON))) - EPSILON)


class Medians:
    """Per (learner, set): the median score and train seconds over the seeds, or the first
    error when any seed failed."""

    def __init__(self, results, seeds):
        self.score, self.seconds, self.error, self.longest = {}, {}, {}, {}
        for who, name in {(who, name) for name, who, _ in results}:
            runs = [results[(name, who, seed)] for seed in seeds]
            failed = [r for r in runs if "error" in r]
            if failed:
                self.error[(who, name)] = failed[0]["error"]
                continue
            self.score[(who, name)] = float(np.median([r["metric"] for r in runs]))
            walls = [r.get("wall_seconds", r["seconds"]) for r in runs]
            self.seconds[(who, name)] = float(np.median(walls))
            self.longest[(who, name)] = max(walls)

    def get(self, who, name):
        return self.score.get((who, name))


def compare(a, b):
    """'+' when score a is lower (better) than b, '=' when equal, '-' when worse or a failed."""
    if a is None:
        return "-"
    if b is None:
        return "+"
    return "=" if abs(a - b) < 1e-9 else ("+" if a < b else "-")


def mlp_shortfall(s, info, plexus, mlp):
    """How far plexus is beyond the allowed distance to the MLP (0 when within it); None when
    either failed."""
    if plexus is None or mlp is None:
        return None
    if s.classification:
        allowance = MLP_ACCURACY_ALLOWANCE
        if info["test_rows"] < MLP_ONE_SAMPLE_BELOW:
            allowance = max(allowance, 1.0 / info["test_rows"])
        return max(0.0, plexus - mlp - allowance - 1e-9)
    return max(0.0, plexus / mlp - MLP_RMSE_ALLOWANCE - 1e-9)


def aggregate(medians, who, names):
    ok = [n for n in names if medians.get(who, n) is not None]
    return shifted_geometric_mean([medians.get(who, n) for n in ok]), ok


def fmt(value, digits=4):
    return "FAIL" if value is None else f"{value:.{digits}f}"


def table(header, rows, align=None):
    align = align or ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def aggregate_rows(medians, recipes, sets, infos):
    by_task = {task: [n for n in sets if tabular_sets.BY_NAME[n].task == task]
               for task in ("classification", "regression")}
    rows = []
    for recipe, flags in recipes:
        who = plexus_name(recipe)
        cells = [f"plexus `{recipe}`" + (f" (`{flags}`)" if flags else "")]
        ratios = []
        for task, names in by_task.items():
            value, ok = aggregate(medians, who, names)
            partial = "" if len(ok) == len(names) else f" ({len(ok)}/{len(names)} sets)"
            cells.append((fmt(value) if ok else "FAIL") + partial)
            # the better tree on the sets this recipe finished
            trees = [aggregate(medians, tree, ok)[0] for tree in ("xgb", "hgb")]
            ratios.append(f"{value / min(trees):.3f}" if ok and min(trees) > 0 else "-")
        cells += ratios
        for tree in ("xgb", "hgb"):
            marks = [compare(medians.get(who, n), medians.get(tree, n)) for n in sets]
            cells.append(f"{marks.count('+')}/{len(sets)} ({marks.count('=')} tied)")
        short = [mlp_shortfall(tabular_sets.BY_NAME[n], infos[n], medians.get(who, n),
                               medians.get("mlp", n)) for n in sets]
        cells.append(f"{sum(1 for x in short if x == 0)}/{len(sets)}")
        cells.append(f"{sum(medians.seconds.get((who, n), 0) for n in sets):.1f}")
        cells.append(str(sum(1 for n in sets if (who, n) in medians.error)))
        rows.append(cells)
    for who, label in BASELINES:
        cells = [label]
        for names in by_task.values():
            value, ok = aggregate(medians, who, names)
            cells.append((fmt(value) if ok else "FAIL") +
                         ("" if len(ok) == len(names) else f" ({len(ok)}/{len(names)} sets)"))
        cells += ["", "", "", "", "",
                  f"{sum(medians.seconds.get((who, n), 0) for n in sets):.1f}",
                  str(sum(1 for n in sets if (who, n) in medians.error))]
        rows.append(cells)
    header = ["learner", f"classification error ({len(by_task['classification'])} sets)",
              f"regression RMSE/std ({len(by_task['regression'])} sets)",
              "clf ÷ better tree", "reg ÷ better tree", "better than XGB", "better than HGB",
              "within MLP allowance", "train s (sum of set medians)", "sets failed"]
    return table(header, rows)


def report(context, recipes, sets, infos, results):
    medians = Medians(results, context["seeds"])
    whos = [plexus_name(r) for r, _ in recipes] + [b for b, _ in BASELINES]
    out = [f"Run {context['date']} on {context['machine']}; load average "
           f"{context['load'][0]:.1f} before, {context['load'][1]:.1f} after; "
           f"{context['wall_minutes']:.1f} min wall (reference learners from the cache where "
           f"there); plexus at `{context['plexus']}`; {context['versions']}; "
           f"seeds {', '.join(map(str, context['seeds']))}; {context['jobs']} run(s) at once.",
           "", "```", context["command"], "```", ""]
    if context["plexus_args"]:
        out += [f"Every plexus run also had `{context['plexus_args']}`.", ""]

    out += ["### Aggregate", "",
            "Shifted geometric mean (ε = 0.01) over sets of the per-set median of "
            f"{len(context['seeds'])} splits. '÷ better tree': plexus' mean over the sets it "
            "finished divided by the lower of XGBoost's and HGB's means on those sets. 'better "
            "than': sets where plexus' median is strictly lower (a FAIL is not better). 'within "
            "MLP allowance': sets where plexus' accuracy is at most 0.01 below the MLP's (one "
            f"test sample's worth where larger, on sets under {MLP_ONE_SAMPLE_BELOW} test rows) "
            "or its RMSE at most 10% above. Train seconds: plexus' whole `train` process, the "
            "others' `fit()`; each on one thread.", "",
            aggregate_rows(medians, recipes, sets, infos), ""]

    rows = []
    for n in sets:
        s = tabular_sets.BY_NAME[n]
        rows.append([n, "clf" if s.classification else "reg"] +
                    [fmt(medians.get(who, n)) for who in whos])
    out += ["### Per set: median classification error or RMSE/std", "",
            table(["set", "task"] + [column_name(w) for w in whos], rows,
                  ["---", "---"] + ["---:"] * len(whos)), ""]

    rows = []
    for n in sets:
        s, row = tabular_sets.BY_NAME[n], [n]
        for recipe, _ in recipes:
            p = medians.get(plexus_name(recipe), n)
            short = mlp_shortfall(s, infos[n], p, medians.get("mlp", n))
            mlp = "FAIL" if short is None else ("ok" if short == 0 else f"over by {short:.3f}")
            row.append(f"{compare(p, medians.get('xgb', n))} {compare(p, medians.get('hgb', n))} "
                       f"{mlp}")
        rows.append(row)
    out += ["### Per set: plexus against XGB, HGB and the MLP", "",
            "Each cell: vs XGB, vs HGB (+ better, = tied, - worse or FAIL), then the MLP check "
            "(ok, or how far beyond the allowance: accuracy points or the RMSE ratio's excess "
            "over 1.10).", "",
            table(["set"] + [f"`{r}`" for r, _ in recipes], rows,
                  ["---"] + [":---:"] * len(recipes)), ""]

    rows = [[n] + [("FAIL" if (w, n) in medians.error else f"{medians.seconds[(w, n)]:.2f}")
                   for w in whos] for n in sets]
    out += ["### Per set: median train seconds", "",
            table(["set"] + [column_name(w) for w in whos], rows), ""]
    # A time-limited recipe (plexus tune) promises its end: the longest single run shows it.
    longest = []
    for recipe, _ in recipes:
        walls = [(medians.longest[(plexus_name(recipe), n)], n) for n in sets
                 if (plexus_name(recipe), n) in medians.longest]
        if walls:
            wall, where = max(walls)
            longest.append(f"`{recipe}` {wall:.2f} s ({where})")
    if longest:
        out += ["Longest single plexus run (whole process, wall clock): " + "; ".join(longest) +
                ".", ""]

    rows = []
    for n in sets:
        s, i = tabular_sets.BY_NAME[n], infos[n]
        rows.append([n, s.source, s.task, s.target, i["rows"],
                     f"{i['train_rows']} / {i['test_rows']}",
                     f"{i['columns']} ({i['text_columns']})", i["missing_cells"],
                     i["classes"] or "", s.note])
    out += ["### The sets", "", table(
        ["set", "from", "task", "target", "rows", "train / test", "columns (text)",
         "empty cells", "classes", "note"], rows,
        ["---", "---", "---", "---", "---:", "---:", "---:", "---:", "---:", "---"]), ""]

    failures = sorted({(who, n): err for (who, n), err in medians.error.items()}.items())
    if failures:
        out += ["### Failures (first failing split's error)", ""]
        out += [f"- {n}, {who}: {err}" for (who, n), err in failures]
        out.append("")
    return "\n".join(out)
