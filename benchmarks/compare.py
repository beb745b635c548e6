#!/usr/bin/env python3
"""Runs `swifttorch-bench` and benchmarks/torch_bench.py on the same workloads and
prints a markdown table: workload | SwiftTorch | PyTorch | ratio (PyTorch / ours).
A ratio above 1 means SwiftTorch is faster.

Workloads are interleaved one at a time (Swift, then PyTorch, for each name), each
in a fresh process, so that machine drift hits both sides alike.

    swift build -c release --product swifttorch-bench
    python3 benchmarks/compare.py [--rounds R] [--threads N] [NAME...]

The Python that runs torch_bench.py is --python, else $TORCH_BENCH_PYTHON, else the
first of this interpreter and .build-torch-venv/bin/python that can `import torch`.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SWIFT_CANDIDATES = [
    os.path.join(ROOT, ".build", "release", "swifttorch-bench"),
    os.path.join(ROOT, ".build-release", "release", "swifttorch-bench"),
]


def default_threads():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def find_python(explicit):
    """The interpreter for torch_bench.py: the one given, or the first that imports torch."""
    if explicit:
        return explicit
    candidates = [os.environ.get("TORCH_BENCH_PYTHON"), sys.executable,
                  os.path.join(ROOT, ".build-torch-venv", "bin", "python")]
    for c in candidates:
        if c and os.path.exists(c):
            ok = subprocess.run([c, "-c", "import torch"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).returncode == 0
            if ok:
                return c
    return None


def run_json(cmd):
    """Runs a benchmark command with --json and returns {name: (seconds, peak_bytes,
    fraction of the float32 peak or None, that peak in GFLOP/s or None)}."""
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.strip()}")
    results = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            obj = json.loads(line)
            fraction = obj["gflops"] / obj["peak_gflops"] if obj.get("peak_gflops") else None
            results[obj["name"]] = (float(obj["seconds"]), obj.get("peak_bytes"), fraction, obj.get("peak_gflops"))
    return results


def format_duration(s):
    if s is None:
        return "n/a"
    if s < 1e-6:
        return f"{s * 1e9:.1f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.2f} us"
    if s < 1:
        return f"{s * 1e3:.3f} ms"
    return f"{s:.3f} s"


# The targets of the CPU performance issue: minimum ratio (PyTorch time / ours) per workload.
TARGETS = {"tiny_add": 4.0, "tiny_add_grad": 4.0, "sgemm_256": 0.95, "sgemm_1024": 0.95, "sgemm_2048": 0.95,
           "conv2d_digits_fwd_bwd": 1.0, "conv2d_resnet_fwd_bwd": 1.0, "mlp_step": 1.5, "digits_cnn_step": 1.5,
           "resnet18_step": 0.9, "lstm_step": 1.0, "gpt_step": 1.0}
for _op in ("add", "mul", "exp", "tanh", "gelu", "sum", "max", "softmax", "layer_norm", "cross_entropy"):
    TARGETS[f"{_op}_1m"] = TARGETS[f"{_op}_16m"] = 1.0
TRAINING = {"mlp_step", "digits_cnn_step", "resnet18_step", "lstm_step", "gpt_step"}
# sgemm also has to reach this fraction of the float32 peak, which swifttorch-bench
# measures right after timing each sgemm (independent FMAs on all threads).
PEAK_FRACTION = 0.75


def format_bytes(b):
    if b is None:
        return "n/a"
    return f"{b / (1 << 20):.1f} MiB"


def machine_lines(python):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    def out(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
        except OSError:
            return ""
    swift = out(["swift", "--version"]).splitlines()
    torch_version = out([python, "-c", "import torch; print(torch.__version__)"])
    dnnl = out(["dpkg-query", "-W", "-f", "${Version}", "libdnnl-dev"])
    return [f"- CPU: {cpu}, {default_threads()} cores visible",
            f"- SwiftTorch: {swift[0] if swift else 'swift (version unknown)'}, oneDNN {dnnl or 'unknown'}, release build",
            f"- PyTorch: {torch_version}"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--swift-bin", default=None, help="path of swifttorch-bench (default: the release build)")
    p.add_argument("--python", default=None, help="Python with torch for torch_bench.py")
    p.add_argument("--threads", type=int, default=default_threads(), help="threads for both sides (default: all cores)")
    p.add_argument("--min-time", type=float, default=None, help="seconds to measure each workload (both sides)")
    p.add_argument("--rounds", type=int, default=3,
                   help="interleaved rounds (default 3); the table shows each side's median over rounds")
    p.add_argument("--json-out", default=None, help="also write the raw results to this file as JSON")
    p.add_argument("--markdown-out", default=None,
                   help="write the report (machine, versions, table, targets) to this file, e.g. docs/BENCHMARKS.md")
    p.add_argument("names", nargs="*", metavar="NAME")
    args = p.parse_args(argv)

    swift_bin = args.swift_bin or next((c for c in SWIFT_CANDIDATES if os.path.exists(c)), None)
    if swift_bin is None:
        p.error("swifttorch-bench not found; build it with "
                "`swift build -c release --product swifttorch-bench`")
    torch_script = os.path.join(HERE, "torch_bench.py")
    python = find_python(args.python)
    if python is None:
        p.error("no Python that can `import torch`; pass --python or set TORCH_BENCH_PYTHON")

    common = ["--json", "--threads", str(args.threads)]
    if args.min_time is not None:
        common += ["--min-time", str(args.min_time)]

    names = args.names
    if not names:
        names = subprocess.run([swift_bin, "--list"], stdout=subprocess.PIPE, text=True, check=True).stdout.split()

    ours = {n: [] for n in names}
    theirs = {n: [] for n in names}
    for r in range(args.rounds):
        for name in names:
            for label, cmd, store in (
                ("swift", [swift_bin] + common + [name], ours),
                ("torch", [python, torch_script] + common + [name], theirs),
            ):
                try:
                    value = run_json(cmd).get(name)
                except RuntimeError as e:
                    print(f"[{label}] {name}: {e}", file=sys.stderr)
                    value = None
                if value is not None:
                    store[name].append(value)
                print(f"round {r + 1}/{args.rounds} {label:5} {name:<24} {format_duration(value[0] if value else None)}",
                      file=sys.stderr, flush=True)

    lines = ["| workload | SwiftTorch | PyTorch | ratio (PyTorch/ours) | target | peak memory ours | peak memory PyTorch |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    ratios, raw, missed = [], [], []
    for name in names:
        a = statistics.median(v[0] for v in ours[name]) if ours[name] else None
        b = statistics.median(v[0] for v in theirs[name]) if theirs[name] else None
        ma = max((v[1] for v in ours[name] if v[1] is not None), default=None)
        mb = max((v[1] for v in theirs[name] if v[1] is not None), default=None)
        ratio = b / a if a and b else None
        if ratio:
            ratios.append(ratio)
        target = TARGETS.get(name)
        status = ""
        if target is not None:
            ok = ratio is not None and ratio >= target
            if name in TRAINING and ma is not None and mb is not None and ma > mb:
                ok = False
            status = f">= {target:g}x"
            fractions = [v[2] for v in ours[name] if len(v) > 2 and v[2] is not None]
            if name.startswith("sgemm_"):
                fraction = statistics.median(fractions) if fractions else None
                ok = ok and fraction is not None and fraction >= PEAK_FRACTION
                status += f" and >= {PEAK_FRACTION:.0%} of peak ("
                status += (f"{fraction:.0%} of {statistics.median(v[3] for v in ours[name] if v[3]):.0f} GFLOP/s)"
                           if fraction else "peak unknown)")
            status += " met" if ok else " **missed**"
            if not ok:
                missed.append(name)
        raw.append({"name": name, "swifttorch": a, "pytorch": b, "ratio": ratio,
                    "peak_bytes_swifttorch": ma, "peak_bytes_pytorch": mb})
        lines.append(f"| {name} | {format_duration(a)} | {format_duration(b)} | "
                     + (f"{ratio:.2f}x" if ratio else "n/a") + f" | {status} | {format_bytes(ma)} | {format_bytes(mb)} |")
    if ratios:
        geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        lines.append(f"| geometric mean | | | {geo:.2f}x | | | |")

    header = [f"threads: {args.threads}; median seconds per call"
              + (f", median of {args.rounds} interleaved rounds" if args.rounds > 1 else "")]
    if any(n.startswith("sgemm_") for n in names):
        header.append(f"float32 peak of {args.threads} threads: measured by swifttorch-bench right after each sgemm "
                      "(independent FMAs on the widest vectors for 0.5 s, as `swifttorch-bench --peak` does); "
                      "the sgemm rows give the median fraction of it")
    print(f"\nSwiftTorch: {swift_bin}\nPyTorch: {python}")
    print("\n".join(header) + "\n")
    print("\n".join(lines))

    if args.markdown_out:
        with open(args.markdown_out, "w") as f:
            f.write(MARKDOWN_HEAD)
            f.write("\n".join(machine_lines(python) + ["- " + h for h in header]) + "\n\n")
            f.write("\n".join(lines) + "\n\n")
            f.write("Missed targets: " + (", ".join(missed) if missed else "none") + ".\n")
            f.write(MARKDOWN_TAIL)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"threads": args.threads, "rounds": args.rounds, "results": raw}, f, indent=2)
    return 0 if all(r["ratio"] for r in raw) else 1


MARKDOWN_HEAD = """# Benchmarks: SwiftTorch and PyTorch side by side

