// What layer norm and batch norm share: inputs [x, weight?, bias?], one output, and
// gradients for whichever of the three are wanted.

/// The gradients a normalisation's backward fills: nil where not wanted.
struct AffineGradients {
    var input: Tensor?
    var weight: Tensor?
    var bias: Tensor?

    /// Uninitialised buffers for the wanted gradients of x, weight, bias.
    init(x: Tensor, weight: Tensor?, bias: Tensor?, wants: AffineWants) {
        input = wants.input ? Tensor(uninitializedShape: x.shape, dtype: x.dtype, device: x.device) : nil
        self.weight = wants.weight ? weight.map { Tensor(uninitializedShape: $0.shape, dtype: $0.dtype, device: x.device) } : nil
        self.bias = wants.bias ? bias.map { Tensor(uninitializedShape: $0.shape, dtype: $0.dtype, device: x.device) } : nil
    }

    init(input: Tensor?, weight: Tensor?, bias: Tensor?) {
        self.input = input
        self.weight = weight
        self.bias = bias
    }
}

/// Which of x, weight, bias need a gradient.
struct AffineWants {
    var input: Bool, weight: Bool, bias: Bool
}

/// Records `name` for `out` = f(x, weight?, bias?); `backward(gy, x, weight, bias, wants)`
/// returns the gradients.
func recordAffineNormalization(_ name: String, x: Tensor, weight: Tensor?, bias: Tensor?, output out: Tensor,
                               _ backward: @escaping (Tensor, Tensor, Tensor?, Tensor?, AffineWants) -> AffineGradients) {
    var inputs = [x]
    if let weight { inputs.append(weight) }
    if let bias { inputs.append(bias) }
    guard needsGrad(inputs) else { return }
    let hasWeight = weight != nil, hasBias = bias != nil
    record(name, inputs: inputs, outputs: [out]) { _ in
        let saved = inputs.map { SavedTensor($0) }
        return { grads, node throws(TorchError) in
            var ts: [Tensor] = []
            for s in saved { ts.append(try s.unpack(node)) }
            let edges = node.nextEdges
            let wants = AffineWants(input: edges[0] != nil, weight: hasWeight && edges[1] != nil,
                                    bias: hasBias && edges[edges.count - 1] != nil)
            let g = backward(grads[0]!, ts[0], hasWeight ? ts[1] : nil, hasBias ? ts[ts.count - 1] : nil, wants)
            var result: [Tensor?] = [g.input]
            if hasWeight { result.append(g.weight) }
            if hasBias { result.append(g.bias) }
            return result
        }
    }
}
