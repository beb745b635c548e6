// One LSTM layer in one direction over a whole sequence (`mkldnn_rnn_layer`): a
// backend's fused kernel where it has one (oneDNN for float32 on the CPU), else the
// step-by-step composite, which is also the reference and what a graph-building
// backward differentiates.

/// The LSTM cell from the summed gate pre-activations [B, 4H] (gate order i, f, g, o)
/// and the cell state [B, H]: returns the new hidden and cell states.
public func lstmCell(gates: Tensor, c: Tensor) -> (h: Tensor, c: Tensor) {
    let g = gates.chunk(4, dim: 1)
    let i = g[0].sigmoid(), f = g[1].sigmoid(), cand = g[2].tanh(), o = g[3].sigmoid()
    let c2 = f * c + i * cand
    return (o * c2.tanh(), c2)
}

/// Sizes of one LSTM layer run.
public struct LSTMLayerGeometry: Sendable, Equatable {
    public var steps, batch, input, hidden: Int
    public var reverse: Bool
}

/// Runs x [T, B, I] through one LSTM layer from states h0, c0 [B, H] with weights
/// w_ih [4H, I], w_hh [4H, H] and optional biases [4H]; `reverse` runs from the last
/// step to the first. Returns the outputs [T, B, H] and the final states.
public func lstmLayer(_ x: Tensor, h0: Tensor, c0: Tensor, weightIH: Tensor, weightHH: Tensor,
                      biasIH: Tensor?, biasHH: Tensor?, reverse: Bool) -> (output: Tensor, h: Tensor, c: Tensor) {
    let x = Autocast.lowerPrecision(x), h0 = Autocast.lowerPrecision(h0), c0 = Autocast.lowerPrecision(c0)
    let weightIH = Autocast.lowerPrecision(weightIH), weightHH = Autocast.lowerPrecision(weightHH)
    let biasIH = Autocast.lowerPrecision(biasIH), biasHH = Autocast.lowerPrecision(biasHH)
    return run { () throws(TorchError) -> (output: Tensor, h: Tensor, c: Tensor) in
        try check(x.rank == 3 && h0.rank == 2 && c0.rank == 2, "lstm layer: expected x [T, B, I] and states [B, H], got \(shapeString(x.shape)), \(shapeString(h0.shape)), \(shapeString(c0.shape))")
        let (t, b, i) = (x.shape[0], x.shape[1], x.shape[2]), h = h0.shape[1]
        try check(weightIH.shape == [4 * h, i] && weightHH.shape == [4 * h, h] && h0.shape == [b, h] && c0.shape == [b, h],
                  "lstm layer: weights \(shapeString(weightIH.shape)), \(shapeString(weightHH.shape)) do not fit input \(shapeString(x.shape)) and hidden size \(h)")
        let g = LSTMLayerGeometry(steps: t, batch: b, input: i, hidden: h, reverse: reverse)
        try check((biasIH == nil) == (biasHH == nil), "lstm layer: give both biases or neither")
        var inputs = [x, h0, c0, weightIH, weightHH]
        if let biasIH, let biasHH { inputs += [biasIH, biasHH] }
        let be = backend(for: x.device)
        let training = needsGrad(inputs)
        let workspaceBytes = training ? be.lstmLayerWorkspaceSize(g, dtype: x.dtype) : 0
        guard t > 0, b > 0, !(training && workspaceBytes == 0) else {
            return lstmLayerComposite(x, h0, c0, weightIH, weightHH, biasIH, biasHH, reverse: reverse)
        }
        let saved = withNoGrad { () -> [Tensor] in
            let bias = biasIH.map { $0 + biasHH! } ?? Tensor.zeros([4 * h], dtype: x.dtype, device: x.device)
            return [x.contiguous(), h0.contiguous(), c0.contiguous(), weightIH.contiguous(), weightHH.contiguous(), bias.contiguous()]
        }
        let y = Tensor(uninitializedShape: [t, b, h], dtype: x.dtype, device: x.device)
        let hn = Tensor(uninitializedShape: [b, h], dtype: x.dtype, device: x.device)
        let cn = Tensor(uninitializedShape: [b, h], dtype: x.dtype, device: x.device)
        let workspace = training ? Tensor(uninitializedShape: [workspaceBytes], dtype: .uint8, device: x.device) : nil
        guard be.lstmLayerForward(g, inputs: saved, outputs: [y, hn, cn], workspace: workspace) else {
            return lstmLayerComposite(x, h0, c0, weightIH, weightHH, biasIH, biasHH, reverse: reverse)
        }
        if training {
            record("MkldnnRnnLayerBackward0", inputs: inputs, outputs: [y, hn, cn]) { node in
                let sIn = inputs.map { SavedTensor($0) }
                let sOut = [y, hn, cn].map { SavedTensor(output: $0, of: node) }
                let ws = workspace!
                return { grads, node throws(TorchError) in
                    var ins: [Tensor] = [], outs: [Tensor] = []
                    for s in sIn { ins.append(try s.unpack(node)) }
                    for s in sOut { outs.append(try s.unpack(node)) }
                    let wants = node.nextEdges.map { $0 != nil }
                    if GradMode.isEnabled {
                        return lstmLayerGraphBackward(ins, grads, wants: wants, reverse: reverse)
                    }
                    let gOut = zip(grads, outs).map { g, o in g?.contiguous() ?? o.zerosLike() }
                    // the contiguous forward operands (checked unchanged by the unpacking above)
                    let gIn = saved.map { Tensor(uninitializedShape: $0.shape, dtype: $0.dtype, device: $0.device) }
                    guard backend(for: ins[0].device).lstmLayerBackward(g, saved: saved + outs, workspace: ws, outputGrads: gOut, inputGrads: gIn) else {
                        return lstmLayerGraphBackward(ins, grads, wants: wants, reverse: reverse)
                    }
                    var result: [Tensor?] = Array(gIn[0..<5])
                    if ins.count == 7 { result += [gIn[5], gIn[5]] }
                    return zip(result, wants).map { r, w in w ? r : nil }
                }
            }
        }
        return (y, hn, cn)
    }
}

