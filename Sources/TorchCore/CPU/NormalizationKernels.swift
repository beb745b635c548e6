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
