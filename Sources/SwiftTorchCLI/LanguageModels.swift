import Torch

/// Hyperparameters of a character-level model, as stored in its checkpoint.
struct LanguageModelConfig {
    var kind: String          // "gpt" or "lstm"
    var vocabulary: CharacterVocabulary
    var context: Int
    var width: Int            // d_model (gpt) or hidden size (lstm)
    var layers: Int
    var heads: Int
    var dropout: Double

    var info: [String: String] {
        ["task": "lm", "model": kind, "vocabulary": vocabulary.string, "context": String(context), "width": String(width),
         "layers": String(layers), "heads": String(heads), "dropout": String(dropout)]
    }

    init(kind: String, vocabulary: CharacterVocabulary, context: Int, width: Int, layers: Int, heads: Int, dropout: Double) {
        self.kind = kind
        self.vocabulary = vocabulary
        self.context = context
        self.width = width
        self.layers = layers
        self.heads = heads
        self.dropout = dropout
    }

    init(info: [String: String], source: String) throws {
        guard info["task"] == "lm", let kind = info["model"], let vocab = info["vocabulary"],
              let context = info["context"].flatMap({ Int($0) }), let width = info["width"].flatMap({ Int($0) }),
              let layers = info["layers"].flatMap({ Int($0) }), let heads = info["heads"].flatMap({ Int($0) }),
              let dropout = info["dropout"].flatMap({ Double($0) }) else {
            throw TorchIOError("\(source): not a language-model checkpoint written by `swifttorch lm`")
        }
        self.init(kind: kind, vocabulary: CharacterVocabulary(characters: Array(vocab.unicodeScalars)), context: context,
                  width: width, layers: layers, heads: heads, dropout: dropout)
    }

    func makeModel() -> any CharacterModel {
        kind == "lstm" ? CharLSTM(self) : CharGPT(self)
    }
}

/// A next-character model: ids [B, T] -> logits [B, T, vocabulary].
protocol CharacterModel: Module {
    func logits(_ ids: Tensor) -> Tensor
    /// Logits for the character after `ids` (the model keeps no state between calls).
    func nextLogits(_ ids: [Int64]) -> Tensor
}

/// GPT-style decoder: token and position embeddings, pre-norm causal Transformer
/// blocks (GELU), a final LayerNorm and a linear head.
final class CharGPT: Module, CharacterModel {
    let tokenEmbedding: Embedding
    let positionEmbedding: Embedding
    let blocks: TransformerEncoder
    let head: Linear
    let context: Int
    let mask: Tensor

    init(_ c: LanguageModelConfig) {
        tokenEmbedding = Embedding(c.vocabulary.count, c.width)
        positionEmbedding = Embedding(c.context, c.width)
        blocks = TransformerEncoder(numLayers: c.layers, norm: LayerNorm([c.width])) {
            TransformerEncoderLayer(dModel: c.width, nhead: c.heads, dimFeedforward: 4 * c.width, dropout: c.dropout,
                                    activation: "gelu", batchFirst: true, normFirst: true)
        }
        head = Linear(c.width, c.vocabulary.count)
        context = c.context
        mask = generateSquareSubsequentMask(c.context)
        super.init()
    }

    func logits(_ ids: Tensor) -> Tensor {
        let t = ids.shape[1]
        let h = tokenEmbedding(ids) + positionEmbedding(Tensor.arange(0, .int(Int64(t))))
        let m = t == context ? mask : mask[0..<t, 0..<t]
        return head(blocks(h, mask: m, isCausal: true))
    }

    func nextLogits(_ ids: [Int64]) -> Tensor {
        let window = Array(ids.suffix(context))
        return logits(Tensor(window, shape: [1, window.count]))[0, window.count - 1]
    }
}

/// Embedding, a stacked LSTM and a linear head.
final class CharLSTM: Module, CharacterModel {
    let embedding: Embedding
    let lstm: LSTM
    let head: Linear

    init(_ c: LanguageModelConfig) {
        embedding = Embedding(c.vocabulary.count, c.width)
        lstm = LSTM(c.width, c.width, numLayers: c.layers, batchFirst: true, dropout: c.dropout)
        head = Linear(c.width, c.vocabulary.count)
        super.init()
    }

    func logits(_ ids: Tensor) -> Tensor { head(lstm(embedding(ids)).output) }

    func nextLogits(_ ids: [Int64]) -> Tensor {
        logits(Tensor(ids, shape: [1, ids.count]))[0, ids.count - 1]
    }
}

/// Samples `length` characters after `prompt`: logits / temperature, restricted to the
/// `topK` most likely characters when given.
func sampleText(_ model: any CharacterModel, vocabulary: CharacterVocabulary, prompt: String, length: Int,
                temperature: Double, topK: Int?, generator: Generator) throws -> String {
    model.eval()
    defer { model.train() }
    var ids = try vocabulary.encode(prompt)
    if ids.isEmpty { ids = [Int64(vocabulary.characters.firstIndex(of: "\n") ?? 0)] }
    let start = ids.count
    withNoGrad {
        for _ in 0..<length {
            var logits = model.nextLogits(ids) / temperature
            if let topK, topK < vocabulary.count {
                let kth = logits.topk(topK).values[topK - 1]
                logits = logits.maskedFill(logits.lt(kth), .double(-.infinity))
            }
            let next = logits.softmax(dim: -1).multinomial(1, generator: generator).item(Int64.self)
            ids.append(next)
        }
    }
    return prompt + vocabulary.decode(ids[start...].map { Int($0) })
}

/// Mean cross-entropy (nats per character) over `batches`.
func meanLoss(_ model: any CharacterModel, _ batches: [(input: Tensor, target: Tensor)], vocabulary: Int) -> Double {
    model.eval()
    defer { model.train() }
    return withNoGrad {
        var total = 0.0, count = 0
        for (x, y) in batches {
            let loss = F.crossEntropy(model.logits(x).reshape([-1, vocabulary]), y.reshape([-1]), reduction: .sum)
            total += loss.item(Double.self)
            count += y.numel
        }
        return total / Double(max(count, 1))
    }
}
