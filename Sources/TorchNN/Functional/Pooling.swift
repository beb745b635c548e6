import TorchCore

/// Output size and extra trailing padding of one pooled dimension (ceil mode lets the
/// last window start inside the padded input and hang over its end).
func pooledSize(_ n: Int, kernel k: Int, stride s: Int, padding p: Int, dilation d: Int, ceilMode: Bool) -> (out: Int, extra: Int) {
    let span = n + 2 * p - d * (k - 1) - 1
    var out = (ceilMode ? (span + s - 1) / s : span / s) + 1
    if ceilMode && (out - 1) * s >= n + p { out -= 1 }
    let needed = (out - 1) * s + d * (k - 1) + 1
    return (out, Swift.max(0, needed - (n + 2 * p)))
}

extension Functional {
    static func poolWindow(_ x: Tensor, kernel: [Int], stride: [Int]?, padding: [Int], dilation: [Int], ceilMode: Bool, op: String) -> Window2d? {
        let k = expand(kernel, 2), s = expand(stride ?? kernel, 2), p = expand(padding, 2), d = expand(dilation, 2)
        torchCheck(p[0] <= k[0] / 2 && p[1] <= k[1] / 2, "pad should be at most half of effective kernel size, but got pad=\(p[0]), kernel_size=\(k[0]) and dilation=\(d[0])")
        guard p[0] <= k[0] / 2 && p[1] <= k[1] / 2 else { return nil }
        let h = pooledSize(x.shape[2], kernel: k[0], stride: s[0], padding: p[0], dilation: d[0], ceilMode: ceilMode)
        let w = pooledSize(x.shape[3], kernel: k[1], stride: s[1], padding: p[1], dilation: d[1], ceilMode: ceilMode)
        torchCheck(h.out > 0 && w.out > 0, "\(op): Given input size: (\(x.shape[1])x\(x.shape[2])x\(x.shape[3])). Calculated output size: (\(x.shape[1])x\(h.out)x\(w.out)). Output size is too small")
        guard h.out > 0 && w.out > 0 else { return nil }
        return Window2d(kernel: (k[0], k[1]), stride: (s[0], s[1]), dilation: (d[0], d[1]),
                        padding: (p[0], p[1], p[0] + h.extra, p[1] + w.extra), input: (x.shape[2], x.shape[3]))
    }

    /// 2-d max pooling (`F.max_pool2d`); `stride` defaults to the kernel size.
    public static func maxPool2d(_ input: Tensor, kernelSize: [Int], stride: [Int]? = nil, padding: [Int] = [0],
                                 dilation: [Int] = [1], ceilMode: Bool = false) -> Tensor {
        maxPool2dWithIndices(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode).values
    }

    /// 2-d max pooling returning the flat h*w index of each maximum.
    public static func maxPool2dWithIndices(_ input: Tensor, kernelSize: [Int], stride: [Int]? = nil, padding: [Int] = [0],
                                            dilation: [Int] = [1], ceilMode: Bool = false) -> (values: Tensor, indices: Tensor) {
        let unbatched = input.rank == 3
        let x = unbatched ? input.unsqueeze(0) : input
        torchCheck(x.rank == 4, "max_pool2d: Expected 3D or 4D input, but got \(input.shape)")
        guard x.rank == 4, let w = poolWindow(x, kernel: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode, op: "max_pool2d") else {
            return (.empty([0]), .empty([0], dtype: .int64))
        }
        let (v, i) = x.maxPool2dWithIndices(window: w)
        return unbatched ? (v.squeeze(0), i.squeeze(0)) : (v, i)
    }

