/// Generic strided elementwise loops. `f` is a closure literal at every call site, so
/// each (op, dtype) pair is specialised into its own loop: no per-element dispatch.
enum Elementwise {
    @inline(__always)
    static func map<S: TensorElement, O: TensorElement>(
        _: S.Type, _: O.Type, _ x: Tensor, _ out: Tensor, _ f: (S.Compute) -> O.Compute
    ) {
        let plan = LoopPlan(shape: out.shape, strides: [out.strides, x.strides])
        let po = out.pointer(as: O.self), px = x.pointer(as: S.self)
        let so = plan.strides[0][plan.shape.count - 1], sx = plan.strides[1][plan.shape.count - 1]
        Threading.parallelFor(plan.numel) { start, end in
            plan.forEachRow(from: start, to: end) { offs, n in
                let o = po + offs[0], a = px + offs[1]
                if so == 1 && sx == 1 {
                    for i in 0..<n { o[i] = O(compute: f(a[i].compute)) }
                } else {
                    for i in 0..<n { o[i &* so] = O(compute: f(a[i &* sx].compute)) }
                }
            }
        }
    }

    @inline(__always)
    static func zip<S: TensorElement, O: TensorElement>(
        _: S.Type, _: O.Type, _ a: Tensor, _ b: Tensor, _ out: Tensor,
        _ f: (S.Compute, S.Compute) -> O.Compute
    ) {
        let plan = LoopPlan(shape: out.shape, strides: [out.strides, a.strides, b.strides])
        let po = out.pointer(as: O.self), pa = a.pointer(as: S.self), pb = b.pointer(as: S.self)
        let last = plan.shape.count - 1
        let so = plan.strides[0][last], sa = plan.strides[1][last], sb = plan.strides[2][last]
        Threading.parallelFor(plan.numel) { start, end in
            plan.forEachRow(from: start, to: end) { offs, n in
                let o = po + offs[0], x = pa + offs[1], y = pb + offs[2]
                if so == 1 && sa == 1 && sb == 1 {
                    for i in 0..<n { o[i] = O(compute: f(x[i].compute, y[i].compute)) }
                } else if so == 1 && sa == 1 && sb == 0 {
                    let yv = y[0].compute
                    for i in 0..<n { o[i] = O(compute: f(x[i].compute, yv)) }
                } else {
                    for i in 0..<n { o[i &* so] = O(compute: f(x[i &* sa].compute, y[i &* sb].compute)) }
                }
            }
        }
    }

    /// out = cond ? a : b, with `a`, `b` and `out` of one element type.
    @inline(__always)
    static func select<S: TensorElement>(_: S.Type, _ cond: Tensor, _ a: Tensor, _ b: Tensor, _ out: Tensor) {
        let plan = LoopPlan(shape: out.shape, strides: [out.strides, cond.strides, a.strides, b.strides])
        let po = out.pointer(as: S.self), pc = cond.pointer(as: Bool.self)
        let pa = a.pointer(as: S.self), pb = b.pointer(as: S.self)
        let last = plan.shape.count - 1
        let so = plan.strides[0][last], sc = plan.strides[1][last]
        let sa = plan.strides[2][last], sb = plan.strides[3][last]
        Threading.parallelFor(plan.numel) { start, end in
            plan.forEachRow(from: start, to: end) { offs, n in
                let o = po + offs[0], c = pc + offs[1], x = pa + offs[2], y = pb + offs[3]
                for i in 0..<n { o[i &* so] = c[i &* sc] ? x[i &* sa] : y[i &* sb] }
            }
        }
    }

    /// Copies `src` into `dst` (same shape), converting the element type.
    @inline(__always)
    static func convert<S: TensorElement, D: TensorElement>(_: S.Type, _: D.Type, _ src: Tensor, _ dst: Tensor) {
        let plan = LoopPlan(shape: dst.shape, strides: [dst.strides, src.strides])
        let pd = dst.pointer(as: D.self), ps = src.pointer(as: S.self)
        let last = plan.shape.count - 1
        let sd = plan.strides[0][last], ss = plan.strides[1][last]
        Threading.parallelFor(plan.numel) { start, end in
            plan.forEachRow(from: start, to: end) { offs, n in
                let o = pd + offs[0], x = ps + offs[1]
                for i in 0..<n { o[i &* sd] = convertElement(x[i &* ss], to: D.self) }
            }
        }
    }

    /// Moves elements of one size between layouts (no conversion).
    @inline(__always)
    static func move<T>(_: T.Type, _ src: Tensor, _ dst: Tensor) {
        let plan = LoopPlan(shape: dst.shape, strides: [dst.strides, src.strides])
        let pd = dst.storage.data.assumingMemoryBound(to: T.self) + dst.storageOffset
        let ps = src.storage.data.assumingMemoryBound(to: T.self) + src.storageOffset
        let last = plan.shape.count - 1
        let sd = plan.strides[0][last], ss = plan.strides[1][last]
        Threading.parallelFor(plan.numel) { start, end in
            plan.forEachRow(from: start, to: end) { offs, n in
                let o = pd + offs[0], x = ps + offs[1]
                if sd == 1 && ss == 1 {
                    o.update(from: x, count: n)
                } else {
                    for i in 0..<n { o[i &* sd] = x[i &* ss] }
                }
            }
        }
    }

    @inline(__always)
    static func fill<S: TensorElement>(_: S.Type, _ out: Tensor, _ value: S) {
        let plan = LoopPlan(shape: out.shape, strides: [out.strides])
        let po = out.pointer(as: S.self)
        let so = plan.strides[0][plan.shape.count - 1]
        Threading.parallelFor(plan.numel) { start, end in
            plan.forEachRow(from: start, to: end) { offs, n in
                let o = po + offs[0]
                for i in 0..<n { o[i &* so] = value }
            }
        }
    }
}

/// Element conversion with C cast semantics (float to int truncates).
@inline(__always)
func convertElement<S: TensorElement, D: TensorElement>(_ x: S, to: D.Type) -> D {
    if S.self == D.self { return unsafeBitCast(x, to: D.self) }
    if let v = x as? Int64 {
        switch D.dtype {
        case .int32: return Int32(truncatingIfNeeded: v) as! D
        case .int16: return Int16(truncatingIfNeeded: v) as! D
        case .int8: return Int8(truncatingIfNeeded: v) as! D
        case .uint8: return UInt8(truncatingIfNeeded: v) as! D
        case .float32: return Float(v) as! D
        case .float64: return Double(v) as! D
        default: break
        }
    }
    return D(double: x.doubleValue)
}
