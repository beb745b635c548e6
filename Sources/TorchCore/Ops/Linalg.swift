/// The batched matrix product primitive: [B, M, K] x [B, K, N] -> [B, M, N].
func bmmOp(_ a: Tensor, _ b: Tensor, name: String = "BmmBackward0") throws(TorchError) -> Tensor {
    try checkSameDevice(a, b, op: "bmm")
    try check(a.dtype == b.dtype, "expected m1 and m2 to have the same dtype, but got: \(a.dtype.name) != \(b.dtype.name)")
    let out = Tensor(uninitializedShape: [a.shape[0], a.shape[1], b.shape[2]], dtype: a.dtype, device: a.device)
    try backend(for: a.device).matmul(a, b, into: out)
    if needsGrad(a, b) {
        let sa = SavedTensor(a), sb = SavedTensor(b)
        let aNeeds = a.requiresGradFlag, bNeeds = b.requiresGradFlag
        record(name, inputs: a, b, output: out) { node in
            { grads, node throws(TorchError) in
                let g = grads[0]!
                let av = try sa.unpack(node), bv = try sb.unpack(node)
                // a gradient laid out like its input (a transposed weight gets a transposed
                // gradient, so the weight's own gradient comes out contiguous without a copy)
                let ga = aNeeds ? (isColumnMajor(av) ? bv.bmm(g.transpose(1, 2)).transpose(1, 2) : g.bmm(bv.transpose(1, 2))) : nil
                let gb = bNeeds ? (isColumnMajor(bv) ? g.transpose(1, 2).bmm(av).transpose(1, 2) : av.transpose(1, 2).bmm(g)) : nil
                return [ga, gb]
            }
        }
    }
    return out
}

/// Whether the matrices of [B, R, C] are stored column by column (a transposed view).
private func isColumnMajor(_ t: Tensor) -> Bool {
    t.strides[1] == 1 && t.strides[2] != 1 && t.shape[1] > 1
}

extension Tensor {
    /// Matrix product with PyTorch's rules for 1-d and batched operands (`matmul`, `@`).
    public func matmul(_ other: Tensor) -> Tensor {
        let a = Autocast.lowerPrecision(self), b = Autocast.lowerPrecision(other)
        return run { () throws(TorchError) -> Tensor in try a.matmulOp(b) }
    }

    func matmulOp(_ other: Tensor) throws(TorchError) -> Tensor {
        let a = self, b = other
        try check(a.rank >= 1 && b.rank >= 1, "both arguments to matmul need to be at least 1D, but they are \(a.rank)D and \(b.rank)D")
        if a.rank == 1 && b.rank == 1 {
            try check(a.shape[0] == b.shape[0], "inconsistent tensor size, expected tensor [\(a.shape[0])] and src [\(b.shape[0])] to have the same number of elements, but got \(a.shape[0]) and \(b.shape[0]) elements respectively")
            return try a.reshape([1, 1, -1]).bmmChecked(b.reshape([1, -1, 1])).reshape([])
        }
        let a2 = a.rank == 1 ? a.unsqueeze(0) : a
        let b2 = b.rank == 1 ? b.unsqueeze(1) : b
        let m = a2.shape[a2.rank - 2], k = a2.shape[a2.rank - 1]
        let k2 = b2.shape[b2.rank - 2], n = b2.shape[b2.rank - 1]
        guard k == k2 else {
            if a.rank == 2 && b.rank == 2 || a.rank == 1 || b.rank == 1 {
                throw TorchError("mat1 and mat2 shapes cannot be multiplied (\(m)x\(k) and \(k2)x\(n))")
            }
            throw TorchError("Expected size for first two dimensions of batch2 tensor to be: [\(a2.shape.dropLast().last ?? 1), \(k)] but got: [\(b2.shape.dropLast().last ?? 1), \(k2)].")
        }
        let batchA = Array(a2.shape.dropLast(2)), batchB = Array(b2.shape.dropLast(2))
        let batch = try broadcastShapes(batchA, batchB, op: "matmul")
        let nb = shapeNumel(batch)
        let a3: Tensor, b3: Tensor
        if batchB.isEmpty && !batchA.isEmpty {
            // fold the batch of `a` into its rows: one large GEMM
            let r = try a2.reshape([-1, k]).reshape([1, nb * m, k]).bmmChecked(b2.reshape([1, k, n]))
            var outShape = batch + [m, n]
            if a.rank == 1 { outShape.remove(at: outShape.count - 2) }
            if b.rank == 1 { outShape.removeLast() }
            return r.reshape(outShape)
        }
        a3 = a2.expand(batch + [m, k]).reshape([nb, m, k])
        b3 = b2.expand(batch + [k, n]).reshape([nb, k, n])
        let r = try a3.bmmChecked(b3)
        var outShape = batch + [m, n]
        if a.rank == 1 { outShape.remove(at: outShape.count - 2) }
        if b.rank == 1 { outShape.removeLast() }
        return r.reshape(outShape)
    }

