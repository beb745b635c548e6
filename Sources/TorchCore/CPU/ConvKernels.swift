/// Geometry of a 2-d sliding window over [N, C, H, W] (asymmetric padding allowed,
/// for ceil-mode pooling).
public struct Window2d: Sendable, Equatable {
    public var kernel: (Int, Int)
    public var stride: (Int, Int)
    public var dilation: (Int, Int)
    /// top, left, bottom, right
    public var padding: (Int, Int, Int, Int)
    public var input: (Int, Int)
    /// Column layout: false is [N, C*kh*kw, L] (`F.unfold`); true is [C*kh*kw, N*L],
    /// the operand of one GEMM for the whole batch.
    public var batchInColumns: Bool

    public init(kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int), padding: (Int, Int, Int, Int), input: (Int, Int),
                batchInColumns: Bool = false) {
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
        self.padding = padding
        self.input = input
        self.batchInColumns = batchInColumns
    }

    /// Offset of the first column row of (batch n, channel c), and the distance between
    /// consecutive kernel positions, for `n` images of `c` channels.
    func columnLayout(n: Int, c: Int, batch: Int, channels: Int) -> (base: Int, rowStride: Int) {
        let kk = kernel.0 * kernel.1, l = outputHeight * outputWidth
        if batchInColumns { return ((c * kk * batch + n) * l, batch * l) }
        return ((n * channels + c) * kk * l, l)
    }

    public var outputHeight: Int { (input.0 + padding.0 + padding.2 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1 }
    public var outputWidth: Int { (input.1 + padding.1 + padding.3 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1 }

    public static func == (a: Window2d, b: Window2d) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.dilation == b.dilation && a.padding == b.padding && a.input == b.input
            && a.batchInColumns == b.batchInColumns
    }
}

extension CPUBackend {
    /// cols[n, (c, ki, kj), (oi, oj)] = x[n, c, oi*s - p + ki*d, oj*s - p + kj*d] (0 outside).
    func im2col(_ x: Tensor, window w: Window2d, into cols: Tensor) {
        switch x.dtype {
        case .float32: im2colTyped(Float.self, x, w, cols)
        case .float64: im2colTyped(Double.self, x, w, cols)
        case .float16: im2colTyped(Float16.self, x, w, cols)
        case .bfloat16: im2colTyped(BFloat16.self, x, w, cols)
        case .int64: im2colTyped(Int64.self, x, w, cols)
        case .int32: im2colTyped(Int32.self, x, w, cols)
        case .int16: im2colTyped(Int16.self, x, w, cols)
        case .int8: im2colTyped(Int8.self, x, w, cols)
        case .uint8: im2colTyped(UInt8.self, x, w, cols)
        case .bool: im2colTyped(Bool.self, x, w, cols)
        }
    }

    @inline(__always)
    private func im2colTyped<T: TensorElement>(_: T.Type, _ x: Tensor, _ w: Window2d, _ cols: Tensor) {
        let n = x.shape[0], c = x.shape[1], h = w.input.0, wd = w.input.1
        let oh = w.outputHeight, ow = w.outputWidth
        let (kh, kw) = w.kernel
        let px = x.pointer(as: T.self), pc = cols.pointer(as: T.self)
        let xs = x.strides
        let zero = T(double: 0)
        let ranges = validColumns(w)
        Threading.parallelFor(n * c, grain: Swift.max(1, 4096 / Swift.max(oh * ow * kh * kw, 1))) { s, e in
            for plane in s..<e {
                let b = plane / c, ch = plane % c
                let xBase = px + b * xs[0] + ch * xs[1]
                let (base, rowStride) = w.columnLayout(n: b, c: ch, batch: n, channels: c)
                for ki in 0..<kh {
                    for kj in 0..<kw {
                        var out = pc + base + (ki * kw + kj) * rowStride
                        let (lo, hi) = ranges[kj]
                        let jOffset = kj * w.dilation.1 - w.padding.1
                        for oi in 0..<oh {
                            let ii = oi * w.stride.0 - w.padding.0 + ki * w.dilation.0
                            if ii < 0 || ii >= h || lo >= hi {
                                out.update(repeating: zero, count: ow)
                            } else {
                                if lo > 0 { out.update(repeating: zero, count: lo) }
                                let row = xBase + ii * xs[2]
                                let sj = w.stride.1 * xs[3]
                                var src = row + (lo * w.stride.1 + jOffset) * xs[3]
                                if sj == 1 {
                                    (out + lo).update(from: src, count: hi - lo)
                                } else {
                                    for oj in lo..<hi { out[oj] = src.pointee; src += sj }
                                }
                                if hi < ow { (out + hi).update(repeating: zero, count: ow - hi) }
                            }
                            out += ow
                        }
                    }
                }
            }
        }
    }

