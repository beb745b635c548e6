import ArgumentParser
import Torch

@main
struct SwiftTorchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swifttorch",
        abstract: "Train and evaluate models with SwiftTorch.",
        subcommands: [Train.self, Evaluate.self, LanguageModelCommand.self, SampleCommand.self],
        defaultSubcommand: Train.self
    )
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a classifier (default: a small CNN on the embedded digits).")

    @Option(help: "Dataset: \(DatasetKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset: String = "digits"
    @Option(name: .customLong("data-dir"), help: "Folder with the dataset files (mnist, fashion-mnist, cifar10; optional for digits).")
    var dataDir: String?
    @Option(help: "Model: \(ModelKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = "cnn"
    @Option(help: "Number of epochs.")
    var epochs: Int = 20
    @Option(name: .customLong("batch-size"), help: "Batch size.")
    var batchSize: Int = 32
    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: String = "adam"
    @Option(help: "Learning rate.")
    var lr: Double = 2e-3
    @Option(help: "Learning-rate schedule per step: cosine (annealed to 0 over the run) or none.")
    var schedule: String = "cosine"
    @Option(help: "Random seed (same seed, same losses).")
    var seed: UInt64 = 0
    @Option(help: "Checkpoint to resume from.")
    var resume: String?
    @Option(help: "Output directory for checkpoints.")
    var output: String = "runs/latest"
    @Option(help: "Data loader worker threads.")
    var workers: Int = 0
    @Flag(help: "Print the loss of every step (for comparing runs).")
    var logSteps = false
    @Flag(help: "Mixed precision: the forward pass and the loss run under bfloat16 autocast (torch.autocast).")
    var amp = false

    func validate() throws {
        guard DatasetKind(rawValue: dataset) != nil else { throw ValidationError("unknown dataset '\(dataset)'") }
        guard ModelKind(rawValue: model) != nil else { throw ValidationError("unknown model '\(model)'") }
        guard OptimizerKind(rawValue: optimizer) != nil else { throw ValidationError("unknown optimizer '\(optimizer)'") }
        guard schedule == "cosine" || schedule == "none" else { throw ValidationError("unknown schedule '\(schedule)'") }
        guard epochs > 0, batchSize > 0, lr > 0 else { throw ValidationError("epochs, batch size and learning rate must be positive") }
    }

    func run() throws {
        let data = DatasetKind(rawValue: dataset)!
        let trainSet = try data.load(train: true, dataDir: dataDir)
        let testSet = try data.load(train: false, dataDir: dataDir)
        let shape = trainSet.images.shape
        manualSeed(seed)
        let net = ModelKind(rawValue: model)!.make(channels: shape[1], height: shape[2], width: shape[3], classes: trainSet.classes)
        let opt = OptimizerKind(rawValue: optimizer)!.make(net.parameters(), lr: lr)
        let loader = DataLoader(trainSet, batchSize: batchSize, shuffle: true, numWorkers: workers, seed: seed)
        let scheduler: LRScheduler? = schedule == "cosine" ? CosineAnnealingLR(opt, tMax: epochs * loader.count) : nil
        var startEpoch = 0
        if let resume {
            let ckpt = try TrainingCheckpoint.load(from: resume)
            try net.loadStateDict(ckpt.model)
            if let o = ckpt.optimizer { try opt.loadStateDict(o) }
            if let s = ckpt.scheduler { scheduler?.loadStateDict(s) }
            startEpoch = ckpt.epoch
            loader.epoch = ckpt.epoch
            if let s = ckpt.rngStates["loader"], let g = loader.shuffleGenerator { g.state = s }
            if let s = ckpt.rngStates["default"] { Generator.default.state = s }
            print("resumed from \(resume) at epoch \(startEpoch)")
        }
        try FileIO.makeDirectory(output)
        print("training \(model) on \(dataset): \(trainSet.count) train / \(testSet.count) test samples, \(net.parameters().reduce(0) { $0 + $1.numel }) parameters")
        var accuracy = 0.0
        for epoch in startEpoch..<epochs {
            net.train()
            var bar = ProgressBar(total: loader.count, label: "epoch \(epoch + 1)/\(epochs)")
            var seen = 0, correct = 0, lossSum = 0.0, step = 0
            for batch in loader {
                let (x, y) = (batch[0], batch[1])
                let (logits, loss) = withAutocast(enabled: amp) {
                    let logits = net(x)
                    return (logits, F.crossEntropy(logits, y))
                }
                opt.zeroGrad()
                loss.backward()
                opt.step()
                scheduler?.step()
                let l = loss.item(Double.self)
                step += 1
                if logSteps { print("step \(epoch * loader.count + step) loss \(l)") }
                lossSum += l * Double(x.shape[0])
                correct += Int(logits.argmax(dim: 1).eq(y).sum().item(Int64.self))
                seen += x.shape[0]
                bar.update(step: step, samples: seen, loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen))
            }
            accuracy = evaluate(net, testSet)
            bar.finish("loss \(fmt(lossSum / Double(max(seen, 1)), 4)) train acc \(fmt(Double(correct) / Double(max(seen, 1)), 4)) test acc \(fmt(accuracy, 4))")
            let ckpt = TrainingCheckpoint(
                model: net.stateDict(), optimizer: opt.stateDict(), scheduler: scheduler?.stateDict, epoch: epoch + 1, step: (epoch + 1) * loader.count,
                rngStates: ["default": Generator.default.state, "loader": loader.shuffleGenerator?.state ?? []],
                info: ["model": model, "dataset": dataset, "optimizer": optimizer])
            try ckpt.save(to: "\(output)/checkpoint.safetensors")
        }
        try net.save(to: "\(output)/model.safetensors")
        print("saved \(output)/checkpoint.safetensors and \(output)/model.safetensors")
        print("test accuracy: \(fmt(accuracy, 4))")
    }
}

