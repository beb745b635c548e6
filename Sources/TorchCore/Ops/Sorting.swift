extension Tensor {
    /// Sorted values and their original indices along `dim` (stable).
    public func sort(dim: Int = -1, descending: Bool = false) -> (values: Tensor, indices: Tensor) {
        run { () throws(TorchError) -> (Tensor, Tensor) in try sortOp(dim: dim, descending: descending) }
    }

    func sortOp(dim: Int, descending: Bool) throws(TorchError) -> (Tensor, Tensor) {
        let d = try normalizeDim(dim, rank, op: "sort")
        if rank == 0 { return (clone(), Tensor.zeros([], dtype: .int64)) }
        let moved = withNoGrad { movedim(d, -1).contiguous() }
        let values = Tensor(uninitializedShape: moved.shape, dtype: dtype, device: device)
        let indices = Tensor(uninitializedShape: moved.shape, dtype: .int64, device: device)
        backend(for: device).sort(moved, descending: descending, values: values, indices: indices)
        let v = values.movedim(-1, d).detach(), i = indices.movedim(-1, d).detach()
        return (try gatherWithGrad(v, i, dim: d, name: "SortBackward0"), i)
    }

    /// Attaches the gradient of "values = self.gather(dim, indices)" to `values`.
    func gatherWithGrad(_ values: Tensor, _ indices: Tensor, dim: Int, name: String) throws(TorchError) -> Tensor {
        if needsGrad(self) {
            let inShape = shape
            let si = SavedTensor(indices)
            record(name, inputs: [self], outputs: [values]) { node in
                { grads, node throws(TorchError) in
                    let idx = try si.unpack(node)
                    return [Tensor.zeros(inShape, dtype: grads[0]!.dtype).scatter(dim, idx, grads[0]!)]
                }
            }
        }
        return values
    }

    /// Indices that sort along `dim` (`argsort`).
    public func argsort(dim: Int = -1, descending: Bool = false) -> Tensor { sort(dim: dim, descending: descending).indices }

    /// The `k` largest (or smallest) values along `dim` and their indices (`topk`).
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) -> (values: Tensor, indices: Tensor) {
        run { () throws(TorchError) -> (Tensor, Tensor) in
            let d = try normalizeDim(dim, rank, op: "topk")
            let n = rank == 0 ? 1 : shape[d]
            try check(k >= 0 && k <= n, "selected index k out of range")
            let (_, idx) = try withNoGrad { () throws(TorchError) -> (Tensor, Tensor) in try detach().sortOp(dim: d, descending: largest) }
            let top = rank == 0 ? idx : idx.narrow(d, start: 0, length: k).contiguous()
            let values = withNoGrad { self.gather(d, top) }
            return (try gatherWithGrad(values.detach(), top, dim: d, name: "TopkBackward0"), top)
        }
    }

    /// The lower median of all elements (`median()`).
    public func median() -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(numel > 0, "median() input tensor cannot be empty")
            let flat = reshape([-1])
            let (v, _) = try flat.medianAlong(0, keepdim: false)
            return v
        }
    }

    /// Lower medians along `dim` and their indices (`median(dim)`).
    public func median(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        run { () throws(TorchError) -> (Tensor, Tensor) in try medianAlong(dim, keepdim: keepdim) }
    }

    func medianAlong(_ dim: Int, keepdim: Bool) throws(TorchError) -> (Tensor, Tensor) {
        let d = try normalizeDim(dim, rank, op: "median")
        if rank == 0 { return (clone(), Tensor.zeros([], dtype: .int64)) }
        let n = shape[d]
        try check(n > 0, "median(): Expected reduction dim \(d) to have non-zero size.")
        let (sortedValues, order) = try withNoGrad { () throws(TorchError) -> (Tensor, Tensor) in try detach().sortOp(dim: d, descending: false) }
        // NaN sorts last; a row with NaN has median NaN (at the first NaN)
        let nanCount = sortedValues.isnan().sum(dim: d, keepdim: true)
        let pos = Tensor.where(nanCount > 0, Tensor.wrapped(.int(Int64(n))) - nanCount, Tensor.full(nanCount.shape, .int(Int64((n - 1) / 2)), dtype: .int64))
        let idx = order.gather(d, pos)
        let values = withNoGrad { self.gather(d, idx) }
        var v = try gatherWithGrad(values.detach(), idx, dim: d, name: "MedianBackward1")
        var i = idx
        if !keepdim { v = v.squeeze(d); i = i.squeeze(d) }
        return (v, i)
    }

    /// Limits values to [min, max] (`clamp`); the gradient passes where min <= x <= max.
    public func clamp(min lo: Scalar? = nil, max hi: Scalar? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(lo != nil || hi != nil, "torch.clamp: At least one of 'min' or 'max' must not be None")
            return try clampOp(lo.map { Tensor.wrapped($0) }, hi.map { Tensor.wrapped($0) })
        }
    }

    public func clamp(min lo: Tensor?, max hi: Tensor?) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(lo != nil || hi != nil, "torch.clamp: At least one of 'min' or 'max' must not be None")
            return try clampOp(lo, hi)
        }
    }

    func clampOp(_ lo: Tensor?, _ hi: Tensor?) throws(TorchError) -> Tensor {
        var types = [self]
        if let lo { types.append(lo) }
        if let hi { types.append(hi) }
        let t = resultType(types)
        let x = dtype == t ? self : try cast(to: t)
        var r = withNoGrad { x.detach() }
        try withNoGrad { () throws(TorchError) in
            if let lo { r = try binaryOp(.maximum, r, lo) }
            if let hi { r = try binaryOp(.minimum, r, hi) }
            // NaN bounds propagate and x NaN stays NaN (maximum/minimum already do)
        }
        let out = r.detach()
        if needsGrad([x] + (lo.map { [$0] } ?? []) + (hi.map { [$0] } ?? [])) {
            let sx = SavedTensor(x)
            let inputs = [x] + (lo.map { [$0] } ?? []) + (hi.map { [$0] } ?? [])
            record("ClampBackward1", inputs: inputs, outputs: [out]) { node in
                { grads, node throws(TorchError) in
                    let g = grads[0]!, xv = try sx.unpack(node)
                    var pass = Tensor.full(xv.shape, .bool(true), dtype: .bool)
                    var result: [Tensor?] = []
                    var loMask: Tensor? = nil, hiMask: Tensor? = nil
                    if let lo { loMask = xv < lo; pass = pass.logicalAnd(xv >= lo) }
                    if let hi { hiMask = xv > hi; pass = pass.logicalAnd(xv <= hi) }
                    result.append(Tensor.where(pass, g, Tensor.wrapped(.int(0))))
                    if let lo, let m = loMask { result.append(reduceGrad(Tensor.where(m, g, Tensor.wrapped(.int(0))), to: lo.shape, dtype: lo.dtype)) }
                    if let hi, let m = hiMask {
                        let onlyHi = loMask.map { m.logicalAnd($0.logicalNot()) } ?? m
                        result.append(reduceGrad(Tensor.where(onlyHi, g, Tensor.wrapped(.int(0))), to: hi.shape, dtype: hi.dtype))
                    }
                    return result
                }
            }
        }
        return out
    }
}

