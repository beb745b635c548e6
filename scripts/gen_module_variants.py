#!/usr/bin/env python3
"""Generate extra module / optimizer / LR-scheduler parity fixtures (PyTorch as oracle).

usage:
    gen_module_variants.py [--out DIR]
        Writes DIR/manifest.json and one safetensors file per module or
        optimizer case (default DIR: Tests/TorchCoreTests/Fixtures/module_variants).

The cases complement /work/shared/golden/modules (same key scheme, see its
FORMAT.md) with other shapes, seeds and hyper-parameters. Every constructor is
described by a machine-readable JSON object (see CONSTRUCTORS below and the
"schema" entry of the manifest), and the PyTorch object is built FROM that
description, so description and expectation cannot drift apart.

Module files:
    state/<key>            state_dict before the forward pass (params + buffers)
    input/<i>              inputs (int64 for Embedding)
    output/<i>             outputs
    grad_seed/<i>          backward of sum_i(output_i * grad_seed_i)
    grad/param/<key>       gradients of the parameters that received one
    grad/input/<i>         gradients of the floating inputs
    state_after/<key>      buffers after the forward pass (BatchNorm running stats,
                           num_batches_tracked); only for modules with buffers
Optimizer files:
    param0/<i>             starting parameters
    grad/<s>/<i>           gradient of parameter i set before step s (0-based)
    param/<s>/<i>          parameter i after step s
Schedulers live in the manifest only (lrs_after_each_step, momentum too for OneCycleLR).

Everything is float32 on CPU and deterministic (seeds derived from case names).
"""
import argparse
import json
import os
import sys
import zlib

import torch
import torch.nn as nn
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT_DIR = os.path.join(ROOT, "Tests", "TorchCoreTests", "Fixtures", "module_variants")
ATOL, RTOL = 1e-5, 1e-4
OPT_STEPS = 6
SCHED_STEPS = 15

SCHEMA = {
    "modules": {
        "name": "case name (unique)",
        "file": "safetensors file in this directory",
        "module": "constructor description; 'kind' is one of mlp, cnn, conv_transpose2d, "
                  "group_norm, layer_norm, batch_norm1d, embedding (fields: see 'module_kinds')",
        "torch": "the PyTorch constructor, for humans",
        "mode": "train | eval (eval cases load non-trivial running statistics from state/*)",
        "inputs": "number of input/<i> tensors", "outputs": "number of output/<i> tensors",
        "input_shapes": "shape of each input/<i>", "input_dtypes": "dtype of each input/<i>",
        "atol": "absolute tolerance", "rtol": "relative tolerance",
    },
    "module_kinds": {
        "mlp": "Sequential(Linear(in_features, hidden_features), ReLU(), Linear(hidden_features, "
               "out_features)); state keys 0.weight 0.bias 2.weight 2.bias",
        "cnn": "Sequential(Conv2d(in_channels, conv_channels, 3, padding=1), BatchNorm2d(conv_channels), "
               "ReLU(), MaxPool2d(2), Flatten(), Linear(linear_in_features, classes)) for "
               "[N, in_channels, height, width] inputs; linear_in_features = conv_channels * "
               "(height // 2) * (width // 2)",
        "conv_transpose2d": "ConvTranspose2d(in_channels, out_channels, kernel_size, stride, padding, "
                            "output_padding, groups, bias, dilation); pairs are [h, w]",
        "group_norm": "GroupNorm(num_groups, num_channels, eps, affine)",
        "layer_norm": "LayerNorm(normalized_shape, eps, elementwise_affine)",
        "batch_norm1d": "BatchNorm1d(num_features, eps, momentum (null = cumulative average), affine, "
                        "track_running_stats)",
        "embedding": "Embedding(num_embeddings, embedding_dim, padding_idx) (padding_idx may be "
                     "negative, as PyTorch allows: it counts from the end)",
    },
    "optimizers": {
        "name": "case name", "file": "safetensors file",
        "optimizer": "{'type': SGD|Adam|AdamW|RMSprop|Adagrad, plus every constructor argument "
                     "with PyTorch's names; betas is [beta1, beta2]}",
        "torch": "the PyTorch constructor, for humans",
        "steps": "number of steps", "params": "number of parameters",
        "param_shapes": "shape of each parameter",
        "atol": "absolute tolerance", "rtol": "relative tolerance",
    },
    "schedulers": {
        "name": "case name",
        "optimizer": "the SGD the scheduler drives: {'type': 'SGD', 'lr', 'momentum'}",
        "base_lr": "the optimizer's lr",
        "scheduler": "{'type': StepLR|MultiStepLR|ExponentialLR|CosineAnnealingLR|LinearLR|"
                     "OneCycleLR|SequentialLR|ReduceLROnPlateau, plus every constructor argument "
                     "with PyTorch's names}; SequentialLR: 'schedulers' is a list of such objects "
                     "(built in order on the same optimizer) and 'milestones'",
        "torch": "the PyTorch constructor, for humans",
        "steps": "number of steps; each step: optimizer.step() then scheduler.step() "
                 "(ReduceLROnPlateau: scheduler.step(metrics[s]))",
        "lrs_after_each_step": "param_groups[0]['lr'] after each step",
        "momentums_after_each_step": "OneCycleLR only: param_groups[0]['momentum'] after each step",
        "initial_lr": "lr right after constructing the scheduler (before any step)",
        "initial_momentum": "OneCycleLR only: momentum right after constructing the scheduler",
        "metrics": "ReduceLROnPlateau only: the metric passed at each step",
        "tolerance": "compare lrs with 1e-12 absolute + 1e-9 relative",
    },
}