    /// For each kernel column kj, the output columns [lo, hi) whose input column is inside the image.
    private func validColumns(_ w: Window2d) -> [(Int, Int)] {
        (0..<w.kernel.1).map { kj in
            let offset = kj * w.dilation.1 - w.padding.1
            var lo = 0, hi = w.outputWidth
            while lo < hi && lo * w.stride.1 + offset < 0 { lo += 1 }
            while hi > lo && (hi - 1) * w.stride.1 + offset >= w.input.1 { hi -= 1 }
            return (lo, hi)
        }
    }

    /// The adjoint of im2col: sums each column entry back into its input position.
    func col2im(_ cols: Tensor, window w: Window2d, into x: Tensor) {
        switch x.dtype {
        case .float32: col2imTyped(Float.self, cols, w, x)
        case .float64: col2imTyped(Double.self, cols, w, x)
        case .float16: col2imTyped(Float16.self, cols, w, x)
        case .bfloat16: col2imTyped(BFloat16.self, cols, w, x)
        case .int64: col2imTyped(Int64.self, cols, w, x)
        case .int32: col2imTyped(Int32.self, cols, w, x)
        case .int16: col2imTyped(Int16.self, cols, w, x)
        case .int8: col2imTyped(Int8.self, cols, w, x)
        case .uint8: col2imTyped(UInt8.self, cols, w, x)
        case .bool: col2imTyped(Bool.self, cols, w, x)
        }
    }

    @inline(__always)
    private func col2imTyped<T: TensorElement>(_: T.Type, _ cols: Tensor, _ w: Window2d, _ x: Tensor) {
        let n = x.shape[0], c = x.shape[1], h = w.input.0, wd = w.input.1
        let oh = w.outputHeight, ow = w.outputWidth
        let (kh, kw) = w.kernel
        let px = x.pointer(as: T.self), pc = cols.pointer(as: T.self)
        let ranges = validColumns(w)
        // x is contiguous and zero-filled by the caller
        Threading.parallelFor(n * c, grain: Swift.max(1, 4096 / Swift.max(oh * ow * kh * kw, 1))) { s, e in
            for plane in s..<e {
                let xBase = px + plane * h * wd
                let (base, rowStride) = w.columnLayout(n: plane / c, c: plane % c, batch: n, channels: c)
                for ki in 0..<kh {
                    for kj in 0..<kw {
                        var src = pc + base + (ki * kw + kj) * rowStride
                        let (lo, hi) = ranges[kj]
                        let jOffset = kj * w.dilation.1 - w.padding.1
                        for oi in 0..<oh {
                            let ii = oi * w.stride.0 - w.padding.0 + ki * w.dilation.0
                            if ii >= 0 && ii < h && lo < hi {
                                let row = xBase + ii * wd + jOffset
                                let sj = w.stride.1
                                if sj == 1 {
                                    for oj in lo..<hi { row[oj] = T.accumulate(row[oj], src[oj]) }
                                } else {
                                    for oj in lo..<hi { row[oj * sj] = T.accumulate(row[oj * sj], src[oj]) }
                                }
                            }
                            src += ow
                        }
                    }
                }
            }
        }
    }

    /// Max over each window (padding never wins) with the flat h*w index of the max.
    func maxPool2d(_ x: Tensor, window w: Window2d, into out: Tensor, indices: Tensor) {
        if x.dtype == .float32 && x.isContiguous && w.padding == (0, 0, 0, 0) && w.dilation == (1, 1) {
            maxPoolFloatUnpadded(x, w, out, indices)
            return
        }
        switch x.dtype {
        case .float32: maxPoolTyped(Float.self, x, w, out, indices)
        case .float64: maxPoolTyped(Double.self, x, w, out, indices)
        case .float16: maxPoolTyped(Float16.self, x, w, out, indices)
        case .bfloat16: maxPoolTyped(BFloat16.self, x, w, out, indices)
        case .int64: maxPoolTyped(Int64.self, x, w, out, indices)
        case .int32: maxPoolTyped(Int32.self, x, w, out, indices)
        case .int16: maxPoolTyped(Int16.self, x, w, out, indices)
        case .int8: maxPoolTyped(Int8.self, x, w, out, indices)
        case .uint8: maxPoolTyped(UInt8.self, x, w, out, indices)
        case .bool: maxPoolTyped(Bool.self, x, w, out, indices)
        }
    }

