import TorchCore

// Activation functions, composed from differentiable tensor ops. Where PyTorch's
// backward formula picks a side at a kink, the composition is arranged so autograd
// picks the same side; branches that would overflow are evaluated on clamped
// inputs so an unselected branch cannot turn a zero gradient into NaN.

extension Functional {
    /// max(0, x) (`relu`); the gradient at 0 is 0.
    public static func relu(_ input: Tensor) -> Tensor { input.relu() }

    /// Clamps to [minVal, maxVal] (`hardtanh`). The gradient passes only strictly
    /// inside the interval, like PyTorch's `hardtanh_backward`.
    public static func hardtanh(_ input: Tensor, minVal: Double = -1, maxVal: Double = 1) -> Tensor {
        guard require(minVal <= maxVal, "min_val cannot be greater than max_val") else { return placeholder }
        if !input.isFloatingPoint {
            return input.clamp(min: .int(Int64(minVal.rounded(.towardZero))), max: .int(Int64(maxVal.rounded(.towardZero))))
        }
        let upper = Tensor.where(input >= maxVal, .double(maxVal), input)
        return Tensor.where(input <= minVal, .double(minVal), upper)
    }

    /// min(max(0, x), 6) (`relu6`), PyTorch's `hardtanh(x, 0, 6)`.
    public static func relu6(_ input: Tensor) -> Tensor { hardtanh(input, minVal: 0, maxVal: 6) }

    /// x for x > 0, else negativeSlope * x (`leaky_relu`); the gradient at 0 is the slope.
    public static func leakyRelu(_ input: Tensor, negativeSlope: Double = 0.01) -> Tensor {
        guard requireFloat(input, "leaky_relu_cpu") else { return placeholder }
        return Tensor.where(input > 0, input, input * negativeSlope)
    }

    /// PyTorch's ELU family: scale * x for x > 0, else scale * alpha * (exp(x * inputScale) - 1).
    static func eluFamily(_ x: Tensor, alpha: Double, scale: Double, inputScale: Double) -> Tensor {
        guard requireFloat(x, "elu_cpu") else { return placeholder }
        var negative = x.clamp(max: 0)
        if inputScale != 1 { negative = negative * inputScale }
        negative = negative.expm1() * (alpha * scale)
        let positive = scale == 1 ? x : x * scale
        return Tensor.where(x > 0, positive, negative)
    }

    /// x for x > 0, else alpha * (exp(x) - 1) (`elu`).
    public static func elu(_ input: Tensor, alpha: Double = 1) -> Tensor {
        eluFamily(input, alpha: alpha, scale: 1, inputScale: 1)
    }

    /// Scaled ELU with the self-normalising constants (`selu`).
    public static func selu(_ input: Tensor) -> Tensor {
        eluFamily(input, alpha: 1.6732632423543772848170429916717, scale: 1.0507009873554804934193349852946, inputScale: 1)
    }

    /// max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (`celu`).
    public static func celu(_ input: Tensor, alpha: Double = 1) -> Tensor {
        guard require(alpha != 0, "ZeroDivisionError: alpha cannot be 0 for CELU") else { return placeholder }
        return eluFamily(input, alpha: alpha, scale: 1, inputScale: 1 / alpha)
    }

    /// Gaussian error linear unit (`gelu`): x * Phi(x), or its tanh approximation
    /// when `approximate` is `"tanh"`.
    public static func gelu(_ input: Tensor, approximate: String = "none") -> Tensor {
        guard require(approximate == "none" || approximate == "tanh", "approximate argument must be either none or tanh.") else { return placeholder }
        guard requireFloat(input, "GeluKernelImpl") else { return placeholder }
        if approximate == "tanh" {
            let kBeta = 0.7978845608028654  // sqrt(2 / pi)
            let inner = (input + input * input * input * 0.044715) * kBeta
            return input * 0.5 * (inner.tanh() + 1)
        }
        return input.gelu()
    }

    /// x * sigmoid(x) (`silu`, swish).
    public static func silu(_ input: Tensor) -> Tensor {
        guard requireFloat(input, "silu_cpu") else { return placeholder }
        return input * input.sigmoid()
    }

    /// x * tanh(softplus(x)) (`mish`).
    public static func mish(_ input: Tensor) -> Tensor {
        guard requireFloat(input, "mish_cpu") else { return placeholder }
        return input * softplus(input).tanh()
    }

