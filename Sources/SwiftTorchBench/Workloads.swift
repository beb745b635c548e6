import Torch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One benchmark: `make` builds the inputs (untimed) and returns the body that is timed.
/// `batch` calls of the body make one timed sample (large for tiny ops, so clock
/// overhead does not dominate).
struct Workload {
    let name: String
    let batch: Int
    /// Floating-point operations per call, where the report compares the rate with the peak.
    var flops: Double? = nil
    let make: () -> (() -> Void)
}

private let oneM = 1 << 20
private let sixteenM = 1 << 24

/// The workloads, in report order. Names, shapes and dtypes match benchmarks/torch_bench.py.
var allWorkloads: [Workload] {
    [
        Workload(name: "tiny_add", batch: 1000) {
            let a = Tensor.randn([4]), b = Tensor.randn([4])
            return { blackHole(a + b) }
        },
        Workload(name: "tiny_add_grad", batch: 1000) {
            let a = Tensor.randn([4]), b = Tensor.randn([4])
            a.requiresGrad = true
            b.requiresGrad = true
            return { blackHole(a + b) }
        },
        sgemm(256),
        sgemm(1024),
        sgemm(2048),
        Workload(name: "bf16_matmul_1024", batch: 1) {
            let a = Tensor.randn([1024, 1024]).to(.bfloat16), b = Tensor.randn([1024, 1024]).to(.bfloat16)
            return { blackHole(a.matmul(b)) }
        },
    ] + elementwise("add") { a, b in a + b }
      + elementwise("mul") { a, b in a * b }
      + elementwise("exp") { a, _ in a.exp() }
      + elementwise("tanh") { a, _ in a.tanh() }
      + elementwise("gelu") { a, _ in F.gelu(a) }
      + elementwise("sum") { a, _ in a.sum() }
      + elementwise("max") { a, _ in a.max() }
      + rows("softmax") { x in x.softmax(dim: -1) }
      + rows("layer_norm") { x in F.layerNorm(x, normalizedShape: [1024]) }
      + crossEntropy()
      + [
        Workload(name: "conv2d_digits_fwd_bwd", batch: 1) { makeConvFwdBwd(batch: 32, cin: 16, cout: 32, size: 8) },
        Workload(name: "conv2d_resnet_fwd_bwd", batch: 1) { makeConvFwdBwd(batch: 32, cin: 64, cout: 64, size: 32) },
        Workload(name: "mlp_step", batch: 1) { makeMLPStep() },
        Workload(name: "digits_cnn_step", batch: 1) { makeDigitsCNNStep() },
        Workload(name: "resnet18_step", batch: 1) { makeResNet18Step() },
        Workload(name: "digits_cnn_step_autocast", batch: 1) { makeDigitsCNNStep(autocast: true) },
        Workload(name: "resnet18_step_autocast", batch: 1) { makeResNet18Step(autocast: true) },
        Workload(name: "lstm_step", batch: 1) { makeLSTMStep() },
        Workload(name: "gpt_step", batch: 1) { makeGPTStep() },
        Workload(name: "dataloader_mnist", batch: 1) { makeDataLoaderEpoch() },
    ]
}

/// `<name>_1m` and `<name>_16m` over float32 vectors (randn inputs).
private func elementwise(_ name: String, _ f: @escaping (Tensor, Tensor) -> Tensor) -> [Workload] {
    [("1m", oneM), ("16m", sixteenM)].map { suffix, n in
        Workload(name: "\(name)_\(suffix)", batch: 1) {
            let a = Tensor.randn([n]), b = Tensor.randn([n])
            return { blackHole(f(a, b)) }
        }
    }
}

/// `<name>_1m` and `<name>_16m` over rows of 1024 floats.
private func rows(_ name: String, _ f: @escaping (Tensor) -> Tensor) -> [Workload] {
    [("1m", oneM), ("16m", sixteenM)].map { suffix, n in
        Workload(name: "\(name)_\(suffix)", batch: 1) {
            let x = Tensor.randn([n / 1024, 1024])
            return { blackHole(f(x)) }
        }
    }
}

