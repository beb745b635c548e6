// View ops: new shapes and strides over the same storage. Each records its
// backward in view ops too, so higher-order gradients flow through them.

/// Creates a view of `x` and records its backward.
func makeView(_ x: Tensor, shape: [Int], strides: [Int], offset: Int, name: String,
              backward: @escaping (Tensor) -> Tensor) -> Tensor {
    let v = Tensor(storage: x.storage, shape: shape, strides: strides, offset: offset, dtype: x.dtype)
    v.base = x.base ?? x
    if needsGrad(x) {
        record(name, input: x, output: v) { _ in { grads, node throws(TorchError) in [backward(grads[0]!)] } }
    }
    return v
}

/// A zero tensor of `shape` whose view `replay(zeros)` holds `g`: the backward of
/// region views (select, narrow, slicing, diagonal). Its own backward is `replay`.
func viewScatter(_ g: Tensor, shape: [Int], name: String, replay: @escaping (Tensor) -> Tensor) -> Tensor {
    let z = Tensor.zeros(shape, dtype: g.dtype, device: g.device)
    let region = withNoGrad { replay(z) }
    backend(for: z.device).copy(g, into: region)
    if needsGrad(g) {
        record(name, inputs: [g], outputs: [z]) { _ in { grads, node throws(TorchError) in [replay(grads[0]!)] } }
    }
    return z
}

extension Tensor {
    /// A view with a new shape (`view`); one dimension may be -1. Fails when the
    /// strides cannot express it (use `reshape`).
    public func view(_ shape: [Int]) -> Tensor { run { () throws(TorchError) -> Tensor in try viewOp(shape) } }
    public func view(_ shape: Int...) -> Tensor { view(shape) }

    func viewOp(_ newShape: [Int]) throws(TorchError) -> Tensor {
        let target = try inferShape(newShape, numel: numel, op: "view")
        guard let st = computeViewStrides(shape, strides, target) else {
            throw TorchError("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        }
        let inShape = shape
        return makeView(self, shape: target, strides: st, offset: storageOffset, name: "ViewBackward0") { g in g.reshape(inShape) }
    }

    /// A tensor with a new shape: a view when possible, else a copy (`reshape`).
    public func reshape(_ shape: [Int]) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let target = try inferShape(shape, numel: numel, op: "reshape")
            if computeViewStrides(self.shape, strides, target) != nil { return try viewOp(target) }
            return try contiguous().viewOp(target)
        }
    }
    public func reshape(_ shape: Int...) -> Tensor { reshape(shape) }

    /// `view(other.shape)`.
    public func viewAs(_ other: Tensor) -> Tensor { view(other.shape) }
    public func reshapeAs(_ other: Tensor) -> Tensor { reshape(other.shape) }

