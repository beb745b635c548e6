extension Tensor {
    /// Normalised, sorted, de-duplicated reduction dims; nil or empty means all.
    func reductionDims(_ dims: [Int]?, op: String) throws(TorchError) -> [Int] {
        guard let dims, !dims.isEmpty else { return Array(0..<rank) }
        var out: [Int] = []
        for d in dims {
            let n = try normalizeDim(d, rank, op: op)
            try check(!out.contains(n), "dim \(n) appears multiple times in the list of dims")
            out.append(n)
        }
        return out.sorted()
    }

    /// The shape after reducing `dims` with keepdim.
    func keptShape(_ dims: [Int]) -> [Int] {
        var s = shape
        for d in dims where d < s.count { s[d] = 1 }
        return s
    }

    func squeezedShape(_ dims: [Int]) -> [Int] {
        var s: [Int] = []
        for i in 0..<rank where !dims.contains(i) { s.append(shape[i]) }
        return s
    }

    /// The backend reduction with its autograd rule.
    func reduction(_ op: ReduceOp, dims: [Int]?, keepdim: Bool, dtype outType: DType? = nil) throws(TorchError) -> Tensor {
        let name: String
        switch op {
        case .sum: name = "sum"
        case .prod: name = "prod"
        case .max: name = "amax"
        case .min: name = "amin"
        case .all: name = "all"
        case .any: name = "any"
        }
        let ds = try reductionDims(dims, op: name)
        var computeType = dtype
        switch op {
        case .sum, .prod: computeType = outType ?? (dtype.isFloatingPoint ? dtype : .int64)
        case .all, .any: computeType = .bool
        case .max, .min:
            if numel == 0 {
                throw TorchError("\(name)(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
            }
            for d in ds where shape[d] == 0 {
                throw TorchError("\(name)(): Expected reduction dim \(d) to have non-zero size.")
            }
        }
        let input = computeType == dtype ? self : try cast(to: computeType)
        let kshape = keptShape(ds)
        let out = Tensor(uninitializedShape: kshape, dtype: computeType, device: device)
        if rank == 0 {
            backend(for: device).copy(input, into: out)
        } else {
            try backend(for: device).reduce(op, input, dims: ds, into: out)
        }
        let result = keepdim ? out : Tensor(storage: out.storage, shape: squeezedShape(ds), strides: contiguousStrides(squeezedShape(ds)), offset: 0, dtype: computeType)
        if needsGrad(self) && computeType.isFloatingPoint && op != .all && op != .any {
            let inShape = shape
            let sx = SavedTensor(self)
            record(op == .sum ? "SumBackward1" : (op == .prod ? "ProdBackward1" : (op == .max ? "AmaxBackward0" : "AminBackward0")),
                   inputs: [self], outputs: [result]) { node in
                let sy = op == .sum ? nil : SavedTensor(output: result, of: node)
                return { grads, node throws(TorchError) in
                    let g = grads[0]!.reshape(kshape)
                    switch op {
                    case .sum:
                        return [g.expand(inShape)]
                    case .prod:
                        let x = try sx.unpack(node)
                        return [prodBackward(x, g: g, dims: ds)]
                    default:
                        let x = try sx.unpack(node), y = try sy!.unpack(node).reshape(kshape)
                        let mask = (x == y).to(g.dtype)
                        return [g * mask / mask.sum(dims: ds, keepdim: true)]
                    }
                }
            }
        }
        return result
    }

    /// Sum of all elements, or over `dims` (`sum`). Integer and bool inputs sum to int64.
    public func sum(dtype: DType? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in try reduction(.sum, dims: nil, keepdim: false, dtype: dtype) }
    }
    public func sum(dims: [Int], keepdim: Bool = false, dtype: DType? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in try reduction(.sum, dims: dims, keepdim: keepdim, dtype: dtype) }
    }
    public func sum(dim: Int, keepdim: Bool = false, dtype: DType? = nil) -> Tensor { sum(dims: [dim], keepdim: keepdim, dtype: dtype) }

    public func prod(dtype: DType? = nil) -> Tensor {
        let x = Autocast.float32(self)
        return run { () throws(TorchError) -> Tensor in try x.reduction(.prod, dims: nil, keepdim: false, dtype: dtype) }
    }
    public func prod(dim: Int, keepdim: Bool = false, dtype: DType? = nil) -> Tensor {
        let x = Autocast.float32(self)
        return run { () throws(TorchError) -> Tensor in try x.reduction(.prod, dims: [dim], keepdim: keepdim, dtype: dtype) }
    }

    /// Mean over all elements or `dims` (floating dtypes only, like PyTorch).
    public func mean(dims: [Int]? = nil, keepdim: Bool = false, dtype: DType? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let t = dtype ?? self.dtype
            try check(t.isFloatingPoint, "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: \(self.dtype.legacyScalarName)")
            let ds = try reductionDims(dims, op: "mean")
            let n = ds.reduce(1) { $0 * (rank == 0 ? 1 : shape[$1]) }
            let s = try reduction(.sum, dims: ds, keepdim: keepdim, dtype: t)
            return s / Double(n)
        }
    }
    public func mean(dim: Int, keepdim: Bool = false) -> Tensor { mean(dims: [dim], keepdim: keepdim) }

    public func amax(dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in try reduction(.max, dims: dims, keepdim: keepdim) }
    }
    public func amin(dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in try reduction(.min, dims: dims, keepdim: keepdim) }
    }
    public func amax(dim: Int, keepdim: Bool = false) -> Tensor { amax(dims: [dim], keepdim: keepdim) }
    public func amin(dim: Int, keepdim: Bool = false) -> Tensor { amin(dims: [dim], keepdim: keepdim) }

    /// The largest element (`max()`); gradient split evenly among ties.
    public func max() -> Tensor { amax() }
    public func min() -> Tensor { amin() }

    /// Largest values along `dim` and their indices (`max(dim)`).
    public func max(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        run { () throws(TorchError) -> (Tensor, Tensor) in try argReduction(.argmax, dim: dim, keepdim: keepdim, name: "max") }
    }
    public func min(dim: Int, keepdim: Bool = false) -> (values: Tensor, indices: Tensor) {
        run { () throws(TorchError) -> (Tensor, Tensor) in try argReduction(.argmin, dim: dim, keepdim: keepdim, name: "min") }
    }

    public func argmax(dim: Int? = nil, keepdim: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            if let dim { return try argReduction(.argmax, dim: dim, keepdim: keepdim, name: "argmax").1 }
            let r = try reshapeOp([-1]).argReduction(.argmax, dim: 0, keepdim: false, name: "argmax").1
            return keepdim ? r.reshape([Int](repeating: 1, count: rank)) : r
        }
    }
    public func argmin(dim: Int? = nil, keepdim: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            if let dim { return try argReduction(.argmin, dim: dim, keepdim: keepdim, name: "argmin").1 }
            let r = try reshapeOp([-1]).argReduction(.argmin, dim: 0, keepdim: false, name: "argmin").1
            return keepdim ? r.reshape([Int](repeating: 1, count: rank)) : r
        }
    }

    func reshapeOp(_ s: [Int]) throws(TorchError) -> Tensor {
        let target = try inferShape(s, numel: numel, op: "reshape")
        if computeViewStrides(shape, strides, target) != nil { return try viewOp(target) }
        return try contiguous().viewOp(target)
    }

    /// Values and indices of the max/min along `dim`; the gradient goes to the index.
    func argReduction(_ op: ArgReduceOp, dim: Int, keepdim: Bool, name: String) throws(TorchError) -> (Tensor, Tensor) {
        let d = try normalizeDim(dim, rank, op: name)
        if rank > 0 {
            try check(shape[d] > 0, "\(name)(): Expected reduction dim \(d) to have non-zero size.")
        } else {
            try check(numel > 0, "\(name)(): Expected reduction dim to be specified for input.numel() == 0.")
        }
        let moved = rank == 0 ? self.reshape([1]) : self.movedim(d, -1).contiguous()
        let outShape = Array(moved.shape.dropLast())
        let values = Tensor(uninitializedShape: outShape, dtype: dtype, device: device)
        let indices = Tensor(uninitializedShape: outShape, dtype: .int64, device: device)
        withNoGrad { backend(for: device).argReduce(op, moved.detach(), into: values, indices: indices) }
        var v = values, i = indices
        if rank > 0 && keepdim { v = v.unsqueeze(d).detach(); i = i.unsqueeze(d).detach() }
        if needsGrad(self) {
            let inShape = shape, keep = keepdim, r = rank
            let si = SavedTensor(i)
            record(name == "max" || name == "argmax" ? "MaxBackward0" : "MinBackward0", inputs: [self], outputs: [v]) { node in
                { grads, node throws(TorchError) in
                    var g = grads[0]!, idx = try si.unpack(node)
                    if r == 0 { return [g.reshape(inShape)] }
                    if !keep { g = g.unsqueeze(d); idx = idx.unsqueeze(d) }
                    return [g.zerosLike().expand(inShape).contiguous().scatter(d, idx, g)]
                }
            }
        }
        return (v, i)
    }

    public func all() -> Tensor { run { () throws(TorchError) -> Tensor in try reduction(.all, dims: nil, keepdim: false) } }
    public func all(dim: Int, keepdim: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in try reduction(.all, dims: [dim], keepdim: keepdim) }
    }
    public func any() -> Tensor { run { () throws(TorchError) -> Tensor in try reduction(.any, dims: nil, keepdim: false) } }
    public func any(dim: Int, keepdim: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in try reduction(.any, dims: [dim], keepdim: keepdim) }
    }

    /// Number of nonzero elements, over all or `dims` (`count_nonzero`).
    public func countNonzero(dims: [Int]? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in try (self != 0).reduction(.sum, dims: dims, keepdim: false) }
    }

    /// Variance with Bessel-style `correction` (1 by default, `var`).
    public func variance(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(dtype.isFloatingPoint, "std and var only support floating point and complex dtypes")
            let ds = try reductionDims(dims, op: "var")
            let n = Double(ds.reduce(1) { $0 * (rank == 0 ? 1 : shape[$1]) })
            let centered = self - self.mean(dims: ds, keepdim: true)
            return centered.square().sum(dims: ds, keepdim: keepdim) / Swift.max(n - correction, 0)
        }
    }
    public func variance(dim: Int, correction: Double = 1, keepdim: Bool = false) -> Tensor {
        variance(dims: [dim], correction: correction, keepdim: keepdim)
    }

    /// Standard deviation (`std`).
    public func std(dims: [Int]? = nil, correction: Double = 1, keepdim: Bool = false) -> Tensor {
        variance(dims: dims, correction: correction, keepdim: keepdim).sqrt()
    }
    public func std(dim: Int, correction: Double = 1, keepdim: Bool = false) -> Tensor {
        std(dims: [dim], correction: correction, keepdim: keepdim)
    }

    /// log(sum(exp(x))) over `dims`, computed stably.
    public func logsumexp(dims: [Int], keepdim: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            let x = dtype.isFloatingPoint ? self : try cast(to: .defaultFloat)
            let ds = try x.reductionDims(dims, op: "logsumexp")
            if x.numel == 0 { return x.exp().sum(dims: ds, keepdim: keepdim).log() }
            var m = withNoGrad { x.amax(dims: ds, keepdim: true) }
            m = Tensor.where(m.isinf(), Tensor.wrapped(.int(0)), m)
            let r = (x - m).exp().sum(dims: ds, keepdim: true).log() + m
            return keepdim ? r : r.squeeze(ds)
        }
    }
    public func logsumexp(dim: Int, keepdim: Bool = false) -> Tensor { logsumexp(dims: [dim], keepdim: keepdim) }

    /// The p-norm over all elements or `dims` (`linalg.vector_norm`).
    public func vectorNorm(ord: Double = 2, dims: [Int]? = nil, keepdim: Bool = false, dtype outType: DType? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(dtype.isFloatingPoint, "linalg.vector_norm: Expected a floating point or complex tensor as input. Got \(dtype.legacyScalarName)")
            let x = outType.map { to($0) } ?? self
            let ds = try x.reductionDims(dims, op: "linalg.vector_norm")
            let a = x.abs()
            if ord == .infinity { return a.amax(dims: ds, keepdim: keepdim) }
            if ord == -.infinity { return a.amin(dims: ds, keepdim: keepdim) }
            if ord == 0 { return (a != 0).to(x.dtype).sum(dims: ds, keepdim: keepdim) }
            if ord == 1 { return a.sum(dims: ds, keepdim: keepdim) }
            if ord == 2 { return try x.l2Norm(dims: ds, keepdim: keepdim) }
            return a.pow(.double(ord)).sum(dims: ds, keepdim: keepdim).pow(.double(1 / ord))
        }
    }

    /// sqrt(sum(x^2)) with PyTorch's gradient (0 where the norm is 0).
    func l2Norm(dims: [Int], keepdim: Bool) throws(TorchError) -> Tensor {
        let y = withNoGrad { self.square().sum(dims: dims, keepdim: keepdim).sqrt() }
        let out = y.detach()
        if needsGrad(self) {
            let kshape = keptShape(dims)
            let sx = SavedTensor(self)
            record("LinalgVectorNormBackward0", inputs: [self], outputs: [out]) { node in
                let sy = SavedTensor(output: out, of: node)
                return { grads, node throws(TorchError) in
                    let x = try sx.unpack(node), n = try sy.unpack(node).reshape(kshape)
                    let g = grads[0]!.reshape(kshape)
                    return [(g * x / n).maskedFill(n == 0, 0)]
                }
            }
        }
        return out
    }

    /// `norm(p)`: the vector p-norm over all elements or `dims`.
    public func norm(p: Double = 2, dims: [Int]? = nil, keepdim: Bool = false) -> Tensor {
        vectorNorm(ord: p, dims: dims, keepdim: keepdim)
    }

    /// Cumulative sum along `dim` (`cumsum`).
    public func cumsum(_ dim: Int, dtype outType: DType? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in try scanOp(.cumsum, dim, outType) }
    }
    /// Cumulative product along `dim` (`cumprod`).
    public func cumprod(_ dim: Int, dtype outType: DType? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in try scanOp(.cumprod, dim, outType) }
    }

    func scanOp(_ op: ScanOp, _ dim: Int, _ outType: DType?) throws(TorchError) -> Tensor {
        let d = try normalizeDim(dim, rank, op: op == .cumsum ? "cumsum" : "cumprod")
        let t = outType ?? (dtype.isFloatingPoint ? dtype : .int64)
        let x = t == dtype ? self : try cast(to: t)
        if rank == 0 { return x.clone() }
        let moved = withNoGrad { x.movedim(d, -1).contiguous() }
        let out = Tensor(uninitializedShape: moved.shape, dtype: t, device: device)
        backend(for: device).scan(op, moved, into: out)
        let result = out.movedim(-1, d).detach()
        if needsGrad(x) {
            let sx = SavedTensor(x)
            record(op == .cumsum ? "CumsumBackward0" : "CumprodBackward0", inputs: [x], outputs: [result]) { node in
                let sy = SavedTensor(output: result, of: node)
                return { grads, node throws(TorchError) in
                    let g = grads[0]!
                    if op == .cumsum { return [g.flip([d]).cumsum(d).flip([d])] }
                    let xv = try sx.unpack(node), y = try sy.unpack(node)
                    return [cumprodBackward(xv, y: y, g: g, dim: d)]
                }
            }
        }
        return result
    }
}