    /// log(1 + exp(beta * x)) / beta, linear where beta * x > threshold (`softplus`).
    public static func softplus(_ input: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor {
        guard requireFloat(input, "softplus_cpu") else { return placeholder }
        let scaled = beta == 1 ? input : input * beta
        // the log branch sees at most `threshold`, so exp cannot overflow where it is not used
        var smooth = scaled.clamp(max: .double(threshold)).exp().log1p()
        if beta != 1 { smooth = smooth / beta }
        return Tensor.where(scaled > threshold, input, smooth)
    }

    /// log(sigmoid(x)), computed stably as -softplus(-x) (`logsigmoid`).
    public static func logsigmoid(_ input: Tensor) -> Tensor {
        guard requireFloat(input, "log_sigmoid_cpu") else { return placeholder }
        // x < 0: x - log1p(exp(x));  x >= 0: -log1p(exp(-x)). Each branch sees only
        // the half line where it is finite.
        let neg = input.clamp(max: 0), pos = input.clamp(min: 0)
        let negBranch = neg - neg.exp().log1p()
        let posBranch = -((-pos).exp().log1p())
        return Tensor.where(input < 0, negBranch, posBranch)
    }

    /// 1 / (1 + exp(-x)) (`sigmoid`).
    public static func sigmoid(_ input: Tensor) -> Tensor { input.sigmoid() }

    /// Hyperbolic tangent (`tanh`).
    public static func tanh(_ input: Tensor) -> Tensor { input.tanh() }

    /// relu6(x + 3) / 6 (`hardsigmoid`); the gradient is 1/6 strictly inside (-3, 3).
    public static func hardsigmoid(_ input: Tensor) -> Tensor {
        guard requireFloat(input, "hardsigmoid_cpu") else { return placeholder }
        return hardtanh(input + 3, minVal: 0, maxVal: 6) / 6
    }

    /// x * relu6(x + 3) / 6 (`hardswish`).
    public static func hardswish(_ input: Tensor) -> Tensor {
        guard requireFloat(input, "hardswish_cpu") else { return placeholder }
        return input * hardtanh(input + 3, minVal: 0, maxVal: 6) / 6
    }

    /// PyTorch's implicit softmax dim when none is given (0 for 0-, 1- and 3-d inputs, else 1).
    static func softmaxDim(_ dim: Int?, rank: Int) -> Int {
        if let dim { return dim }
        return rank == 0 || rank == 1 || rank == 3 ? 0 : 1
    }

    /// exp(x) / sum(exp(x)) along `dim` (`softmax`). Without `dim`, PyTorch's
    /// deprecated implicit choice is used.
    public static func softmax(_ input: Tensor, dim: Int? = nil, dtype: DType? = nil) -> Tensor {
        input.softmax(dim: softmaxDim(dim, rank: input.rank), dtype: dtype)
    }

    /// log(softmax(x)) along `dim`, computed stably (`log_softmax`).
    public static func logSoftmax(_ input: Tensor, dim: Int? = nil, dtype: DType? = nil) -> Tensor {
        input.logSoftmax(dim: softmaxDim(dim, rank: input.rank), dtype: dtype)
    }

    /// softmax(-x) along `dim` (`softmin`).
    public static func softmin(_ input: Tensor, dim: Int? = nil, dtype: DType? = nil) -> Tensor {
        (-input).softmax(dim: softmaxDim(dim, rank: input.rank), dtype: dtype)
    }

    /// Gated linear unit: a * sigmoid(b) for the two halves a, b of `dim` (`glu`).
    public static func glu(_ input: Tensor, dim: Int = -1) -> Tensor {
        guard require(input.rank > 0, "glu does not support scalars because halving size must be even") else { return placeholder }
        guard let d = wrapDim(dim, input.rank) else { return placeholder }
        let n = input.shape[d]
        guard require(n % 2 == 0, "Halving dimension must be even, but dimension \(d) is size \(n)") else { return placeholder }
        let a = input.narrow(d, start: 0, length: n / 2), b = input.narrow(d, start: n / 2, length: n / 2)
        return a * b.sigmoid()
    }

    /// x where x > threshold, else `value` (`threshold`).
    public static func threshold(_ input: Tensor, threshold: Double, value: Double) -> Tensor {
        Tensor.where(input > threshold, input, .double(value))
    }

    /// x / (1 + |x|) (`softsign`).
    public static func softsign(_ input: Tensor) -> Tensor { input / (input.abs() + 1) }

    /// x - tanh(x) (`tanhshrink`).
    public static func tanhshrink(_ input: Tensor) -> Tensor { input - input.tanh() }

    /// x where |x| > lambd, else 0 (`hardshrink`).
    public static func hardshrink(_ input: Tensor, lambd: Double = 0.5) -> Tensor {
        Tensor.where(input.abs() > lambd, input, 0)
    }

    /// x - lambd for x > lambd, x + lambd for x < -lambd, else 0 (`softshrink`).
    public static func softshrink(_ input: Tensor, lambd: Double = 0.5) -> Tensor {
        guard require(lambd >= 0, "lambda must be greater or equal to 0, but found to be \(pyFloat(lambd)).") else { return placeholder }
        let shifted = Tensor.where(input > lambd, input - lambd, input + lambd)
        return Tensor.where(input.abs() > lambd, shifted, 0)
    }

    /// x for x > 0, else weight * x with a per-channel (dim 1) or single weight (`prelu`).
    public static func prelu(_ input: Tensor, weight: Tensor) -> Tensor {
        let input = Autocast.lowerPrecision(input), weight = Autocast.lowerPrecision(weight)
        var w = weight
        if weight.numel != 1 {
            let channels = input.rank >= 2 ? input.shape[1] : (input.rank == 1 ? input.shape[0] : 1)
            guard require(weight.rank == 1 && weight.numel == channels,
                          "Mismatch of parameter numbers and input channel size. Found parameter numbers = \(weight.numel) and channel size = \(channels).")
            else { return placeholder }
            if input.rank >= 2 { w = weight.reshape(channelShape(channels, rank: input.rank)) }
        }
        return Tensor.where(input > 0, input, input * w)
    }
}
