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
            recordAffineNormalization("NativeLayerNormBackward0", x: x, weight: w, bias: b, output: out) { gy, x, w, b, wants in
                layerNormBackward(gy, x, w, b, k: k, eps: eps, rows: rows, mean: mean, rstd: rstd, wants: wants)
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

/// Gradients for x, weight, bias: fused when no graph is being built, else in
/// differentiable ops.
func layerNormBackward(_ gy: Tensor, _ x: Tensor, _ w: Tensor?, _ b: Tensor?, k: Int, eps: Double, rows: Int,
                       mean: Tensor, rstd: Tensor, wants: AffineWants) -> AffineGradients {
    if !GradMode.isEnabled {
        let g = AffineGradients(x: x, weight: w, bias: b, wants: wants)
        if backend(for: x.device).layerNormBackward(gy.contiguous(), x, mean: mean, rstd: rstd, weight: w, rows: rows,
                                                    gradInput: g.input, gradWeight: g.weight, gradBias: g.bias) {
            return g
        }
    }
    // the same gradients in differentiable ops
    let dims = Array((x.rank - k)..<x.rank), leading = Array(0..<(x.rank - k))
    let mu = x.mean(dims: dims, keepdim: true)
    let r = (x.variance(dims: dims, correction: 0, keepdim: true) + eps).rsqrt()
    let xhat = (x - mu) * r
    let g = w.map { gy * $0 } ?? gy
    let sumLeading = { (t: Tensor) in leading.isEmpty ? t : t.sum(dims: leading) }
    return AffineGradients(
        input: wants.input ? r * (g - g.mean(dims: dims, keepdim: true) - xhat * (g * xhat).mean(dims: dims, keepdim: true)) : nil,
        weight: wants.weight ? sumLeading(gy * xhat) : nil,
        bias: wants.bias ? sumLeading(gy) : nil)
}
