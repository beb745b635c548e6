// Batch normalisation with the batch's own statistics (`native_batch_norm` in
// training): a backend's fused kernels where it has them, else composite ops, which
// are also the reference and what a graph-building backward differentiates.

extension Tensor {
    /// Normalises [N, C, *] per channel over every other dim with this batch's mean and
    /// biased variance, then applies `weight` and `bias` [C]. Also returns the
    /// statistics (float [C], detached) for the running averages.
    public func batchNormTraining(weight: Tensor?, bias: Tensor?, eps: Double) -> (output: Tensor, mean: Tensor, variance: Tensor) {
        run { () throws(TorchError) -> (output: Tensor, mean: Tensor, variance: Tensor) in
            try check(rank >= 2, "batch_norm: expected an input with at least 2 dimensions, but got \(rank)")
            let c = shape[1]
            let x = contiguous(), w = weight?.contiguous(), b = bias?.contiguous()
            let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
            let mean = Tensor(uninitializedShape: [c], dtype: dtype, device: device)
            let variance = Tensor(uninitializedShape: [c], dtype: dtype, device: device)
            guard numel > 0,
                  backend(for: device).batchNorm(x, weight: w, bias: b, eps: eps, into: out, mean: mean, variance: variance)
            else { return batchNormComposite(x, w, b, eps) }
            recordAffineNormalization("NativeBatchNormBackward0", x: x, weight: w, bias: b, output: out) { gy, x, w, b, wants in
                batchNormBackward(gy, x, w, b, eps: eps, mean: mean, variance: variance, wants: wants)
            }
            return (out, mean, variance)
        }
    }
}

func batchNormComposite(_ x: Tensor, _ weight: Tensor?, _ bias: Tensor?, _ eps: Double) -> (output: Tensor, mean: Tensor, variance: Tensor) {
    let dims = [0] + Array(2..<x.rank)
    var channelShape = [Int](repeating: 1, count: x.rank)
    channelShape[1] = x.shape[1]
    let mean = x.mean(dims: dims, keepdim: true)
    let variance = x.variance(dims: dims, correction: 0, keepdim: true)
    var out = (x - mean) * (variance + eps).rsqrt()
    if let weight { out = out * weight.reshape(channelShape) }
    if let bias { out = out + bias.reshape(channelShape) }
    return (out, mean.detach().reshape([-1]), variance.detach().reshape([-1]))
}

/// Gradients for x, weight, bias: fused when no graph is being built, else in
/// differentiable ops.
func batchNormBackward(_ gy: Tensor, _ x: Tensor, _ w: Tensor?, _ b: Tensor?, eps: Double, mean: Tensor, variance: Tensor,
                       wants: AffineWants) -> AffineGradients {
    if !GradMode.isEnabled {
        let g = AffineGradients(x: x, weight: w, bias: b, wants: wants)
        if backend(for: x.device).batchNormBackward(gy.contiguous(), x, mean: mean, variance: variance, weight: w, eps: eps,
                                                    gradInput: g.input, gradWeight: g.weight, gradBias: g.bias) {
            return g
        }
    }
    let dims = [0] + Array(2..<x.rank)
    var channelShape = [Int](repeating: 1, count: x.rank)
    channelShape[1] = x.shape[1]
    let mu = x.mean(dims: dims, keepdim: true)
    let r = (x.variance(dims: dims, correction: 0, keepdim: true) + eps).rsqrt()
    let xhat = (x - mu) * r
    let g = w.map { gy * $0.reshape(channelShape) } ?? gy
    return AffineGradients(
        input: wants.input ? r * (g - g.mean(dims: dims, keepdim: true) - xhat * (g * xhat).mean(dims: dims, keepdim: true)) : nil,
        weight: wants.weight ? (gy * xhat).sum(dims: dims) : nil,
        bias: wants.bias ? gy.sum(dims: dims) : nil)
}
