import Testing
import Torch

struct AutogradTests {
    func values(_ t: Tensor?) -> [Double] { t!.to(.float64).toArray(Double.self) }

    @Test func backwardAccumulatesIntoLeaves() {
        let x = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
        let y = (x * x).sum()
        y.backward()
        #expect(values(x.grad) == [2, 4, 6])
        (x * 3).sum().backward()
        #expect(values(x.grad) == [5, 7, 9])
        #expect(x.isLeaf && !y.isLeaf)
        #expect(y.gradFn?.name == "SumBackward1")
    }

    @Test func secondDerivativeOfTanh() {
        let x = Tensor([0.5, -1.2], dtype: .float64, requiresGrad: true)
        let y = x.tanh()
        let g = grad(of: y.sum(), withRespectTo: x, createGraph: true)!
        let t = [0.5, -1.2].map { Foundation_tanh($0) }
        #expect(zip(values(g), t).allSatisfy { abs($0 - (1 - $1 * $1)) < 1e-12 })
        let g2 = grad(of: g.sum(), withRespectTo: x)!
        #expect(zip(values(g2), t).allSatisfy { abs($0 - (-2 * $1 * (1 - $1 * $1))) < 1e-12 })
    }

    @Test func secondDerivativesOfProduct() {
        // f = x*x*y: df/dx = 2xy, d2f/dx2 = 2y, d2f/dxdy = 2x
        let x = Tensor(scalar: 3.0, dtype: .float64).requiresGrad_()
        let y = Tensor(scalar: 5.0, dtype: .float64).requiresGrad_()
        let f = x * x * y
        let gx = grad(outputs: [f], inputs: [x], createGraph: true)[0]!
        #expect(gx.item().doubleValue == 30)
        let second = grad(outputs: [gx], inputs: [x, y])
        #expect(second[0]!.item().doubleValue == 10)
        #expect(second[1]!.item().doubleValue == 6)
    }

    @Test func secondDerivativeThroughMatmul() {
        // f = sum((A B)^2): d/dA = 2 (A B) B^T; d/dB of sum(d/dA) = 2 * (A^T 1 B + ...) checked by gradgradcheck
        let a = Tensor.randn([2, 3], dtype: .float64, generator: Generator(seed: 7)).requiresGrad_()
        let b = Tensor.randn([3, 2], dtype: .float64, generator: Generator(seed: 8)).requiresGrad_()
        let f: ([Tensor]) -> Tensor = { $0[0].matmul($0[1]).square().sum() }
        let ga = grad(outputs: [f([a, b])], inputs: [a], createGraph: true)[0]!
        let expected = (a.matmul(b) * 2).matmul(b.t())
        #expect(ga.allclose(expected))
        #expect(throws: Never.self) { try gradgradcheck(f, inputs: [a, b]) }
    }

    @Test func retainGraphAndSecondBackwardError() throws {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let y = (x.exp()).sum()
        y.backward(retainGraph: true)
        y.backward()
        #expect(values(x.grad).map { ($0 * 1e5).rounded() } == [1.0, 2.0].map { (2 * Foundation_exp($0) * 1e5).rounded() })
        #expect(throws: TorchError.self) { try withErrorCapture { y.backward() } }
    }

    @Test func noGradAndEnableGradScopes() {
        let x = Tensor([1.0], requiresGrad: true)
        let y = withNoGrad { x * 2 }
        #expect(!y.requiresGrad && y.gradFn == nil)
        let z = withNoGrad { withEnableGrad { x * 2 } }
        #expect(z.requiresGrad)
        #expect(GradMode.isEnabled)
    }

    @Test func detachAndRequiresGrad() {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let d = (x * 2).detach()
        #expect(!d.requiresGrad && d.isLeaf)
        #expect(throws: TorchError.self) { try withErrorCapture { Tensor([1, 2]).requiresGrad = true } }
    }

    @Test func retainGradAndHooks() {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let h = x * 3
        h.retainGrad()
        var seen: [Double] = []
        h.registerHook { g in seen = g.toArray(Double.self); return g * 2 }
        (h * h).sum().backward()
        #expect(seen == [6, 12])
        // PyTorch runs the retain_grad hook last, so .grad sees other hooks' changes
        #expect(values(h.grad) == [12, 24])
        #expect(values(x.grad) == [36, 72])
    }

