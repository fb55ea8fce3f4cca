"""The PyTorch modules of plexus' layers that torch.nn does not have (docs/MODEL_FORMAT.md).

Each takes the arguments plexus.architecture lists and names its tensors as the model file does,
so `Module(**arguments).load_state_dict(tensors)` reads a plexus layer. Imported by
tests/reference/make_fixtures.py (their reference values) and tests/interop/torch_predict.py.
"""
import math

import torch


class PeriodicEmbedding(torch.nn.Module):
    """Each input at `indices` (all when None) becomes the block [x, z] with
    z = bias + cos(2 pi (x frequencies + phases)) @ weight, its own parameters per input; the
    blocks come first, in index order, then the inputs not embedded, in their order."""

    def __init__(self, in_features, indices=None, frequencies=16, embedding_dim=3, sigma=0.1):
        super().__init__()
        self.indices = list(range(in_features)) if indices is None else list(indices)
        self.passed = [j for j in range(in_features) if j not in self.indices]
        n, k, d = len(self.indices), frequencies, embedding_dim
        bound = 1 / math.sqrt(k)  # torch.nn.Linear(k, d)'s initial range
        self.frequencies = torch.nn.Parameter(torch.randn(n, k) * sigma)
        self.phases = torch.nn.Parameter(torch.rand(n, k) - 0.5)
        self.weight = torch.nn.Parameter(torch.empty(n, k, d).uniform_(-bound, bound))
        self.bias = torch.nn.Parameter(torch.empty(n, d).uniform_(-bound, bound))

    def forward(self, x):
        v = x[:, self.indices].unsqueeze(2)  # [B, N, 1]
        p = torch.cos(2 * math.pi * (v * self.frequencies + self.phases))  # [B, N, K]
        z = torch.einsum("bnk,nkd->bnd", p, self.weight) + self.bias  # [B, N, D]
        blocks = torch.cat([v, z], dim=2).flatten(1)  # [B, N (1 + D)]
        return torch.cat([blocks, x[:, self.passed]], dim=1)


class CategoricalEmbedding(torch.nn.Module):
    """Each input at `indices` (all when None) holds a category index and becomes its learned row:
    one table (rtdl's layout), input i's categories at rows offsets[i]...; the rows come first,
    in index order, then the inputs not embedded, in their order. Initialised as rtdl does,
    U(-1/sqrt(D), 1/sqrt(D)), with the last row of each input's table (the unseen category) at 0."""

    def __init__(self, in_features, num_embeddings, embedding_dim=8, indices=None,
                 cardinalities=None):
        super().__init__()
        self.indices = list(range(in_features)) if indices is None else list(indices)
        self.passed = [j for j in range(in_features) if j not in self.indices]
        if cardinalities is None:
            cardinalities = [num_embeddings // len(self.indices)] * len(self.indices)
        assert sum(cardinalities) == num_embeddings
        starts = [sum(cardinalities[:i]) for i in range(len(cardinalities))]
        self.register_buffer("offsets", torch.tensor(starts), persistent=False)
        bound = 1 / math.sqrt(embedding_dim)
        self.weight = torch.nn.Parameter(
            torch.empty(num_embeddings, embedding_dim).uniform_(-bound, bound))
        with torch.no_grad():
            for start, count in zip(starts, cardinalities):
                self.weight[start + count - 1] = 0

    def forward(self, x):
        rows = x[:, self.indices].long() + self.offsets  # [B, N]
        blocks = torch.nn.functional.embedding(rows, self.weight).flatten(1)  # [B, N D]
        return torch.cat([blocks, x[:, self.passed]], dim=1)


class FeatureScale(torch.nn.Module):
    """y = x * weight (+ bias), one scale per feature, starting at 1."""

    def __init__(self, num_features, bias=False):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(num_features))
        self.bias = torch.nn.Parameter(torch.zeros(num_features)) if bias else None

    def forward(self, x):
        return x * self.weight if self.bias is None else x * self.weight + self.bias


class Sort(torch.nn.Module):
    """Each row's values ascending: torch.sort(x, dim=-1).values. No parameters; after the last
    Linear of a quantile regressor, its quantiles in the order of their levels."""

    def forward(self, x):
        return torch.sort(x, dim=-1).values