/// Mean cross-entropy of logits [N, 1024] against random classes.
private func crossEntropy() -> [Workload] {
    [("1m", oneM), ("16m", sixteenM)].map { suffix, n in
        Workload(name: "cross_entropy_\(suffix)", batch: 1) {
            let x = Tensor.randn([n / 1024, 1024]), y = Tensor.randint(low: 0, high: 1024, [n / 1024])
            return { blackHole(F.crossEntropy(x, y)) }
        }
    }
}

/// conv2d 3x3 (padding 1, bias) forward and backward to input, weight and bias.
private func makeConvFwdBwd(batch: Int, cin: Int, cout: Int, size: Int) -> () -> Void {
    let conv = Conv2d(cin, cout, kernelSize: 3, padding: 1)
    let x = Tensor.randn([batch, cin, size, size]).requiresGrad_()
    return {
        let y = conv(x)
        y.sum().backward()
        x.grad = nil
        conv.zeroGrad()
        blackHole(y)
    }
}

/// A training step: cross-entropy of `model(x)` against `y`, backward, optimizer step.
/// `autocast`: the forward pass and the loss run under bfloat16 autocast, backward and
/// the step outside it (PyTorch's mixed-precision recipe).
private func classifierStep(_ model: Module, _ opt: Optimizer, _ x: Tensor, _ y: Tensor, autocast: Bool = false) -> () -> Void {
    {
        let loss = withAutocast(enabled: autocast) { F.crossEntropy(model(x), y) }
        opt.zeroGrad()
        loss.backward()
        opt.step()
        blackHole(loss)
    }
}

/// One SGD (momentum 0.9) step of a 784-256-256-10 ReLU MLP, batch 64, cross-entropy.
private func makeMLPStep() -> () -> Void {
    let model = Sequential(Linear(784, 256), ReLU(), Linear(256, 256), ReLU(), Linear(256, 10))
    let opt = SGD(model.parameters(), lr: 0.01, momentum: 0.9)
    let x = Tensor.randn([64, 784]), y = Tensor.randint(low: 0, high: 10, [64])
    return classifierStep(model, opt, x, y)
}

/// torchvision's BasicBlock: two 3x3 conv-BN pairs and a (projected) shortcut.
private final class BasicBlock: Module {
    let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    let downsample: Sequential?

