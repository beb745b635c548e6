extension Tensor {
    func checkIndexTensor(_ index: Tensor, op: String) throws(TorchError) {
        try check(index.dtype == .int64, "\(op)(): Expected dtype int64 for index")
    }

    /// Checks every index value lies in [-size, size) and returns them wrapped to [0, size).
    func wrappedIndex(_ index: Tensor, size: Int, op: String, dim: Int) throws(TorchError) -> Tensor {
        let c = index.contiguous()
        let p = c.pointer(as: Int64.self)
        var needsWrap = false
        for i in 0..<c.numel {
            let v = Int(p[i])
            if v < -size || v >= size {
                throw TorchError("\(op)(): index \(v) is out of bounds for dimension \(dim) with size \(size)")
            }
            if v < 0 { needsWrap = true }
        }
        if !needsWrap { return c }
        let w = c.clone()
        let q = w.pointer(as: Int64.self)
        for i in 0..<w.numel where q[i] < 0 { q[i] += Int64(size) }
        return w
    }

    /// out[i][j] = self[index[i][j]][j] for dim 0, etc. (`gather`).
    public func gather(_ dim: Int, _ index: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in try gatherOp(dim, index) }
    }

    func gatherOp(_ dim: Int, _ index: Tensor) throws(TorchError) -> Tensor {
        let d = try normalizeDim(dim, rank, op: "gather")
        try checkIndexTensor(index, op: "gather")
        try check(index.rank == rank || (rank == 0 && index.rank <= 1), "Index tensor must have the same number of dimensions as input tensor")
        for k in 0..<index.rank where k != d {
            try check(index.shape[k] <= shape[k], "Size does not match at dimension \(k) expected index \(shapeString(index.shape)) to be smaller than self \(shapeString(shape)) apart from dimension \(d)")
        }
        let idx = try wrappedIndex(index, size: rank == 0 ? 1 : shape[d], op: "gather", dim: d)
        let out = Tensor(uninitializedShape: index.shape, dtype: dtype, device: device)
        let src = rank == 0 ? reshape([1]) : self
        backend(for: device).gather(src.detach(), dim: d, index: idx.rank == 0 ? idx.reshape([1]) : idx, into: out.rank == 0 ? out.reshape([1]) : out)
        if needsGrad(self) {
            let inShape = shape
            record("GatherBackward0", inputs: [self], outputs: [out]) { _ in
                { grads, node throws(TorchError) in [Tensor.zeros(inShape, dtype: grads[0]!.dtype).scatterAdd(d, idx, grads[0]!)] }
            }
        }
        return out
    }

    /// A copy with src values written at `index` along `dim` (`scatter`).
    public func scatter(_ dim: Int, _ index: Tensor, _ src: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in try scatterOp(dim, index, src, accumulate: false) }
    }
    public func scatter(_ dim: Int, _ index: Tensor, value: Scalar) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try scatterOp(dim, index, Tensor.full(index.shape, value, dtype: dtype), accumulate: false)
        }
    }
    /// A copy with src values added at `index` along `dim` (`scatter_add`).
    public func scatterAdd(_ dim: Int, _ index: Tensor, _ src: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in try scatterOp(dim, index, src, accumulate: true) }
    }

    func scatterOp(_ dim: Int, _ index: Tensor, _ src: Tensor, accumulate: Bool) throws(TorchError) -> Tensor {
        let name = accumulate ? "scatter_add" : "scatter"
        let d = try normalizeDim(dim, rank, op: name)
        try checkIndexTensor(index, op: name)
        try check(src.dtype == dtype, "\(name)(): Expected self.dtype to be equal to src.dtype")
        try check(index.rank == rank, "Index tensor must have the same number of dimensions as self tensor")
        for k in 0..<index.rank {
            try check(index.shape[k] <= src.shape[k], "Expected index \(shapeString(index.shape)) to be smaller than self \(shapeString(shape)) apart from dimension \(d) and to be smaller size than src \(shapeString(src.shape))")
            if k != d { try check(index.shape[k] <= shape[k], "Expected index \(shapeString(index.shape)) to be smaller than self \(shapeString(shape)) apart from dimension \(d) and to be smaller size than src \(shapeString(src.shape))") }
        }
        let idx = try wrappedIndex(index, size: shape[d], op: name, dim: d)
        let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
        let be = backend(for: device)
        be.copy(self, into: out)
        be.scatter(src.detach(), dim: d, index: idx, into: out, accumulate: accumulate)
        if needsGrad(self, src) {
            let selfNeeds = requiresGradFlag, srcNeeds = src.requiresGradFlag
            record(accumulate ? "ScatterAddBackward0" : "ScatterBackward0", inputs: [self, src], outputs: [out]) { _ in
                { grads, node throws(TorchError) in
                    let g = grads[0]!
                    let gSelf = accumulate ? g : g.scatter(d, idx, value: 0)
                    let gSrc = g.gather(d, idx)
                    return [selfNeeds ? gSelf : nil, srcNeeds ? gSrc : nil]
                }
            }
        }
        return out
    }

    /// Rows (or slices along `dim`) picked by a 1-d index (`index_select`).
    public func indexSelect(_ dim: Int, _ index: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let d = try normalizeDim(dim, rank, op: "index_select")
            try check(index.rank <= 1, "index_select(): Index is supposed to be a vector")
            try check(index.dtype == .int64 || index.dtype == .int32, "index_select(): Expected dtype int32/int64 for index")
            let idx = index.to(.int64).reshape([-1])
            if rank == 0 { return try gatherOp(0, idx) }
            var viewShape = [Int](repeating: 1, count: rank)
            viewShape[d] = idx.numel
            var target = shape
            target[d] = idx.numel
            let expanded = idx.reshape(viewShape).expand(target)
            return try gatherOp(d, expanded.contiguous())
        }
    }

    /// A copy with `alpha * source` slices added at `index` along `dim` (`index_add`).
    public func indexAdd(_ dim: Int, _ index: Tensor, _ source: Tensor, alpha: Scalar = 1) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let d = try normalizeDim(dim, rank, op: "index_add")
            try check(index.rank <= 1, "index_add_(): Index is supposed to be a vector")
            let idx = index.to(.int64).reshape([-1])
            try check(source.rank == 0 || source.shape[d] == idx.numel, "index_add_(): Number of indices (\(idx.numel)) should be equal to source.size(dim) (\(source.rank == 0 ? 1 : source.shape[d]))")
            var viewShape = [Int](repeating: 1, count: rank)
            viewShape[d] = idx.numel
            let expanded = idx.reshape(viewShape).expand(source.shape).contiguous()
            let src = alpha == 1 ? source : source * alpha
            return try scatterOp(d, expanded, src, accumulate: true)
        }
    }

    /// The elements where `mask` is true, as a 1-d tensor (`masked_select`).
    public func maskedSelect(_ mask: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(mask.dtype == .bool, "masked_select: expected BoolTensor for mask")
            let shape = try broadcastShapes(self.shape, mask.shape, op: "masked_select")
            let x = self.expand(shape), m = mask.expand(shape)
            let idx = m.nonzeroFlat()
            return x.reshape([-1]).indexSelect(0, idx)
        }
    }

    /// Flat indices of the nonzero elements.
    func nonzeroFlat() -> Tensor {
        let c = self.to(.bool).contiguous()
        let p = c.pointer(as: Bool.self)
        var out: [Int64] = []
        for i in 0..<c.numel where p[i] { out.append(Int64(i)) }
        return Tensor(out, shape: [out.count])
    }

    /// Indices of the nonzero elements, one row per element (`nonzero`).
    public func nonzero() -> Tensor {
        let flat = nonzeroFlat().toArray(Int64.self)
        var values: [Int64] = []
        values.reserveCapacity(flat.count * rank)
        let st = contiguousStrides(shape)
        for f in flat {
            var rem = Int(f)
            for d in 0..<rank {
                values.append(Int64(rem / st[d]))
                rem %= st[d]
            }
        }
        return Tensor(values, shape: [flat.count, rank])
    }

    /// `take_along_dim`: gather with broadcasting of the index; flattened when `dim` is nil.
    public func takeAlongDim(_ indices: Tensor, dim: Int? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            guard let dim else { return try reshape([-1]).gatherOp(0, indices.reshape([-1])) }
            let d = try normalizeDim(dim, rank, op: "take_along_dim")
            var selfShape = shape, idxShape = indices.shape
            selfShape[d] = 1
            idxShape[d] = 1
            let b = try broadcastShapes(selfShape, idxShape, op: "take_along_dim")
            var st = b, it = b
            st[d] = shape[d]
            it[d] = indices.shape[d]
            return try expand(st).gatherOp(d, indices.expand(it).contiguous())
        }
    }
}
