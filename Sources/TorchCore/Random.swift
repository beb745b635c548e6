import CTorchKernels

/// A seedable random number generator (`torch.Generator`): Philox-4x32-10, a
/// counter-based generator, so a (seed, offset) pair fully describes its state.
public final class Generator: @unchecked Sendable {
    public private(set) var seed: UInt64
    /// Number of 128-bit blocks consumed.
    public var offset: UInt64 = 0
    private var buffer: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var bufferIndex = 4
    private let lock = SpinLock()

    public init(seed: UInt64 = 67280421310721) { self.seed = seed }

    /// Resets the generator to `seed` (`manual_seed`).
    public func manualSeed(_ seed: UInt64) {
        lock.withLock {
            self.seed = seed
            offset = 0
            bufferIndex = 4
        }
    }

    /// The state as (seed, offset, position within block) (`get_state`).
    public var state: [UInt64] {
        get { lock.withLock { [seed, offset, UInt64(bufferIndex)] } }
        set {
            lock.withLock {
                seed = newValue[0]
                offset = newValue[1]
                let idx = Int(newValue[2])
                if idx < 4 && offset > 0 {
                    buffer = Generator.philox(counter: offset - 1, key: seed)
                }
                bufferIndex = idx
            }
        }
    }

    @inline(__always)
    static func philox(counter: UInt64, key: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c0 = UInt32(truncatingIfNeeded: counter), c1 = UInt32(truncatingIfNeeded: counter >> 32)
        var c2: UInt32 = 0, c3: UInt32 = 0
        var k0 = UInt32(truncatingIfNeeded: key), k1 = UInt32(truncatingIfNeeded: key >> 32)
        for _ in 0..<10 {
            let p0 = UInt64(0xD2511F53) &* UInt64(c0)
            let p1 = UInt64(0xCD9E8D57) &* UInt64(c2)
            let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0
            let n1 = UInt32(truncatingIfNeeded: p1)
            let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1
            let n3 = UInt32(truncatingIfNeeded: p0)
            c0 = n0; c1 = n1; c2 = n2; c3 = n3
            k0 = k0 &+ 0x9E3779B9
            k1 = k1 &+ 0xBB67AE85
        }
        return (c0, c1, c2, c3)
    }