    /// Broadcasts size-1 dimensions to `sizes` (-1 keeps a size) without copying (`expand`).
    public func expand(_ sizes: [Int]) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(sizes.count >= rank, "expand: the number of sizes provided (\(sizes.count)) must be greater or equal to the number of dimensions in the tensor (\(rank))")
            let lead = sizes.count - rank
            var newShape = [Int](repeating: 0, count: sizes.count), newStrides = newShape
            for i in 0..<sizes.count {
                if i < lead {
                    try check(sizes[i] >= 0, "expand: the expanded size of the tensor (\(sizes[i])) isn't allowed in a leading, non-existing dimension \(i)")
                    newShape[i] = sizes[i]
                    newStrides[i] = 0
                } else {
                    let cur = shape[i - lead]
                    let want = sizes[i] == -1 ? cur : sizes[i]
                    if cur == want {
                        newShape[i] = cur
                        newStrides[i] = strides[i - lead]
                    } else {
                        try check(cur == 1, "The expanded size of the tensor (\(want)) must match the existing size (\(cur)) at non-singleton dimension \(i).  Target sizes: \(shapeString(sizes)).  Tensor sizes: \(shapeString(shape))")
                        newShape[i] = want
                        newStrides[i] = 0
                    }
                }
            }
            let inShape = shape
            return makeView(self, shape: newShape, strides: newStrides, offset: storageOffset, name: "ExpandBackward0") { g in
                g.sumToSize(inShape)
            }
        }
    }
    public func expand(_ sizes: Int...) -> Tensor { expand(sizes) }
    public func expandAs(_ other: Tensor) -> Tensor { expand(other.shape) }
    /// `torch.broadcast_to`.
    public func broadcastTo(_ shape: [Int]) -> Tensor { expand(shape) }

    /// Sums broadcast dimensions away so the result has `shape` (`sum_to_size`).
    public func sumToSize(_ target: [Int]) -> Tensor {
        if target == shape { return self }
        let lead = rank - target.count
        // leading dims of size 1 need no sum, only the reshape (which keeps the layout)
        var dims: [Int] = (0..<Swift.max(lead, 0)).filter { shape[$0] != 1 }
        for i in 0..<target.count where target[i] == 1 && shape[i + lead] != 1 { dims.append(i + lead) }
        var r = dims.isEmpty ? self : sum(dims: dims, keepdim: true)
        if lead > 0 { r = r.reshape(target) }
        return r
    }

    /// Reorders dimensions (`permute`).
    public func permute(_ dims: [Int]) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(dims.count == rank, "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = \(rank) is not equal to len(dims) = \(dims.count)")
            var seen = [Bool](repeating: false, count: rank)
            var nd = [Int]()
            for d in dims {
                let n = try normalizeDim(d, rank, op: "permute")
                try check(!seen[n], "permute(): duplicate dims are not allowed.")
                seen[n] = true
                nd.append(n)
            }
            var inverse = [Int](repeating: 0, count: rank)
            for (i, d) in nd.enumerated() { inverse[d] = i }
            return makeView(self, shape: nd.map { shape[$0] }, strides: nd.map { strides[$0] }, offset: storageOffset,
                            name: "PermuteBackward0") { g in g.permute(inverse) }
        }
    }
    public func permute(_ dims: Int...) -> Tensor { permute(dims) }

    /// Swaps two dimensions (`transpose`).
    public func transpose(_ d0: Int, _ d1: Int) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let a = try normalizeDim(d0, rank, op: "transpose"), b = try normalizeDim(d1, rank, op: "transpose")
            if rank == 0 { return makeView(self, shape: shape, strides: strides, offset: storageOffset, name: "TransposeBackward0") { $0 } }
            var order = Array(0..<rank)
            order.swapAt(a, b)
            return makeView(self, shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: storageOffset,
                            name: "TransposeBackward0") { g in g.transpose(a, b) }
        }
    }
    public func swapaxes(_ d0: Int, _ d1: Int) -> Tensor { transpose(d0, d1) }

    /// Transpose of a matrix; a 0-d or 1-d tensor is returned as is (`t()`).
    public func t() -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(rank <= 2, "t() expects a tensor with <= 2 dimensions, but self is \(rank)D")
            return rank < 2 ? self.transpose(0, 0) : self.transpose(0, 1)
        }
    }

    /// Transpose of the last two dimensions (`mT`).
    public var mT: Tensor { transpose(-2, -1) }

    /// Removes size-1 dimensions (all, or the given ones).
    public func squeeze(_ dims: [Int]? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            var drop = [Bool](repeating: false, count: rank)
            if let dims {
                for d in dims {
                    let n = try normalizeDim(d, rank, op: "squeeze")
                    if rank > 0 && shape[n] == 1 { drop[n] = true }
                }
            } else {
                for i in 0..<rank where shape[i] == 1 { drop[i] = true }
            }
            var ns: [Int] = [], nst: [Int] = []
            for i in 0..<rank where !drop[i] { ns.append(shape[i]); nst.append(strides[i]) }
            let inShape = shape
            return makeView(self, shape: ns, strides: nst, offset: storageOffset, name: "SqueezeBackward0") { g in g.reshape(inShape) }
        }
    }
    public func squeeze(_ dim: Int) -> Tensor { squeeze([dim]) }

    /// Inserts a size-1 dimension at `dim` (`unsqueeze`).
    public func unsqueeze(_ dim: Int) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let d = try normalizeDim(dim, rank + 1, op: "unsqueeze")
            var ns = shape, nst = strides
            let st = d < rank ? shape[d] * strides[d] : 1
            ns.insert(1, at: d)
            nst.insert(st, at: d)
            return makeView(self, shape: ns, strides: nst, offset: storageOffset, name: "UnsqueezeBackward0") { g in g.squeeze(d) }
        }
    }

    /// Flattens dimensions `startDim...endDim` into one (`flatten`).
    public func flatten(startDim: Int = 0, endDim: Int = -1) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            if rank == 0 { return reshape([1]) }
            let s = try normalizeDim(startDim, rank, op: "flatten"), e = try normalizeDim(endDim, rank, op: "flatten")
            try check(s <= e, "flatten() has invalid args: start_dim cannot come after end_dim")
            let merged = shape[s...e].reduce(1, *)
            return reshape(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
        }
    }

    /// Splits dimension `dim` into `sizes` (`unflatten`).
    public func unflatten(_ dim: Int, _ sizes: [Int]) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let d = try normalizeDim(dim, rank, op: "unflatten")
            let inferred = try inferShape(sizes, numel: shape[d], op: "unflatten")
            return reshape(Array(shape[..<d]) + inferred + Array(shape[(d + 1)...]))
        }
    }

    /// `length` elements of dimension `dim` from `start` (`narrow`).
    public func narrow(_ dim: Int, start: Int, length: Int) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(rank > 0, "narrow() cannot be applied to a 0-dim tensor.")
            let d = try normalizeDim(dim, rank, op: "narrow")
            let s = start < 0 ? start + shape[d] : start
            try check(s >= 0 && s <= shape[d], "start out of range (expected to be in range of [\(-shape[d]), \(shape[d])], but got \(start))")
            try check(length >= 0 && s + length <= shape[d], "start (\(s)) + length (\(length)) exceeds dimension size (\(shape[d])).")
            return sliceOp(d, start: s, end: s + length, step: 1)
        }
    }

    /// Elements `start..<end` by `step` of dimension `dim` (Python slicing), as a view.
    func sliceOp(_ d: Int, start: Int, end: Int, step: Int) -> Tensor {
        let n = Swift.max(0, (end - start + step - 1) / step)
        var ns = shape, nst = strides
        ns[d] = n
        nst[d] = strides[d] * step
        let inShape = shape
        return makeView(self, shape: ns, strides: nst, offset: storageOffset + start * strides[d], name: "SliceBackward0") { g in
            viewScatter(g, shape: inShape, name: "SliceBackwardBackward0") { $0.sliceOp(d, start: start, end: end, step: step) }
        }
    }

    /// Python-style slice of dimension `dim` with clamped bounds and a positive step.
    public func slice(_ dim: Int, start: Int? = nil, end: Int? = nil, step: Int = 1) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let d = try normalizeDim(dim, rank, op: "slice")
            try check(step > 0, "slice step must be positive")
            let n = shape[d]
            var s = start ?? 0, e = end ?? n
            if s < 0 { s += n }
            if e < 0 { e += n }
            s = Swift.min(Swift.max(s, 0), n)
            e = Swift.min(Swift.max(e, s), n)
            return sliceOp(d, start: s, end: e, step: step)
        }
    }

    /// The slice at `index` of dimension `dim`, which is removed (`select`).
    public func select(_ dim: Int, _ index: Int) -> Tensor {
        run { () throws(TorchError) -> Tensor in try selectOp(dim, index) }
    }

    func selectOp(_ dim: Int, _ index: Int) throws(TorchError) -> Tensor {
        try check(rank > 0, "select() cannot be applied to a 0-dim tensor.")
        let d = try normalizeDim(dim, rank, op: "select")
        let n = shape[d]
        try check(index >= -n && index < n, "select(): index \(index) out of range for tensor of size \(shapeString(shape)) at dimension \(d)")
        let i = index < 0 ? index + n : index
        var ns = shape, nst = strides
        ns.remove(at: d)
        nst.remove(at: d)
        let inShape = shape
        return makeView(self, shape: ns, strides: nst, offset: storageOffset + i * strides[d], name: "SelectBackward0") { g in
            viewScatter(g, shape: inShape, name: "SelectBackwardBackward0") { $0.select(d, i) }
        }
    }

    /// The diagonal with `offset` of the plane (dim1, dim2), as a view (`diagonal`).
    public func diagonal(offset: Int = 0, dim1: Int = 0, dim2: Int = 1) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let a = try normalizeDim(dim1, rank, op: "diagonal"), b = try normalizeDim(dim2, rank, op: "diagonal")
            try check(a != b, "diagonal dimensions cannot be identical \(dim1), \(dim2)")
            var len: Int
            var off = storageOffset
            if offset >= 0 {
                len = Swift.max(Swift.min(shape[a], shape[b] - offset), 0)
                if len > 0 { off += offset * strides[b] }
            } else {
                len = Swift.max(Swift.min(shape[a] + offset, shape[b]), 0)
                if len > 0 { off -= offset * strides[a] }
            }
            var ns: [Int] = [], nst: [Int] = []
            for i in 0..<rank where i != a && i != b { ns.append(shape[i]); nst.append(strides[i]) }
            ns.append(len)
            nst.append(strides[a] + strides[b])
            let inShape = shape
            return makeView(self, shape: ns, strides: nst, offset: off, name: "DiagonalBackward0") { g in
                viewScatter(g, shape: inShape, name: "DiagonalBackwardBackward0") { $0.diagonal(offset: offset, dim1: a, dim2: b) }
            }
        }
    }

    /// Moves dimensions `source` to positions `destination` (`movedim`).
    public func movedim(_ source: [Int], _ destination: [Int]) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(source.count == destination.count, "movedim: Invalid source or destination dims: source (\(shapeString(source)) dims) should contain the same number of dims as destination (\(shapeString(destination)) dims)")
            var src: [Int] = [], dst: [Int] = []
            for s in source { src.append(try normalizeDim(s, rank, op: "movedim")) }
            for d in destination { dst.append(try normalizeDim(d, rank, op: "movedim")) }
            var order = [Int](repeating: -1, count: rank)
            for (s, d) in zip(src, dst) { order[d] = s }
            var rest = (0..<rank).filter { !src.contains($0) }.makeIterator()
            for i in 0..<rank where order[i] == -1 { order[i] = rest.next()! }
            return permute(order)
        }
    }
    public func movedim(_ source: Int, _ destination: Int) -> Tensor { movedim([source], [destination]) }

    /// A view with explicit sizes, strides and storage offset (`as_strided`).
    public func asStrided(_ size: [Int], _ stride: [Int], storageOffset offset: Int? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(size.count == stride.count, "mismatch in length of strides and shape")
            let o = offset ?? storageOffset
            var maxOffset = o
            for (s, st) in zip(size, stride) where s > 0 { maxOffset += (s - 1) * st }
            try check(size.contains(0) || maxOffset * dtype.itemSize < storage.byteCount,
                      "setStorage: sizes \(shapeString(size)), strides \(shapeString(stride)), storage offset \(o), and itemsize \(dtype.itemSize) requiring a storage size of \((maxOffset + 1) * dtype.itemSize) are out of bounds for storage of size \(storage.byteCount)")
            let inShape = shape, baseOffset = storageOffset
            return makeView(self, shape: size, strides: stride, offset: o, name: "AsStridedBackward0") { g in
                viewScatter(g, shape: inShape, name: "AsStridedBackwardBackward0") {
                    $0.asStrided(size, stride, storageOffset: o - baseOffset + $0.storageOffset)
                }
            }
        }
    }

    /// Splits into pieces of `splitSize` along `dim` (the last may be smaller).
    public func split(_ splitSize: Int, dim: Int = 0) -> [Tensor] {
        run { () throws(TorchError) -> [Tensor] in
            let d = try normalizeDim(dim, rank, op: "split")
            try check(splitSize >= 0, "split expects split_size be non-negative, but got split_size=\(splitSize)")
            let n = shape[d]
            if splitSize == 0 { return n == 0 ? [self] : [] }
            return Swift.stride(from: 0, to: Swift.max(n, 1), by: splitSize).map { s in sliceOp(d, start: s, end: Swift.min(s + splitSize, n), step: 1) }
        }
    }

    /// Splits into pieces of the given sizes along `dim` (`split_with_sizes`).
    public func split(sizes: [Int], dim: Int = 0) -> [Tensor] {
        run { () throws(TorchError) -> [Tensor] in
            let d = try normalizeDim(dim, rank, op: "split")
            try check(sizes.reduce(0, +) == shape[d], "split_with_sizes expects split_sizes to sum exactly to \(shape[d]) (input tensor's size at dimension \(d)), but got split_sizes=\(shapeString(sizes))")
            var start = 0
            return sizes.map { s in
                defer { start += s }
                return sliceOp(d, start: start, end: start + s, step: 1)
            }
        }
    }

    /// Splits into `chunks` nearly equal pieces along `dim` (`chunk`).
    public func chunk(_ chunks: Int, dim: Int = 0) -> [Tensor] {
        run { () throws(TorchError) -> [Tensor] in
            try check(chunks > 0, "chunk expects `chunks` to be greater than 0, got: \(chunks)")
            let d = try normalizeDim(dim, rank, op: "chunk")
            let size = (shape[d] + chunks - 1) / chunks
            return split(Swift.max(size, 1), dim: d)
        }
    }

    /// The slices along `dim`, each without that dimension (`unbind`).
    public func unbind(_ dim: Int = 0) -> [Tensor] {
        run { () throws(TorchError) -> [Tensor] in
            let d = try normalizeDim(dim, rank, op: "unbind")
            var out: [Tensor] = []
            for i in 0..<shape[d] { out.append(try selectOp(d, i)) }
            return out
        }
    }
}

