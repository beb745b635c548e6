import TorchCore

/// A loss module: called with (input, target).
public class Loss: Module {
    public let reduction: Reduction
    init(reduction: Reduction) {
        self.reduction = reduction
        super.init()
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { loss(input, target) }
    func loss(_ input: Tensor, _ target: Tensor) -> Tensor { input }
}

public final class CrossEntropyLoss: Loss {
    @Buffer public var weight: Tensor?
    public let ignoreIndex: Int, labelSmoothing: Double
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean, labelSmoothing: Double = 0) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.labelSmoothing = labelSmoothing
        super.init(reduction: reduction)
    }
    override func loss(_ i: Tensor, _ t: Tensor) -> Tensor {
        F.crossEntropy(i, t, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction, labelSmoothing: labelSmoothing)
    }
}

public final class NLLLoss: Loss {
    @Buffer public var weight: Tensor?
    public let ignoreIndex: Int
    public init(weight: Tensor? = nil, ignoreIndex: Int = -100, reduction: Reduction = .mean) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        super.init(reduction: reduction)
    }
    override func loss(_ i: Tensor, _ t: Tensor) -> Tensor { F.nllLoss(i, t, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction) }
}

public final class MSELoss: Loss {
    public override init(reduction: Reduction = .mean) { super.init(reduction: reduction) }
    override func loss(_ i: Tensor, _ t: Tensor) -> Tensor { F.mseLoss(i, t, reduction: reduction) }
}

public final class L1Loss: Loss {
    public override init(reduction: Reduction = .mean) { super.init(reduction: reduction) }
    override func loss(_ i: Tensor, _ t: Tensor) -> Tensor { F.l1Loss(i, t, reduction: reduction) }
}

public final class SmoothL1Loss: Loss {
    public let beta: Double
    public init(reduction: Reduction = .mean, beta: Double = 1) {
        self.beta = beta
        super.init(reduction: reduction)
    }
    override func loss(_ i: Tensor, _ t: Tensor) -> Tensor { F.smoothL1Loss(i, t, reduction: reduction, beta: beta) }
}

public final class HuberLoss: Loss {
    public let delta: Double
    public init(reduction: Reduction = .mean, delta: Double = 1) {
        self.delta = delta
        super.init(reduction: reduction)
    }
    override func loss(_ i: Tensor, _ t: Tensor) -> Tensor { F.huberLoss(i, t, reduction: reduction, delta: delta) }
}

public final class BCELoss: Loss {
    @Buffer public var weight: Tensor?
    public init(weight: Tensor? = nil, reduction: Reduction = .mean) {
        self.weight = weight
        super.init(reduction: reduction)
    }
    override func loss(_ i: Tensor, _ t: Tensor) -> Tensor { F.binaryCrossEntropy(i, t, weight: weight, reduction: reduction) }
}

public final class BCEWithLogitsLoss: Loss {
    @Buffer public var weight: Tensor?
    @Buffer public var posWeight: Tensor?
    public init(weight: Tensor? = nil, reduction: Reduction = .mean, posWeight: Tensor? = nil) {
        self.weight = weight
        self.posWeight = posWeight
        super.init(reduction: reduction)
    }
    override func loss(_ i: Tensor, _ t: Tensor) -> Tensor {
        F.binaryCrossEntropyWithLogits(i, t, weight: weight, reduction: reduction, posWeight: posWeight)
    }
}

public final class KLDivLoss: Module {
    public let reduction: KLDivReduction, logTarget: Bool
    public init(reduction: KLDivReduction = .mean, logTarget: Bool = false) {
        self.reduction = reduction
        self.logTarget = logTarget
        super.init()
    }
    public func callAsFunction(_ input: Tensor, _ target: Tensor) -> Tensor { F.klDiv(input, target, reduction: reduction, logTarget: logTarget) }
}
