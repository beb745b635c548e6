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
import resource
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


def resident_bytes():
    """Current resident set size of this process."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_resident_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


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


def bf16_matmul_1024():
    a, b = torch.randn(1024, 1024).bfloat16(), torch.randn(1024, 1024).bfloat16()
    return lambda: a.matmul(b)


def elementwise(f):
    def family(n):
        def build():
            a, b = torch.randn(n), torch.randn(n)
            return lambda: f(a, b)
        return build
    return family


def rows(f):
    def family(n):
        def build():
            x = torch.randn(n // 1024, 1024)
            return lambda: f(x)
        return build
    return family


def cross_entropy(n):
    def build():
        x, y = torch.randn(n // 1024, 1024), torch.randint(0, 1024, (n // 1024,))
        return lambda: torch.nn.functional.cross_entropy(x, y)
    return build


def conv_fwd_bwd(batch, cin, cout, size):
    def build():
        conv = torch.nn.Conv2d(cin, cout, 3, padding=1)
        x = torch.randn(batch, cin, size, size, requires_grad=True)

        def step():
            y = conv(x)
            y.sum().backward()
            x.grad = None
            conv.zero_grad()
            return y
        return step
    return build


def classifier_step(model, opt, x, y, autocast=False):
    """A training step: cross-entropy of model(x) against y, backward, optimizer step;
    with `autocast`, the forward pass and the loss run under bfloat16 autocast."""
    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def mlp_step():
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(64, 784), torch.randint(0, 10, (64,))

    return classifier_step(model, opt, x, y)


class BasicBlock(torch.nn.Module):
    """torchvision's BasicBlock: two 3x3 conv-BN pairs and a (projected) shortcut."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
                           if stride != 1 or cin != cout else None)

    def forward(self, x):
        out = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(out + (self.downsample(x) if self.downsample is not None else x))


def resnet18_step(autocast=False):
    nn = torch.nn
    layers = [nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
        cin = cout
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x, y = torch.randn(32, 3, 32, 32), torch.randint(0, 10, (32,))

    return classifier_step(model, opt, x, y, autocast)


class AugmentedImages(torch.utils.data.Dataset):
    """uint8 images -> float in [0, 1], random crop with zero padding, normalised
    (what torchvision's RandomCrop(28, padding=2) + Normalize do per sample)."""

    def __init__(self, images, labels, padding=2):
        self.images, self.labels, self.padding = images, labels, padding

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = self.images[i].float() / 255
        p = self.padding
        x = torch.nn.functional.pad(x, (p, p, p, p))
        top, left = torch.randint(0, 2 * p + 1, (2,)).tolist()
        x = x[:, top:top + 28, left:left + 28]
        return (x - 0.1307) / 0.3081, self.labels[i]


def dataloader_mnist():
    images = torch.randint(0, 256, (10_000, 1, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (10_000,))
    loader = torch.utils.data.DataLoader(AugmentedImages(images, labels), batch_size=64, shuffle=True, num_workers=0)

    def epoch():
        n = 0
        for x, _ in loader:
            n += x.shape[0]
        return n
    return epoch


def digits_cnn_step(autocast=False):
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

    return classifier_step(model, opt, x, y, autocast)


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


FAMILIES = [
    ("add", elementwise(lambda a, b: a + b)),
    ("mul", elementwise(lambda a, b: a * b)),
    ("exp", elementwise(lambda a, b: a.exp())),
    ("tanh", elementwise(lambda a, b: a.tanh())),
    ("gelu", elementwise(lambda a, b: torch.nn.functional.gelu(a))),
    ("sum", elementwise(lambda a, b: a.sum())),
    ("max", elementwise(lambda a, b: a.max())),
    ("softmax", rows(lambda x: x.softmax(dim=-1))),
    ("layer_norm", rows(lambda x: torch.nn.functional.layer_norm(x, (1024,)))),
    ("cross_entropy", cross_entropy),
]

# name -> (builder, calls per timed sample); same order and batches as the Swift side.
WORKLOADS = {
    "tiny_add": (tiny_add, 1000),
    "tiny_add_grad": (tiny_add_grad, 1000),
    "sgemm_256": (sgemm(256), 1),
    "sgemm_1024": (sgemm(1024), 1),
    "sgemm_2048": (sgemm(2048), 1),
    "bf16_matmul_1024": (bf16_matmul_1024, 1),
    **{f"{name}_{suffix}": (family(n), 1) for name, family in FAMILIES for suffix, n in (("1m", ONE_M), ("16m", SIXTEEN_M))},
    "conv2d_digits_fwd_bwd": (conv_fwd_bwd(32, 16, 32, 8), 1),
    "conv2d_resnet_fwd_bwd": (conv_fwd_bwd(32, 64, 64, 32), 1),
    "mlp_step": (mlp_step, 1),
    "digits_cnn_step": (digits_cnn_step, 1),
    "resnet18_step": (resnet18_step, 1),
    "digits_cnn_step_autocast": (lambda: digits_cnn_step(autocast=True), 1),
    "resnet18_step_autocast": (lambda: resnet18_step(autocast=True), 1),
    "lstm_step": (lstm_step, 1),
    "gpt_step": (gpt_step, 1),
    "dataloader_mnist": (dataloader_mnist, 1),
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
        baseline = resident_bytes()
        body = build()
        median, fastest, n = measure(body, batch, policy)
        peak = max(0, peak_resident_bytes() - baseline)
        del body
        if args.json:
            print(json.dumps({"name": name, "seconds": median, "peak_bytes": peak}), flush=True)
        else:
            print(f"{name:<20}{format_duration(median):>12}{format_duration(fastest):>12}{n:>10}{batch:>7}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