/// Fraction of correct predictions on a dataset, in eval mode without gradients.
func evaluate(_ net: Module, _ data: ImageClassificationDataset, batchSize: Int = 256) -> Double {
    net.eval()
    defer { net.train() }
    return withNoGrad {
        let (x, y) = data.tensors
        var correct = 0
        var i = 0
        while i < data.count {
            let n = min(batchSize, data.count - i)
            let xb = x.narrow(0, start: i, length: n), yb = y.narrow(0, start: i, length: n)
            let xt = data.transform.map { t in Tensor.stack(xb.unbind(0).map { t($0) }) } ?? xb
            correct += Int(net(xt).argmax(dim: 1).eq(yb).sum().item(Int64.self))
            i += n
        }
        return Double(correct) / Double(max(data.count, 1))
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a checkpoint written by `swifttorch train`.")

    @Option(help: "Checkpoint file (checkpoint.safetensors).")
    var checkpoint: String = "runs/latest/checkpoint.safetensors"
    @Option(name: .customLong("data-dir"), help: "Folder with the dataset files.")
    var dataDir: String?

    func run() throws {
        let ckpt = try TrainingCheckpoint.load(from: checkpoint)
        guard let modelName = ckpt.info["model"], let kind = ModelKind(rawValue: modelName),
              let datasetName = ckpt.info["dataset"], let data = DatasetKind(rawValue: datasetName) else {
            throw TorchIOError("\(checkpoint): checkpoint does not name its model and dataset")
        }
        let testSet = try data.load(train: false, dataDir: dataDir)
        let shape = testSet.images.shape
        let net = kind.make(channels: shape[1], height: shape[2], width: shape[3], classes: testSet.classes)
        try net.loadStateDict(ckpt.model)
        print("evaluating \(modelName) from \(checkpoint) (epoch \(ckpt.epoch)) on \(testSet.count) \(datasetName) test samples")
        print("test accuracy: \(fmt(evaluate(net, testSet), 4))")
    }
}
