import Foundation
import CTorchKernels
import Testing
import Torch

/// float32 runs the fused kernels (layer norm, GELU); float64 runs the composite
/// reference. Values, first-order gradients (fused backward) and a second-order term
/// (graph-building backward) must agree.
struct FusedKernelTests {
    static func compare(_ shapes: [[Int]], seed: UInt64, rtol: Double = 1e-4, atol: Double = 1e-4,
                        secondOrder: Bool = true, _ f: ([Tensor]) -> Tensor) {
        let g = Generator(seed: seed)
        let base = shapes.map { Tensor.randn($0, dtype: .float64, generator: g) }
        func run(_ dtype: DType) -> [Tensor] {
            let inputs = base.map { $0.to(dtype).requiresGrad_() }
            let y = f(inputs)
            let gy = Tensor.randn(y.shape, dtype: .float64, generator: Generator(seed: seed + 1)).to(dtype)
            let grads = grad(outputs: [y], inputs: inputs, gradOutputs: [gy], retainGraph: true)
            guard secondOrder else { return [y] + grads.map { $0! } }
            let gx = grad(of: y, withRespectTo: inputs[0], gradOutput: gy, createGraph: true)!
            let second = grad(outputs: [(gx * gx).sum()], inputs: inputs, allowUnused: true)
            return [y] + grads.map { $0! } + second.compactMap { $0 }
        }
        let fused = run(.float32), reference = run(.float64)
        #expect(fused.count == reference.count)
        for (a, b) in zip(fused, reference) {
            #expect(a.shape == b.shape)
            #expect(a.to(.float64).allclose(b, rtol: rtol, atol: atol), "max difference \((a.to(.float64) - b).abs().max().item(Double.self))")
        }
    }

    @Test func layerNormWithAffine() {
        Self.compare([[4, 5, 24], [24], [24]], seed: 1) { F.layerNorm($0[0], normalizedShape: [24], weight: $0[1], bias: $0[2]) }
        Self.compare([[3, 4, 6], [4, 6], [4, 6]], seed: 2) { F.layerNorm($0[0], normalizedShape: [4, 6], weight: $0[1], bias: $0[2]) }
    }

    @Test func layerNormWithoutAffine() {
        Self.compare([[7, 33]], seed: 3) { F.layerNorm($0[0], normalizedShape: [33]) }
        Self.compare([[5]], seed: 4) { F.layerNorm($0[0], normalizedShape: [5]) }
    }

    @Test func batchNormTraining() {
        Self.compare([[4, 3, 5, 6], [3], [3]], seed: 12) { $0[0].batchNormTraining(weight: $0[1], bias: $0[2], eps: 1e-5).output }
        Self.compare([[6, 4]], seed: 13) { $0[0].batchNormTraining(weight: nil, bias: nil, eps: 1e-3).output }
        let x = Tensor.randn([5, 3, 4], dtype: .float64, generator: Generator(seed: 14))
        let fused = x.to(.float32).batchNormTraining(weight: nil, bias: nil, eps: 1e-5)
        #expect(fused.mean.to(.float64).allclose(x.mean(dims: [0, 2]), atol: 1e-6))
        #expect(fused.variance.to(.float64).allclose(x.variance(dims: [0, 2], correction: 0), atol: 1e-5))
    }

    @Test func channelAndColumnSums() {
        let x = Tensor.randn([3, 5, 7, 9], dtype: .float64, generator: Generator(seed: 11))
        for dims in [[0, 2, 3], [0, 3], [0], [0, 1], [2, 3], [0, 1, 3]] {
            let fused = x.to(.float32).sum(dims: dims).to(.float64), reference = x.sum(dims: dims)
            #expect(fused.allclose(reference, rtol: 1e-5, atol: 1e-5), "dims \(dims)")
        }
    }

    @Test(arguments: [Reduction.mean, .sum, .none])
    func nllLoss(reduction: Reduction) {
        let target = Tensor([2, 0, -100, 3, 1, 2] as [Int64], shape: [6])
        let weight = Tensor([0.5, 2, 1, 1.5], shape: [4])
        Self.compare([[6, 4]], seed: 15) { F.crossEntropy($0[0], target, reduction: reduction) }
        Self.compare([[6, 4]], seed: 16) { F.nllLoss($0[0].logSoftmax(dim: 1), target, weight: weight.to($0[0].dtype), reduction: reduction) }
        let spatial = Tensor([0, 2, 1, 1, 2, 0, -100, 1] as [Int64], shape: [2, 2, 2])
        Self.compare([[2, 3, 2, 2]], seed: 17) { F.crossEntropy($0[0], spatial, weight: weight[0..<3].to($0[0].dtype), reduction: reduction) }
    }

