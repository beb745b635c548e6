import CTorchKernels

/// Reductions that backends implement; the rest (mean, var, norms, logsumexp) compose.
public enum ReduceOp: Sendable { case sum, prod, max, min, all, any }
public enum ArgReduceOp: Sendable { case argmax, argmin }
public enum ScanOp: Sendable { case cumsum, cumprod }

extension CPUBackend {
    func reduce(_ op: ReduceOp, _ x: Tensor, dims: [Int], into out: Tensor) throws(TorchError) {
        if x.dtype == .float32 && x.isContiguous && (op == .sum || op == .max || op == .min),
           isTrailing(dims, rank: x.rank) {
            reduceFloat32Rows(op, x, rows: out.numel, into: out)
            return
        }
        if x.dtype == .float32 && x.isContiguous && op == .sum, out.numel > 0,
           let (outer, inner) = outerAndInner(dims, shape: x.shape) {
            let kept = out.numel
            let px = x.pointer(as: Float.self), po = out.pointer(as: Float.self)
            if inner == 1 {
                // column sums: the gradient of a bias broadcast over rows
                let grain = Swift.max(16, Threading.grainSize / Swift.max(outer, 1) / 16 * 16)
                Threading.parallelFor(kept, grain: grain) { s, e in
                    st_colsum_f32(px + s, Int64(outer), Int64(e - s), Int64(kept), po + s)
                }
            } else {
                // sums over leading and trailing dims around kept middle ones: a
                // per-channel statistic of [N, C, H, W] (batch norm)
                Threading.parallelFor(kept, grain: Swift.max(1, Threading.grainSize / Swift.max(outer * inner, 1))) { s, e in
                    for c in s..<e {
                        var total = 0.0
                        for a in 0..<outer { total += st_sum_f32(px + (a * kept + c) * inner, Int64(inner)) }
                        po[c] = Float(total)
                    }
                }
            }
            return
        }
        switch x.dtype {
        case .float32: reduceFloat(Float.self, op, x, dims, out)
        case .float64: reduceFloat(Double.self, op, x, dims, out)
        case .float16: reduceFloat(Float16.self, op, x, dims, out)
        case .bfloat16: reduceFloat(BFloat16.self, op, x, dims, out)
        case .int64: reduceInt(Int64.self, op, x, dims, out)
        case .int32: reduceInt(Int32.self, op, x, dims, out)
        case .int16: reduceInt(Int16.self, op, x, dims, out)
        case .int8: reduceInt(Int8.self, op, x, dims, out)
        case .uint8: reduceInt(UInt8.self, op, x, dims, out)
        case .bool:
                        switch op {
            case .all, .min, .prod: ReduceLoop.run(Bool.self, x, dims, out, true, { $0 }, { $0 && $1 }, { $0 })
            case .any, .max, .sum: ReduceLoop.run(Bool.self, x, dims, out, false, { $0 }, { $0 || $1 }, { $0 })
            }
        }
    }

    /// When `dims` are some leading and some trailing dimensions (at least one kept in
    /// between), the element counts of the reduced leading and trailing parts.
    private func outerAndInner(_ dims: [Int], shape: [Int]) -> (Int, Int)? {
        let reduced = Set(dims)
        var lead = 0
        while lead < shape.count && reduced.contains(lead) { lead += 1 }
        var trail = shape.count
        while trail > lead && reduced.contains(trail - 1) { trail -= 1 }
        guard trail > lead, (lead..<trail).allSatisfy({ !reduced.contains($0) }) else { return nil }
        return (shape[0..<lead].reduce(1, *), shape[trail...].reduce(1, *))
    }

    private func isTrailing(_ dims: [Int], rank: Int) -> Bool {
        let sorted = dims.sorted()
        for (i, d) in sorted.enumerated() where d != rank - sorted.count + i { return false }
        return true
    }

    private func reduceFloat32Rows(_ op: ReduceOp, _ x: Tensor, rows: Int, into out: Tensor) {
        let cols = rows == 0 ? 0 : x.numel / rows
        let px = x.pointer(as: Float.self), po = out.pointer(as: Float.self)
        if rows == 1 && cols >= Threading.grainSize * 2 {
            let chunks = min(Threading.threadCount, cols / Threading.grainSize)
            var partial = [Double](repeating: 0, count: chunks)
            partial.withUnsafeMutableBufferPointer { buf in
                let pb = buf.baseAddress!
                Threading.parallelFor(chunks, grain: 1) { s, e in
                    for c in s..<e {
                        let start = cols * c / chunks, end = cols * (c + 1) / chunks
                        switch op {
                        case .sum: pb[c] = st_sum_f32(px + start, Int64(end - start))
                        case .max: pb[c] = Double(st_max_f32(px + start, Int64(end - start)))
                        default: pb[c] = Double(st_min_f32(px + start, Int64(end - start)))
                        }
                    }
                }
            }
            switch op {
            case .sum: po[0] = Float(partial.reduce(0, +))
            case .max: po[0] = partial.contains { $0.isNaN } ? .nan : Float(partial.max()!)
            default: po[0] = partial.contains { $0.isNaN } ? .nan : Float(partial.min()!)
            }
            return
        }
        Threading.parallelFor(rows, grain: max(1, Threading.grainSize / max(cols, 1))) { s, e in
            for r in s..<e {
                let p = px + r * cols
                switch op {
                case .sum: po[r] = Float(st_sum_f32(p, Int64(cols)))
                case .max: po[r] = cols == 0 ? -.infinity : st_max_f32(p, Int64(cols))
                default: po[r] = cols == 0 ? .infinity : st_min_f32(p, Int64(cols))
                }
            }
        }
    }

