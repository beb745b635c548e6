#!/usr/bin/env python3
"""Golden cases for the recurrent layers (RNN/LSTM/GRU, cells, packed sequences),
computed with PyTorch and written to Tests/TorchCoreTests/Fixtures/recurrent/.

Each case file holds:
  state/<key>          the module's state dict
  input/<i>            the inputs, in the order named by the manifest's "inputs"
                       ("x", "h0", "c0"); for packed cases x is the padded batch
  output/<i>           the outputs named by "outputs" ("output" is the packed data
                       for packed cases, "h", "c")
  padded/0             packed cases: pad_packed_sequence(output, batch_first=...)
  grad_seed/<i>        backward of sum(output_i * grad_seed_i)
  grad/param/<key>, grad/input/<i>

Usage: python3 scripts/gen_recurrent_cases.py
"""
import json
import os

import torch
from safetensors.torch import save_file
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TorchCoreTests", "Fixtures", "recurrent")

CASES = [
    # name, module type, kwargs, input shape, states given, packed (lengths, enforce_sorted) or None
    dict(name="lstm_proj", type="LSTM",
         kwargs=dict(input_size=4, hidden_size=6, num_layers=2, proj_size=3),
         x=[5, 2, 4], states=True),
    dict(name="lstm_proj_bidir_batch_first", type="LSTM",
         kwargs=dict(input_size=3, hidden_size=5, num_layers=2, proj_size=2, bidirectional=True, batch_first=True),
         x=[2, 4, 3], states=False),
    dict(name="gru_packed_bidir", type="GRU",
         kwargs=dict(input_size=3, hidden_size=5, num_layers=2, bidirectional=True, batch_first=True),
         x=[3, 6, 3], states=True, packed=dict(lengths=[4, 6, 2], enforce_sorted=False)),
    dict(name="lstm_packed_sorted", type="LSTM",
         kwargs=dict(input_size=3, hidden_size=4, bidirectional=True),
         x=[5, 4, 3], states=False, packed=dict(lengths=[5, 3, 3, 1], enforce_sorted=True)),
    dict(name="lstm_packed_proj_unsorted", type="LSTM",
         kwargs=dict(input_size=2, hidden_size=4, num_layers=2, proj_size=3),
         x=[4, 3, 2], states=True, packed=dict(lengths=[2, 4, 1], enforce_sorted=False)),
    dict(name="rnn_relu_unbatched_bidir", type="RNN",
         kwargs=dict(input_size=3, hidden_size=4, num_layers=2, nonlinearity="relu", bidirectional=True),
         x=[5, 3], states=True),
    dict(name="rnn_packed_tanh", type="RNN",
         kwargs=dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True),
         x=[4, 3, 3], states=True, packed=dict(lengths=[3, 4, 2], enforce_sorted=False)),
    dict(name="gru_nobias_3layers", type="GRU",
         kwargs=dict(input_size=4, hidden_size=3, num_layers=3, bias=False, batch_first=True),
         x=[2, 5, 4], states=True),
    dict(name="lstm_unbatched", type="LSTM",
         kwargs=dict(input_size=3, hidden_size=4, bidirectional=True),
         x=[6, 3], states=True),
    dict(name="rnn_cell", type="RNNCell", kwargs=dict(input_size=3, hidden_size=4), x=[2, 3], states=True),
    dict(name="rnn_cell_relu", type="RNNCell", kwargs=dict(input_size=3, hidden_size=4, nonlinearity="relu"),
         x=[3], states=False),
    dict(name="lstm_cell", type="LSTMCell", kwargs=dict(input_size=3, hidden_size=4), x=[2, 3], states=True),
    dict(name="gru_cell", type="GRUCell", kwargs=dict(input_size=3, hidden_size=4), x=[2, 3], states=True),
    dict(name="gru_cell_nobias_unbatched", type="GRUCell", kwargs=dict(input_size=3, hidden_size=4, bias=False),
         x=[3], states=True),
]