    @Test func nllLossOfOnlyIgnoredTargetsIsNaNWithZeroGradient() {
        for dtype in [DType.float32, .float64] {
            let x = Tensor.randn([3, 4], dtype: dtype).requiresGrad_()
            let loss = F.crossEntropy(x, Tensor([-100, -100, -100] as [Int64], shape: [3]))
            loss.backward()
            #expect(loss.item(Double.self).isNaN)
            #expect(x.grad!.abs().sum().item(Double.self) == 0)
        }
    }

    @Test func reluBackwardPassesNaNLikePyTorch() {
        // torch.relu(x).sum().backward() for x = [nan, -1, 0, 2, 0.5 x 20] gives [1, 0, 0, 1, 1 x 20]
        for dtype in [DType.float32, .float64] {
            let x = Tensor([Double.nan, -1, 0, 2] + [Double](repeating: 0.5, count: 20), shape: [24]).to(dtype).requiresGrad_()
            F.relu(x).sum().backward()
            #expect(x.grad!.to(.float64).toArray(Double.self) == [1, 0, 0, 1] + [Double](repeating: 1, count: 20))
        }
    }

    @Test(arguments: [15, 16, 63, 64, 65, 200, 70_001])
    func extremaOfLongVectors(count: Int) {
        let values = Tensor.randn([count], generator: Generator(seed: UInt64(count))).toArray(Float.self)
        let x = Tensor(values, shape: [count])
        #expect(x.max().item(Float.self) == values.max()!)
        #expect(x.min().item(Float.self) == values.min()!)
        for position in Set([0, count / 2, count - 1]) {
            var withNaN = values
            withNaN[position] = .nan
            #expect(Tensor(withNaN, shape: [count]).max().item(Float.self).isNaN, "NaN at \(position)")
            #expect(Tensor(withNaN, shape: [count]).min().item(Float.self).isNaN, "NaN at \(position)")
        }
    }

    /// The vector tanh across its polynomial range, the tiny-|x| branch, the saturated tails and the specials.
    @Test func tanhAcrossItsRange() {
        let specials: [Double] = [.infinity, -.infinity, 100, -100, 9, -9, 7.9, -7.9, 7.91, -7.91, 8.5, -9.0, 9.05,
                                  1e-5, -1e-5, 3.9e-4, 4.1e-4, 0.5, -0.5, 1e30, -1e30]
        let sweep = (0..<200).map { -10 + Double($0) * 0.1 }
        let values = (specials + sweep).map { Float($0) }
        let x = Tensor(values, shape: [values.count])
        let got = x.tanh().toArray(Float.self)
        let reference = x.to(.float64).tanh().toArray(Double.self)
        // within about two float32 ulps of the exact value
        for (index, value) in got.enumerated() {
            let expected = reference[index]
            #expect(abs(Double(value) - expected) <= 2.5e-7 * max(abs(expected), 1e-30), "tanh(\(values[index])) = \(value), expected \(expected)")
        }
        #expect(got[0] == 1 && got[1] == -1)
        let signedZero = Tensor([Float(-0.0), 0, .nan, -.nan], shape: [4]).tanh().toArray(Float.self)
        #expect(signedZero[0] == 0 && signedZero[0].sign == .minus && signedZero[1].sign == .plus)
        let nans = signedZero[2...]
        #expect(nans.allSatisfy { $0.isNaN })
    }

