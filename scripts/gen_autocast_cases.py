#!/usr/bin/env python3
"""Golden cases for CPU autocast (torch.autocast("cpu", dtype=...)), computed with
PyTorch and written to Tests/TorchCoreTests/Fixtures/autocast/<case>.safetensors.

Every tensor keeps the dtype PyTorch gave it (the tests check dtypes exactly):
  input/<name>    the inputs (float32 unless the case says otherwise)
  output/<name>   what the ops returned under autocast
  grad/<name>     gradients of the float32 inputs, from a backward run after the
                  autocast region (the usual training-loop pattern)

Usage: python3 scripts/gen_autocast_cases.py
"""
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TorchCoreTests", "Fixtures", "autocast")


def leaf(*shape, dtype=torch.float32, scale=1.0):
    return (torch.randn(*shape, dtype=torch.float64) * scale).to(dtype).requires_grad_()


def save(name, inputs, outputs, loss=None, dtype=torch.bfloat16):
    tensors = {f"input/{k}": v.detach().clone() for k, v in inputs.items()}
    tensors.update({f"output/{k}": v.detach().clone() for k, v in outputs.items()})
    if loss is not None:
        loss.backward()
        for k, v in inputs.items():
            if v.grad is not None:
                tensors[f"grad/{k}"] = v.grad.detach().clone()
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(OUT, f"{name}.safetensors"))


def mlp(dtype):
    # linear -> relu -> linear -> cross_entropy: lower precision, then float32 for the loss
    x, w1, b1, w2, b2 = leaf(5, 8), leaf(16, 8, scale=0.3), leaf(16), leaf(3, 16, scale=0.3), leaf(3)
    target = torch.tensor([0, 2, 1, 2, 0])
    with torch.autocast("cpu", dtype=dtype):
        h = F.relu(F.linear(x, w1, b1))
        y = F.linear(h, w2, b2)
        loss = F.cross_entropy(y, target)
    save(f"mlp_{str(dtype).split('.')[-1]}", dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2, target=target),
         dict(h=h, y=y, loss=loss), loss)


def conv():
    # conv2d in bfloat16, mse_loss against a float32 target in float32
    x, w, b = leaf(2, 3, 7, 7), leaf(4, 3, 3, 3, scale=0.3), leaf(4)
    target = torch.randn(2, 4, 7, 7)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = F.conv2d(x, w, b, padding=1)
        loss = F.mse_loss(y, target)
    save("conv", dict(x=x, w=w, b=b, target=target), dict(y=y, loss=loss), loss)


def products():
    # forward only: which ops run in bfloat16 and which keep their dtype
    a, b = torch.randn(3, 4), torch.randn(4, 5)
    c, d = torch.randn(2, 3, 4), torch.randn(2, 4, 5)
    bias = torch.randn(3, 5)
    u, v = torch.randn(6), torch.randn(6)
    a64, b64 = torch.randn(3, 4, dtype=torch.float64), torch.randn(4, 5, dtype=torch.float64)
    q, k, val = torch.randn(2, 3, 4, 8), torch.randn(2, 3, 6, 8), torch.randn(2, 3, 6, 8)
    px, pw = torch.randn(2, 3, 4), torch.rand(3)
    p = torch.rand(2, 5) + 0.5
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = dict(
            mm=torch.mm(a, b), matmul=torch.matmul(c, d), bmm=torch.bmm(c, d), addmm=torch.addmm(bias, a, b),
            dot=torch.dot(u, v), mm64=torch.mm(a64, b64), add=a + 1,
            sdpa=F.scaled_dot_product_attention(q, k, val), prelu=F.prelu(px, pw),
            prod=p.to(torch.bfloat16).prod(dim=1), pad=F.pad(px.to(torch.bfloat16), (1, 2), mode="reflect"))
        with torch.autocast("cpu", enabled=False):
            out["mm_disabled"] = torch.mm(a, b)
    save("products", dict(a=a, b=b, c=c, d=d, bias=bias, u=u, v=v, a64=a64, b64=b64, q=q, k=k, val=val,
                          px=px, pw=pw, p=p), out)


def norms():
    # batch norm (training, then evaluation) and layer norm on bfloat16 activations with
    # float32 parameters: float32 math, bfloat16 results, float32 running statistics
    x, w = leaf(2, 3, 5, 5), leaf(4, 3, 3, 3, scale=0.3)
    bn_w, bn_b, ln_w, ln_b = leaf(4), leaf(4), leaf(5), leaf(5)
    running_mean, running_var = torch.zeros(4), torch.ones(4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = F.conv2d(x, w, padding=1)
        z = F.batch_norm(y, running_mean, running_var, bn_w, bn_b, training=True)
        e = F.batch_norm(y, running_mean, running_var, bn_w, bn_b, training=False)
        n = F.layer_norm(z, (5,), ln_w, ln_b)
        loss = (n.float() * n.float()).mean() + e.float().mean()
    save("norms", dict(x=x, w=w, bn_w=bn_w, bn_b=bn_b, ln_w=ln_w, ln_b=ln_b),
         dict(z=z, e=e, n=n, loss=loss, running_mean=running_mean, running_var=running_var), loss)


def lstm():
    torch.manual_seed(5)
    x = leaf(6, 2, 4)
    h0, c0 = torch.randn(1, 2, 5), torch.randn(1, 2, 5)
    w_ih, w_hh, b_ih, b_hh = leaf(20, 4, scale=0.4), leaf(20, 5, scale=0.4), leaf(20, scale=0.3), leaf(20, scale=0.3)
    module = torch.nn.LSTM(4, 5)
    with torch.no_grad():
        module.weight_ih_l0.copy_(w_ih), module.weight_hh_l0.copy_(w_hh)
        module.bias_ih_l0.copy_(b_ih), module.bias_hh_l0.copy_(b_hh)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y, (h, c) = module(x, (h0, c0))
    save("lstm", dict(x=x, h0=h0, c0=c0, w_ih=w_ih, w_hh=w_hh, b_ih=b_ih, b_hh=b_hh), dict(y=y, h=h, c=c))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    mlp(torch.bfloat16)
    mlp(torch.float16)
    conv()
    products()
    norms()
    lstm()
    print("wrote", sorted(os.listdir(OUT)))
