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
    """Runs a benchmark command with --json and returns {name: seconds}."""
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.strip()}")
    results = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            obj = json.loads(line)
            results[obj["name"]] = float(obj["seconds"])
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


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--swift-bin", default=None, help="path of swifttorch-bench (default: the release build)")
    p.add_argument("--python", default=None, help="Python with torch for torch_bench.py")
    p.add_argument("--threads", type=int, default=default_threads(), help="threads for both sides (default: all cores)")
    p.add_argument("--min-time", type=float, default=None, help="seconds to measure each workload (both sides)")
    p.add_argument("--rounds", type=int, default=3,
                   help="interleaved rounds (default 3); the table shows each side's median over rounds")
    p.add_argument("--json-out", default=None, help="also write the raw results to this file as JSON")
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
                print(f"round {r + 1}/{args.rounds} {label:5} {name:<20} {format_duration(value)}",
                      file=sys.stderr, flush=True)

    print(f"\nSwiftTorch: {swift_bin}\nPyTorch: {python}")
    print(f"threads: {args.threads}; median seconds per call"
          + (f", median of {args.rounds} rounds" if args.rounds > 1 else "") + "\n")
    print("| workload | SwiftTorch | PyTorch | ratio (PyTorch/ours) |")
    print("|---|---:|---:|---:|")
    ratios = []
    raw = []
    for name in names:
        a = statistics.median(ours[name]) if ours[name] else None
        b = statistics.median(theirs[name]) if theirs[name] else None
        ratio = b / a if a and b else None
        if ratio:
            ratios.append(ratio)
        raw.append({"name": name, "swifttorch": a, "pytorch": b, "ratio": ratio})
        print(f"| {name} | {format_duration(a)} | {format_duration(b)} | "
              + (f"{ratio:.2f}x" if ratio else "n/a") + " |")
    if ratios:
        geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"| geometric mean | | | {geo:.2f}x |")

    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"threads": args.threads, "rounds": args.rounds, "results": raw}, f, indent=2)
    return 0 if all(r["ratio"] for r in raw) else 1


if __name__ == "__main__":
    sys.exit(main())
