import TorchCore

/// y = x W^T + b (`nn.Linear`), initialised like PyTorch: kaiming-uniform weight
/// (a = sqrt(5)), bias uniform in ±1/sqrt(in_features).
public final class Linear: Module {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?
    public let inFeatures: Int, outFeatures: Int

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .defaultFloat) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let w = Tensor.empty([outFeatures, inFeatures], dtype: dtype)
        Init.kaimingUniform_(w, a: 5.0.squareRoot())
        weight = w
        if bias {
            let bound = inFeatures > 0 ? 1 / Double(inFeatures).squareRoot() : 0
            self.bias = Init.uniform_(Tensor.empty([outFeatures], dtype: dtype), a: -bound, b: bound)
        } else {
            self.bias = nil
        }
        super.init()
    }

    public convenience init(inFeatures: Int, outFeatures: Int, bias: Bool = true) {
        self.init(inFeatures, outFeatures, bias: bias)
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let y = x.matmul(weight.t())
        return bias.map { y + $0 } ?? y
    }

    public override var extraDescription: String { "in_features=\(inFeatures), out_features=\(outFeatures), bias=\(bias != nil ? "True" : "False")" }
}

/// y = x1^T A x2 + b (`nn.Bilinear`).
public final class Bilinear: Module {
    @Parameter public var weight: Tensor
    @Parameter public var bias: Tensor?

    public init(_ in1: Int, _ in2: Int, _ out: Int, bias: Bool = true) {
        let bound = 1 / Double(in1).squareRoot()
        weight = Init.uniform_(Tensor.empty([out, in1, in2]), a: -bound, b: bound)
        self.bias = bias ? Init.uniform_(Tensor.empty([out]), a: -bound, b: bound) : nil
        super.init()
    }

    public func callAsFunction(_ x1: Tensor, _ x2: Tensor) -> Tensor {
        let y = Tensor.einsum("bi,oij,bj->bo", [x1, weight, x2])
        return bias.map { y + $0 } ?? y
    }
}

/// Returns its input (`nn.Identity`).
public final class Identity: Module {
    public override init() { super.init() }
    public override func forward(_ x: Tensor) -> Tensor { x }
}

/// Flattens dims startDim...endDim (`nn.Flatten`, default from 1).
public final class Flatten: Module {
    public let startDim: Int, endDim: Int
    public init(startDim: Int = 1, endDim: Int = -1) {
        self.startDim = startDim
        self.endDim = endDim
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor { x.flatten(startDim: startDim, endDim: endDim) }
    public override var extraDescription: String { "start_dim=\(startDim), end_dim=\(endDim)" }
}

/// Splits one dimension into several (`nn.Unflatten`).
public final class Unflatten: Module {
    public let dim: Int, sizes: [Int]
    public init(dim: Int, sizes: [Int]) {
        self.dim = dim
        self.sizes = sizes
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor { x.unflatten(dim, sizes) }
}