def seed_of(text):
    return zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF


# ------------------------------------------------------------------ modules

def pair(v):
    return list(v) if isinstance(v, (list, tuple)) else [v, v]


def build_module(d):
    k = d["kind"]
    if k == "mlp":
        return nn.Sequential(nn.Linear(d["in_features"], d["hidden_features"]), nn.ReLU(),
                             nn.Linear(d["hidden_features"], d["out_features"]))
    if k == "cnn":
        return nn.Sequential(nn.Conv2d(d["in_channels"], d["conv_channels"], 3, padding=1),
                             nn.BatchNorm2d(d["conv_channels"]), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(d["linear_in_features"], d["classes"]))
    if k == "conv_transpose2d":
        return nn.ConvTranspose2d(d["in_channels"], d["out_channels"], tuple(d["kernel_size"]),
                                  stride=tuple(d["stride"]), padding=tuple(d["padding"]),
                                  output_padding=tuple(d["output_padding"]), groups=d["groups"],
                                  bias=d["bias"], dilation=tuple(d["dilation"]))
    if k == "group_norm":
        return nn.GroupNorm(d["num_groups"], d["num_channels"], eps=d["eps"], affine=d["affine"])
    if k == "layer_norm":
        return nn.LayerNorm(d["normalized_shape"], eps=d["eps"],
                            elementwise_affine=d["elementwise_affine"])
    if k == "batch_norm1d":
        return nn.BatchNorm1d(d["num_features"], eps=d["eps"], momentum=d["momentum"],
                              affine=d["affine"], track_running_stats=d["track_running_stats"])
    if k == "embedding":
        return nn.Embedding(d["num_embeddings"], d["embedding_dim"], padding_idx=d["padding_idx"])
    raise ValueError(k)


