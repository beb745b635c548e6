/// One item of a subscript: `x[0, 1..<3, .newAxis, .ellipsis, mask]`.
public struct TensorIndex: TensorIndexConvertible {
    enum Kind {
        case index(Int)
        case slice(Int?, Int?, Int)
        case newAxis
        case ellipsis
        case tensor(Tensor)
    }
    let kind: Kind
    public var tensorIndex: TensorIndex { self }
}

extension TensorIndexConvertible where Self == TensorIndex {
    /// An integer index (removes the dimension).
    public static func index(_ i: Int) -> TensorIndex { TensorIndex(kind: .index(i)) }
    /// Python's `start:stop:step` (nil parts omitted).
    public static func slice(_ start: Int?, _ stop: Int?, _ step: Int = 1) -> TensorIndex { TensorIndex(kind: .slice(start, stop, step)) }
    /// A new axis of size 1 (Python's `None`).
    public static var newAxis: TensorIndex { TensorIndex(kind: .newAxis) }
    /// `...`: as many full slices as needed.
    public static var ellipsis: TensorIndex { TensorIndex(kind: .ellipsis) }
    /// `:`.
    public static var all: TensorIndex { TensorIndex(kind: .slice(nil, nil, 1)) }
    /// An integer tensor (advanced indexing) or a bool mask.
    public static func tensor(_ t: Tensor) -> TensorIndex { TensorIndex(kind: .tensor(t)) }
}

public protocol TensorIndexConvertible { var tensorIndex: TensorIndex { get } }
extension Int: TensorIndexConvertible { public var tensorIndex: TensorIndex { .index(self) } }
extension Range: TensorIndexConvertible where Bound == Int { public var tensorIndex: TensorIndex { .slice(lowerBound, upperBound, 1) } }
extension ClosedRange: TensorIndexConvertible where Bound == Int { public var tensorIndex: TensorIndex { .slice(lowerBound, upperBound + 1, 1) } }
extension PartialRangeFrom: TensorIndexConvertible where Bound == Int { public var tensorIndex: TensorIndex { .slice(lowerBound, nil, 1) } }
extension PartialRangeUpTo: TensorIndexConvertible where Bound == Int { public var tensorIndex: TensorIndex { .slice(nil, upperBound, 1) } }
extension PartialRangeThrough: TensorIndexConvertible where Bound == Int { public var tensorIndex: TensorIndex { .slice(nil, upperBound + 1, 1) } }
extension StrideTo: TensorIndexConvertible where Element == Int {
    public var tensorIndex: TensorIndex {
        let values = Array(self)
        guard let first = values.first else { return .slice(0, 0, 1) }
        let step = values.count > 1 ? values[1] - first : 1
        return .slice(first, first + step * values.count, step)
    }
}
extension Tensor: TensorIndexConvertible { public var tensorIndex: TensorIndex { .tensor(self) } }

extension Tensor {
    public subscript(_ indices: TensorIndexConvertible...) -> Tensor {
        get { run { () throws(TorchError) -> Tensor in try getItem(indices.map(\.tensorIndex)) } }
        set { run { () throws(TorchError) -> Void in try setItem(indices.map(\.tensorIndex), newValue) } }
    }

    public subscript(_ indices: [TensorIndex]) -> Tensor {
        get { run { () throws(TorchError) -> Tensor in try getItem(indices) } }
        set { run { () throws(TorchError) -> Void in try setItem(indices, newValue) } }
    }

    /// Writes `value` into the elements selected by `indices` (Python's `x[...] = value`).
    public func setItem(_ indices: [TensorIndexConvertible], _ value: Scalar) {
        run { () throws(TorchError) -> Void in try setItem(indices.map(\.tensorIndex), Tensor(scalar: value, dtype: dtype)) }
    }

    /// Basic indexing as views, then advanced (tensor) indexing as a gather.
    func getItem(_ indices: [TensorIndex]) throws(TorchError) -> Tensor {
        let (view, advanced) = try applyBasicIndices(indices)
        if advanced.isEmpty { return view === self ? try alias() : view }
        return try view.advancedIndex(advanced)
    }