    private func reduceFloat<S: TensorElement>(_: S.Type, _ op: ReduceOp, _ x: Tensor, _ dims: [Int], _ out: Tensor)
    where S.Compute: BinaryFloatingPoint {
                switch op {
        case .sum: ReduceLoop.run(S.self, x, dims, out, 0.0, { Double($0.compute) }, { $0 + $1 }, { S(compute: S.Compute($0)) })
        case .prod: ReduceLoop.run(S.self, x, dims, out, 1.0, { Double($0.compute) }, { $0 * $1 }, { S(compute: S.Compute($0)) })
        case .max: ReduceLoop.run(S.self, x, dims, out, -Double.infinity, { Double($0.compute) },
                     { ($0.isNaN || $1.isNaN) ? .nan : Swift.max($0, $1) }, { S(compute: S.Compute($0)) })
        case .min: ReduceLoop.run(S.self, x, dims, out, Double.infinity, { Double($0.compute) },
                     { ($0.isNaN || $1.isNaN) ? .nan : Swift.min($0, $1) }, { S(compute: S.Compute($0)) })
        case .all, .any: break
        }
    }

    private func reduceInt<S: TensorElement>(_: S.Type, _ op: ReduceOp, _ x: Tensor, _ dims: [Int], _ out: Tensor)
    where S.Compute: FixedWidthInteger {
                switch op {
        case .sum: ReduceLoop.run(S.self, x, dims, out, Int64(0), { Int64(truncatingIfNeeded: $0.compute) }, { $0 &+ $1 },
                     { S(compute: S.Compute(truncatingIfNeeded: $0)) })
        case .prod: ReduceLoop.run(S.self, x, dims, out, Int64(1), { Int64(truncatingIfNeeded: $0.compute) }, { $0 &* $1 },
                      { S(compute: S.Compute(truncatingIfNeeded: $0)) })
        case .max: ReduceLoop.run(S.self, x, dims, out, S.Compute.min, { $0.compute }, { Swift.max($0, $1) }, { S(compute: $0) })
        case .min: ReduceLoop.run(S.self, x, dims, out, S.Compute.max, { $0.compute }, { Swift.min($0, $1) }, { S(compute: $0) })
        case .all, .any: break
        }
    }

    func argReduce(_ op: ArgReduceOp, _ x: Tensor, into values: Tensor, indices: Tensor) {
        switch x.dtype {
        case .float32: argReduceTyped(Float.self, op, x, values, indices)
        case .float64: argReduceTyped(Double.self, op, x, values, indices)
        case .float16: argReduceTyped(Float16.self, op, x, values, indices)
        case .bfloat16: argReduceTyped(BFloat16.self, op, x, values, indices)
        case .int64: argReduceTyped(Int64.self, op, x, values, indices)
        case .int32: argReduceTyped(Int32.self, op, x, values, indices)
        case .int16: argReduceTyped(Int16.self, op, x, values, indices)
        case .int8: argReduceTyped(Int8.self, op, x, values, indices)
        case .uint8: argReduceTyped(UInt8.self, op, x, values, indices)
        case .bool: argReduceTyped(Bool.self, op, x, values, indices)
        }
    }

    /// First index of the max/min of each contiguous row (NaN counts as the extreme).
    private func argReduceTyped<S: TensorElement>(_: S.Type, _ op: ArgReduceOp, _ x: Tensor, _ values: Tensor, _ indices: Tensor) {
        let cols = x.shape.last ?? 1
        let rows = cols == 0 ? 0 : x.numel / cols
        let px = x.pointer(as: S.self), pv = values.pointer(as: S.self), pi = indices.pointer(as: Int64.self)
        let isMax = op == .argmax
        Threading.parallelFor(rows, grain: max(1, Threading.grainSize / max(cols, 1))) { s, e in
            for r in s..<e {
                let p = px + r * cols
                var best = 0
                var bv = p[0].doubleValue
                if !bv.isNaN {
                    for i in 1..<max(cols, 1) {
                        let v = p[i].doubleValue
                        if v.isNaN { best = i; bv = v; break }
                        if isMax ? v > bv : v < bv { best = i; bv = v }
                    }
                }
                pv[r] = p[best]
                pi[r] = Int64(best)
            }
        }
    }