def torch_repr(d):
    k = d["kind"]
    if k == "mlp":
        return (f"Sequential(Linear({d['in_features']},{d['hidden_features']}), ReLU(), "
                f"Linear({d['hidden_features']},{d['out_features']}))")
    if k == "cnn":
        return (f"Sequential(Conv2d({d['in_channels']},{d['conv_channels']},3,padding=1), "
                f"BatchNorm2d({d['conv_channels']}), ReLU(), MaxPool2d(2), Flatten(), "
                f"Linear({d['linear_in_features']},{d['classes']}))")
    if k == "conv_transpose2d":
        return (f"ConvTranspose2d({d['in_channels']},{d['out_channels']},{tuple(d['kernel_size'])},"
                f"stride={tuple(d['stride'])},padding={tuple(d['padding'])},"
                f"output_padding={tuple(d['output_padding'])},groups={d['groups']},"
                f"bias={d['bias']},dilation={tuple(d['dilation'])})")
    if k == "group_norm":
        return f"GroupNorm({d['num_groups']},{d['num_channels']},eps={d['eps']},affine={d['affine']})"
    if k == "layer_norm":
        return (f"LayerNorm({d['normalized_shape']},eps={d['eps']},"
                f"elementwise_affine={d['elementwise_affine']})")
    if k == "batch_norm1d":
        return (f"BatchNorm1d({d['num_features']},eps={d['eps']},momentum={d['momentum']},"
                f"affine={d['affine']},track_running_stats={d['track_running_stats']})")
    if k == "embedding":
        return f"Embedding({d['num_embeddings']},{d['embedding_dim']},padding_idx={d['padding_idx']})"
    raise ValueError(k)


def mlp(a, b, c):
    return {"kind": "mlp", "in_features": a, "hidden_features": b, "out_features": c}


