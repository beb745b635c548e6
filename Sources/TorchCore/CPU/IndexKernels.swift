import CTorchKernels

extension CPUBackend {
    func softmax(_ x: Tensor, log: Bool, into out: Tensor) -> Bool {
        guard x.dtype == .float32, x.isContiguous, let cols = x.shape.last, cols > 0 else { return false }
        let rows = x.numel / cols
        let px = SendablePointer(raw: UnsafeMutableRawPointer(x.pointer(as: Float.self)))
        let po = SendablePointer(raw: UnsafeMutableRawPointer(out.pointer(as: Float.self)))
        Threading.parallelFor(rows, grain: max(1, 8192 / cols)) { s, e in
            st_softmax_rows_f32(px.raw.assumingMemoryBound(to: Float.self) + s * cols,
                                po.raw.assumingMemoryBound(to: Float.self) + s * cols, Int64(e - s), Int64(cols), log ? 1 : 0)
        }
        return true
    }

    func softmaxBackward(_ y: Tensor, _ gy: Tensor, log: Bool, into out: Tensor) -> Bool {
        guard y.dtype == .float32, gy.dtype == .float32, y.isContiguous, gy.isContiguous,
              let cols = y.shape.last, cols > 0 else { return false }
        let rows = y.numel / cols
        let py = y.pointer(as: Float.self), pg = gy.pointer(as: Float.self), po = out.pointer(as: Float.self)
        Threading.parallelFor(rows, grain: max(1, 8192 / cols)) { s, e in
            st_softmax_backward_rows_f32(py + s * cols, pg + s * cols, po + s * cols, Int64(e - s), Int64(cols), log ? 1 : 0)
        }
        return true
    }

    /// Index arithmetic shared by gather and scatter: for each element of `index`
    /// (iterated with its own shape), the offset in the indexed tensor along `dim`
    /// and in the other tensor.
    @inline(__always)
    private func forEachIndexed(
        index: Tensor, dim: Int, indexed: Tensor, other: Tensor,
        _ body: (_ indexedOffset: Int, _ otherOffset: Int) -> Void
    ) {
        let shape = index.shape
        var idxStrides = index.strides, indexedStrides = indexed.strides, otherStrides = other.strides
        // the indexed tensor does not advance along `dim`; its offset comes from the index value
        let dimStride = indexed.strides.isEmpty ? 0 : indexed.strides[dim]
        if !indexedStrides.isEmpty { indexedStrides[dim] = 0 }
        if shape.isEmpty { idxStrides = []; indexedStrides = []; otherStrides = [] }
        let plan = LoopPlan(shape: shape, strides: [idxStrides, indexedStrides, otherStrides])
        let pi = index.pointer(as: Int64.self)
        let last = plan.shape.count - 1
        let si = plan.strides[0][last], sd = plan.strides[1][last], so = plan.strides[2][last]
        plan.forEachRow(from: 0, to: plan.numel) { offs, n in
            for j in 0..<n {
                let iv = Int(pi[offs[0] + j * si])
                body(indexed.storageOffset + offs[1] + j * sd + iv * dimStride, other.storageOffset + offs[2] + j * so)
            }
        }
    }

    func gather(_ src: Tensor, dim: Int, index: Tensor, into out: Tensor) {
        func typed<T>(_: T.Type) {
            let ps = src.storage.data.assumingMemoryBound(to: T.self)
            let po = out.storage.data.assumingMemoryBound(to: T.self)
            forEachIndexed(index: index, dim: dim, indexed: src, other: out) { si, oi in po[oi] = ps[si] }
        }
        switch src.dtype.itemSize {
        case 1: typed(UInt8.self)
        case 2: typed(UInt16.self)
        case 4: typed(UInt32.self)
        default: typed(UInt64.self)
        }
    }

    func scatter(_ src: Tensor, dim: Int, index: Tensor, into out: Tensor, accumulate: Bool) {
        if !accumulate {
            func typed<T>(_: T.Type) {
                let ps = src.storage.data.assumingMemoryBound(to: T.self)
                let po = out.storage.data.assumingMemoryBound(to: T.self)
                forEachIndexed(index: index, dim: dim, indexed: out, other: src) { oi, si in po[oi] = ps[si] }
            }
            switch src.dtype.itemSize {
            case 1: typed(UInt8.self)
            case 2: typed(UInt16.self)
            case 4: typed(UInt32.self)
            default: typed(UInt64.self)
            }
            return
        }
        func add<T: TensorElement>(_: T.Type) {
            let ps = src.storage.data.assumingMemoryBound(to: T.self)
            let po = out.storage.data.assumingMemoryBound(to: T.self)
            forEachIndexed(index: index, dim: dim, indexed: out, other: src) { oi, si in po[oi] = T.accumulate(po[oi], ps[si]) }
        }
        switch src.dtype {
        case .float32: add(Float.self)
        case .float64: add(Double.self)
        case .float16: add(Float16.self)
        case .bfloat16: add(BFloat16.self)
        case .int64: add(Int64.self)
        case .int32: add(Int32.self)
        case .int16: add(Int16.self)
        case .int8: add(Int8.self)
        case .uint8: add(UInt8.self)
        case .bool: add(Bool.self)
        }
    }

    func sort(_ x: Tensor, descending: Bool, values: Tensor, indices: Tensor) {
        switch x.dtype {
        case .float32: sortTyped(Float.self, x, descending, values, indices)
        case .float64: sortTyped(Double.self, x, descending, values, indices)
        case .float16: sortTyped(Float16.self, x, descending, values, indices)
        case .bfloat16: sortTyped(BFloat16.self, x, descending, values, indices)
        case .int64: sortTyped(Int64.self, x, descending, values, indices)
        case .int32: sortTyped(Int32.self, x, descending, values, indices)
        case .int16: sortTyped(Int16.self, x, descending, values, indices)
        case .int8: sortTyped(Int8.self, x, descending, values, indices)
        case .uint8: sortTyped(UInt8.self, x, descending, values, indices)
        case .bool: sortTyped(Bool.self, x, descending, values, indices)
        }
    }

    /// Stable sort of each contiguous row; NaN sorts as the largest value, like PyTorch.
    private func sortTyped<S: TensorElement>(_: S.Type, _ x: Tensor, _ descending: Bool, _ values: Tensor, _ indices: Tensor) {
        let cols = x.shape.last ?? 1
        let rows = cols == 0 ? 0 : x.numel / cols
        let px = x.pointer(as: S.self), pv = values.pointer(as: S.self), pi = indices.pointer(as: Int64.self)
        var order = [Int](repeating: 0, count: cols)
        for r in 0..<rows {
            let p = px + r * cols
            for i in 0..<cols { order[i] = i }
            order.sort { i, j in
                let a = p[i].doubleValue, b = p[j].doubleValue
                if a.isNaN || b.isNaN {
                    if a.isNaN && b.isNaN { return i < j }
                    return descending ? a.isNaN : b.isNaN
                }
                if a == b { return i < j }
                return descending ? a > b : a < b
            }
            for i in 0..<cols {
                pv[r * cols + i] = p[order[i]]
                pi[r * cols + i] = Int64(order[i])
            }
        }
    }
}
