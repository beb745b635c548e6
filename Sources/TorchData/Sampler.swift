import TorchCore

/// Produces the order of sample indices for one epoch (`torch.utils.data.Sampler`).
public protocol Sampler {
    /// Indices for the next epoch; randomised samplers draw from their generator.
    mutating func epochIndices() -> [Int]
}

/// 0, 1, ..., n-1 (`SequentialSampler`).
public struct SequentialSampler: Sampler {
    public let count: Int
    public init(count: Int) { self.count = count }
    public func epochIndices() -> [Int] { Array(0..<count) }
}

/// A random permutation (or draws with replacement) per epoch (`RandomSampler`).
public struct RandomSampler: Sampler {
    public let count: Int, replacement: Bool, numSamples: Int
    public let generator: Generator

    public init(count: Int, replacement: Bool = false, numSamples: Int? = nil, generator: Generator = Generator(seed: 0)) {
        self.count = count
        self.replacement = replacement
        self.numSamples = numSamples ?? count
        self.generator = generator
    }

    public func epochIndices() -> [Int] {
        if replacement {
            return Tensor.randint(low: 0, high: Swift.max(count, 1), [numSamples], generator: generator).toArray(Int64.self).map(Int.init)
        }
        return Tensor.randperm(count, generator: generator).toArray(Int64.self).map(Int.init)
    }
}

/// Indices drawn with probability proportional to `weights` (`WeightedRandomSampler`).
public struct WeightedRandomSampler: Sampler {
    public let weights: Tensor, numSamples: Int, replacement: Bool
    public let generator: Generator

    public init(weights: [Double], numSamples: Int, replacement: Bool = true, generator: Generator = Generator(seed: 0)) {
        self.weights = Tensor(weights, shape: [weights.count])
        self.numSamples = numSamples
        self.replacement = replacement
        self.generator = generator
    }

    public func epochIndices() -> [Int] {
        weights.multinomial(numSamples, replacement: replacement, generator: generator).toArray(Int64.self).map(Int.init)
    }
}

/// Groups a sampler's indices into batches (`BatchSampler`).
public struct BatchSampler {
    public var sampler: any Sampler
    public let batchSize: Int, dropLast: Bool

    public init(_ sampler: any Sampler, batchSize: Int, dropLast: Bool = false) {
        torchCheck(batchSize > 0, "batch_size should be a positive integer value, but got batch_size=\(batchSize)")
        self.sampler = sampler
        self.batchSize = batchSize
        self.dropLast = dropLast
    }

    public mutating func epochBatches() -> [[Int]] {
        let indices = sampler.epochIndices()
        var out: [[Int]] = []
        var i = 0
        while i < indices.count {
            let end = Swift.min(i + batchSize, indices.count)
            if end - i == batchSize || !dropLast { out.append(Array(indices[i..<end])) }
            i = end
        }
        return out
    }
}
