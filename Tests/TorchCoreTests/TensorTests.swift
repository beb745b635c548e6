import Testing
import Torch

struct TensorTests {
    @Test func creationFromNestedArrays() {
        let t = Tensor([[1.0, 2.0], [3.0, 4.0]])
        #expect(t.shape == [2, 2] && t.dtype == .float32)
        #expect(Tensor([[1, 2, 3]]).dtype == .int64)
        #expect(Tensor([true, false]).dtype == .bool)
        #expect(Tensor([1.5], dtype: .float64).dtype == .float64)
        #expect(t.toArray(Float.self) == [1, 2, 3, 4])
        #expect(throws: TorchError.self) { try withErrorCapture { _ = Tensor([[1.0, 2.0], [3.0]]) } }
    }

    @Test func factories() {
        #expect(Tensor.zeros([2, 3]).toArray(Float.self) == [0, 0, 0, 0, 0, 0])
        #expect(Tensor.full([2], 7.5).toArray(Float.self) == [7.5, 7.5])
        #expect(Tensor.full([2], 7).dtype == .int64)
        #expect(Tensor.arange(0, 5).toArray(Int64.self) == [0, 1, 2, 3, 4])
        #expect(Tensor.arange(5, -3, step: -2).toArray(Int64.self) == [5, 3, 1, -1])
        #expect(Tensor.arange(0.0, 1.0, step: 0.25).toArray(Float.self) == [0, 0.25, 0.5, 0.75])
        #expect(Tensor.linspace(-1, 1, steps: 5).toArray(Float.self) == [-1, -0.5, 0, 0.5, 1])
        #expect(Tensor.eye(2, 3).toArray(Float.self) == [1, 0, 0, 0, 1, 0])
        #expect(Tensor.ones([2]).zerosLike().toArray(Float.self) == [0, 0])
    }

    @Test func typePromotionWithWeakScalars() {
        let i8 = Tensor([1, 2], dtype: .int8)
        #expect((i8 + 5).dtype == .int8)
        #expect((i8 * 2.5).dtype == .float32)
        #expect((Tensor([1, 2]) / 2).dtype == .float32)
        #expect((Tensor([1.0], dtype: .float16) + 2.5).dtype == .float16)
        #expect((Tensor([true]) + 1).dtype == .int64)
        #expect((Tensor([1], dtype: .uint8) + Tensor([1], dtype: .int8)).dtype == .int16)
        #expect((Tensor([1.0], dtype: .float16) + Tensor([1.0], dtype: .bfloat16)).dtype == .float32)
        #expect(resultType(Tensor([1], dtype: .int32), Tensor(scalar: 1.0, dtype: .float64)) == .float64)
        #expect(resultType(Tensor([1.0], dtype: .float32), Tensor(scalar: 1.0, dtype: .float64)) == .float32)
    }

    @Test func viewsShareStorage() {
        let x = Tensor.arange(0, 6).reshape([2, 3])
        let t = x.t()
        #expect(!t.isContiguous && t.shape == [3, 2] && t.stride() == [1, 3])
        x[0, 1] = Tensor(scalar: 100)
        #expect(t[1, 0].item() == .int(100))
        #expect(x.view([3, 2]).toArray(Int64.self) == [0, 100, 2, 3, 4, 5])
        #expect(throws: TorchError.self) { try withErrorCapture { _ = t.view([6]) } }
        #expect(t.reshape([6]).toArray(Int64.self) == [0, 3, 100, 4, 2, 5])
        #expect(x.expand([2, 2, 3]).stride() == [0, 3, 1])
    }

