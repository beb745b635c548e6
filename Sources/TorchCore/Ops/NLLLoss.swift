// Negative log likelihood (`nll_loss`): a backend's fused kernels where it has them,
// else composite ops; the composite is also the reference, and a graph-building
// backward differentiates composite ops.

extension Tensor {
    /// `nll_loss` of log-probabilities [N, C, d1, ...] and int64 class indices
    /// [N, d1, ...], each in [0, C) or `ignoreIndex` (the caller has checked them).
    /// The mean divides by the total weight of the targets that are not ignored.
    public func nllLoss(target: Tensor, weight: Tensor?, ignoreIndex: Int, reduction: Reduction) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(rank >= 2 && target.dtype == .int64 && target.shape == [shape[0]] + shape.dropFirst(2),
                      "nll_loss: expected input [N, C, d...] and int64 target [N, d...], got \(shapeString(shape)) and \(target.dtype) \(shapeString(target.shape))")
            let classes = shape[1], inner = shape.dropFirst(2).reduce(1, *)
            let x = contiguous(), t = target.contiguous(), w = weight?.to(dtype).contiguous()
            let out = Tensor(uninitializedShape: reduction == .none ? target.shape : [], dtype: dtype, device: device)
            let totalWeight = Tensor(uninitializedShape: [], dtype: dtype, device: device)
            guard backend(for: device).nllLoss(x, target: t, weight: w, ignoreIndex: ignoreIndex, classes: classes, inner: inner,
                                               reduction: reduction, into: out, totalWeight: totalWeight)
            else { return nllLossComposite(x, t, w, ignoreIndex: ignoreIndex, reduction: reduction) }
            if needsGrad(self) {
                let inputShape = shape
                record(rank == 4 ? "NllLoss2DBackward0" : "NllLossBackward0", input: self, output: out) { _ in
                    { grads, _ throws(TorchError) in
                        [nllLossBackward(grads[0]!, inputShape: inputShape, t, w, ignoreIndex: ignoreIndex,
                                         reduction: reduction, totalWeight: totalWeight)]
                    }
                }
            }
            return out
        }
    }
}

/// The loss in composite ops (the reference, and the path of dtypes and devices
/// without a fused kernel).
func nllLossComposite(_ x: Tensor, _ t: Tensor, _ weight: Tensor?, ignoreIndex: Int, reduction: Reduction) -> Tensor {
    let keep = t != ignoreIndex
    let safeTarget = Tensor.where(keep, t, 0)
    let picked = x.gather(1, safeTarget.unsqueeze(1)).squeeze(1)
    let w = nllTargetWeights(safeTarget, keep, weight, dtype: x.dtype)
    let loss = -picked * w
    switch reduction {
    case .none: return loss
    case .sum: return loss.sum()
    case .mean:
        // a zero total weight (every target ignored) gives NaN, with zero gradients
        let total = w.sum().detach(), empty = total == 0
        return loss.sum() / Tensor.where(empty, 1, total) + Tensor.where(empty, Tensor.full([], .double(.nan), dtype: x.dtype), Tensor.zeros([], dtype: x.dtype))
    }
}

/// The weight of each target's class, zero where the target is ignored.
private func nllTargetWeights(_ safeTarget: Tensor, _ keep: Tensor, _ weight: Tensor?, dtype: DType) -> Tensor {
    guard let weight else { return keep.to(dtype) }
    return weight.to(dtype).indexSelect(0, safeTarget.reshape([-1])).reshape(safeTarget.shape) * keep.to(dtype)
}

/// The gradient of the input: -weight[target] * grad (over the total weight for the
/// mean) at each target's class, zero elsewhere. Fused when no graph is being built.
func nllLossBackward(_ g: Tensor, inputShape: [Int], _ t: Tensor, _ weight: Tensor?, ignoreIndex: Int,
                     reduction: Reduction, totalWeight: Tensor) -> Tensor {
    if !GradMode.isEnabled {
        let gx = Tensor.zeros(inputShape, dtype: g.dtype, device: g.device)
        if backend(for: g.device).nllLossBackward(g.contiguous(), target: t, weight: weight, ignoreIndex: ignoreIndex,
                                                  classes: inputShape[1], inner: gx.numel / Swift.max(inputShape[0] * inputShape[1], 1),
                                                  reduction: reduction, totalWeight: totalWeight, into: gx) {
            return gx
        }
    }
    // the same gradient in differentiable ops (linear in g)
    let keep = t != ignoreIndex
    let safeTarget = Tensor.where(keep, t, 0)
    var coefficient = -nllTargetWeights(safeTarget, keep, weight, dtype: g.dtype)
    if reduction == .mean {
        let total = totalWeight.detach()
        coefficient = coefficient / Tensor.where(total == 0, 1, total)
    }
    let perTarget = (reduction == .none ? g : g.expand(t.shape)) * coefficient
    return Tensor.zeros(inputShape, dtype: g.dtype, device: g.device).scatter(1, safeTarget.unsqueeze(1), perTarget.unsqueeze(1))
}