    /// 1-d max pooling (`F.max_pool1d`) over [N, C, L] or [C, L].
    public static func maxPool1d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                                 dilation: Int = 1, ceilMode: Bool = false) -> Tensor {
        let x = input.unsqueeze(-2)
        return maxPool2d(x, kernelSize: [1, kernelSize], stride: [1, stride ?? kernelSize], padding: [0, padding],
                         dilation: [1, dilation], ceilMode: ceilMode).squeeze(-2)
    }

    /// 2-d average pooling (`F.avg_pool2d`).
    public static func avgPool2d(_ input: Tensor, kernelSize: [Int], stride: [Int]? = nil, padding: [Int] = [0],
                                 ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Tensor {
        let unbatched = input.rank == 3
        let x = unbatched ? input.unsqueeze(0) : input
        torchCheck(x.rank == 4, "avg_pool2d: Expected 3D or 4D input, but got \(input.shape)")
        guard x.rank == 4, let w = poolWindow(x, kernel: kernelSize, stride: stride, padding: padding, dilation: [1], ceilMode: ceilMode, op: "avg_pool2d") else {
            return .empty([0])
        }
        let n = x.shape[0], c = x.shape[1], oh = w.outputHeight, ow = w.outputWidth
        let sums = x.im2col(window: w).reshape([n, c, w.kernel.0 * w.kernel.1, oh * ow]).sum(dim: 2)
        // PyTorch's divisor: the window clipped to the padded input (count_include_pad)
        // or to the input itself
        var divisors = [Double](repeating: 1, count: oh * ow)
        let (h, wd) = w.input
        let (ph, pw) = (w.padding.0, w.padding.1)
        for i in 0..<oh {
            for j in 0..<ow {
                var hs = i * w.stride.0 - ph, ws = j * w.stride.1 - pw
                var he = Swift.min(hs + w.kernel.0, h + ph), we = Swift.min(ws + w.kernel.1, wd + pw)
                let poolSize = (he - hs) * (we - ws)
                hs = Swift.max(hs, 0); ws = Swift.max(ws, 0)
                he = Swift.min(he, h); we = Swift.min(we, wd)
                if let divisorOverride { divisors[i * ow + j] = Double(divisorOverride) }
                else if countIncludePad { divisors[i * ow + j] = Double(poolSize) }
                else { divisors[i * ow + j] = Double((he - hs) * (we - ws)) }
            }
        }
        let out = (sums / Tensor(divisors, shape: [oh * ow]).to(x.dtype)).reshape([n, c, oh, ow])
        return unbatched ? out.squeeze(0) : out
    }

    /// 1-d average pooling (`F.avg_pool1d`).
    public static func avgPool1d(_ input: Tensor, kernelSize: Int, stride: Int? = nil, padding: Int = 0,
                                 ceilMode: Bool = false, countIncludePad: Bool = true) -> Tensor {
        avgPool2d(input.unsqueeze(-2), kernelSize: [1, kernelSize], stride: [1, stride ?? kernelSize], padding: [0, padding],
                  ceilMode: ceilMode, countIncludePad: countIncludePad).squeeze(-2)
    }

    /// The [out, n] matrix that averages PyTorch's adaptive windows
    /// [floor(i*n/out), ceil((i+1)*n/out)).
    static func adaptiveAverager(_ n: Int, _ out: Int, dtype: DType) -> Tensor {
        var m = [Double](repeating: 0, count: out * n)
        for i in 0..<out {
            let s = (i * n) / out, e = ((i + 1) * n + out - 1) / out
            for j in s..<e { m[i * n + j] = 1 / Double(e - s) }
        }
        return Tensor(m, shape: [out, n]).to(dtype)
    }

    /// Adaptive 2-d average pooling (`F.adaptive_avg_pool2d`) to `outputSize` (nil keeps a size).
    public static func adaptiveAvgPool2d(_ input: Tensor, outputSize: [Int?]) -> Tensor {
        torchCheck(input.rank == 3 || input.rank == 4, "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got \(input.shape)")
        guard input.rank >= 3 else { return .empty([0]) }
        let sizes = outputSize.count == 1 ? [outputSize[0], outputSize[0]] : outputSize
        let h = input.shape[input.rank - 2], w = input.shape[input.rank - 1]
        let oh = sizes[0] ?? h, ow = sizes[1] ?? w
        let ph = adaptiveAverager(h, oh, dtype: input.dtype), pw = adaptiveAverager(w, ow, dtype: input.dtype)
        return ph.matmul(input).matmul(pw.t())
    }

    /// Adaptive 1-d average pooling (`F.adaptive_avg_pool1d`).
    public static func adaptiveAvgPool1d(_ input: Tensor, outputSize: Int) -> Tensor {
        let l = input.shape[input.rank - 1]
        return input.matmul(adaptiveAverager(l, outputSize, dtype: input.dtype).t())
    }

    /// Adaptive 2-d max pooling (`F.adaptive_max_pool2d`) with the flat h*w index of each maximum.
    public static func adaptiveMaxPool2dWithIndices(_ input: Tensor, outputSize: [Int?]) -> (values: Tensor, indices: Tensor) {
        torchCheck(input.rank == 3 || input.rank == 4, "adaptive_max_pool2d(): Expected 3D or 4D tensor, but got \(input.shape)")
        guard input.rank >= 3 else { return (.empty([0]), .empty([0], dtype: .int64)) }
        let sizes = outputSize.count == 1 ? [outputSize[0], outputSize[0]] : outputSize
        let r = input.rank
        let h = input.shape[r - 2], w = input.shape[r - 1]
        let oh = sizes[0] ?? h, ow = sizes[1] ?? w
        var values: [Tensor] = [], indices: [Tensor] = []
        for i in 0..<oh {
            let hs = (i * h) / oh, he = ((i + 1) * h + oh - 1) / oh
            for j in 0..<ow {
                let ws = (j * w) / ow, we = ((j + 1) * w + ow - 1) / ow
                let win = input.narrow(r - 2, start: hs, length: he - hs).narrow(r - 1, start: ws, length: we - ws)
                let flat = win.flatten(startDim: r - 2)
                let m = flat.max(dim: -1)
                let local = m.indices
                values.append(m.values)
                let row = local.floorDivide(.int(Int64(we - ws))) + hs
                let col = local.remainder(.int(Int64(we - ws))) + ws
                indices.append(row * w + col)
            }
        }
        let shape = Array(input.shape.dropLast(2)) + [oh, ow]
        return (Tensor.stack(values, dim: -1).reshape(shape), Tensor.stack(indices, dim: -1).reshape(shape))
    }

    public static func adaptiveMaxPool2d(_ input: Tensor, outputSize: [Int?]) -> Tensor {
        adaptiveMaxPool2dWithIndices(input, outputSize: outputSize).values
    }
}
