#!/usr/bin/env python3
"""PyTorch companion of `swifttorch-bench`: the same workloads, shapes, dtypes,
thread count and timing rules, so the two can be compared one to one.

    python3 benchmarks/torch_bench.py                   # table of all workloads
    python3 benchmarks/torch_bench.py --json [NAME...]  # {"name": ..., "seconds": ...} per line

Each result is the median seconds per call over timed samples taken after warm-up
(tiny ops run 1000 calls per sample). Keep in sync with Sources/SwiftTorchBench.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

ONE_M = 1 << 20
SIXTEEN_M = 1 << 24


def default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class Policy:
    """Same defaults as TimingPolicy in Sources/SwiftTorchBench/Timing.swift."""
    warmup_samples = 2
    warmup_seconds = 0.1
    min_samples = 10
    min_seconds = 0.3
    max_seconds = 5.0
    floor_samples = 3
    max_samples = 100_000


def measure(body, batch, policy):
    clock = time.perf_counter_ns
    rng = range(batch)

    def sample():
        t0 = clock()
        for _ in rng:
            body()
        return (clock() - t0) * 1e-9 / batch

    warm_start = clock()
    warm = 0
    while warm < policy.warmup_samples or (
            (clock() - warm_start) * 1e-9 < policy.warmup_seconds and warm < policy.max_samples):
        sample()
        warm += 1

    times = []
    start = clock()
    while True:
        times.append(sample())
        elapsed = (clock() - start) * 1e-9
        if len(times) >= policy.min_samples and elapsed >= policy.min_seconds:
            break
        if len(times) >= policy.floor_samples and elapsed >= policy.max_seconds:
            break
        if len(times) >= policy.max_samples:
            break
    times.sort()
    n = len(times)
    median = times[n // 2] if n % 2 == 1 else (times[n // 2 - 1] + times[n // 2]) / 2
    return median, times[0], n


# ---- workloads: each builder returns the timed body (inputs built untimed) ----

def tiny_add():
    a, b = torch.randn(4), torch.randn(4)
    return lambda: a + b


def tiny_add_grad():
    a = torch.randn(4, requires_grad=True)
    b = torch.randn(4, requires_grad=True)
    return lambda: a + b


def sgemm(n):
    def build():
        a, b = torch.randn(n, n), torch.randn(n, n)
        return lambda: a.matmul(b)
    return build


def exp(n):
    def build():
        x = torch.randn(n)
        return lambda: x.exp()
    return build


def add(n):
    def build():
        a, b = torch.randn(n), torch.randn(n)
        return lambda: a + b
    return build


def sum_(n):
    def build():
        x = torch.randn(n)
        return lambda: x.sum()
    return build


def softmax_4096x1024():
    x = torch.randn(4096, 1024)
    return lambda: x.softmax(dim=-1)


def _parameter(*shape, fan_in):
    with torch.no_grad():
        t = torch.randn(*shape) * (1.0 / math.sqrt(fan_in))
    return t.requires_grad_(True)


def mlp3_fwd_bwd():
    batch = 64
    x = torch.randn(batch, 784)
    target = torch.randint(0, 10, (batch,))
    w1, b1 = _parameter(784, 256, fan_in=784), _parameter(256, fan_in=784)
    w2, b2 = _parameter(256, 256, fan_in=256), _parameter(256, fan_in=256)
    w3, b3 = _parameter(256, 10, fan_in=256), _parameter(10, fan_in=256)
    params = [w1, b1, w2, b2, w3, b3]
    target_column = target.unsqueeze(1)

    def step():
        h1 = (x.matmul(w1) + b1).relu()
        h2 = (h1.matmul(w2) + b2).relu()
        logits = h2.matmul(w3) + b3
        loss = -(logits.log_softmax(dim=1).gather(1, target_column)).mean()
        loss.backward()
        for p in params:
            p.grad = None
        return loss
    return step


def digits_cnn_step():
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(512, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(32, 1, 8, 8)
    y = torch.randint(0, 10, (32,))

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def lstm_step():
    nn = torch.nn
    torch.manual_seed(0)
    lstm = nn.LSTM(64, 256, batch_first=True)
    head = nn.Linear(256, 64)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=1e-3)
    x = torch.randn(32, 64, 64)
    target = torch.randn(32, 64, 64)

    def step():
        out, _ = lstm(x)
        loss = torch.nn.functional.mse_loss(head(out), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def gpt_step():
    nn = torch.nn
    torch.manual_seed(0)
    vocab, context, d_model, batch = 96, 64, 128, 16
    tok = nn.Embedding(vocab, d_model)
    pos = nn.Embedding(context, d_model)
    layer = nn.TransformerEncoderLayer(d_model, 4, 4 * d_model, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
    blocks = nn.TransformerEncoder(layer, 4, norm=nn.LayerNorm(d_model), enable_nested_tensor=False)
    head = nn.Linear(d_model, vocab)
    params = list(tok.parameters()) + list(pos.parameters()) + list(blocks.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=3e-4)
    tokens = torch.randint(0, vocab, (batch, context + 1))
    x, y = tokens[:, :context], tokens[:, 1:]
    positions = torch.arange(context)
    mask = nn.Transformer.generate_square_subsequent_mask(context)

    def step():
        h = tok(x) + pos(positions)
        logits = head(blocks(h, mask=mask, is_causal=True))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


# name -> (builder, calls per timed sample); same order and batches as the Swift side.
WORKLOADS = {
    "tiny_add": (tiny_add, 1000),
    "tiny_add_grad": (tiny_add_grad, 1000),
    "sgemm_256": (sgemm(256), 1),
    "sgemm_1024": (sgemm(1024), 1),
    "sgemm_2048": (sgemm(2048), 1),
    "exp_1m": (exp(ONE_M), 1),
    "exp_16m": (exp(SIXTEEN_M), 1),
    "add_1m": (add(ONE_M), 1),
    "add_16m": (add(SIXTEEN_M), 1),
    "sum_1m": (sum_(ONE_M), 1),
    "sum_16m": (sum_(SIXTEEN_M), 1),
    "softmax_4096x1024": (softmax_4096x1024, 1),
    "mlp3_fwd_bwd": (mlp3_fwd_bwd, 1),
    "digits_cnn_step": (digits_cnn_step, 1),
    "lstm_step": (lstm_step, 1),
    "gpt_step": (gpt_step, 1),
}


def format_duration(s):
    if s < 1e-6:
        return f"{s * 1e9:.1f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.2f} us"
    if s < 1:
        return f"{s * 1e3:.3f} ms"
    return f"{s:.3f} s"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="one JSON object per workload per line")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: all cores)")
    p.add_argument("--min-time", type=float, default=Policy.min_seconds, help="seconds to measure each workload")
    p.add_argument("--list", action="store_true", help="print the workload names and exit")
    p.add_argument("names", nargs="*", metavar="NAME")
    args = p.parse_args(argv)

    if args.list:
        print("\n".join(WORKLOADS))
        return 0
    unknown = [n for n in args.names if n not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {' '.join(unknown)}; known: {' '.join(WORKLOADS)}")

    threads = args.threads or default_threads()
    torch.set_num_threads(threads)
    policy = Policy()
    policy.min_seconds = args.min_time

    names = args.names or list(WORKLOADS)
    if not args.json:
        print(f"PyTorch {torch.__version__} benchmarks: {torch.get_num_threads()} thread(s), median time per call")
        print(f"{'workload':<20}{'median':>12}{'min':>12}{'samples':>10}{'batch':>7}")
        print("-" * 61)
    for name in names:
        build, batch = WORKLOADS[name]
        torch.manual_seed(0)
        body = build()
        median, fastest, n = measure(body, batch, policy)
        del body
        if args.json:
            print(json.dumps({"name": name, "seconds": median}), flush=True)
        else:
            print(f"{name:<20}{format_duration(median):>12}{format_duration(fastest):>12}{n:>10}{batch:>7}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
