// Public spellings of the elementwise ops (methods, operators and in-place forms).

extension Tensor {
    @inline(__always) func unary(_ op: UnaryOp) -> Tensor { run { () throws(TorchError) -> Tensor in try unaryOp(op, self) } }

    public func neg() -> Tensor { unary(.neg) }
    public func abs() -> Tensor { unary(.abs) }
    public func sign() -> Tensor { unary(.sign) }
    /// sign for real tensors (`sgn`).
    public func sgn() -> Tensor { unary(.sign) }
    public func sqrt() -> Tensor { unary(.sqrt) }
    public func rsqrt() -> Tensor { unary(.rsqrt) }
    public func exp() -> Tensor { unary(.exp) }
    public func expm1() -> Tensor { unary(.expm1) }
    public func log() -> Tensor { unary(.log) }
    public func log2() -> Tensor { unary(.log2) }
    public func log10() -> Tensor { unary(.log10) }
    public func log1p() -> Tensor { unary(.log1p) }
    public func sin() -> Tensor { unary(.sin) }
    public func cos() -> Tensor { unary(.cos) }
    public func tan() -> Tensor { unary(.tan) }
    public func asin() -> Tensor { unary(.asin) }
    public func acos() -> Tensor { unary(.acos) }
    public func atan() -> Tensor { unary(.atan) }
    public func sinh() -> Tensor { unary(.sinh) }
    public func cosh() -> Tensor { unary(.cosh) }
    public func tanh() -> Tensor { unary(.tanh) }
    public func sigmoid() -> Tensor { unary(.sigmoid) }
    public func erf() -> Tensor { unary(.erf) }
    public func erfc() -> Tensor { unary(.erfc) }
    public func erfinv() -> Tensor { unary(.erfinv) }
    public func reciprocal() -> Tensor { unary(.reciprocal) }
    public func square() -> Tensor { unary(.square) }
    public func ceil() -> Tensor { unary(.ceil) }
    public func floor() -> Tensor { unary(.floor) }
    public func round() -> Tensor { unary(.round) }
    public func trunc() -> Tensor { unary(.trunc) }
    public func frac() -> Tensor { unary(.frac) }
    public func relu() -> Tensor { unary(.relu) }
    /// Exact GELU, x * Phi(x) (`F.gelu`).
    public func gelu() -> Tensor { unary(.gelu) }
    public func isnan() -> Tensor { unary(.isnan) }
    public func isinf() -> Tensor { unary(.isinf) }
    public func isfinite() -> Tensor { unary(.isfinite) }
    public func signbit() -> Tensor { unary(.signbit) }
    public func logicalNot() -> Tensor { unary(.logicalNot) }
    public func bitwiseNot() -> Tensor { unary(.bitwiseNot) }

    /// Rounds to `decimals` decimal places (half to even).
    public func round(decimals: Int) -> Tensor {
        if decimals == 0 { return round() }
        let scale = _pow(10.0, Double(decimals))
        return (self * scale).round() / scale
    }

