import Foundation
import Testing
import Torch

/// CPU autocast against PyTorch (Fixtures/autocast from scripts/gen_autocast_cases.py):
/// which ops run in the lower precision, which in float32, which keep their dtype, the
/// values, and the float32 gradients of a backward run after the autocast region.
struct AutocastTests {
    static let dir = Bundle.module.url(forResource: "Fixtures/autocast", withExtension: nil)!.path

    static func load(_ name: String) throws -> StateDict {
        try Safetensors.load("\(dir)/\(name).safetensors").tensors
    }

    /// Same dtype and shape; values within `rtol`/`atol` (compared in float64).
    static func expectClose(_ got: Tensor, _ expected: Tensor, rtol: Double, atol: Double, _ what: String) {
        #expect(got.dtype == expected.dtype, "\(what): dtype \(got.dtype), PyTorch \(expected.dtype)")
        #expect(got.shape == expected.shape, "\(what): shape \(got.shape), PyTorch \(expected.shape)")
        guard got.shape == expected.shape else { return }
        #expect(got.to(.float64).allclose(expected.to(.float64), rtol: rtol, atol: atol), "\(what): values differ from PyTorch")
    }

    /// A float32 input as a leaf that requires grad.
    static func leaf(_ data: StateDict, _ name: String) -> Tensor {
        data["input/\(name)"]!.clone().requiresGrad_()
    }

