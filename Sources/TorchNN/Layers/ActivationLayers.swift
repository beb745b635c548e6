import TorchCore

/// A module that applies an elementwise function (the activation modules).
public class Activation: Module {
    let fn: (Tensor) -> Tensor
    let repr: String
    init(_ repr: String = "", _ fn: @escaping (Tensor) -> Tensor) {
        self.fn = fn
        self.repr = repr
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor { fn(x) }
    public override var extraDescription: String { repr }
}

public final class ReLU: Activation { public init() { super.init { F.relu($0) } } }
public final class ReLU6: Activation { public init() { super.init { F.relu6($0) } } }
public final class LeakyReLU: Activation {
    public init(negativeSlope: Double = 0.01) { super.init("negative_slope=\(negativeSlope)") { F.leakyRelu($0, negativeSlope: negativeSlope) } }
}
public final class ELU: Activation { public init(alpha: Double = 1) { super.init("alpha=\(alpha)") { F.elu($0, alpha: alpha) } } }
public final class SELU: Activation { public init() { super.init { F.selu($0) } } }
public final class GELU: Activation {
    public init(approximate: String = "none") { super.init("approximate='\(approximate)'") { F.gelu($0, approximate: approximate) } }
}
public final class SiLU: Activation { public init() { super.init { F.silu($0) } } }
public final class Mish: Activation { public init() { super.init { F.mish($0) } } }
public final class Tanh: Activation { public init() { super.init { $0.tanh() } } }
public final class Sigmoid: Activation { public init() { super.init { $0.sigmoid() } } }
public final class Hardtanh: Activation {
    public init(minVal: Double = -1, maxVal: Double = 1) { super.init("min_val=\(minVal), max_val=\(maxVal)") { F.hardtanh($0, minVal: minVal, maxVal: maxVal) } }
}
public final class Softplus: Activation {
    public init(beta: Double = 1, threshold: Double = 20) { super.init("beta=\(beta), threshold=\(threshold)") { F.softplus($0, beta: beta, threshold: threshold) } }
}
public final class Softmax: Activation {
    public init(dim: Int) { super.init("dim=\(dim)") { F.softmax($0, dim: dim) } }
}
public final class LogSoftmax: Activation {
    public init(dim: Int) { super.init("dim=\(dim)") { F.logSoftmax($0, dim: dim) } }
}
