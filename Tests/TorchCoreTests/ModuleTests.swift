import Testing
import Torch

final class TwoLayer: Module {
    let fc1 = Linear(4, 3)
    let act = ReLU()
    let fc2 = Linear(3, 2, bias: false)
    let bn = BatchNorm1d(2)
    override func forward(_ x: Tensor) -> Tensor { bn(fc2(act(fc1(x)))) }
}

struct ModuleTests {
    @Test func parametersAndBuffersAreFoundUnderPyTorchNames() {
        let m = TwoLayer()
        #expect(m.namedParameters().map(\.0) == ["fc1.weight", "fc1.bias", "fc2.weight", "bn.weight", "bn.bias"])
        #expect(m.namedBuffers().map(\.0) == ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"])
        #expect(Array(m.stateDict().keys) == ["fc1.weight", "fc1.bias", "fc2.weight", "bn.weight", "bn.bias",
                                              "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"])
        #expect(m.children().count == 4)
        #expect(m.namedModules().map(\.0) == ["", "fc1", "act", "fc2", "bn"])
        let seq = Sequential(Linear(2, 2), ReLU(), Sequential(Linear(2, 1)))
        #expect(seq.namedParameters().map(\.0) == ["0.weight", "0.bias", "2.0.weight", "2.0.bias"])
        #expect(m.parameters().allSatisfy { $0.requiresGrad })
    }

    @Test func defaultInitialisationFollowsPyTorchBounds() {
        manualSeed(3)
        let l = Linear(100, 50)
        let bound = 1 / 10.0
        #expect(l.weight.abs().max().item(Double.self) <= bound)
        #expect(l.bias!.abs().max().item(Double.self) <= bound)
        // kaiming_uniform(a=sqrt(5)) has variance bound^2 / 3
        #expect(abs(l.weight.variance().item(Double.self) - bound * bound / 3) < 0.0005)
        let e = Embedding(10, 4, paddingIdx: 0)
        #expect(e.weight[0].abs().sum().item(Double.self) == 0)
    }

    @Test func stateDictRoundTripAndErrors() throws {
        let a = TwoLayer(), b = TwoLayer()
        try b.loadStateDict(a.stateDict())
        for ((ka, ta), (kb, tb)) in zip(a.stateDict(), b.stateDict()) {
            #expect(ka == kb && ta.allclose(tb))
        }
        var missing = a.stateDict()
        missing["fc1.bias"] = nil
        missing["extra.weight"] = Tensor.zeros([1])
        do {
            try b.loadStateDict(missing)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("Missing key(s) in state_dict: \"fc1.bias\""))
            #expect("\(error)".contains("Unexpected key(s) in state_dict: \"extra.weight\""))
        }
        let result = try b.loadStateDict(missing, strict: false)
        #expect(result.missingKeys == ["fc1.bias"] && result.unexpectedKeys == ["extra.weight"])
        var wrong = a.stateDict()
        wrong["fc1.weight"] = Tensor.zeros([3, 5])
        #expect(throws: TorchIOError.self) { try b.loadStateDict(wrong) }
    }

    @Test func trainEvalHooksFreezingAndDtype() {
        let m = TwoLayer()
        m.eval()
        #expect(m.modules().allSatisfy { !$0.training })
        m.train()
        #expect(m.bn.training)
        var calls = 0
        m.fc1.registerForwardHook { _, _, y in calls += 1; return y * 0 }
        m.fc1.registerForwardPreHook { _, x in calls += 1; return x }
        let y = m.fc1(Tensor.ones([2, 4]))
        #expect(calls == 2 && y.abs().sum().item(Double.self) == 0)
        m.fc2.requiresGrad_(false)
        #expect(!m.fc2.weight.requiresGrad && m.fc1.weight.requiresGrad)
        m.to(dtype: .float64)
        #expect(m.parameters().allSatisfy { $0.dtype == .float64 })
        #expect(m.buffers().first { $0.dtype == .int64 } != nil)
        #expect(m.fc1.weight.requiresGrad && !m.fc2.weight.requiresGrad)
        var visited: [String] = []
        m.apply { visited.append($0.typeName) }
        #expect(visited.last == "TwoLayer")
    }

    @Test func zeroGradAndTraining() {
        let m = Sequential(Linear(2, 1))
        m(Tensor.ones([3, 2])).sum().backward()
        #expect(m.parameters().allSatisfy { $0.grad != nil })
        m.zeroGrad(setToNone: false)
        #expect(m.parameters().allSatisfy { $0.grad!.abs().sum().item(Double.self) == 0 })
        m.zeroGrad()
        #expect(m.parameters().allSatisfy { $0.grad == nil })
    }

    @Test func containersAndPrinting() {
        let list = ModuleList([Linear(2, 2), Linear(2, 3)])
        #expect(list.namedParameters().map(\.0) == ["0.weight", "0.bias", "1.weight", "1.bias"])
        let dict = ModuleDict([("enc", Linear(2, 2)), ("dec", Linear(2, 2))])
        #expect(dict.namedParameters().map(\.0).first == "enc.weight")
        let pl = ParameterList([Tensor.zeros([2]), Tensor.ones([3])])
        #expect(pl.namedParameters().map(\.0) == ["0", "1"])
        #expect(Sequential(Linear(2, 3), ReLU()).description == "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n)")
    }

    @Test func initFunctions() {
        let g = Generator(seed: 5)
        let w = Tensor.empty([64, 32])
        Init.xavierUniform_(w, generator: g)
        #expect(w.abs().max().item(Double.self) <= (6.0 / 96).squareRoot())
        Init.kaimingNormal_(w, mode: .fanOut, nonlinearity: "relu", generator: g)
        #expect(abs(w.std().item(Double.self) - (2.0 / 64).squareRoot()) < 0.01)
        Init.truncNormal_(w, std: 1, a: -0.5, b: 0.5, generator: g)
        #expect(w.abs().max().item(Double.self) <= 0.5)
        let q = Tensor.empty([4, 6])
        Init.orthogonal_(q, generator: g)
        #expect(q.matmul(q.t()).allclose(Tensor.eye(4), atol: 1e-5))
        #expect(Init.calculateGain("leaky_relu", param: 0.2) == (2.0 / 1.04).squareRoot())
        #expect(Init.eye_(Tensor.empty([2, 3])).toArray(Float.self) == [1, 0, 0, 0, 1, 0])
    }
}

struct GradientClippingTests {
    @Test func clipGradNormMatchesPyTorch() {
        // torch: p1.grad=[3,4], p2.grad=[12]; clip_grad_norm_(.., 6.5) -> total 13, coef 6.5/(13+1e-6)
        let p1 = Tensor([0.0, 0.0], requiresGrad: true), p2 = Tensor([0.0], requiresGrad: true)
        p1.grad = Tensor([3.0, 4.0])
        p2.grad = Tensor([12.0])
        let total = clipGradNorm_([p1, p2], maxNorm: 6.5)
        #expect(abs(total.item(Double.self) - 13) < 1e-5)
        let coef = 6.5 / (13 + 1e-6)
        #expect(p1.grad!.allclose(Tensor([3 * coef, 4 * coef])) && p2.grad!.allclose(Tensor([12 * coef])))
        p1.grad = Tensor([3.0, -40.0])
        clipGradValue_([p1], clipValue: 5)
        #expect(p1.grad!.toArray(Float.self) == [3, -5])
        let inf = clipGradNorm_([p1], maxNorm: 100, normType: .infinity)
        #expect(inf.item(Double.self) == 5 && p1.grad!.toArray(Float.self) == [3, -5])
    }
}