    @Test(arguments: [DType.bfloat16, .float16])
    func mlpRunsLinearInLowerPrecisionAndTheLossInFloat32(dtype: DType) throws {
        let data = try Self.load("mlp_\(dtype.name)")
        let x = Self.leaf(data, "x"), w1 = Self.leaf(data, "w1"), b1 = Self.leaf(data, "b1")
        let w2 = Self.leaf(data, "w2"), b2 = Self.leaf(data, "b2")
        let (h, y, loss) = withAutocast(dtype: dtype) {
            #expect(Autocast.isEnabled() && Autocast.dtype() == dtype)
            let h = F.relu(F.linear(x, w1, bias: b1))
            let y = F.linear(h, w2, bias: b2)
            return (h, y, F.crossEntropy(y, data["input/target"]!))
        }
        #expect(!Autocast.isEnabled())
        Self.expectClose(h, data["output/h"]!, rtol: 1e-2, atol: 1e-2, "h")
        Self.expectClose(y, data["output/y"]!, rtol: 1e-2, atol: 1e-2, "y")
        Self.expectClose(loss, data["output/loss"]!, rtol: 1e-2, atol: 1e-3, "loss")
        loss.backward()
        for (name, t) in [("x", x), ("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)] {
            Self.expectClose(t.grad!, data["grad/\(name)"]!, rtol: 3e-2, atol: 3e-3, "grad \(name)")
        }
    }

    @Test func convolutionInBFloat16AndMSELossInFloat32() throws {
        let data = try Self.load("conv")
        let x = Self.leaf(data, "x"), w = Self.leaf(data, "w"), b = Self.leaf(data, "b")
        let (y, loss) = withAutocast {
            let y = F.conv2d(x, w, bias: b, padding: .explicit([1]))
            return (y, F.mseLoss(y, data["input/target"]!))
        }
        Self.expectClose(y, data["output/y"]!, rtol: 1e-2, atol: 1e-2, "y")
        Self.expectClose(loss, data["output/loss"]!, rtol: 1e-2, atol: 1e-3, "loss")
        loss.backward()
        for (name, t) in [("x", x), ("w", w), ("b", b)] {
            Self.expectClose(t.grad!, data["grad/\(name)"]!, rtol: 3e-2, atol: 3e-3, "grad \(name)")
        }
    }

    @Test func normalizationKeepsBFloat16ActivationsAndFloat32Statistics() throws {
        let data = try Self.load("norms")
        let x = Self.leaf(data, "x"), w = Self.leaf(data, "w")
        let bnW = Self.leaf(data, "bn_w"), bnB = Self.leaf(data, "bn_b"), lnW = Self.leaf(data, "ln_w"), lnB = Self.leaf(data, "ln_b")
        let runningMean = Tensor.zeros([4]), runningVar = Tensor.ones([4])
        let (z, e, n, loss) = withAutocast {
            let y = F.conv2d(x, w, padding: .explicit([1]))
            let z = F.batchNorm(y, runningMean: runningMean, runningVar: runningVar, weight: bnW, bias: bnB, training: true)
            let e = F.batchNorm(y, runningMean: runningMean, runningVar: runningVar, weight: bnW, bias: bnB, training: false)
            let n = F.layerNorm(z, normalizedShape: [5], weight: lnW, bias: lnB)
            let n32 = n.to(.float32)
            return (z, e, n, (n32 * n32).mean() + e.to(.float32).mean())
        }
        for (name, t) in [("z", z), ("e", e), ("n", n)] {
            Self.expectClose(t, data["output/\(name)"]!, rtol: 2e-2, atol: 3e-2, name)
        }
        Self.expectClose(runningMean, data["output/running_mean"]!, rtol: 1e-2, atol: 1e-3, "running mean")
        Self.expectClose(runningVar, data["output/running_var"]!, rtol: 1e-2, atol: 1e-3, "running var")
        Self.expectClose(loss, data["output/loss"]!, rtol: 1e-2, atol: 1e-3, "loss")
        loss.backward()
        for (name, t) in [("x", x), ("w", w), ("bn_w", bnW), ("bn_b", bnB), ("ln_w", lnW), ("ln_b", lnB)] {
            Self.expectClose(t.grad!, data["grad/\(name)"]!, rtol: 3e-2, atol: 3e-3, "grad \(name)")
        }
    }

    @Test func whichOpsChangeDType() throws {
        let data = try Self.load("products")
        func input(_ name: String) -> Tensor { data["input/\(name)"]! }
        let out: [String: Tensor] = withAutocast(.cpu, dtype: .bfloat16) {
            var out = [
                "mm": input("a").mm(input("b")), "matmul": input("c").matmul(input("d")), "bmm": input("c").bmm(input("d")),
                "addmm": input("bias").addmm(input("a"), input("b")), "dot": input("u").dot(input("v")),
                "mm64": input("a64").mm(input("b64")), "add": input("a") + 1,
                "sdpa": F.scaledDotProductAttention(input("q"), input("k"), input("val")),
                "prelu": F.prelu(input("px"), weight: input("pw")),
                "prod": input("p").to(.bfloat16).prod(dim: 1),
                "pad": F.pad(input("px").to(.bfloat16), pad: [1, 2], mode: "reflect"),
            ]
            out["mm_disabled"] = withAutocast(enabled: false) { input("a").mm(input("b")) }
            return out
        }
        for (name, t) in out.sorted(by: { $0.key < $1.key }) {
            let expected = data["output/\(name)"]!
            let exact = expected.dtype == .float32 || expected.dtype == .float64
            Self.expectClose(t, expected, rtol: exact ? 1e-5 : 1e-2, atol: exact ? 1e-5 : 1e-2, name)
        }
    }

    @Test func lstmRunsInBFloat16() throws {
        let data = try Self.load("lstm")
        let lstm = LSTM(4, 5)
        try lstm.loadStateDict(StateDict([
            ("weight_ih_l0", data["input/w_ih"]!), ("weight_hh_l0", data["input/w_hh"]!),
            ("bias_ih_l0", data["input/b_ih"]!), ("bias_hh_l0", data["input/b_hh"]!),
        ]))
        let state = (h: data["input/h0"]!, c: data["input/c0"]!)
        let (y, h, c) = withAutocast { lstm(data["input/x"]!, state) }
        Self.expectClose(y, data["output/y"]!, rtol: 2e-2, atol: 2e-2, "output")
        Self.expectClose(h, data["output/h"]!, rtol: 2e-2, atol: 2e-2, "h")
        Self.expectClose(c, data["output/c"]!, rtol: 2e-2, atol: 2e-2, "c")
    }

    @Test func unsupportedSettingsLeaveAutocastOff() {
        let a = Tensor.randn([2, 3]), b = Tensor.randn([3, 2])
        #expect(withAutocast(dtype: .float32) { a.mm(b) }.dtype == .float32)
        #expect(withAutocast(.cuda) { a.mm(b) }.dtype == .float32)
        #expect(withAutocast { withAutocast(enabled: false) { Autocast.isEnabled() } } == false)
        #expect(withAutocast { a.mm(b) }.dtype == .bfloat16)
    }
}