    private func alias() throws(TorchError) -> Tensor {
        makeView(self, shape: shape, strides: strides, offset: storageOffset, name: "AliasBackward0") { $0 }
    }

    func setItem(_ indices: [TensorIndex], _ value: Tensor) throws(TorchError) {
        let (view, advanced) = try applyBasicIndices(indices)
        if advanced.isEmpty {
            if view === self {
                copy_(value)
            } else {
                view.copy_(value)
            }
            return
        }
        try view.applyInPlace("index_put_") { s throws(TorchError) in try s.indexPut(advanced, value, accumulate: false) }
    }

    /// Applies ints, slices, new axes and the ellipsis; returns the view and the
    /// remaining tensor indices with the view dimension each applies to.
    func applyBasicIndices(_ indices: [TensorIndex]) throws(TorchError) -> (Tensor, [(dim: Int, index: Tensor)]) {
        var consumed = 0
        var ellipses = 0
        for i in indices {
            switch i.kind {
            case .index, .slice: consumed += 1
            case .tensor(let t): consumed += t.dtype == .bool || t.dtype == .uint8 ? Swift.max(t.rank, 1) : 1
            case .ellipsis: ellipses += 1
            case .newAxis: break
            }
        }
        try check(ellipses <= 1, "an index can only have a single ellipsis ('...')")
        try check(consumed <= rank, "too many indices for tensor of dimension \(rank)")
        var expanded: [TensorIndex] = []
        for i in indices {
            if case .ellipsis = i.kind {
                expanded += [TensorIndex](repeating: .all, count: rank - consumed)
            } else {
                expanded.append(i)
            }
        }
        var t = self
        var dim = 0
        var advanced: [(Int, Tensor)] = []
        for i in expanded {
            switch i.kind {
            case .index(let k):
                let n = t.shape[dim]
                try check(k >= -n && k < n, "index \(k) is out of bounds for dimension \(dim) with size \(n)")
                t = try t.selectOp(dim, k)
            case .slice(let s, let e, let step):
                try check(step > 0, "step must be greater than zero")
                t = t.slice(dim, start: s, end: e, step: step)
                dim += 1
            case .newAxis:
                t = t.unsqueeze(dim)
                dim += 1
            case .ellipsis:
                break
            case .tensor(let idx):
                if idx.dtype == .bool || idx.dtype == .uint8 {
                    let r = Swift.max(idx.rank, 1)
                    for k in 0..<idx.rank {
                        try check(idx.shape[k] == t.shape[dim + k], "The shape of the mask \(shapeString(idx.shape)) at index \(k) does not match the shape of the indexed tensor \(shapeString(t.shape)) at index \(dim + k)")
                    }
                    if idx.rank == 0 {
                        // a 0-d mask adds a dimension of size 1 (true) or 0 (false)
                        t = t.unsqueeze(dim)
                        let keep = idx.item().doubleValue != 0
                        advanced.append((dim, Tensor(keep ? [Int64(0)] : [], shape: [keep ? 1 : 0])))
                        dim += 1
                        continue
                    }
                    let nz = idx.nonzero()
                    for k in 0..<r { advanced.append((dim + k, nz.select(1, k))) }
                    dim += r
                } else {
                    try check(idx.dtype.isIntegral, "tensors used as indices must be long, int, byte or bool tensors")
                    advanced.append((dim, idx.to(.int64)))
                    dim += 1
                }
            }
        }
        return (t, advanced)
    }

    /// x[idx0, idx1, ...] for tensor indices on the given dims (NumPy's advanced indexing).
    func advancedIndex(_ advanced: [(dim: Int, index: Tensor)]) throws(TorchError) -> Tensor {
        let (flat, linear, bshape, dims) = try linearizeAdvanced(advanced)
        let picked = flat.indexSelect(0, linear.reshape([-1]))
        let rest = Array(picked.shape.dropFirst())
        var result = picked.reshape(bshape + rest)
        // adjacent advanced dims keep their place; otherwise they go first
        let adjacent = zip(dims, dims.dropFirst()).allSatisfy { $1 == $0 + 1 }
        if adjacent && dims[0] > 0 {
            let nb = bshape.count
            var order = Array(nb..<(nb + dims[0])) + Array(0..<nb)
            order += Array((nb + dims[0])..<result.rank)
            result = result.permute(order)
        }
        return result
    }