Generated by `benchmarks/compare.py --markdown-out docs/BENCHMARKS.md` (after
`swift build -c release --product swifttorch-bench`). Each workload runs in a
fresh process, SwiftTorch then PyTorch, for each round, with the same shapes,
dtypes and thread count (`Sources/SwiftTorchBench/Workloads.swift` and
`benchmarks/torch_bench.py`). Times are medians per call after warm-up; the ratio
is PyTorch's time over ours (above 1: SwiftTorch is faster). Peak memory is the
growth of the process's peak resident set while the workload is built and timed
(getrusage high-water mark minus the resident size before building), so the
runtimes' own footprints are not counted. The target column is the CPU
performance issue's goal; a training workload also misses it when its peak memory
is above PyTorch's.

"""

MARKDOWN_TAIL = """
Workloads: `tiny_add` (4-element add; `_grad` with inputs that require grad),
`sgemm_N` (float32 N^3), `bf16_matmul_1024`, elementwise and reductions over 1M /
16M float32 elements (`softmax`, `layer_norm`, `cross_entropy`: rows of 1024),
`conv2d_*_fwd_bwd` (3x3, padding 1, bias; digits: 32x16x8x8 -> 32 channels,
ResNet: 32x64x32x32 -> 64 channels; forward, backward, gradients cleared),
training steps (`mlp_step`: 784-256-256-10, batch 64, SGD momentum;
`digits_cnn_step`: the digits CNN, batch 32, Adam; `resnet18_step`: ResNet-18 for
32x32x3, batch 32, SGD momentum; `*_autocast`: the same steps with the forward pass
and the loss under bfloat16 autocast; `lstm_step`: LSTM 64->256 over 64 steps, batch
32, Adam; `gpt_step`: 4 pre-norm GELU layers, d_model 128, 4 heads, context 64,
batch 16, AdamW), and `dataloader_mnist` (one epoch over 10,000 uint8 28x28
images with random crop and normalisation, batch 64, shuffled, no workers).

