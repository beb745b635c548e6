#!/usr/bin/env python3
"""Generate unseen-shape / unseen-value variants of the PyTorch golden op cases.

usage:
    gen_op_variants.py [--cases PATH] [--out PATH]
        Reads the golden cases (default: Tests/TorchCoreTests/Fixtures/ops.jsonl)
        and writes variants in the same case format (default:
        Tests/TorchCoreTests/Fixtures/ops_variants.jsonl), with "expect"
        recomputed by PyTorch on CPU.
    gen_op_variants.py --selfcheck [--cases PATH] [--out PATH]
        Re-evaluates the ORIGINAL cases (no modification) and writes the
        results in conformance-runner output format (default
        /tmp/selfcheck.jsonl), to be compared with
        `python3 /work/shared/golden/check.py ops.jsonl /tmp/selfcheck.jsonl`.

Variants (at most MAX_VARIANTS per case; "nn.functional.*" cases and cases
without tensor inputs are skipped):
    <id>/v1            same shapes, new random values
    <id>/shape_batch   a leading batch dimension of 2 prepended to every tensor
    <id>/shape_lastdim the last dimension of every tensor doubled (size-1 dims
                       are kept, so broadcasting stays valid)
    <id>/shape_grow    2-d/3-d cases: every distinct size s > 1 becomes s + 1,
                       with the same mapping for every tensor (size-1 dims kept)
A variant is kept only when PyTorch errors on it exactly when it errored on the
original case. Integer / bool tensors are resampled uniformly within the
original min..max (a second attempt narrows non-negative integer tensors to
indices valid for the smallest dimension of the new shapes). Floating tensors
are resampled from randn, keeping the original's range character (all in
(0, 1) -> U(0.05, 0.95); all positive -> |randn|*s+0.1; all in (-1, 1) ->
U(-0.9, 0.9); min in (-1, 0) -> U(min, max); otherwise randn*s, with
s = max(1, max|x|/3); magnitudes above LARGE -> original values picked at
random plus small noise; nan/inf entries are re-injected at random positions).
Ops with more than 3 golden cases (the elementwise families) get v1 plus two
shape variants per case, rotating through the kinds; rarer ops get all kinds.
Shape variants identical in op, arguments, dtypes, shapes, layout and value
character to an earlier variant are skipped. Grad seeds are randn with the
chosen outputs' shapes and dtypes; for split/chunk/unbind-style cases that
seed every output, a variant with a different number of pieces seeds them all.
Everything is deterministic (seeds derived from the ids).
"""
import argparse
import json
import math
import os
import sys
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FIXTURES = os.path.join(ROOT, "Tests", "TorchCoreTests", "Fixtures")
MAX_VARIANTS = 4
LARGE = 50.0  # |values| above this count as "large" (see sample_like)

DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "int64": torch.int64,
    "int32": torch.int32,
    "bool": torch.bool,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
FLOAT_NAMES = ("float32", "float64", "float16", "bfloat16")
SPECIALS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class SkipVariant(Exception):
    pass


# ---------------------------------------------------------------- (de)serialise

def num(v):
    if isinstance(v, str):
        return SPECIALS[v]
    return v


