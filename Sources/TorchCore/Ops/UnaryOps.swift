import CTorchKernels

/// Elementwise ops of one tensor. Each case carries its PyTorch name, dtype rule
/// and derivative here; backends implement the forward primitive.
public enum UnaryOp: Sendable {
    case neg, abs, sign, sqrt, rsqrt, exp, expm1, log, log2, log10, log1p
    case sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, sigmoid, erf, erfc, erfinv
    case reciprocal, square, ceil, floor, round, trunc, frac, relu
    /// Exact GELU, x * Phi(x) (`F.gelu(approximate='none')`).
    case gelu
    case isnan, isinf, isfinite, signbit, logicalNot, bitwiseNot

    enum ResultRule { case same, float, bool }

    var name: String {
        switch self {
        case .neg: return "neg"
        case .abs: return "abs"
        case .sign: return "sign"
        case .sqrt: return "sqrt"
        case .rsqrt: return "rsqrt"
        case .exp: return "exp"
        case .expm1: return "expm1"
        case .log: return "log"
        case .log2: return "log2"
        case .log10: return "log10"
        case .log1p: return "log1p"
        case .sin: return "sin"
        case .cos: return "cos"
        case .tan: return "tan"
        case .asin: return "asin"
        case .acos: return "acos"
        case .atan: return "atan"
        case .sinh: return "sinh"
        case .cosh: return "cosh"
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .erf: return "erf"
        case .erfc: return "erfc"
        case .erfinv: return "erfinv"
        case .reciprocal: return "reciprocal"
        case .square: return "square"
        case .ceil: return "ceil"
        case .floor: return "floor"
        case .round: return "round"
        case .trunc: return "trunc"
        case .frac: return "frac"
        case .relu: return "relu"
        case .gelu: return "gelu"
        case .isnan: return "isnan"
        case .isinf: return "isinf"
        case .isfinite: return "isfinite"
        case .signbit: return "signbit"
        case .logicalNot: return "logical_not"
        case .bitwiseNot: return "bitwise_not"
        }
    }

    var resultRule: ResultRule {
        switch self {
        case .sqrt, .rsqrt, .exp, .expm1, .log, .log2, .log10, .log1p, .sin, .cos, .tan, .asin, .acos,
             .atan, .sinh, .cosh, .tanh, .sigmoid, .erf, .erfc, .erfinv, .reciprocal, .gelu:
            return .float
        case .isnan, .isinf, .isfinite, .signbit, .logicalNot:
            return .bool
        default:
            return .same
        }
    }

    /// The vectorised float32 kernel, where one exists.
    var fastKernel: Int32? {
        switch self {
        case .exp: return Int32(ST_EXP.rawValue)
        case .tanh: return Int32(ST_TANH.rawValue)
        case .sigmoid: return Int32(ST_SIGMOID.rawValue)
        case .relu: return Int32(ST_RELU.rawValue)
        case .neg: return Int32(ST_NEG.rawValue)
        case .sqrt: return Int32(ST_SQRT.rawValue)
        case .abs: return Int32(ST_ABS.rawValue)
        case .reciprocal: return Int32(ST_RECIPROCAL.rawValue)
        case .square: return Int32(ST_SQUARE.rawValue)
        case .rsqrt: return Int32(ST_RSQRT.rawValue)
        case .gelu: return Int32(ST_GELU.rawValue)
        default: return nil
        }
    }

    /// Which of input and output the derivative reads.
    var savesInput: Bool {
        switch self {
        case .abs, .log, .log2, .log10, .log1p, .sin, .cos, .asin, .acos, .atan, .sinh, .cosh, .erf, .erfc, .square, .gelu:
            return true
        default: return false
        }
    }

    var savesOutput: Bool {
        switch self {
        case .sqrt, .rsqrt, .exp, .expm1, .tan, .tanh, .sigmoid, .reciprocal, .relu, .erfinv: return true
        default: return false
        }
    }

    var isDifferentiable: Bool { resultRule != .bool && self != .bitwiseNot }

