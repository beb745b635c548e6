// Layer normalisation (`native_layer_norm`): a backend's fused kernels where it has
// them, else composite ops; the composite is also the reference, and what a
// graph-building backward differentiates.

extension Tensor {
    /// Normalises over the trailing `normalizedDims` dimensions, then scales by `weight`
    /// and shifts by `bias` (both shaped like those dimensions).
    public func layerNorm(normalizedDims k: Int, weight: Tensor?, bias: Tensor?, eps: Double) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(k >= 1 && k <= rank, "layer_norm: normalized dims \(k) out of range for input of size \(shapeString(shape))")
            let cols = shape.suffix(k).reduce(1, *), rows = cols == 0 ? 0 : numel / cols
            let x = contiguous(), w = weight?.contiguous(), b = bias?.contiguous()
            let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
            let mean = Tensor(uninitializedShape: [rows], dtype: dtype, device: device)
            let rstd = Tensor(uninitializedShape: [rows], dtype: dtype, device: device)
            guard rows > 0, cols > 0,
                  backend(for: device).layerNorm(x, weight: w, bias: b, eps: eps, rows: rows, into: out, mean: mean, rstd: rstd)
            else { return layerNormComposite(x, k, w, b, eps) }
            var inputs = [x]
            if let w { inputs.append(w) }
            if let b { inputs.append(b) }
            if needsGrad(inputs) {
                let hasWeight = w != nil, hasBias = b != nil
                record("NativeLayerNormBackward0", inputs: inputs, outputs: [out]) { _ in
                    let saved = inputs.map { SavedTensor($0) }
                    return { grads, node throws(TorchError) in
                        var ts: [Tensor] = []
                        for s in saved { ts.append(try s.unpack(node)) }
                        let x = ts[0], w = hasWeight ? ts[1] : nil, b = hasBias ? ts[ts.count - 1] : nil
                        let wants = node.nextEdges.map { $0 != nil }
                        return layerNormBackward(grads[0]!, x, w, b, k: k, eps: eps, rows: rows, mean: mean, rstd: rstd, wants: wants)
                    }
                }
            }
            return out
        }
    }
}

func layerNormComposite(_ x: Tensor, _ k: Int, _ weight: Tensor?, _ bias: Tensor?, _ eps: Double) -> Tensor {
    let dims = Array((x.rank - k)..<x.rank)
    let mean = x.mean(dims: dims, keepdim: true)
    let variance = x.variance(dims: dims, correction: 0, keepdim: true)
    var out = (x - mean) * (variance + eps).rsqrt()
    if let weight { out = out * weight }
    if let bias { out = out + bias }
    return out
}

/// Gradients for [x, weight?, bias?]: fused when no graph is being built, else in
/// differentiable ops.
func layerNormBackward(_ gy: Tensor, _ x: Tensor, _ w: Tensor?, _ b: Tensor?, k: Int, eps: Double, rows: Int,
                       mean: Tensor, rstd: Tensor, wants: [Bool]) -> [Tensor?] {
    let wIndex = w == nil ? nil : 1, bIndex = b == nil ? nil : (w == nil ? 1 : 2)
    if !GradMode.isEnabled {
        let gx = wants[0] ? Tensor(uninitializedShape: x.shape, dtype: x.dtype, device: x.device) : nil
        let gw = wIndex.map { wants[$0] } == true ? Tensor(uninitializedShape: w!.shape, dtype: w!.dtype, device: x.device) : nil
        let gb = bIndex.map { wants[$0] } == true ? Tensor(uninitializedShape: b!.shape, dtype: b!.dtype, device: x.device) : nil
        if backend(for: x.device).layerNormBackward(gy.contiguous(), x, mean: mean, rstd: rstd, weight: w, rows: rows,
                                                    gradInput: gx, gradWeight: gw, gradBias: gb) {
            var result: [Tensor?] = [gx]
            if w != nil { result.append(gw) }
            if b != nil { result.append(gb) }
            return result
        }
    }
    // the same gradients in differentiable ops
    let dims = Array((x.rank - k)..<x.rank), leading = Array(0..<(x.rank - k))
    let mu = x.mean(dims: dims, keepdim: true)
    let r = (x.variance(dims: dims, correction: 0, keepdim: true) + eps).rsqrt()
    let xhat = (x - mu) * r
    let g = w.map { gy * $0 } ?? gy
    var result: [Tensor?] = [nil]
    if wants[0] {
        result[0] = r * (g - g.mean(dims: dims, keepdim: true) - xhat * (g * xhat).mean(dims: dims, keepdim: true))
    }
    let sumLeading = { (t: Tensor) in leading.isEmpty ? t : t.sum(dims: leading) }
    if let wIndex { result.append(wants[wIndex] ? sumLeading(gy * xhat) : nil) }
    if let bIndex { result.append(wants[bIndex] ? sumLeading(gy) : nil) }
    return result
}
