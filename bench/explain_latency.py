#!/usr/bin/python3
"""One-row latency of `plexus serve` with and without "explain": true, and their ratio.

Run:  /usr/bin/python3 bench/explain_latency.py [--plexus build/tools/plexus/plexus] [--requests 300]

Trains the default network (`plexus train`, 256 and 128 ReLU units) on the synthetic table of
docs/EXPLAIN.md (a, b, colour, noise -> three classes), starts `plexus serve` on a free port and
sends one-row POST /predict requests on one kept-alive connection: --warmup of each kind first,
then --requests of each, plain and explain interleaved so that both see the same machine load.
Prints the median latency of each (ms) and the ratio explain / plain.
"""
import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import tempfile
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--plexus", default="build/tools/plexus/plexus", help="the plexus command")
    p.add_argument("--requests", type=int, default=300, help="timed requests of each kind")
    p.add_argument("--warmup", type=int, default=50, help="untimed requests of each kind first")
    p.add_argument("--model", help="an existing model of the same columns (skips training)")
    return p.parse_args()


def table_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b, noise = (rng.uniform(-2, 2) for _ in range(3))
        colour = rng.choice(["red", "green", "blue"])
        s = 2 * a + b + (1.5 if colour == "blue" else 0)
        label = "alpha" if s < -0.7 else ("beta" if s < 1.2 else "gamma")
        rows.append({"a": round(a, 4), "b": round(b, 4), "colour": colour,
                     "noise": round(noise, 4), "label": label})
    return rows


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(connection, body):
    start = time.perf_counter()
    connection.request("POST", "/predict", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    text = response.read()
    elapsed = time.perf_counter() - start
    if response.status != 200:
        raise SystemExit(f"POST /predict answered {response.status}: {text[:200]!r}")
    return elapsed, json.loads(text)


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            data = os.path.join(tmp, "train.csv")
            with open(data, "w") as f:
                f.write("a,b,colour,noise,label\n")
                for r in table_rows(600, 7):
                    f.write(f"{r['a']},{r['b']},{r['colour']},{r['noise']},{r['label']}\n")
            model = os.path.join(tmp, "model.plx")
            subprocess.run([args.plexus, "train", "--data", data, "--save", model, "--quiet"],
                           check=True)
        port = free_port()
        server = subprocess.Popen([args.plexus, "serve", "--model", model, "--port", str(port)],
                                  stderr=subprocess.DEVNULL)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port)
            for _ in range(100):
                try:
                    connection.request("GET", "/health")
                    connection.getresponse().read()
                    break
                except OSError:
                    connection.close()
                    time.sleep(0.05)
            rows = [{k: v for k, v in r.items() if k != "label"} for r in table_rows(64, 11)]
            plain, explain = [], []
            for i in range(args.warmup + args.requests):
                row = rows[i % len(rows)]
                t_plain, _ = post(connection, json.dumps({"rows": [row]}))
                t_explain, answer = post(connection, json.dumps({"rows": [row], "explain": True}))
                if "explanations" not in answer:
                    raise SystemExit("the server gave no explanations")
                if i >= args.warmup:
                    plain.append(t_plain)
                    explain.append(t_explain)
            connection.close()
        finally:
            server.terminate()
            server.wait()
    p, e = statistics.median(plain) * 1e3, statistics.median(explain) * 1e3
    print(f"one-row POST /predict, median of {args.requests} after {args.warmup} warm-up, "
          f"interleaved on one kept-alive connection")
    print(f"plain    {p:.3f} ms")
    print(f"explain  {e:.3f} ms")
    print(f"ratio    {e / p:.2f}x")


if __name__ == "__main__":
    main()
