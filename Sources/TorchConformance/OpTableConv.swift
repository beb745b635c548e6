import Torch

extension OpCall {
    /// An int-or-tuple argument (`kernel_size=3` or `(3, 2)`).
    func pair(_ position: Int, _ name: String) -> [Int]? { ints(position, name) }
}

extension OpTable {
    /// Convolution, pooling and unfold handlers (`nn.functional.*`).
    static func registerConvolution(_ h: inout [String: OpHandler]) {
        func padding(_ c: OpCall, _ position: Int) -> ConvPadding {
            if let s = c.string(position, "padding") { return s == "same" ? .same : .valid }
            return .explicit(c.ints(position, "padding") ?? [0])
        }
        h["nn.functional.conv2d"] = { c in
            [F.conv2d(try c.tensor(0, "input"), try c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"),
                      stride: c.pair(3, "stride") ?? [1], padding: padding(c, 4), dilation: c.pair(5, "dilation") ?? [1],
                      groups: c.int(6, "groups", default: 1))]
        }
        h["nn.functional.conv1d"] = { c in
            [F.conv1d(try c.tensor(0, "input"), try c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"),
                      stride: c.pair(3, "stride") ?? [1], padding: padding(c, 4), dilation: c.pair(5, "dilation") ?? [1],
                      groups: c.int(6, "groups", default: 1))]
        }
        h["nn.functional.conv_transpose2d"] = { c in
            [F.convTranspose2d(try c.tensor(0, "input"), try c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"),
                               stride: c.pair(3, "stride") ?? [1], padding: c.pair(4, "padding") ?? [0],
                               outputPadding: c.pair(5, "output_padding") ?? [0], groups: c.int(6, "groups", default: 1),
                               dilation: c.pair(7, "dilation") ?? [1])]
        }
        h["nn.functional.unfold"] = { c in
            [F.unfold(try c.tensor(0, "input"), kernelSize: c.pair(1, "kernel_size") ?? [1], dilation: c.pair(2, "dilation") ?? [1],
                      padding: c.pair(3, "padding") ?? [0], stride: c.pair(4, "stride") ?? [1])]
        }
        h["nn.functional.fold"] = { c in
            [F.fold(try c.tensor(0, "input"), outputSize: c.pair(1, "output_size") ?? [1], kernelSize: c.pair(2, "kernel_size") ?? [1],
                    dilation: c.pair(3, "dilation") ?? [1], padding: c.pair(4, "padding") ?? [0], stride: c.pair(5, "stride") ?? [1])]
        }
        h["nn.functional.max_pool2d"] = { c in
            let x = try c.tensor(0, "input")
            let r = F.maxPool2dWithIndices(x, kernelSize: c.pair(1, "kernel_size") ?? [1], stride: c.pair(2, "stride"),
                                           padding: c.pair(3, "padding") ?? [0], dilation: c.pair(4, "dilation") ?? [1],
                                           ceilMode: c.bool(5, "ceil_mode", default: false))
            return c.bool(6, "return_indices", default: false) ? [r.values, r.indices] : [r.values]
        }
        h["nn.functional.max_pool1d"] = { c in
            [F.maxPool1d(try c.tensor(0, "input"), kernelSize: c.int(1, "kernel_size") ?? 1, stride: c.int(2, "stride"),
                         padding: c.int(3, "padding", default: 0), dilation: c.int(4, "dilation", default: 1),
                         ceilMode: c.bool(5, "ceil_mode", default: false))]
        }
        h["nn.functional.avg_pool2d"] = { c in
            [F.avgPool2d(try c.tensor(0, "input"), kernelSize: c.pair(1, "kernel_size") ?? [1], stride: c.pair(2, "stride"),
                         padding: c.pair(3, "padding") ?? [0], ceilMode: c.bool(4, "ceil_mode", default: false),
                         countIncludePad: c.bool(5, "count_include_pad", default: true), divisorOverride: c.int(6, "divisor_override"))]
        }
        h["nn.functional.avg_pool1d"] = { c in
            [F.avgPool1d(try c.tensor(0, "input"), kernelSize: c.int(1, "kernel_size") ?? 1, stride: c.int(2, "stride"),
                         padding: c.int(3, "padding", default: 0), ceilMode: c.bool(4, "ceil_mode", default: false),
                         countIncludePad: c.bool(5, "count_include_pad", default: true))]
        }
        h["nn.functional.adaptive_avg_pool2d"] = { c in
            let size = c.json(1, "output_size").map { v -> [Int?] in (v.arrayValue ?? [v]).map { $0.intValue } } ?? [1]
            return [F.adaptiveAvgPool2d(try c.tensor(0, "input"), outputSize: size)]
        }
        h["nn.functional.adaptive_avg_pool1d"] = { c in
            [F.adaptiveAvgPool1d(try c.tensor(0, "input"), outputSize: c.int(1, "output_size") ?? 1)]
        }
        h["nn.functional.adaptive_max_pool2d"] = { c in
            let size = c.json(1, "output_size").map { v -> [Int?] in (v.arrayValue ?? [v]).map { $0.intValue } } ?? [1]
            let r = F.adaptiveMaxPool2dWithIndices(try c.tensor(0, "input"), outputSize: size)
            return c.bool(2, "return_indices", default: false) ? [r.values, r.indices] : [r.values]
        }
    }
}
