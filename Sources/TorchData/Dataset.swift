import TorchCore

/// A map-style dataset (`torch.utils.data.Dataset`): `count` samples addressed by index.
public protocol Dataset<Element> {
    associatedtype Element
    var count: Int { get }
    subscript(index: Int) -> Element { get }
}

/// A dataset read as a stream (`IterableDataset`).
public protocol IterableDataset<Element>: Sequence {}

/// Samples are the i-th slices of each tensor (`TensorDataset`).
public struct TensorDataset: Dataset {
    public let tensors: [Tensor]

    public init(_ tensors: Tensor...) { self.init(tensors) }

    public init(_ tensors: [Tensor]) {
        torchCheck(!tensors.isEmpty, "TensorDataset needs at least one tensor")
        torchCheck(tensors.allSatisfy { $0.rank > 0 && $0.shape[0] == tensors[0].shape[0] }, "Size mismatch between tensors")
        self.tensors = tensors
    }

    public var count: Int { tensors.first?.shape.first ?? 0 }
    public subscript(index: Int) -> [Tensor] { tensors.map { $0[index] } }
}

/// The samples of `dataset` at `indices` (`Subset`).
public struct Subset<Base: Dataset>: Dataset {
    public let dataset: Base
    public let indices: [Int]
    public init(_ dataset: Base, indices: [Int]) {
        self.dataset = dataset
        self.indices = indices
    }
    public var count: Int { indices.count }
    public subscript(index: Int) -> Base.Element { dataset[indices[index]] }
}

/// Datasets one after another (`ConcatDataset`).
public struct ConcatDataset<Base: Dataset>: Dataset {
    public let datasets: [Base]
    let offsets: [Int]
    public init(_ datasets: [Base]) {
        self.datasets = datasets
        var o: [Int] = []
        var total = 0
        for d in datasets { o.append(total); total += d.count }
        offsets = o
    }
    public var count: Int { datasets.reduce(0) { $0 + $1.count } }
    public subscript(index: Int) -> Base.Element {
        var k = datasets.count - 1
        while k > 0 && offsets[k] > index { k -= 1 }
        return datasets[k][index - offsets[k]]
    }
}

/// Splits a dataset into random non-overlapping subsets of the given lengths
/// (`random_split`); fractions that sum to 1 are also accepted.
public func randomSplit<D: Dataset>(_ dataset: D, lengths: [Double], generator: Generator? = nil) -> [Subset<D>] {
    var counts: [Int]
    if lengths.allSatisfy({ $0 <= 1 }) && abs(lengths.reduce(0, +) - 1) < 1e-9 && lengths.contains(where: { $0 < 1 && $0 > 0 }) {
        counts = lengths.map { Int((Double(dataset.count) * $0).rounded(.down)) }
        var rest = dataset.count - counts.reduce(0, +)
        var i = 0
        while rest > 0 { counts[i % counts.count] += 1; rest -= 1; i += 1 }
    } else {
        counts = lengths.map { Int($0) }
    }
    torchCheck(counts.reduce(0, +) == dataset.count, "Sum of input lengths does not equal the length of the input dataset!")
    let perm = Tensor.randperm(dataset.count, generator: generator).toArray(Int64.self).map(Int.init)
    var start = 0
    return counts.map { n in
        defer { start += n }
        return Subset(dataset, indices: Array(perm[start..<(start + n)]))
    }
}