    func bmmChecked(_ other: Tensor) throws(TorchError) -> Tensor {
        if dtype != other.dtype {
            throw TorchError("expected m1 and m2 to have the same dtype, but got: \(dtype.name) != \(other.dtype.name)")
        }
        return try bmmOp(self, other)
    }

    /// Product of two matrices (`mm`).
    public func mm(_ other: Tensor) -> Tensor {
        let a = Autocast.lowerPrecision(self), other = Autocast.lowerPrecision(other)
        return run { () throws(TorchError) -> Tensor in
            let shape = a.shape, rank = a.rank
            try check(rank == 2, "self must be a matrix")
            try check(other.rank == 2, "mat2 must be a matrix")
            try check(shape[1] == other.shape[0], "mat1 and mat2 shapes cannot be multiplied (\(shape[0])x\(shape[1]) and \(other.shape[0])x\(other.shape[1]))")
            return try a.matmulOp(other)
        }
    }

    /// Batched product of [B, M, K] and [B, K, N] (`bmm`).
    public func bmm(_ other: Tensor) -> Tensor {
        let a = Autocast.lowerPrecision(self), other = Autocast.lowerPrecision(other)
        return run { () throws(TorchError) -> Tensor in
            let shape = a.shape, rank = a.rank
            try check(rank == 3, "batch1 must be a 3D tensor")
            try check(other.rank == 3, "batch2 must be a 3D tensor")
            try check(shape[0] == other.shape[0], "batch1 and batch2 must have same number of batches, got \(shape[0]) and \(other.shape[0])")
            try check(shape[2] == other.shape[1], "Expected size for first two dimensions of batch2 tensor to be: [\(shape[0]), \(shape[2])] but got: [\(other.shape[0]), \(other.shape[1])].")
            return try a.bmmChecked(other)
        }
    }

    /// beta * self + alpha * (mat1 @ mat2) (`addmm`).
    public func addmm(_ mat1: Tensor, _ mat2: Tensor, beta: Scalar = 1, alpha: Scalar = 1) -> Tensor {
        let input = Autocast.lowerPrecision(self)
        let prod = mat1.mm(mat2)
        let scaled = alpha == 1 ? prod : prod * alpha
        if beta == 0 { return scaled + input.zerosLike() }
        return (beta == 1 ? input : input * beta) + scaled
    }

    /// Inner product of two 1-d tensors (`dot`).
    public func dot(_ other: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(rank == 1 && other.rank == 1, "1D tensors expected, but got \(rank)D and \(other.rank)D tensors")
            try check(dtype == other.dtype, "dot : expected both vectors to have same dtype, but found \(dtype.legacyScalarName) and \(other.dtype.legacyScalarName)")
            try check(shape[0] == other.shape[0], "inconsistent tensor size, expected tensor [\(shape[0])] and src [\(other.shape[0])] to have the same number of elements, but got \(shape[0]) and \(other.shape[0]) elements respectively")
            return try matmulOp(other)
        }
    }

    /// Outer product of two 1-d tensors (`outer`).
    public func outer(_ other: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(rank == 1 && other.rank == 1, "outer: expected 1D tensors")
            return unsqueeze(1) * other.unsqueeze(0)
        }
    }
}

public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor { a.matmul(b) }

infix operator .* : MultiplicationPrecedence
/// Matrix product (PyTorch's `@`).
public func .* (a: Tensor, b: Tensor) -> Tensor { a.matmul(b) }

