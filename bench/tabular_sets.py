"""The data sets of bench/tabular.py and their seeded splits, written once into a cache folder.

Every set ends up as DATA/<name>.csv: the original columns (ids dropped), the target under its
own name, missing cells empty, categorical columns as their text labels (an R factor with
numeric-looking levels reads as numbers, for every learner alike). Each split is
SPLITS/<name>/seed<S>/{train,test}.csv, the same files for every learner.
"""
import os
import subprocess

import numpy as np
import pandas as pd
from sklearn import datasets
from sklearn.model_selection import train_test_split

MAX_TRAIN_ROWS = 10_000
TEST_FRACTION = 0.2


class Set:
    def __init__(self, name, source, target, task, note=""):
        self.name, self.source, self.target, self.task, self.note = name, source, target, task, note

    @property
    def classification(self):
        return self.task == "classification"


SETS = [
    Set("breast_cancer", "scikit-learn", "target", "classification"),
    Set("wine", "scikit-learn", "target", "classification"),
    Set("digits", "scikit-learn", "target", "classification"),
    Set("iris", "scikit-learn", "target", "classification"),
    Set("diabetes", "scikit-learn", "target", "regression"),
    Set("Satellite", "mlbench", "classes", "classification"),
    Set("LetterRecognition", "mlbench", "lettr", "classification"),
    Set("Vowel", "mlbench", "Class", "classification", "V1 (speaker) is a numeric-coded factor"),
    Set("BreastCancer", "mlbench", "Class", "classification",
        "Id dropped; the 9 ordinal factors (levels 1-10) read as numbers"),
    Set("HouseVotes84", "mlbench", "Class", "classification", "16 text columns (y/n)"),
    Set("Soybean", "mlbench", "Class", "classification",
        "19 classes, the rarest 8 rows; factor levels 0-6 read as numbers"),
    Set("Ozone", "mlbench", "V4", "regression",
        "daily maximum ozone; 5 rows without it dropped; month/day factors read as numbers"),
    Set("Servo", "mlbench", "Class", "regression", "Motor and Screw as text (A-E)"),
    Set("GermanCredit", "caret", "Class", "classification",
        "already dummy-coded; some columns constant"),
    Set("segmentationData", "caret", "Class", "classification", "Cell and Case dropped"),
    Set("randhie", "statsmodels", "mdvis", "regression", "number of outpatient visits"),
    Set("fair", "statsmodels", "affairs", "regression", "time spent in affairs, 0 for 68% of rows"),
]
# Held out: never run while the recipe was chosen, so they say how it does on tables it was not
# tuned on (bench/tabular.py --holdout).
HOLDOUT_SETS = [
    Set("Sonar", "mlbench", "Class", "classification", "60 numeric columns, 208 rows"),
    Set("Ionosphere", "mlbench", "Class", "classification", "V2 is constant; V1 a 0/1 factor"),
    Set("Glass", "mlbench", "Type", "classification", "6 classes, the rarest 9 rows"),
    Set("PimaIndiansDiabetes2", "mlbench", "diabetes", "classification",
        "zeros that mean missing are empty cells"),
    Set("Vehicle", "mlbench", "Class", "classification", "4 classes"),
    Set("Zoo", "mlbench", "type", "classification", "15 logical columns (TRUE/FALSE); 101 rows"),
    Set("BostonHousing", "mlbench", "medv", "regression", "chas a 0/1 factor"),
    Set("Sacramento", "caret", "price", "regression", "city (37) and zip (68 levels) as text"),
    Set("BloodBrain", "caret", "logBBB", "regression", "134 descriptors, 208 rows"),
    Set("cars", "caret", "Price", "regression", "Kelley Blue Book prices; dummy-coded make and type"),
]
BY_NAME = {s.name: s for s in SETS + HOLDOUT_SETS}
R_SOURCES = ("mlbench", "caret")


def _sklearn_frame(name):
    loader = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine,
              "digits": datasets.load_digits, "iris": datasets.load_iris,
              "diabetes": datasets.load_diabetes}[name]
    frame = loader(as_frame=True).frame
    frame.columns = [str(c).replace(" ", "_") for c in frame.columns]
    return frame


def _statsmodels_frame(name):
    from statsmodels.datasets import fair, randhie  # slow to import; only when writing the CSV
    return {"fair": fair, "randhie": randhie}[name].load_pandas().data


def read_csv(path):
    """Empty cells (only those) are missing; text columns stay text."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def write_data(data_dir, names):
    """Writes DATA/<name>.csv for each set that lacks one (R's sets through one Rscript call)."""
    os.makedirs(data_dir, exist_ok=True)
    missing = [n for n in names if not os.path.exists(os.path.join(data_dir, n + ".csv"))]
    if any(BY_NAME[n].source in R_SOURCES for n in missing):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tabular_data.R")
        subprocess.run(["Rscript", script, data_dir], check=True)
    for name in missing:
        source = BY_NAME[name].source
        if source == "scikit-learn":
            _sklearn_frame(name).to_csv(os.path.join(data_dir, name + ".csv"), index=False)
        elif source == "statsmodels":
            _statsmodels_frame(name).to_csv(os.path.join(data_dir, name + ".csv"), index=False)


def split_rows(y, classification, seed):
    """A seeded 80/20 split (stratified for classification); training rows capped, drawn with
    the same seed (and strata)."""
    rows = np.arange(len(y))
    strata = y if classification else None
    train, test = train_test_split(rows, test_size=TEST_FRACTION, random_state=seed,
                                   stratify=strata)
    if len(train) > MAX_TRAIN_ROWS:
        train, _ = train_test_split(train, train_size=MAX_TRAIN_ROWS, random_state=seed,
                                    stratify=y[train] if classification else None)
    return np.sort(train), np.sort(test)


def describe(frame, s):
    features = frame.drop(columns=[s.target])
    text = [c for c in features.columns if features[c].dtype == object]
    return {"rows": len(frame), "columns": features.shape[1], "text_columns": len(text),
            "missing_cells": int(features.isna().sum().sum()),
            "classes": int(frame[s.target].nunique()) if s.classification else None}


def write_splits(cache_dir, name, seeds):
    """Writes the splits of one set that are not there yet; returns the set's description and
    {seed: (train_path, test_path)}."""
    s = BY_NAME[name]
    frame = read_csv(os.path.join(cache_dir, "data", name + ".csv"))
    frame = frame[frame[s.target].notna()].reset_index(drop=True)
    y = frame[s.target].to_numpy()
    paths = {}
    for seed in seeds:
        folder = os.path.join(cache_dir, "splits", name, f"seed{seed}")
        train_path, test_path = os.path.join(folder, "train.csv"), os.path.join(folder, "test.csv")
        if not (os.path.exists(train_path) and os.path.exists(test_path)):
            os.makedirs(folder, exist_ok=True)
            train, test = split_rows(y, s.classification, seed)
            frame.iloc[train].to_csv(train_path + ".tmp", index=False, na_rep="")
            frame.iloc[test].to_csv(test_path + ".tmp", index=False, na_rep="")
            os.replace(train_path + ".tmp", train_path)
            os.replace(test_path + ".tmp", test_path)
        paths[seed] = (train_path, test_path)
    info = describe(frame, s)
    train_path, test_path = paths[seeds[0]]
    info["train_rows"], info["test_rows"] = len(read_csv(train_path)), len(read_csv(test_path))
    return info, paths
