import Testing
import Torch

/// `torch.nn.functional` compositions: float64 gradchecks of every differentiable op,
/// and values, gradients and errors computed with PyTorch 2.x.
struct FunctionalTests {
    static func input(_ shape: [Int], seed: UInt64, scale: Double = 1, positive: Bool = false) -> Tensor {
        var t = Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed)) * scale
        if positive { t = t.abs() + 0.5 }
        return t.detach().requiresGrad_()
    }

    /// Probabilities in (0.05, 0.95), without grad.
    static func probabilities(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.rand(shape, dtype: .float64, generator: Generator(seed: seed)) * 0.9 + 0.05
    }

    static func doubles(_ values: [Double], _ shape: [Int]? = nil, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(values, shape: shape ?? [values.count])
        return requiresGrad ? t.requiresGrad_() : t
    }

    static func close(_ t: Tensor, _ expected: [Double], atol: Double = 1e-9, rtol: Double = 1e-7) -> Bool {
        t.shape.reduce(1, *) == expected.count && t.allclose(doubles(expected, t.shape), rtol: rtol, atol: atol, equalNan: true)
    }

    typealias Op = (name: String, inputs: [Tensor], f: ([Tensor]) -> Tensor)

    static var activationOps: [Op] {
        let x = { input([3, 4], seed: 1, scale: 2) }
        return [
            ("relu", [x()], { F.relu($0[0]) }), ("relu6", [input([3, 4], seed: 2, scale: 4)], { F.relu6($0[0]) }),
            ("leaky_relu", [x()], { F.leakyRelu($0[0], negativeSlope: 0.2) }), ("elu", [x()], { F.elu($0[0], alpha: 0.7) }),
            ("selu", [x()], { F.selu($0[0]) }), ("celu", [x()], { F.celu($0[0], alpha: 1.5) }),
            ("gelu", [x()], { F.gelu($0[0]) }), ("gelu_tanh", [x()], { F.gelu($0[0], approximate: "tanh") }),
            ("silu", [x()], { F.silu($0[0]) }), ("mish", [x()], { F.mish($0[0]) }),
            ("softplus", [x()], { F.softplus($0[0], beta: 2, threshold: 3) }), ("hardtanh", [x()], { F.hardtanh($0[0], minVal: -0.5, maxVal: 1.5) }),
            ("hardsigmoid", [input([3, 4], seed: 3, scale: 4)], { F.hardsigmoid($0[0]) }),
            ("hardswish", [input([3, 4], seed: 4, scale: 4)], { F.hardswish($0[0]) }),
            ("logsigmoid", [x()], { F.logsigmoid($0[0]) }), ("sigmoid", [x()], { F.sigmoid($0[0]) }), ("tanh", [x()], { F.tanh($0[0]) }),
            ("softmax", [x()], { F.softmax($0[0], dim: 1) }), ("log_softmax", [x()], { F.logSoftmax($0[0], dim: 0) }),
            ("softmin", [x()], { F.softmin($0[0], dim: -1) }), ("glu", [x()], { F.glu($0[0], dim: 1) }),
            ("softsign", [x()], { F.softsign($0[0]) }), ("tanhshrink", [x()], { F.tanhshrink($0[0]) }),
            ("hardshrink", [x()], { F.hardshrink($0[0]) }), ("softshrink", [x()], { F.softshrink($0[0]) }),
            ("threshold", [x()], { F.threshold($0[0], threshold: 0.1, value: -1) }),
            ("prelu", [input([2, 3, 4], seed: 5), input([3], seed: 6)], { F.prelu($0[0], weight: $0[1]) }),
        ]
    }

    static var lossOps: [Op] {
        let a = { input([3, 4], seed: 11) }, b = { input([3, 4], seed: 12) }
        let target = Tensor([2, 0, 3] as [Int]), ignored = Tensor([2, -100, 3] as [Int])
        let classWeight = doubles([0.5, 1, 2, 1.5])
        return [
            ("mse_loss", [a(), b()], { F.mseLoss($0[0], $0[1]) }),
            ("mse_loss_weight", [a(), b()], { F.mseLoss($0[0], $0[1], weight: probabilities([3, 4], seed: 13)) }),
            ("l1_loss", [a(), b()], { F.l1Loss($0[0], $0[1], reduction: .sum) }),
            ("smooth_l1_loss", [a(), b()], { F.smoothL1Loss($0[0], $0[1], reduction: .none, beta: 0.7) }),
            ("huber_loss", [a(), b()], { F.huberLoss($0[0], $0[1], delta: 0.6) }),
            ("binary_cross_entropy", [probabilities([3, 4], seed: 14).requiresGrad_(), probabilities([3, 4], seed: 15).requiresGrad_()],
             { F.binaryCrossEntropy($0[0], $0[1], weight: probabilities([4], seed: 16)) }),
            ("bce_with_logits", [a(), probabilities([3, 4], seed: 17).requiresGrad_()],
             { F.binaryCrossEntropyWithLogits($0[0], $0[1], weight: probabilities([3, 4], seed: 18), posWeight: probabilities([4], seed: 19) * 3) }),
            ("nll_loss", [a()], { F.nllLoss($0[0].logSoftmax(dim: 1), ignored, weight: classWeight) }),
            ("nll_loss_spatial", [input([2, 3, 2, 2], seed: 20)],
             { F.nllLoss($0[0], Tensor([0, 2, 1, 1, 2, 0, 0, 1] as [Int64], shape: [2, 2, 2]), reduction: .sum) }),
            ("cross_entropy", [a()], { F.crossEntropy($0[0], target) }),
            ("cross_entropy_smoothing", [a()], { F.crossEntropy($0[0], ignored, weight: classWeight, labelSmoothing: 0.2) }),
            ("cross_entropy_none", [a()], { F.crossEntropy($0[0], ignored, reduction: .none, labelSmoothing: 0.1) }),
            ("cross_entropy_probs", [a(), probabilities([3, 4], seed: 21).requiresGrad_()],
             { F.crossEntropy($0[0], $0[1], weight: classWeight, labelSmoothing: 0.1) }),
            ("kl_div", [a(), probabilities([3, 4], seed: 22).requiresGrad_()], { F.klDiv($0[0], $0[1], reduction: .batchmean) }),
            ("kl_div_log_target", [a(), b()], { F.klDiv($0[0], $0[1], reduction: .sum, logTarget: true) }),
        ]
    }

    static var layerOps: [Op] {
        let x = { input([2, 3, 4], seed: 31) }
        return [
            ("normalize", [x()], { F.normalize($0[0], p: 3, dim: 2) }),
            ("cosine_similarity", [x(), input([2, 1, 4], seed: 32)], { F.cosineSimilarity($0[0], $0[1], dim: -1) }),
            ("pairwise_distance", [input([3, 4], seed: 33), input([3, 4], seed: 34)], { F.pairwiseDistance($0[0], $0[1]) }),
            ("linear", [x(), input([5, 4], seed: 35), input([5], seed: 36)], { F.linear($0[0], $0[1], bias: $0[2]) }),
            ("bilinear", [input([2, 3], seed: 37), input([2, 4], seed: 38), input([5, 3, 4], seed: 39), input([5], seed: 40)],
             { F.bilinear($0[0], $0[1], $0[2], bias: $0[3]) }),
            ("embedding", [input([5, 3], seed: 41)], { F.embedding(Tensor([[0, 2], [2, 4]] as [[Int]]), $0[0]) }),
            ("pad_constant", [x()], { F.pad($0[0], pad: [1, -1, 2, 0], value: 0.5) }),
            ("pad_reflect", [x()], { F.pad($0[0], pad: [2, 1], mode: "reflect") }),
            ("pad_replicate", [input([1, 2, 3, 3], seed: 42)], { F.pad($0[0], pad: [1, 2, 2, 0], mode: "replicate") }),
            ("pad_circular", [x()], { F.pad($0[0], pad: [3, 1], mode: "circular") }),
            ("pixel_shuffle", [input([1, 8, 2, 3], seed: 43)], { F.pixelShuffle($0[0], upscaleFactor: 2) }),
            ("pixel_unshuffle", [input([1, 2, 4, 6], seed: 44)], { F.pixelUnshuffle($0[0], downscaleFactor: 2) }),
            ("dropout", [x()], { F.dropout($0[0], p: 0.4, generator: Generator(seed: 7)) }),
            ("dropout2d", [input([2, 3, 2, 2], seed: 45)], { F.dropout2d($0[0], p: 0.5, generator: Generator(seed: 8)) }),
            ("layer_norm", [x(), input([3, 4], seed: 46), input([3, 4], seed: 47)],
             { F.layerNorm($0[0], normalizedShape: [3, 4], weight: $0[1], bias: $0[2]) }),
            ("group_norm", [input([2, 6, 3], seed: 48), input([6], seed: 49), input([6], seed: 50)],
             { F.groupNorm($0[0], numGroups: 3, weight: $0[1], bias: $0[2]) }),
            ("rms_norm", [x(), input([4], seed: 51)], { F.rmsNorm($0[0], normalizedShape: [4], weight: $0[1]) }),
            ("batch_norm_train", [input([4, 3, 2], seed: 52), input([3], seed: 53), input([3], seed: 54)],
             { F.batchNorm($0[0], runningMean: Tensor.zeros([3], dtype: .float64), runningVar: Tensor.ones([3], dtype: .float64),
                           weight: $0[1], bias: $0[2], training: true) }),
            ("batch_norm_eval", [input([4, 3], seed: 55), input([3], seed: 56)],
             { F.batchNorm($0[0], runningMean: doubles([0.1, -0.2, 0.3]), runningVar: doubles([1.5, 0.5, 2]), weight: $0[1], training: false) }),
            ("instance_norm", [input([2, 3, 5], seed: 57), input([3], seed: 58)], { F.instanceNorm($0[0], weight: $0[1]) }),
            ("sdpa", [input([2, 3, 4], seed: 59), input([2, 5, 4], seed: 60), input([2, 5, 2], seed: 61)],
             { F.scaledDotProductAttention($0[0], $0[1], $0[2]) }),
            ("sdpa_causal", [input([1, 2, 4, 3], seed: 62), input([1, 2, 4, 3], seed: 63), input([1, 2, 4, 3], seed: 64)],
             { F.scaledDotProductAttention($0[0], $0[1], $0[2], isCausal: true, scale: 0.4) }),
            ("sdpa_masks", [input([1, 3, 4], seed: 65), input([1, 3, 4], seed: 66), input([1, 3, 4], seed: 67), input([3, 3], seed: 68)],
             { F.scaledDotProductAttention($0[0], $0[1], $0[2], attnMask: $0[3]) }),
            ("sdpa_bool_mask", [input([1, 3, 4], seed: 69), input([1, 3, 4], seed: 70), input([1, 3, 4], seed: 71)],
             { F.scaledDotProductAttention($0[0], $0[1], $0[2], attnMask: Tensor([[true, false, true], [false, false, false], [true, true, false]] as [[Bool]])) }),
            ("interpolate_nearest", [input([1, 2, 3, 3], seed: 72)], { F.interpolate($0[0], scaleFactor: [1.7], mode: "nearest") }),
            ("interpolate_bilinear", [input([1, 2, 3, 4], seed: 73)], { F.interpolate($0[0], size: [5, 3], mode: "bilinear") }),
            ("interpolate_bilinear_ac", [input([1, 1, 3, 4], seed: 74)],
             { F.interpolate($0[0], size: [4, 7], mode: "bilinear", alignCorners: true) }),
            ("interpolate_linear", [input([2, 2, 5], seed: 75)], { F.interpolate($0[0], scaleFactor: [1.5], mode: "linear") }),
        ]
    }

    @Test(arguments: activationOps.map(\.name))
    func activationGradients(_ name: String) throws { try check(Self.activationOps, name) }

    @Test(arguments: lossOps.map(\.name))
    func lossGradients(_ name: String) throws { try check(Self.lossOps, name) }

    @Test(arguments: layerOps.map(\.name))
    func layerGradients(_ name: String) throws { try check(Self.layerOps, name) }

    func check(_ ops: [Op], _ name: String) throws {
        let op = ops.first { $0.name == name }!
        try gradcheck(op.f, inputs: op.inputs)
    }

    @Test(arguments: ["gelu", "mish", "logsigmoid", "softplus", "cross_entropy_smoothing", "layer_norm", "sdpa"])
    func secondDerivatives(_ name: String) throws {
        let op = (Self.activationOps + Self.lossOps + Self.layerOps).first { $0.name == name }!
        try gradgradcheck(op.f, inputs: op.inputs)
    }

    // MARK: - Values and gradients from PyTorch

    @Test func kinksFollowPyTorchBackward() {
        // x = [-3, -1, 0, 1, 3, 6]; y = f(x); y.sum().backward()
        let cases: [(String, (Tensor) -> Tensor, [Double], [Double])] = [
            ("hardtanh", { F.hardtanh($0) }, [-1, -1, 0, 1, 1, 1], [0, 0, 1, 0, 0, 0]),
            ("relu6", { F.relu6($0) }, [0, 0, 0, 1, 3, 6], [0, 0, 0, 1, 1, 0]),
            ("leaky_relu", { F.leakyRelu($0, negativeSlope: 0.1) }, [-0.30000000000000004, -0.1, 0, 1, 3, 6], [0.1, 0.1, 0.1, 1, 1, 1]),
            ("hardswish", { F.hardswish($0) }, [-0.0, -0.3333333333333333, 0, 0.6666666666666666, 3, 6],
             [0, 0.16666666666666669, 0.5, 0.8333333333333333, 1, 1]),
            ("hardsigmoid", { F.hardsigmoid($0) }, [0, 0.3333333333333333, 0.5, 0.6666666666666666, 1, 1],
             [0, 0.1666666716337204, 0.1666666716337204, 0.1666666716337204, 0, 0]),
            ("elu", { F.elu($0) }, [-0.950212931632136, -0.6321205588285577, 0, 1, 3, 6],
             [0.049787068367863944, 0.36787944117144233, 1, 1, 1, 1]),
        ]
        for (name, f, values, grads) in cases {
            let x = Self.doubles([-3, -1, 0, 1, 3, 6], requiresGrad: true)
            let y = f(x)
            y.sum().backward()
            #expect(Self.close(y, values), "\(name) values")
            #expect(Self.close(x.grad!, grads, rtol: 1e-6), "\(name) gradient")
        }
    }

    @Test func extremeInputsStayFinite() {
        // x = [-1000, -1, 0, 1, 1000]
        let cases: [(String, (Tensor) -> Tensor, [Double], [Double])] = [
            ("logsigmoid", { F.logsigmoid($0) }, [-1000, -1.3132616875182228, -0.6931471805599453, -0.31326168751822286, 0],
             [1, 0.7310585786300049, 0.5, 0.2689414213699951, 0]),
            ("softplus", { F.softplus($0) }, [0, 0.31326168751822286, 0.6931471805599453, 1.3132616875182228, 1000],
             [0, 0.2689414213699951, 0.5, 0.7310585786300049, 1]),
            ("mish", { F.mish($0) }, [-0.0, -0.30340146137410895, 0, 0.8650983882673103, 1000],
             [0, 0.059216755877395014, 0.6, 1.0490362200997922, 1]),
            ("silu", { F.silu($0) }, [-0.0, -0.2689414213699951, 0, 0.7310585786300049, 1000],
             [-0.0, 0.07232948812851325, 0.5, 0.9276705118714869, 1]),
        ]
        for (name, f, values, grads) in cases {
            let x = Self.doubles([-1000, -1, 0, 1, 1000], requiresGrad: true)
            let y = f(x)
            y.sum().backward()
            #expect(Self.close(y, values), "\(name) values")
            #expect(Self.close(x.grad!, grads), "\(name) gradient")
        }
        #expect(Self.close(F.gelu(Self.doubles([-1, 0.5, 2]), approximate: "tanh"),
                           [-0.15880800939172324, 0.34571400982514394, 1.954597694087775]))
    }

    static let logits: [Double] = [1.0, -0.5, 2.0, 0.3, 0.2, 0.1, -1.0, 1.5, -0.3, 0.8, 0.0, -2.0]

    @Test func crossEntropyMatchesPyTorch() {
        // F.cross_entropy(x, [2, -100, 3], weight=[0.5, 1, 2, 1.5], label_smoothing=0.2)
        let x = Self.doubles(Self.logits, [3, 4], requiresGrad: true)
        let target = Tensor([2, -100, 3] as [Int])
        let loss = F.crossEntropy(x, target, weight: Self.doubles([0.5, 1, 2, 1.5]), labelSmoothing: 0.2)
        loss.backward()
        #expect(Self.close(loss, [1.6424017672117448]))
        #expect(Self.close(x.grad!, [0.1119584837878216, 0.012289386990040802, -0.16196327491731624, 0.0377154041394539, 0, 0, 0, 0,
                                     0.06768241586769444, 0.21050182862510083, 0.07243212523114348, -0.3506163697239387]))
        let none = F.crossEntropy(x.detach(), target, reduction: .none, labelSmoothing: 0.1)
        #expect(Self.close(none, [0.6202032144153276, 0, 3.248900164532931]))
        let probs = Self.doubles([0.1, 0.2, 0.7, 0, 1, 0, 0, 0, 0.25, 0.25, 0.25, 0.25], [3, 4]).softmax(dim: 1)
        #expect(Self.close(F.crossEntropy(x.detach(), probs, labelSmoothing: 0.1), [1.7215741930179604]))
    }

    @Test func lossesMatchPyTorch() {
        // F.kl_div(log([[0.2, 0.8], [0.5, 0.5]]), [[0.1, 0.9], [0, 1]], reduction='batchmean')
        let kl = F.klDiv(Self.doubles([0.2, 0.8, 0.5, 0.5], [2, 2]).log(), Self.doubles([0.1, 0.9, 0, 1], [2, 2]), reduction: .batchmean)
        #expect(Self.close(kl, [0.36491859729734794]))
        let bce = F.binaryCrossEntropyWithLogits(Self.doubles([2, -1, 0, 30], [2, 2]), Self.doubles([1, 0, 0.5, 0], [2, 2]),
                                                 posWeight: Self.doubles([2, 0.5]))
        #expect(Self.close(bce, [7.901709620111045]))
        // every target ignored: the mean is NaN, the gradient zero
        let lp = Self.doubles([-1, -2, -0.5, -1.5], [2, 2], requiresGrad: true)
        let nll = F.nllLoss(lp, Tensor([-100, -100] as [Int]))
        nll.backward()
        #expect(nll.item(Double.self).isNaN)
        #expect(Self.close(lp.grad!, [0, 0, 0, 0]))
    }

    @Test func normalizationMatchesPyTorch() {
        // x = arange(12).view(3, 2, 2) ** 1.5; batch_norm(training=True, momentum=0.2) from zeros / ones
        let x = Tensor.arange(0, 12, dtype: .float64).view([3, 2, 2]).pow(1.5)
        let rm = Tensor.zeros([2], dtype: .float64), rv = Tensor.ones([2], dtype: .float64)
        let y = F.batchNorm(x, runningMean: rm, runningVar: rv, training: true, momentum: 0.2)
        #expect(Self.close(y, [-1.1456405481735574, -1.0471723607439132, -1.235194479311239, -1.0452377456541058, -0.357895048736404,
                               -0.044732744604183985, -0.28301322419162245, 0.023722323409061788, 1.0824401898312221, 1.5130005124268355,
                               1.074904829562402, 1.4648182961855045]))
        #expect(Self.close(rm, [2.326925229515616, 3.644914215906574]))
        #expect(Self.close(rv, [25.552513857462202, 38.08760215209299]))
        // F.instance_norm(arange(12).view(2, 2, 3) ** 1.5, rm=[0.5, -0.5], rv=[1, 2], momentum=0.3)
        let xi = Tensor.arange(0, 12, dtype: .float64).view([2, 2, 3]).pow(1.5)
        let irm = Self.doubles([0.5, -0.5]), irv = Self.doubles([1, 2])
        let yi = F.instanceNorm(xi, runningMean: irm, runningVar: irv, momentum: 0.3)
        #expect(Self.close(yi, [-1.0896972944909962, -0.23579782691533568, 1.325495121406332, -1.1982688761759854, -0.051335596100658076,
                                1.249604472276644, -1.2098745417105679, -0.02921670460268597, 1.2390912463132546, -1.2144008385016662,
                                -0.020431600294841906, 1.234832438796506]))
        #expect(Self.close(irm, [3.3336520878433458, 5.624107080289939]))
        #expect(Self.close(irv, [3.368054058510891, 6.117552367853063]))
        let g = F.groupNorm(Tensor.arange(0, 8, dtype: .float64).view([1, 4, 2]).square(), numGroups: 2)
        #expect(Self.close(g, [-0.9999995918369845, -0.7142854227407032, 0.14285708454814064, 1.571427930029547,
                               -1.2561833513793492, -0.526786566707469, 0.3646983923359401, 1.418271525750878]))
        #expect(Self.close(F.rmsNorm(Self.doubles([1, 2, 3], [1, 3]), normalizedShape: [3]),
                           [0.4629100498862757, 0.9258200997725514, 1.3887301496588271]))
    }

    @Test func resamplingMatchesPyTorch() {
        let x = Tensor.arange(0, 9, dtype: .float64).view([1, 1, 3, 3]).square()
        #expect(Self.close(F.interpolate(x, size: [4, 5], mode: "bilinear", alignCorners: false),
                           [0, 0.39999999999999997, 1, 2.8, 4, 5.625, 7.525, 10.375, 14.424999999999999, 17.125, 19.125, 22.825000000000003,
                            28.375, 35.125, 39.625, 36, 41.20000000000001, 49, 58, 64]))
        #expect(Self.close(F.interpolate(x, size: [4, 5], mode: "bilinear", alignCorners: true),
                           [0, 0.5, 1, 2.5, 4, 6, 8.5, 11, 14.499999999999998, 18, 18, 22.499999999999996, 26.999999999999996, 32.5, 38,
                            36, 42.5, 49, 56.5, 64]))
        #expect(Self.close(F.interpolate(x, scaleFactor: [1.5]), [0, 0, 1, 4, 0, 0, 1, 4, 9, 9, 16, 25, 36, 36, 49, 64]))
        let r = Tensor.arange(0, 6, dtype: .float64).view([1, 2, 3])
        #expect(Self.close(F.pad(r, pad: [2, 1], mode: "reflect"), [2, 1, 0, 1, 2, 1, 5, 4, 3, 4, 5, 4]))
        #expect(Self.close(F.pad(r, pad: [1, 2], mode: "circular"), [2, 0, 1, 2, 0, 1, 5, 3, 4, 5, 3, 4]))
        #expect(Self.close(F.pad(r, pad: [1, 2], mode: "replicate"), [0, 0, 1, 2, 2, 2, 3, 3, 4, 5, 5, 5]))
        #expect(F.pixelShuffle(Tensor.arange(0, 8, dtype: .float32).view([1, 4, 1, 2]), upscaleFactor: 2).toArray(Float.self)
                == [0, 2, 1, 3, 4, 6, 5, 7])
        let oneHot = F.oneHot(Tensor([2, 0] as [Int]), numClasses: 4)
        #expect(oneHot.dtype == .int64 && oneHot.shape == [2, 4] && oneHot.toArray(Int64.self) == [0, 0, 1, 0, 1, 0, 0, 0])
    }

    @Test func attentionAndLookupsMatchPyTorch() {
        // a fully masked query row gives zeros and zero gradients
        let q = Self.doubles([1, 0.5, 0.2, -0.3], [1, 2, 2], requiresGrad: true)
        let k = Self.doubles([0.3, 0.1, -0.5, 0.8], [1, 2, 2], requiresGrad: true)
        let v = Self.doubles([1, 2, 3, 4], [1, 2, 2], requiresGrad: true)
        let mask = Tensor([[false, false], [true, false]] as [[Bool]])
        let out = F.scaledDotProductAttention(q, k, v, attnMask: mask)
        out.sum().backward()
        #expect(Self.close(out, [0, 0, 1, 2]))
        #expect(Self.close(q.grad!, [0, 0, 0, 0]) && Self.close(k.grad!, [0, 0, 0, 0]) && Self.close(v.grad!, [1, 1, 0, 0]))
        // padding rows get no gradient
        let w = Tensor.arange(0, 9, dtype: .float64).view([3, 3]).requiresGrad_()
        F.embedding(Tensor([[0, 2], [2, 1]] as [[Int]]), w, paddingIdx: 2).sum().backward()
        #expect(Self.close(w.grad!, [1, 1, 1, 1, 1, 1, 0, 0, 0]))
        // the clamped norm of a zero vector changes the value, not the gradient path
        let a = Tensor.zeros([1, 3], dtype: .float64).requiresGrad_()
        let c = F.cosineSimilarity(a, Self.doubles([1, 2, 3], [1, 3]))
        c.backward()
        #expect(Self.close(c, [0]))
        #expect(Self.close(a.grad!, [26726124.191242438, 53452248.382484876, 80178372.57372732]))
    }

    @Test func dropoutScalesKeptValues() {
        let x = Tensor.ones([1000], dtype: .float64)
        let y = F.dropout(x, p: 0.25, generator: Generator(seed: 3))
        let values = Set(y.toArray(Double.self))
        #expect(values.isSubset(of: [0, 1 / 0.75]))
        let kept = y.toArray(Double.self).filter { $0 != 0 }.count
        #expect(kept > 650 && kept < 850)
        #expect(F.dropout(x, p: 0.5, training: false) === x)
        #expect(F.dropout(x, p: 1).toArray(Double.self).allSatisfy { $0 == 0 })
    }

    // MARK: - Errors

    @Test func errorsMatchPyTorch() {
        let cases: [(String, () -> Tensor)] = [
            ("Target 9 is out of bounds.", { F.crossEntropy(Tensor.zeros([4, 5]), Tensor([1, 0, 9, 3] as [Int])) }),
            ("Expected input batch_size (4) to match target batch_size (3).", { F.nllLoss(Tensor.zeros([4, 5]), Tensor([1, 0, 3] as [Int])) }),
            ("expected target dtype to be Long or Byte, but got Float", { F.nllLoss(Tensor.zeros([2, 3]), Tensor.zeros([2])) }),
            ("weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: [3]",
             { F.nllLoss(Tensor.zeros([4, 5]), Tensor([1, 0, 3, 2] as [Int]), weight: Tensor.ones([3])) }),
            ("label_smoothing must be between 0.0 and 1.0. Got: 1.5",
             { F.crossEntropy(Tensor.zeros([2, 3]), Tensor([0, 1] as [Int]), labelSmoothing: 1.5) }),
            ("all elements of input should be between 0 and 1", { F.binaryCrossEntropy(Tensor([1.5]), Tensor([1.0])) }),
            ("Halving dimension must be even, but dimension 1 is size 3", { F.glu(Tensor.zeros([2, 3])) }),
            ("\"elu_cpu\" not implemented for 'Long'", { F.elu(Tensor([1, 2] as [Int])) }),
            ("Padding length must be divisible by 2", { F.pad(Tensor.zeros([2, 3]), pad: [1]) }),
            ("Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (2, 2) at dimension 3 of input [1, 2, 2, 2]",
             { F.pad(Tensor.zeros([1, 2, 2, 2]), pad: [2, 2, 2, 2], mode: "reflect") }),
            ("Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[2, 3, 5]",
             { F.layerNorm(Tensor.zeros([2, 3, 5]), normalizedShape: [4]) }),
            ("Expected more than 1 value per channel when training, got input size torch.Size([1, 3])",
             { F.batchNorm(Tensor.zeros([1, 3]), runningMean: nil, runningVar: nil, training: true) }),
            ("running_mean must be defined in evaluation mode", { F.batchNorm(Tensor.zeros([2, 3]), runningMean: nil, runningVar: nil) }),
            ("The function 'native_batch_norm' is not differentiable with respect to argument 'running_mean'. This input cannot have requires_grad True.",
             { F.batchNorm(Tensor.zeros([2, 3]), runningMean: Tensor.zeros([3], requiresGrad: true), runningVar: Tensor.ones([3]), training: true) }),
            ("index out of range in self", { F.embedding(Tensor([5] as [Int]), Tensor.zeros([5, 3])) }),
            ("Class values must be smaller than num_classes.", { F.oneHot(Tensor([1, 2] as [Int]), numClasses: 2) }),
            ("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True",
             { F.scaledDotProductAttention(Tensor.zeros([1, 2, 3]), Tensor.zeros([1, 2, 3]), Tensor.zeros([1, 2, 3]),
                                           attnMask: Tensor.ones([2, 2], dtype: .bool), isCausal: true) }),
            ("only one of size or scale_factor should be defined",
             { F.interpolate(Tensor.zeros([1, 1, 3, 3]), size: [4], scaleFactor: [2]) }),
            ("Got 3D input, but bilinear mode needs 4D input", { F.interpolate(Tensor.zeros([1, 1, 3]), size: [4], mode: "bilinear") }),
            ("dropout probability has to be between 0 and 1, but got 1.5", { F.dropout(Tensor.zeros([3]), p: 1.5) }),
            ("mm: mat1 and mat2 shapes cannot be multiplied (8x3 and 4x5)", { F.linear(Tensor.zeros([2, 4, 3]), Tensor.zeros([5, 4])) }),
        ]
        for (message, body) in cases {
            #expect(throws: TorchError(message)) { try withErrorCapture { _ = body() } }
        }
    }
}
