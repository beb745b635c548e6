extension Tensor {
    /// softmax along `dim` (`softmax`).
    public func softmax(dim: Int, dtype: DType? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in try softmaxOp(dim: dim, log: false, dtype: dtype) }
    }

    /// log(softmax) along `dim`, computed stably (`log_softmax`).
    public func logSoftmax(dim: Int, dtype: DType? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in try softmaxOp(dim: dim, log: true, dtype: dtype) }
    }

    func softmaxOp(dim: Int, log: Bool, dtype outType: DType?) throws(TorchError) -> Tensor {
        let name = log ? "log_softmax" : "softmax"
        let x = outType.map { t in t == dtype ? self : (try? cast(to: t)) ?? self } ?? self
        try check(x.dtype.isFloatingPoint, "\(name)_lastdim_kernel_impl: not implemented for '\(x.dtype.legacyScalarName)'")
        let d = try normalizeDim(dim, x.rank, op: name)
        if x.rank == 0 || x.numel == 0 {
            return log ? x.zerosLike() : x.onesLike()
        }
        let moved = withNoGrad { x.movedim(d, -1).contiguous() }
        let out = Tensor(uninitializedShape: moved.shape, dtype: x.dtype, device: x.device)
        if !backend(for: x.device).softmax(moved, log: log, into: out) {
            let r = withNoGrad { () -> Tensor in
                let shifted = moved - moved.amax(dims: [-1], keepdim: true)
                return log ? shifted - shifted.exp().sum(dims: [-1], keepdim: true).log()
                           : shifted.exp() / shifted.exp().sum(dims: [-1], keepdim: true)
            }
            backend(for: x.device).copy(r, into: out)
        }
        let result = Tensor(storage: out.storage, shape: out.shape, strides: out.strides, offset: 0, dtype: out.dtype).movedim(-1, d).detach()
        if needsGrad(x) {
            record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", inputs: [x], outputs: [result]) { node in
                let sy = SavedTensor(output: result, of: node)
                return { grads, node throws(TorchError) in
                    let y = try sy.unpack(node), g = grads[0]!
                    return [softmaxBackward(y: y, g: g, dim: d, log: log)]
                }
            }
        }
        return result
    }
}

/// Gradient of (log-)softmax: fused kernel when no graph is being built, else composite ops.
func softmaxBackward(y: Tensor, g: Tensor, dim: Int, log: Bool) -> Tensor {
    if !GradMode.isEnabled {
        let ym = y.movedim(dim, -1).contiguous(), gm = g.movedim(dim, -1).contiguous()
        let out = Tensor(uninitializedShape: ym.shape, dtype: ym.dtype, device: ym.device)
        if backend(for: y.device).softmaxBackward(ym, gm, log: log, into: out) {
            return out.movedim(-1, dim)
        }
    }
    if log { return g - y.exp() * g.sum(dim: dim, keepdim: true) }
    return y * (g - (g * y).sum(dim: dim, keepdim: true))
}
