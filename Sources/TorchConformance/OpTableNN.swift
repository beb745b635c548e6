import Torch

extension OpCall {
    /// A loss's `reduction`, honouring the legacy `size_average` / `reduce` flags
    /// (PyTorch's `_Reduction.legacy_get_string`).
    func reduction(_ position: Int, sizeAverage: Int? = nil, reduce: Int? = nil) throws -> Reduction {
        let sa = sizeAverage.flatMap { json($0, "size_average")?.boolValue }
        let rd = reduce.flatMap { json($0, "reduce")?.boolValue }
        if sa != nil || rd != nil {
            let s = sa ?? true, r = rd ?? true
            return s && r ? .mean : (r ? .sum : .none)
        }
        guard let name = string(position, "reduction") else { return .mean }
        guard let r = Reduction(rawValue: name) else { throw CaseError("\(name) is not a valid value for reduction") }
        return r
    }

    /// A float list argument that may be given as one number (`scale_factor=2`).
    func doubles(_ position: Int, _ name: String) -> [Double]? {
        guard let v = json(position, name) else { return nil }
        if let a = v.arrayValue { return a.compactMap(\.doubleValue) }
        return v.doubleValue.map { [$0] }
    }

    /// A dtype given by name (`dtype="float64"`).
    func dtype(_ position: Int, _ name: String) -> DType? { string(position, name).flatMap(DType.init(name:)) }
}