    /// Moves indexed dims first and flattens them; returns the flattened tensor, the
    /// linear index tensor, the broadcast index shape and the indexed dims.
    func linearizeAdvanced(_ advanced: [(dim: Int, index: Tensor)]) throws(TorchError) -> (Tensor, Tensor, [Int], [Int]) {
        let dims = advanced.map(\.dim)
        var bshape: [Int] = []
        for a in advanced { bshape = try broadcastShapes(bshape, a.index.shape, op: "index") }
        let others = (0..<rank).filter { !dims.contains($0) }
        let moved = permute(dims + others)
        var linear = Tensor.zeros(bshape, dtype: .int64)
        var stride = 1
        for (k, a) in advanced.enumerated().reversed() {
            let n = shape[a.dim]
            let idx = try wrappedIndexAny(a.index, size: n, dim: a.dim)
            linear = linear + idx.expand(bshape) * stride
            stride *= n
            _ = k
        }
        let flat = moved.reshape([stride] + others.map { shape[$0] })
        return (flat, linear, bshape, dims)
    }

    private func wrappedIndexAny(_ index: Tensor, size: Int, dim: Int) throws(TorchError) -> Tensor {
        let c = index.contiguous()
        let p = c.pointer(as: Int64.self)
        for i in 0..<c.numel {
            let v = Int(p[i])
            if v < -size || v >= size { throw TorchError("index \(v) is out of bounds for dimension \(dim) with size \(size)") }
        }
        return Tensor.where(c < 0, c + size, c)
    }

    /// A copy with `values` written (or added) at the advanced indices (`index_put`).
    func indexPut(_ advanced: [(dim: Int, index: Tensor)], _ values: Tensor, accumulate: Bool) throws(TorchError) -> Tensor {
        let (flat, linear, bshape, dims) = try linearizeAdvanced(advanced)
        let others = (0..<rank).filter { !dims.contains($0) }
        let rest = others.map { shape[$0] }
        // values broadcast to the shape x[indices] has (advanced dims first here)
        var target = bshape + rest
        let adjacent = zip(dims, dims.dropFirst()).allSatisfy { $1 == $0 + 1 }
        var v = values.dtype == dtype ? values : try values.cast(to: dtype)
        if adjacent && dims[0] > 0 {
            // user-facing layout puts the index dims at dims[0]; move them first
            let lead = Array(rest[..<dims[0]]), trail = Array(rest[dims[0]...])
            let userShape = lead + bshape + trail
            v = v.expand(userShape)
            let nb = bshape.count
            let order = Array(dims[0]..<(dims[0] + nb)) + Array(0..<dims[0]) + Array((dims[0] + nb)..<userShape.count)
            v = v.permute(order)
        } else {
            v = v.expand(target)
        }
        target = [shapeNumel(bshape)] + rest
        let src = v.reshape(target)
        var idxShape = [Int](repeating: 1, count: target.count)
        idxShape[0] = target[0]
        let idx = linear.reshape(idxShape).expand(target).contiguous()
        let flatC = flat.contiguous()
        let updated = accumulate ? flatC.scatterAdd(0, idx, src) : try flatC.scatterOp(0, idx, src, accumulate: false)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, d) in (dims + others).enumerated() { inverse[d] = i }
        return updated.reshape(dims.map { shape[$0] } + rest).permute(inverse)
    }

    /// Writes (or adds) `values` at tensor indices, one per leading dim (`index_put_`).
    @discardableResult
    public func indexPut_(_ indices: [Tensor], _ values: Tensor, accumulate: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Void in
            let adv = indices.enumerated().map { (dim: $0.offset, index: $0.element) }
            try applyInPlace("index_put_") { s throws(TorchError) in try s.indexPut(adv, values, accumulate: accumulate) }
        }
        return self
    }

    /// Out-of-place `index_put`.
    public func indexPut(_ indices: [Tensor], _ values: Tensor, accumulate: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try indexPut(indices.enumerated().map { (dim: $0.offset, index: $0.element) }, values, accumulate: accumulate)
        }
    }
}