    @Test func inPlaceModificationOfSavedTensorIsReported() {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let y = x.exp()
        let z = y * 1
        y.add_(1)
        do {
            try withErrorCapture { z.sum().backward(); y.sum().backward() }
            Issue.record("expected an error")
        } catch let e as TorchError {
            #expect(e.message.contains("modified by an inplace operation"))
            #expect(e.message.contains("is at version 1; expected version 0 instead"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func inPlaceOnLeafRequiringGradIsAnError() {
        let x = Tensor([1.0], requiresGrad: true)
        #expect(throws: TorchError("a leaf Variable that requires grad is being used in an in-place operation.")) {
            try withErrorCapture { x.add_(1) }
        }
        withNoGrad { x.add_(1) }
        #expect(values(x) == [2])
        #expect(x.version == 1)
    }

    @Test func inPlaceOnNonLeafKeepsGradientsRight() {
        let x = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
        let y = x * 2
        y.mul_(x)       // y = 2x^2, dy/dx = 4x
        y.sum().backward()
        #expect(values(x.grad) == [4, 8, 12])
        #expect(y.gradFn?.name == "MulBackward0")
    }

    @Test func writingIntoAViewRoutesGradients() {
        let x = Tensor([1.0, 2.0, 3.0, 4.0], requiresGrad: true)
        let w = Tensor([10.0], requiresGrad: true)
        let y = x * 1
        y[1..<2] = w * 2   // y = [x0, 2w, x2, x3]
        (y * Tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        #expect(values(x.grad) == [1, 0, 3, 4])
        #expect(values(w.grad) == [4])
    }

    @Test func customFunction() {
        struct Cube: AutogradFunction {
            static func forward(_ ctx: FunctionContext, _ x: [Tensor]) -> [Tensor] {
                ctx.saveForBackward(x[0])
                return [x[0] * x[0] * x[0]]
            }
            static func backward(_ ctx: FunctionContext, _ g: [Tensor]) -> [Tensor?] {
                let x = ctx.savedTensors[0]
                return [g[0] * 3 * x * x]
            }
        }
        let x = Tensor([1.0, -2.0], dtype: .float64, requiresGrad: true)
        let y = Cube.apply(x)[0]
        #expect(y.gradFn?.name == "CubeBackward")
        y.sum().backward()
        #expect(values(x.grad) == [3, 12])
        #expect(throws: Never.self) { try gradcheck({ Cube.apply($0)[0] }, inputs: [x]) }
    }

    @Test func anomalyModeNamesTheBackwardOp() {
        let x = Tensor([0.0], requiresGrad: true)
        do {
            try withDetectAnomaly { try withErrorCapture { (x.sqrt() * 0).sum().backward() } }
            Issue.record("expected an anomaly error")
        } catch let e as TorchError {
            #expect(e.message.contains("SqrtBackward0"), "\(e.message)")
            #expect(e.message.contains("nan"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func gradOfNonScalarNeedsGradient() {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        #expect(throws: TorchError("grad can be implicitly created only for scalar outputs")) {
            try withErrorCapture { (x * 2).backward() }
        }
        (x * 2).backward(gradient: Tensor([1.0, 0.5]))
        #expect(values(x.grad) == [2, 1])
    }

    @Test func broadcastGradientsReduceToInputShape() {
        let a = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requiresGrad: true)
        let b = Tensor([1.0, 1.0, 1.0], requiresGrad: true)
        (a * b).sum().backward()
        #expect(values(b.grad) == [5, 7, 9])
        #expect(b.grad!.shape == [3])
    }

    @Test func gradsFlowAcrossDtypes() {
        let a = Tensor([1.0, 2.0], requiresGrad: true)            // float32
        let b = Tensor([3.0, 4.0], dtype: .float64, requiresGrad: true)
        let y = a * b
        #expect(y.dtype == .float64)
        y.sum().backward()
        #expect(a.grad!.dtype == .float32 && values(a.grad) == [3, 4])
        #expect(b.grad!.dtype == .float64 && values(b.grad) == [1, 2])
    }
}

