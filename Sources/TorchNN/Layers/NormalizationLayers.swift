import TorchCore

/// Initial affine parameters and running statistics of batch and instance norm.
struct NormState {
    let weight, bias, mean, variance, count: Tensor?
    init(_ n: Int, affine: Bool, trackRunningStats: Bool) {
        weight = affine ? Tensor.ones([n]) : nil
        bias = affine ? Tensor.zeros([n]) : nil
        mean = trackRunningStats ? Tensor.zeros([n]) : nil
        variance = trackRunningStats ? Tensor.ones([n]) : nil
        count = trackRunningStats ? Tensor.zeros([], dtype: .int64) : nil
    }
}

/// Batch normalisation over channel dim 1 (`nn.BatchNorm1d` / `nn.BatchNorm2d`):
/// batch statistics in training (updating running_mean/var with `momentum`, or a
/// cumulative average when momentum is nil), running statistics in eval.
public class BatchNorm: Module {
    @Parameter public var weight: Tensor?
    @Parameter public var bias: Tensor?
    @Buffer public var runningMean: Tensor?
    @Buffer public var runningVar: Tensor?
    @Buffer public var numBatchesTracked: Tensor?
    public let numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool
    let expectedRanks: [Int]

    init(_ numFeatures: Int, eps: Double, momentum: Double?, affine: Bool, trackRunningStats: Bool, expectedRanks: [Int]) {
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.trackRunningStats = trackRunningStats
        self.expectedRanks = expectedRanks
        let st = NormState(numFeatures, affine: affine, trackRunningStats: trackRunningStats)
        (weight, bias, runningMean, runningVar, numBatchesTracked) = (st.weight, st.bias, st.mean, st.variance, st.count)
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        torchCheck(expectedRanks.contains(x.rank), "expected \(expectedRanks.map { "\($0)D" }.joined(separator: " or ")) input (got \(x.rank)D input)")
        var factor = momentum ?? 0
        if training && trackRunningStats, let n = numBatchesTracked {
            withNoGrad { _ = n.add_(1) }
            if momentum == nil { factor = 1 / n.item().doubleValue }
        }
        let useBatchStats = training || runningMean == nil
        return F.batchNorm(x, runningMean: !training || trackRunningStats ? runningMean : nil,
                           runningVar: !training || trackRunningStats ? runningVar : nil,
                           weight: weight, bias: bias, training: useBatchStats, momentum: factor, eps: eps)
    }

    public override var extraDescription: String {
        "\(numFeatures), eps=\(eps), momentum=\(momentum.map { "\($0)" } ?? "None"), affine=\(affine ? "True" : "False"), track_running_stats=\(trackRunningStats ? "True" : "False")"
    }
}

public final class BatchNorm1d: BatchNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, expectedRanks: [2, 3])
    }
}

public final class BatchNorm2d: BatchNorm {
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true, trackRunningStats: Bool = true) {
        super.init(numFeatures, eps: eps, momentum: momentum, affine: affine, trackRunningStats: trackRunningStats, expectedRanks: [4])
    }
}

/// Instance normalisation of [N, C, H, W] (`nn.InstanceNorm2d`, not affine by default).
public final class InstanceNorm2d: Module {
    @Parameter public var weight: Tensor?
    @Parameter public var bias: Tensor?
    @Buffer public var runningMean: Tensor?
    @Buffer public var runningVar: Tensor?
    @Buffer public var numBatchesTracked: Tensor?
    public let eps: Double, momentum: Double, trackRunningStats: Bool

    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double = 0.1, affine: Bool = false, trackRunningStats: Bool = false) {
        self.eps = eps
        self.momentum = momentum
        self.trackRunningStats = trackRunningStats
        let st = NormState(numFeatures, affine: affine, trackRunningStats: trackRunningStats)
        (weight, bias, runningMean, runningVar, numBatchesTracked) = (st.weight, st.bias, st.mean, st.variance, st.count)
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor {
        let unbatched = x.rank == 3
        let input = unbatched ? x.unsqueeze(0) : x
        let y = F.instanceNorm(input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                               useInputStats: training || !trackRunningStats, momentum: momentum, eps: eps)
        return unbatched ? y.squeeze(0) : y
    }
}

