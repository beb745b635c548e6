#!/usr/bin/env python3
"""Generate unseen-shape / unseen-value variants of the PyTorch golden op cases.

usage:
    gen_op_variants.py [--cases PATH] [--out PATH] [--nn-out PATH]
        Reads the golden cases (default: Tests/TorchCoreTests/Fixtures/ops.jsonl)
        and writes variants in the same case format (default:
        Tests/TorchCoreTests/Fixtures/ops_variants.jsonl), with "expect"
        recomputed by PyTorch on CPU. Variants of the "nn.functional.*" cases
        go to a separate file (default:
        Tests/TorchCoreTests/Fixtures/nn_variants.jsonl); see "nn.functional
        variants" below.
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

nn.functional variants (nn_variants.jsonl; the op name maps to
torch.nn.functional.<name>): each op has a template that names the dimensions
of its inputs (N batch, C channels / classes, H W / L spatial, D features,
kernel, heads, ...). Kinds, each changing the named sizes consistently in every
tensor: v1 (new values), shape_batch (N), shape_spatial (H/W or L),
shape_channels, shape_kernel (conv), shape_features, shape_seq, shape_heads
(attention), shape_classes (losses: C, with class-index targets resampled in
[0, C) and the original's ignore_index / out-of-range entries re-injected, so
error cases stay error cases), shape_grow (several sizes at once) and, for the
elementwise activations, shape_batch / shape_grow / shape_lastdim as above.
Probability / log-probability rows (cross_entropy probs, kl_div) stay
normalised, embedding / one_hot indices stay in range, boolean attention masks
keep a True in every row, normalized_shape follows the input. At most v1 + 3
shape variants per case (v1 + 2 for the elementwise activations, rotating
through the kinds). Variants whose error status differs from the original, or
whose outputs go non-finite where the original's were finite, are dropped.
Random ops (dropout family, rrelu, gumbel_softmax) are skipped.
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



# ------------------------------------------------------- nn.functional variants
#
# nn.functional cases get variants from per-op templates: every input tensor's
# dimensions are named (N batch, C channels, H/W spatial, ...), the names are
# bound from the original shapes, and each variant kind changes some names
# (the same name changes the same way in every tensor, so shapes stay
# consistent). Per-op hooks then repair values that carry meaning (class
# targets in [0, C) with ignore_index / out-of-range entries re-injected,
# probability rows, embedding indices, attention masks) and arguments that
# depend on shapes (layer_norm's normalized_shape).

NN_PREFIX = "nn.functional."
NN_ELEMENTWISE = {"gelu", "silu", "softplus", "elu", "leaky_relu", "mish", "hardtanh",
                  "relu6", "logsigmoid", "selu", "softmax", "normalize"}
NN_RANDOM = {"dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
             "feature_alpha_dropout", "rrelu", "gumbel_softmax"}
NN_MAX_VARIANTS = 4          # v1 + 3 shape variants
NN_MAX_VARIANTS_ELEMWISE = 3  # v1 + 2 shape variants (many cases per op)


def _fix_class_targets(ti, csym):
    """Class-index targets: uniform in [0, C); entries of the original that
    were outside [0, C) (ignore_index, or deliberately bad targets of an error
    case) are re-injected in the same proportion, bad ones kept out of range."""
    def fix(ts, s, s0, case, gen):
        C, C0 = s[csym], s0[csym]
        ign = case["kwargs"].get("ignore_index", -100)
        orig = [int(v) for v in case["tensors"][ti]["data"]]
        new = torch.randint(0, C, tuple(ts[ti].shape), generator=gen, dtype=torch.int64)
        flat = new.reshape(-1)
        n = flat.numel()
        specials = [v for v in orig if not (0 <= v < C0)]
        if specials and n > 0:
            k = min(n, max(1, round(len(specials) * n / max(1, len(orig)))))
            if all(v == ign for v in specials):
                k = min(k, n - 1)  # never ignore every target (mean would be nan)
            pos = torch.randperm(n, generator=gen)[:k].tolist()
            for j, p in enumerate(pos):
                v = specials[j % len(specials)]
                if v != ign and 0 <= v < C:
                    v = C + (v - C0)
                flat[p] = v
        ts[ti] = new.to(ts[ti].dtype)
    return fix


def _fix_index(ti, bound):
    """Integer indices uniform in [0, bound(s))."""
    def fix(ts, s, s0, case, gen):
        ts[ti] = torch.randint(0, bound(s, case), tuple(ts[ti].shape), generator=gen,
                               dtype=torch.int64).to(ts[ti].dtype)
    return fix


def _fix_simplex(ti, dim, log=False):
    """Probability rows along dim (softmax of randn), or log-probabilities."""
    def fix(ts, s, s0, case, gen):
        r = torch.randn(tuple(ts[ti].shape), generator=gen, dtype=torch.float64)
        v = torch.log_softmax(r, dim) if log else torch.softmax(r, dim)
        ts[ti] = v.to(ts[ti].dtype)
    return fix


def _fix_mask_rows(ti):
    """Boolean attention mask [L, S]: every query row keeps at least one key."""
    def fix(ts, s, s0, case, gen):
        m = ts[ti].clone()
        L, S = m.shape[-2], m.shape[-1]
        for i in range(L):
            m[..., i, i % S] = True
        ts[ti] = m
    return fix


def _is_simplex(spec, dim, log=False):
    t = tensor_from_spec(spec).to(torch.float64)
    if t.dim() == 0 or t.numel() == 0:
        return False
    if log:
        if (t > 0).any():
            return False
        t = t.exp()
    elif (t < 0).any():
        return False
    return bool(((t.sum(dim) - 1).abs() < 1e-4).all())


def _fix_norm_shape(s, case, xdims):
    """layer_norm / rms_norm: normalized_shape = the last k dims of the input."""
    args = list(case["args"])
    k = len(args[1])
    args[1] = [s[d] for d in xdims[len(xdims) - k:]]
    return args, case["kwargs"]


def nn_template(case):
    """dims (one name list per tensor), variant kinds [(tag, fn(s) -> changed
    names)], value fixes [fn(ts, s, s0, case, gen)], argument fix
    fn(s, case) -> (args, kwargs). None: no variants for this case."""
    name = case["op"][len(NN_PREFIX):]
    shapes = [list(t["shape"]) for t in case["tensors"]]
    kw = case["kwargs"]
    nt = len(shapes)
    fixes = []
    fix_args = None
    # the usual kinds
    batch = ("shape_batch", lambda s: {"N": s["N"] + 1})
    spatial2 = ("shape_spatial", lambda s: {"H": s["H"] + 2, "W": s["W"] + 1})
    spatial1 = ("shape_spatial", lambda s: {"L": s["L"] + 3})
    channels = ("shape_channels", lambda s: {"C": s["C"] + 1})
    if name in NN_RANDOM:
        return None
    if name in NN_ELEMENTWISE:
        r = len(shapes[0])
        if r == 0:
            return None
        dims = [[f"d{i}" for i in range(r)]]
        kinds = [("shape_batch", lambda s: {"d0": s["d0"] + 2})]
        if r >= 2:
            kinds.append(("shape_grow", lambda s: {k: v + 1 for k, v in s.items() if v > 1}))
        kinds.append(("shape_lastdim", lambda s, r=r: {f"d{r-1}": s[f"d{r-1}"] * 2}))
        return dict(dims=dims, kinds=kinds, fixes=fixes, fix_args=fix_args)
    if name == "pad":
        r = len(shapes[0])
        if r == 4:
            dims = [["N", "C", "H", "W"]]
            kinds = [batch, spatial2, channels]
        elif r == 3:
            dims = [["N", "C", "L"]]
            kinds = [batch, spatial1, channels]
        else:
            return None
    elif name == "one_hot":
        dims = [["N"] + [f"d{i}" for i in range(1, len(shapes[0]))]]
        kinds = [("shape_batch", lambda s: {"N": s["N"] + 3})]
        ncls = kw.get("num_classes", -1)
        if ncls > 0:
            fixes.append(_fix_index(0, lambda s, c: c["kwargs"]["num_classes"]))
    elif name == "linear":
        x = ["N"] + [f"L{i}" for i in range(len(shapes[0]) - 2)] + ["I"]
        dims = [x, ["O", "I"], ["O"]][:nt]
        kinds = [batch, ("shape_features", lambda s: {"I": s["I"] + 2, "O": s["O"] + 1})]
        if len(x) > 2:
            kinds.append(("shape_seq", lambda s: {"L0": s["L0"] + 2}))
    elif name in ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"):
        two = name.endswith("2d")
        transpose = "transpose" in name
        g = kw.get("groups", 1)
        sp = ["H", "W"] if two else ["L"]
        ks = ["kh", "kw"] if two else ["k"]
        if transpose:
            dims = [["N", "Ci"] + sp, ["Ci", "Cog"] + ks, ["Co"]][:nt]
            chan = (lambda s: {"Ci": s["Ci"] + g, "Cog": s["Cog"] + 1, "Co": (s["Cog"] + 1) * g})
        else:
            dims = [["N", "Ci"] + sp, ["Co", "Cig"] + ks, ["Co"]][:nt]
            if g == 1:
                chan = (lambda s: {"Ci": s["Ci"] + 1, "Cig": s["Cig"] + 1, "Co": s["Co"] + 1})
            else:
                chan = (lambda s: {"Co": s["Co"] + g})
        kinds = [batch, spatial2 if two else spatial1, ("shape_channels", chan)]
        if kw.get("padding") != "same" and not transpose:
            if two:
                kinds.append(("shape_kernel", lambda s: {"kh": s["kh"] - 1 if s["kh"] > 2 else s["kh"] + 1}))
            else:
                kinds.append(("shape_kernel", lambda s: {"k": s["k"] - 1 if s["k"] > 2 else s["k"] + 1}))
    elif name in ("max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
                  "interpolate", "unfold"):
        if len(shapes[0]) != 4:
            return None
        dims = [["N", "C", "H", "W"]]
        kinds = [batch, spatial2, channels]
        if name == "unfold":
            kinds[1] = ("shape_spatial", lambda s: {"H": s["H"] + 2, "W": s["W"] + 4})
    elif name in ("max_pool1d", "avg_pool1d", "adaptive_avg_pool1d"):
        dims = [["N", "C", "L"]]
        kinds = [batch, spatial1, channels]
    elif name == "pixel_shuffle":
        r = case["args"][1]
        dims = [["N", "C", "H", "W"]]
        kinds = [batch, spatial2, ("shape_channels", lambda s, r=r: {"C": s["C"] + r * r})]
    elif name in ("batch_norm", "instance_norm"):
        x = ["N", "C", "H", "W"][:len(shapes[0])] if len(shapes[0]) <= 4 else None
        if x is None or len(x) < 2:
            return None
        if len(x) == 3:
            x = ["N", "C", "L"]
        dims = [x] + [["C"]] * (nt - 1)
        kinds = [batch, ("shape_channels", lambda s: {"C": s["C"] + 2})]
        if len(x) == 4:
            kinds.append(spatial2)
        elif len(x) == 3:
            kinds.append(spatial1)
        else:
            kinds[0] = ("shape_batch", lambda s: {"N": s["N"] + 3})
    elif name in ("layer_norm", "rms_norm"):
        r = len(shapes[0])
        x = ["N"] + [f"L{i}" for i in range(r - 2)] + ["D"]
        k = len(case["args"][1])
        dims = [x] + [x[r - k:]] * (nt - 1)
        kinds = [batch, ("shape_features", lambda s: {"D": s["D"] + 3})]
        if r >= 3:
            kinds.append(("shape_grow", lambda s: {"L0": s["L0"] + 1, "D": s["D"] + 1}))
        fix_args = lambda s, c, x=x: _fix_norm_shape(s, c, x)
    elif name == "group_norm":
        G = case["args"][1]
        dims = [["N", "C", "H", "W"][:len(shapes[0])]] + [["C"]] * (nt - 1)
        kinds = [batch, ("shape_channels", lambda s, G=G: {"C": s["C"] + G})]
        if len(shapes[0]) == 4:
            kinds.append(spatial2)
    elif name == "embedding":
        dims = [["N", "L"][:len(shapes[0])], ["V", "D"]]
        kinds = [("shape_batch", lambda s: {"N": s["N"] + 2}),
                 ("shape_features", lambda s: {"V": s["V"] + 3, "D": s["D"] + 2})]
        if len(shapes[0]) == 2:
            kinds.append(("shape_seq", lambda s: {"L": s["L"] + 1}))
        fixes.append(_fix_index(0, lambda s, c: s["V"]))
    elif name in ("cross_entropy", "nll_loss"):
        r = len(shapes[0])
        x = ["N", "C", "H", "W"] if r == 4 else ["N", "C"] if r == 2 else None
        if x is None:
            return None
        t1 = case["tensors"][1]
        if t1["dtype"] in FLOAT_NAMES:
            tdims = list(x)
            if _is_simplex(t1, 1):
                fixes.append(_fix_simplex(1, 1))
        else:
            tdims = [x[0]] + x[2:]
            fixes.append(_fix_class_targets(1, "C"))
        dims = [x, tdims] + [["C"]] * (nt - 2)
        kinds = [("shape_batch", lambda s: {"N": s["N"] + 3}),
                 ("shape_classes", lambda s: {"C": s["C"] + 2}),
                 ("shape_grow", lambda s: {"N": s["N"] + 1, "C": max(2, s["C"] - 2)})]
        if r == 4:
            kinds.append(spatial2)
    elif name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                  "binary_cross_entropy_with_logits", "kl_div", "cosine_similarity"):
        if any(len(s) != 2 for s in shapes[:2]):
            return None
        dims = [["N", "D"], ["N", "D"]] + [["D"]] * (nt - 2)
        kinds = [("shape_batch", lambda s: {"N": s["N"] + 2}),
                 ("shape_features", lambda s: {"D": s["D"] + 3}),
                 ("shape_grow", lambda s: {"N": s["N"] + 1, "D": s["D"] + 1})]
        for i in range(2):
            if case["tensors"][i]["dtype"] in FLOAT_NAMES:
                if _is_simplex(case["tensors"][i], 1):
                    fixes.append(_fix_simplex(i, 1))
                elif _is_simplex(case["tensors"][i], 1, log=True):
                    fixes.append(_fix_simplex(i, 1, log=True))
    elif name == "scaled_dot_product_attention":
        if any(len(s) != 4 for s in shapes[:3]):
            return None
        dims = [["B", "Hh", "L", "E"], ["B", "Hh", "S", "E"], ["B", "Hh", "S", "Ev"]]
        if nt > 3:
            if case["tensors"][3]["dtype"] != "bool" or len(shapes[3]) != 2:
                return None
            dims.append(["L", "S"])
            fixes.append(_fix_mask_rows(3))
        causal = bool(kw.get("is_causal"))
        kinds = [("shape_batch", lambda s: {"B": s["B"] + 1}),
                 ("shape_seq", lambda s, c=causal: {"L": s["L"] + 2,
                                                    "S": s["S"] + (2 if c else 1)}),
                 ("shape_features", lambda s: {"E": s["E"] + 2, "Ev": s["Ev"] + 3}),
                 ("shape_heads", lambda s: {"Hh": s["Hh"] + 1})]
        if causal and shapes[0][2] != shapes[1][2]:
            kinds = [k for k in kinds if k[0] != "shape_seq"]
    else:
        return None
    if len(dims) != nt:
        return None
    return dict(dims=dims, kinds=kinds, fixes=fixes, fix_args=fix_args)


def bind_dims(case, dims):
    s = {}
    for spec, names in zip(case["tensors"], dims):
        if len(spec["shape"]) != len(names):
            raise ValueError(f"{case['id']}: dims {names} for shape {spec['shape']}")
        for n, d in zip(names, spec["shape"]):
            if isinstance(n, int):
                continue
            if n in s and s[n] != d:
                raise ValueError(f"{case['id']}: {n} is both {s[n]} and {d}")
            s[n] = d
    return s


def build_nn_variant(case, tpl, tag, s0, s, attempt):
    vid = f"{case['id']}/{tag}"
    gen = torch.Generator().manual_seed(seed_of(f"{vid}#{attempt}"))
    shapes = [[s[n] if isinstance(n, str) else n for n in names] for names in tpl["dims"]]
    ts = [sample_like(spec, shape, gen) for spec, shape in zip(case["tensors"], shapes)]
    for fix in tpl["fixes"]:
        fix(ts, s, s0, case, gen)
    args, kwargs = case["args"], case["kwargs"]
    if tpl["fix_args"] is not None:
        args, kwargs = tpl["fix_args"](s, case)
    tensors = [spec_from_tensor(t, spec) for t, spec in zip(ts, case["tensors"])]
    v = {"id": vid, "op": case["op"], "args": args, "kwargs": kwargs, "tensors": tensors}
    if "grad_outputs" in case:
        v["grad_seeds"] = None
        v["grad_outputs"] = list(case["grad_outputs"])
    for k in ("atol", "rtol"):
        if k in case:
            v[k] = case[k]
    orig_err = bool(case["expect"].get("error"))
    n_out = None if orig_err else len(case["expect"]["outputs"])
    result = evaluate(v, seed_fn=make_seed_fn(gen), n_outputs=n_out)
    if (result[0] == "error") != orig_err:
        return None
    if result[0] != "error":
        # a variant whose values went non-finite where the original's did not
        # (e.g. a fully masked attention row) tests something else: drop it
        def finite(t):
            return t.dtype.is_floating_point and bool(torch.isfinite(t).all())
        orig_fin = [all(math.isfinite(num(x)) for x in o["data"])
                    for o in case["expect"]["outputs"]]
        for o, of in zip(result[1], orig_fin):
            if of and o.dtype.is_floating_point and not finite(o):
                return None
    if "grad_outputs" in case:
        v["grad_seeds"] = [] if result[0] == "error" else [ser_tensor(x) for x in result[3]]
    v["expect"] = expect_of(result)
    return v


def generate_nn(cases):
    out = []
    stats = {"cases": 0, "skipped": 0, "dropped": 0, "redundant": 0}
    per_op = {}
    for case in cases:
        if case["op"].startswith(NN_PREFIX):
            per_op[case["op"]] = per_op.get(case["op"], 0) + 1
    nth_of_op = {}
    seen_keys = set()
    for case in cases:
        if not case["op"].startswith(NN_PREFIX):
            continue
        tpl = nn_template(case) if case["tensors"] else None
        if tpl is None:
            stats["skipped"] += 1
            continue
        stats["cases"] += 1
        s0 = bind_dims(case, tpl["dims"])
        k_op = nth_of_op.get(case["op"], 0)
        nth_of_op[case["op"]] = k_op + 1
        elementwise = case["op"][len(NN_PREFIX):] in NN_ELEMENTWISE
        cap = NN_MAX_VARIANTS_ELEMWISE if elementwise else NN_MAX_VARIANTS
        kinds = list(tpl["kinds"])
        if per_op[case["op"]] > 1 and kinds:
            r = k_op % len(kinds)
            kinds = kinds[r:] + kinds[:r]
        plan = [("v1", dict(s0))]
        orig_shapes = json.dumps([t["shape"] for t in case["tensors"]])
        seen = set()
        for tag, fn in kinds:
            s = dict(s0)
            s.update(fn(s0))
            if any(v < 1 for v in s.values()):
                continue
            plan.append((tag, s))
        n = 0
        for tag, s in plan:
            if n >= cap:
                break
            shapes = [[s[x] if isinstance(x, str) else x for x in names] for names in tpl["dims"]]
            key = json.dumps(shapes)
            if tag != "v1" and (key == orig_shapes or key in seen):
                continue
            seen.add(key)
            v = None
            for attempt in range(2):
                try:
                    v = build_nn_variant(case, tpl, tag, s0, s, attempt)
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
    return out, stats


UNCHECKED_READS = {"take_along_dim/0/shape_batch"}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default=os.path.join(FIXTURES, "ops.jsonl"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--selfcheck", action="store_true")
    ap.add_argument("--nn-out", default=None,
                    help="where the nn.functional variants go (default: "
                         "Fixtures/nn_variants.jsonl)")
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

    nn_path = a.nn_out or os.path.join(FIXTURES, "nn_variants.jsonl")
    nn_variants, nn_stats = generate_nn(cases)
    ids = [v["id"] for v in nn_variants]
    assert len(ids) == len(set(ids)), "duplicate nn variant ids"
    with open(nn_path, "w") as f:
        for v in nn_variants:
            f.write(json.dumps(v) + "\n")
    by_tag = {}
    for v in nn_variants:
        tag = v["id"].rsplit("/", 1)[1]
        by_tag[tag] = by_tag.get(tag, 0) + 1
    n_err = sum(1 for v in nn_variants if v["expect"].get("error"))
    print(f"nn.functional: varied {nn_stats['cases']} cases; skipped (random / no template): "
          f"{nn_stats['skipped']}; dropped: {nn_stats['dropped']}; redundant: "
          f"{nn_stats['redundant']}")
    print("nn variants by kind: " + ", ".join(f"{k}={by_tag[k]}" for k in sorted(by_tag)))
    print(f"{len(nn_variants)} nn variants written ({n_err} expect an error) -> {nn_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