def cnn(h, w, channels=4, classes=10):
    return {"kind": "cnn", "in_channels": 1, "conv_channels": channels, "height": h, "width": w,
            "classes": classes, "linear_in_features": channels * (h // 2) * (w // 2)}


def convt(cin, cout, k, stride, padding, output_padding, groups=1, bias=True, dilation=1):
    return {"kind": "conv_transpose2d", "in_channels": cin, "out_channels": cout,
            "kernel_size": pair(k), "stride": pair(stride), "padding": pair(padding),
            "output_padding": pair(output_padding), "groups": groups, "bias": bias,
            "dilation": pair(dilation)}


def bn1d(c, momentum=0.1):
    return {"kind": "batch_norm1d", "num_features": c, "eps": 1e-5, "momentum": momentum,
            "affine": True, "track_running_stats": True}


# name, description, mode, input shapes, running stats: "default" (PyTorch's
# 0 / 1 / 0 batches) or "random" (non-trivial mean / var / count)
MODULE_CASES = [
    ("mlp_5_7_3", mlp(5, 7, 3), "train", [[6, 5]], None),
    ("mlp_3_32_8", mlp(3, 32, 8), "train", [[1, 3]], None),
    ("mlp_6_4_2_seq", mlp(6, 4, 2), "train", [[2, 3, 6]], None),
    ("cnn_train_10x10", cnn(10, 10), "train", [[3, 1, 10, 10]], "default"),
    ("cnn_eval_10x10", cnn(10, 10), "eval", [[3, 1, 10, 10]], "random"),
    ("cnn_train_9x7", cnn(9, 7, classes=5), "train", [[2, 1, 9, 7]], "random"),
    ("cnn_eval_9x7", cnn(9, 7, classes=5), "eval", [[4, 1, 9, 7]], "random"),
    ("conv_transpose2d_k4s2p1", convt(2, 3, 4, 2, 1, 0), "train", [[2, 2, 4, 5]], None),
    ("conv_transpose2d_k3s3op2", convt(3, 2, 3, 3, 0, 2), "train", [[1, 3, 3, 3]], None),
    ("conv_transpose2d_rect", convt(2, 4, (3, 2), (2, 1), (1, 0), (1, 0)), "train",
     [[2, 2, 3, 4]], None),
    ("conv_transpose2d_nobias_s1p1", convt(4, 2, 3, 1, 1, 0, bias=False), "train",
     [[2, 4, 4, 3]], None),
    ("conv_transpose2d_groups2_dil2", convt(4, 6, 3, 2, 2, 1, groups=2, dilation=2), "train",
     [[1, 4, 3, 3]], None),
    ("group_norm_3_6_4d", {"kind": "group_norm", "num_groups": 3, "num_channels": 6, "eps": 1e-5,
                           "affine": True}, "train", [[2, 6, 3, 4]], None),
    ("group_norm_3_6_3d", {"kind": "group_norm", "num_groups": 3, "num_channels": 6, "eps": 1e-5,
                           "affine": True}, "train", [[3, 6, 5]], None),
    ("layer_norm_4x5", {"kind": "layer_norm", "normalized_shape": [4, 5], "eps": 1e-5,
                        "elementwise_affine": True}, "train", [[3, 4, 5]], None),
    ("layer_norm_4x5_4d", {"kind": "layer_norm", "normalized_shape": [4, 5], "eps": 1e-5,
                           "elementwise_affine": True}, "train", [[2, 3, 4, 5]], None),
    ("batch_norm1d_3d_train", bn1d(4), "train", [[3, 4, 5]], "random"),
    ("batch_norm1d_3d_eval", bn1d(4), "eval", [[3, 4, 5]], "random"),
    ("batch_norm1d_3d_cumulative", bn1d(3, momentum=None), "train", [[2, 3, 6]], "random"),
    ("embedding_pad3", {"kind": "embedding", "num_embeddings": 12, "embedding_dim": 5,
                        "padding_idx": 3}, "train", [[3, 4]], None),
    ("embedding_pad_neg1", {"kind": "embedding", "num_embeddings": 7, "embedding_dim": 3,
                            "padding_idx": -1}, "train", [[2, 5]], None),
]


def randomize_state(module, name, stats):
    """Non-trivial values like the golden cases: norm weights around 1 and biases
    around 0, embedding rows (the padding row included) from randn; with
    stats == "random", BatchNorm running_mean / running_var (positive) /
    num_batches_tracked too. Linear / conv layers keep PyTorch's seeded init."""
    g = torch.Generator().manual_seed(seed_of(name + "#state"))
    norms = (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)
    with torch.no_grad():
        for _, sub in module.named_modules():
            if isinstance(sub, norms):
                if getattr(sub, "weight", None) is not None:
                    sub.weight.copy_(1.0 + 0.3 * torch.randn(sub.weight.shape, generator=g))
                if getattr(sub, "bias", None) is not None:
                    sub.bias.copy_(0.3 * torch.randn(sub.bias.shape, generator=g))
                if isinstance(sub, nn.modules.batchnorm._BatchNorm) and stats == "random":
                    sub.running_mean.copy_(0.5 * torch.randn(sub.running_mean.shape, generator=g))
                    sub.running_var.copy_(0.25 + 1.5 * torch.rand(sub.running_var.shape, generator=g))
                    sub.num_batches_tracked.fill_(int(torch.randint(1, 20, (1,), generator=g)))
            elif isinstance(sub, nn.Embedding):
                sub.weight.copy_(torch.randn(sub.weight.shape, generator=g))


def make_input(name, d, shape, gen):
    if d["kind"] == "embedding":
        n = d["num_embeddings"]
        pidx = d["padding_idx"] % n
        x = torch.randint(0, n, shape, generator=gen, dtype=torch.int64)
        flat = x.view(-1)
        flat[0] = pidx                      # the padding row is looked up ...
        flat[-1] = pidx                     # ... more than once,
        flat[1] = flat[2] = (pidx + 1) % n  # and a normal row repeats (accumulated grads)
        return x
    return torch.randn(shape, generator=gen)


def gen_module_case(name, d, mode, shapes, stats, out_dir):
    torch.manual_seed(seed_of(name))
    m = build_module(d)
    randomize_state(m, name, stats)
    m.train(mode == "train")
    gen = torch.Generator().manual_seed(seed_of(name + "#data"))
    inputs = [make_input(name, d, s, gen) for s in shapes]
    for x in inputs:
        if x.dtype.is_floating_point:
            x.requires_grad_(True)
    tensors = {}
    state = {k: v.detach().clone() for k, v in m.state_dict().items()}
    for k, v in state.items():
        tensors[f"state/{k}"] = v
    for i, x in enumerate(inputs):
        tensors[f"input/{i}"] = x.detach().clone()
    out = m(*inputs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    seeds = [torch.randn(o.shape, generator=gen) for o in outs]
    for i, (o, s) in enumerate(zip(outs, seeds)):
        tensors[f"output/{i}"] = o.detach().clone()
        tensors[f"grad_seed/{i}"] = s
    loss = sum((o * s).sum() for o, s in zip(outs, seeds))
    loss.backward()
    for k, p in m.named_parameters():
        if p.grad is not None:
            tensors[f"grad/param/{k}"] = p.grad.detach().clone()
    for i, x in enumerate(inputs):
        if x.dtype.is_floating_point and x.grad is not None:
            tensors[f"grad/input/{i}"] = x.grad.detach().clone()
    for k, b in m.named_buffers():
        tensors[f"state_after/{k}"] = b.detach().clone()
    fname = f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(out_dir, fname))
    # sanity: eval-mode buffers unchanged, train-mode BatchNorm counted the batch
    for k, b in m.named_buffers():
        if mode == "eval":
            assert torch.equal(b, state[k]), (name, k)
    return {"name": name, "file": fname, "module": d, "torch": torch_repr(d), "mode": mode,
            "inputs": len(inputs), "outputs": len(outs), "input_shapes": shapes,
            "input_dtypes": [str(x.dtype).replace("torch.", "") for x in inputs],
            "atol": ATOL, "rtol": RTOL}


# --------------------------------------------------------------- optimizers

def sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    return {"type": "SGD", "lr": lr, "momentum": momentum, "dampening": dampening,
            "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}


def adam(kind, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False):
    return {"type": kind, "lr": lr, "betas": list(betas), "eps": eps,
            "weight_decay": weight_decay, "amsgrad": amsgrad, "maximize": maximize}


OPT_CASES = [
    ("sgd_maximize", sgd(0.03, maximize=True)),
    ("sgd_momentum_dampening_wd", sgd(0.05, momentum=0.8, dampening=0.3, weight_decay=0.02)),
    ("sgd_nesterov_wd", sgd(0.02, momentum=0.95, nesterov=True, weight_decay=0.05)),
    ("sgd_momentum_maximize", sgd(0.04, momentum=0.7, weight_decay=0.01, maximize=True)),
    ("adam_maximize", adam("Adam", 0.02, betas=(0.85, 0.98), maximize=True)),
    ("adam_amsgrad_wd", adam("Adam", 0.005, betas=(0.7, 0.95), eps=1e-6, weight_decay=0.3,
                             amsgrad=True)),
    ("adamw", adam("AdamW", 0.02, betas=(0.9, 0.97), eps=1e-7, weight_decay=0.2)),
    ("adamw_amsgrad_maximize", adam("AdamW", 0.01, betas=(0.8, 0.9), weight_decay=0.1,
                                    amsgrad=True, maximize=True)),
    ("rmsprop_centered_momentum", {"type": "RMSprop", "lr": 0.005, "alpha": 0.95, "eps": 1e-6,
                                   "weight_decay": 0.01, "momentum": 0.7, "centered": True,
                                   "maximize": False}),
    ("adagrad_lr_decay", {"type": "Adagrad", "lr": 0.05, "lr_decay": 0.05, "weight_decay": 0.01,
                          "initial_accumulator_value": 0.1, "eps": 1e-9, "maximize": False}),
]
PARAM_SHAPES = [[4, 3], [5], [2, 3, 2]]


def build_optimizer(d, params):
    a = {k: v for k, v in d.items() if k != "type"}
    if "betas" in a:
        a["betas"] = tuple(a["betas"])
    return getattr(torch.optim, d["type"])(params, foreach=False, **a)


def opt_repr(d):
    args = ",".join(f"{k}={tuple(v) if isinstance(v, list) else v}" for k, v in d.items()
                    if k != "type")
    return f"{d['type']}({args})"


def gen_opt_case(name, d, out_dir):
    gen = torch.Generator().manual_seed(seed_of("optim#" + name))
    params = [torch.randn(s, generator=gen).requires_grad_(True) for s in PARAM_SHAPES]
    opt = build_optimizer(d, params)
    tensors = {}
    for i, p in enumerate(params):
        tensors[f"param0/{i}"] = p.detach().clone()
    for s in range(OPT_STEPS):
        for i, p in enumerate(params):
            g = torch.randn(p.shape, generator=gen)
            tensors[f"grad/{s}/{i}"] = g.clone()
            p.grad = g
        opt.step()
        for i, p in enumerate(params):
            tensors[f"param/{s}/{i}"] = p.detach().clone()
    fname = f"optim_{name}.safetensors"
    save_file(tensors, os.path.join(out_dir, fname))
    return {"name": name, "file": fname, "optimizer": d, "torch": opt_repr(d),
            "steps": OPT_STEPS, "params": len(params), "param_shapes": PARAM_SHAPES,
            "atol": ATOL, "rtol": RTOL}


# --------------------------------------------------------------- schedulers

def onecycle(max_lr, total_steps, pct_start=0.3, anneal_strategy="cos", cycle_momentum=True,
             base_momentum=0.85, max_momentum=0.95, div_factor=25.0, final_div_factor=1e4,
             three_phase=False):
    return {"type": "OneCycleLR", "max_lr": max_lr, "total_steps": total_steps,
            "pct_start": pct_start, "anneal_strategy": anneal_strategy,
            "cycle_momentum": cycle_momentum, "base_momentum": base_momentum,
            "max_momentum": max_momentum, "div_factor": div_factor,
            "final_div_factor": final_div_factor, "three_phase": three_phase}


def linear_lr(start_factor, end_factor, total_iters):
    return {"type": "LinearLR", "start_factor": start_factor, "end_factor": end_factor,
            "total_iters": total_iters}


def cosine(t_max, eta_min):
    return {"type": "CosineAnnealingLR", "T_max": t_max, "eta_min": eta_min}


def plateau(mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps=1e-8):
    return {"type": "ReduceLROnPlateau", "mode": mode, "factor": factor, "patience": patience,
            "threshold": threshold, "threshold_mode": threshold_mode, "cooldown": cooldown,
            "min_lr": min_lr, "eps": eps}


PLATEAU_METRICS_MAX = [0.50, 0.60, 0.605, 0.61, 0.58, 0.70, 0.70, 0.69, 0.71, 0.72,
                       0.72, 0.722, 0.70, 0.69, 0.80]
PLATEAU_METRICS_MAX2 = [1.0, 1.2, 1.1, 1.15, 1.19, 1.25, 1.3, 1.3, 1.29, 1.28,
                        1.4, 1.35, 1.3, 1.2, 1.1]

SCHED_CASES = [
    ("step_4_0.7", {"type": "StepLR", "step_size": 4, "gamma": 0.7}, 0.0, None),
    ("multistep_unsorted_dup", {"type": "MultiStepLR", "milestones": [7, 3, 8, 12, 12],
                                "gamma": 0.5}, 0.0, None),
    ("exponential_0.85", {"type": "ExponentialLR", "gamma": 0.85}, 0.0, None),
    ("cosine_past_tmax", cosine(6, 0.01), 0.0, None),
    ("cosine_long", cosine(20, 0.0), 0.0, None),
    ("linear_warmup_end", linear_lr(0.5, 0.9, 6), 0.0, None),
    ("linear_decay", linear_lr(1.0, 0.1, 10), 0.0, None),
    ("onecycle_cos", onecycle(0.5, 15, pct_start=0.4, div_factor=10.0, final_div_factor=100.0,
                              base_momentum=0.8, max_momentum=0.95), 0.9, None),
    ("onecycle_linear", onecycle(0.8, 18, anneal_strategy="linear"), 0.9, None),
    ("onecycle_three_phase", onecycle(0.3, 15, pct_start=0.25, three_phase=True), 0.9, None),
    ("onecycle_three_phase_linear", onecycle(1.0, 16, three_phase=True, anneal_strategy="linear",
                                             base_momentum=0.75, max_momentum=0.9), 0.9, None),
    ("sequential_warmup_exp", {"type": "SequentialLR",
                               "schedulers": [linear_lr(0.2, 1.0, 4),
                                              {"type": "ExponentialLR", "gamma": 0.9}],
                               "milestones": [4]}, 0.0, None),
    ("sequential_three", {"type": "SequentialLR",
                          "schedulers": [linear_lr(0.1, 1.0, 3),
                                         {"type": "StepLR", "step_size": 2, "gamma": 0.5},
                                         cosine(5, 0.001)],
                          "milestones": [3, 8]}, 0.0, None),
    ("plateau_max_rel_cooldown", plateau("max", 0.5, 1, 0.01, "rel", 1, 0.002),
     0.0, PLATEAU_METRICS_MAX),
    ("plateau_max_abs", plateau("max", 0.3, 2, 0.05, "abs", 0, 0.0), 0.0, PLATEAU_METRICS_MAX2),
]


def build_scheduler(d, opt):
    a = {k: v for k, v in d.items() if k != "type"}
    if d["type"] == "SequentialLR":
        subs = [build_scheduler(s, opt) for s in d["schedulers"]]
        return torch.optim.lr_scheduler.SequentialLR(opt, subs, milestones=d["milestones"])
    return getattr(torch.optim.lr_scheduler, d["type"])(opt, **a)


def sched_repr(d):
    if d["type"] == "SequentialLR":
        return (f"SequentialLR([{', '.join(sched_repr(s) for s in d['schedulers'])}], "
                f"milestones={d['milestones']})")
    args = ",".join(f"{k}={v!r}" for k, v in d.items() if k != "type")
    return f"{d['type']}({args})"


def gen_sched_case(name, d, momentum, metrics):
    base_lr = 0.1
    p = torch.zeros(2, requires_grad=True)
    opt_d = {"type": "SGD", "lr": base_lr, "momentum": momentum}
    opt = torch.optim.SGD([p], lr=base_lr, momentum=momentum)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched = build_scheduler(d, opt)
        entry = {"name": name, "optimizer": opt_d, "base_lr": base_lr, "scheduler": d,
                 "torch": sched_repr(d), "steps": SCHED_STEPS,
                 "initial_lr": opt.param_groups[0]["lr"]}
        lrs, moms = [], []
        for s in range(SCHED_STEPS):
            p.grad = torch.zeros(2)
            opt.step()
            if metrics is not None:
                sched.step(metrics[s])
            else:
                sched.step()
            lrs.append(float(opt.param_groups[0]["lr"]))
            moms.append(float(opt.param_groups[0]["momentum"]))
    entry["lrs_after_each_step"] = lrs
    if d["type"] == "OneCycleLR":
        entry["initial_momentum"] = None  # filled below
        entry["momentums_after_each_step"] = moms
    if metrics is not None:
        entry["metrics"] = list(metrics)
    if d["type"] == "OneCycleLR":
        # momentum right after construction (a fresh optimizer + scheduler)
        p2 = torch.zeros(2, requires_grad=True)
        opt2 = torch.optim.SGD([p2], lr=base_lr, momentum=momentum)
        build_scheduler(d, opt2)
        entry["initial_momentum"] = float(opt2.param_groups[0]["momentum"])
    entry["tolerance"] = {"atol": 1e-12, "rtol": 1e-9}
    return entry


# --------------------------------------------------------------------- main

def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=OUT_DIR)
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    modules = [gen_module_case(n, d, mode, shapes, stats, a.out)
               for n, d, mode, shapes, stats in MODULE_CASES]
    optimizers = [gen_opt_case(n, d, a.out) for n, d in OPT_CASES]
    schedulers = [gen_sched_case(n, d, mom, met) for n, d, mom, met in SCHED_CASES]
    names = [e["name"] for e in modules + optimizers + schedulers]
    assert len(names) == len(set(names)), "duplicate case names"
    manifest = {"pytorch": torch.__version__, "generator": "scripts/gen_module_variants.py",
                "dtype": "float32", "schema": SCHEMA,
                "modules": modules, "optimizers": optimizers, "schedulers": schedulers}
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    # stale files from earlier runs
    keep = {e["file"] for e in modules + optimizers} | {"manifest.json"}
    for fn in os.listdir(a.out):
        if fn.endswith(".safetensors") and fn not in keep:
            os.remove(os.path.join(a.out, fn))
    total = sum(os.path.getsize(os.path.join(a.out, fn)) for fn in os.listdir(a.out))
    print(f"{len(modules)} module cases, {len(optimizers)} optimizer cases, "
          f"{len(schedulers)} scheduler cases -> {a.out} ({total} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
