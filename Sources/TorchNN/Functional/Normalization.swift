import TorchCore

extension Functional {
    /// Checks that the trailing dims of `input` are `normalizedShape` (layer_norm's message).
    private static func checkNormalizedShape(_ input: Tensor, _ normalizedShape: [Int], rmsStyle: Bool) -> Bool {
        let k = normalizedShape.count
        let fits = k >= 1 && input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape
        let inner = normalizedShape.map(String.init).joined(separator: ", ")
        let pattern = rmsStyle ? "[*\(inner)]" : "[*, \(inner)]"
        return require(fits, "Given normalized_shape=\(shapeText(normalizedShape)), expected input with shape \(pattern), but got input of size\(shapeText(input.shape))")
    }

    private static func checkAffine(_ t: Tensor?, _ name: String, _ normalizedShape: [Int]) -> Bool {
        guard let t else { return true }
        return require(t.shape == normalizedShape,
                       "Expected \(name) to be of same shape as normalized_shape, but got \(name) of shape \(shapeText(t.shape)) and normalized_shape = \(shapeText(normalizedShape))")
    }

    /// Normalises over the trailing `normalizedShape` dims with biased variance, then
    /// applies the elementwise affine `weight` and `bias` (`layer_norm`).
    public static func layerNorm(_ input: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                                 eps: Double = 1e-5) -> Tensor {
        guard checkNormalizedShape(input, normalizedShape, rmsStyle: false),
              checkAffine(weight, "weight", normalizedShape), checkAffine(bias, "bias", normalizedShape)
        else { return placeholder }
        if input.dtype.isReducedFloat {
            // half types normalise in float32 and keep their dtype, whatever the affine parameters' dtype
            return input.to(.float32).layerNorm(normalizedDims: normalizedShape.count, weight: weight?.to(.float32),
                                                bias: bias?.to(.float32), eps: eps).to(input.dtype)
        }
        return input.layerNorm(normalizedDims: normalizedShape.count, weight: weight, bias: bias, eps: eps)
    }

    /// Root-mean-square normalisation over the trailing dims (`rms_norm`); `eps`
    /// defaults to the machine epsilon of the input's dtype. Half types compute in float32.
    public static func rmsNorm(_ input: Tensor, normalizedShape: [Int], weight: Tensor? = nil, eps: Double? = nil) -> Tensor {
        guard checkNormalizedShape(input, normalizedShape, rmsStyle: true), checkAffine(weight, "weight", normalizedShape)
        else { return placeholder }
        let dims = Array((input.rank - normalizedShape.count)..<input.rank)
        let half = input.dtype.isReducedFloat
        let x = half ? input.to(.float32) : input
        let e = eps ?? finfoEps(input.dtype)
        var out = x * (x.pow(2).mean(dims: dims, keepdim: true) + e).rsqrt()
        if half { out = out.to(input.dtype) }
        if let weight { out = out * weight }
        return out
    }

    /// Normalises groups of channels of an [N, C, *] input over (C / numGroups, *),
    /// then applies per-channel `weight` and `bias` (`group_norm`).
    public static func groupNorm(_ input: Tensor, numGroups: Int, weight: Tensor? = nil, bias: Tensor? = nil,
                                 eps: Double = 1e-5) -> Tensor {
        guard require(input.rank >= 2, "Expected at least 2 dimensions for input tensor but received \(input.rank)") else { return placeholder }
        let n = input.shape[0], c = input.shape[1]
        guard require(numGroups > 0 && c % numGroups == 0,
                      "Expected number of channels in input to be divisible by num_groups, but got input of shape \(shapeText(input.shape)) and num_groups=\(numGroups)")
        else { return placeholder }
        for (t, name) in [(weight, "weight"), (bias, "bias")] {
            guard let t else { continue }
            guard require(t.rank == 1 && t.numel == c,
                          "Expected \(name) to be a vector of size equal to the number of channels in input, but got \(name) of shape \(shapeText(t.shape)) and input of shape \(shapeText(input.shape))")
            else { return placeholder }
        }
        let grouped = input.reshape([n, numGroups, -1])
        let mean = grouped.mean(dims: [2], keepdim: true)
        let variance = grouped.variance(dims: [2], correction: 0, keepdim: true)
        var out = ((grouped - mean) * (variance + eps).rsqrt()).reshape(input.shape)
        let shape = channelShape(c, rank: input.rank)
        if let weight { out = out * weight.reshape(shape) }
        if let bias { out = out + bias.reshape(shape) }
        return out
    }