extension Tensor {
    /// Einstein summation (`torch.einsum`) for explicit or implicit output subscripts,
    /// with repeated-index diagonals, broadcasting and `...`.
    public static func einsum(_ equation: String, _ operands: [Tensor]) -> Tensor {
        run { () throws(TorchError) -> Tensor in try einsumOp(equation, operands) }
    }
}

func einsumOp(_ equation: String, _ operands: [Tensor]) throws(TorchError) -> Tensor {
    let eq = equation.filter { $0 != " " }
    let sides = eq.split(separator: "->", omittingEmptySubsequences: false).map(String.init)
    let inputs = sides[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    try check(inputs.count == operands.count, "einsum(): more operands were provided than specified in the equation")
    // Expand "..." into fresh upper-case letters per operand.
    var ellipsisRank = 0
    for (s, t) in zip(inputs, operands) where s.contains("...") {
        ellipsisRank = max(ellipsisRank, t.rank - (s.count - 3))
    }
    let ellLetters = (0..<ellipsisRank).map { Character(UnicodeScalar(UInt8(65 + $0))) }
    var subs: [[Character]] = []
    for (s, t) in zip(inputs, operands) {
        if s.contains("...") {
            let n = t.rank - (s.count - 3)
            let parts = s.split(separator: "...", omittingEmptySubsequences: false).map(String.init)
            subs.append(Array(parts[0]) + Array(ellLetters.suffix(n)) + Array(parts[1]))
        } else {
            subs.append(Array(s))
        }
        try check(subs.last!.count == t.rank, "einsum(): the number of subscripts in the equation (\(subs.last!.count)) does not match the number of dimensions (\(t.rank)) for operand \(subs.count - 1)\(s.contains("...") ? "" : " and no ellipsis was given")")
    }
    var output: [Character]
    if sides.count > 1 {
        let o = sides[1]
        if o.contains("...") {
            let parts = o.split(separator: "...", omittingEmptySubsequences: false).map(String.init)
            output = Array(parts[0]) + ellLetters + Array(parts[1])
        } else {
            output = Array(o)
        }
    } else {
        var counts: [Character: Int] = [:]
        for s in subs { for c in s { counts[c, default: 0] += 1 } }
        output = ellLetters + counts.filter { $0.value == 1 && !ellLetters.contains($0.key) }.keys.sorted()
    }
    // Sizes per letter.
    var sizes: [Character: Int] = [:]
    for (s, t) in zip(subs, operands) {
        for (i, c) in s.enumerated() {
            let n = t.shape[i]
            if let prev = sizes[c], prev != n, prev != 1, n != 1 {
                throw TorchError("einsum(): operands do not broadcast with remapped shapes (original->remapped)")
            }
            sizes[c] = max(sizes[c] ?? 1, n)
        }
    }
    var letters = output
    for s in subs { for c in s where !letters.contains(c) { letters.append(c) } }
    // Bring each operand to the full letter space: take diagonals of repeated letters,
    // permute into `letters` order, unsqueeze missing letters.
    var terms: [Tensor] = []
    for (s0, t0) in zip(subs, operands) {
        var s = s0, t = t0
        var i = 0
        while i < s.count {
            if let j = s[(i + 1)...].firstIndex(of: s[i]) {
                t = t.diagonal(offset: 0, dim1: i, dim2: j).movedim(-1, i)
                s.remove(at: j)
            }
            i += 1
        }
        let present = letters.filter { s.contains($0) }
        t = t.permute(present.map { s.firstIndex(of: $0)! })
        var shape: [Int] = []
        var k = 0
        for c in letters {
            if s.contains(c) { shape.append(t.shape[k]); k += 1 } else { shape.append(1) }
        }
        terms.append(t.reshape(shape))
    }
    var result = terms[0]
    for t in terms.dropFirst() {
        // contract letters no longer needed by later terms or the output via matmul-free product
        result = result * t
    }
    let sumDims = Array(output.count..<letters.count)
    if !sumDims.isEmpty { result = result.sum(dims: sumDims) }
    let target = output.map { sizes[$0] ?? 1 }
    if result.shape != target { result = result.expand(target).contiguous() }
    return result
}
