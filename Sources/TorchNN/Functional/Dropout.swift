import TorchCore

extension Functional {
    static func checkDropoutP(_ p: Double) -> Bool {
        require(p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got \(pyFloat(p))")
    }

    /// A keep-mask scaled by 1 / (1 - p): 1 / (1 - p) with probability 1 - p, else 0.
    private static func dropoutNoise(_ shape: [Int], p: Double, like input: Tensor, generator: Generator?) -> Tensor {
        let dtype = input.isFloatingPoint ? input.dtype : DType.defaultFloat
        if dtype == .float32 { return Tensor.dropoutMask(shape, keepProbability: 1 - p, generator: generator) }
        let keep = Tensor.rand(shape, dtype: dtype == .float64 ? .float64 : .float32, generator: generator) < (1 - p)
        return keep.to(dtype) / (1 - p)
    }

    /// Zeroes each element with probability `p` and scales the rest by 1 / (1 - p)
    /// when `training` (`dropout`); otherwise returns `input` unchanged.
    public static func dropout(_ input: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil) -> Tensor {
        guard checkDropoutP(p) else { return placeholder }
        if !training || p == 0 || input.numel == 0 { return input }
        if p == 1 { return input * Tensor.zeros([], dtype: input.dtype) }
        return input * dropoutNoise(input.shape, p: p, like: input, generator: generator)
    }

    /// Channel-wise dropout: whole [N, C] feature maps are zeroed together.
    private static func featureDropout(_ input: Tensor, p: Double, training: Bool, batched: Bool, generator: Generator?) -> Tensor {
        if !training || p == 0 || input.numel == 0 { return input }
        if p == 1 { return input * Tensor.zeros([], dtype: input.dtype) }
        let x = batched ? input : input.unsqueeze(0)
        var noiseShape = [Int](repeating: 1, count: x.rank)
        noiseShape[0] = x.shape[0]
        if x.rank > 1 { noiseShape[1] = x.shape[1] }
        let out = x * dropoutNoise(noiseShape, p: p, like: x, generator: generator)
        return batched ? out : out.squeeze(0)
    }

    /// Zeroes whole channels of an [N, C, L] or [C, L] input (`dropout1d`).
    public static func dropout1d(_ input: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil) -> Tensor {
        guard checkDropoutP(p) else { return placeholder }
        guard require(input.rank == 2 || input.rank == 3,
                      "dropout1d: Expected 2D or 3D input, but received a \(input.rank)D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
        else { return placeholder }
        return featureDropout(input, p: p, training: training, batched: input.rank == 3, generator: generator)
    }

    /// Zeroes whole channels of an [N, C, H, W] input (`dropout2d`); like PyTorch, a
    /// 3-d input is treated as [N, C, L].
    public static func dropout2d(_ input: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil) -> Tensor {
        guard checkDropoutP(p) else { return placeholder }
        return featureDropout(input, p: p, training: training, batched: true, generator: generator)
    }

    /// Zeroes whole channels of an [N, C, D, H, W] or [C, D, H, W] input (`dropout3d`).
    public static func dropout3d(_ input: Tensor, p: Double = 0.5, training: Bool = true, generator: Generator? = nil) -> Tensor {
        guard checkDropoutP(p) else { return placeholder }
        return featureDropout(input, p: p, training: training, batched: input.rank != 4, generator: generator)
    }
}