    /// The next 32 random bits.
    @inline(__always)
    func next32() -> UInt32 {
        if bufferIndex >= 4 {
            buffer = Generator.philox(counter: offset, key: seed)
            offset &+= 1
            bufferIndex = 0
        }
        defer { bufferIndex += 1 }
        switch bufferIndex {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    func next64() -> UInt64 { UInt64(next32()) << 32 | UInt64(next32()) }

    /// Uniform in [0, 1) with 24 random bits (float) or 53 (double).
    func uniformFloat() -> Float { Float(next32() >> 8) * (1.0 / 16777216.0) }
    func uniformDouble() -> Double { Double(next64() >> 11) * (1.0 / 9007199254740992.0) }

    /// Fills `out` with what `count` calls of `uniformFloat()` would return (or, with
    /// `mask`, `u < keep ? scale : 0` for each), drawing whole blocks in parallel.
    func fillUniformFloats(_ out: UnsafeMutablePointer<Float>, count: Int, mask: (keep: Float, scale: Float)? = nil) {
        lock.withLock {
            let keep = mask?.keep ?? 0, scale = mask?.scale ?? 0, asMask: Int32 = mask == nil ? 0 : 1
            func one() -> Float {
                let u = uniformFloat()
                return mask == nil ? u : (u < keep ? scale : 0)
            }
            var i = 0
            while i < count && bufferIndex < 4 {
                out[i] = one()
                i += 1
            }
            let blocks = (count - i) / 4
            if blocks > 0 {
                let base = out + i, seed = self.seed, start = offset
                Threading.parallelFor(blocks, grain: 4096) { s, e in
                    st_philox_uniform_f32(seed, start &+ UInt64(s), Int64(e - s), base + 4 * s, keep, scale, asMask)
                }
                offset &+= UInt64(blocks)
                i += 4 * blocks
            }
            while i < count {
                out[i] = one()
                i += 1
            }
        }
    }

    /// Fills `count` values by calling `body` with a locked generator.
    func withLock<R>(_ body: () -> R) -> R { lock.withLock(body) }

    /// The default generator (`torch.default_generator`).
    nonisolated(unsafe) public static let `default` = Generator()
}

/// Seeds the default generator (`torch.manual_seed`).
public func manualSeed(_ seed: UInt64) { Generator.default.manualSeed(seed) }

#if canImport(Glibc)
import Glibc
#endif

final class SpinLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    @inline(__always)
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

extension Tensor {
    /// Fills a contiguous float tensor from `sample`, run with the generator locked.
    func fillRandom(_ g: Generator, _ sample: () -> Double) {
        g.withLock {
            switch dtype {
            case .float32:
                let p = pointer(as: Float.self)
                for i in 0..<numel { p[i] = Float(sample()) }
            case .float64:
                let p = pointer(as: Double.self)
                for i in 0..<numel { p[i] = sample() }
            default:
                withTypedPointer { _, store in
                    for i in 0..<numel { store(i, .double(sample())) }
                }
            }
        }
    }

    /// Uniform values in [0, 1) (`torch.rand`).
    public static func rand(_ shape: [Int], dtype: DType = .defaultFloat, generator: Generator? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try checkShape(shape, op: "rand")
            try check(dtype.isFloatingPoint, "\"check_uniform_bounds\" not implemented for '\(dtype.legacyScalarName)'")
            let t = Tensor(uninitializedShape: shape, dtype: dtype)
            let g = generator ?? .default
            if dtype == .float64 {
                t.fillRandom(g) { g.uniformDouble() }
            } else if dtype == .float32 {
                g.fillUniformFloats(t.pointer(as: Float.self), count: t.numel)
            } else {
                t.fillRandom(g) { Double(g.uniformFloat()) }
            }
            return t
        }
    }

    /// Standard normal values (`torch.randn`), by the Box-Muller transform.
    public static func randn(_ shape: [Int], dtype: DType = .defaultFloat, generator: Generator? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try checkShape(shape, op: "randn")
            try check(dtype.isFloatingPoint, "\"normal_kernel_cpu\" not implemented for '\(dtype.legacyScalarName)'")
            let t = Tensor(uninitializedShape: shape, dtype: dtype)
            t.fillNormal(mean: 0, std: 1, generator: generator ?? .default)
            return t
        }
    }

    func fillNormal(mean: Double, std: Double, generator g: Generator) {
        var spare: Double? = nil
        fillRandom(g) {
            if let s = spare { spare = nil; return mean + std * s }
            let u1 = 1 - g.uniformDouble(), u2 = g.uniformDouble()
            let r = (-2 * _log(u1)).squareRoot()
            spare = r * _sin(2 * Double.pi * u2)
            return mean + std * r * _cos(2 * Double.pi * u2)
        }
    }