extension OpTable {
    /// `nn.functional.*` handlers.
    static func registerFunctional(_ h: inout [String: OpHandler]) {
        let plain: [String: (Tensor) -> Tensor] = [
            "relu": F.relu, "relu6": F.relu6, "selu": F.selu, "silu": F.silu, "mish": F.mish,
            "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "logsigmoid": F.logsigmoid,
            "sigmoid": F.sigmoid, "tanh": F.tanh, "softsign": F.softsign, "tanhshrink": F.tanhshrink,
        ]
        for (name, f) in plain { h["nn.functional." + name] = unary(f) }

        // activations
        h["nn.functional.leaky_relu"] = { c in
            [F.leakyRelu(try c.tensor(0, "input"), negativeSlope: c.double(1, "negative_slope") ?? 0.01)]
        }
        h["nn.functional.elu"] = { c in [F.elu(try c.tensor(0, "input"), alpha: c.double(1, "alpha") ?? 1)] }
        h["nn.functional.celu"] = { c in [F.celu(try c.tensor(0, "input"), alpha: c.double(1, "alpha") ?? 1)] }
        h["nn.functional.gelu"] = { c in [F.gelu(try c.tensor(0, "input"), approximate: c.string(1, "approximate") ?? "none")] }
        h["nn.functional.softplus"] = { c in
            [F.softplus(try c.tensor(0, "input"), beta: c.double(1, "beta") ?? 1, threshold: c.double(2, "threshold") ?? 20)]
        }
        h["nn.functional.hardtanh"] = { c in
            [F.hardtanh(try c.tensor(0, "input"), minVal: c.double(1, "min_val") ?? -1, maxVal: c.double(2, "max_val") ?? 1)]
        }
        h["nn.functional.threshold"] = { c in
            [F.threshold(try c.tensor(0, "input"), threshold: c.double(1, "threshold") ?? 0, value: c.double(2, "value") ?? 0)]
        }
        h["nn.functional.hardshrink"] = { c in [F.hardshrink(try c.tensor(0, "input"), lambd: c.double(1, "lambd") ?? 0.5)] }
        h["nn.functional.softshrink"] = { c in [F.softshrink(try c.tensor(0, "input"), lambd: c.double(1, "lambd") ?? 0.5)] }
        h["nn.functional.prelu"] = { c in [F.prelu(try c.tensor(0, "input"), weight: try c.tensor(1, "weight"))] }
        h["nn.functional.glu"] = { c in [F.glu(try c.tensor(0, "input"), dim: c.int(1, "dim", default: -1))] }
        h["nn.functional.softmax"] = { c in
            [F.softmax(try c.tensor(0, "input"), dim: c.int(1, "dim"), dtype: c.dtype(3, "dtype"))]
        }
        h["nn.functional.log_softmax"] = { c in
            [F.logSoftmax(try c.tensor(0, "input"), dim: c.int(1, "dim"), dtype: c.dtype(3, "dtype"))]
        }
        h["nn.functional.softmin"] = { c in
            [F.softmin(try c.tensor(0, "input"), dim: c.int(1, "dim"), dtype: c.dtype(3, "dtype"))]
        }

        // losses
        h["nn.functional.mse_loss"] = { c in
            [F.mseLoss(try c.tensor(0, "input"), try c.tensor(1, "target"), reduction: try c.reduction(4, sizeAverage: 2, reduce: 3),
                       weight: c.optionalTensor(5, "weight"))]
        }
        h["nn.functional.l1_loss"] = { c in
            [F.l1Loss(try c.tensor(0, "input"), try c.tensor(1, "target"), reduction: try c.reduction(4, sizeAverage: 2, reduce: 3),
                      weight: c.optionalTensor(5, "weight"))]
        }
        h["nn.functional.smooth_l1_loss"] = { c in
            [F.smoothL1Loss(try c.tensor(0, "input"), try c.tensor(1, "target"), reduction: try c.reduction(4, sizeAverage: 2, reduce: 3),
                            beta: c.double(5, "beta") ?? 1)]
        }
        h["nn.functional.huber_loss"] = { c in
            [F.huberLoss(try c.tensor(0, "input"), try c.tensor(1, "target"), reduction: try c.reduction(2),
                         delta: c.double(3, "delta") ?? 1, weight: c.optionalTensor(4, "weight"))]
        }
        h["nn.functional.binary_cross_entropy"] = { c in
            [F.binaryCrossEntropy(try c.tensor(0, "input"), try c.tensor(1, "target"), weight: c.optionalTensor(2, "weight"),
                                  reduction: try c.reduction(5, sizeAverage: 3, reduce: 4))]
        }
        h["nn.functional.binary_cross_entropy_with_logits"] = { c in
            [F.binaryCrossEntropyWithLogits(try c.tensor(0, "input"), try c.tensor(1, "target"), weight: c.optionalTensor(2, "weight"),
                                            reduction: try c.reduction(5, sizeAverage: 3, reduce: 4),
                                            posWeight: c.optionalTensor(6, "pos_weight"))]
        }
        h["nn.functional.nll_loss"] = { c in
            [F.nllLoss(try c.tensor(0, "input"), try c.tensor(1, "target"), weight: c.optionalTensor(2, "weight"),
                       ignoreIndex: c.int(4, "ignore_index", default: -100), reduction: try c.reduction(6, sizeAverage: 3, reduce: 5))]
        }
        h["nn.functional.cross_entropy"] = { c in
            [F.crossEntropy(try c.tensor(0, "input"), try c.tensor(1, "target"), weight: c.optionalTensor(2, "weight"),
                            ignoreIndex: c.int(4, "ignore_index", default: -100), reduction: try c.reduction(6, sizeAverage: 3, reduce: 5),
                            labelSmoothing: c.double(7, "label_smoothing") ?? 0)]
        }
        h["nn.functional.kl_div"] = { c in
            let reduction: KLDivReduction
            if c.json(2, "size_average") != nil || c.json(3, "reduce") != nil {
                reduction = KLDivReduction(rawValue: try c.reduction(4, sizeAverage: 2, reduce: 3).rawValue)!
            } else {
                let name = c.string(4, "reduction") ?? "mean"
                guard let r = KLDivReduction(rawValue: name) else { throw CaseError("\(name) is not a valid value for reduction") }
                reduction = r
            }
            return [F.klDiv(try c.tensor(0, "input"), try c.tensor(1, "target"), reduction: reduction,
                            logTarget: c.bool(5, "log_target", default: false))]
        }

        // distances and normalisation
        h["nn.functional.normalize"] = { c in
            [F.normalize(try c.tensor(0, "input"), p: c.double(1, "p") ?? 2, dim: c.int(2, "dim", default: 1), eps: c.double(3, "eps") ?? 1e-12)]
        }
        h["nn.functional.cosine_similarity"] = { c in
            [F.cosineSimilarity(try c.tensor(0, "x1"), try c.tensor(1, "x2"), dim: c.int(2, "dim", default: 1), eps: c.double(3, "eps") ?? 1e-8)]
        }
        h["nn.functional.pairwise_distance"] = { c in
            [F.pairwiseDistance(try c.tensor(0, "x1"), try c.tensor(1, "x2"), p: c.double(2, "p") ?? 2, eps: c.double(3, "eps") ?? 1e-6,
                                keepdim: c.bool(4, "keepdim", default: false))]
        }
        h["nn.functional.layer_norm"] = { c in
            [F.layerNorm(try c.tensor(0, "input"), normalizedShape: c.ints(1, "normalized_shape") ?? [], weight: c.optionalTensor(2, "weight"),
                         bias: c.optionalTensor(3, "bias"), eps: c.double(4, "eps") ?? 1e-5)]
        }
        h["nn.functional.rms_norm"] = { c in
            [F.rmsNorm(try c.tensor(0, "input"), normalizedShape: c.ints(1, "normalized_shape") ?? [], weight: c.optionalTensor(2, "weight"),
                       eps: c.double(3, "eps"))]
        }
        h["nn.functional.group_norm"] = { c in
            [F.groupNorm(try c.tensor(0, "input"), numGroups: c.int(1, "num_groups") ?? 1, weight: c.optionalTensor(2, "weight"),
                         bias: c.optionalTensor(3, "bias"), eps: c.double(4, "eps") ?? 1e-5)]
        }
        h["nn.functional.batch_norm"] = { c in
            [F.batchNorm(try c.tensor(0, "input"), runningMean: c.optionalTensor(1, "running_mean"), runningVar: c.optionalTensor(2, "running_var"),
                         weight: c.optionalTensor(3, "weight"), bias: c.optionalTensor(4, "bias"), training: c.bool(5, "training", default: false),
                         momentum: c.double(6, "momentum") ?? 0.1, eps: c.double(7, "eps") ?? 1e-5)]
        }
        h["nn.functional.instance_norm"] = { c in
            [F.instanceNorm(try c.tensor(0, "input"), runningMean: c.optionalTensor(1, "running_mean"), runningVar: c.optionalTensor(2, "running_var"),
                            weight: c.optionalTensor(3, "weight"), bias: c.optionalTensor(4, "bias"),
                            useInputStats: c.bool(5, "use_input_stats", default: true), momentum: c.double(6, "momentum") ?? 0.1,
                            eps: c.double(7, "eps") ?? 1e-5)]
        }

        // linear maps, lookups, reshaping
        h["nn.functional.linear"] = { c in
            [F.linear(try c.tensor(0, "input"), try c.tensor(1, "weight"), bias: c.optionalTensor(2, "bias"))]
        }
        h["nn.functional.bilinear"] = { c in
            [F.bilinear(try c.tensor(0, "input1"), try c.tensor(1, "input2"), try c.tensor(2, "weight"), bias: c.optionalTensor(3, "bias"))]
        }
        h["nn.functional.embedding"] = { c in
            [F.embedding(try c.tensor(0, "input"), try c.tensor(1, "weight"), paddingIdx: c.int(2, "padding_idx"), maxNorm: c.double(3, "max_norm"),
                         normType: c.double(4, "norm_type") ?? 2, scaleGradByFreq: c.bool(5, "scale_grad_by_freq", default: false))]
        }
        h["nn.functional.one_hot"] = { c in [F.oneHot(try c.tensor(0, "tensor"), numClasses: c.int(1, "num_classes", default: -1))] }
        h["nn.functional.pad"] = { c in
            [F.pad(try c.tensor(0, "input"), pad: c.ints(1, "pad") ?? [], mode: c.string(2, "mode") ?? "constant", value: c.double(3, "value"))]
        }
        h["nn.functional.pixel_shuffle"] = { c in
            [F.pixelShuffle(try c.tensor(0, "input"), upscaleFactor: c.int(1, "upscale_factor") ?? 1)]
        }
        h["nn.functional.pixel_unshuffle"] = { c in
            [F.pixelUnshuffle(try c.tensor(0, "input"), downscaleFactor: c.int(1, "downscale_factor") ?? 1)]
        }
        h["nn.functional.interpolate"] = { c in
            [F.interpolate(try c.tensor(0, "input"), size: c.ints(1, "size"), scaleFactor: c.doubles(2, "scale_factor"),
                           mode: c.string(3, "mode") ?? "nearest", alignCorners: c.json(4, "align_corners")?.boolValue,
                           recomputeScaleFactor: c.json(5, "recompute_scale_factor")?.boolValue)]
        }

        // dropout (deterministic only where it is the identity)
        for (name, f) in [("dropout", F.dropout), ("dropout1d", F.dropout1d), ("dropout2d", F.dropout2d), ("dropout3d", F.dropout3d)]
            as [(String, (Tensor, Double, Bool, Generator?) -> Tensor)] {
            h["nn.functional." + name] = { c in
                [f(try c.tensor(0, "input"), c.double(1, "p") ?? 0.5, c.bool(2, "training", default: true), nil)]
            }
        }

        h["nn.functional.scaled_dot_product_attention"] = { c in
            [F.scaledDotProductAttention(try c.tensor(0, "query"), try c.tensor(1, "key"), try c.tensor(2, "value"),
                                         attnMask: c.optionalTensor(3, "attn_mask"), dropoutP: c.double(4, "dropout_p") ?? 0,
                                         isCausal: c.bool(5, "is_causal", default: false), scale: c.double(6, "scale"),
                                         enableGQA: c.bool(7, "enable_gqa", default: false))]
        }
    }
}
