import CTorchKernels

extension CPUBackend {
    func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Double, rows: Int, into out: Tensor, mean: Tensor, rstd: Tensor) -> Bool {
        guard x.dtype == .float32, weight?.dtype ?? .float32 == .float32, bias?.dtype ?? .float32 == .float32 else { return false }
        let cols = x.numel / rows
        let px = x.pointer(as: Float.self), po = out.pointer(as: Float.self)
        let pw = weight?.pointer(as: Float.self), pb = bias?.pointer(as: Float.self)
        let pm = mean.pointer(as: Float.self), pr = rstd.pointer(as: Float.self)
        Threading.parallelFor(rows, grain: Swift.max(1, Threading.grainSize / Swift.max(cols, 1))) { s, e in
            st_layer_norm_f32(px + s * cols, pw, pb, po + s * cols, pm + s, pr + s, Int64(e - s), Int64(cols), Float(eps))
        }
        return true
    }

    func layerNormBackward(_ gy: Tensor, _ x: Tensor, mean: Tensor, rstd: Tensor, weight: Tensor?, rows: Int,
                           gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?) -> Bool {
        guard x.dtype == .float32, gy.dtype == .float32, weight?.dtype ?? .float32 == .float32 else { return false }
        let cols = x.numel / rows
        let chunks = Swift.max(1, Swift.min(Threading.threadCount, rows * cols / Threading.grainSize, rows))
        // per-chunk partial sums of the weight and bias gradients
        let needParams = gradWeight != nil || gradBias != nil
        let partial = needParams ? Tensor.zeros([chunks, 2, cols], dtype: .float32) : nil
        let pg = gy.pointer(as: Float.self), px = x.pointer(as: Float.self)
        let pm = mean.pointer(as: Float.self), pr = rstd.pointer(as: Float.self), pw = weight?.pointer(as: Float.self)
        let pgx = gradInput?.pointer(as: Float.self), pp = partial?.pointer(as: Float.self)
        let wantW = gradWeight != nil, wantB = gradBias != nil
        Threading.parallelFor(chunks, grain: 1) { s, e in
            for c in s..<e {
                let r0 = rows * c / chunks, r1 = rows * (c + 1) / chunks
                let gw = wantW ? pp.map { $0 + c * 2 * cols } : nil
                let gb = wantB ? pp.map { $0 + c * 2 * cols + cols } : nil
                st_layer_norm_backward_f32(pg + r0 * cols, px + r0 * cols, pm + r0, pr + r0, pw, pgx.map { $0 + r0 * cols },
                                           gw, gb, Int64(r1 - r0), Int64(cols))
            }
        }
        if let partial {
            let sums = Tensor(uninitializedShape: [2 * cols], dtype: .float32)
            st_colsum_f32(partial.pointer(as: Float.self), Int64(chunks), Int64(2 * cols), Int64(2 * cols), sums.pointer(as: Float.self))
            let ps = sums.pointer(as: Float.self)
            if let gradWeight { gradWeight.pointer(as: Float.self).update(from: ps, count: cols) }
            if let gradBias { gradBias.pointer(as: Float.self).update(from: ps + cols, count: cols) }
        }
        return true
    }
}

extension CPUBackend {
    func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Double, into out: Tensor, mean: Tensor, variance: Tensor) -> Bool {
        guard x.dtype == .float32, weight?.dtype ?? .float32 == .float32, bias?.dtype ?? .float32 == .float32 else { return false }
        let n = x.shape[0], c = x.shape[1], s = x.numel / Swift.max(n * c, 1), count = Double(n * s)
        let px = x.pointer(as: Float.self), po = out.pointer(as: Float.self)
        let pm = mean.pointer(as: Float.self), pv = variance.pointer(as: Float.self)
        let pw = weight?.pointer(as: Float.self), pb = bias?.pointer(as: Float.self)
        let planeGrain = Swift.max(1, Threading.grainSize / Swift.max(n * s, 1))
        Threading.parallelFor(c, grain: planeGrain) { c0, c1 in
            for ch in c0..<c1 {
                var total = 0.0
                for i in 0..<n { total += st_sum_f32(px + (i * c + ch) * s, Int64(s)) }
                let mu = Float(total / count)
                var squares = 0.0
                for i in 0..<n { squares += st_sum_dev_product_f32(nil, px + (i * c + ch) * s, Int64(s), mu) }
                pm[ch] = mu
                pv[ch] = Float(squares / count)
            }
        }
        Threading.parallelFor(n * c, grain: Swift.max(1, Threading.grainSize / Swift.max(s, 1))) { p0, p1 in
            for plane in p0..<p1 {
                let ch = plane % c
                let invstd = 1 / (pv[ch] + Float(eps)).squareRoot()
                let scale = (pw?[ch] ?? 1) * invstd
                let shift = (pb?[ch] ?? 0) - pm[ch] * scale
                st_affine2_f32(nil, px + plane * s, Int64(s), 0, scale, shift, po + plane * s)
            }
        }
        return true
    }

    func batchNormBackward(_ gy: Tensor, _ x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor?, eps: Double,
                           gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?) -> Bool {
        guard x.dtype == .float32, gy.dtype == .float32, weight?.dtype ?? .float32 == .float32 else { return false }
        let n = x.shape[0], c = x.shape[1], s = x.numel / Swift.max(n * c, 1), count = Float(n * s)
        let px = x.pointer(as: Float.self), pg = gy.pointer(as: Float.self)
        let pm = mean.pointer(as: Float.self), pv = variance.pointer(as: Float.self), pw = weight?.pointer(as: Float.self)
        let pgx = gradInput?.pointer(as: Float.self), pgw = gradWeight?.pointer(as: Float.self), pgb = gradBias?.pointer(as: Float.self)
        let sums = Tensor(uninitializedShape: [2, c], dtype: .float32)
        let ps = sums.pointer(as: Float.self)
        Threading.parallelFor(c, grain: Swift.max(1, Threading.grainSize / Swift.max(n * s, 1))) { c0, c1 in
            for ch in c0..<c1 {
                var sg = 0.0, sgx = 0.0
                for i in 0..<n {
                    let off = (i * c + ch) * s
                    sg += st_sum_f32(pg + off, Int64(s))
                    sgx += st_sum_dev_product_f32(pg + off, px + off, Int64(s), pm[ch])
                }
                ps[ch] = Float(sg)
                ps[c + ch] = Float(sgx)
                let invstd = 1 / (pv[ch] + Float(eps)).squareRoot()
                pgb?[ch] = Float(sg)
                pgw?[ch] = Float(sgx) * invstd
            }
        }
        if let pgx {
            Threading.parallelFor(n * c, grain: Swift.max(1, Threading.grainSize / Swift.max(s, 1))) { p0, p1 in
                for plane in p0..<p1 {
                    let ch = plane % c
                    let invstd = 1 / (pv[ch] + Float(eps)).squareRoot()
                    let w = pw?[ch] ?? 1
                    let k1 = w * invstd
                    let k2 = -w * invstd * invstd * invstd * ps[c + ch] / count
                    let k0 = -w * invstd * ps[ch] / count - k2 * pm[ch]
                    st_affine2_f32(pg + plane * s, px + plane * s, Int64(s), k1, k2, k0, pgx + plane * s)
                }
            }
        }
        return true
    }
}