    @inline(__always) func binary(_ op: BinaryOp, _ other: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in try binaryOp(op, self, other) }
    }

    /// self + alpha * other (`add`).
    public func add(_ other: Tensor, alpha: Scalar = 1) -> Tensor {
        if alpha == 1 { return binary(.add, other) }
        return binary(.add, other * alpha)
    }
    public func add(_ other: Scalar, alpha: Scalar = 1) -> Tensor { add(Tensor.wrapped(other), alpha: alpha) }
    /// self - alpha * other (`sub`).
    public func sub(_ other: Tensor, alpha: Scalar = 1) -> Tensor {
        if alpha == 1 { return binary(.sub, other) }
        return binary(.sub, other * alpha)
    }
    public func sub(_ other: Scalar, alpha: Scalar = 1) -> Tensor { sub(Tensor.wrapped(other), alpha: alpha) }
    public func mul(_ other: Tensor) -> Tensor { binary(.mul, other) }
    public func mul(_ other: Scalar) -> Tensor { binary(.mul, Tensor.wrapped(other)) }
    /// Division; `roundingMode` is nil (true division), "trunc" or "floor".
    public func div(_ other: Tensor, roundingMode: String? = nil) -> Tensor {
        switch roundingMode {
        case nil: return binary(.div, other)
        case "trunc": return binary(.divTrunc, other)
        case "floor": return binary(.divFloor, other)
        case let mode?:
            return run { () throws(TorchError) -> Tensor in
                throw TorchError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '\(mode)'")
            }
        }
    }
    public func div(_ other: Scalar, roundingMode: String? = nil) -> Tensor { div(Tensor.wrapped(other), roundingMode: roundingMode) }
    public func pow(_ exponent: Tensor) -> Tensor { binary(.pow, exponent) }
    public func pow(_ exponent: Scalar) -> Tensor {
        if case .int(2) = exponent, dtype.isFloatingPoint { return powSquare() }
        return binary(.pow, Tensor.wrapped(exponent))
    }
    private func powSquare() -> Tensor {
        run { () throws(TorchError) -> Tensor in
            // x^2 through pow keeps PyTorch's PowBackward0 formula: 2 * x * g
            try binaryOp(.pow, self, Tensor.wrapped(.int(2)))
        }
    }
    public func atan2(_ other: Tensor) -> Tensor { binary(.atan2, other) }
    public func fmod(_ other: Tensor) -> Tensor { binary(.fmod, other) }
    public func fmod(_ other: Scalar) -> Tensor { binary(.fmod, Tensor.wrapped(other)) }
    public func remainder(_ other: Tensor) -> Tensor { binary(.remainder, other) }
    public func remainder(_ other: Scalar) -> Tensor { binary(.remainder, Tensor.wrapped(other)) }
    public func floorDivide(_ other: Tensor) -> Tensor { binary(.floorDivide, other) }
    public func floorDivide(_ other: Scalar) -> Tensor { binary(.floorDivide, Tensor.wrapped(other)) }
    public func maximum(_ other: Tensor) -> Tensor { binary(.maximum, other) }
    public func minimum(_ other: Tensor) -> Tensor { binary(.minimum, other) }
    public func hypot(_ other: Tensor) -> Tensor { binary(.hypot, other) }
    public func xlogy(_ other: Tensor) -> Tensor { binary(.xlogy, other) }
    public func xlogy(_ other: Scalar) -> Tensor { binary(.xlogy, Tensor.wrapped(other)) }
    public func copysign(_ other: Tensor) -> Tensor { binary(.copysign, other) }
    public func bitwiseAnd(_ other: Tensor) -> Tensor { binary(.bitwiseAnd, other) }
    public func bitwiseOr(_ other: Tensor) -> Tensor { binary(.bitwiseOr, other) }
    public func bitwiseXor(_ other: Tensor) -> Tensor { binary(.bitwiseXor, other) }
    public func logicalAnd(_ other: Tensor) -> Tensor { binary(.logicalAnd, other) }
    public func logicalOr(_ other: Tensor) -> Tensor { binary(.logicalOr, other) }
    public func logicalXor(_ other: Tensor) -> Tensor { binary(.logicalXor, other) }
    public func eq(_ other: Tensor) -> Tensor { binary(.eq, other) }
    public func ne(_ other: Tensor) -> Tensor { binary(.ne, other) }
    public func lt(_ other: Tensor) -> Tensor { binary(.lt, other) }
    public func le(_ other: Tensor) -> Tensor { binary(.le, other) }
    public func gt(_ other: Tensor) -> Tensor { binary(.gt, other) }
    public func ge(_ other: Tensor) -> Tensor { binary(.ge, other) }
    public func eq(_ other: Scalar) -> Tensor { binary(.eq, Tensor.wrapped(other)) }
    public func ne(_ other: Scalar) -> Tensor { binary(.ne, Tensor.wrapped(other)) }
    public func lt(_ other: Scalar) -> Tensor { binary(.lt, Tensor.wrapped(other)) }
    public func le(_ other: Scalar) -> Tensor { binary(.le, Tensor.wrapped(other)) }
    public func gt(_ other: Scalar) -> Tensor { binary(.gt, Tensor.wrapped(other)) }
    public func ge(_ other: Scalar) -> Tensor { binary(.ge, Tensor.wrapped(other)) }

    /// Elementwise linear interpolation: self + weight * (end - self).
    public func lerp(_ end: Tensor, weight: Tensor) -> Tensor { self + weight * (end - self) }
    public func lerp(_ end: Tensor, weight: Scalar) -> Tensor { self + (end - self) * weight }

    /// self + value * t1 * t2.
    public func addcmul(_ t1: Tensor, _ t2: Tensor, value: Scalar = 1) -> Tensor { self + t1 * t2 * value }
    /// self + value * t1 / t2.
    public func addcdiv(_ t1: Tensor, _ t2: Tensor, value: Scalar = 1) -> Tensor { self + t1 / t2 * value }

    /// Whether both have the same shape and equal elements (`torch.equal`; NaN is unequal).
    public func equal(_ other: Tensor) -> Bool {
        shape == other.shape && withNoGrad { (self == other).all().item().doubleValue != 0 }
    }

    /// Whether all elements are close (`allclose`).
    public func allclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) -> Bool {
        isclose(other, rtol: rtol, atol: atol, equalNan: equalNan).all().item().doubleValue != 0
    }

    /// |self - other| <= atol + rtol * |other|, elementwise.
    public func isclose(_ other: Tensor, rtol: Double = 1e-5, atol: Double = 1e-8, equalNan: Bool = false) -> Tensor {
        withNoGrad {
            let a = self.to(.float64), b = other.to(.float64)
            var close = (a - b).abs() <= (b.abs() * rtol + atol)
            close = close.logicalOr(a == b)
            if equalNan { close = close.logicalOr(a.isnan().logicalAnd(b.isnan())) }
            return close
        }
    }

    /// Replaces NaN and infinities (`nan_to_num`); infinities default to the dtype's extremes.
    public func nanToNum(nan: Double = 0, posinf: Double? = nil, neginf: Double? = nil) -> Tensor {
        guard dtype.isFloatingPoint else { return clone() }
        let big = dtype.finiteMax
        var r = Tensor.where(isnan(), Tensor.wrapped(.double(nan)), self)
        r = Tensor.where(r == Double.infinity, Tensor.wrapped(.double(posinf ?? big)), r)
        r = Tensor.where(r == -Double.infinity, Tensor.wrapped(.double(neginf ?? -big)), r)
        return r
    }
}

