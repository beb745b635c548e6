import CTorchKernels
import RealModule

extension CPUBackend {
    /// out = op(x); `x` already has the compute dtype, `out` the result dtype.
    func unary(_ op: UnaryOp, _ x: Tensor, _ out: Tensor) throws(TorchError) {
        if x.dtype == .float32, out.dtype == .float32, x.isContiguous, out.isContiguous,
           let kind = op.fastKernel, st_has_avx512() != 0 {
            let px = SendablePointer(raw: UnsafeMutableRawPointer(x.pointer(as: Float.self)))
            let po = SendablePointer(raw: UnsafeMutableRawPointer(out.pointer(as: Float.self)))
            Threading.parallelFor(x.numel) { s, e in
                _ = st_unary_f32(kind, px.raw.assumingMemoryBound(to: Float.self) + s,
                                 po.raw.assumingMemoryBound(to: Float.self) + s, Int64(e - s))
            }
            return
        }
        if x.dtype == .bfloat16, out.dtype == .bfloat16, x.isContiguous, out.isContiguous, let kind = op.fastKernel,
           kind != Int32(ST_GELU.rawValue), st_bf16_kernels_available() != 0 {
            let px = x.pointer(as: UInt16.self), po = out.pointer(as: UInt16.self)
            Threading.parallelFor(x.numel) { s, e in _ = st_unary_bf16(kind, px + s, po + s, Int64(e - s)) }
            return
        }
        switch x.dtype {
        case .float32: unaryFloat(Float.self, op, x, out)
        case .float64: unaryFloat(Double.self, op, x, out)
        case .float16: unaryFloat(Float16.self, op, x, out)
        case .bfloat16: unaryFloat(BFloat16.self, op, x, out)
        case .int64: try unaryInt(Int64.self, op, x, out)
        case .int32: try unaryInt(Int32.self, op, x, out)
        case .int16: try unaryInt(Int16.self, op, x, out)
        case .int8: try unaryInt(Int8.self, op, x, out)
        case .uint8: try unaryInt(UInt8.self, op, x, out)
        case .bool: try unaryBool(op, x, out)
        }
    }

    private func unaryFloat<S: TensorElement>(_: S.Type, _ op: UnaryOp, _ x: Tensor, _ out: Tensor)
    where S.Compute: Real & BinaryFloatingPoint {
        typealias C = S.Compute
        let m = Elementwise.self
        switch op {
        case .neg: m.map(S.self, S.self, x, out) { -$0 }
        case .abs: m.map(S.self, S.self, x, out) { Swift.abs($0) }
        case .sign: m.map(S.self, S.self, x, out) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case .sqrt: m.map(S.self, S.self, x, out) { $0.squareRoot() }
        case .rsqrt: m.map(S.self, S.self, x, out) { 1 / $0.squareRoot() }
        case .exp: m.map(S.self, S.self, x, out) { C.exp($0) }
        case .expm1: m.map(S.self, S.self, x, out) { C.expMinusOne($0) }
        case .log: m.map(S.self, S.self, x, out) { C.log($0) }
        case .log2: m.map(S.self, S.self, x, out) { C.log2($0) }
        case .log10: m.map(S.self, S.self, x, out) { C.log10($0) }
        case .log1p: m.map(S.self, S.self, x, out) { C.log(onePlus: $0) }
        case .sin: m.map(S.self, S.self, x, out) { C.sin($0) }
        case .cos: m.map(S.self, S.self, x, out) { C.cos($0) }
        case .tan: m.map(S.self, S.self, x, out) { C.tan($0) }
        case .asin: m.map(S.self, S.self, x, out) { C.asin($0) }
        case .acos: m.map(S.self, S.self, x, out) { C.acos($0) }
        case .atan: m.map(S.self, S.self, x, out) { C.atan($0) }
        case .sinh: m.map(S.self, S.self, x, out) { C.sinh($0) }
        case .cosh: m.map(S.self, S.self, x, out) { C.cosh($0) }
        case .tanh: m.map(S.self, S.self, x, out) { C.tanh($0) }
        case .sigmoid: m.map(S.self, S.self, x, out) { 1 / (1 + C.exp(-$0)) }
        case .erf: m.map(S.self, S.self, x, out) { C.erf($0) }
        case .erfc: m.map(S.self, S.self, x, out) { C.erfc($0) }
        case .erfinv: m.map(S.self, S.self, x, out) { C(inverseErf(Double($0))) }
        case .reciprocal: m.map(S.self, S.self, x, out) { 1 / $0 }
        case .square: m.map(S.self, S.self, x, out) { $0 * $0 }
        case .ceil: m.map(S.self, S.self, x, out) { $0.rounded(.up) }
        case .floor: m.map(S.self, S.self, x, out) { $0.rounded(.down) }
        case .round: m.map(S.self, S.self, x, out) { $0.rounded(.toNearestOrEven) }
        case .trunc: m.map(S.self, S.self, x, out) { $0.rounded(.towardZero) }
        case .frac: m.map(S.self, S.self, x, out) { $0 - $0.rounded(.towardZero) }
        case .relu: m.map(S.self, S.self, x, out) { $0.isNaN ? $0 : ($0 > 0 ? $0 : 0) }
        case .gelu: m.map(S.self, S.self, x, out) { $0 * 0.5 * (1 + C.erf($0 * 0.7071067811865476)) }
        case .isnan: m.map(S.self, Bool.self, x, out) { $0.isNaN }
        case .isinf: m.map(S.self, Bool.self, x, out) { $0.isInfinite }
        case .isfinite: m.map(S.self, Bool.self, x, out) { $0.isFinite }
        case .signbit: m.map(S.self, Bool.self, x, out) { $0.sign == .minus }
        case .logicalNot: m.map(S.self, Bool.self, x, out) { $0 == 0 }
        case .bitwiseNot: break
        }
    }

