"""The reference learners of bench/tabular.py, each with its library's default settings, fitted
on a split's train.csv and scored on its test.csv.

  xgb  XGBClassifier / XGBRegressor (random_state=seed, n_jobs=1); numeric columns as they are
       (NaN is XGBoost's missing value), text columns one-hot (a missing cell its own level).
  hgb  HistGradientBoostingClassifier / Regressor (random_state=seed); numeric columns as they
       are (NaN handled natively), text columns ordinal-encoded and declared categorical
       (missing and unseen levels NaN); a text column with more than 255 levels, more than
       its categorical support takes, goes in as ordinal numbers.
  mlp  MLPClassifier / MLPRegressor (random_state=seed): numeric columns median-imputed and
       standardised, text columns one-hot (missing its own level, unseen levels all zeros);
       the regression target standardised too (TransformedTargetRegressor), without which
       MLPRegressor's 200 iterations do not converge on raw targets such as diabetes'.

Scores: classification error (1 - accuracy) and RMSE / the test target's standard deviation
(population standard deviation). Seconds: fit() of the whole pipeline, preprocessing included.
"""
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder, OneHotEncoder, OrdinalEncoder, StandardScaler
from xgboost import XGBClassifier, XGBRegressor

from tabular_sets import read_csv

LEARNERS = ("xgb", "hgb", "mlp")
MISSING_LEVEL = "(missing)"
HGB_MAX_CATEGORIES = 255


def _one_hot():
    return Pipeline([("fill", SimpleImputer(strategy="constant", fill_value=MISSING_LEVEL)),
                     ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False))])


def _xgb(text, numeric, classification, seed, train_x):
    # dense: in a sparse matrix XGBoost reads the zeros as missing
    prep = ColumnTransformer([("num", "passthrough", numeric), ("cat", _one_hot(), text)],
                             sparse_threshold=0)
    model = (XGBClassifier if classification else XGBRegressor)(random_state=seed, n_jobs=1)
    return Pipeline([("prep", prep), ("model", model)])


def _hgb(text, numeric, classification, seed, train_x):
    categorical = [c for c in text if train_x[c].nunique() <= HGB_MAX_CATEGORIES]
    ordinal = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                             encoded_missing_value=np.nan)
    prep = ColumnTransformer([("cat", ordinal, text), ("num", "passthrough", numeric)],
                             sparse_threshold=0)
    mask = [c in categorical for c in text] + [False] * len(numeric)
    model = (HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor)(
        categorical_features=mask if any(mask) else None, random_state=seed)
    return Pipeline([("prep", prep), ("model", model)])


def _mlp(text, numeric, classification, seed, train_x):
    scaled = Pipeline([("fill", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
    prep = ColumnTransformer([("num", scaled, numeric), ("cat", _one_hot(), text)],
                             sparse_threshold=0)
    if classification:
        model = MLPClassifier(random_state=seed)
    else:
        model = TransformedTargetRegressor(MLPRegressor(random_state=seed),
                                           transformer=StandardScaler())
    return Pipeline([("prep", prep), ("model", model)])


BUILDERS = {"xgb": _xgb, "hgb": _hgb, "mlp": _mlp}


def score(classification, truth, predicted):
    if classification:
        return float(np.mean(np.asarray(truth) != np.asarray(predicted)))
    truth = np.asarray(truth, dtype=float)
    rmse = float(np.sqrt(np.mean((truth - np.asarray(predicted, dtype=float)) ** 2)))
    return rmse / float(np.std(truth))


def fit_and_score(learner, train_path, test_path, target, classification, seed):
    """Returns {"metric", "seconds"}, or {"error"} when the learner fails."""
    try:
        train, test = read_csv(train_path), read_csv(test_path)
        train_x, test_x = train.drop(columns=[target]), test.drop(columns=[target])
        text = [c for c in train_x.columns if object in (train_x[c].dtype, test_x[c].dtype)]
        for frame in (train_x, test_x):  # a column that is text in either file is text in both
            for c in text:
                frame[c] = frame[c].map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(v))
        numeric = [c for c in train_x.columns if c not in text]
        train_y, test_y = train[target], test[target]
        if classification:
            labels = LabelEncoder().fit(train_y.astype(str))
            known = set(labels.classes_)
            train_y = labels.transform(train_y.astype(str))
            test_y = np.array([labels.transform([v])[0] if v in known else -1
                               for v in test_y.astype(str)])
        pipe = BUILDERS[learner](text, numeric, classification, seed, train_x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            pipe.fit(train_x, train_y)
            seconds = time.perf_counter() - start
        return {"metric": score(classification, test_y, pipe.predict(test_x)), "seconds": seconds}
    except Exception as e:  # a failing learner is a result (FAIL), not the end of the run
        lines = str(e).strip().splitlines()
        return {"error": f"{type(e).__name__}: {lines[0] if lines else ''}"}