    /// The common case (float32, no padding or dilation) without generic element handling.
    private func maxPoolFloatUnpadded(_ x: Tensor, _ w: Window2d, _ out: Tensor, _ indices: Tensor) {
        let planes = x.shape[0] * x.shape[1], h = w.input.0, wd = w.input.1
        let oh = w.outputHeight, ow = w.outputWidth
        let (kh, kw) = w.kernel
        let (sh, sw) = w.stride
        let px = x.pointer(as: Float.self), po = out.pointer(as: Float.self), pi = indices.pointer(as: Int64.self)
        Threading.parallelFor(planes, grain: Swift.max(1, 4096 / Swift.max(oh * ow * kh * kw, 1))) { s, e in
            for plane in s..<e {
                let xBase = px + plane * h * wd
                var o = plane * oh * ow
                for oi in 0..<oh {
                    for oj in 0..<ow {
                        var bestIndex = oi * sh * wd + oj * sw
                        var best = xBase[bestIndex]
                        if !best.isNaN {
                            search: for ki in 0..<kh {
                                let rowIndex = (oi * sh + ki) * wd + oj * sw
                                for kj in 0..<kw {
                                    let v = xBase[rowIndex + kj]
                                    if v > best || v.isNaN {
                                        best = v
                                        bestIndex = rowIndex + kj
                                        if v.isNaN { break search }
                                    }
                                }
                            }
                        }
                        po[o] = best
                        pi[o] = Int64(bestIndex)
                        o += 1
                    }
                }
            }
        }
    }

    @inline(__always)
    private func maxPoolTyped<T: TensorElement>(_: T.Type, _ x: Tensor, _ w: Window2d, _ out: Tensor, _ indices: Tensor) {
        let n = x.shape[0], c = x.shape[1], h = w.input.0, wd = w.input.1
        let oh = w.outputHeight, ow = w.outputWidth
        let (kh, kw) = w.kernel
        let px = x.pointer(as: T.self), po = out.pointer(as: T.self), pi = indices.pointer(as: Int64.self)
        let xs = x.strides
        Threading.parallelFor(n * c, grain: Swift.max(1, 4096 / Swift.max(oh * ow * kh * kw, 1))) { s, e in
            for plane in s..<e {
                let b = plane / c, ch = plane % c
                let xBase = px + b * xs[0] + ch * xs[1]
                for oi in 0..<oh {
                    let i0 = oi * w.stride.0 - w.padding.0
                    let kiLo = i0 >= 0 ? 0 : (-i0 + w.dilation.0 - 1) / w.dilation.0
                    var kiHi = kh
                    while kiHi > kiLo && i0 + (kiHi - 1) * w.dilation.0 >= h { kiHi -= 1 }
                    for oj in 0..<ow {
                        let j0 = oj * w.stride.1 - w.padding.1
                        let kjLo = j0 >= 0 ? 0 : (-j0 + w.dilation.1 - 1) / w.dilation.1
                        var kjHi = kw
                        while kjHi > kjLo && j0 + (kjHi - 1) * w.dilation.1 >= wd { kjHi -= 1 }
                        var bestIndex = -1
                        var best = T(double: 0)
                        search: for ki in kiLo..<kiHi {
                            let ii = i0 + ki * w.dilation.0
                            let row = xBase + ii * xs[2]
                            for kj in kjLo..<kjHi {
                                let jj = j0 + kj * w.dilation.1
                                let v = row[jj * xs[3]]
                                if bestIndex < 0 || isGreaterOrNaN(v, best) {
                                    best = v
                                    bestIndex = ii * wd + jj
                                    if isNaNElement(v) { break search }
                                }
                            }
                        }
                        let o = (plane * oh + oi) * ow + oj
                        po[o] = best
                        pi[o] = Int64(bestIndex)
                    }
                }
            }
        }
    }
}

@inline(__always)
func isNaNElement<T: TensorElement>(_ v: T) -> Bool {
    if let f = v as? Float { return f.isNaN }
    if let d = v as? Double { return d.isNaN }
    return v.doubleValue.isNaN
}

/// a > b for max-selection, with NaN winning (PyTorch propagates NaN through max pooling).
@inline(__always)
func isGreaterOrNaN<T: TensorElement>(_ a: T, _ b: T) -> Bool {
    if let x = a as? Float, let y = b as? Float { return x > y || x.isNaN }
    if let x = a as? Double, let y = b as? Double { return x > y || x.isNaN }
    let x = a.doubleValue
    return x > b.doubleValue || x.isNaN
}