    init(_ cin: Int, _ cout: Int, stride: Int) {
        conv1 = Conv2d(cin, cout, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = BatchNorm2d(cout)
        conv2 = Conv2d(cout, cout, kernelSize: 3, padding: 1, bias: false)
        bn2 = BatchNorm2d(cout)
        downsample = stride != 1 || cin != cout
            ? Sequential(Conv2d(cin, cout, kernelSize: 1, stride: stride, bias: false), BatchNorm2d(cout)) : nil
        super.init()
    }

    override func forward(_ x: Tensor) -> Tensor {
        let out = bn2(conv2(F.relu(bn1(conv1(x)))))
        return F.relu(out + (downsample.map { $0(x) } ?? x))
    }
}

/// ResNet-18 for 32x32 inputs (3x3 stem, no max-pool; stages 64-128-256-512 of two
/// basic blocks; global average pool; 10 classes), batch 32, SGD momentum 0.9.
private func makeResNet18Step(autocast: Bool = false) -> () -> Void {
    var layers: [Module] = [Conv2d(3, 64, kernelSize: 3, padding: 1, bias: false), BatchNorm2d(64), ReLU()]
    var cin = 64
    for (cout, stride) in [(64, 1), (128, 2), (256, 2), (512, 2)] {
        layers.append(BasicBlock(cin, cout, stride: stride))
        layers.append(BasicBlock(cout, cout, stride: 1))
        cin = cout
    }
    layers += [AdaptiveAvgPool2d(1), Flatten(), Linear(512, 10)]
    let model = Sequential(layers)
    let opt = SGD(model.parameters(), lr: 0.01, momentum: 0.9, weightDecay: 5e-4)
    let x = Tensor.randn([32, 3, 32, 32]), y = Tensor.randint(low: 0, high: 10, [32])
    return classifierStep(model, opt, x, y, autocast: autocast)
}

/// One epoch of a DataLoader over 10,000 MNIST-shaped uint8 images with random crop
/// (padding 2) and normalisation, batch 64, shuffled, no workers.
private func makeDataLoaderEpoch() -> () -> Void {
    let images = Tensor.randint(low: 0, high: 256, [10_000, 1, 28, 28], dtype: .uint8)
    let labels = Tensor.randint(low: 0, high: 10, [10_000])
    let transform = Compose([RandomCrop(size: 28, padding: 2), Normalize(mean: [0.1307], std: [0.3081])])
    let data = ImageClassificationDataset(images: images, labels: labels, classes: 10, transform: transform)
    let loader = DataLoader(data, batchSize: 64, shuffle: true, seed: 0)
    return {
        var n = 0
        for batch in loader { n += batch[0].shape[0] }
        blackHole(n)
    }
}

private func sgemm(_ n: Int) -> Workload {
    Workload(name: "sgemm_\(n)", batch: 1, flops: 2 * Double(n * n * n)) {
        let a = Tensor.randn([n, n]), b = Tensor.randn([n, n])
        return { blackHole(a.matmul(b)) }
    }
}

/// One Adam training step of the digits CNN (conv 1->16, conv 16->32, max-pool,
/// linear 512->64, linear 64->10; batch 32 of 1x8x8).
private func makeDigitsCNNStep(autocast: Bool = false) -> () -> Void {
    manualSeed(0)
    let model = Sequential(
        Conv2d(1, 16, kernelSize: 3, padding: 1), ReLU(),
        Conv2d(16, 32, kernelSize: 3, padding: 1), ReLU(),
        MaxPool2d(2), Flatten(),
        Linear(512, 64), ReLU(), Linear(64, 10))
    let opt = Adam(model.parameters(), lr: 1e-3)
    let x = Tensor.rand([32, 1, 8, 8])
    let y = Tensor.randint(low: 0, high: 10, [32])
    return classifierStep(model, opt, x, y, autocast: autocast)
}

/// LSTM (input 64, hidden 256, 1 layer), sequence 64, batch 32: forward, MSE-free
/// sum loss on a linear head, backward, Adam.
private func makeLSTMStep() -> () -> Void {
    manualSeed(0)
    let lstm = LSTM(64, 256, batchFirst: true)
    let head = Linear(256, 64)
    let opt = Adam(lstm.parameters() + head.parameters(), lr: 1e-3)
    let x = Tensor.randn([32, 64, 64])
    let target = Tensor.randn([32, 64, 64])
    return {
        let (out, _, _) = lstm(x)
        let loss = F.mseLoss(head(out), target)
        opt.zeroGrad()
        loss.backward()
        opt.step()
        blackHole(loss)
    }
}

/// A 4-layer GPT-style decoder (d_model 128, 4 heads, context 64, vocabulary 96,
/// pre-norm, GELU), batch 16: next-token cross-entropy, backward, AdamW.
private func makeGPTStep() -> () -> Void {
    manualSeed(0)
    let vocab = 96, context = 64, dModel = 128, batch = 16
    let tokenEmbedding = Embedding(vocab, dModel), positionEmbedding = Embedding(context, dModel)
    let blocks = TransformerEncoder(numLayers: 4, norm: LayerNorm([dModel])) {
        TransformerEncoderLayer(dModel: dModel, nhead: 4, dimFeedforward: 4 * dModel, dropout: 0, activation: "gelu",
                                batchFirst: true, normFirst: true)
    }
    let head = Linear(dModel, vocab)
    let params = tokenEmbedding.parameters() + positionEmbedding.parameters() + blocks.parameters() + head.parameters()
    let opt = AdamW(params, lr: 3e-4)
    let tokens = Tensor.randint(low: 0, high: vocab, [batch, context + 1])
    let x = tokens[.all, 0..<context], y = tokens[.all, 1...]
    let positions = Tensor.arange(0, .int(Int64(context)))
    let mask = generateSquareSubsequentMask(context)
    return {
        let h = tokenEmbedding(x) + positionEmbedding(positions)
        let logits = head(blocks(h, mask: mask, isCausal: true))
        let loss = F.crossEntropy(logits.reshape([-1, vocab]), y.reshape([-1]))
        opt.zeroGrad()
        loss.backward()
        opt.step()
        blackHole(loss)
    }
}