    /// Checks a per-channel tensor's element count with batch_norm's message.
    private static func checkChannels(_ t: Tensor?, _ name: String, _ c: Int) -> Bool {
        guard let t else { return true }
        return require(t.numel == c, "\(name) should contain \(c) elements not \(t.numel)")
    }

    /// Batch normalisation over all dims but 1 (`batch_norm`). In training mode it
    /// normalises with the batch statistics (biased variance) and, when given,
    /// updates `runningMean` / `runningVar` in place with `momentum` and the unbiased
    /// variance; in evaluation mode it normalises with the running statistics.
    public static func batchNorm(_ input: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor? = nil,
                                 bias: Tensor? = nil, training: Bool = false, momentum: Double = 0.1,
                                 eps: Double = 1e-5) -> Tensor {
        if input.dtype.isReducedFloat {
            // half types normalise in float32 and keep their dtype, whatever the parameters' dtype
            return batchNorm(input.to(.float32), runningMean: runningMean, runningVar: runningVar, weight: weight?.to(.float32),
                             bias: bias?.to(.float32), training: training, momentum: momentum, eps: eps).to(input.dtype)
        }
        let c = input.rank >= 2 ? input.shape[1] : 0
        if training {
            let perChannel = input.rank >= 2 ? input.numel / Swift.max(c, 1) : (input.rank == 1 ? input.shape[0] : 1)
            guard require(perChannel != 1,
                          "Expected more than 1 value per channel when training, got input size \(sizeText(input.shape))")
            else { return placeholder }
            guard require(eps > 0, "batch_norm eps must be positive during training, but got \(pyFloat(eps))") else { return placeholder }
        } else {
            guard require(eps >= 0, "batch_norm eps must be non-negative, but got \(pyFloat(eps))") else { return placeholder }
        }
        guard checkChannels(runningMean, "running_mean", c), checkChannels(runningVar, "running_var", c),
              checkChannels(weight, "weight", c), checkChannels(bias, "bias", c),
              requireNoGrad(runningMean, function: "native_batch_norm", argument: "running_mean"),
              requireNoGrad(runningVar, function: "native_batch_norm", argument: "running_var")
        else { return placeholder }
        guard require(input.rank >= 2, "batch_norm: expected an input with at least 2 dimensions, but got \(input.rank)") else { return placeholder }
        let shape = channelShape(c, rank: input.rank)
        var out: Tensor
        if training {
            let r = input.batchNormTraining(weight: weight, bias: bias, eps: eps)
            updateRunningStats(runningMean, runningVar, mean: r.mean, biasedVar: r.variance,
                               count: input.numel / Swift.max(c, 1), momentum: momentum)
            return r.output
        } else {
            guard let runningMean else {
                torchCheck(false, "running_mean must be defined in evaluation mode")
                return placeholder
            }
            guard let runningVar else {
                torchCheck(false, "running_var must be defined in evaluation mode")
                return placeholder
            }
            out = (input - runningMean.reshape(shape)) * (runningVar.reshape(shape) + eps).rsqrt()
        }
        if let weight { out = out * weight.reshape(shape) }
        if let bias { out = out + bias.reshape(shape) }
        return out
    }

    /// running = (1 - momentum) * running + momentum * batch statistic, in place and
    /// outside autograd; the variance is made unbiased with `count` samples per channel.
    private static func updateRunningStats(_ runningMean: Tensor?, _ runningVar: Tensor?, mean: Tensor, biasedVar: Tensor,
                                           count: Int, momentum: Double) {
        withNoGrad {
            if let runningMean {
                let m = mean.detach().reshape(runningMean.shape).to(runningMean.dtype)
                runningMean.copy_(runningMean * (1 - momentum) + m * momentum)
            }
            if let runningVar {
                let unbiased = biasedVar.detach() * (Double(count) / Double(Swift.max(count - 1, 1)))
                let v = (count > 1 ? unbiased : biasedVar.detach() * Double.nan).reshape(runningVar.shape).to(runningVar.dtype)
                runningVar.copy_(runningVar * (1 - momentum) + v * momentum)
            }
        }
    }