    @Test func subscripts() {
        let x = Tensor.arange(0, 24).reshape([2, 3, 4])
        #expect(x[1].shape == [3, 4])
        #expect(x[.ellipsis, 0].toArray(Int64.self) == [0, 4, 8, 12, 16, 20])
        #expect(x[0, Swift.stride(from: 0, to: 3, by: 2), 1...].toArray(Int64.self) == [1, 2, 3, 9, 10, 11])
        #expect(x[.newAxis, 0].shape == [1, 3, 4])
        #expect(x[0, -1, -1].item() == .int(11))
        #expect(x[Tensor([1, 0] as [Int]), 0, 0].toArray(Int64.self) == [12, 0])
        let m = x[0] > 9
        #expect(x[0][m].toArray(Int64.self) == [10, 11])
        let y = Tensor.zeros([2, 3])
        y[y.isnan().logicalNot()] = Tensor(scalar: 1.0)
        #expect(y.sum().item() == .double(6))
        y[.all, 1] = Tensor([5.0, 6.0])
        #expect(y.toArray(Float.self) == [1, 5, 1, 1, 6, 1])
        #expect(throws: TorchError.self) { try withErrorCapture { _ = x[2] } }
    }

    @Test func printingLikePyTorch() {
        #expect(Tensor([[1.0, 2.0]]).description == "tensor([[1., 2.]])")
        #expect(Tensor([1.5, 2.0]).description == "tensor([1.5000, 2.0000])")
        #expect(Tensor([[1.0, 2.5]], requiresGrad: true).description == "tensor([[1.0000, 2.5000]], requires_grad=True)")
        #expect(Tensor([1, 2, 3]).description == "tensor([1, 2, 3])")
        #expect(Tensor([1, 2], dtype: .int32).description == "tensor([1, 2], dtype=torch.int32)")
        #expect(Tensor([true, false]).description == "tensor([ True, False])")
        #expect(Tensor([1e-5, 1.0]).description == "tensor([1.0000e-05, 1.0000e+00])")
        #expect(Tensor(scalar: 3.5).description == "tensor(3.5000)")
        let y = Tensor([1.0, 2.0], requiresGrad: true) * 2
        #expect(y.description == "tensor([2., 4.], grad_fn=<MulBackward0>)")
        #expect(Tensor([[1.0, -2.0], [3.0, 4.0]]).description == "tensor([[ 1., -2.],\n        [ 3.,  4.]])")
        #expect(Tensor([1.0], dtype: .float64).description == "tensor([1.], dtype=torch.float64)")
    }

