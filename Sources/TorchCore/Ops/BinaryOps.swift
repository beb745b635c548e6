/// Elementwise ops of two broadcast tensors, with their dtype rules and derivatives.
public enum BinaryOp: Sendable {
    case add, sub, mul, div, divTrunc, divFloor, floorDivide, remainder, fmod, pow, atan2
    case maximum, minimum, hypot, xlogy, copysign
    case bitwiseAnd, bitwiseOr, bitwiseXor, logicalAnd, logicalOr, logicalXor
    case eq, ne, lt, le, gt, ge
    /// g where y > 0, else 0: ReLU's backward in one pass (`threshold_backward`).
    case thresholdBackward
    /// g * GELU'(x) for (g, x): GELU's backward in one pass (`gelu_backward`).
    case geluBackward

    var name: String {
        switch self {
        case .add: return "add"
        case .sub: return "sub"
        case .mul: return "mul"
        case .div, .divTrunc, .divFloor: return "div"
        case .floorDivide: return "floor_divide"
        case .remainder: return "remainder"
        case .fmod: return "fmod"
        case .pow: return "pow"
        case .atan2: return "atan2"
        case .maximum: return "maximum"
        case .minimum: return "minimum"
        case .hypot: return "hypot"
        case .xlogy: return "xlogy"
        case .copysign: return "copysign"
        case .bitwiseAnd: return "bitwise_and"
        case .bitwiseOr: return "bitwise_or"
        case .bitwiseXor: return "bitwise_xor"
        case .logicalAnd: return "logical_and"
        case .logicalOr: return "logical_or"
        case .logicalXor: return "logical_xor"
        case .eq: return "eq"
        case .ne: return "ne"
        case .lt: return "lt"
        case .le: return "le"
        case .gt: return "gt"
        case .ge: return "ge"
        case .thresholdBackward: return "threshold_backward"
        case .geluBackward: return "gelu_backward"
        }
    }

    var nodeName: String {
        switch self {
        case .add: return "AddBackward0"
        case .sub: return "SubBackward0"
        case .mul: return "MulBackward0"
        case .div, .divTrunc, .divFloor: return "DivBackward0"
        case .pow: return "PowBackward1"
        case .atan2: return "Atan2Backward0"
        case .remainder: return "RemainderBackward0"
        case .fmod: return "FmodBackward0"
        case .maximum: return "MaximumBackward0"
        case .minimum: return "MinimumBackward0"
        case .hypot: return "HypotBackward0"
        case .xlogy: return "XlogyBackward0"
        case .copysign: return "CopysignBackward0"
        default: return name.prefix(1).uppercased() + name.dropFirst() + "Backward0"
        }
    }

    var isComparison: Bool {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge: return true
        default: return false
        }
    }

    var isLogical: Bool {
        switch self {
        case .logicalAnd, .logicalOr, .logicalXor: return true
        default: return false
        }
    }

    var isBitwise: Bool {
        switch self {
        case .bitwiseAnd, .bitwiseOr, .bitwiseXor: return true
        default: return false
        }
    }

    /// Ops whose integer inputs compute in the default float type.
    var promotesIntToFloat: Bool {
        switch self {
        case .div, .atan2, .hypot, .xlogy, .copysign: return true
        default: return false
        }
    }

    var isDifferentiable: Bool {
        switch self {
        case .add, .sub, .mul, .div, .divTrunc, .divFloor, .remainder, .fmod, .pow, .atan2,
             .maximum, .minimum, .hypot, .xlogy, .copysign, .thresholdBackward, .geluBackward: return true
        default: return false
        }
    }

    var savesInputs: Bool {
        switch self {
        case .add, .sub, .divTrunc, .divFloor: return false
        default: return true
        }
    }

    /// Gradients of both inputs given the upstream gradient `g` and the output `y`.
    func derivative(a: Tensor, b: Tensor, y: Tensor?, g: Tensor) -> (Tensor?, Tensor?) {
        switch self {
        case .add: return (g, g)
        case .sub: return (g, -g)
        case .mul: return (g * b, g * a)
        case .div: return (g / b, -g * a / (b * b))
        case .divTrunc, .divFloor: return (g.zerosLike(), g.zerosLike())
        case .pow:
            let ga = (g * b * a.pow(b - 1)).maskedFill(b == 0, 0)
            let gb = (g * a.pow(b) * a.log()).maskedFill((a == 0).logicalAnd(b >= 0), 0)
            return (ga, gb)
        case .atan2:
            let denom = a.square() + b.square()
            return (g * b / denom, g * -a / denom)
        case .remainder: return (g, -g * a.div(b, roundingMode: "floor"))
        case .fmod: return (g, -g * a.div(b, roundingMode: "trunc"))
        case .maximum, .minimum:
            let half = Tensor.where(a == b, g / 2, g)
            let aLoses = self == .maximum ? a < b : a > b
            let bLoses = self == .maximum ? a > b : a < b
            return (half.maskedFill(aLoses, 0), half.maskedFill(bLoses, 0))
        case .hypot:
            let h = a.hypot(b)
            return (g * a / h, g * b / h)
        case .xlogy:
            let ga = (g * b.log()).maskedFill((a == 0).logicalAnd(b.isnan().logicalNot()), 0)
            return (ga, g * a / b)
        case .thresholdBackward:
            return (Tensor.where(b > 0, g, Tensor.wrapped(.int(0))), g.zerosLike())
        case .geluBackward:
            // d/dx [Phi(x) + x phi(x)] = phi(x) (2 - x^2)
            let phi = (b.square() * -0.5).exp() * 0.3989422804014327
            return ((try? binaryOp(.geluBackward, g, b)) ?? g, g * a * phi * (2 - b.square()))
        case .copysign:
            let ga = g * (a.sgn() * b.sign().maskedFill(b == 0, 1)).maskedFill(a == 0, 0)
            return (ga, g.zerosLike())
        default: return (nil, nil)
        }
    }
}

