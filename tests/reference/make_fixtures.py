#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures that plexus's C++ tests compare against.

Every case is computed by PyTorch 1.13 (Debian's build) in float32 with fixed
seeds, and written as one small JSON file:

    tests/reference/fixtures/<group>/<case>.json
    {"name": "<case>", "attrs": {"<key>": number|string|bool, ...},
     "tensors": {"<name>": {"shape": [d0, ...], "data": [row-major floats]}, ...}}

Groups: activations/, losses/, layers/, optim/, schedules/.
Naming: inputs x / pred / logits / target / weight / bias, outputs y / loss,
the random upstream gradient dy, gradients d<input> (dx, dpred, dweight, ...);
multi-step cases put the step after an underscore (y_0, weight_25, ...).

Regenerate (from the repository root; it rewrites tests/reference/fixtures/):

    /usr/bin/python3 tests/reference/make_fixtures.py

The output is byte-for-byte the same on every run.  Comments near each case note
the exact PyTorch 1.13 formula where it is easy to get wrong.
"""

import json
import math
import os
import shutil

import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from plexus_modules import CategoricalEmbedding, FeatureScale, PeriodicEmbedding, Sort  # noqa: E402  (plexus' own layers)

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
REDUCTIONS = ("mean", "sum", "none")

torch.set_num_threads(1)  # one thread: the same summation order on every machine


# ----------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------

def randn(seed, *shape, scale=1.0):
    """Standard-normal float32 tensor from its own seeded generator."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=gen, dtype=torch.float32) * scale


def uniform(seed, *shape, low=0.0, high=1.0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=gen, dtype=torch.float32) * (high - low) + low


def class_indices(seed, n, classes):
    """Class labels 0..classes-1 (as int64 for torch; saved as floats)."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, classes, (n,), generator=gen)


def exact_float(value):
    """A Python float whose JSON text reads back as exactly this float32.

    The shortest float32 text is used when it survives being parsed as a
    double and then rounded to float32 (what strtod + a cast does); otherwise
    the 9-significant-digit text, which always does.
    """
    f32 = np.float32(value)
    if not math.isfinite(float(f32)):
        raise ValueError(f"non-finite value {value} in a fixture")
    for text in (str(f32), f"{float(f32):.9g}"):
        if np.float32(float(text)) == f32:
            return float(text)
    raise AssertionError("unreachable: 9 digits always round-trip a float32")


def tensor_json(value):
    t = torch.as_tensor(value).detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [exact_float(v) for v in t.reshape(-1).tolist()]}


def save(group, name, attrs, tensors):
    """Write one case as fixtures/<group>/<name>.json (compact, key order kept)."""
    for key, value in attrs.items():
        assert isinstance(value, (bool, int, float, str)), f"{name}: attr {key} = {value!r}"
    doc = {
        "name": name,
        "attrs": attrs,
        "tensors": {key: tensor_json(t) for key, t in tensors.items()},
    }
    os.makedirs(os.path.join(FIXTURES, group), exist_ok=True)
    with open(os.path.join(FIXTURES, group, name + ".json"), "w") as fh:
        json.dump(doc, fh, indent=None, separators=(",", ":"))
        fh.write("\n")


def forward_backward(fn, x, dy_seed):
    """y = fn(x), then backward of a random dy; returns y, dy, dx."""
    x = x.clone().requires_grad_()
    y = fn(x)
    dy = randn(dy_seed, *y.shape)
    y.backward(dy)
    return y.detach(), dy, x.grad


# ----------------------------------------------------------------------------
# 1. Activations: x [4, 7], y = f(x), random dy, dx
# ----------------------------------------------------------------------------

def activation_input():
    x = randn(1, 4, 7, scale=3.0)
    flat = x.view(-1)
    # Exact zeros sit on the branch point of relu / leaky_relu / elu / selu.
    # PyTorch 1.13 picks: relu'(0) = 0, leaky_relu'(0) = slope,
    # elu'(0) = alpha (so 0.5 for alpha=0.5, not 1), selu'(0) = scale * alpha.
    flat[3] = 0.0
    flat[17] = 0.0
    return x


def softplus_input(beta, threshold):
    # softplus(x) = log1p(exp(beta*x)) / beta, but x itself once beta*x > threshold
    # (strictly greater: beta*x == threshold still takes the log1p branch).
    # d/dx = sigmoid(beta*x), and exactly 1 on the linear branch.
    x = activation_input()
    at = threshold / beta
    flat = x.view(-1)
    flat[5], flat[6], flat[7] = at, at + 0.25, at - 0.25
    return x


def huge_logits():
    # Naive exp overflows: softmax must subtract the row maximum first.
    return torch.tensor([
        [1000.0, -1000.0, 0.0, 999.0, 1000.0],
        [-1000.0, -1000.0, -1000.0, -1000.0, -1000.0],
        [-1000.0, 1000.0, -999.5, 500.0, -1.0],
    ])


def make_activations():
    x = activation_input()
    # (case, activation, attrs, f, input)
    cases = [
        ("sigmoid", "sigmoid", {}, torch.sigmoid, x),
        ("tanh", "tanh", {}, torch.tanh, x),
        ("relu", "relu", {}, F.relu, x),
        ("leaky_relu_slope001", "leaky_relu", {"slope": 0.01}, lambda t: F.leaky_relu(t, 0.01), x),
        ("leaky_relu_slope02", "leaky_relu", {"slope": 0.2}, lambda t: F.leaky_relu(t, 0.2), x),
        ("elu_alpha1", "elu", {"alpha": 1.0}, lambda t: F.elu(t, alpha=1.0), x),
        ("elu_alpha05", "elu", {"alpha": 0.5}, lambda t: F.elu(t, alpha=0.5), x),
        # selu = scale * elu(x, alpha) with scale = 1.0507009873554804934193349852946,
        # alpha = 1.6732632423543772848170429916717.
        ("selu", "selu", {}, F.selu, x),
        # gelu "none": x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2));
        # gelu "tanh": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
        ("gelu", "gelu", {"approximate": "none"}, lambda t: F.gelu(t, approximate="none"), x),
        ("gelu_tanh", "gelu", {"approximate": "tanh"}, lambda t: F.gelu(t, approximate="tanh"), x),
        ("silu", "silu", {}, F.silu, x),
        ("softplus_beta1_threshold20", "softplus", {"beta": 1.0, "threshold": 20.0},
         lambda t: F.softplus(t, beta=1.0, threshold=20.0), softplus_input(1.0, 20.0)),
        ("softplus_beta2_threshold5", "softplus", {"beta": 2.0, "threshold": 5.0},
         lambda t: F.softplus(t, beta=2.0, threshold=5.0), softplus_input(2.0, 5.0)),
        ("softmax_axis1", "softmax", {"axis": 1}, lambda t: F.softmax(t, dim=1), x),
        ("softmax_axis0", "softmax", {"axis": 0}, lambda t: F.softmax(t, dim=0), x),
        ("log_softmax_axis1", "log_softmax", {"axis": 1}, lambda t: F.log_softmax(t, dim=1), x),
        ("softmax_huge", "softmax", {"axis": 1}, lambda t: F.softmax(t, dim=1), huge_logits()),
        ("log_softmax_huge", "log_softmax", {"axis": 1}, lambda t: F.log_softmax(t, dim=1),
         huge_logits()),
    ]
    for name, activation, attrs, fn, inp in cases:
        y, dy, dx = forward_backward(fn, inp, dy_seed=2)
        save("activations", name, {"activation": activation, **attrs},
             {"x": inp, "y": y, "dy": dy, "dx": dx})


# ----------------------------------------------------------------------------
# 2. Losses: every case with reduction mean, sum and none
# ----------------------------------------------------------------------------

def reduce(elementwise, reduction):
    if reduction == "mean":
        return elementwise.mean()
    if reduction == "sum":
        return elementwise.sum()
    return elementwise


def save_loss_cases(name, attrs, fn, inputs):
    """One file per reduction.  fn(first, *rest, reduction) -> loss.

    inputs is an ordered dict; its first tensor is the one differentiated, and
    its gradient is saved as dpred whatever the input is called.  For
    reduction "none" the backward pass starts from a random dy of the loss's
    shape; for mean / sum it starts from the scalar loss.
    """
    names = list(inputs)
    for reduction in REDUCTIONS:
        first = inputs[names[0]].clone().requires_grad_()
        rest = [inputs[n] for n in names[1:]]
        loss = fn(first, *rest, reduction)
        tensors = dict(inputs)
        tensors["loss"] = loss.detach()
        if reduction == "none":
            dy = randn(99, *loss.shape)
            loss.backward(dy)
            tensors["dy"] = dy
        else:
            loss.backward()
        tensors["dpred"] = first.grad
        save("losses", f"{name}_{reduction}", {**attrs, "reduction": reduction}, tensors)


def regression_data():
    """pred, target [8, 3]; element [0, 0] is an exact tie (pred == target)."""
    pred = randn(10, 8, 3, scale=1.5)
    target = randn(11, 8, 3, scale=1.5)
    target[0, 0] = pred[0, 0]  # PyTorch: d|e|/de at 0 is sign(0) = 0; huber / smooth_l1 give 0 too
    return pred, target


def log_cosh(pred, target, reduction):
    # No builtin.  log(cosh(e)) overflows float32 for |e| > ~89; a C++ version
    # should use |e| + log1p(exp(-2|e|)) - log 2.  Its gradient is tanh(e).
    return reduce(torch.log(torch.cosh(pred - target)), reduction)


def quantile(q):
    # Pinball loss on e = target - pred: max(q e, (q - 1) e).
    # d/dpred = -q where e > 0, (1 - q) where e < 0 (the data has no e == 0).
    def fn(pred, target, reduction):
        e = target - pred
        return reduce(torch.maximum(q * e, (q - 1) * e), reduction)
    return fn


def pinball(pred, target, levels, reduction):
    # The quantile loss at Q levels: pred [B, Q], target [B], levels [Q];
    # u = target - pred per level, max(tau u, (tau - 1) u). No u == 0 in the data.
    u = target[:, None] - pred
    return reduce(torch.maximum(levels * u, (levels - 1) * u), reduction)


def make_pinball_losses():
    pred = randn(16, 8, 3, scale=1.5)
    target = randn(17, 8, scale=1.5)
    levels = torch.tensor([0.05, 0.5, 0.95])
    assert (target[:, None] - pred).abs().min() > 1e-3
    save_loss_cases("pinball", {"loss": "pinball"}, pinball,
                    {"pred": pred, "target": target, "levels": levels})
    # Row weights [8] (one 0): sum_i s_i sum_k l_ik / (Q sum_i s_i).
    sample_weight = uniform(18, 8, low=0.0, high=3.0)
    sample_weight[2] = 0.0
    first = pred.clone().requires_grad_()
    per_row = pinball(first, target, levels, "none").sum(dim=1)
    loss = (sample_weight * per_row).sum() / (3 * sample_weight.sum())
    loss.backward()
    save("losses", "pinball_sample_weighted_mean", {"loss": "pinball", "reduction": "mean"},
         {"pred": pred, "target": target, "levels": levels, "sample_weight": sample_weight,
          "loss": loss.detach(), "dpred": first.grad})


def hinge(pred, target, reduction):
    # max(0, 1 - t p) with t in {-1, +1}; the data avoids the kink 1 - t p == 0.
    return reduce(torch.relu(1 - target * pred), reduction)


def make_regression_losses():
    pred, target = regression_data()
    data = {"pred": pred, "target": target}
    save_loss_cases("mse", {"loss": "mse"},
                    lambda p, t, r: F.mse_loss(p, t, reduction=r), data)
    # Sample weights [8] (one 0): sum_i s_i sum_k e_ik^2 / (K sum_i s_i), the mean of the data
    # with each row repeated s_i times. A mean only: plexus takes row weights for the mean.
    sample_weight = uniform(12, 8, low=0.0, high=3.0)
    sample_weight[1] = 0.0
    first = pred.clone().requires_grad_()
    loss = (sample_weight[:, None] * (first - target) ** 2).sum() / (3 * sample_weight.sum())
    loss.backward()
    save("losses", "mse_sample_weighted_mean", {"loss": "mse", "reduction": "mean"},
         {"pred": pred, "target": target, "sample_weight": sample_weight, "loss": loss.detach(),
          "dpred": first.grad})
    save_loss_cases("mae", {"loss": "mae"},
                    lambda p, t, r: F.l1_loss(p, t, reduction=r), data)
    # huber(e) = 0.5 e^2 if |e| < delta else delta (|e| - 0.5 delta).
    # smooth_l1(e) = 0.5 e^2 / beta if |e| < beta else |e| - 0.5 beta  (= huber / beta).
    for delta, tag in ((1.0, "1"), (0.5, "05")):
        save_loss_cases(f"huber_delta{tag}", {"loss": "huber", "delta": delta},
                        lambda p, t, r, d=delta: F.huber_loss(p, t, reduction=r, delta=d), data)
    for beta, tag in ((1.0, "1"), (0.5, "05")):
        save_loss_cases(f"smooth_l1_beta{tag}", {"loss": "smooth_l1", "beta": beta},
                        lambda p, t, r, b=beta: F.smooth_l1_loss(p, t, reduction=r, beta=b), data)
    save_loss_cases("log_cosh", {"loss": "log_cosh"}, log_cosh, data)

    no_tie = {"pred": randn(12, 8, 3, scale=1.5), "target": randn(13, 8, 3, scale=1.5)}
    for q, tag in ((0.1, "01"), (0.5, "05"), (0.9, "09")):
        save_loss_cases(f"quantile_q{tag}", {"loss": "quantile", "q": q}, quantile(q), no_tie)

    signs = torch.where(uniform(14, 8, 3) < 0.5, -1.0, 1.0)
    hinge_pred = randn(15, 8, 3)
    assert (1 - signs * hinge_pred).abs().min() > 1e-3
    save_loss_cases("hinge", {"loss": "hinge"}, hinge,
                    {"pred": hinge_pred, "target": signs})


def make_binary_losses():
    probs = torch.sigmoid(randn(20, 8, 3, scale=2.0))
    labels = (uniform(21, 8, 3) < 0.5).to(torch.float32)
    bce = lambda p, t, r: F.binary_cross_entropy(p, t, reduction=r)
    save_loss_cases("binary_cross_entropy", {"loss": "binary_cross_entropy"}, bce,
                    {"pred": probs, "target": labels})

    # PyTorch clamps each log at -100: loss = -(t max(log p, -100) + (1-t) max(log(1-p), -100)),
    # so p = 0 with t = 1 costs exactly 100, not inf.  The gradient is
    # (p - t) / max(p (1 - p), 1e-12): +-1e12 at p in {0, 1} with the wrong label, 0 with the right one.
    clamp_probs, clamp_labels = probs.clone(), labels.clone()
    clamp_probs[0, 0], clamp_labels[0, 0] = 0.0, 1.0   # loss 100, grad -1e12
    clamp_probs[0, 1], clamp_labels[0, 1] = 0.0, 0.0   # loss 0, grad 0
    clamp_probs[0, 2], clamp_labels[0, 2] = 1.0, 1.0   # loss 0, grad 0
    clamp_probs[1, 0], clamp_labels[1, 0] = 1.0, 0.0   # loss 100, grad +1e12
    save_loss_cases("binary_cross_entropy_clamp", {"loss": "binary_cross_entropy"}, bce,
                    {"pred": clamp_probs, "target": clamp_labels})

    # with logits x: loss = (1 - t) x + (1 + (pw - 1) t) (log1p(exp(-|x|)) + max(-x, 0)),
    # pw = pos_weight (1 when absent), broadcast along the last axis.  d/dx = sigmoid(x) - t
    # without pos_weight; with it: (1 + (pw - 1) t) sigmoid(x) - pw t.
    logits = randn(22, 8, 3, scale=2.0)
    bce_logits = lambda x, t, r: F.binary_cross_entropy_with_logits(x, t, reduction=r)
    save_loss_cases("binary_cross_entropy_with_logits",
                    {"loss": "binary_cross_entropy_with_logits"}, bce_logits,
                    {"logits": logits, "target": labels})
    pos_weight = uniform(23, 3, low=0.5, high=3.0)
    save_loss_cases("binary_cross_entropy_with_logits_pos_weight",
                    {"loss": "binary_cross_entropy_with_logits"},
                    lambda x, t, pw, r: F.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction=r),
                    {"logits": logits, "target": labels, "pos_weight": pos_weight})
    large = torch.where(uniform(24, 8, 3) < 0.5, -50.0, 50.0)
    save_loss_cases("binary_cross_entropy_with_logits_large",
                    {"loss": "binary_cross_entropy_with_logits"}, bce_logits,
                    {"logits": large, "target": labels})


def make_classification_losses():
    n, classes = 6, 5
    logits = randn(30, n, classes, scale=2.0)
    labels = class_indices(31, n, classes)
    class_weight = uniform(32, classes, low=0.2, high=2.0)
    index_target = labels.to(torch.float32)  # plexus tensors are float32 only
    ce = lambda x, t, r: F.cross_entropy(x, t.long(), reduction=r)

    save_loss_cases("cross_entropy", {"loss": "cross_entropy", "target_type": "class_index"},
                    ce, {"logits": logits, "target": index_target})

    # Probability targets: loss_i = -sum_c t_ic log_softmax(x)_ic; mean divides by N.
    soft = F.softmax(randn(33, n, classes), dim=1)
    save_loss_cases("cross_entropy_probs", {"loss": "cross_entropy", "target_type": "probabilities"},
                    lambda x, t, r: F.cross_entropy(x, t, reduction=r),
                    {"logits": logits, "target": soft})

    # label_smoothing eps: loss_i = (1 - eps) (-log p_i,y) + eps * mean_c(-log p_ic).
    save_loss_cases("cross_entropy_smoothing",
                    {"loss": "cross_entropy", "target_type": "class_index", "label_smoothing": 0.1},
                    lambda x, t, r: F.cross_entropy(x, t.long(), reduction=r, label_smoothing=0.1),
                    {"logits": logits, "target": index_target})

    # Class weights: loss_i = w_{y_i} (-log p_i,y_i); reduction mean is the WEIGHTED
    # mean sum_i loss_i / sum_i w_{y_i}, not sum / N.
    save_loss_cases("cross_entropy_weighted",
                    {"loss": "cross_entropy", "target_type": "class_index"},
                    lambda x, t, w, r: F.cross_entropy(x, t.long(), weight=w, reduction=r),
                    {"logits": logits, "target": index_target, "class_weight": class_weight})

    # Sample weights s (one row weighted 0): loss_i = s_i * PyTorch's per-row loss, and mean is
    # sum_i s_i loss_i / sum_i s_i w_{y_i} -- a row weighted 2 counts as the row twice, which is
    # what PyTorch's mean gives on the data with that row duplicated.
    sample_weight = uniform(36, n, low=0.0, high=3.0)
    sample_weight[2] = 0.0

    def sample_weighted(per_row, s, w, t, reduction):
        weighted = s * per_row
        if reduction == "none":
            return weighted
        if reduction == "sum":
            return weighted.sum()
        return weighted.sum() / (s * (w[t.long()] if w is not None else 1.0)).sum()

    save_loss_cases("cross_entropy_sample_weighted",
                    {"loss": "cross_entropy", "target_type": "class_index"},
                    lambda x, t, s, r: sample_weighted(
                        F.cross_entropy(x, t.long(), reduction="none"), s, None, t, r),
                    {"logits": logits, "target": index_target, "sample_weight": sample_weight})
    save_loss_cases("cross_entropy_sample_and_class_weighted_smoothing",
                    {"loss": "cross_entropy", "target_type": "class_index", "label_smoothing": 0.1},
                    lambda x, t, s, w, r: sample_weighted(
                        F.cross_entropy(x, t.long(), weight=w, reduction="none",
                                        label_smoothing=0.1), s, w, t, r),
                    {"logits": logits, "target": index_target, "sample_weight": sample_weight,
                     "class_weight": class_weight})

    huge = torch.where(uniform(34, n, classes) < 0.5, -1000.0, 1000.0)
    huge[0] = 1000.0  # a row of ties: loss log 5
    save_loss_cases("cross_entropy_huge", {"loss": "cross_entropy", "target_type": "class_index"},
                    ce, {"logits": huge, "target": index_target})

    # nll takes log-probabilities: loss_i = -w_{y_i} log_probs[i, y_i]; weighted mean as above.
    log_probs = F.log_softmax(randn(35, n, classes), dim=1)
    save_loss_cases("nll", {"loss": "nll"},
                    lambda lp, t, r: F.nll_loss(lp, t.long(), reduction=r),
                    {"log_probs": log_probs, "target": index_target})
    save_loss_cases("nll_weighted", {"loss": "nll"},
                    lambda lp, t, w, r: F.nll_loss(lp, t.long(), weight=w, reduction=r),
                    {"log_probs": log_probs, "target": index_target, "class_weight": class_weight})
    save_loss_cases("nll_sample_and_class_weighted", {"loss": "nll"},
                    lambda lp, t, s, w, r: sample_weighted(
                        F.nll_loss(lp, t.long(), weight=w, reduction="none"), s, w, t, r),
                    {"log_probs": log_probs, "target": index_target,
                     "sample_weight": sample_weight, "class_weight": class_weight})

    # multi_margin: loss_i = sum_{j != y} max(0, margin - x_iy + x_ij)^p / C  (divided by the
    # number of classes C, not C - 1); reduction mean then divides by N.
    for p, margin, name in ((1, 1.0, "multi_margin"), (2, 0.5, "multi_margin_p2_margin05")):
        save_loss_cases(name, {"loss": "multi_margin", "p": p, "margin": margin},
                        lambda x, t, r, p=p, m=margin: F.multi_margin_loss(x, t.long(), p=p, margin=m, reduction=r),
                        {"logits": logits, "target": index_target})


# ----------------------------------------------------------------------------
# 3. Layers
# ----------------------------------------------------------------------------

def make_linear():
    # y = x W^T + b;  dx = dy W,  dW = dy^T x,  db = sum_rows(dy).
    for name, bias in (("linear", True), ("linear_nobias", False)):
        torch.manual_seed(0)
        layer = torch.nn.Linear(5, 3, bias=bias)
        x = randn(40, 4, 5)
        y, dy, dx = forward_backward(layer, x, dy_seed=41)
        tensors = {"weight": layer.weight}
        if bias:
            tensors["bias"] = layer.bias
        tensors.update({"x": x, "y": y, "dy": dy, "dx": dx, "dweight": layer.weight.grad})
        if bias:
            tensors["dbias"] = layer.bias.grad
        save("layers", name, {"layer": "linear", "in_features": 5, "out_features": 3,
                              "bias": bias}, tensors)


def batchnorm_attrs(bn, training, **extra):
    return {"layer": "batchnorm1d", "num_features": bn.num_features, "eps": bn.eps,
            "momentum": bn.momentum, "affine": bn.affine, "training": training, **extra}


def batchnorm_train_steps(bn, steps, seed):
    """Run `steps` train-mode forward/backward passes; tensors suffixed _k (k = 0..steps-1).

    Train mode normalises with the BIASED batch variance, but updates
    running_var with the UNBIASED one (times n / (n - 1)):
        running_mean = (1 - momentum) running_mean + momentum mean
        running_var  = (1 - momentum) running_var  + momentum var * n / (n - 1)
    Gradients are zeroed before each step, so dweight_k / dbias_k are per step.
    """
    bn.train()
    tensors = {"running_mean_init": bn.running_mean.clone(),
               "running_var_init": bn.running_var.clone()}
    for k in range(steps):
        bn.zero_grad()
        x = randn(seed + k, 6, bn.num_features, scale=2.0) + 0.5 * k
        y, dy, dx = forward_backward(bn, x, dy_seed=seed + 100 + k)
        tensors.update({f"x_{k}": x, f"y_{k}": y, f"dy_{k}": dy, f"dx_{k}": dx})
        if bn.affine:
            tensors.update({f"dweight_{k}": bn.weight.grad.clone(),
                            f"dbias_{k}": bn.bias.grad.clone()})
        tensors.update({f"running_mean_{k}": bn.running_mean.clone(),
                        f"running_var_{k}": bn.running_var.clone()})
    return tensors


def make_batchnorm():
    bn = torch.nn.BatchNorm1d(4, eps=1e-5, momentum=0.1, affine=True)
    with torch.no_grad():
        bn.weight.copy_(uniform(50, 4, low=0.5, high=1.5))
        bn.bias.copy_(randn(51, 4, scale=0.5))
    steps = batchnorm_train_steps(bn, 3, seed=52)
    save("layers", "batchnorm1d_train", batchnorm_attrs(bn, True, steps=3),
         {"weight": bn.weight, "bias": bn.bias, **steps})

    # Eval mode uses the running statistics: y = (x - running_mean) / sqrt(running_var + eps) * w + b,
    # so dx = dy * w / sqrt(running_var + eps) (no batch coupling).  Same module as above.
    bn.eval()
    bn.zero_grad()
    x = randn(60, 5, 4, scale=2.0)
    y, dy, dx = forward_backward(bn, x, dy_seed=61)
    save("layers", "batchnorm1d_eval", batchnorm_attrs(bn, False, train_steps_before=3),
         {"weight": bn.weight, "bias": bn.bias, "running_mean": bn.running_mean,
          "running_var": bn.running_var, "x": x, "y": y, "dy": dy, "dx": dx,
          "dweight": bn.weight.grad, "dbias": bn.bias.grad})

    plain = torch.nn.BatchNorm1d(4, eps=1e-3, momentum=0.3, affine=False)
    save("layers", "batchnorm1d_train_noaffine", batchnorm_attrs(plain, True, steps=2),
         batchnorm_train_steps(plain, 2, seed=70))


def make_layernorm():
    # Normalises each row over its last axis with the biased variance (1/N) and eps inside the sqrt.
    affine = torch.nn.LayerNorm(6, eps=1e-5)
    with torch.no_grad():
        affine.weight.copy_(uniform(80, 6, low=0.5, high=1.5))
        affine.bias.copy_(randn(81, 6, scale=0.5))
    x = randn(82, 4, 6, scale=2.0) + 1.0
    y, dy, dx = forward_backward(affine, x, dy_seed=83)
    save("layers", "layernorm", {"layer": "layernorm", "normalized_shape": 6, "eps": 1e-5,
                                 "elementwise_affine": True},
         {"weight": affine.weight, "bias": affine.bias, "x": x, "y": y, "dy": dy, "dx": dx,
          "dweight": affine.weight.grad, "dbias": affine.bias.grad})

    plain = torch.nn.LayerNorm(6, eps=1e-5, elementwise_affine=False)
    y, dy, dx = forward_backward(plain, x, dy_seed=83)
    save("layers", "layernorm_noaffine", {"layer": "layernorm", "normalized_shape": 6,
                                          "eps": 1e-5, "elementwise_affine": False},
         {"x": x, "y": y, "dy": dy, "dx": dx})


def make_periodic_embedding():
    # The documented PyTorch module (tests/interop/plexus_modules.py). x spans several periods of
    # the larger frequencies, so the cosines' slopes change sign; dy reaches every output, the
    # passed-through inputs included.
    cases = (("periodic_embedding", 6, [1, 2, 4], 5, 2, 0.8),
             ("periodic_embedding_defaults", 3, [0, 1, 2], 16, 3, 0.1))
    for name, in_features, indices, k, d, sigma in cases:
        torch.manual_seed(0)
        layer = PeriodicEmbedding(in_features, indices, frequencies=k, embedding_dim=d, sigma=sigma)
        x = randn(90, 4, in_features, scale=2.0)
        y, dy, dx = forward_backward(layer, x, dy_seed=91)
        save("layers", name, {"layer": "periodic_embedding", "in_features": in_features,
                              "frequencies": k, "embedding_dim": d, "sigma": sigma},
             {"indices": torch.tensor(indices, dtype=torch.float32),
              "frequencies": layer.frequencies, "phases": layer.phases, "weight": layer.weight,
              "bias": layer.bias, "x": x, "y": y, "dy": dy, "dx": dx,
              "dfrequencies": layer.frequencies.grad, "dphases": layer.phases.grad,
              "dweight": layer.weight.grad, "dbias": layer.bias.grad})


def make_embedding():
    # F.embedding(input, weight): the rows picked by index. Index 2 appears three times and row 5
    # never, so dweight checks the scatter-add and a row left at zero.
    weight = randn(101, 6, 3).requires_grad_()
    indices = torch.tensor([[2, 0], [4, 2], [1, 2], [3, 0]])
    y = F.embedding(indices, weight)
    dy = randn(102, *y.shape)
    y.backward(dy)
    save("layers", "embedding", {"layer": "embedding"},
         {"input": indices.to(torch.float32), "weight": weight, "y": y, "dy": dy,
          "dweight": weight.grad})


def make_categorical_embedding():
    # The documented PyTorch module: inputs 0 and 3 hold categories (4 and 3 of them), 1, 2 and 4
    # pass through. Category 1 of input 0 repeats; category 3 of input 0 (its unseen row) never
    # appears, so its gradient stays 0.
    torch.manual_seed(0)
    layer = CategoricalEmbedding(5, 7, embedding_dim=3, indices=[0, 3], cardinalities=[4, 3])
    x = randn(103, 4, 5)
    x[:, 0] = torch.tensor([1.0, 0.0, 1.0, 2.0])
    x[:, 3] = torch.tensor([2.0, 0.0, 1.0, 2.0])
    y, dy, dx = forward_backward(layer, x, dy_seed=104)
    save("layers", "categorical_embedding",
         {"layer": "categorical_embedding", "in_features": 5, "num_embeddings": 7,
          "embedding_dim": 3},
         {"indices": torch.tensor([0.0, 3.0]), "cardinalities": torch.tensor([4.0, 3.0]),
          "weight": layer.weight, "x": x, "y": y, "dy": dy, "dx": dx,
          "dweight": layer.weight.grad})


def make_feature_scale():
    # y = x * weight (+ bias); dweight = sum_rows(dy * x), dx = dy * weight.
    for name, bias in (("feature_scale", True), ("feature_scale_nobias", False)):
        layer = FeatureScale(5, bias=bias)
        with torch.no_grad():
            layer.weight.copy_(uniform(95, 5, low=-1.5, high=1.5))
            if bias:
                layer.bias.copy_(randn(96, 5, scale=0.5))
        x = randn(97, 4, 5)
        y, dy, dx = forward_backward(layer, x, dy_seed=98)
        tensors = {"weight": layer.weight, "x": x, "y": y, "dy": dy, "dx": dx,
                   "dweight": layer.weight.grad}
        if bias:
            tensors.update({"bias": layer.bias, "dbias": layer.bias.grad})
        save("layers", name, {"layer": "feature_scale", "num_features": 5, "bias": bias}, tensors)


def make_sort():
    # torch.sort(x, dim=-1).values; the gradient goes back through the permutation. Distinct
    # values (random normals), so the order is unambiguous.
    x = randn(99, 6, 4, scale=2.0)
    y, dy, dx = forward_backward(Sort(), x, dy_seed=100)
    save("layers", "sort", {"layer": "sort"}, {"x": x, "y": y, "dy": dy, "dx": dx})


# ----------------------------------------------------------------------------
# 4. Optimizers: 25 steps on loss = mean((X W^T + b - Y)^2)
# ----------------------------------------------------------------------------

OPTIM_STEPS = 25

# Options every optimizer group carries in 1.13 that are not maths: left out of attrs.
NOT_OPTIONS = {"params", "foreach", "capturable", "differentiable", "fused"}


def optimizer_attrs(name, group):
    """Every option of a parameter group, with betas split into beta1 / beta2."""
    attrs = {"optimizer": name}
    for key, value in group.items():
        if key in NOT_OPTIONS or value is None:
            continue
        if key == "betas":
            attrs["beta1"], attrs["beta2"] = float(value[0]), float(value[1])
        else:
            attrs[key] = value
    return attrs


def optim_problem():
    gen = torch.Generator().manual_seed(0)
    weight = torch.randn(3, 4, generator=gen)
    bias = torch.randn(3, generator=gen)
    x = randn(1, 8, 4)
    target = randn(2, 8, 3)
    return weight, bias, x, target


def run_optimizer(make_optimizer):
    """Train W, b for OPTIM_STEPS steps; returns the tensors of the case."""
    weight, bias, x, target = optim_problem()
    weight.requires_grad_()
    bias.requires_grad_()
    opt = make_optimizer(weight, bias)
    tensors = {"x": x, "target": target, "weight_0": weight.detach().clone(),
               "bias_0": bias.detach().clone()}
    losses = []
    for k in range(1, OPTIM_STEPS + 1):
        opt.zero_grad()
        loss = ((x @ weight.T + bias - target) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        opt.step()
        tensors[f"weight_{k}"] = weight.detach().clone()
        tensors[f"bias_{k}"] = bias.detach().clone()
    tensors["loss"] = torch.tensor(losses)  # loss[k-1] is the loss before step k
    return opt, tensors


def optim_case(case, name, cls, **kwargs):
    opt, tensors = run_optimizer(lambda w, b: cls([w, b], **kwargs))
    attrs = optimizer_attrs(name, opt.param_groups[0])
    attrs["steps"] = OPTIM_STEPS
    save("optim", case, attrs, tensors)


def make_optim():
    O = torch.optim
    # SGD: with weight_decay g += wd p.  Momentum buffer b = g on the FIRST step (no dampening),
    # then b = momentum b + (1 - dampening) g.  Nesterov steps along g + momentum b, else b.
    optim_case("sgd", "SGD", O.SGD, lr=0.1)
    optim_case("sgd_momentum", "SGD", O.SGD, lr=0.1, momentum=0.9)
    optim_case("sgd_momentum_dampening", "SGD", O.SGD, lr=0.1, momentum=0.9, dampening=0.1)
    optim_case("sgd_nesterov", "SGD", O.SGD, lr=0.1, momentum=0.9, nesterov=True)
    optim_case("sgd_weight_decay_momentum", "SGD", O.SGD, lr=0.1, momentum=0.5, weight_decay=0.01)

    # Adagrad: step t = 1, 2, ...; g += wd p; clr = lr / (1 + (t - 1) lr_decay);
    # sum += g^2 (sum starts at initial_accumulator_value); p -= clr g / (sqrt(sum) + eps).
    optim_case("adagrad", "Adagrad", O.Adagrad, lr=0.01)
    optim_case("adagrad_lr_decay_weight_decay", "Adagrad", O.Adagrad, lr=0.01, lr_decay=0.01,
               weight_decay=0.1, initial_accumulator_value=0.5)

    # Adadelta: sq = rho sq + (1 - rho) g^2; delta = sqrt(acc + eps) / sqrt(sq + eps) * g;
    # acc = rho acc + (1 - rho) delta^2; p -= lr delta.  (eps inside both square roots.)
    optim_case("adadelta", "Adadelta", O.Adadelta)
    optim_case("adadelta_rho05_weight_decay", "Adadelta", O.Adadelta, rho=0.5, weight_decay=0.1)

    # RMSprop: sq = alpha sq + (1 - alpha) g^2; centered: ga = alpha ga + (1 - alpha) g and
    # avg = sqrt(sq - ga^2) + eps, else avg = sqrt(sq) + eps (eps OUTSIDE the sqrt).
    # momentum > 0: buf = momentum buf + g / avg (buf starts at 0), p -= lr buf; else p -= lr g / avg.
    optim_case("rmsprop", "RMSprop", O.RMSprop, lr=0.01)
    optim_case("rmsprop_momentum", "RMSprop", O.RMSprop, lr=0.01, momentum=0.9)
    optim_case("rmsprop_centered", "RMSprop", O.RMSprop, lr=0.01, centered=True)
    optim_case("rmsprop_centered_momentum_weight_decay", "RMSprop", O.RMSprop, lr=0.01,
               centered=True, momentum=0.9, weight_decay=0.1)

    # Adam: g += wd p (L2, coupled); m, v moments; step = lr / (1 - beta1^t);
    # p -= step m / (sqrt(v) / sqrt(1 - beta2^t) + eps).  amsgrad uses vmax = max(vmax, v)
    # in place of v (the max of the raw v, bias-corrected afterwards).
    optim_case("adam", "Adam", O.Adam, lr=1e-3)
    optim_case("adam_lr005", "Adam", O.Adam, lr=0.05)
    optim_case("adam_amsgrad", "Adam", O.Adam, lr=0.05, amsgrad=True)
    # With beta2 = 0.999 the raw v mostly grows during 25 steps, so amsgrad changes little
    # (~2e-4); with beta2 = 0.9 v falls and vmax matters.
    optim_case("adam_amsgrad_beta2_09", "Adam", O.Adam, lr=0.05, betas=(0.9, 0.9), amsgrad=True)
    optim_case("adam_weight_decay", "Adam", O.Adam, lr=0.05, weight_decay=0.1)

    # AdamW: decoupled decay p *= 1 - lr wd BEFORE the Adam update, which sees the raw g.
    optim_case("adamw", "AdamW", O.AdamW, lr=0.05)
    optim_case("adamw_amsgrad", "AdamW", O.AdamW, lr=0.05, amsgrad=True)

    # NAdam (1.13): g += wd p; mu_t = beta1 (1 - 0.5 * 0.96^(t momentum_decay)),
    # mu_next = beta1 (1 - 0.5 * 0.96^((t + 1) momentum_decay)); mu_product *= mu_t
    # (a float32 scalar tensor starting at 1); m, v as Adam; denom = sqrt(v / (1 - beta2^t)) + eps;
    #   p -= lr (1 - mu_t) / (1 - mu_product) * g / denom
    #   p -= lr mu_next / (1 - mu_product * mu_t * mu_next) * m / denom
    # NOTE: 1.13 multiplies mu_t in twice in that last denominator (mu_product already holds
    # mu_t).  PyTorch 2.0 fixed it to (1 - mu_product * mu_next) (pytorch/pytorch#92699);
    # these fixtures follow 1.13, and the two differ by ~4e-4 after one step at lr 0.05.
    optim_case("nadam", "NAdam", O.NAdam)
    optim_case("nadam_lr005_weight_decay", "NAdam", O.NAdam, lr=0.05, weight_decay=0.1)

    # Two parameter groups with their own learning rates.
    opt, tensors = run_optimizer(lambda w, b: O.SGD([{"params": [w], "lr": 0.1},
                                                     {"params": [b], "lr": 0.01}]))
    attrs = optimizer_attrs("SGD", opt.param_groups[0])
    del attrs["lr"]
    attrs.update({"lr_weight": 0.1, "lr_bias": 0.01, "steps": OPTIM_STEPS})
    save("optim", "sgd_param_groups", attrs, tensors)


# ----------------------------------------------------------------------------
# 5. Learning-rate schedules: the lr of 30 epochs, read before each scheduler.step()
# ----------------------------------------------------------------------------

EPOCHS = 30
BASE_LR = 0.1


def schedule_optimizer(momentum=0.0):
    param = torch.zeros(1, requires_grad=True)
    return torch.optim.SGD([param], lr=BASE_LR, momentum=momentum)


def run_schedule(opt, scheduler, metrics=None):
    """Each epoch: read lr (and momentum), optimizer.step(), scheduler.step()."""
    lrs, momenta = [], []
    for epoch in range(EPOCHS):
        lrs.append(opt.param_groups[0]["lr"])
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(float(metrics[epoch]))
    return torch.tensor(lrs), torch.tensor(momenta)


def schedule_case(case, name, cls, attrs, tensors=None):
    opt = schedule_optimizer()
    lr, _ = run_schedule(opt, cls(opt, **attrs))
    save("schedules", case, {"scheduler": name, "base_lr": BASE_LR, "epochs": EPOCHS, **attrs},
         {**(tensors or {}), "lr": lr})


def make_schedules():
    S = torch.optim.lr_scheduler
    # StepLR: lr = base gamma^(epoch // step_size).
    schedule_case("step_lr", "StepLR", S.StepLR, {"step_size": 7, "gamma": 0.5})

    # MultiStepLR: lr *= gamma at each milestone.  A list cannot be an attr: see tensor milestones.
    opt = schedule_optimizer()
    lr, _ = run_schedule(opt, S.MultiStepLR(opt, milestones=[5, 12, 20], gamma=0.3))
    save("schedules", "multi_step_lr",
         {"scheduler": "MultiStepLR", "base_lr": BASE_LR, "epochs": EPOCHS, "gamma": 0.3},
         {"milestones": torch.tensor([5.0, 12.0, 20.0]), "lr": lr})

    schedule_case("exponential_lr", "ExponentialLR", S.ExponentialLR, {"gamma": 0.9})

    # CosineAnnealingLR: eta_min + (base - eta_min)(1 + cos(pi epoch / T_max)) / 2, and it does
    # NOT stop at T_max: past it the lr climbs back up (period 2 T_max).  1.13 computes it
    # recursively from the previous lr, so it matches the closed form to ~1e-16 only.
    schedule_case("cosine_annealing_lr", "CosineAnnealingLR", S.CosineAnnealingLR,
                  {"T_max": 10, "eta_min": 0.001})

    # Warm restarts: T_cur counts up to T_i, then T_cur = 0 and T_i *= T_mult (restarts at 5, 15).
    schedule_case("cosine_annealing_warm_restarts", "CosineAnnealingWarmRestarts",
                  S.CosineAnnealingWarmRestarts, {"T_0": 5, "T_mult": 2, "eta_min": 0.0})

    # LinearLR: factor goes linearly start_factor -> end_factor over total_iters epochs, then stays.
    schedule_case("linear_lr_warmup", "LinearLR", S.LinearLR,
                  {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 5})

    # OneCycleLR overrides the optimizer's lr: starts at max_lr / div_factor, rises to max_lr
    # until step pct_start * total_steps - 1 = 8, then anneals to
    # initial_lr / final_div_factor at step total_steps - 1 = 29.  Within a phase,
    # pct = (step - phase_start) / (phase_end - phase_start) and cos annealing is
    # end + (start - end) (1 + cos(pi pct)) / 2; the next phase starts at phase_end (8), not 9.
    # Momentum runs the other way: max_momentum -> base_momentum -> max_momentum.
    one_cycle = {"max_lr": 0.1, "total_steps": EPOCHS, "pct_start": 0.3, "anneal_strategy": "cos",
                 "cycle_momentum": True, "base_momentum": 0.85, "max_momentum": 0.95,
                 "div_factor": 25.0, "final_div_factor": 1e4, "three_phase": False}
    opt = schedule_optimizer(momentum=0.9)
    lr, momentum = run_schedule(opt, S.OneCycleLR(opt, **one_cycle))
    save("schedules", "one_cycle_lr",
         {"scheduler": "OneCycleLR", "base_lr": BASE_LR, "epochs": EPOCHS,
          "optimizer_momentum": 0.9, **one_cycle},
         {"lr": lr, "momentum": momentum})

    # ReduceLROnPlateau (mode min, rel): better means metric < best (1 - threshold).  A bad epoch
    # increments num_bad_epochs; during cooldown the counter is decremented and num_bad_epochs
    # forced to 0.  When num_bad_epochs > patience: lr = max(lr factor, min_lr), applied only if
    # that lowers lr by more than eps; then cooldown starts and num_bad_epochs = 0.
    improving = [1.0 * 0.8 ** k for k in range(8)]          # epochs 0-7: improving
    best = improving[-1]
    plateau = [best * (1 + 0.01 * (k % 3)) for k in range(14)]  # 8-21: flat, never below best
    plateau[5] = best * (1 - 0.5e-4)                        # lower, but by less than the 1e-4 threshold
    recovery = [best * 0.9 ** (k + 1) for k in range(8)]    # 22-29: improving again
    metric = torch.tensor(improving + plateau + recovery)
    plateau_args = {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 1e-4,
                    "threshold_mode": "rel", "cooldown": 1, "min_lr": 0.001, "eps": 1e-8}
    opt = schedule_optimizer()
    lr, _ = run_schedule(opt, S.ReduceLROnPlateau(opt, **plateau_args), metrics=metric)
    save("schedules", "reduce_lr_on_plateau",
         {"scheduler": "ReduceLROnPlateau", "base_lr": BASE_LR, "epochs": EPOCHS, **plateau_args},
         {"metric": metric, "lr": lr})

    # A second plateau case: mode max with an absolute threshold, and a min_lr that is reached.
    accuracy = torch.tensor([0.5 + 0.01 * min(k, 6) + 0.001 * (k % 2) for k in range(EPOCHS)])
    max_args = {"mode": "max", "factor": 0.5, "patience": 1, "threshold": 0.005,
                "threshold_mode": "abs", "cooldown": 0, "min_lr": 0.01, "eps": 1e-8}
    opt = schedule_optimizer()
    lr, _ = run_schedule(opt, S.ReduceLROnPlateau(opt, **max_args), metrics=accuracy)
    save("schedules", "reduce_lr_on_plateau_max_abs",
         {"scheduler": "ReduceLROnPlateau", "base_lr": BASE_LR, "epochs": EPOCHS, **max_args},
         {"metric": accuracy, "lr": lr})


# ----------------------------------------------------------------------------

def main():
    shutil.rmtree(FIXTURES, ignore_errors=True)
    make_activations()
    make_regression_losses()
    make_pinball_losses()
    make_binary_losses()
    make_classification_losses()
    make_linear()
    make_batchnorm()
    make_layernorm()
    make_periodic_embedding()
    make_embedding()
    make_categorical_embedding()
    make_feature_scale()
    make_sort()
    make_optim()
    make_schedules()
    count = sum(len(files) for _, _, files in os.walk(FIXTURES))
    print(f"wrote {count} fixtures under {os.path.relpath(FIXTURES)}")


if __name__ == "__main__":
    main()