/// Gradient of prod over `dims`: the product of the other elements, without dividing
/// (so zeros are handled), from exclusive cumulative products in both directions.
func prodBackward(_ x: Tensor, g: Tensor, dims: [Int]) -> Tensor {
    if x.rank == 0 { return g.reshape([]) }
    let kept = (0..<x.rank).filter { !dims.contains($0) }
    let order = kept + dims
    let perm = x.permute(order)
    let keptShape = kept.map { x.shape[$0] }
    let n = dims.reduce(1) { $0 * x.shape[$1] }
    let flat = perm.reshape(keptShape + [n])
    let last = flat.rank - 1
    let ones = Tensor.ones(keptShape + [1], dtype: x.dtype)
    let left = Tensor.cat([ones, flat.narrow(last, start: 0, length: n - 1).cumprod(last)], dim: last)
    let rev = flat.flip([last])
    let right = Tensor.cat([ones, rev.narrow(last, start: 0, length: n - 1).cumprod(last)], dim: last).flip([last])
    let others = (left * right).reshape(perm.shape)
    var inverse = [Int](repeating: 0, count: order.count)
    for (i, d) in order.enumerated() { inverse[d] = i }
    return others.permute(inverse) * g
}

/// Gradient of cumprod along `dim`: sum over k >= i of g_k * prod_{j <= k, j != i} x_j.
func cumprodBackward(_ x: Tensor, y: Tensor, g: Tensor, dim: Int) -> Tensor {
    if !(x == 0).any().item().doubleValue.isZero {
        // zeros present: explicit O(n^2) sum of products, differentiable through ops
        let n = x.shape[dim]
        var pieces: [Tensor] = []
        for i in 0..<n {
            var acc = g.select(dim, i).zerosLike()
            var prod = g.select(dim, i).onesLike()
            for j in 0..<i { prod = prod * x.select(dim, j) }
            for k in i..<n {
                if k > i { prod = prod * x.select(dim, k) }
                acc = acc + g.select(dim, k) * prod
            }
            pieces.append(acc)
        }
        return Tensor.stack(pieces, dim: dim)
    }
    return (g * y).flip([dim]).cumsum(dim).flip([dim]) / x
}