    /// Integers uniform in [low, high) (`torch.randint`).
    public static func randint(low: Int = 0, high: Int, _ shape: [Int], dtype: DType = .int64, generator: Generator? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try checkShape(shape, op: "randint")
            try check(high > low, "random_ expects 'from' to be less than 'to', but got from=\(low) >= to=\(high)")
            let t = Tensor(uninitializedShape: shape, dtype: dtype)
            let g = generator ?? .default
            let range = UInt64(high - low)
            t.fillRandom(g) { Double(low + Int(g.next64() % range)) }
            return t
        }
    }

    /// A random permutation of 0..<n (`torch.randperm`).
    public static func randperm(_ n: Int, dtype: DType = .int64, generator: Generator? = nil) -> Tensor {
        let g = generator ?? .default
        var values = (0..<n).map { Int64($0) }
        g.withLock {
            if n > 1 {
                for i in Swift.stride(from: n - 1, to: 0, by: -1) {
                    let j = Int(g.next64() % UInt64(i + 1))
                    values.swapAt(i, j)
                }
            }
        }
        return Tensor(values, shape: [n]).to(dtype)
    }

    /// Normal values with the given mean and standard deviation (`torch.normal`).
    public static func normal(mean: Double, std: Double, _ shape: [Int], dtype: DType = .defaultFloat, generator: Generator? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(std >= 0, "normal expects std >= 0.0, but found std \(std)")
            let t = Tensor(uninitializedShape: shape, dtype: dtype)
            t.fillNormal(mean: mean, std: std, generator: generator ?? .default)
            return t
        }
    }

    /// 1 with probability self[i], else 0 (`bernoulli`).
    public func bernoulli(generator: Generator? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(dtype.isFloatingPoint, "bernoulli: expected a floating point tensor of probabilities")
            let p = self.to(.float64).contiguous().toArray(Double.self)
            for v in p where !(v >= 0 && v <= 1) {
                throw TorchError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
            }
            let g = generator ?? .default
            let out = Tensor(uninitializedShape: shape, dtype: dtype)
            var i = 0
            out.fillRandom(g) {
                defer { i += 1 }
                return g.uniformDouble() < p[i] ? 1 : 0
            }
            return out
        }
    }

    /// Bernoulli samples with probability `p` in self's shape (`bernoulli(p)`).
    public func bernoulli(p: Double, generator: Generator? = nil) -> Tensor {
        Tensor.full(shape, .double(p), dtype: dtype.isFloatingPoint ? dtype : .defaultFloat).bernoulli(generator: generator)
    }

    /// Indices sampled from the rows of non-negative weights (`multinomial`).
    public func multinomial(_ numSamples: Int, replacement: Bool = false, generator: Generator? = nil) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try check(rank == 1 || rank == 2, "prob_dist must be 1 or 2 dim")
            try check(dtype.isFloatingPoint, "multinomial only supports floating-point dtypes for input, got: \(dtype.legacyScalarName)")
            let rows = rank == 1 ? 1 : shape[0], n = shape[rank - 1]
            try check(numSamples > 0, "cannot sample n_sample <= 0 samples")
            try check(replacement || numSamples <= n, "cannot sample n_sample > prob_dist.size(-1) samples without replacement")
            let w = to(.float64).contiguous().toArray(Double.self)
            for v in w { try check(v >= 0 && v.isFinite, "probability tensor contains either `inf`, `nan` or element < 0") }
            let g = generator ?? .default
            var out: [Int64] = []
            for r in 0..<rows {
                var weights = Array(w[(r * n)..<((r + 1) * n)])
                try check(weights.reduce(0, +) > 0, "invalid multinomial distribution (sum of probabilities <= 0)")
                for _ in 0..<numSamples {
                    let total = weights.reduce(0, +)
                    let u = g.withLock { g.uniformDouble() } * total
                    var acc = 0.0, pick = n - 1
                    for (i, wv) in weights.enumerated() where wv > 0 {
                        acc += wv
                        if u < acc { pick = i; break }
                    }
                    out.append(Int64(pick))
                    if !replacement { weights[pick] = 0 }
                }
            }
            return Tensor(out, shape: rank == 1 ? [numSamples] : [rows, numSamples])
        }
    }

    /// Fills with uniform values in [from, to) (`uniform_`).
    @discardableResult
    public func uniform_(from lo: Double = 0, to hi: Double = 1, generator: Generator? = nil) -> Tensor {
        let g = generator ?? .default
        let tmp = Tensor(uninitializedShape: shape, dtype: dtype)
        if dtype == .float64 { tmp.fillRandom(g) { lo + (hi - lo) * g.uniformDouble() } }
        else { tmp.fillRandom(g) { lo + (hi - lo) * Double(g.uniformFloat()) } }
        withNoGrad { backend(for: device).copy(tmp, into: self) }
        storage.version &+= 1
        return self
    }

    /// Fills with normal values (`normal_`).
    @discardableResult
    public func normal_(mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
        let tmp = Tensor(uninitializedShape: shape, dtype: dtype)
        tmp.fillNormal(mean: mean, std: std, generator: generator ?? .default)
        withNoGrad { backend(for: device).copy(tmp, into: self) }
        storage.version &+= 1
        return self
    }

    public static func randLike(_ t: Tensor) -> Tensor { rand(t.shape, dtype: t.dtype) }
    public static func randnLike(_ t: Tensor) -> Tensor { randn(t.shape, dtype: t.dtype) }
}

@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }

extension Tensor {
    /// Dropout's float32 mask: 1 / keepProbability where `rand < keepProbability`, else 0,
    /// drawing the same numbers as `Tensor.rand(shape)` would.
    public static func dropoutMask(_ shape: [Int], keepProbability keep: Double, generator: Generator? = nil) -> Tensor {
        let t = Tensor(uninitializedShape: shape, dtype: .float32)
        (generator ?? .default).fillUniformFloats(t.pointer(as: Float.self), count: t.numel,
                                                 mask: (Float(keep), 1 / Float(keep)))
        return t
    }
}
