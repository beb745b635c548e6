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
        Workload(name: "exp_1m", batch: 1) {
            let x = Tensor.randn([oneM])
            return { blackHole(x.exp()) }
        },
        Workload(name: "exp_16m", batch: 1) {
            let x = Tensor.randn([sixteenM])
            return { blackHole(x.exp()) }
        },
        Workload(name: "add_1m", batch: 1) {
            let a = Tensor.randn([oneM]), b = Tensor.randn([oneM])
            return { blackHole(a + b) }
        },
        Workload(name: "add_16m", batch: 1) {
            let a = Tensor.randn([sixteenM]), b = Tensor.randn([sixteenM])
            return { blackHole(a + b) }
        },
        Workload(name: "sum_1m", batch: 1) {
            let x = Tensor.randn([oneM])
            return { blackHole(x.sum()) }
        },
        Workload(name: "sum_16m", batch: 1) {
            let x = Tensor.randn([sixteenM])
            return { blackHole(x.sum()) }
        },
        Workload(name: "softmax_4096x1024", batch: 1) {
            let x = Tensor.randn([4096, 1024])
            return { blackHole(x.softmax(dim: -1)) }
        },
        Workload(name: "mlp3_fwd_bwd", batch: 1) { makeMLP3() },
        Workload(name: "digits_cnn_step", batch: 1) { makeDigitsCNNStep() },
        Workload(name: "lstm_step", batch: 1) { makeLSTMStep() },
        Workload(name: "gpt_step", batch: 1) { makeGPTStep() },
    ]
}

private func sgemm(_ n: Int) -> Workload {
    Workload(name: "sgemm_\(n)", batch: 1) {
        let a = Tensor.randn([n, n]), b = Tensor.randn([n, n])
        return { blackHole(a.matmul(b)) }
    }
}

/// A leaf parameter: randn scaled by 1/sqrt(fanIn), requiring grad.
private func parameter(_ shape: [Int], fanIn: Int) -> Tensor {
    let t = withNoGrad { Tensor.randn(shape) * (1.0 / Double(fanIn).squareRoot()) }
    t.requiresGrad = true
    return t
}

/// 784-256-256-10 MLP with ReLU, batch 64, cross-entropy loss, backward, grads cleared.
private func makeMLP3() -> () -> Void {
    let batch = 64
    let x = Tensor.randn([batch, 784])
    let target = Tensor.randint(low: 0, high: 10, [batch])
    let w1 = parameter([784, 256], fanIn: 784), b1 = parameter([256], fanIn: 784)
    let w2 = parameter([256, 256], fanIn: 256), b2 = parameter([256], fanIn: 256)
    let w3 = parameter([256, 10], fanIn: 256), b3 = parameter([10], fanIn: 256)
    let params = [w1, b1, w2, b2, w3, b3]
    let targetColumn = target.unsqueeze(1)

    // One untimed step to check the graph: a finite loss and a gradient for every parameter.
    do {
        let h1 = (x.matmul(w1) + b1).relu()
        let h2 = (h1.matmul(w2) + b2).relu()
        let loss = -((h2.matmul(w3) + b3).logSoftmax(dim: 1).gather(1, targetColumn)).mean()
        loss.backward()
        let value = loss.item().doubleValue
        let gradsOK = params.allSatisfy { $0.grad?.shape == $0.shape }
        if !value.isFinite || !gradsOK {
            printError("mlp3_fwd_bwd: bad step (loss \(value), grads present and shaped: \(gradsOK))")
            exit(1)
        }
        for p in params { p.grad = nil }
    }

    return {
        let h1 = (x.matmul(w1) + b1).relu()
        let h2 = (h1.matmul(w2) + b2).relu()
        let logits = h2.matmul(w3) + b3
        let loss = -(logits.logSoftmax(dim: 1).gather(1, targetColumn)).mean()
        loss.backward()
        for p in params { p.grad = nil }
        blackHole(loss)
    }
}

/// One Adam training step of the digits CNN (conv 1->16, conv 16->32, max-pool,
/// linear 512->64, linear 64->10; batch 32 of 1x8x8).
private func makeDigitsCNNStep() -> () -> Void {
    manualSeed(0)
    let model = Sequential(
        Conv2d(1, 16, kernelSize: 3, padding: 1), ReLU(),
        Conv2d(16, 32, kernelSize: 3, padding: 1), ReLU(),
        MaxPool2d(2), Flatten(),
        Linear(512, 64), ReLU(), Linear(64, 10))
    let opt = Adam(model.parameters(), lr: 1e-3)
    let x = Tensor.rand([32, 1, 8, 8])
    let y = Tensor.randint(low: 0, high: 10, [32])
    return {
        let loss = F.crossEntropy(model(x), y)
        opt.zeroGrad()
        loss.backward()
        opt.step()
        blackHole(loss)
    }
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
