import TorchCore

/// A text as character ids over its sorted set of distinct characters (Unicode
/// scalars), split into training and validation parts, with random context windows
/// for next-character prediction.
public struct CharacterCorpus {
    public let vocabulary: CharacterVocabulary
    /// All character ids, int64 [L].
    public let ids: Tensor
    public let train: Tensor
    public let validation: Tensor

    /// The first `1 - validationFraction` of the text trains, the rest validates.
    public init(text: String, validationFraction: Double = 0.1, vocabulary: CharacterVocabulary? = nil) throws {
        let vocab = vocabulary ?? CharacterVocabulary(text: text)
        let encoded = try vocab.encode(text)
        guard encoded.count >= 4 else { throw TorchIOError("character corpus: the text has \(encoded.count) characters; at least 4 are needed") }
        guard validationFraction > 0 && validationFraction < 1 else {
            throw TorchIOError("character corpus: validation fraction must be in (0, 1), got \(validationFraction)")
        }
        self.vocabulary = vocab
        ids = Tensor(encoded, shape: [encoded.count])
        let n = max(2, min(encoded.count - 2, Int(Double(encoded.count) * (1 - validationFraction))))
        train = ids[0..<n]
        validation = ids[n...]
    }

    /// Genesis and Exodus of the King James Bible (public domain), embedded in the library.
    public static func embeddedText() throws -> String {
        guard let gz = Base64.decode(EmbeddedText.kjvGenesisExodus) else { throw TorchIOError("embedded text: corrupt base64") }
        let bytes = try IDX.gunzip(gz, source: "embedded text")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a UTF-8 text file.
    public static func readText(_ path: String) throws -> String {
        let bytes = try FileIO.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw TorchIOError("\(path): not valid UTF-8 text") }
        return text
    }

    /// `batchSize` windows of `context + 1` characters from `part` at random offsets:
    /// inputs [B, context] and the next-character targets [B, context].
    public static func randomBatch(_ part: Tensor, batchSize: Int, context: Int, generator: Generator? = nil) -> (input: Tensor, target: Tensor) {
        torchCheck(part.numel > context, "character batch: the text part has \(part.numel) characters, fewer than context + 1 = \(context + 1)")
        let starts = Tensor.randint(low: 0, high: part.numel - context, [batchSize, 1], generator: generator)
        let windows = part.gather(0, (starts + Tensor.arange(0, .int(Int64(context + 1))).unsqueeze(0)).reshape([-1])).reshape([batchSize, context + 1])
        return (windows[.all, 0..<context].contiguous(), windows[.all, 1...].contiguous())
    }

    /// Consecutive non-overlapping windows covering `part` (for validation): at most
    /// `maxBatches` batches of inputs and targets.
    public static func sequentialBatches(_ part: Tensor, batchSize: Int, context: Int, maxBatches: Int) -> [(input: Tensor, target: Tensor)] {
        let windows = (part.numel - 1) / context
        var batches: [(Tensor, Tensor)] = []
        var w = 0
        while w < windows && batches.count < maxBatches {
            let n = min(batchSize, windows - w)
            let starts = Tensor.arange(.int(Int64(w * context)), .int(Int64((w + n) * context)), step: .int(Int64(context))).unsqueeze(1)
            let idx = (starts + Tensor.arange(0, .int(Int64(context + 1))).unsqueeze(0)).reshape([-1])
            let win = part.gather(0, idx).reshape([n, context + 1])
            batches.append((win[.all, 0..<context].contiguous(), win[.all, 1...].contiguous()))
            w += n
        }
        return batches
    }
}

/// The characters of a text, sorted by code point; id i is the i-th character.
public struct CharacterVocabulary: Sendable, Equatable {
    public let characters: [Unicode.Scalar]
    private let index: [UInt32: Int64]

    public init(text: String) {
        self.init(characters: Array(Set(text.unicodeScalars)).sorted { $0.value < $1.value })
    }

    public init(characters: [Unicode.Scalar]) {
        self.characters = characters
        var index: [UInt32: Int64] = [:]
        for (i, c) in characters.enumerated() { index[c.value] = Int64(i) }
        self.index = index
    }

    public var count: Int { characters.count }

    /// The vocabulary as one string (what checkpoints store).
    public var string: String { String(String.UnicodeScalarView(characters)) }

    public func encode(_ text: String) throws -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(text.unicodeScalars.count)
        for c in text.unicodeScalars {
            guard let i = index[c.value] else {
                throw TorchIOError("character vocabulary: '\(c.escaped(asASCII: true))' (U+\(String(c.value, radix: 16, uppercase: true))) is not in the model's \(count)-character vocabulary")
            }
            ids.append(i)
        }
        return ids
    }

    public func decode(_ ids: [Int]) -> String {
        String(String.UnicodeScalarView(ids.map { characters[$0] }))
    }

    public static func == (a: CharacterVocabulary, b: CharacterVocabulary) -> Bool { a.characters == b.characters }
}