    @Test func errorsAreCapturedWithClearMessages() {
        do {
            try withErrorCapture { _ = Tensor.ones([3, 4]).matmul(Tensor.ones([3, 2])) }
            Issue.record("expected an error")
        } catch {
            #expect("\(error)" == "mat1 and mat2 shapes cannot be multiplied (3x4 and 3x2)")
        }
        #expect(throws: TorchError("add: The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1")) {
            try withErrorCapture { _ = Tensor.ones([2, 3]) + Tensor.ones([4]) }
        }
        #expect(throws: TorchError("shape '[4, 2]' is invalid for input of size 6")) {
            try withErrorCapture { _ = Tensor.ones([2, 3]).reshape([4, 2]) }
        }
        // after a captured error, later ops are no-ops and the first error is what is thrown
        #expect(throws: TorchError("a Tensor with 3 elements cannot be converted to Scalar")) {
            try withErrorCapture {
                _ = Tensor.ones([3]).item()
                _ = Tensor.ones([2]) + Tensor.ones([3])
            }
        }
    }

    @Test func randomIsSeededAndDeterministic() {
        // explicit generators: other tests draw from the default one concurrently
        let seeded = Generator(seed: 42)
        let a = Tensor.randn([5], generator: seeded)
        let b = Tensor.rand([3], generator: seeded)
        seeded.manualSeed(42)
        #expect(Tensor.randn([5], generator: seeded).toArray(Float.self) == a.toArray(Float.self))
        #expect(Tensor.rand([3], generator: seeded).toArray(Float.self) == b.toArray(Float.self))
        let g = Generator(seed: 1)
        let u = Tensor.rand([10_000], generator: g)
        #expect(u.min().item(Double.self) >= 0 && u.max().item(Double.self) < 1)
        #expect(abs(u.mean().item(Double.self) - 0.5) < 0.02)
        let n = Tensor.randn([10_000], generator: g)
        #expect(abs(n.mean().item(Double.self)) < 0.05 && abs(n.std().item(Double.self) - 1) < 0.05)
        let p = Tensor.randperm(10, generator: g).sort().values.toArray(Int64.self)
        #expect(p == Array(0..<10))
        let r = Tensor.randint(low: 3, high: 6, [1000], generator: g)
        #expect(r.min().item(Int64.self) == 3 && r.max().item(Int64.self) == 5)
        let bern = Tensor.full([10_000], 0.3).bernoulli(generator: g)
        #expect(abs(bern.mean().item(Double.self) - 0.3) < 0.03)
        let mn = Tensor([0.0, 0.0, 1.0]).multinomial(4, replacement: true, generator: g)
        #expect(mn.toArray(Int64.self) == [2, 2, 2, 2])
        let x = Tensor.empty([1000]).uniform_(from: -2, to: 2, generator: g)
        #expect(x.min().item(Double.self) >= -2 && x.max().item(Double.self) < 2)
        let state = g.state
        let first = Tensor.rand([4], generator: g).toArray(Float.self)
        g.state = state
        #expect(Tensor.rand([4], generator: g).toArray(Float.self) == first)
    }

    @Test func inPlaceOpsAndVersionCounter() {
        let x = Tensor([1.0, 2.0])
        x.add_(Tensor([1.0, 1.0])).mul_(2)
        #expect(x.toArray(Float.self) == [4, 6])
        #expect(x.version == 2)
        x.zero_()
        #expect(x.toArray(Float.self) == [0, 0])
        x.fill_(3).clamp_(max: 2)
        #expect(x.toArray(Float.self) == [2, 2])
        #expect(throws: TorchError.self) { try withErrorCapture { Tensor([1, 2]).add_(1.5) } }
        let v = Tensor.zeros([2, 2])
        v[0].fill_(1)
        #expect(v.toArray(Float.self) == [1, 1, 0, 0])
    }

    @Test func halfPrecisionTypes() {
        let h = Tensor([1.0, 2.5, -3.25]).to(.float16)
        #expect(h.dtype == .float16 && h.toArray(Float.self) == [1, 2.5, -3.25])
        let b = Tensor([1.0, 2.5, 1e-3]).to(.bfloat16)
        #expect(b.toArray(Float.self)[2] == BFloat16(Float(1e-3)).float)
        #expect((h * 2).toArray(Float.self) == [2, 5, -6.5])
        #expect((h.sum()).item(Double.self) == 0.25)
    }
}

/// CUDA is opened at run time: without a driver (or without a CUDA backend) every
/// CPU feature works and asking for a CUDA tensor is a clear, catchable error.
struct CUDAAvailabilityTests {
    @Test func cudaTensorsFailClearlyWhereUnavailable() throws {
        guard let reason = CUDA.unavailableReason else { return }   // a machine where CUDA works runs the GPU suite instead
        #expect(!CUDA.isAvailable)
        for make in [{ _ = Tensor.zeros([2, 3], device: .cuda) }, { _ = Tensor.ones([1]).to(device: .cuda(0)) },
                     { _ = Tensor.arange(0, 4, device: .cuda) }] {
            do {
                try withErrorCapture { make() }
                Issue.record("expected an error")
            } catch {
                let message = "\(error)"
                #expect(message.contains("cuda:0"))
                #expect(message.contains(reason))
            }
        }
        #expect(Tensor.ones([2]).to(device: .cpu).sum().item(Double.self) == 2)
    }

    @Test func driverProbeIsConsistent() {
        if CUDA.deviceCount == 0 { #expect(CUDA.unavailableReason != nil) }
        if CUDA.isAvailable { #expect(CUDA.deviceCount > 0) }
    }
}
