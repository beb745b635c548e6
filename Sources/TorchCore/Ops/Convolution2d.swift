// 2-d convolution (`torch.convolution`, not transposed): a backend's fused kernels
// where it has them (oneDNN for float32 on the CPU), otherwise im2col and one GEMM
// for the whole batch. The composite path is also the reference the fused one is
// tested against, and what higher-order gradients differentiate through.

extension Tensor {
    /// Convolves [N, C, H, W] with `weight` [O, C/groups, kh, kw] over `window`
    /// (which carries stride, dilation, padding and the input's spatial size).
    public func convolution2d(weight: Tensor, bias: Tensor?, window w: Window2d, groups: Int) -> Tensor {
        let x = Autocast.lowerPrecision(self), weight = Autocast.lowerPrecision(weight), bias = Autocast.lowerPrecision(bias)
        return run { () throws(TorchError) -> Tensor in try x.convolution2dOp(weight: weight, bias: bias, window: w, groups: groups) }
    }

    func convolution2dOp(weight: Tensor, bias: Tensor?, window w: Window2d, groups: Int) throws(TorchError) -> Tensor {
        try check(rank == 4 && weight.rank == 4, "convolution: expected 4-D input and weight, but got input of size \(shapeString(shape)) and weight of size \(shapeString(weight.shape))")
        try check(groups > 0 && shape[1] == weight.shape[1] * groups && weight.shape[0] % groups == 0,
                  "convolution: Given groups=\(groups), weight of size \(shapeString(weight.shape)), expected input\(shapeString(shape)) to have \(weight.shape[1] * groups) channels, but got \(shape[1]) channels instead")
        try check(w.input == (shape[2], shape[3]) && w.kernel == (weight.shape[2], weight.shape[3]),
                  "convolution: window does not match input \(shapeString(shape)) and weight \(shapeString(weight.shape))")
        let oh = w.outputHeight, ow = w.outputWidth, o = weight.shape[0]
        try check(oh > 0 && ow > 0, "convolution: calculated output size (\(oh) x \(ow)) is too small for input \(shapeString(shape))")
        let x = contiguous(), wt = weight.contiguous(), b = bias?.contiguous()
        let out = Tensor(uninitializedShape: [shape[0], o, oh, ow], dtype: dtype, device: device)
        let fused = withNoGrad { backend(for: device).convolution2d(x, weight: wt, bias: b, window: w, groups: groups, into: out) }
        guard fused else { return convolution2dComposite(x, wt, b, w, groups) }
        let inputs = b.map { [x, wt, $0] } ?? [x, wt]
        if needsGrad(inputs) {
            record("ConvolutionBackward0", inputs: inputs, outputs: [out]) { _ in
                let sx = SavedTensor(x), sw = SavedTensor(wt)
                return { grads, node throws(TorchError) in
                    let x = try sx.unpack(node), wt = try sw.unpack(node)
                    let wants = node.nextEdges.map { $0 != nil }
                    return convolution2dBackward(grads[0]!, x, wt, hasBias: inputs.count == 3, w, groups, wants: wants)
                }
            }
        }
        return out
    }
}

/// The forward through im2col and a (grouped) GEMM: [O, C*kh*kw] x [C*kh*kw, N*L].
func convolution2dComposite(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, _ w: Window2d, _ groups: Int) -> Tensor {
    var window = w
    window.batchInColumns = true
    let n = x.shape[0], c = x.shape[1], o = weight.shape[0], oh = w.outputHeight, ow = w.outputWidth
    let cols = x.im2col(window: window)
    var out: Tensor
    if groups == 1 {
        out = weight.reshape([o, -1]).matmul(cols)
    } else {
        let k = c / groups * w.kernel.0 * w.kernel.1
        out = weight.reshape([groups, o / groups, k]).matmul(cols.reshape([groups, k, n * oh * ow])).reshape([o, -1])
    }
    out = out.reshape([o, n, oh, ow]).permute([1, 0, 2, 3])
    if let bias { return out + bias.reshape([1, o, 1, 1]) }
    return out.contiguous()
}

/// Gradients of the convolution for the inputs that want them: fused kernels when no
/// graph is being built, composite (differentiable) ops otherwise.
func convolution2dBackward(_ gy: Tensor, _ x: Tensor, _ weight: Tensor, hasBias: Bool, _ w: Window2d, _ groups: Int,
                           wants: [Bool]) -> [Tensor?] {
    var result: [Tensor?] = [nil, nil]
    if hasBias { result.append(nil) }
    if !GradMode.isEnabled {
        let g = gy.contiguous(), be = backend(for: gy.device)
        var fusedOK = true
        if wants[0] {
            let gx = Tensor(uninitializedShape: x.shape, dtype: x.dtype, device: x.device)
            fusedOK = be.convolution2dBackwardInput(g, weight: weight, window: w, groups: groups, into: gx)
            result[0] = gx
        }
        if fusedOK && (wants[1] || (hasBias && wants[2])) {
            let gw = Tensor(uninitializedShape: weight.shape, dtype: weight.dtype, device: weight.device)
            let gb = hasBias ? Tensor(uninitializedShape: [weight.shape[0]], dtype: weight.dtype, device: weight.device) : nil
            fusedOK = be.convolution2dBackwardWeight(g, input: x, window: w, groups: groups, into: gw, bias: gb)
            result[1] = wants[1] ? gw : nil
            if hasBias { result[2] = wants[2] ? gb : nil }
        }
        if fusedOK { return result }
    }
    let n = x.shape[0], c = x.shape[1], o = weight.shape[0], l = w.outputHeight * w.outputWidth
    let kk = w.kernel.0 * w.kernel.1, cg = c / groups, og = o / groups
    var window = w
    window.batchInColumns = true
    // gy as [groups, O/groups, N*L], matching the columns [groups, C/groups*kk, N*L]
    let gyMat = gy.permute([1, 0, 2, 3]).reshape([groups, og, n * l])
    if wants[0] {
        let wg = weight.reshape([groups, og, cg * kk]).transpose(1, 2)
        result[0] = wg.matmul(gyMat).reshape([c * kk, n * l]).col2im(window: window, batch: n, channels: c)
    }
    if wants[1] {
        let cols = x.im2col(window: window).reshape([groups, cg * kk, n * l])
        result[1] = gyMat.matmul(cols.transpose(1, 2)).reshape(weight.shape)
    }
    if hasBias && wants[2] { result[2] = gy.sum(dims: [0, 2, 3]) }
    return result
}
