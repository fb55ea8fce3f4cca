#!/usr/bin/python3
"""PyTorch alone predicts with a plexus model file, and agrees with `plexus predict --proba`.

  torch_predict.py MODEL.plx ROWS.csv PLEXUS_PREDICTIONS.csv

Builds the torch.nn.Sequential that plexus.architecture describes (each layer is the torch.nn
class of that name, or the documented module of plexus_modules.py, called with the arguments as
given; an Ensemble is the class below), loads the tensors with
load_state_dict(strict=True), applies plexus.preprocessing to the raw CSV rows (standardised
or robustly scaled numeric columns, one-hot categorical ones or, embedded, their indices,
imputed gaps with their missing indicators and categories), and compares its class probabilities (or
predicted values) with the ones plexus wrote: at most 1e-5 apart (relative, absolute floor 1e-6).
Exits 77 (ctest's "skipped") without torch, 1 when they disagree.
"""
import csv
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from read_safetensors import read_plx  # noqa: E402  (exits 77 itself when torch is missing)

import torch  # noqa: E402

import plexus_modules  # noqa: E402  (plexus' layers that torch.nn does not have)

MISSING = {"", "na", "n/a", "nan", "null"}


class Ensemble(torch.nn.Module):
    """plexus' Ensemble, as docs/MODEL_FORMAT.md defines it: the mean of its members' outputs."""

    def __init__(self, members):
        super().__init__()
        self.members = torch.nn.ModuleList(members)

    def forward(self, x):
        return torch.stack([member(x) for member in self.members]).mean(dim=0)


def build_network(architecture):
    layers = []
    for layer in architecture:
        args = {k: v for k, v in layer.items() if k not in ("type", "children")}
        if layer["type"] == "Sequential":
            layers.append(build_network(layer["children"]))
        elif layer["type"] == "Ensemble":
            layers.append(Ensemble([build_network(member["children"]) for member in layer["children"]]))
        else:
            module = getattr(plexus_modules, layer["type"], None) or getattr(torch.nn, layer["type"])
            layers.append(module(**args))
    return torch.nn.Sequential(*layers)


def smooth_clip(z):
    z = min(max(z, -1e6), 1e6)
    return z / math.sqrt(1 + (z / 3) * (z / 3))


def features_of(row, features):
    """One row's network input, as plexus' tabular preprocessing computes it."""
    robust = features.get("scaling", "standard") == "robust"
    out = []
    for column in features["columns"]:
        if column["kind"] == "ignored":
            continue
        cell = row[column["name"]].strip()
        missing = cell.lower() in MISSING
        if missing and not column.get("missing_category", False):
            cell = column["fill"]
        if column["kind"] == "numeric" and robust:
            out.append(smooth_clip((float(cell) - column["median"]) / column["scale"]))
        elif column["kind"] == "numeric":
            out.append((float(cell) - column["mean"]) / column["std"])
        elif column.get("embedded", False):
            # The category's index for the CategoricalEmbedding; K for the missing category,
            # K + 1 (K without one) for a category unseen in training.
            categories = column["categories"]
            has_missing = column.get("missing_category", False)
            if missing and has_missing:
                out.append(float(len(categories)))
            elif cell in categories:
                out.append(float(categories.index(cell)))
            else:
                out.append(float(len(categories) + has_missing))
            continue
        else:
            out.extend(1.0 if cell == category else 0.0 for category in column["categories"])
        if column.get("missing_indicator", False) or column.get("missing_category", False):
            out.append(1.0 if missing else 0.0)
    return out


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    model_path, rows_path, plexus_path = argv[1:]
    state, metadata = read_plx(model_path)
    network = build_network(json.loads(metadata["plexus.architecture"]))
    network.load_state_dict(state, strict=True)
    network.eval()
    pipeline = json.loads(metadata["plexus.preprocessing"])
    classes = json.loads(metadata["plexus.classes"])
    with open(rows_path, newline="") as f:
        rows = list(csv.DictReader(f))
    x = torch.tensor([features_of(r, pipeline["features"]) for r in rows], dtype=torch.float64)
    with torch.no_grad():
        out = network(x.float())
        if metadata["plexus.task"] == "classification":
            # The calibration's temperature, when the file has one (docs/MODEL_FORMAT.md).
            calibration = json.loads(metadata.get("plexus.calibration", "{}"))
            out = torch.softmax(out / calibration.get("temperature", 1.0), dim=1)
    with open(plexus_path, newline="") as f:
        plexus_rows = list(csv.DictReader(f))
    # A quantile regressor's columns are its levels' (plexus.quantiles), a classifier's its classes'.
    quantiles = json.loads(metadata.get("plexus.quantiles", "[]"))
    if metadata["plexus.task"] == "classification":
        names = [f"proba_{c}" for c in classes]
    else:
        names = [f"q{level:g}" for level in quantiles] or ["prediction"]
    expected = torch.tensor([[float(r[n]) for n in names] for r in plexus_rows])
    if expected.shape != out.shape:
        print(f"FAILED: shapes differ: torch {list(out.shape)}, plexus {list(expected.shape)}")
        return 1
    worst = ((out - expected).abs() / expected.abs().clamp(min=1e-6)).max().item()
    print(f"{len(rows)} rows, {len(names)} outputs: max relative difference torch vs plexus {worst:.3g}")
    if not math.isfinite(worst) or worst > 1e-5:
        print("FAILED: torch and plexus disagree")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
