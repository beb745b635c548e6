import CTorchKernels

extension CPUBackend {
    func convolution2d(_ x: Tensor, weight: Tensor, bias: Tensor?, window: Window2d, groups: Int, into out: Tensor) -> Bool {
        guard x.numel > 0, weight.numel > 0 else { return false }
        var g = geometry(x.shape, weight.shape, window, groups)
        return dnnlConvolution(ST_CONV_FORWARD, &g, x, weight, out, bias)
    }

    func convolution2dBackwardInput(_ gy: Tensor, weight: Tensor, window: Window2d, groups: Int, into gx: Tensor) -> Bool {
        guard gx.numel > 0, weight.numel > 0 else { return false }
        var g = geometry(gx.shape, weight.shape, window, groups)
        return dnnlConvolution(ST_CONV_BACKWARD_DATA, &g, gy, weight, gx, nil)
    }

    func convolution2dBackwardWeight(_ gy: Tensor, input x: Tensor, window: Window2d, groups: Int, into gw: Tensor, bias gb: Tensor?) -> Bool {
        guard x.numel > 0, gw.numel > 0 else { return false }
        var g = geometry(x.shape, gw.shape, window, groups)
        return dnnlConvolution(ST_CONV_BACKWARD_WEIGHTS, &g, x, gy, gw, gb)
    }

    /// oneDNN's convolution of `kind` over float32 or bfloat16 buffers of one dtype.
    private func dnnlConvolution(_ kind: st_conv_kind, _ g: inout st_conv2d_geometry, _ a: Tensor, _ b: Tensor, _ out: Tensor,
                                 _ bias: Tensor?) -> Bool {
        let dtype = a.dtype
        guard b.dtype == dtype, out.dtype == dtype, bias?.dtype ?? dtype == dtype else { return false }
        let k = Int32(kind.rawValue)
        switch dtype {
        case .float32:
            return st_conv2d_f32(k, &g, a.pointer(as: Float.self), b.pointer(as: Float.self), out.pointer(as: Float.self),
                                 bias?.pointer(as: Float.self)) != 0
        case .bfloat16:
            return st_conv2d_bf16(k, &g, a.pointer(as: UInt16.self), b.pointer(as: UInt16.self), out.pointer(as: UInt16.self),
                                  bias?.pointer(as: UInt16.self)) != 0
        default:
            return false
        }
    }

    private func geometry(_ input: [Int], _ weight: [Int], _ w: Window2d, _ groups: Int) -> st_conv2d_geometry {
        st_conv2d_geometry(
            n: Int64(input[0]), c: Int64(input[1]), h: Int64(input[2]), w: Int64(input[3]),
            oc: Int64(weight[0]), kh: Int64(weight[2]), kw: Int64(weight[3]),
            stride_h: Int64(w.stride.0), stride_w: Int64(w.stride.1), dil_h: Int64(w.dilation.0), dil_w: Int64(w.dilation.1),
            pad_top: Int64(w.padding.0), pad_left: Int64(w.padding.1), pad_bottom: Int64(w.padding.2), pad_right: Int64(w.padding.3),
            groups: Int64(groups))
    }
}
