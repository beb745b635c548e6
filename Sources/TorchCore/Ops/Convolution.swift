// Sliding-window primitives (im2col, col2im, max pooling) with their gradients.
// Convolution and pooling layers compose these with matmul and reductions.

extension Tensor {
    /// Patches of a [N, C, H, W] tensor as [N, C*kh*kw, L] (`F.unfold`, im2col).
    public func im2col(window w: Window2d) -> Tensor {
        run { () throws(TorchError) -> Tensor in try im2colOp(w) }
    }

    func im2colOp(_ w: Window2d) throws(TorchError) -> Tensor {
        try check(rank == 4, "unfold: expected a 4-D input [N, C, H, W], but got input of size \(shapeString(shape))")
        try check(w.kernel.0 > 0 && w.kernel.1 > 0, "unfold: kernel size should be greater than zero")
        try check(w.stride.0 > 0 && w.stride.1 > 0, "unfold: stride should be greater than zero")
        try check(w.dilation.0 > 0 && w.dilation.1 > 0, "unfold: dilation should be greater than zero")
        let oh = w.outputHeight, ow = w.outputWidth
        try check(oh > 0 && ow > 0, "Given input with spatial size (\(shape[2]), \(shape[3])), kernel_size=(\(w.kernel.0), \(w.kernel.1)), dilation=(\(w.dilation.0), \(w.dilation.1)), padding=(\(w.padding.0), \(w.padding.1)), calculated shape of the array of sliding blocks as (\(oh), \(ow)), but its components must be at least one.")
        let k = shape[1] * w.kernel.0 * w.kernel.1
        let colShape = w.batchInColumns ? [k, shape[0] * oh * ow] : [shape[0], k, oh * ow]
        let cols = Tensor(uninitializedShape: colShape, dtype: dtype, device: device)
        backend(for: device).im2col(self, window: w, into: cols)
        if needsGrad(self) {
            let inShape = shape
            record("Im2ColBackward0", inputs: [self], outputs: [cols]) { _ in
                { grads, node throws(TorchError) in [grads[0]!.col2im(window: w, batch: inShape[0], channels: inShape[1])] }
            }
        }
        return cols
    }

    /// Sums [N, C*kh*kw, L] patches into [N, C, H, W] (`F.fold`, col2im).
    public func col2im(window w: Window2d, batch: Int, channels: Int) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let k = channels * w.kernel.0 * w.kernel.1, l = w.outputHeight * w.outputWidth
            let expected = w.batchInColumns ? [k, batch * l] : [batch, k, l]
            try check(shape == expected, "fold: expected input of size \(shapeString(expected)), but got \(shapeString(shape))")
            let x = Tensor.zeros([batch, channels, w.input.0, w.input.1], dtype: dtype, device: device)
            backend(for: device).col2im(contiguous(), window: w, into: x)
            if needsGrad(self) {
                record("Col2ImBackward0", inputs: [self], outputs: [x]) { _ in
                    { grads, node throws(TorchError) in [grads[0]!.im2col(window: w)] }
                }
            }
            return x
        }
    }

    /// Window maxima of [N, C, H, W] and their flat indices into each h*w plane
    /// (`F.max_pool2d(..., return_indices=True)`). Padding never wins.
    public func maxPool2dWithIndices(window w: Window2d) -> (values: Tensor, indices: Tensor) {
        run { () throws(TorchError) -> (Tensor, Tensor) in
            try check(rank == 4, "max_pool2d: expected a 4-D input, but got \(shapeString(shape))")
            let oh = w.outputHeight, ow = w.outputWidth
            try check(oh > 0 && ow > 0, "max_pool2d: Given input size: (\(shape[1])x\(shape[2])x\(shape[3])). Calculated output size: (\(shape[1])x\(oh)x\(ow)). Output size is too small")
            let out = Tensor(uninitializedShape: [shape[0], shape[1], oh, ow], dtype: dtype, device: device)
            let idx = Tensor(uninitializedShape: [shape[0], shape[1], oh, ow], dtype: .int64, device: device)
            backend(for: device).maxPool2d(self, window: w, into: out, indices: idx)
            if needsGrad(self) {
                let inShape = shape
                record("MaxPool2DWithIndicesBackward0", inputs: [self], outputs: [out]) { _ in
                    { grads, node throws(TorchError) in
                        let g = grads[0]!
                        let n = inShape[0], c = inShape[1], hw = inShape[2] * inShape[3]
                        let flat = Tensor.zeros([n, c, hw], dtype: g.dtype)
                        return [flat.scatterAdd(2, idx.reshape([n, c, -1]), g.reshape([n, c, -1])).reshape(inShape)]
                    }
                }
            }
            return (out, idx)
        }
    }
}
