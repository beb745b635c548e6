/// The primitives a device implements. Everything else composes from these in the
/// front end; a backend may also provide fused kernels (softmax) that the front end
/// prefers over the composite.
///
/// Inputs arrive already checked, broadcast (as views with zero strides where
/// needed) and cast to the compute dtype; outputs are freshly allocated by the
/// front end unless the op is in place.
public protocol Backend: AnyObject {
    var device: Device { get }
    func unary(_ op: UnaryOp, _ x: Tensor, _ out: Tensor) throws(TorchError)
    func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ out: Tensor) throws(TorchError)
    /// out = cond ? a : b (same dtype for a, b, out; cond is bool).
    func select(_ cond: Tensor, _ a: Tensor, _ b: Tensor, _ out: Tensor)
    /// Copies `src` into `dst` (same shape), converting dtype.
    func copy(_ src: Tensor, into dst: Tensor)
    func fill(_ out: Tensor, with value: Scalar)
    /// Reduces `x` over `dims` into `out`, whose shape is x's with those dims set to 1.
    func reduce(_ op: ReduceOp, _ x: Tensor, dims: [Int], into out: Tensor) throws(TorchError)
    /// Index of the max/min along the last dimension of a contiguous tensor.
    func argReduce(_ op: ArgReduceOp, _ x: Tensor, into values: Tensor, indices: Tensor)
    /// Inclusive scan (cumsum, cumprod) along the last dimension of a contiguous tensor.
    func scan(_ op: ScanOp, _ x: Tensor, into out: Tensor)
    /// Batched matrix product of [B, M, K] and [B, K, N] into a contiguous [B, M, N].
    func matmul(_ a: Tensor, _ b: Tensor, into out: Tensor) throws(TorchError)
    /// Fused softmax / log-softmax over the last dimension of a contiguous tensor.
    func softmax(_ x: Tensor, log: Bool, into out: Tensor) -> Bool
    func softmaxBackward(_ y: Tensor, _ gy: Tensor, log: Bool, into out: Tensor) -> Bool
    /// out[..., i, ...] = src[..., index[..., i, ...], ...] along `dim`.
    func gather(_ src: Tensor, dim: Int, index: Tensor, into out: Tensor)
    /// out[..., index[...], ...] (=|+=) src along `dim`.
    func scatter(_ src: Tensor, dim: Int, index: Tensor, into out: Tensor, accumulate: Bool)
    /// Stable sort along the last dimension of a contiguous tensor.
    func sort(_ x: Tensor, descending: Bool, values: Tensor, indices: Tensor)
    /// Sliding-window patches of [N, C, H, W] into a contiguous [N, C*kh*kw, oh*ow].
    func im2col(_ x: Tensor, window: Window2d, into cols: Tensor)
    /// Adds patches back into a zero-filled contiguous [N, C, H, W] (the adjoint of im2col).
    func col2im(_ cols: Tensor, window: Window2d, into x: Tensor)
    /// Window maxima of [N, C, H, W] and their flat h*w indices.
    func maxPool2d(_ x: Tensor, window: Window2d, into out: Tensor, indices: Tensor)
    /// Fused 2-d convolution of contiguous [N, C, H, W] and [O, C/groups, kh, kw] into a
    /// contiguous [N, O, oh, ow]; false where the backend has none (the front end then
    /// composes im2col and matmul).
    func convolution2d(_ x: Tensor, weight: Tensor, bias: Tensor?, window: Window2d, groups: Int, into out: Tensor) -> Bool
    /// Gradient of the convolution with respect to its input.
    func convolution2dBackwardInput(_ gy: Tensor, weight: Tensor, window: Window2d, groups: Int, into gx: Tensor) -> Bool
    /// Gradients with respect to the weight and, when `bias` is given, the bias.
    /// Fused layer norm over the rows of contiguous `x` (`rows` rows): the output, and
    /// each row's mean and 1/sqrt(var + eps); false where the backend has none.
    func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Double, rows: Int, into out: Tensor, mean: Tensor, rstd: Tensor) -> Bool
    /// Its gradients, into whichever of gradInput / gradWeight / gradBias are given.
    func layerNormBackward(_ gy: Tensor, _ x: Tensor, mean: Tensor, rstd: Tensor, weight: Tensor?, rows: Int,
                           gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?) -> Bool
    /// Bytes of workspace a fused training LSTM layer needs; 0 where the backend has none.
    func lstmLayerWorkspaceSize(_ g: LSTMLayerGeometry, dtype: DType) -> Int
    /// Fused LSTM layer: inputs x, h0, c0, w_ih, w_hh, bias (b_ih + b_hh), all contiguous;
    /// outputs y, hn, cn. The workspace is nil for inference.
    func lstmLayerForward(_ g: LSTMLayerGeometry, inputs: [Tensor], outputs: [Tensor], workspace: Tensor?) -> Bool
    /// Its backward: `saved` is the forward's inputs then outputs; writes the gradients of
    /// x, h0, c0, w_ih, w_hh and the bias into `inputGrads`.
    func lstmLayerBackward(_ g: LSTMLayerGeometry, saved: [Tensor], workspace: Tensor, outputGrads: [Tensor], inputGrads: [Tensor]) -> Bool
    /// Fused training batch norm of contiguous [N, C, *]: the output, and each channel's
    /// mean and biased variance.
    func batchNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Double, into out: Tensor, mean: Tensor, variance: Tensor) -> Bool
    /// Its gradients, into whichever of gradInput / gradWeight / gradBias are given.
    func batchNormBackward(_ gy: Tensor, _ x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor?, eps: Double,
                           gradInput: Tensor?, gradWeight: Tensor?, gradBias: Tensor?) -> Bool
    /// Fused `nll_loss` of contiguous [N, C, inner] log-probabilities and int64 targets
    /// [N, inner] (in range or ignored): the loss per target, or reduced, and the total
    /// weight of the targets that count; false where the backend has none.
    func nllLoss(_ x: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int, classes: Int, inner: Int,
                 reduction: Reduction, into out: Tensor, totalWeight: Tensor) -> Bool
    /// Its input gradient, into a zero-filled contiguous tensor.
    func nllLossBackward(_ g: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int, classes: Int, inner: Int,
                         reduction: Reduction, totalWeight: Tensor, into gradInput: Tensor) -> Bool
    func convolution2dBackwardWeight(_ gy: Tensor, input x: Tensor, window: Window2d, groups: Int, into gw: Tensor, bias gb: Tensor?) -> Bool
}

final class CPUBackend: Backend, @unchecked Sendable {
    static let shared = CPUBackend()
    var device: Device { .cpu }
}

@inline(__always)
func backend(for device: Device) -> Backend {
    switch device {
    case .cpu: return CPUBackend.shared
    case .cuda: return DeviceRegistry.backend(for: device)
    }
}

/// Backends of other devices register here (the CUDA library, when loaded).
public enum DeviceRegistry {
    nonisolated(unsafe) static var factories: [String: (Device) -> Backend?] = [:]

    public static func register(kind: String, _ factory: @escaping (Device) -> Backend?) {
        factories[kind] = factory
    }

    static func backend(for device: Device) -> Backend {
        if case .cuda = device, let f = factories["cuda"], let b = f(device) { return b }
        fatalError("Torch not compiled with CUDA enabled: no backend for device \(device)")
    }
}