def state_shapes(case, module):
    """Shapes of h0 (and c0) for the case's module and input."""
    kw = case["kwargs"]
    hidden = kw["hidden_size"]
    if case["type"].endswith("Cell"):
        batch = [] if len(case["x"]) == 1 else [case["x"][0]]
        shapes = [batch + [hidden]]
        return shapes + [batch + [hidden]] if case["type"] == "LSTMCell" else shapes
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    proj = kw.get("proj_size", 0)
    unbatched = len(case["x"]) == 2
    batch_dim = 0 if kw.get("batch_first") else 1
    batch = [] if unbatched else [case["x"][batch_dim]]
    shapes = [[layers] + batch + [proj or hidden]]
    if case["type"] == "LSTM":
        shapes.append([layers] + batch + [hidden])
    return shapes


def run_case(case, seed):
    torch.manual_seed(seed)
    cls = getattr(torch.nn, case["type"])
    module = cls(**case["kwargs"])
    module.train()
    x = torch.randn(case["x"])
    inputs = {"x": x}
    names = ["x"]
    if case["states"]:
        shapes = state_shapes(case, module)
        inputs["h0"] = torch.randn(shapes[0])
        names.append("h0")
        if len(shapes) > 1:
            inputs["c0"] = torch.randn(shapes[1])
            names.append("c0")
    for t in inputs.values():
        t.requires_grad_(True)
    state = None
    if "c0" in inputs:
        state = (inputs["h0"], inputs["c0"])
    elif "h0" in inputs:
        state = inputs["h0"]

    packed = case.get("packed")
    extra = {}
    if packed:
        batch_first = case["kwargs"].get("batch_first", False)
        p = pack_padded_sequence(x, packed["lengths"], batch_first=batch_first, enforce_sorted=packed["enforce_sorted"])
        out, hidden = module(p, state)
        padded, lengths = pad_packed_sequence(out, batch_first=batch_first)
        extra["padded/0"] = padded.detach()
        outputs = [out.data]
        extra["batch_sizes/0"] = out.batch_sizes.to(torch.int64)
    elif case["type"].endswith("Cell"):
        res = module(x, state)
        out, hidden = (None, res)
        outputs = []
    else:
        out, hidden = module(x, state)
        outputs = [out]
    if case["type"] == "LSTMCell":
        outputs = list(hidden)
        out_names = ["h", "c"]
    elif case["type"].endswith("Cell"):
        outputs = [hidden]
        out_names = ["h"]
    elif case["type"] == "LSTM":
        outputs += list(hidden)
        out_names = ["output", "h", "c"]
    else:
        outputs.append(hidden)
        out_names = ["output", "h"]

    seeds = [torch.randn(o.shape) for o in outputs]
    total = sum((o * s).sum() for o, s in zip(outputs, seeds))
    total.backward()

    data = {}
    for k, v in module.state_dict().items():
        data[f"state/{k}"] = v.detach().clone()
    for i, n in enumerate(names):
        data[f"input/{i}"] = inputs[n].detach().clone()
        data[f"grad/input/{i}"] = inputs[n].grad.detach().clone()
    for i, (o, s) in enumerate(zip(outputs, seeds)):
        data[f"output/{i}"] = o.detach().clone()
        data[f"grad_seed/{i}"] = s
    for k, p in module.named_parameters():
        data[f"grad/param/{k}"] = p.grad.detach().clone()
    data.update(extra)
    data = {k: v.contiguous() for k, v in data.items()}
    entry = dict(name=case["name"], file=f"{case['name']}.safetensors", type=case["type"],
                 kwargs=case["kwargs"], inputs=names, outputs=out_names, mode="train",
                 params=[k for k, _ in module.named_parameters()])
    if packed:
        entry["lengths"] = packed["lengths"]
        entry["enforce_sorted"] = packed["enforce_sorted"]
    return entry, data


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {"torch_version": torch.__version__, "cases": []}
    for i, case in enumerate(CASES):
        entry, data = run_case(case, 1000 + i)
        save_file(data, os.path.join(OUT, entry["file"]))
        manifest["cases"].append(entry)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