extension DType {
    var finiteMax: Double {
        switch self {
        case .float16: return 65504
        case .bfloat16: return 3.3895313892515355e38
        case .float32: return Double(Float.greatestFiniteMagnitude)
        default: return Double.greatestFiniteMagnitude
        }
    }
}

// MARK: - Operators

public prefix func - (x: Tensor) -> Tensor { x.neg() }
public prefix func ~ (x: Tensor) -> Tensor { x.dtype == .bool ? x.logicalNot() : x.bitwiseNot() }

public func + (a: Tensor, b: Tensor) -> Tensor { a.binary(.add, b) }
public func - (a: Tensor, b: Tensor) -> Tensor { a.binary(.sub, b) }
public func * (a: Tensor, b: Tensor) -> Tensor { a.binary(.mul, b) }
public func / (a: Tensor, b: Tensor) -> Tensor { a.binary(.div, b) }
public func % (a: Tensor, b: Tensor) -> Tensor { a.binary(.remainder, b) }
public func & (a: Tensor, b: Tensor) -> Tensor { a.binary(.bitwiseAnd, b) }
public func | (a: Tensor, b: Tensor) -> Tensor { a.binary(.bitwiseOr, b) }
public func ^ (a: Tensor, b: Tensor) -> Tensor { a.binary(.bitwiseXor, b) }
public func == (a: Tensor, b: Tensor) -> Tensor { a.binary(.eq, b) }
public func != (a: Tensor, b: Tensor) -> Tensor { a.binary(.ne, b) }
public func < (a: Tensor, b: Tensor) -> Tensor { a.binary(.lt, b) }
public func <= (a: Tensor, b: Tensor) -> Tensor { a.binary(.le, b) }
public func > (a: Tensor, b: Tensor) -> Tensor { a.binary(.gt, b) }
public func >= (a: Tensor, b: Tensor) -> Tensor { a.binary(.ge, b) }

public func + <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.add, .wrapped(b.scalar)) }
public func - <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.sub, .wrapped(b.scalar)) }
public func * <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.mul, .wrapped(b.scalar)) }
public func / <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.div, .wrapped(b.scalar)) }
public func % <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.remainder, .wrapped(b.scalar)) }
public func == <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.eq, .wrapped(b.scalar)) }
public func != <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.ne, .wrapped(b.scalar)) }
public func < <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.lt, .wrapped(b.scalar)) }
public func <= <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.le, .wrapped(b.scalar)) }
public func > <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.gt, .wrapped(b.scalar)) }
public func >= <S: ScalarConvertible>(a: Tensor, b: S) -> Tensor { a.binary(.ge, .wrapped(b.scalar)) }