    func scan(_ op: ScanOp, _ x: Tensor, into out: Tensor) {
        switch x.dtype {
        case .float32: scanFloat(Float.self, op, x, out)
        case .float64: scanFloat(Double.self, op, x, out)
        case .float16: scanFloat(Float16.self, op, x, out)
        case .bfloat16: scanFloat(BFloat16.self, op, x, out)
        case .int64: scanInt(Int64.self, op, x, out)
        case .int32: scanInt(Int32.self, op, x, out)
        case .int16: scanInt(Int16.self, op, x, out)
        case .int8: scanInt(Int8.self, op, x, out)
        case .uint8: scanInt(UInt8.self, op, x, out)
        case .bool: scanInt(UInt8.self, op, x, out)
        }
    }

    private func scanFloat<S: TensorElement>(_: S.Type, _ op: ScanOp, _ x: Tensor, _ out: Tensor)
    where S.Compute: BinaryFloatingPoint {
        let cols = x.shape.last ?? 1
        let rows = cols == 0 ? 0 : x.numel / cols
        let px = x.pointer(as: S.self), po = out.pointer(as: S.self)
        for r in 0..<rows {
            var acc: S.Compute = op == .cumsum ? 0 : 1
            for i in 0..<cols {
                acc = op == .cumsum ? acc + px[r * cols + i].compute : acc * px[r * cols + i].compute
                po[r * cols + i] = S(compute: acc)
            }
        }
    }

    private func scanInt<S: TensorElement>(_: S.Type, _ op: ScanOp, _ x: Tensor, _ out: Tensor)
    where S.Compute: FixedWidthInteger {
        let cols = x.shape.last ?? 1
        let rows = cols == 0 ? 0 : x.numel / cols
        let px = x.pointer(as: S.self), po = out.pointer(as: S.self)
        for r in 0..<rows {
            var acc: S.Compute = op == .cumsum ? 0 : 1
            for i in 0..<cols {
                acc = op == .cumsum ? acc &+ px[r * cols + i].compute : acc &* px[r * cols + i].compute
                po[r * cols + i] = S(compute: acc)
            }
        }
    }
}

enum ReduceLoop {
    /// For each element of `out` (x's shape with the reduced dims set to 1, contiguous),
    /// folds the elements of `x` that map to it.
    @inline(__always)
    static func run<S: TensorElement, A>(
        _: S.Type, _ x: Tensor, _ dims: [Int], _ out: Tensor, _ initial: A,
        _ load: (S) -> A, _ combine: (A, A) -> A, _ finish: (A) -> S
    ) {
        var reduced = [Bool](repeating: false, count: x.rank)
        for d in dims { reduced[d] = true }
        var keptShape: [Int] = [], keptStrides: [Int] = [], redShape: [Int] = [], redStrides: [Int] = []
        for d in 0..<x.rank {
            if reduced[d] { redShape.append(x.shape[d]); redStrides.append(x.strides[d]) }
            else { keptShape.append(x.shape[d]); keptStrides.append(x.strides[d]) }
        }
        let outPlan = LoopPlan(shape: keptShape, strides: [contiguousStrides(keptShape), keptStrides])
        let redPlan = LoopPlan(shape: redShape, strides: [redStrides])
        let nOut = shapeNumel(keptShape), nRed = shapeNumel(redShape)
        let px = x.pointer(as: S.self), po = out.pointer(as: S.self)
        let last = outPlan.shape.count - 1
        let so = outPlan.strides[0][last], sx = outPlan.strides[1][last]
        let oneDim = redPlan.shape.count == 1
        let rs = redPlan.strides[0][redPlan.shape.count - 1]
        Threading.parallelFor(nOut, grain: max(1, Threading.grainSize / max(nRed, 1))) { start, end in
            outPlan.forEachRow(from: start, to: end) { offs, n in
                for j in 0..<n {
                    let base = px + offs[1] + j * sx
                    var acc = initial
                    if nRed > 0 {
                        if oneDim {
                            for i in 0..<nRed { acc = combine(acc, load(base[i &* rs])) }
                        } else {
                            redPlan.forEachRow(from: 0, to: nRed) { roffs, m in
                                let p = base + roffs[0]
                                for i in 0..<m { acc = combine(acc, load(p[i &* rs])) }
                            }
                        }
                    }
                    po[offs[0] + j * so] = finish(acc)
                }
            }
        }
    }
}
