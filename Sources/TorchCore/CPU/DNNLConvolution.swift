import CTorchKernels

extension CPUBackend {
    func convolution2d(_ x: Tensor, weight: Tensor, bias: Tensor?, window: Window2d, groups: Int, into out: Tensor) -> Bool {
        guard x.dtype == .float32, bias?.dtype ?? .float32 == .float32, x.numel > 0, weight.numel > 0 else { return false }
        var g = geometry(x.shape, weight.shape, window, groups)
        return st_conv2d_f32(Int32(ST_CONV_FORWARD.rawValue), &g, x.pointer(as: Float.self), weight.pointer(as: Float.self),
                             out.pointer(as: Float.self), bias?.pointer(as: Float.self)) != 0
    }

    func convolution2dBackwardInput(_ gy: Tensor, weight: Tensor, window: Window2d, groups: Int, into gx: Tensor) -> Bool {
        guard gy.dtype == .float32, gx.numel > 0, weight.numel > 0 else { return false }
        var g = geometry(gx.shape, weight.shape, window, groups)
        return st_conv2d_f32(Int32(ST_CONV_BACKWARD_DATA.rawValue), &g, gy.pointer(as: Float.self), weight.pointer(as: Float.self),
                             gx.pointer(as: Float.self), nil) != 0
    }

    func convolution2dBackwardWeight(_ gy: Tensor, input x: Tensor, window: Window2d, groups: Int, into gw: Tensor, bias gb: Tensor?) -> Bool {
        guard gy.dtype == .float32, x.numel > 0, gw.numel > 0 else { return false }
        var g = geometry(x.shape, gw.shape, window, groups)
        return st_conv2d_f32(Int32(ST_CONV_BACKWARD_WEIGHTS.rawValue), &g, x.pointer(as: Float.self), gy.pointer(as: Float.self),
                             gw.pointer(as: Float.self), gb?.pointer(as: Float.self)) != 0
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
