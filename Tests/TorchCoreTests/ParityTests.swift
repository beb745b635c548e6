import Foundation
import Testing
import Torch

/// Module, optimizer and scheduler parity with PyTorch (Fixtures/modules, from golden/modules).
struct ParityTests {
    static let dir = Bundle.module.url(forResource: "Fixtures/modules", withExtension: nil)!.path

    static func load(_ file: String) throws -> StateDict { try Safetensors.load("\(dir)/\(file)").tensors }

    static func manifest() throws -> JSON {
        try JSONParser.parse(String(decoding: try FileIO.read("\(dir)/manifest.json"), as: UTF8.self))
    }

    static func close(_ a: Tensor, _ b: Tensor, atol: Double = 1e-5, rtol: Double = 1e-4) -> Bool {
        a.shape == b.shape && a.dtype == b.dtype && a.allclose(b, rtol: rtol, atol: atol)
    }

    static func makeModule(_ name: String) -> Module? {
        switch name {
        case "mlp": return Sequential(Linear(8, 16), ReLU(), Linear(16, 4))
        case "cnn_train", "cnn_eval":
            return Sequential(Conv2d(1, 4, kernelSize: 3, padding: 1), BatchNorm2d(4), ReLU(), MaxPool2d(2), Flatten(), Linear(64, 10))
        case "conv_transpose2d": return ConvTranspose2d(3, 2, kernelSize: [3], stride: [2], padding: [1], outputPadding: [1])
        case "groupnorm": return GroupNorm(2, 4)
        case "layernorm": return LayerNorm(6)
        case "batchnorm1d": return BatchNorm1d(5)
        case "embedding": return Embedding(10, 4, paddingIdx: 0)
        default: return nil
        }
    }

    static let moduleNames = ["mlp", "cnn_train", "cnn_eval", "conv_transpose2d", "groupnorm", "layernorm", "batchnorm1d", "embedding"]

    @Test(arguments: moduleNames)
    func module(_ name: String) throws {
        let m = try Self.manifest()
        let entry = m["modules"]!.arrayValue!.first { $0["name"]?.stringValue == name }!
        let data = try Self.load(entry["file"]!.stringValue!)
        let module = Self.makeModule(name)!
        var state = StateDict()
        for (k, v) in data where k.hasPrefix("state/") { state[String(k.dropFirst(6))] = v }
        try module.loadStateDict(state)
        if entry["mode"]?.stringValue == "eval" { module.eval() } else { module.train() }
        let input = data["input/0"]!
        if input.dtype.isFloatingPoint { input.requiresGrad = true }
        let output = module(input)
        let expected = data["output/0"]!
        #expect(Self.close(output, expected), "\(name): output differs")
        (output * data["grad_seed/0"]!).sum().backward()
        let params = Dictionary(uniqueKeysWithValues: module.namedParameters())
        for (k, v) in data where k.hasPrefix("grad/param/") {
            let key = String(k.dropFirst(11))
            let g = params[key]?.grad
            #expect(g != nil && Self.close(g!, v), "\(name): gradient of \(key) differs")
        }
        if let gi = data["grad/input/0"] {
            #expect(input.grad != nil && Self.close(input.grad!, gi), "\(name): input gradient differs")
        }
        let after = module.stateDict()
        for (k, v) in data where k.hasPrefix("state_after/") {
            let key = String(k.dropFirst(12))
            #expect(after[key] != nil && Self.close(after[key]!, v), "\(name): \(key) after forward differs")
        }
    }

    static func makeOptimizer(_ name: String, _ params: [Tensor]) -> Optimizer {
        switch name {
        case "sgd": return SGD(params, lr: 0.1)
        case "sgd_momentum": return SGD(params, lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01)
        case "sgd_nesterov": return SGD(params, lr: 0.05, momentum: 0.9, nesterov: true)
        case "adam": return Adam(params, lr: 0.01)
        case "adam_amsgrad_wd": return Adam(params, lr: 0.01, betas: (0.8, 0.99), weightDecay: 0.1, amsgrad: true)
        case "adamw": return AdamW(params, lr: 0.01, weightDecay: 0.05)
        case "rmsprop": return RMSprop(params, lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true)
        default: return Adagrad(params, lr: 0.1, lrDecay: 0.01)
        }
    }

    @Test(arguments: ["sgd", "sgd_momentum", "sgd_nesterov", "adam", "adam_amsgrad_wd", "adamw", "rmsprop", "adagrad"])
    func optimizer(_ name: String) throws {
        let m = try Self.manifest()
        let entry = m["optimizers"]!.arrayValue!.first { $0["name"]?.stringValue == name }!
        let data = try Self.load(entry["file"]!.stringValue!)
        let steps = entry["steps"]!.intValue!
        var params: [Tensor] = []
        var i = 0
        while let p = data["param0/\(i)"] { params.append(p.clone().requiresGrad_()); i += 1 }
        let opt = Self.makeOptimizer(name, params)
        for s in 0..<steps {
            for (j, p) in params.enumerated() { p.grad = data["grad/\(s)/\(j)"]!.clone() }
            opt.step()
            for (j, p) in params.enumerated() {
                #expect(Self.close(p.detach(), data["param/\(s)/\(j)"]!), "\(name): parameter \(j) after step \(s + 1) differs")
            }
        }
    }

    @Test(arguments: ["step", "multistep", "exponential", "cosine", "onecycle", "linear", "warmup_cosine", "plateau"])
    func scheduler(_ name: String) throws {
        let m = try Self.manifest()
        let entry = m["schedulers"]!.arrayValue!.first { $0["name"]?.stringValue == name }!
        let expected = entry["lrs_after_each_step"]!.arrayValue!.map { $0.doubleValue! }
        let p = Tensor.zeros([2]).requiresGrad_()
        let opt = SGD([p], lr: entry["base_lr"]!.doubleValue!)
        var lrs: [Double] = []
        if name == "plateau" {
            let metrics = entry["metrics"]!.arrayValue!.map { $0.doubleValue! }
            let s = ReduceLROnPlateau(opt, mode: "min", factor: 0.5, patience: 2)
            for metric in metrics { opt.step(); s.step(metric); lrs.append(opt.paramGroups[0].lr) }
        } else {
            let s: LRScheduler
            switch name {
            case "step": s = StepLR(opt, stepSize: 3, gamma: 0.5)
            case "multistep": s = MultiStepLR(opt, milestones: [2, 5, 9], gamma: 0.3)
            case "exponential": s = ExponentialLR(opt, gamma: 0.9)
            case "cosine": s = CosineAnnealingLR(opt, tMax: 10, etaMin: 0.001)
            case "onecycle": s = OneCycleLR(opt, maxLr: 1.0, totalSteps: 12)
            case "linear": s = LinearLR(opt, startFactor: 0.25, totalIters: 4)
            default:
                s = SequentialLR(opt, schedulers: [LinearLR(opt, startFactor: 0.1, totalIters: 3), CosineAnnealingLR(opt, tMax: 9)], milestones: [3])
            }
            for _ in expected { opt.step(); s.step(); lrs.append(opt.paramGroups[0].lr) }
        }
        #expect(lrs.count == expected.count)
        for (i, (a, b)) in zip(lrs, expected).enumerated() {
            #expect(abs(a - b) <= 1e-12 + 1e-9 * abs(b), "\(name): lr after step \(i + 1): \(a) != \(b)")
        }
    }
}
