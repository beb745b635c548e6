import TorchCore

/// How `klDiv` reduces: PyTorch's reductions plus `batchmean` (sum / batch size).
public enum KLDivReduction: String, Sendable {
    case none, mean, batchmean, sum
}

extension Functional {
    // MARK: - Regression losses

    /// Applies an optional elementwise `weight` (same shape as the input) the way
    /// PyTorch's Python losses do: mean divides by the sum of the weights.
    private static func weightedReduce(_ loss: Tensor, _ weight: Tensor?, input: Tensor, _ reduction: Reduction) -> Tensor {
        guard let weight else { return reduce(loss, reduction) }
        guard require(weight.shape == input.shape, "Weights and input must have the same size.") else { return placeholder }
        let weighted = loss * weight
        switch reduction {
        case .none: return weighted
        case .sum: return weighted.sum()
        case .mean: return weighted.sum() / weight.sum()
        }
    }

    /// Mean squared error (`mse_loss`).
    public static func mseLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, weight: Tensor? = nil) -> Tensor {
        let input = Autocast.float32(input), target = Autocast.float32(target), weight = weight.map(Autocast.float32)
        guard broadcastShape(input.shape, target.shape) != nil else { return placeholder }
        guard requireFloat(input, "mse_cpu") else { return placeholder }
        return weightedReduce((input - target).square(), weight, input: input, reduction)
    }

    /// Mean absolute error (`l1_loss`).
    public static func l1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, weight: Tensor? = nil) -> Tensor {
        let input = Autocast.float32(input), target = Autocast.float32(target), weight = weight.map(Autocast.float32)
        guard broadcastShape(input.shape, target.shape) != nil else { return placeholder }
        return weightedReduce((input - target).abs(), weight, input: input, reduction)
    }

    /// Quadratic below `beta`, linear above, continuous (`smooth_l1_loss`).
    public static func smoothL1Loss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, beta: Double = 1) -> Tensor {
        let input = Autocast.float32(input), target = Autocast.float32(target)
        guard require(beta >= 0, "smooth_l1_loss does not support negative values for beta.") else { return placeholder }
        guard broadcastShape(input.shape, target.shape) != nil else { return placeholder }
        if beta == 0 { return l1Loss(input, target, reduction: reduction) }
        let z = (input - target).abs()
        let loss = Tensor.where(z < beta, z * 0.5 * z / beta, z - 0.5 * beta)
        return reduce(loss, reduction)
    }

    /// Quadratic below `delta`, delta-scaled linear above (`huber_loss`).
    public static func huberLoss(_ input: Tensor, _ target: Tensor, reduction: Reduction = .mean, delta: Double = 1,
                                 weight: Tensor? = nil) -> Tensor {
        let input = Autocast.float32(input), target = Autocast.float32(target), weight = weight.map(Autocast.float32)
        guard require(delta > 0, "huber_loss does not support non-positive values for delta.") else { return placeholder }
        guard broadcastShape(input.shape, target.shape) != nil else { return placeholder }
        let z = (input - target).abs()
        let loss = Tensor.where(z < delta, z * 0.5 * z, (z - 0.5 * delta) * delta)
        guard let weight else { return reduce(loss, reduction) }
        guard require(weight.shape == input.shape, "Weights and input must have the same size.") else { return placeholder }
        return reduce(loss * weight, reduction)
    }

    // MARK: - Binary classification

    /// Binary cross entropy of probabilities (`binary_cross_entropy`); the logs are
    /// clamped to >= -100 like PyTorch.
    public static func binaryCrossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                          reduction: Reduction = .mean) -> Tensor {
        let input = Autocast.float32(input), target = Autocast.float32(target), weight = weight.map(Autocast.float32)
        guard require(target.shape == input.shape,
                      "Using a target size (\(sizeText(target.shape))) that is different to the input size (\(sizeText(input.shape))) is deprecated. Please ensure they have the same size.")
        else { return placeholder }
        guard requireNoGrad(weight, function: "binary_cross_entropy", argument: "weight") else { return placeholder }
        let inRange = withNoGrad { ((input >= 0).logicalAnd(input <= 1)).all().item().doubleValue != 0 }
        guard require(inRange, "all elements of input should be between 0 and 1") else { return placeholder }
        let targetInRange = withNoGrad { ((target >= 0).logicalAnd(target <= 1)).all().item().doubleValue != 0 }
        guard require(targetInRange, "all elements of target should be between 0 and 1") else { return placeholder }
        // log(x) and log1p(-x), each >= -100; the log never sees 0, so a zero
        // upstream gradient stays zero instead of becoming 0/0.
        let positive = input > 0, belowOne = input < 1
        let logX = Tensor.where(positive, Tensor.where(positive, input, 1).log(), -100).clamp(min: -100)
        let log1mX = Tensor.where(belowOne, Tensor.where(belowOne, -input, 0).log1p(), -100).clamp(min: -100)
        var loss = (target - 1) * log1mX - target * logX
        if let weight {
            guard require(broadcastable(weight.shape, target.shape) == target.shape,
                          "Attempting to broadcast a dimension of length \(weight.shape.last ?? 1) at -1! Mismatching argument at index 1 had \(sizeText(weight.shape)); but expected shape should be broadcastable to \(shapeText(target.shape))")
            else { return placeholder }
            loss = loss * weight
        }
        return reduce(loss, reduction)
    }

    /// Sigmoid + binary cross entropy in one stable expression
    /// (`binary_cross_entropy_with_logits`); `posWeight` weighs the positive class.
    public static func binaryCrossEntropyWithLogits(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil,
                                                    reduction: Reduction = .mean, posWeight: Tensor? = nil) -> Tensor {
        let input = Autocast.float32(input), target = Autocast.float32(target), weight = weight.map(Autocast.float32), posWeight = posWeight.map(Autocast.float32)
        guard require(target.shape == input.shape,
                      "Target size (\(sizeText(target.shape))) must be the same as input size (\(sizeText(input.shape)))")
        else { return placeholder }
        guard requireNoGrad(weight, function: "binary_cross_entropy_with_logits", argument: "weight"),
              requireNoGrad(posWeight, function: "binary_cross_entropy_with_logits", argument: "pos_weight")
        else { return placeholder }
        var logSigmoid = logsigmoid(input)
        if let posWeight {
            logSigmoid = logSigmoid * ((posWeight - 1) * target + 1)
        }
        var loss = (1 - target) * input - logSigmoid
        if let weight { loss = loss * weight }
        return reduce(loss, reduction)
    }

    // MARK: - Classification

    /// The shape that broadcasts a per-class vector against an input whose classes
    /// are at dim 1 (or dim 0 for a 1-d input).
    private static func classShape(_ c: Int, rank: Int) -> [Int] { rank == 1 ? [c] : channelShape(c, rank: rank) }

    /// Checks of `nll_loss`'s shapes and target values; returns the class dim's size or nil.
    private static func checkClassTarget(_ input: Tensor, _ target: Tensor, weight: Tensor?, ignoreIndex: Int) -> Int? {
        guard require(input.rank >= 1, "Expected 1 or more dimensions (got \(input.rank))") else { return nil }
        guard require(input.rank == 1 || target.rank >= 1 && input.shape[0] == target.shape[0],
                      "Expected input batch_size (\(input.shape[0])) to match target batch_size (\(target.rank >= 1 ? target.shape[0] : 0)).")
        else { return nil }
        guard require(target.dtype == .int64 || target.dtype == .uint8,
                      "expected target dtype to be Long or Byte, but got \(target.dtype.legacyScalarName)")
        else { return nil }
        let c = input.rank == 1 ? input.shape[0] : input.shape[1]
        switch input.rank {
        case 1:
            guard require(target.rank <= 1, "0D or 1D target tensor expected, multi-target not supported") else { return nil }
            guard require(target.numel == 1, "For 1D input, 1D target must have size 1, but got target size: \(target.numel)") else { return nil }
        case 2:
            guard require(target.rank == 1, "0D or 1D target tensor expected, multi-target not supported") else { return nil }
        case 4:
            guard require(target.rank == 3, "only batches of spatial targets supported (3D tensors) but got targets of dimension: \(target.rank)") else { return nil }
            guard require(Array(target.shape.dropFirst()) == Array(input.shape.dropFirst(2)),
                          "size mismatch (got input: \(shapeText(input.shape)) , target: \(shapeText(target.shape))")
            else { return nil }
        default:
            let expected = [input.shape[0]] + Array(input.shape.dropFirst(2))
            guard require(Array(target.shape.dropFirst()) == Array(input.shape.dropFirst(2)),
                          "Expected target size \(shapeText(expected)), got \(shapeText(target.shape))")
            else { return nil }
        }
        if let weight {
            guard require(weight.rank == 1 && weight.numel == c,
                          "weight tensor should be defined either for all \(c) classes or no classes but got weight tensor of shape: \(shapeText(weight.shape))")
            else { return nil }
        }
        guard requireNoGrad(weight, function: input.rank <= 2 ? "nll_loss_forward" : "nll_loss2d_forward", argument: "weight") else { return nil }
        for t in target.toArray(Int64.self) where Int(t) != ignoreIndex {
            guard require(t >= 0 && Int(t) < c, "Target \(t) is out of bounds.") else { return nil }
        }
        return c
    }

    /// Negative log likelihood of class indices (`nll_loss`). `input` holds
    /// log-probabilities as [C], [N, C] or [N, C, d1, ...]; `target` the class of each
    /// sample. The weighted mean divides by the total weight of the non-ignored targets.
    public static func nllLoss(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                               reduction: Reduction = .mean) -> Tensor {
        let input = Autocast.float32(input), weight = weight.map(Autocast.float32)
        guard checkClassTarget(input, target, weight: weight, ignoreIndex: ignoreIndex) != nil else { return placeholder }
        return nllLossChecked(input, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
    }

    private static func nllLossChecked(_ input: Tensor, _ target: Tensor, weight: Tensor?, ignoreIndex: Int,
                                       reduction: Reduction) -> Tensor {
        let x = input.rank == 1 ? input.unsqueeze(0) : input
        let t = (target.dtype == .int64 ? target : target.to(.int64)).reshape(input.rank == 1 ? [1] : target.shape)
        let loss = x.nllLoss(target: t, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
        return input.rank == 1 && reduction == .none ? loss.reshape([]) : loss
    }

    /// Cross entropy between logits and class indices or class probabilities
    /// (`cross_entropy`). Targets with the input's shape are probabilities; otherwise
    /// they are class indices. `labelSmoothing` mixes in the uniform distribution with
    /// PyTorch's formula.
    public static func crossEntropy(_ input: Tensor, _ target: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
                                    reduction: Reduction = .mean, labelSmoothing: Double = 0) -> Tensor {
        let input = Autocast.float32(input), target = Autocast.float32(target), weight = weight.map(Autocast.float32)
        guard require(input.rank >= 1, "Expected 1 or more dimensions (got \(input.rank))") else { return placeholder }
        let classDim = input.rank == 1 ? 0 : 1
        let c = input.shape[classDim]
        if input.shape == target.shape {
            guard require(target.isFloatingPoint, "Expected floating point type for target with class probabilities, got \(target.dtype.legacyScalarName)") else { return placeholder }
            guard require(ignoreIndex < 0, "ignore_index is not supported for floating point target") else { return placeholder }
            if let weight {
                guard require(weight.rank == 1 && weight.numel == c,
                              "cross_entropy: weight tensor should be defined either for all \(c) classes or no classes but got weight tensor of shape: \(shapeText(weight.shape))")
                else { return placeholder }
            }
            guard require(labelSmoothing >= 0 && labelSmoothing <= 1, "label_smoothing must be between 0.0 and 1.0. Got: \(labelSmoothing)") else { return placeholder }
            let logp = input.logSoftmax(dim: classDim)
            let smoothed = labelSmoothing > 0 ? target * (1 - labelSmoothing) + labelSmoothing / Double(c) : target
            var terms = logp * smoothed
            if let weight { terms = terms * weight.reshape(classShape(c, rank: input.rank)) }
            switch reduction {
            case .none: return -terms.sum(dim: classDim)
            case .sum: return -terms.sum()
            case .mean:
                if input.numel == 0 { return -terms.sum() * Double.nan }
                return -terms.sum() / Double(input.numel / c)
            }
        }
        guard require(labelSmoothing >= 0 && labelSmoothing <= 1, "label_smoothing must be between 0.0 and 1.0. Got: \(labelSmoothing)") else { return placeholder }
        guard checkClassTarget(input, target, weight: weight, ignoreIndex: ignoreIndex) != nil else { return placeholder }
        let logp = input.logSoftmax(dim: classDim)
        let nll = nllLossChecked(logp, target, weight: weight, ignoreIndex: ignoreIndex, reduction: reduction)
        if labelSmoothing == 0 { return nll }

        // PyTorch's cross_entropy_loss_label_smoothing
        let t = target.to(.int64)
        let ignored = t == ignoreIndex
        var smooth: Tensor
        if let weight {
            smooth = -(logp * weight.reshape(classShape(c, rank: input.rank))).sum(dim: classDim)
        } else {
            smooth = -logp.sum(dim: classDim)
        }
        smooth = smooth.maskedFill(ignored.reshape(smooth.shape), 0)
        let smoothReduced: Tensor
        switch reduction {
        case .none: smoothReduced = smooth
        case .sum: smoothReduced = smooth.sum()
        case .mean:
            if let weight {
                let kept = Tensor.where(ignored, 0, t).reshape([-1])
                let targetWeights = weight.to(input.dtype).indexSelect(0, kept) * ignored.logicalNot().reshape([-1]).to(input.dtype)
                smoothReduced = divideByWeightSum(smooth.sum(), targetWeights.sum())
            } else {
                smoothReduced = divideByWeightSum(smooth.sum(), ignored.logicalNot().sum())
            }
        }
        return nll * (1 - labelSmoothing) + smoothReduced * (labelSmoothing / Double(c))
    }

    /// Kullback-Leibler divergence with `input` as log-probabilities (`kl_div`):
    /// target * (log(target) - input), or with `logTarget`, exp(target) * (target - input).
    public static func klDiv(_ input: Tensor, _ target: Tensor, reduction: KLDivReduction = .mean, logTarget: Bool = false) -> Tensor {
        let input = Autocast.float32(input), target = Autocast.float32(target)
        guard broadcastShape(input.shape, target.shape) != nil else { return placeholder }
        let loss = logTarget ? target.exp() * (target - input) : target.xlogy(target) - target * input
        switch reduction {
        case .none: return loss
        case .sum: return loss.sum()
        case .mean: return loss.mean()
        case .batchmean:
            return input.rank == 0 ? loss.sum() : loss.sum() / Double(input.shape[0])
        }
    }
}