/// Resolves a -1 in `shape` and checks the element count.
func inferShape(_ shape: [Int], numel: Int, op: String) throws(TorchError) -> [Int] {
    var out = shape
    var inferIndex: Int? = nil
    var known = 1
    for (i, s) in shape.enumerated() {
        if s == -1 {
            if inferIndex != nil { throw TorchError("only one dimension can be inferred") }
            inferIndex = i
        } else if s < 0 {
            throw TorchError("invalid shape dimension \(s)")
        } else {
            known *= s
        }
    }
    if let i = inferIndex {
        guard known != 0, numel % known == 0 else {
            throw TorchError("shape '\(shapeString(shape))' is invalid for input of size \(numel)")
        }
        out[i] = numel / known
    } else if known != numel {
        throw TorchError("shape '\(shapeString(shape))' is invalid for input of size \(numel)")
    }
    return out
}

/// Strides that view (oldShape, oldStrides) as newShape, or nil when impossible
/// (PyTorch's `computeStride`).
func computeViewStrides(_ oldShape: [Int], _ oldStrides: [Int], _ newShape: [Int]) -> [Int]? {
    if oldShape.isEmpty { return [Int](repeating: 1, count: newShape.count) }
    let numel = shapeNumel(oldShape)
    if numel == 0 {
        return oldShape == newShape ? oldStrides : contiguousStrides(newShape)
    }
    var newStrides = [Int](repeating: 0, count: newShape.count)
    var viewD = newShape.count - 1
    var chunkBaseStride = oldStrides.last!
    var tensorNumel = 1
    var viewNumel = 1
    var tensorD = oldShape.count - 1
    while tensorD >= 0 {
        tensorNumel *= oldShape[tensorD]
        if tensorD == 0 || (oldShape[tensorD - 1] != 1 && oldStrides[tensorD - 1] != tensorNumel * chunkBaseStride) {
            while viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
                newStrides[viewD] = viewNumel * chunkBaseStride
                viewNumel *= newShape[viewD]
                viewD -= 1
            }
            if viewNumel != tensorNumel { return nil }
            if tensorD > 0 {
                chunkBaseStride = oldStrides[tensorD - 1]
                tensorNumel = 1
                viewNumel = 1
            }
        }
        tensorD -= 1
    }
    if viewD != -1 { return nil }
    return newStrides
}