    /// Outputs past the streaming threshold (lowered here) take the non-temporal store
    /// loops, with unaligned chunk starts, and give the same values.
    @Test func largeElementwiseOutputs() {
        let saved = st_stream_min_floats()
        st_set_stream_min_floats(1000)
        defer { st_set_stream_min_floats(saved) }
        let n = 100_003
        let a = Tensor.randn([n], dtype: .float64, generator: Generator(seed: 21))
        let b = Tensor.randn([n], dtype: .float64, generator: Generator(seed: 22))
        let a32 = a.to(.float32), b32 = b.to(.float32)
        let exact = a32.to(.float64), other = b32.to(.float64)
        #expect((a32 + b32).to(.float64).allclose(exact + other, rtol: 1e-6, atol: 1e-6))
        #expect((a32 * b32).to(.float64).allclose(exact * other, rtol: 1e-6, atol: 1e-6))
        #expect((a32 / 2).to(.float64).allclose(exact / 2, rtol: 1e-6, atol: 0))
        #expect(a32.exp().to(.float64).allclose(exact.exp(), rtol: 1e-6, atol: 0))
        #expect(F.relu(a32).to(.float64).allclose(F.relu(exact), rtol: 0, atol: 0))
        #expect(F.gelu(a32).to(.float64).allclose(F.gelu(exact), rtol: 1e-5, atol: 1e-6))
    }

    /// bfloat16 products (oneDNN's bf16 kernels where the CPU has them) round the exact
    /// product of the bf16 operands once: within one bf16 rounding of float64.
    @Test(arguments: [(1, 64, 64, 64), (3, 33, 47, 29), (1, 200, 300, 150)])
    func bfloat16Matmul(_ s: (Int, Int, Int, Int)) {
        let (batch, m, k, n) = s
        let g = Generator(seed: UInt64(m * k))
        let a = Tensor.randn([batch, m, k], generator: g).to(.bfloat16)
        let bt = Tensor.randn([batch, n, k], generator: g).to(.bfloat16)
        for b in [bt.transpose(1, 2), bt.transpose(1, 2).contiguous()] {
            let got = a.matmul(b)
            #expect(got.dtype == .bfloat16)
            let exact = a.to(.float64).matmul(b.to(.float64))
            let scale = a.to(.float64).abs().matmul(b.to(.float64).abs())
            let error = (got.to(.float64) - exact).abs()
            #expect((error - (scale * 1e-5 + exact.abs() * 0.0079)).max().item(Double.self) <= 0)
        }
    }

    /// bfloat16 elementwise kernels (AVX-512) against BFloat16(Float) of the float32
    /// result: exact for arithmetic, rounding ties, NaN and infinities, masked tails and
    /// broadcast scalars; transcendental ops within one bfloat16 step of it.
    @Test(arguments: [5, 16, 37, 1000])
    func bfloat16Elementwise(count: Int) {
        let specials: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1.00390625, 1.01171875, 3.0e38, -1e-40]
        let g = Generator(seed: UInt64(count))
        let av = (Array(specials.prefix(count)) + Tensor.randn([max(0, count - specials.count)], generator: g).toArray(Float.self))
            .map { BFloat16($0) }
        let bv = Tensor.randn([count], generator: g).toArray(Float.self).map { BFloat16($0 * 2) }
        let a = Tensor(av, shape: [count]), b = Tensor(bv, shape: [count])
        func bits(_ t: Tensor) -> [UInt16] { t.toArray(BFloat16.self).map(\.bitPattern) }
        func expected(_ f: (Float, Float) -> Float) -> [UInt16] { zip(av, bv).map { BFloat16(f($0.float, $1.float)).bitPattern } }
        #expect(bits(a + b) == expected { $0 + $1 })
        #expect(bits(a - b) == expected { $0 - $1 })
        #expect(bits(a * b) == expected { $0 * $1 })
        #expect(bits(a / b) == expected { $0 / $1 })
        #expect(bits(a * 3) == expected { x, _ in x * 3 })
        #expect(bits(F.relu(a)) == expected { x, _ in x.isNaN ? x : max(x, 0) })
        #expect(bits(-a) == expected { x, _ in -x })
        #expect(bits(a.to(.float32).to(.bfloat16)) == av.map(\.bitPattern))
        #expect(a.to(.float32).toArray(Float.self).map(\.bitPattern) == av.map { $0.float.bitPattern })
        let wide = Tensor(av.map(\.float).map { $0 * 1.0001 }, shape: [count])
        #expect(bits(wide.to(.bfloat16)) == av.map { BFloat16($0.float * 1.0001).bitPattern })
        for (name, got, exact) in [("exp", a.exp(), av.map { Foundation.exp(Double($0.float)) }),
                                   ("tanh", a.tanh(), av.map { Foundation.tanh(Double($0.float)) })] {
            for (g, e) in zip(got.toArray(BFloat16.self), exact) {
                #expect(g.float.isNaN == e.isNaN, "\(name)")
                if !e.isNaN && e.isFinite { #expect(abs(Double(g.float) - e) <= abs(e) / 128 + 1e-38, "\(name)") }
            }
        }
    }