import Glibc
func Foundation_tanh(_ x: Double) -> Double { Glibc.tanh(x) }
func Foundation_exp(_ x: Double) -> Double { Glibc.exp(x) }

struct GraphLifetimeTests {
    @Test func graphsAreFreedWithTheirOutputs() {
        weak var expNode: Node?
        weak var mulNode: Node?
        weak var saved: Tensor?
        do {
            let x = Tensor([1.0, 2.0], requiresGrad: true)
            let e = x.exp()
            let y = e * x
            expNode = e.gradFn
            mulNode = y.gradFn
            saved = e
            #expect(expNode != nil && mulNode != nil)
        }
        #expect(expNode == nil && mulNode == nil && saved == nil)
    }

    @Test func leavesAndTheirAccumulatorsAreFreed() {
        weak var leaf: Tensor?
        weak var accumulator: Node?
        do {
            let x = Tensor([1.0, 2.0], requiresGrad: true)
            let y = x * 2
            leaf = x
            accumulator = y.gradFn!.nextEdges[0]!.node
            #expect(accumulator?.name == "AccumulateGrad")
        }
        #expect(leaf == nil && accumulator == nil)
    }

    @Test func backwardAfterTheLeafDiedStillRuns() {
        let z = Tensor([3.0, 4.0], requiresGrad: true)
        var y: Tensor! = nil
        weak var leaf: Tensor?
        do {
            let x = Tensor([1.0, 2.0], requiresGrad: true)
            y = (x + z).sum()
            y.backward(retainGraph: true)
            #expect(x.grad!.toArray(Double.self) == [1, 1])
            leaf = x
        }
        #expect(leaf == nil)          // add saves no inputs: the graph does not keep x alive
        y.backward()                  // x's accumulator drops its gradient; z still gets its own
        #expect(z.grad!.toArray(Double.self) == [2, 2])
    }
}

struct GradientStealingTests {
    @Test func aFreshContiguousGradientBecomesTheLeafsGrad() {
        let x = Tensor([1.0, 2.0, 3.0], requiresGrad: true)
        let c = Tensor([4.0, 5.0, 6.0])
        let y = x * c
        var produced: ObjectIdentifier?
        y.gradFn!.registerHook { inputs, _ in produced = inputs[0].map(ObjectIdentifier.init) }
        y.backward(gradient: Tensor([1.0, 1.0, 1.0]))
        #expect(x.grad!.toArray(Double.self) == [4, 5, 6])
        #expect(produced != nil && produced == ObjectIdentifier(x.grad!))   // taken, not copied
    }

    @Test func aGradientSharedByTwoLeavesIsCopied() {
        let a = Tensor([1.0, 2.0], requiresGrad: true)
        let b = Tensor([3.0, 4.0], requiresGrad: true)
        ((a + b) * Tensor([2.0, 3.0])).backward(gradient: Tensor([1.0, 1.0]))
        #expect(a.grad!.toArray(Double.self) == [2, 3])
        withNoGrad { a.grad!.mul_(10) }
        #expect(b.grad!.toArray(Double.self) == [2, 3])
        #expect(a.grad!.toArray(Double.self) == [20, 30])
    }

    @Test func aGradientTheCallerHoldsIsCopied() {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        let g = Tensor([5.0, 6.0])
        x.backward(gradient: g)
        withNoGrad { x.grad!.mul_(2) }
        #expect(g.toArray(Double.self) == [5, 6])
        #expect(x.grad!.toArray(Double.self) == [10, 12])
    }
}

struct LeafHookTests {
    @Test func leafHooksRunInEveryGraph() {
        let x = Tensor([1.0, 2.0], requiresGrad: true)
        var calls = 0
        x.registerHook { g in calls += 1; return g * 10 }
        (x * 2).sum().backward()
        (x * 3).sum().backward()   // a new graph: the hook still applies
        #expect(calls == 2)
        #expect(x.grad!.toArray(Double.self) == [50, 50])
    }
}
