import TorchCore

// Helpers shared by the functional ops: argument checks that report through
// TorchCore's error boundary, PyTorch-style formatting, and loss reductions.

extension Functional {
    /// Reports `message` through `torchCheck` when `condition` is false and returns
    /// the condition, so callers can write `guard require(...) else { return placeholder }`.
    @inline(__always)
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) -> Bool {
        if !condition { torchCheck(false, message()) }
        return condition
    }

    /// What an op returns after a failed check (the program has stopped, or the
    /// capture scope holds the error and later ops do nothing).
    static var placeholder: Tensor { Tensor.empty([0]) }

    /// `loss` reduced as `reduction` says.
    static func reduce(_ loss: Tensor, _ reduction: Reduction) -> Tensor {
        switch reduction {
        case .none: return loss
        case .mean: return loss.mean()
        case .sum: return loss.sum()
        }
    }

    /// Checks that `x` has a floating dtype, with PyTorch's kernel message
    /// (`"elu_cpu" not implemented for 'Long'`).
    static func requireFloat(_ x: Tensor, _ kernel: String) -> Bool {
        require(x.isFloatingPoint, "\"\(kernel)\" not implemented for '\(x.dtype.legacyScalarName)'")
    }

    /// PyTorch's autograd refuses a gradient for some arguments (class weights,
    /// running statistics); this reports its message when such a tensor requires grad.
    static func requireNoGrad(_ t: Tensor?, function: String, argument: String) -> Bool {
        guard let t, GradMode.isEnabled, t.requiresGrad else { return true }
        return require(false, "The function '\(function)' is not differentiable with respect to argument '\(argument)'. This input cannot have requires_grad True.")
    }

    /// total / denominator for a denominator outside autograd (a sum of weights),
    /// where a zero denominator gives NaN forward but zero gradients, like PyTorch's
    /// weighted-mean losses whose targets are all ignored.
    static func divideByWeightSum(_ total: Tensor, _ denominator: Tensor) -> Tensor {
        let d = denominator.detach().to(total.dtype)
        let zero = d == 0
        let safe = Tensor.where(zero, 1, d)
        let nanIfZero = Tensor.where(zero, Tensor.full([], .double(.nan), dtype: total.dtype), Tensor.zeros([], dtype: total.dtype))
        return total / safe + nanIfZero
    }

    /// The broadcast shape of two shapes, or nil with PyTorch's message reported.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        if let shape = broadcastable(a, b) { return shape }
        let n = Swift.max(a.count, b.count)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            if da != db && da != 1 && db != 1 {
                torchCheck(false, "The size of tensor a (\(da)) must match the size of tensor b (\(db)) at non-singleton dimension \(i)")
                break
            }
        }
        return nil
    }

    /// The broadcast shape of two shapes, or nil (nothing reported).
    static func broadcastable(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let da = i < n - a.count ? 1 : a[i - (n - a.count)]
            let db = i < n - b.count ? 1 : b[i - (n - b.count)]
            guard da == db || da == 1 || db == 1 else { return nil }
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Wraps a possibly negative dim, reporting PyTorch's range error.
    static func wrapDim(_ dim: Int, _ rank: Int) -> Int? {
        let r = Swift.max(rank, 1)
        guard require(dim >= -r && dim < r, "Dimension out of range (expected to be in range of [\(-r), \(r - 1)], but got \(dim))") else { return nil }
        return dim < 0 ? dim + r : dim
    }

    /// A shape as PyTorch prints an IntArrayRef: `[2, 3]`.
    static func shapeText(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }

    /// A shape as Python prints `tensor.size()`: `torch.Size([2, 3])`.
    static func sizeText(_ s: [Int]) -> String { "torch.Size(\(shapeText(s)))" }

    /// A float as Python's repr prints it (`0.0`, `1.5`, `1e-05`).
    static func pyFloat(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if d == d.rounded() && Swift.abs(d) < 1e16 { return "\(Int64(d)).0" }
        return "\(d)"
    }

    /// A reshape target that broadcasts a per-channel vector against `rank` dims with
    /// channels at dim 1: `[1, C, 1, 1]`.
    static func channelShape(_ c: Int, rank: Int) -> [Int] {
        var s = [Int](repeating: 1, count: Swift.max(rank, 2))
        s[1] = c
        return s
    }

    /// The machine epsilon of a floating dtype (`torch.finfo(dtype).eps`).
    static func finfoEps(_ dtype: DType) -> Double {
        switch dtype {
        case .float16: return 0.0009765625
        case .bfloat16: return 0.0078125
        case .float64: return 2.220446049250313e-16
        default: return 1.1920928955078125e-07
        }
    }
}