/// The dispatch point of binary elementwise ops.
func binaryOp(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws(TorchError) -> Tensor {
    let shape = try broadcastShapes(a.shape, b.shape, op: op.name)
    try checkSameDevice(a, b, op: op.name)
    var common = op.isLogical ? DType.bool : resultType2(a, b)
    if op.promotesIntToFloat && !common.isFloatingPoint { common = DType.defaultFloat }
    try checkBinaryDTypes(op, common)
    let outType = (op.isComparison || op.isLogical) ? DType.bool : common
    let ca = a.dtype == common ? a : try a.cast(to: common)
    let cb = b.dtype == common ? b : try b.cast(to: common)
    if !common.isFloatingPoint && (op == .floorDivide || op == .remainder || op == .fmod || op == .divTrunc || op == .divFloor) {
        if try unaryOp(.logicalNot, cb).anyTrue() {
            throw TorchError("ZeroDivisionError")
        }
    }
    if op == .pow && !common.isFloatingPoint && common != .bool {
        if try binaryOp(.lt, cb, Tensor.wrapped(.int(0))).anyTrue() {
            throw TorchError("Integers to negative integer powers are not allowed.")
        }
    }
    // reuse the strides array of a contiguous operand of the output's shape
    let out: Tensor
    if ca.shape == shape && ca.isContiguous {
        out = Tensor(uninitializedShape: shape, strides: ca.strides, dtype: outType, device: a.device)
    } else {
        out = Tensor(uninitializedShape: shape, dtype: outType, device: a.device)
    }
    try backend(for: a.device).binary(op, ca.shape == shape ? ca : ca.expandedView(to: shape),
                                      cb.shape == shape ? cb : cb.expandedView(to: shape), out)
    if op.isDifferentiable && needsGrad(a, b) && outType.isFloatingPoint {
        attach(BinaryBackward(op, a, b, output: out), to: out, outputNr: 0)
    }
    return out
}

/// The backward node of a binary elementwise op; a node class rather than a closure
/// because it is the node recorded most often.
final class BinaryBackward: Node {
    let op: BinaryOp
    var savedA: SavedTensor?, savedB: SavedTensor?
    let aShape: [Int], bShape: [Int]
    let aType: DType, bType: DType

    init(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, output: Tensor) {
        self.op = op
        savedA = op.savesInputs ? SavedTensor(a) : nil
        savedB = op.savesInputs ? SavedTensor(b) : nil
        aShape = a.shape
        bShape = b.shape
        aType = a.dtype
        bType = b.dtype
        super.init(name: op.nodeName, nextEdges: [a.requiresGradFlag ? a.gradientEdge() : nil, b.requiresGradFlag ? b.gradientEdge() : nil],
                   outputMeta: .single(output.shape, output.dtype), backward: nil)
    }

    override func apply(_ grads: [Tensor?]) throws(TorchError) -> [Tensor?] {
        guard !released else { throw Node.freedError }
        let g = grads[0]!
        let av = try savedA?.unpack(self) ?? g, bv = try savedB?.unpack(self) ?? g
        let (ga, gb) = op.derivative(a: av, b: bv, y: nil, g: g)
        return [nextEdges[0] != nil ? ga.map { reduceGrad($0, to: aShape, dtype: aType) } : nil,
                nextEdges[1] != nil ? gb.map { reduceGrad($0, to: bShape, dtype: bType) } : nil]
    }

    override func release() {
        released = true
        savedA = nil
        savedB = nil
    }
}

func checkBinaryDTypes(_ op: BinaryOp, _ common: DType) throws(TorchError) {
    if op.isBitwise && common.isFloatingPoint {
        throw TorchError("\(op.name): not implemented for '\(common.legacyScalarName)'")
    }
    if op == .sub && common == .bool {
        throw TorchError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.")
    }
}

func checkSameDevice(_ a: Tensor, _ b: Tensor, op: String) throws(TorchError) {
    if a.device != b.device && !a.isWrappedNumber && !b.isWrappedNumber {
        throw TorchError("\(op): Expected all tensors to be on the same device, but found at least two devices, \(a.device) and \(b.device)!")
    }
}

/// The broadcast of two shapes (`torch.broadcast_shapes`).
func broadcastShapes(_ a: [Int], _ b: [Int], op: String) throws(TorchError) -> [Int] {
    if a == b { return a }
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let da = i < n - a.count ? 1 : a[i - (n - a.count)]
        let db = i < n - b.count ? 1 : b[i - (n - b.count)]
        if da == db || db == 1 { out[i] = da }
        else if da == 1 { out[i] = db }
        else {
            throw TorchError("\(op): The size of tensor a (\(da)) must match the size of tensor b (\(db)) at non-singleton dimension \(i)")
        }
    }
    return out
}
