import TorchCore

/// Scales gradients so their total `normType`-norm is at most `maxNorm`
/// (`torch.nn.utils.clip_grad_norm_`); returns the total norm before clipping.
@discardableResult
public func clipGradNorm_(_ parameters: [Tensor], maxNorm: Double, normType: Double = 2, errorIfNonfinite: Bool = false) -> Tensor {
    withNoGrad {
        let grads = parameters.compactMap(\.grad)
        guard !grads.isEmpty else { return Tensor(scalar: .double(0)) }
        let norms = Tensor.stack(grads.map { $0.vectorNorm(ord: normType).to(.float32) })
        let total = normType == .infinity ? norms.max() : norms.vectorNorm(ord: normType)
        let value = total.item(Double.self)
        torchCheck(!errorIfNonfinite || value.isFinite,
                   "The total norm of order \(normType) for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
        let coef = Swift.min(maxNorm / (value + 1e-6), 1.0)
        for g in grads { _ = g.mul_(.double(coef)) }
        return total
    }
}

/// Clamps every gradient element to [-clipValue, clipValue] (`clip_grad_value_`).
public func clipGradValue_(_ parameters: [Tensor], clipValue: Double) {
    withNoGrad {
        for p in parameters { _ = p.grad?.clamp_(min: .double(-clipValue), max: .double(clipValue)) }
    }
}
