extension Tensor {
    /// Concatenates along `dim` (`torch.cat`); dtypes promote.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        run { () throws(TorchError) -> Tensor in try catOp(tensors, dim: dim) }
    }

    static func catOp(_ tensors: [Tensor], dim: Int) throws(TorchError) -> Tensor {
        try check(!tensors.isEmpty, "torch.cat(): expected a non-empty list of Tensors")
        // PyTorch skips 1-d empty tensors in cat
        let parts = tensors.filter { !($0.rank == 1 && $0.numel == 0) }
        guard let ref = parts.first else { return tensors[0].clone() }
        try check(ref.rank > 0, "zero-dimensional tensor (at position 0) cannot be concatenated")
        let d = try normalizeDim(dim, ref.rank, op: "cat")
        var total = 0
        for (i, t) in parts.enumerated() {
            try check(t.rank == ref.rank, "Tensors must have same number of dimensions: got \(ref.rank) and \(t.rank)")
            for k in 0..<ref.rank where k != d {
                try check(t.shape[k] == ref.shape[k], "Sizes of tensors must match except in dimension \(d). Expected size \(ref.shape[k]) but got size \(t.shape[k]) for tensor number \(i) in the list.")
            }
            total += t.shape[d]
        }
        let outType = resultType(parts)
        var outShape = ref.shape
        outShape[d] = total
        let out = Tensor(uninitializedShape: outShape, dtype: outType, device: ref.device)
        var start = 0
        let be = backend(for: ref.device)
        for t in parts {
            let region = Tensor(storage: out.storage, shape: t.shape, strides: out.strides,
                                offset: start * out.strides[d], dtype: outType)
            be.copy(t, into: region)
            start += t.shape[d]
        }
        if needsGrad(parts) {
            let sizes = parts.map { $0.shape[d] }
            let types = parts.map(\.dtype)
            record("CatBackward0", inputs: parts, outputs: [out]) { _ in
                { grads, node throws(TorchError) in
                    let pieces = grads[0]!.split(sizes: sizes, dim: d)
                    return zip(pieces, types).map { p, t in p.to(t) }
                }
            }
        }
        return out
    }

    /// Stacks along a new dimension `dim` (`torch.stack`).
    public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(!tensors.isEmpty, "stack expects a non-empty TensorList")
            let ref = tensors[0]
            let d = try normalizeDim(dim, ref.rank + 1, op: "stack")
            for (i, t) in tensors.enumerated() {
                try check(t.shape == ref.shape, "stack expects each tensor to be equal size, but got \(shapeString(ref.shape)) at entry 0 and \(shapeString(t.shape)) at entry \(i)")
            }
            return try catOp(tensors.map { $0.unsqueeze(d) }, dim: d)
        }
    }

    /// Reverses the order along `dims` (`flip`).
    public func flip(_ dims: [Int]) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let ds = try reductionDims(dims, op: "flip")
            var st = strides
            var off = storageOffset
            for d in ds where rank > 0 {
                if shape[d] > 0 { off += (shape[d] - 1) * strides[d] }
                st[d] = -strides[d]
            }
            let reversed = Tensor(storage: storage, shape: shape, strides: st, offset: off, dtype: dtype)
            let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
            backend(for: device).copy(reversed, into: out)
            if needsGrad(self) {
                record("FlipBackward0", inputs: [self], outputs: [out]) { _ in { grads, node throws(TorchError) in [grads[0]!.flip(ds)] } }
            }
            return out
        }
    }

    /// Rolls elements along `dims` by `shifts` (`roll`); without dims the flattened tensor rolls.
    public func roll(_ shifts: [Int], dims: [Int] = []) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            if dims.isEmpty {
                try check(shifts.count == 1, "roll: shifts must be a single value when dims is empty")
                return flatten().roll(shifts, dims: [0]).view(shape)
            }
            try check(shifts.count == dims.count, "shifts and dimensions must align. shifts: \(shifts.count), dims:\(dims.count)")
            var r = self
            for (s, dim) in zip(shifts, dims) {
                let d = try normalizeDim(dim, rank, op: "roll")
                let n = shape[d]
                if n == 0 { continue }
                let k = ((s % n) + n) % n
                if k == 0 { continue }
                r = Tensor.cat([r.narrow(d, start: n - k, length: k), r.narrow(d, start: 0, length: n - k)], dim: d)
            }
            return r === self ? clone() : r
        }
    }

    /// Tiles the tensor `repeats` times per dimension (`Tensor.repeat`).
    public func repeated(_ repeats: [Int]) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(repeats.count >= rank, "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
            let lead = repeats.count - rank
            let padded = [Int](repeating: 1, count: lead) + shape
            // view as [1, s0, 1, s1, ...], expand to [r0, s0, r1, s1, ...], reshape
            var inter: [Int] = [], expanded: [Int] = []
            for (r, s) in zip(repeats, padded) { inter += [1, s]; expanded += [r, s] }
            let out = zip(repeats, padded).map { $0 * $1 }
            return reshape(padded).reshape(inter).expand(expanded).contiguous().reshape(out)
        }
    }

    /// `torch.tile`: like repeat, padding `dims` with leading ones.
    public func tile(_ dims: [Int]) -> Tensor {
        let padded = dims.count < rank ? [Int](repeating: 1, count: rank - dims.count) + dims : dims
        return repeated(padded)
    }

    /// Repeats each element `repeats` times along `dim` (flattened when nil).
    public func repeatInterleave(_ repeats: Int, dim: Int? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(repeats >= 0, "repeat_interleave: repeats can not be negative")
            guard let dim else { return flatten().repeatInterleave(repeats, dim: 0) }
            let d = try normalizeDim(dim, rank, op: "repeat_interleave")
            let u = unsqueeze(d + 1)
            var e = u.shape
            e[d + 1] = repeats
            var out = shape
            out[d] *= repeats
            return u.expand(e).contiguous().reshape(out)
        }
    }

    /// Lower triangle (`tril`): elements above diagonal `diagonal` become zero.
    public func tril(_ diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: true) }
    /// Upper triangle (`triu`).
    public func triu(_ diagonal: Int = 0) -> Tensor { triangle(diagonal, lower: false) }

    private func triangle(_ k: Int, lower: Bool) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(rank >= 2, "\(lower ? "tril" : "triu"): input tensor must have at least 2 dimensions")
            let rows = Tensor.arange(0, .int(Int64(shape[rank - 2]))).unsqueeze(1)
            let cols = Tensor.arange(0, .int(Int64(shape[rank - 1]))).unsqueeze(0)
            let keep = lower ? (cols - rows) <= k : (cols - rows) >= k
            return Tensor.where(keep, self, Tensor(scalar: .int(0), dtype: dtype))
        }
    }

    /// Sum of the main diagonal of a matrix (`trace`).
    public func trace() -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(rank == 2, "trace: expected a matrix, but got tensor with dim \(rank)")
            return diagonal().sum()
        }
    }
}
