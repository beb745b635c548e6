import TorchCore

/// Padding of a convolution: explicit sizes, or PyTorch's "same" / "valid".
public enum ConvPadding: Sendable, ExpressibleByIntegerLiteral {
    case explicit([Int])
    case same
    case valid

    public init(integerLiteral value: Int) { self = .explicit([value]) }
}

/// Expands an int-or-tuple argument to `n` values (PyTorch's `_pair`).
func expand(_ v: [Int], _ n: Int) -> [Int] { v.count == 1 ? [Int](repeating: v[0], count: n) : v }

extension Functional {
    /// 2-d convolution (`F.conv2d`): input [N, C, H, W] or [C, H, W], weight [O, C/groups, kh, kw].
    public static func conv2d(
        _ input: Tensor, _ weight: Tensor, bias: Tensor? = nil,
        stride: [Int] = [1], padding: ConvPadding = .explicit([0]), dilation: [Int] = [1], groups: Int = 1
    ) -> Tensor {
        let input = Autocast.lowerPrecision(input), weight = Autocast.lowerPrecision(weight), bias = Autocast.lowerPrecision(bias)
        let unbatched = input.rank == 3
        let x = unbatched ? input.unsqueeze(0) : input
        torchCheck(x.rank == 4, "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: \(input.shape)")
        torchCheck(weight.rank == 4, "conv2d: weight should be 4-D [out_channels, in_channels/groups, kH, kW], but got size \(weight.shape)")
        guard x.rank == 4 && weight.rank == 4 else { return .empty([0]) }
        torchCheck(groups > 0, "non-positive groups is not supported")
        let c = x.shape[1], o = weight.shape[0]
        torchCheck(c == weight.shape[1] * groups,
                   "Given groups=\(groups), weight of size \(weight.shape), expected input\(x.shape) to have \(weight.shape[1] * groups) channels, but got \(c) channels instead")
        torchCheck(o % groups == 0, "Given groups=\(groups), expected weight to be divisible by \(groups) at dimension 0, but got weight of size \(weight.shape) instead")
        torchCheck(bias == nil || bias!.shape == [o], "Given weight of size \(weight.shape), expected bias to be 1-dimensional with \(o) elements, but got bias of size \(bias?.shape ?? []) instead")
        torchCheck(x.dtype == weight.dtype, "Input type (\(x.dtype)) and weight type (\(weight.dtype)) should be the same")
        guard c == weight.shape[1] * groups, o % groups == 0, x.dtype == weight.dtype else { return .empty([0]) }
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let s = expand(stride, 2), d = expand(dilation, 2)
        let pads: [Int]
        switch padding {
        case .explicit(let p): let e = expand(p, 2); pads = [e[0], e[1], e[0], e[1]]
        case .valid: pads = [0, 0, 0, 0]
        case .same:
            torchCheck(s == [1, 1], "padding='same' is not supported for strided convolutions")
            let th = d[0] * (kh - 1), tw = d[1] * (kw - 1)
            pads = [th / 2, tw / 2, th - th / 2, tw - tw / 2]
        }
        let w = Window2d(kernel: (kh, kw), stride: (s[0], s[1]), dilation: (d[0], d[1]),
                         padding: (pads[0], pads[1], pads[2], pads[3]), input: (x.shape[2], x.shape[3]))
        let out = x.convolution2d(weight: weight, bias: bias, window: w, groups: groups)
        return unbatched ? out.squeeze(0) : out
    }