public func + <S: ScalarConvertible>(a: S, b: Tensor) -> Tensor { Tensor.wrapped(a.scalar).binary(.add, b) }
public func - <S: ScalarConvertible>(a: S, b: Tensor) -> Tensor { Tensor.wrapped(a.scalar).binary(.sub, b) }
public func * <S: ScalarConvertible>(a: S, b: Tensor) -> Tensor { Tensor.wrapped(a.scalar).binary(.mul, b) }
public func / <S: ScalarConvertible>(a: S, b: Tensor) -> Tensor { Tensor.wrapped(a.scalar).binary(.div, b) }

public func += (a: inout Tensor, b: Tensor) { a.add_(b) }
public func -= (a: inout Tensor, b: Tensor) { a.sub_(b) }
public func *= (a: inout Tensor, b: Tensor) { a.mul_(b) }
public func /= (a: inout Tensor, b: Tensor) { a.div_(b) }
public func += <S: ScalarConvertible>(a: inout Tensor, b: S) { a.add_(b.scalar) }
public func -= <S: ScalarConvertible>(a: inout Tensor, b: S) { a.sub_(b.scalar) }
public func *= <S: ScalarConvertible>(a: inout Tensor, b: S) { a.mul_(b.scalar) }
public func /= <S: ScalarConvertible>(a: inout Tensor, b: S) { a.div_(b.scalar) }

extension Tensor {
    /// `torch.where(condition, a, b)`: elements of `a` where `condition`, else of `b`.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in try whereOp(condition, a, b) }
    }

    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Scalar) -> Tensor { `where`(condition, a, Tensor.wrapped(b)) }
    public static func `where`(_ condition: Tensor, _ a: Scalar, _ b: Tensor) -> Tensor { `where`(condition, Tensor.wrapped(a), b) }

    /// Elements of self where `mask` is false, `value` where it is true.
    public func maskedFill(_ mask: Tensor, _ value: Scalar) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(mask.dtype == .bool, "masked_fill_ only supports boolean masks, but got mask with dtype \(mask.dtype)")
            let v = Tensor(scalar: value, dtype: dtype)
            return try whereOp(mask, v, self, outShapeMustBe: shape)
        }
    }

    public func maskedFill(_ mask: Tensor, _ value: Tensor) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(mask.dtype == .bool, "masked_fill_ only supports boolean masks, but got mask with dtype \(mask.dtype)")
            try check(value.rank == 0, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with \(value.rank) dimension(s).")
            return try whereOp(mask, try value.cast(to: dtype), self, outShapeMustBe: shape)
        }
    }
}

func whereOp(_ cond: Tensor, _ a: Tensor, _ b: Tensor, outShapeMustBe: [Int]? = nil) throws(TorchError) -> Tensor {
    try check(cond.dtype == .bool || cond.dtype == .uint8, "where expected condition to be a boolean tensor, but got a tensor with dtype \(cond.dtype.legacyScalarName)")
    let shape = try broadcastShapes(try broadcastShapes(cond.shape, a.shape, op: "where"), b.shape, op: "where")
    if let must = outShapeMustBe, must != shape {
        throw TorchError("masked_fill: mask of shape \(shapeString(cond.shape)) is not broadcastable to the tensor of shape \(shapeString(must))")
    }
    let common = resultType(a, b)
    let ca = a.dtype == common ? a : try a.cast(to: common)
    let cb = b.dtype == common ? b : try b.cast(to: common)
    let cc = cond.dtype == .bool ? cond : try cond.cast(to: .bool)
    let out = Tensor(uninitializedShape: shape, dtype: common, device: a.device)
    backend(for: out.device).select(cc.expandedView(to: shape), ca.expandedView(to: shape), cb.expandedView(to: shape), out)
    if needsGrad(a, b) {
        let aShape = a.shape, bShape = b.shape, aType = a.dtype, bType = b.dtype
        let aNeeds = a.requiresGradFlag, bNeeds = b.requiresGradFlag
        let sc = SavedTensor(cond)
        record("WhereBackward0", inputs: [a, b], outputs: [out]) { node in
            { grads, node throws(TorchError) in
                let g = grads[0]!, c = try sc.unpack(node)
                let zero = Tensor.wrapped(.int(0))
                return [aNeeds ? reduceGrad(Tensor.where(c, g, zero), to: aShape, dtype: aType) : nil,
                        bNeeds ? reduceGrad(Tensor.where(c, zero, g), to: bShape, dtype: bType) : nil]
            }
        }
    }
    return out
}
