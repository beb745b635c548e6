import TorchCore

/// Weight initialisers of `torch.nn.init`; each fills its tensor in place without
/// recording gradients and returns it.
public enum Init {
    /// Recommended gain for a nonlinearity (`calculate_gain`).
    public static func calculateGain(_ nonlinearity: String, param: Double? = nil) -> Double {
        switch nonlinearity {
        case "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid":
            return 1
        case "tanh": return 5.0 / 3
        case "relu": return 2.0.squareRoot()
        case "leaky_relu":
            let slope = param ?? 0.01
            return (2.0 / (1 + slope * slope)).squareRoot()
        case "selu": return 3.0 / 4
        default:
            torchCheck(false, "Unsupported nonlinearity \(nonlinearity)")
            return 1
        }
    }

    /// (fan_in, fan_out) of a weight: [out, in, k...] (`_calculate_fan_in_and_fan_out`).
    public static func fans(_ t: Tensor) -> (fanIn: Int, fanOut: Int) {
        torchCheck(t.rank >= 2, "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
        guard t.rank >= 2 else { return (1, 1) }
        let receptive = t.shape.dropFirst(2).reduce(1, *)
        return (t.shape[1] * receptive, t.shape[0] * receptive)
    }

    @discardableResult
    public static func uniform_(_ t: Tensor, a: Double = 0, b: Double = 1, generator: Generator? = nil) -> Tensor {
        withNoGrad { t.uniform_(from: a, to: b, generator: generator) }
    }

    @discardableResult
    public static func normal_(_ t: Tensor, mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
        withNoGrad { t.normal_(mean: mean, std: std, generator: generator) }
    }

    @discardableResult
    public static func constant_(_ t: Tensor, _ value: Double) -> Tensor { withNoGrad { t.fill_(.double(value)) } }
    @discardableResult
    public static func zeros_(_ t: Tensor) -> Tensor { withNoGrad { t.zero_() } }
    @discardableResult
    public static func ones_(_ t: Tensor) -> Tensor { withNoGrad { t.fill_(1) } }

    /// Identity matrix for a 2-d tensor (`eye_`).
    @discardableResult
    public static func eye_(_ t: Tensor) -> Tensor {
        torchCheck(t.rank == 2, "Only tensors with 2 dimensions are supported")
        guard t.rank == 2 else { return t }
        return withNoGrad { t.copy_(Tensor.eye(t.shape[0], t.shape[1], dtype: t.dtype)) }
    }

    @discardableResult
    public static func xavierUniform_(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        let (fi, fo) = fans(t)
        let a = gain * (6.0 / Double(fi + fo)).squareRoot()
        return uniform_(t, a: -a, b: a, generator: generator)
    }

    @discardableResult
    public static func xavierNormal_(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        let (fi, fo) = fans(t)
        return normal_(t, std: gain * (2.0 / Double(fi + fo)).squareRoot(), generator: generator)
    }

    public enum FanMode: String { case fanIn = "fan_in", fanOut = "fan_out" }

    static func kaimingStd(_ t: Tensor, a: Double, mode: FanMode, nonlinearity: String) -> Double {
        let (fi, fo) = fans(t)
        let fan = mode == .fanIn ? fi : fo
        return calculateGain(nonlinearity, param: a) / Double(max(fan, 1)).squareRoot()
    }

    @discardableResult
    public static func kaimingUniform_(_ t: Tensor, a: Double = 0, mode: FanMode = .fanIn, nonlinearity: String = "leaky_relu",
                                       generator: Generator? = nil) -> Tensor {
        let bound = 3.0.squareRoot() * kaimingStd(t, a: a, mode: mode, nonlinearity: nonlinearity)
        return uniform_(t, a: -bound, b: bound, generator: generator)
    }

    @discardableResult
    public static func kaimingNormal_(_ t: Tensor, a: Double = 0, mode: FanMode = .fanIn, nonlinearity: String = "leaky_relu",
                                      generator: Generator? = nil) -> Tensor {
        normal_(t, std: kaimingStd(t, a: a, mode: mode, nonlinearity: nonlinearity), generator: generator)
    }

    /// Normal values redrawn until inside [a, b] (`trunc_normal_`, by inverse CDF like PyTorch).
    @discardableResult
    public static func truncNormal_(_ t: Tensor, mean: Double = 0, std: Double = 1, a: Double = -2, b: Double = 2,
                                    generator: Generator? = nil) -> Tensor {
        withNoGrad {
            let cdf = { (x: Double) in (1 + erfDouble(x / 2.0.squareRoot())) / 2 }
            let l = cdf((a - mean) / std), u = cdf((b - mean) / std)
            let r = Tensor.empty(t.shape, dtype: .float64).uniform_(from: 2 * l - 1, to: 2 * u - 1, generator: generator)
            let v = (r.clamp(min: -0.9999999, max: 0.9999999).erfinv() * (std * 2.0.squareRoot()) + mean).clamp(min: .double(a), max: .double(b))
            return t.copy_(v)
        }
    }

    /// A (semi-)orthogonal matrix from the QR decomposition of a normal one (`orthogonal_`).
    @discardableResult
    public static func orthogonal_(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) -> Tensor {
        torchCheck(t.rank >= 2, "Only tensors with 2 or more dimensions are supported")
        guard t.rank >= 2 else { return t }
        let rows = t.shape[0], cols = t.numel / rows
        let transposed = rows < cols
        let (m, n) = transposed ? (cols, rows) : (rows, cols)
        var a = Tensor.randn([m, n], dtype: .float64, generator: generator).toArray(Double.self)
        // Householder QR of the m x n matrix (m >= n); Q's first n columns, signs fixed by diag(R)
        var q = [Double](repeating: 0, count: m * m)
        for i in 0..<m { q[i * m + i] = 1 }
        for k in 0..<n {
            var norm = 0.0
            for i in k..<m { norm += a[i * n + k] * a[i * n + k] }
            norm = norm.squareRoot()
            if norm == 0 { continue }
            let alpha = a[k * n + k] > 0 ? -norm : norm
            var v = [Double](repeating: 0, count: m)
            for i in k..<m { v[i] = a[i * n + k] }
            v[k] -= alpha
            var vnorm = 0.0
            for i in k..<m { vnorm += v[i] * v[i] }
            if vnorm == 0 { continue }
            for j in 0..<n {
                var dot = 0.0
                for i in k..<m { dot += v[i] * a[i * n + j] }
                let f = 2 * dot / vnorm
                for i in k..<m { a[i * n + j] -= f * v[i] }
            }
            for j in 0..<m {
                var dot = 0.0
                for i in k..<m { dot += v[i] * q[j * m + i] }
                let f = 2 * dot / vnorm
                for i in k..<m { q[j * m + i] -= f * v[i] }
            }
        }
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                let sign: Double = a[j * n + j] < 0 ? -1 : 1
                out[i * n + j] = q[i * m + j] * sign * gain
            }
        }
        var result = Tensor(out, shape: [m, n])
        if transposed { result = result.t() }
        return withNoGrad { t.copy_(result.reshape(t.shape)) }
    }
}

import Glibc
func erfDouble(_ x: Double) -> Double { Glibc.erf(x) }
