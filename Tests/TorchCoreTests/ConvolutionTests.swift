import Testing
import Torch

/// Convolution and pooling: float64 gradchecks, and values from PyTorch.
struct ConvolutionTests {
    static func input(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed)).requiresGrad_()
    }

    @Test func conv2dGradients() throws {
        try gradcheck({ F.conv2d($0[0], $0[1], bias: $0[2], stride: [2, 1], padding: .explicit([1]), dilation: [1, 2]) },
                      inputs: [Self.input([2, 2, 5, 6], seed: 1), Self.input([3, 2, 3, 2], seed: 2), Self.input([3], seed: 3)])
        try gradcheck({ F.conv2d($0[0], $0[1], padding: .same, groups: 2) },
                      inputs: [Self.input([1, 4, 4, 4], seed: 4), Self.input([2, 2, 3, 3], seed: 5)])
    }

    /// float32 runs the fused (oneDNN) kernels; float64 runs im2col + GEMM. Both must
    /// agree in value and in first- and second-order gradients.
    @Test(arguments: [
        // input shape, weight shape, stride, padding, dilation, groups
        ([2, 3, 7, 6], [4, 3, 3, 3], [1, 1], [1, 1], [1, 1], 1),
        ([3, 4, 9, 8], [6, 2, 3, 2], [2, 1], [0, 1], [1, 2], 2),
        ([1, 1, 8, 8], [16, 1, 3, 3], [1, 1], [1, 1], [1, 1], 1),
        ([2, 6, 5, 5], [6, 1, 3, 3], [2, 2], [1, 1], [1, 1], 6),
        ([2, 8, 6, 7], [5, 8, 1, 1], [1, 1], [0, 0], [1, 1], 1),
    ])
    func fusedFloat32MatchesComposite(_ c: ([Int], [Int], [Int], [Int], [Int], Int)) {
        let (xs, ws, stride, padding, dilation, groups) = c
        let g = Generator(seed: 21)
        let x64 = Tensor.randn(xs, dtype: .float64, generator: g), w64 = Tensor.randn(ws, dtype: .float64, generator: g)
        let b64 = Tensor.randn([ws[0]], dtype: .float64, generator: g)
        func run(_ dtype: DType) -> [Tensor] {
            let x = x64.to(dtype).requiresGrad_(), w = w64.to(dtype).requiresGrad_(), b = b64.to(dtype).requiresGrad_()
            let y = F.conv2d(x, w, bias: b, stride: stride, padding: .explicit(padding), dilation: dilation, groups: groups)
            let gy = Tensor.randn(y.shape, dtype: .float64, generator: Generator(seed: 5)).to(dtype)
            let grads = grad(outputs: [y], inputs: [x, w, b], gradOutputs: [gy], retainGraph: true)
            // a second-order term, d/dw of sum(gx^2), through the graph-building backward
            let gx = grad(of: y, withRespectTo: x, gradOutput: gy, createGraph: true)!
            let gw2 = grad(of: (gx * gx).sum(), withRespectTo: w)!
            return [y] + grads.map { $0! } + [gw2]
        }
        let fused = run(.float32), reference = run(.float64)
        for (a, b) in zip(fused, reference) {
            #expect(a.shape == b.shape)
            #expect(a.to(.float64).allclose(b, rtol: 1e-4, atol: 1e-4))
        }
    }

    /// bfloat16 convolution (oneDNN's bf16 kernels where the CPU has them) against the
    /// float64 composite on the same bf16 values: output and all three gradients within
    /// bfloat16 rounding of the exact result.
    @Test(arguments: [
        ([2, 16, 9, 9], [32, 16, 3, 3], 1),
        ([2, 8, 7, 6], [8, 4, 3, 3], 2),
    ])
    func bfloat16MatchesFloat64(_ c: ([Int], [Int], Int)) {
        let (xs, ws, groups) = c
        let g = Generator(seed: 31)
        let x16 = Tensor.randn(xs, generator: g).to(.bfloat16), w16 = (Tensor.randn(ws, generator: g) * 0.2).to(.bfloat16)
        let b16 = Tensor.randn([ws[0]], generator: g).to(.bfloat16)
        func run(_ dtype: DType) -> [Tensor] {
            let x = x16.to(dtype).requiresGrad_(), w = w16.to(dtype).requiresGrad_(), b = b16.to(dtype).requiresGrad_()
            let y = F.conv2d(x, w, bias: b, padding: .explicit([1]), groups: groups)
            let gy = Tensor.randn(y.shape, generator: Generator(seed: 7)).to(.bfloat16).to(dtype)
            let grads = grad(outputs: [y], inputs: [x, w, b], gradOutputs: [gy])
            return [y] + grads.map { $0! }
        }
        let got = run(.bfloat16), reference = run(.float64)
        for (name, (a, b)) in zip(["y", "gx", "gw", "gb"], zip(got, reference)) {
            #expect(a.dtype == .bfloat16 && a.shape == b.shape, "\(name)")
            let scale = b.abs().max().item(Double.self)
            #expect(a.to(.float64).allclose(b, rtol: 1e-2, atol: 1e-2 * scale), "\(name)")
        }
    }

    @Test func conv1dAndTransposedGradients() throws {
        try gradcheck({ F.conv1d($0[0], $0[1], bias: $0[2], stride: [2], padding: .explicit([1])) },
                      inputs: [Self.input([2, 3, 7], seed: 6), Self.input([4, 3, 3], seed: 7), Self.input([4], seed: 8)])
        try gradcheck({ F.convTranspose2d($0[0], $0[1], bias: $0[2], stride: [2], padding: [1], outputPadding: [1]) },
                      inputs: [Self.input([1, 2, 3, 3], seed: 9), Self.input([2, 3, 3, 3], seed: 10), Self.input([3], seed: 11)])
    }

    @Test func poolingGradients() throws {
        let x = Self.input([2, 2, 5, 5], seed: 12)
        try gradcheck({ F.maxPool2d($0[0], kernelSize: [3], stride: [2], padding: [1]) }, inputs: [x])
        try gradcheck({ F.maxPool2d($0[0], kernelSize: [2], ceilMode: true) }, inputs: [x])
        try gradcheck({ F.avgPool2d($0[0], kernelSize: [3], stride: [2], padding: [1], countIncludePad: false) }, inputs: [x])
        try gradcheck({ F.avgPool2d($0[0], kernelSize: [2], ceilMode: true) }, inputs: [x])
        try gradcheck({ F.adaptiveAvgPool2d($0[0], outputSize: [2, 3]) }, inputs: [x])
        try gradcheck({ F.adaptiveMaxPool2d($0[0], outputSize: [2, 2]) }, inputs: [x])
        try gradcheck({ F.maxPool1d($0[0], kernelSize: 2) }, inputs: [Self.input([2, 3, 8], seed: 13)])
        try gradgradcheck({ F.conv2d($0[0], $0[1]) }, inputs: [Self.input([1, 1, 4, 4], seed: 14), Self.input([2, 1, 2, 2], seed: 15)])
    }

    @Test func poolingValuesMatchPyTorch() {
        // torch.nn.functional.avg_pool2d(torch.arange(16.).view(1,1,4,4), 3, stride=2, padding=1, ceil_mode=True)
        let x = Tensor.arange(0.0, 16.0).view([1, 1, 4, 4])
        let ceil = F.avgPool2d(x, kernelSize: [3], stride: [2], padding: [1], ceilMode: true)
        #expect(ceil.allclose(Tensor([1.1111111640930176, 2.6666667461395264, 1.6666666269302368, 5.666666507720947, 10.0, 5.5,
                                      4.166666507720947, 7.0, 3.75]).view([1, 1, 3, 3])))
        let incl = F.avgPool2d(x, kernelSize: [3], stride: [2], padding: [1])
        #expect(incl.allclose(Tensor([1.1111111640930176, 2.6666667461395264, 5.666666507720947, 10.0]).view([1, 1, 2, 2])))
        // F.max_pool2d(x, 2, ceil_mode=True) on a 5x5 arange -> [[6, 8, 9], [16, 18, 19], [21, 23, 24]]
        let y = Tensor.arange(0.0, 25.0).view([1, 1, 5, 5])
        #expect(F.maxPool2d(y, kernelSize: [2], ceilMode: true).toArray(Float.self) == [6, 8, 9, 16, 18, 19, 21, 23, 24])
        // F.adaptive_avg_pool2d(torch.arange(12.).view(1,1,3,4), (2, 3))
        let z = Tensor.arange(0.0, 12.0).view([1, 1, 3, 4])
        #expect(F.adaptiveAvgPool2d(z, outputSize: [2, 3]).toArray(Float.self) == [2.5, 3.5, 4.5, 6.5, 7.5, 8.5])
    }

    @Test func convErrorsNameTheShapes() {
        #expect(throws: TorchError("Given groups=1, weight of size [2, 2, 3, 3], expected input[1, 3, 5, 5] to have 2 channels, but got 3 channels instead")) {
            try withErrorCapture { _ = F.conv2d(Tensor.ones([1, 3, 5, 5]), Tensor.ones([2, 2, 3, 3])) }
        }
    }
}
