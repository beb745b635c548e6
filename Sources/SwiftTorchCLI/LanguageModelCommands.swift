#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Torch

/// Options shared by `lm` (after training) and `sample`.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Text the sample continues.")
    var prompt: String = "And God said"
    @Option(help: "Characters to sample.")
    var length: Int = 400
    @Option(help: "Softmax temperature (below 1: more conservative).")
    var temperature: Double = 0.8
    @Option(name: .customLong("top-k"), help: "Sample only from the k most likely characters.")
    var topK: Int?
    @Option(name: .customLong("sample-seed"), help: "Seed of the sampling generator.")
    var sampleSeed: UInt64 = 0

    func validate() throws {
        guard temperature > 0 else { throw ValidationError("--temperature must be positive") }
        guard length >= 0 else { throw ValidationError("--length must not be negative") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    func sample(_ model: any CharacterModel, _ vocabulary: CharacterVocabulary) throws -> String {
        try sampleText(model, vocabulary: vocabulary, prompt: prompt, length: length, temperature: temperature, topK: topK,
                       generator: Generator(seed: sampleSeed))
    }
}

struct LanguageModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract: "Train a character-level language model (default: a small GPT on the embedded King James Genesis and Exodus), then sample from it.")

    @Option(help: "Model: gpt (pre-norm causal Transformer) or lstm.")
    var model: String = "gpt"
    @Option(help: "UTF-8 text file to train on (default: the embedded text).")
    var text: String?
    @Option(help: "Training steps.")
    var steps: Int = 2000
    @Option(name: .customLong("batch-size"), help: "Sequences per batch.")
    var batchSize: Int = 16
    @Option(help: "Characters of context per sequence.")
    var context: Int = 128
    @Option(help: "d_model (gpt) or hidden size (lstm).")
    var width: Int?
    @Option(help: "Transformer blocks or LSTM layers.")
    var layers: Int?
    @Option(help: "Attention heads (gpt).")
    var heads: Int = 4
    @Option(help: "Dropout.")
    var dropout: Double = 0.1
    @Option(help: "Peak learning rate (AdamW, linear warm-up, cosine decay to a tenth).")
    var lr: Double = 2e-3
    @Option(name: .customLong("eval-interval"), help: "Steps between validation passes.")
    var evalInterval: Int = 250
    @Option(name: .customLong("eval-batches"), help: "Batches per validation pass.")
    var evalBatches: Int = 20
    @Option(help: "Random seed (same seed, same losses).")
    var seed: UInt64 = 0
    @Option(help: "Output directory for the checkpoint.")
    var output: String = "runs/lm"
    @OptionGroup var sampling: SamplingOptions

    func validate() throws {
        guard model == "gpt" || model == "lstm" else { throw ValidationError("unknown model '\(model)' (gpt or lstm)") }
        guard steps > 0, batchSize > 0, context > 1, lr > 0, evalInterval > 0, evalBatches > 0, heads > 0 else {
            throw ValidationError("steps, batch size, learning rate, eval interval and heads must be positive, context above 1")
        }
        guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout must be in [0, 1)") }
        if model == "gpt", (width ?? 128) % heads != 0 { throw ValidationError("--width must be divisible by --heads") }
    }

    func run() throws {
        let source = text ?? "embedded King James Genesis and Exodus"
        let corpus = try CharacterCorpus(text: try text.map { try CharacterCorpus.readText($0) } ?? CharacterCorpus.embeddedText())
        guard corpus.validation.numel > context + 1 else {
            throw ValidationError("the text is too short for a context of \(context) (validation part: \(corpus.validation.numel) characters)")
        }
        manualSeed(seed)
        let config = LanguageModelConfig(kind: model, vocabulary: corpus.vocabulary, context: context,
                                         width: width ?? (model == "gpt" ? 128 : 256), layers: layers ?? (model == "gpt" ? 4 : 2),
                                         heads: heads, dropout: dropout)
        let net = config.makeModel()
        let params = net.parameters()
        let opt = AdamW(params, lr: lr, weightDecay: 0.01)
        let warmup = min(100, steps / 10), total = steps
        let scheduler = LambdaLR(opt, lambda: { step in
            if step < warmup { return Double(step + 1) / Double(warmup) }
            let progress = Double(step - warmup) / Double(max(1, total - warmup))
            return 0.1 + 0.45 * (1 + cosTurns(progress))
        })
        let batchGenerator = Generator(seed: seed)
        let validation = CharacterCorpus.sequentialBatches(corpus.validation, batchSize: batchSize, context: context, maxBatches: evalBatches)
        let vocab = config.vocabulary.count
        print("training \(model) on \(source): \(corpus.train.numel) train / \(corpus.validation.numel) validation characters, " +
              "\(vocab)-character vocabulary, \(params.reduce(0) { $0 + $1.numel }) parameters")
        try FileIO.makeDirectory(output)
        var bar = ProgressBar(total: steps, label: "lm")
        var lossSum = 0.0, lossCount = 0, validationLoss = Double.nan, emaLoss = Double.nan
        for step in 1...steps {
            let (x, y) = CharacterCorpus.randomBatch(corpus.train, batchSize: batchSize, context: context, generator: batchGenerator)
            let loss = F.crossEntropy(net.logits(x).reshape([-1, vocab]), y.reshape([-1]))
            opt.zeroGrad()
            loss.backward()
            _ = clipGradNorm_(params, maxNorm: 1.0)
            opt.step()
            scheduler.step()
            let l = loss.item(Double.self)
            lossSum += l
            lossCount += 1
            emaLoss = emaLoss.isNaN ? l : 0.95 * emaLoss + 0.05 * l
            if step % evalInterval == 0 || step == steps {
                validationLoss = meanLoss(net, validation, vocabulary: vocab)
                bar.finish("step \(step): train loss \(fmt(lossSum / Double(lossCount), 4)) val loss \(fmt(validationLoss, 4)) " +
                           "val perplexity \(fmt(exp(validationLoss), 3))")
                lossSum = 0
                lossCount = 0
            }
            let ppl = validationLoss.isNaN ? "-" : fmt(exp(validationLoss), 3)
            bar.update(step: step, samples: step * batchSize * context, metrics: "loss \(fmt(emaLoss, 4)) val ppl \(ppl)")
        }
        let ckpt = TrainingCheckpoint(model: net.stateDict(), optimizer: opt.stateDict(), scheduler: scheduler.stateDict,
                                      epoch: 0, step: steps, rngStates: ["default": Generator.default.state, "batches": batchGenerator.state],
                                      info: config.info)
        try ckpt.save(to: "\(output)/checkpoint.safetensors")
        print("saved \(output)/checkpoint.safetensors")
        print("validation loss: \(fmt(validationLoss, 4)) nats/char (perplexity \(fmt(exp(validationLoss), 3)))")
        print("sample (temperature \(sampling.temperature)\(sampling.topK.map { ", top-k \($0)" } ?? "")):")
        print(try sampling.sample(net, config.vocabulary))
    }
}

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sample", abstract: "Sample text from a checkpoint written by `swifttorch lm`.")

    @Option(help: "Checkpoint file.")
    var checkpoint: String = "runs/lm/checkpoint.safetensors"
    @OptionGroup var sampling: SamplingOptions

    func run() throws {
        let ckpt = try TrainingCheckpoint.load(from: checkpoint)
        let config = try LanguageModelConfig(info: ckpt.info, source: checkpoint)
        let net = config.makeModel()
        try net.loadStateDict(ckpt.model)
        print(try sampling.sample(net, config.vocabulary))
    }
}

/// (cos(pi * progress)): 1 at the start, -1 at the end.
func cosTurns(_ progress: Double) -> Double { cos(Double.pi * min(max(progress, 0), 1)) }