    /// 1-d convolution (`F.conv1d`): input [N, C, L] or [C, L], weight [O, C/groups, k].
    public static func conv1d(
        _ input: Tensor, _ weight: Tensor, bias: Tensor? = nil,
        stride: [Int] = [1], padding: ConvPadding = .explicit([0]), dilation: [Int] = [1], groups: Int = 1
    ) -> Tensor {
        let unbatched = input.rank == 2
        let x = unbatched ? input.unsqueeze(0) : input
        torchCheck(x.rank == 3, "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: \(input.shape)")
        torchCheck(weight.rank == 3, "conv1d: weight should be 3-D, but got size \(weight.shape)")
        guard x.rank == 3, weight.rank == 3 else { return .empty([0]) }
        let pad2: ConvPadding
        switch padding {
        case .explicit(let p): pad2 = .explicit([0, p[0]])
        default: pad2 = padding
        }
        let out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias: bias, stride: [1, stride[0]], padding: pad2,
                         dilation: [1, dilation[0]], groups: groups).squeeze(2)
        return unbatched ? out.squeeze(0) : out
    }

    /// Transposed 2-d convolution (`F.conv_transpose2d`): weight [C_in, C_out/groups, kh, kw].
    public static func convTranspose2d(
        _ input: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: [Int] = [1], padding: [Int] = [0],
        outputPadding: [Int] = [0], groups: Int = 1, dilation: [Int] = [1]
    ) -> Tensor {
        let input = Autocast.lowerPrecision(input), weight = Autocast.lowerPrecision(weight), bias = Autocast.lowerPrecision(bias)
        let unbatched = input.rank == 3
        let x = unbatched ? input.unsqueeze(0) : input
        torchCheck(x.rank == 4 && weight.rank == 4, "conv_transpose2d: expected 4-D input and weight, got \(input.shape) and \(weight.shape)")
        guard x.rank == 4, weight.rank == 4 else { return .empty([0]) }
        let cin = x.shape[1]
        torchCheck(weight.shape[0] == cin, "Given transposed=1, weight of size \(weight.shape), expected input\(x.shape) to have \(weight.shape[0]) channels, but got \(cin) channels instead")
        guard weight.shape[0] == cin, cin % groups == 0 else { return .empty([0]) }
        let s = expand(stride, 2), p = expand(padding, 2), op = expand(outputPadding, 2), d = expand(dilation, 2)
        let (kh, kw) = (weight.shape[2], weight.shape[3])
        let n = x.shape[0], h = x.shape[2], wd = x.shape[3]
        let coutPerGroup = weight.shape[1], cout = coutPerGroup * groups
        let outH = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
        let outW = (wd - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
        let cinPerGroup = cin / groups
        // cols[n, g, (cout/g, kh, kw), h*w] = W[g]^T x[n, g]
        let wg = weight.reshape([groups, cinPerGroup, coutPerGroup * kh * kw]).transpose(1, 2)    // [g, Cout/g*k, Cin/g]
        let xg = x.reshape([n, groups, cinPerGroup, h * wd])
        let cols = wg.unsqueeze(0).matmul(xg).reshape([n, cout * kh * kw, h * wd])
        let w = Window2d(kernel: (kh, kw), stride: (s[0], s[1]), dilation: (d[0], d[1]),
                         padding: (p[0], p[1], p[0], p[1]), input: (outH, outW))
        var out = cols.col2im(window: w, batch: n, channels: cout)
        if let bias { out = out + bias.reshape([1, cout, 1, 1]) }
        return unbatched ? out.squeeze(0) : out
    }

    /// Sliding local blocks (`F.unfold`): [N, C, H, W] -> [N, C*kh*kw, L].
    public static func unfold(_ input: Tensor, kernelSize: [Int], dilation: [Int] = [1], padding: [Int] = [0], stride: [Int] = [1]) -> Tensor {
        let k = expand(kernelSize, 2), d = expand(dilation, 2), p = expand(padding, 2), s = expand(stride, 2)
        let x = input.rank == 3 ? input.unsqueeze(0) : input
        torchCheck(x.rank == 4, "Input Error: Only 3D or 4D input Tensors are supported (got \(input.rank)D)")
        guard x.rank == 4 else { return .empty([0]) }
        let out = x.im2col(window: Window2d(kernel: (k[0], k[1]), stride: (s[0], s[1]), dilation: (d[0], d[1]),
                                            padding: (p[0], p[1], p[0], p[1]), input: (x.shape[2], x.shape[3])))
        return input.rank == 3 ? out.squeeze(0) : out
    }

    /// Combines sliding blocks into a tensor (`F.fold`): [N, C*kh*kw, L] -> [N, C, H, W].
    public static func fold(_ input: Tensor, outputSize: [Int], kernelSize: [Int], dilation: [Int] = [1], padding: [Int] = [0], stride: [Int] = [1]) -> Tensor {
        let o = expand(outputSize, 2), k = expand(kernelSize, 2), d = expand(dilation, 2), p = expand(padding, 2), s = expand(stride, 2)
        let x = input.rank == 2 ? input.unsqueeze(0) : input
        guard x.rank == 3 else { torchCheck(false, "Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got \(input.rank)D)"); return .empty([0]) }
        let channels = x.shape[1] / (k[0] * k[1])
        let out = x.col2im(window: Window2d(kernel: (k[0], k[1]), stride: (s[0], s[1]), dilation: (d[0], d[1]),
                                            padding: (p[0], p[1], p[0], p[1]), input: (o[0], o[1])),
                           batch: x.shape[0], channels: channels)
        return input.rank == 2 ? out.squeeze(0) : out
    }
}
