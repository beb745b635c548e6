import CTorchKernels
#if canImport(Glibc)
import Glibc
#endif
import RealModule

extension CPUBackend {
    /// out = op(a, b): `a` and `b` are already broadcast to out's shape and hold the compute dtype.
    func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ out: Tensor) throws(TorchError) {
        if let kind = fastBinaryKind(op), a.dtype == out.dtype {
            switch a.dtype {
            case .float32:
                if vectorBinary(Float.self, a, b, out, { st_binary_f32(kind, $0, Int64($1), $2, Int64($3), $4, Int64($5)) }) { return }
            case .bfloat16 where kind != Int32(ST_GELU_BACKWARD.rawValue) && st_bf16_kernels_available() != 0:
                if vectorBinary(UInt16.self, a, b, out, { _ = st_binary_bf16(kind, $0, Int64($1), $2, Int64($3), $4, Int64($5)) }) { return }
            default: break
            }
        }
        switch a.dtype {
        case .float32: binaryFloat(Float.self, op, a, b, out)
        case .float64: binaryFloat(Double.self, op, a, b, out)
        case .float16: binaryFloat(Float16.self, op, a, b, out)
        case .bfloat16: binaryFloat(BFloat16.self, op, a, b, out)
        case .int64: try binaryInt(Int64.self, op, a, b, out)
        case .int32: try binaryInt(Int32.self, op, a, b, out)
        case .int16: try binaryInt(Int16.self, op, a, b, out)
        case .int8: try binaryInt(Int8.self, op, a, b, out)
        case .uint8: try binaryInt(UInt8.self, op, a, b, out)
        case .bool: try binaryBool(op, a, b, out)
        }
    }

    /// Runs `kernel(a, strideA, b, strideB, out, count)` over flat operands, or row by row
    /// where out is contiguous along its rows and each input contiguous or broadcast along
    /// them (a bias added to every row); false for other layouts.
    private func vectorBinary<T>(_: T.Type, _ a: Tensor, _ b: Tensor, _ out: Tensor,
                                 _ kernel: (UnsafeMutablePointer<T>, Int, UnsafeMutablePointer<T>, Int, UnsafeMutablePointer<T>, Int) -> Void)
    -> Bool {
        let pa = a.pointer(as: T.self), pb = b.pointer(as: T.self), po = out.pointer(as: T.self)
        if out.isContiguous, let sa = flatStride(a), let sb = flatStride(b) {
            // flat operands need no loop plan (tiny ops are dominated by bookkeeping)
            Threading.parallelFor(out.numel) { s, e in kernel(pa + s * sa, sa, pb + s * sb, sb, po + s, e - s) }
            return true
        }
        let plan = LoopPlan(shape: out.shape, strides: [out.strides, a.strides, b.strides])
        let last = plan.shape.count - 1
        let so = plan.strides[0][last], sa = plan.strides[1][last], sb = plan.strides[2][last]
        guard so == 1 && (sa == 0 || sa == 1) && (sb == 0 || sb == 1) else { return false }
        Threading.parallelFor(plan.numel) { s, e in
            plan.forEachRow(from: s, to: e) { offs, n in kernel(pa + offs[1], sa, pb + offs[2], sb, po + offs[0], n) }
        }
        return true
    }

    /// 1 for a contiguous operand, 0 for a single value broadcast everywhere, else nil.
    private func flatStride(_ t: Tensor) -> Int? {
        if t.isContiguous { return 1 }
        return t.strides.allSatisfy { $0 == 0 } ? 0 : nil
    }

    private func fastBinaryKind(_ op: BinaryOp) -> Int32? {
        switch op {
        case .add: return Int32(ST_ADD.rawValue)
        case .sub: return Int32(ST_SUB.rawValue)
        case .mul: return Int32(ST_MUL.rawValue)
        case .div: return Int32(ST_DIV.rawValue)
        case .geluBackward: return Int32(ST_GELU_BACKWARD.rawValue)
        case .thresholdBackward: return Int32(ST_THRESHOLD_BACKWARD.rawValue)
        default: return nil
        }
    }

    private func binaryFloat<S: TensorElement>(_: S.Type, _ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ out: Tensor)
    where S.Compute: Real & BinaryFloatingPoint {
        typealias C = S.Compute
        let z = Elementwise.self
        switch op {
        case .add: z.zip(S.self, S.self, a, b, out) { $0 + $1 }
        case .sub: z.zip(S.self, S.self, a, b, out) { $0 - $1 }
        case .mul: z.zip(S.self, S.self, a, b, out) { $0 * $1 }
        case .div: z.zip(S.self, S.self, a, b, out) { $0 / $1 }
        case .divTrunc: z.zip(S.self, S.self, a, b, out) { ($0 / $1).rounded(.towardZero) }
        case .divFloor, .floorDivide: z.zip(S.self, S.self, a, b, out) { floorDivide($0, $1) }
        case .remainder: z.zip(S.self, S.self, a, b, out) { x, y in
            var m = x.truncatingRemainder(dividingBy: y)
            if m != 0 && ((y < 0) != (m < 0)) { m += y }
            return m
        }
        case .fmod: z.zip(S.self, S.self, a, b, out) { $0.truncatingRemainder(dividingBy: $1) }
        case .pow: z.zip(S.self, S.self, a, b, out) { C(Glibc.pow(Double($0), Double($1))) }
        case .atan2: z.zip(S.self, S.self, a, b, out) { C.atan2(y: $0, x: $1) }
        case .maximum: z.zip(S.self, S.self, a, b, out) { ($0.isNaN || $1.isNaN) ? C.nan : Swift.max($0, $1) }
        case .minimum: z.zip(S.self, S.self, a, b, out) { ($0.isNaN || $1.isNaN) ? C.nan : Swift.min($0, $1) }
        case .hypot: z.zip(S.self, S.self, a, b, out) { C.hypot($0, $1) }
        case .xlogy: z.zip(S.self, S.self, a, b, out) { x, y in
            if y.isNaN { return y }
            if x == 0 { return 0 }
            return x * C.log(y)
        }
        case .copysign: z.zip(S.self, S.self, a, b, out) { C(signOf: $1, magnitudeOf: $0) }
        case .eq: z.zip(S.self, Bool.self, a, b, out) { $0 == $1 }
        case .ne: z.zip(S.self, Bool.self, a, b, out) { $0 != $1 }
        case .lt: z.zip(S.self, Bool.self, a, b, out) { $0 < $1 }
        case .le: z.zip(S.self, Bool.self, a, b, out) { $0 <= $1 }
        case .gt: z.zip(S.self, Bool.self, a, b, out) { $0 > $1 }
        case .ge: z.zip(S.self, Bool.self, a, b, out) { $0 >= $1 }
        case .thresholdBackward: z.zip(S.self, S.self, a, b, out) { $1 <= 0 ? 0 : $0 }
        case .geluBackward: z.zip(S.self, S.self, a, b, out) { g, x in
            g * (0.5 * (1 + C.erf(x * 0.7071067811865476)) + x * C.exp(-0.5 * x * x) * 0.3989422804014327)
        }
        case .bitwiseAnd, .bitwiseOr, .bitwiseXor, .logicalAnd, .logicalOr, .logicalXor: break
        }
    }

    private func binaryInt<S: TensorElement>(_: S.Type, _ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ out: Tensor) throws(TorchError)
    where S.Compute: FixedWidthInteger {
        let z = Elementwise.self
        switch op {
        case .add: z.zip(S.self, S.self, a, b, out) { $0 &+ $1 }
        case .sub: z.zip(S.self, S.self, a, b, out) { $0 &- $1 }
        case .mul: z.zip(S.self, S.self, a, b, out) { $0 &* $1 }
        case .divTrunc: z.zip(S.self, S.self, a, b, out) { $0.dividedReportingOverflow(by: $1).partialValue }
        case .divFloor, .floorDivide: z.zip(S.self, S.self, a, b, out) { x, y in
            var q = x.dividedReportingOverflow(by: y).partialValue
            let r = x.remainderReportingOverflow(dividingBy: y).partialValue
            if r != 0 && ((r < 0) != (y < 0)) { q = q &- 1 }
            return q
        }
        case .remainder: z.zip(S.self, S.self, a, b, out) { x, y in
            var r = x.remainderReportingOverflow(dividingBy: y).partialValue
            if r != 0 && ((r < 0) != (y < 0)) { r = r &+ y }
            return r
        }
        case .fmod: z.zip(S.self, S.self, a, b, out) { $0.remainderReportingOverflow(dividingBy: $1).partialValue }
        case .pow: z.zip(S.self, S.self, a, b, out) { base, exponent in
            var result: S.Compute = 1, x = base, e = exponent
            while e > 0 {
                if e & 1 == 1 { result = result &* x }
                x = x &* x
                e >>= 1
            }
            return result
        }
        case .maximum: z.zip(S.self, S.self, a, b, out) { Swift.max($0, $1) }
        case .minimum: z.zip(S.self, S.self, a, b, out) { Swift.min($0, $1) }
        case .bitwiseAnd: z.zip(S.self, S.self, a, b, out) { $0 & $1 }
        case .bitwiseOr: z.zip(S.self, S.self, a, b, out) { $0 | $1 }
        case .bitwiseXor: z.zip(S.self, S.self, a, b, out) { $0 ^ $1 }
        case .eq: z.zip(S.self, Bool.self, a, b, out) { $0 == $1 }
        case .ne: z.zip(S.self, Bool.self, a, b, out) { $0 != $1 }
        case .lt: z.zip(S.self, Bool.self, a, b, out) { $0 < $1 }
        case .le: z.zip(S.self, Bool.self, a, b, out) { $0 <= $1 }
        case .gt: z.zip(S.self, Bool.self, a, b, out) { $0 > $1 }
        case .ge: z.zip(S.self, Bool.self, a, b, out) { $0 >= $1 }
        default: throw TorchError("\(op.name): not implemented for '\(S.dtype.legacyScalarName)'")
        }
    }

    private func binaryBool(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ out: Tensor) throws(TorchError) {
        let z = Elementwise.self
        switch op {
        case .add, .bitwiseOr, .logicalOr, .maximum: z.zip(Bool.self, Bool.self, a, b, out) { $0 || $1 }
        case .mul, .bitwiseAnd, .logicalAnd, .minimum: z.zip(Bool.self, Bool.self, a, b, out) { $0 && $1 }
        case .bitwiseXor, .logicalXor, .ne: z.zip(Bool.self, Bool.self, a, b, out) { $0 != $1 }
        case .eq: z.zip(Bool.self, Bool.self, a, b, out) { $0 == $1 }
        case .lt: z.zip(Bool.self, Bool.self, a, b, out) { !$0 && $1 }
        case .le: z.zip(Bool.self, Bool.self, a, b, out) { !$0 || $1 }
        case .gt: z.zip(Bool.self, Bool.self, a, b, out) { $0 && !$1 }
        case .ge: z.zip(Bool.self, Bool.self, a, b, out) { $0 || !$1 }
        default: throw TorchError("\(op.name): not implemented for 'Bool'")
        }
    }
}

/// Python's floor division for floats, as PyTorch's `div_floor` computes it.
@inline(__always)
func floorDivide<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T {
    if b == 0 { return a / b }
    let mod = a.truncatingRemainder(dividingBy: b)
    var div = (a - mod) / b
    if mod != 0 && ((b < 0) != (mod < 0)) { div -= 1 }
    if div != 0 {
        var fl = div.rounded(.down)
        if div - fl > 0.5 { fl += 1 }
        return fl
    }
    return T(signOf: a / b, magnitudeOf: 0)
}