Timing (the same on both sides): inputs are built untimed with seed 0; warm-up of at
least 2 samples and 0.1 s; then samples until at least 10 samples and 0.3 s
(`--min-time`), or 3 samples once 5 s have passed. A sample is `batch` back-to-back
calls (1000 for the tiny ops, else 1) timed with a monotonic clock; the result is the
median seconds per call. Both sides take `--threads N` (default: all cores; on the
Swift side it sets `Threading.numThreads` and the OpenMP thread count oneDNN uses).
The float32 peak that sgemm is held to (75%) is measured by swifttorch-bench for
0.5 s right after each sgemm, under the same machine conditions: every thread runs
twelve independent chains of AVX-512 fused multiply-adds (`Sources/CBenchKernels`,
also `swifttorch-bench --peak`); the row shows the median over rounds of the sgemm
rate divided by that peak.

```sh
swift build -c release --product swifttorch-bench
.build/release/swifttorch-bench [--json] [NAME...]        # the SwiftTorch side
python3 benchmarks/torch_bench.py [--json] [NAME...]      # the PyTorch side
python3 benchmarks/compare.py --rounds 5 --markdown-out docs/BENCHMARKS.md   # both, this report
```

compare.py needs a Python that can `import torch`: `--python`, `$TORCH_BENCH_PYTHON`,
this interpreter, or `.build-torch-venv/bin/python`.
"""


if __name__ == "__main__":
    sys.exit(main())