    private func unaryInt<S: TensorElement>(_: S.Type, _ op: UnaryOp, _ x: Tensor, _ out: Tensor) throws(TorchError)
    where S.Compute: FixedWidthInteger {
        let m = Elementwise.self
        switch op {
        case .neg: m.map(S.self, S.self, x, out) { 0 &- $0 }
        case .abs: m.map(S.self, S.self, x, out) { $0 < 0 ? 0 &- $0 : $0 }
        case .sign: m.map(S.self, S.self, x, out) { $0 > 0 ? 1 : ($0 < 0 ? 0 &- 1 : 0) }
        case .square: m.map(S.self, S.self, x, out) { $0 &* $0 }
        case .ceil, .floor, .round, .trunc: m.map(S.self, S.self, x, out) { $0 }
        case .relu: m.map(S.self, S.self, x, out) { $0 > 0 ? $0 : 0 }
        case .bitwiseNot: m.map(S.self, S.self, x, out) { ~$0 }
        case .isnan, .isinf: m.map(S.self, Bool.self, x, out) { _ in false }
        case .isfinite: m.map(S.self, Bool.self, x, out) { _ in true }
        case .signbit: m.map(S.self, Bool.self, x, out) { $0 < 0 }
        case .logicalNot: m.map(S.self, Bool.self, x, out) { $0 == 0 }
        default: throw TorchError("\(op.name): not implemented for '\(S.dtype.legacyScalarName)'")
        }
    }

    private func unaryBool(_ op: UnaryOp, _ x: Tensor, _ out: Tensor) throws(TorchError) {
        let m = Elementwise.self
        switch op {
        case .logicalNot, .bitwiseNot: m.map(Bool.self, Bool.self, x, out) { !$0 }
        case .abs, .ceil, .floor, .round, .trunc, .relu, .square: m.map(Bool.self, Bool.self, x, out) { $0 }
        case .isnan, .isinf: m.map(Bool.self, Bool.self, x, out) { _ in false }
        case .isfinite: m.map(Bool.self, Bool.self, x, out) { _ in true }
        case .signbit: m.map(Bool.self, Bool.self, x, out) { _ in false }
        default: throw TorchError("\(op.name): not implemented for 'Bool'")
        }
    }
}

extension DType {
    /// PyTorch's C++ scalar type name used in "not implemented for" messages (`Float`, `Long`).
    public var legacyScalarName: String {
        switch self {
        case .bool: return "Bool"
        case .uint8: return "Byte"
        case .int8: return "Char"
        case .int16: return "Short"
        case .int32: return "Int"
        case .int64: return "Long"
        case .float16: return "Half"
        case .bfloat16: return "BFloat16"
        case .float32: return "Float"
        case .float64: return "Double"
        }
    }
}

/// erf^-1(x): Giles' single-precision approximation refined by Newton steps on erf.
func inverseErf(_ x: Double) -> Double {
    if x.isNaN || x < -1 || x > 1 { return .nan }
    if x == 1 { return .infinity }
    if x == -1 { return -.infinity }
    var w = -Double.log((1 - x) * (1 + x))
    var p: Double
    if w < 5 {
        w -= 2.5
        p = 2.81022636e-08
        for c in [3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941] {
            p = c + p * w
        }
    } else {
        w = w.squareRoot() - 3
        p = -0.000200214257
        for c in [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682] {
            p = c + p * w
        }
    }
    var y = p * x
    for _ in 0..<2 {
        let err = Double.erf(y) - x
        y -= err / (1.1283791670955126 * Double.exp(-y * y))
    }
    return y
}