def ser_value(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return v
    raise TypeError(f"cannot serialise {type(v)}")


def ser_tensor(t):
    t = t.detach().cpu()
    name = DTYPE_NAMES.get(t.dtype)
    if name is None:
        raise SkipVariant(f"unsupported output dtype {t.dtype}")
    flat = t.contiguous().reshape(-1)
    if name in ("float16", "bfloat16"):
        flat = flat.to(torch.float32)
    data = [ser_value(x) for x in flat.tolist()]
    return {"dtype": name, "shape": list(t.shape), "data": data}


def tensor_from_spec(spec):
    """A contiguous tensor holding spec's values (no grad)."""
    dt = DTYPES[spec["dtype"]]
    shape = list(spec["shape"])
    data = [num(x) for x in spec["data"]]
    if spec["dtype"] == "bool":
        base = torch.tensor(data, dtype=torch.bool)
    elif spec["dtype"] in ("int64", "int32"):
        base = torch.tensor(data, dtype=torch.int64).to(dt)
    else:
        base = torch.tensor(data, dtype=torch.float64).to(dt)
    return base.reshape(shape)


def make_noncontig(t):
    """A non-contiguous view holding t's values (strided slice of a wider tensor)."""
    if t.dim() == 0 or t.numel() <= 1:
        return t
    # widen the last dimension with size > 1, take every other element
    dims = [d for d in range(t.dim()) if t.shape[d] > 1]
    if not dims:
        return t
    d = dims[-1]
    wide_shape = list(t.shape)
    wide_shape[d] *= 2
    wide = torch.zeros(wide_shape, dtype=t.dtype)
    idx = [slice(None)] * t.dim()
    idx[d] = slice(None, None, 2)
    wide[tuple(idx)] = t
    v = wide[tuple(idx)]
    assert not v.is_contiguous()
    return v


def build_input(spec):
    t = tensor_from_spec(spec)
    if spec.get("noncontig"):
        t = make_noncontig(t)
    if spec.get("requires_grad"):
        t.requires_grad_(True)
    return t


# --------------------------------------------------------------------- calling

def resolve(x, ts):
    if isinstance(x, dict) and set(x.keys()) == {"t"}:
        return ts[x["t"]]
    if isinstance(x, list):
        return [resolve(y, ts) for y in x]
    return x


def index_item(it, ts):
    if it is None:
        return None
    if it == "...":
        return Ellipsis
    if isinstance(it, bool):
        return it
    if isinstance(it, int):
        return it
    if isinstance(it, dict) and "slice" in it:
        a, b, c = it["slice"]
        return slice(a, b, c)
    if isinstance(it, dict) and "t" in it:
        return ts[it["t"]]
    raise ValueError(f"bad index item {it!r}")


def call_op(case, ts):
    op = case["op"]
    if op == "getitem":
        x = resolve(case["args"][0], ts)
        idx = tuple(index_item(i, ts) for i in case["args"][1])
        return x[idx]
    args = [resolve(a, ts) for a in case["args"]]
    kwargs = {k: resolve(v, ts) for k, v in case["kwargs"].items()}
    if "dtype" in kwargs and isinstance(kwargs["dtype"], str):
        kwargs["dtype"] = DTYPES[kwargs["dtype"]]
    if op.startswith("Tensor."):
        meth = op[len("Tensor."):]
        self_, rest = args[0], args[1:]
        if meth == "to":
            rest = [DTYPES[r] if isinstance(r, str) else r for r in rest]
        return getattr(self_, meth)(*rest, **kwargs)
    fn = torch
    for part in op.split("."):
        fn = getattr(fn, part)
    return fn(*args, **kwargs)


def as_outputs(out):
    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            if not isinstance(o, torch.Tensor):
                raise SkipVariant(f"non-tensor output {type(o)}")
            res.append(o)
        return res
    raise SkipVariant(f"non-tensor output {type(out)}")


def evaluate(case, seed_fn=None, n_outputs=None, grad_all_outputs=False):
    """Run case (tensors/args/kwargs/grad_outputs/grad_seeds) in PyTorch.

    Returns ("error", message) or ("ok", outputs, grads, seeds) where grads is
    None when the case has no grad_outputs. If seed_fn is given it creates the
    grad seeds from the outputs (for variants); otherwise the case's
    grad_seeds are used.
    """
    ts = [build_input(s) for s in case["tensors"]]
    try:
        outs = as_outputs(call_op(case, ts))
    except SkipVariant:
        raise
    except Exception as e:  # PyTorch raised: an expected-error case
        return ("error", f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    if n_outputs is not None and len(outs) != n_outputs and not grad_all_outputs:
        raise SkipVariant("number of outputs changed")
    seeds = None
    grads = None
    if "grad_outputs" in case:
        if grad_all_outputs:
            # split / chunk / unbind: every piece is seeded, however many there are
            case["grad_outputs"] = list(range(len(outs)))
        go = case["grad_outputs"]
        sel = [outs[i] for i in go]
        if seed_fn is not None:
            seeds = [seed_fn(o) for o in sel]
        else:
            seeds = [tensor_from_spec(s) for s in case["grad_seeds"]]
        needs = [i for i, t in enumerate(ts) if t.requires_grad]
        try:
            gs = torch.autograd.grad(sel, [ts[i] for i in needs], seeds, allow_unused=True)
        except Exception as e:
            if seed_fn is None:
                raise
            raise SkipVariant(f"backward failed: {e}")
        grads = [None] * len(ts)
        for i, g in zip(needs, gs):
            grads[i] = g
    return ("ok", outs, grads, seeds)


def expect_of(result):
    if result[0] == "error":
        return {"error": True}
    _, outs, grads, _ = result
    exp = {"outputs": [ser_tensor(o) for o in outs]}
    if grads is not None:
        exp["grads"] = [None if g is None else ser_tensor(g) for g in grads]
    return exp


# -------------------------------------------------------------------- sampling

def seed_of(text):
    return zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF


def sample_like(spec, shape, gen, index_cap=None):
    """New values for an input tensor spec, with the given shape."""
    name = spec["dtype"]
    dt = DTYPES[name]
    n = 1
    for s in shape:
        n *= s
    orig = [num(x) for x in spec["data"]]
    if name == "bool":
        vals = set(orig)
        if len(vals) == 1:
            return torch.full(shape, bool(orig[0]), dtype=torch.bool)
        return torch.randint(0, 2, shape, generator=gen).to(torch.bool)
    if name in ("int64", "int32"):
        lo, hi = (min(orig), max(orig)) if orig else (0, 0)
        if index_cap is not None and lo >= 0:
            hi = max(lo, min(hi, index_cap - 1))
        return torch.randint(lo, hi + 1, shape, generator=gen, dtype=torch.int64).to(dt)
    # floating
    finite = [x for x in orig if math.isfinite(x)]
    specials = [x for x in orig if not math.isfinite(x)]
    lo, hi = (min(finite), max(finite)) if finite else (-1.0, 1.0)
    amax = max(abs(lo), abs(hi))
    scale = max(1.0, amax / 3.0)
    r = torch.randn(shape, generator=gen, dtype=torch.float64)
    if finite and amax > LARGE:
        # large magnitudes (softmax stability, float16 overflow): original
        # values picked at random plus a little noise, so offsets stay large
        # while the differences stay moderate
        pick = torch.randint(0, len(finite), shape, generator=gen)
        vals = torch.tensor(finite, dtype=torch.float64)[pick] + r * max(1.0, amax / 1000.0)
    elif finite and lo > 0 and hi < 1:
        vals = torch.rand(shape, generator=gen, dtype=torch.float64) * 0.9 + 0.05
    elif finite and lo > 0:
        vals = r.abs() * scale + 0.1
    elif finite and lo > -1 and hi < 1:
        vals = torch.rand(shape, generator=gen, dtype=torch.float64) * 1.8 - 0.9
    elif finite and -1 < lo < 0:
        vals = lo + torch.rand(shape, generator=gen, dtype=torch.float64) * (hi - lo)
    else:
        vals = r * scale
    if specials and n > 0:
        flat = vals.reshape(-1)
        k = max(1, round(len(specials) * n / max(1, len(orig))))
        k = min(k, n)
        pos = torch.randperm(n, generator=gen)[:k].tolist()
        for j, p in enumerate(pos):
            flat[p] = specials[j % len(specials)]
        vals = flat.reshape(shape)
    return vals.to(dt)


def spec_from_tensor(t, orig_spec):
    s = ser_tensor(t)
    spec = {"dtype": s["dtype"], "shape": s["shape"], "data": s["data"],
            "requires_grad": orig_spec.get("requires_grad", False)}
    if orig_spec.get("noncontig"):
        spec["noncontig"] = True
    return spec


def make_seed_fn(gen):
    def seed_fn(o):
        if not (o.dtype.is_floating_point or o.dtype.is_complex):
            raise SkipVariant("gradient seed for a non-float output")
        return torch.randn(o.shape, generator=gen, dtype=torch.float64).to(o.dtype)
    return seed_fn


# -------------------------------------------------------------------- variants

def shape_transforms(case):
    shapes = [list(t["shape"]) for t in case["tensors"]]
    res = []
    res.append(("v1", shapes))
    res.append(("shape_batch", [[2] + s for s in shapes]))
    last = [s[:-1] + [s[-1] * 2] if s and s[-1] > 1 else list(s) for s in shapes]
    res.append(("shape_lastdim", last))
    maxdim = max((len(s) for s in shapes), default=0)
    if maxdim in (2, 3):
        grow = [[d + 1 if d > 1 else d for d in s] for s in shapes]
        res.append(("shape_grow", grow))
    return res


def build_variant(case, tag, shapes, attempt):
    vid = f"{case['id']}/{tag}"
    gen = torch.Generator().manual_seed(seed_of(f"{vid}#{attempt}"))
    index_cap = None
    if attempt > 0:
        sizes = [d for s in shapes for d in s if d > 0]
        index_cap = min(sizes) if sizes else 1
    tensors = []
    for spec, shape in zip(case["tensors"], shapes):
        t = sample_like(spec, shape, gen, index_cap=index_cap)
        tensors.append(spec_from_tensor(t, spec))
    v = {"id": vid, "op": case["op"], "args": case["args"], "kwargs": case["kwargs"],
         "tensors": tensors}
    if "grad_outputs" in case:
        v["grad_seeds"] = None  # filled below, keeps key order like the originals
        v["grad_outputs"] = list(case["grad_outputs"])
    for k in ("atol", "rtol"):
        if k in case:
            v[k] = case[k]
    orig_err = bool(case["expect"].get("error"))
    n_out = None if orig_err else len(case["expect"]["outputs"])
    grad_all = (n_out is not None and n_out > 1 and
                case.get("grad_outputs") == list(range(n_out)) and
                all(o["dtype"] in FLOAT_NAMES for o in case["expect"]["outputs"]))
    result = evaluate(v, seed_fn=make_seed_fn(gen), n_outputs=n_out, grad_all_outputs=grad_all)
    if (result[0] == "error") != orig_err:
        return None
    if "grad_outputs" in case:
        if result[0] == "error":
            # seeds cannot be derived from outputs; keep the originals' layout
            v["grad_seeds"] = []
        else:
            v["grad_seeds"] = [ser_tensor(s) for s in result[3]]
    v["expect"] = expect_of(result)
    return v


def value_character(spec):
    """Integer/bool tensors: their original range; floats: the sampling class."""
    vals = [num(x) for x in spec["data"]]
    if spec["dtype"] not in FLOAT_NAMES:
        return [min(vals), max(vals)] if vals else None
    fin = [x for x in vals if math.isfinite(x)]
    lo, hi = (min(fin), max(fin)) if fin else (-1.0, 1.0)
    return ["pos" if lo > 0 else "unit" if -1 < lo and hi < 1 else "gt-1" if lo > -1 else "any",
            max(1.0, max(abs(lo), abs(hi)) / 3.0), len(fin) != len(vals)]


def variant_key(case, v):
    """Shape variants that would be the same test as an earlier one (same op,
    arguments, dtypes, shapes, layout and value character) are skipped."""
    return json.dumps([v["op"], v["args"], v["kwargs"],
                       [(t["dtype"], t["shape"], bool(t.get("noncontig")), t["requires_grad"],
                         value_character(o))
                        for t, o in zip(v["tensors"], case["tensors"])]])


def generate(cases):
    out = []
    stats = {"cases": 0, "skipped_nn": 0, "skipped_no_tensors": 0, "dropped": 0,
             "redundant": 0}
    shape_ops = {}
    per_op = {}
    for case in cases:
        per_op[case["op"]] = per_op.get(case["op"], 0) + 1
    nth_of_op = {}
    seen_keys = set()
    for case in cases:
        if case["op"].startswith("nn.functional."):
            stats["skipped_nn"] += 1
            continue
        if not case["tensors"]:
            stats["skipped_no_tensors"] += 1
            continue
        stats["cases"] += 1
        k_op = nth_of_op.get(case["op"], 0)
        nth_of_op[case["op"]] = k_op + 1
        # ops with many cases (the elementwise families) get v1 + 2 shape
        # variants per case, rotating through the kinds; rarer ops get all.
        cap = MAX_VARIANTS if per_op[case["op"]] <= 3 else MAX_VARIANTS - 1
        transforms = shape_transforms(case)
        first, shapes_t = transforms[0], transforms[1:]
        if shapes_t:
            r = k_op % len(shapes_t)
            shapes_t = shapes_t[r:] + shapes_t[:r]
        seen = set()
        n = 0
        orig_shapes = json.dumps([t["shape"] for t in case["tensors"]])
        for tag, shapes in [first] + shapes_t:
            if n >= cap:
                break
            key = json.dumps(shapes)
            if tag != "v1" and (key == orig_shapes or key in seen):
                continue
            seen.add(key)
            v = None
            for attempt in range(2):
                try:
                    v = build_variant(case, tag, shapes, attempt)
                except SkipVariant:
                    v = None
                if v is not None:
                    break
            if v is None:
                stats["dropped"] += 1
                continue
            vk = variant_key(case, v)
            if tag != "v1" and vk in seen_keys:
                stats["redundant"] += 1
                continue
            seen_keys.add(vk)
            out.append(v)
            n += 1
            if tag != "v1":
                shape_ops.setdefault(case["op"], set()).add(tag)
    return out, stats, shape_ops


def selfcheck(cases, out_path):
    lines = []
    n_ok = n_err = n_skip = 0
    for case in cases:
        if case["op"].startswith("nn.functional."):
            n_skip += 1
            continue
        try:
            result = evaluate(case)
        except SkipVariant as e:
            lines.append({"id": case["id"], "unsupported": True})
            continue
        if result[0] == "error":
            lines.append({"id": case["id"], "error": result[1]})
            n_err += 1
        else:
            exp = expect_of(result)
            line = {"id": case["id"], "outputs": exp["outputs"]}
            if "grads" in exp:
                line["grads"] = exp["grads"]
            lines.append(line)
            n_ok += 1
    with open(out_path, "w") as f:
        for l in lines:
            f.write(json.dumps(l) + "\n")
    print(f"selfcheck: {n_ok} results, {n_err} errors, {n_skip} nn.functional cases skipped "
          f"-> {out_path}")


UNCHECKED_READS = {"take_along_dim/0/shape_batch"}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=os.path.join(FIXTURES, "ops.jsonl"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--selfcheck", action="store_true")
    a = ap.parse_args(argv)
    torch.manual_seed(0)
    with open(a.cases) as f:
        cases = [json.loads(l) for l in f if l.strip()]
    if a.selfcheck:
        selfcheck(cases, a.out or "/tmp/selfcheck.jsonl")
        return 0
    out_path = a.out or os.path.join(FIXTURES, "ops_variants.jsonl")
    variants, stats, shape_ops = generate(cases)
    # PyTorch's CPU take_along_dim skips the bounds check on some broadcast paths and
    # reads past the row; such expectations are not PyTorch semantics, so drop them.
    variants = [v for v in variants if v["id"] not in UNCHECKED_READS]
    ids = [v["id"] for v in variants]
    assert len(ids) == len(set(ids)), "duplicate variant ids"
    with open(out_path, "w") as f:
        for v in variants:
            f.write(json.dumps(v) + "\n")
    by_tag = {}
    for v in variants:
        tag = v["id"].rsplit("/", 1)[1]
        by_tag[tag] = by_tag.get(tag, 0) + 1
    n_err = sum(1 for v in variants if v["expect"].get("error"))
    print(f"source cases: {len(cases)}; varied: {stats['cases']}; skipped nn.functional: "
          f"{stats['skipped_nn']}; skipped (no tensor inputs): {stats['skipped_no_tensors']}")
    print(f"variants dropped (error status changed / not applicable): {stats['dropped']}; "
          f"redundant shape variants skipped: {stats['redundant']}")
    print("variants by kind: " + ", ".join(f"{k}={by_tag[k]}" for k in sorted(by_tag)))
    print(f"ops with shape variants: {len(shape_ops)}")
    print(f"{len(variants)} variants written ({n_err} expect an error) -> {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