    /// Normalises each (sample, channel) plane of an [N, C, *] input over its spatial
    /// dims (`instance_norm`). With `useInputStats` the running statistics, when given,
    /// are updated with the batch average of the per-instance statistics; without it
    /// the running statistics normalise.
    public static func instanceNorm(_ input: Tensor, runningMean: Tensor? = nil, runningVar: Tensor? = nil,
                                    weight: Tensor? = nil, bias: Tensor? = nil, useInputStats: Bool = true,
                                    momentum: Double = 0.1, eps: Double = 1e-5) -> Tensor {
        guard require(input.rank >= 2, "instance_norm: expected an input with at least 2 dimensions, but got \(input.rank)") else { return placeholder }
        let n = input.shape[0], c = input.shape[1]
        let spatial = input.shape.dropFirst(2).reduce(1, *)
        if useInputStats {
            guard require(spatial != 1, "Expected more than 1 spatial element when training, got input size \(sizeText(input.shape))") else { return placeholder }
        } else {
            guard require(runningMean != nil && runningVar != nil,
                          "Expected running_mean and running_var to be defined when use_input_stats is false")
            else { return placeholder }
        }
        // PyTorch checks these as batch_norm over N * C channels, after repeating them N times
        for (t, name) in [(runningMean, "running_mean"), (runningVar, "running_var"), (weight, "weight"), (bias, "bias")] {
            guard let t else { continue }
            guard require(t.numel == c, "\(name) should contain \(n * c) elements not \(t.numel * n)") else { return placeholder }
        }
        guard requireNoGrad(runningMean, function: "native_batch_norm", argument: "running_mean"),
              requireNoGrad(runningVar, function: "native_batch_norm", argument: "running_var")
        else { return placeholder }
        let shape = channelShape(c, rank: input.rank)
        var out: Tensor
        if useInputStats {
            let dims = Array(2..<input.rank)
            let mean = input.mean(dims: dims, keepdim: true)
            let variance = input.variance(dims: dims, correction: 0, keepdim: true)
            out = (input - mean) * (variance + eps).rsqrt()
            if runningMean != nil || runningVar != nil {
                withNoGrad {
                    let unbiased = variance.detach() * (Double(spatial) / Double(Swift.max(spatial - 1, 1)))
                    if let runningMean {
                        let m = mean.detach().reshape([n, c]).mean(dims: [0]).to(runningMean.dtype)
                        runningMean.copy_(runningMean * (1 - momentum) + m.reshape(runningMean.shape) * momentum)
                    }
                    if let runningVar {
                        let v = unbiased.reshape([n, c]).mean(dims: [0]).to(runningVar.dtype)
                        runningVar.copy_(runningVar * (1 - momentum) + v.reshape(runningVar.shape) * momentum)
                    }
                }
            }
        } else {
            out = (input - runningMean!.reshape(shape)) * (runningVar!.reshape(shape) + eps).rsqrt()
        }
        if let weight { out = out * weight.reshape(shape) }
        if let bias { out = out + bias.reshape(shape) }
        return out
    }

    /// Divides by the p-norm along `dim`, clamped below by `eps` (`normalize`).
    public static func normalize(_ input: Tensor, p: Double = 2, dim: Int = 1, eps: Double = 1e-12) -> Tensor {
        let norm = input.vectorNorm(ord: p, dims: [dim], keepdim: true)
        return input / norm.clamp(min: .double(eps)).expandAs(input)
    }

    /// Cosine of the angle between `x1` and `x2` along `dim` (`cosine_similarity`).
    /// Like PyTorch, each input is divided by its own norm clamped to `eps`; the clamp
    /// changes the value only, not the gradient path.
    public static func cosineSimilarity(_ x1: Tensor, _ x2: Tensor, dim: Int = 1, eps: Double = 1e-8) -> Tensor {
        let common = resultType(x1, x2)
        guard require(common.isFloatingPoint, "expected common dtype to be floating point, yet common dtype is \(common.legacyScalarName)") else { return placeholder }
        guard let shape = broadcastShape(x1.shape, x2.shape) else { return placeholder }
        let a = x1.to(common).expand(shape), b = x2.to(common).expand(shape)
        func clampedNorm(_ x: Tensor) -> Tensor {
            let n = x.vectorNorm(ord: 2, dims: [dim], keepdim: true)
            return n + (n.clamp(min: .double(eps)) - n).detach()
        }
        return ((a / clampedNorm(a)) * (b / clampedNorm(b))).sum(dim: dim)
    }

    /// The p-norm of x1 - x2 + eps along the last dim (`pairwise_distance`).
    public static func pairwiseDistance(_ x1: Tensor, _ x2: Tensor, p: Double = 2, eps: Double = 1e-6, keepdim: Bool = false) -> Tensor {
        let outRank = Swift.max(x1.rank, x2.rank)
        let diff = x1 - x2 + eps
        if outRank == 0 { return diff.abs() }
        return diff.vectorNorm(ord: p, dims: [-1], keepdim: keepdim)
    }
}