/// The layer step by step in differentiable ops.
func lstmLayerComposite(_ x: Tensor, _ h0: Tensor, _ c0: Tensor, _ wih: Tensor, _ whh: Tensor, _ bih: Tensor?, _ bhh: Tensor?,
                        reverse: Bool) -> (output: Tensor, h: Tensor, c: Tensor) {
    let t = x.shape[0], b = x.shape[1]
    var xp = x.reshape([t * b, -1]).matmul(wih.t())
    if let bih, let bhh { xp = xp + (bih + bhh) }
    xp = xp.reshape([t, b, -1])
    let whhT = whh.t()
    var h = h0, c = c0
    var outs = [Tensor?](repeating: nil, count: t)
    for s in 0..<t {
        let step = reverse ? t - 1 - s : s
        (h, c) = lstmCell(gates: xp.select(0, step) + h.matmul(whhT), c: c)
        outs[step] = h
    }
    return (Tensor.stack(outs.map { $0! }, dim: 0), h, c)
}

/// Gradients with a graph (for higher-order derivatives): the composite forward is
/// rebuilt from the inputs and differentiated.
func lstmLayerGraphBackward(_ ins: [Tensor], _ grads: [Tensor?], wants: [Bool], reverse: Bool) -> [Tensor?] {
    let r = lstmLayerComposite(ins[0], ins[1], ins[2], ins[3], ins[4], ins.count == 7 ? ins[5] : nil, ins.count == 7 ? ins[6] : nil,
                               reverse: reverse)
    let outs = [r.output, r.h, r.c]
    var outputs: [Tensor] = [], seeds: [Tensor] = []
    for (o, g) in zip(outs, grads) where g != nil {
        outputs.append(o)
        seeds.append(g!)
    }
    let targets = zip(ins, wants).filter { $0.1 }.map { $0.0 }
    guard !outputs.isEmpty, !targets.isEmpty else { return wants.map { _ in nil } }
    var computed = grad(outputs: outputs, inputs: targets, gradOutputs: seeds, createGraph: true, allowUnused: true).makeIterator()
    return zip(ins, wants).map { input, want in want ? (computed.next() ?? nil) ?? input.zerosLike() : nil }
}