    /// d(op)/dx applied to the upstream gradient `g`, in differentiable tensor ops.
    func derivative(x: Tensor?, y: Tensor?, g: Tensor) -> Tensor {
        switch self {
        case .neg: return -g
        case .abs: return g * x!.sgn()
        case .sign, .ceil, .floor, .round, .trunc: return g.zerosLike()
        case .frac: return g
        case .sqrt: return g / (2 * y!)
        case .rsqrt: return g * (-0.5) * y!.pow(3)
        case .exp: return g * y!
        case .expm1: return g * (y! + 1)
        case .log: return g / x!
        case .log2: return g / (x! * 0.6931471805599453)
        case .log10: return g / (x! * 2.302585092994046)
        case .log1p: return g / (x! + 1)
        case .sin: return g * x!.cos()
        case .cos: return g * -x!.sin()
        case .tan: return g * (1 + y!.square())
        case .asin: return g * (1 - x!.square()).rsqrt()
        case .acos: return -g * (1 - x!.square()).rsqrt()
        case .atan: return g / (x!.square() + 1)
        case .sinh: return g * x!.cosh()
        case .cosh: return g * x!.sinh()
        case .tanh: return g * (1 - y!.square())
        case .sigmoid: return g * y! * (1 - y!)
        case .erf: return g * 1.1283791670955126 * (-x!.square()).exp()
        case .erfc: return g * -1.1283791670955126 * (-x!.square()).exp()
        case .erfinv: return g * 0.886226925452758 * y!.square().exp()
        case .reciprocal: return -g * y!.square()
        case .square: return g * 2 * x!
        case .relu: return (try? binaryOp(.thresholdBackward, g, y!)) ?? g.maskedFill(y! <= 0, 0)
        case .gelu: return (try? binaryOp(.geluBackward, g, x!)) ?? g
        case .isnan, .isinf, .isfinite, .signbit, .logicalNot, .bitwiseNot: return g.zerosLike()
        }
    }

    /// PyTorch's backward node name (`ExpBackward0`).
    var nodeName: String {
        let special: [UnaryOp: String] = [.logicalNot: "LogicalNot", .relu: "Relu", .rsqrt: "Rsqrt",
                                          .expm1: "Expm1", .log1p: "Log1P"]
        if let s = special[self] { return s + "Backward0" }
        return name.prefix(1).uppercased() + name.dropFirst() + "Backward0"
    }
}

/// The dispatch point of unary elementwise ops: dtype rule, checks, allocation,
/// backend call, autograd recording.
func unaryOp(_ op: UnaryOp, _ x: Tensor) throws(TorchError) -> Tensor {
    var computeType = x.dtype
    let outType: DType
    switch op.resultRule {
    case .same: outType = x.dtype
    case .float:
        if !x.dtype.isFloatingPoint { computeType = DType.defaultFloat }
        outType = computeType
    case .bool: outType = .bool
    }
    if op == .bitwiseNot && x.dtype.isFloatingPoint {
        throw TorchError("bitwise_not: not implemented for '\(x.dtype.legacyScalarName)'")
    }
    if (op == .frac) && !x.dtype.isFloatingPoint {
        throw TorchError("frac: not implemented for '\(x.dtype.legacyScalarName)'")
    }
    if op == .neg && x.dtype == .bool {
        throw TorchError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    }
    let input = computeType == x.dtype ? x : try x.cast(to: computeType)
    let out = x.isContiguous ? Tensor(uninitializedShape: x.shape, strides: x.strides, dtype: outType, device: x.device)
                             : Tensor(uninitializedShape: x.shape, dtype: outType, device: x.device)
    try backend(for: x.device).unary(op, input, out)
    if op.isDifferentiable && x.requiresGrad && GradMode.isEnabled {
        record(op.nodeName, input: x, output: out) { node in
            let sx = op.savesInput ? SavedTensor(x) : nil
            let sy = op.savesOutput ? SavedTensor(output: out, of: node) : nil
            return { grads, node throws(TorchError) in
                let xv = try sx?.unpack(node), yv = try sy?.unpack(node)
                return [op.derivative(x: xv, y: yv, g: grads[0]!)]
            }
        }
    }
    return out
}
