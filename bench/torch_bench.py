#!/usr/bin/python3
"""PyTorch on the four workloads, written the ordinary PyTorch way, printing the JSON lines that
bench/run.py collects (the format is in bench/README.md). Run it with Debian's /usr/bin/python3
(python3-torch 1.13):

    /usr/bin/python3 bench/torch_bench.py --workload W1 --threads 2 [--epochs 5] [--seed S] [--quick]

Timed sections contain only the training loop or the forward calls; loading and evaluation are
outside them. The call counts match bench_common.hpp.
"""
import argparse
import gzip
import json
import resource
import statistics
import struct
import time

import torch
import torch.nn.functional as F

FASHION_MNIST = "/usr/share/datasets/fashion-mnist"
W1_BATCH, W2_BATCH, W4_BATCH, W3_STEPS = 128, 1024, 256, 10_000


def weight_count(widths):
    """Weights of a fully-connected stack, biases excluded (6 flops per weight per sample)."""
    return sum(a * b for a, b in zip(widths, widths[1:]))


def emit(args, metric, value, **extra):
    line = {"impl": "pytorch", "workload": args.workload, "threads": args.threads,
            "metric": metric, "value": value, "extra": extra}
    print(json.dumps(line), flush=True)


def read_split(prefix):
    """One Fashion-MNIST split from its IDX files: images [n, 784] / 255, labels [n] int64."""
    with gzip.open(f"{FASHION_MNIST}/{prefix}-images-idx3-ubyte.gz") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 0x803, f"{prefix}: not an IDX image file"
        images = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8)
    with gzip.open(f"{FASHION_MNIST}/{prefix}-labels-idx1-ubyte.gz") as f:
        magic, n_labels = struct.unpack(">II", f.read(8))
        assert magic == 0x801 and n_labels == n, f"{prefix}: not a matching IDX label file"
        labels = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8)
    return images.view(n, rows * cols).float() / 255, labels.long()


def mlp(widths, activation=torch.nn.ReLU):
    layers = []
    for i, (a, b) in enumerate(zip(widths, widths[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(widths):
            layers.append(activation())
    return torch.nn.Sequential(*layers)


def median_seconds(call, warmup, calls):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def train_fashion(args):
    """W1: 784-256-128-10 ReLU, cross-entropy, Adam lr 1e-3, batch 128, shuffled."""
    x, y = read_split("train")
    test_x, test_y = read_split("t10k")
    if args.seed is not None:  # without --seed: PyTorch's own default seed, as before
        torch.manual_seed(args.seed)
    model = mlp([784, 256, 128, 10])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed or 0)

    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(len(x), generator=generator)
        for i in range(0, len(x), W1_BATCH):
            rows = order[i:i + W1_BATCH]
            loss = F.cross_entropy(model(x[rows]), y[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
    seconds = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        accuracy = (model(test_x).argmax(1) == test_y).float().mean().item()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    emit(args, "samples_per_s", args.epochs * len(x) / seconds, test_accuracy=accuracy,
         peak_rss_mb=peak_rss_mb, epochs=args.epochs, train_s=seconds)


def infer_fashion(args):
    """W2: the W1 network, eval() and no_grad(): batch-1 latency, batch-1024 throughput."""
    test_x, _ = read_split("t10k")
    model = mlp([784, 256, 128, 10]).eval()
    one, batch = test_x[:1].clone(), test_x[:W2_BATCH].clone()
    with torch.no_grad():
        latency = median_seconds(lambda: model(one), 200, 300 if args.quick else 3000)
        emit(args, "latency_us_batch1", latency * 1e6)
        batch_time = median_seconds(lambda: model(batch), 3, 5 if args.quick else 30)
        emit(args, "samples_per_s_batch1024", W2_BATCH / batch_time)


def train_xor(args):
    """W3: XOR, 2-8-1 sigmoid, MSE, full-batch SGD lr 0.5, 10,000 steps."""
    torch.manual_seed(0)
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Sigmoid(),
                                torch.nn.Linear(8, 1), torch.nn.Sigmoid())
    opt = torch.optim.SGD(model.parameters(), lr=0.5)

    start = time.perf_counter()
    for _ in range(W3_STEPS):
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    emit(args, "us_per_step", seconds / W3_STEPS * 1e6, final_mse=loss.item(), steps=W3_STEPS)


def train_wide(args):
    """W4: 784-2048-2048-10 ReLU, one fixed random batch of 256, SGD lr 0.01, random labels."""
    torch.manual_seed(0)
    x = torch.randn(W4_BATCH, 784)
    y = torch.randint(0, 10, (W4_BATCH,))
    model = mlp([784, 2048, 2048, 10])
    opt = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    steps = 8 if args.quick else 30
    start = time.perf_counter()
    for _ in range(steps):
        step()
    samples_per_s = steps * W4_BATCH / (time.perf_counter() - start)
    gflop_per_s = 6 * weight_count([784, 2048, 2048, 10]) * samples_per_s / 1e9
    emit(args, "samples_per_s", samples_per_s, gflop_per_s=gflop_per_s, steps=steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workload", required=True, choices=["W1", "W2", "W3", "W4"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, help="W1: seeds the initial weights and the shuffle")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    workloads = {"W1": train_fashion, "W2": infer_fashion, "W3": train_xor, "W4": train_wide}
    workloads[args.workload](args)


if __name__ == "__main__":
    main()