    /// neg flips the sign bit (PyTorch's -x): -0 for 0, on the vector path too.
    @Test func negationOfZeroIsNegativeZero() {
        let values: [Float] = [0, -0.0, 1, -2] + [Float](repeating: 3, count: 16)
        let negated = (-Tensor(values, shape: [values.count])).toArray(Float.self)
        #expect(negated.map(\.bitPattern) == values.map { (-$0).bitPattern })
    }

    @Test func gelu() {
        Self.compare([[3, 50]], seed: 5) { F.gelu($0[0] * 3) }
    }

    @Test func geluMatchesPyTorch() {
        // torch.nn.functional.gelu(torch.tensor([-4., -1.5, -0.1, 0., 0.3, 2., 5.])) and its gradient for ones
        let x = Tensor([-4, -1.5, -0.1, 0, 0.3, 2, 5] as [Float], shape: [7]).requiresGrad_()
        let y = F.gelu(x)
        y.sum().backward()
        let expected: [Double] = [-0.00012648106, -0.10021086, -0.046017218, 0, 0.18537344, 1.9544997, 4.999999]
        let expectedGrad: [Double] = [-0.00050362945, -0.12746915, 0.42047682, 0.5, 0.73232776, 1.0852319, 1.0000072]
        #expect(y.to(.float64).allclose(Tensor(expected, shape: [7]), rtol: 1e-5, atol: 1e-6))
        #expect(x.grad!.to(.float64).allclose(Tensor(expectedGrad, shape: [7]), rtol: 1e-5, atol: 1e-6))
    }

    /// One layer, both directions; outputs, final states and every gradient (with the
    /// final states feeding the loss too).
    @Test(arguments: [false, true])
    func lstmLayer(reverse: Bool) {
        let (t, b, i, h) = (5, 3, 4, 6)
        Self.compare([[t, b, i], [b, h], [b, h], [4 * h, i], [4 * h, h], [4 * h], [4 * h]], seed: reverse ? 8 : 9) { v in
            let r = Torch.lstmLayer(v[0], h0: v[1], c0: v[2], weightIH: v[3], weightHH: v[4], biasIH: v[5], biasHH: v[6], reverse: reverse)
            return Tensor.cat([r.output.reshape([-1]), r.h.reshape([-1]) * 2, r.c.reshape([-1]) * 3])
        }
    }

    @Test func lstmModuleBidirectionalStack() {
        manualSeed(3)
        let lstm = LSTM(4, 5, numLayers: 2, batchFirst: true, bidirectional: true)
        Self.compare([[3, 6, 4]], seed: 10, secondOrder: false) { v in
            lstm.to(dtype: v[0].dtype)
            let (out, h, c) = lstm(v[0])
            return Tensor.cat([out.reshape([-1]), h.reshape([-1]), c.reshape([-1])])
        }
    }
}

/// Bulk random draws must give exactly the per-element sequence, wherever a fill
/// starts inside a Philox block.
struct BulkRandomTests {
    @Test func bulkUniformMatchesElementwiseDraws() {
        for (prefix, count) in [(0, 1000), (1, 37), (3, 4099), (2, 5)] {
            let a = Generator(seed: 42), b = Generator(seed: 42)
            _ = Tensor.rand([prefix], dtype: .float64, generator: a)   // advance both the same way
            _ = Tensor.rand([prefix], dtype: .float64, generator: b)
            let bulk = Tensor.rand([count], dtype: .float32, generator: a).toArray(Float.self)
            let single = (0..<count).map { _ in Tensor.rand([1], dtype: .float32, generator: b).item(Float.self) }
            #expect(bulk == single)
            #expect(a.state == b.state)
        }
    }

    @Test func dropoutMaskMatchesRandThreshold() {
        let u = Tensor.rand([3, 1001], dtype: .float32, generator: Generator(seed: 7))
        let mask = Tensor.dropoutMask([3, 1001], keepProbability: 0.7, generator: Generator(seed: 7))
        let expected = (u < 0.7).to(.float32) / 0.7
        #expect(mask.equal(expected))
        let kept = mask.gt(0).to(.float64).mean().item(Double.self)
        #expect(abs(kept - 0.7) < 0.03)
    }
}