/// Layer normalisation over the trailing `normalizedShape` (`nn.LayerNorm`).
public final class LayerNorm: Module {
    @Parameter public var weight: Tensor?
    @Parameter public var bias: Tensor?
    public let normalizedShape: [Int], eps: Double

    public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Tensor.ones(normalizedShape) : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(normalizedShape) : nil
        super.init()
    }

    public convenience init(_ size: Int, eps: Double = 1e-5) { self.init([size], eps: eps) }

    public override func forward(_ x: Tensor) -> Tensor { F.layerNorm(x, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps) }
    public override var extraDescription: String { "(\(normalizedShape.map(String.init).joined(separator: ", ")),), eps=\(eps), elementwise_affine=\(weight != nil ? "True" : "False")" }
}

/// Group normalisation (`nn.GroupNorm`).
public final class GroupNorm: Module {
    @Parameter public var weight: Tensor?
    @Parameter public var bias: Tensor?
    public let numGroups: Int, eps: Double

    public init(_ numGroups: Int, _ numChannels: Int, eps: Double = 1e-5, affine: Bool = true) {
        torchCheck(numChannels % numGroups == 0, "num_channels must be divisible by num_groups")
        self.numGroups = numGroups
        self.eps = eps
        weight = affine ? Tensor.ones([numChannels]) : nil
        bias = affine ? Tensor.zeros([numChannels]) : nil
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { F.groupNorm(x, numGroups: numGroups, weight: weight, bias: bias, eps: eps) }
}

/// Root-mean-square normalisation (`nn.RMSNorm`).
public final class RMSNorm: Module {
    @Parameter public var weight: Tensor?
    public let normalizedShape: [Int], eps: Double?

    public init(_ normalizedShape: [Int], eps: Double? = nil, elementwiseAffine: Bool = true) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = elementwiseAffine ? Tensor.ones(normalizedShape) : nil
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { F.rmsNorm(x, normalizedShape: normalizedShape, weight: weight, eps: eps) }
}

/// Zeroes elements with probability `p` in training, scaling the rest by 1/(1-p) (`nn.Dropout`).
public final class Dropout: Module {
    public let p: Double
    public init(_ p: Double = 0.5) {
        torchCheck(p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got \(p)")
        self.p = p
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor { F.dropout(x, p: p, training: training) }
    public override var extraDescription: String { "p=\(p), inplace=False" }
}

/// Zeroes whole channels (`nn.Dropout2d`).
public final class Dropout2d: Module {
    public let p: Double
    public init(_ p: Double = 0.5) {
        self.p = p
        super.init()
    }
    public override func forward(_ x: Tensor) -> Tensor { F.dropout2d(x, p: p, training: training) }
}

/// A lookup table of embeddings (`nn.Embedding`); rows at `paddingIdx` start at zero
/// and receive no gradient.
public final class Embedding: Module {
    @Parameter public var weight: Tensor
    public let paddingIdx: Int?

    public init(_ numEmbeddings: Int, _ embeddingDim: Int, paddingIdx: Int? = nil) {
        let w = Init.normal_(Tensor.empty([numEmbeddings, embeddingDim]))
        var pidx = paddingIdx
        if let p = paddingIdx {
            torchCheck(p < numEmbeddings && p >= -numEmbeddings, "Padding_idx must be within num_embeddings")
            pidx = p < 0 ? p + numEmbeddings : p
            withNoGrad { _ = w[pidx!].fill_(0) }
        }
        weight = w
        self.paddingIdx = pidx
        super.init()
    }

    public override func forward(_ x: Tensor) -> Tensor { F.embedding(x, weight, paddingIdx: paddingIdx) }
}
