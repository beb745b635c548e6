import Dispatch
import TorchCore
#if canImport(Glibc)
import Glibc
#endif

/// The random source of the sample being loaded: seeded from the loader's seed, the
/// epoch and the sample index, so random transforms give the same result whatever
/// the number of workers.
public enum SampleRandom {
    nonisolated(unsafe) static var key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// The generator for the current sample, or the default generator outside a loader.
    public static var generator: Generator {
        if let p = pthread_getspecific(key) { return Unmanaged<Generator>.fromOpaque(p).takeUnretainedValue() }
        return .default
    }

    static func with<R>(_ g: Generator, _ body: () -> R) -> R {
        let old = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(g).toOpaque())
        defer { pthread_setspecific(key, old) }
        return body()
    }
}

/// Batches of a dataset (`torch.utils.data.DataLoader`): sequential or shuffled
/// order (from the loader's own seeded generator), drop_last, custom samplers and
/// collation, and worker threads that prefetch batches while the consumer keeps
/// PyTorch's batch order. Iterating again starts the next epoch.
public final class DataLoader<D: Dataset, Batch>: Sequence {
    public let dataset: D
    public let batchSize: Int
    public let numWorkers: Int
    public let prefetchFactor: Int
    var batchSampler: BatchSampler
    let collate: ([D.Element]) -> Batch
    let seed: UInt64
    /// Epochs started so far; set it when resuming so per-sample randomness continues.
    public var epoch = 0
    /// The generator that shuffles (nil without shuffle); its state belongs in checkpoints.
    public let shuffleGenerator: TorchCore.Generator?

    public init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
                sampler: (any Sampler)? = nil, numWorkers: Int = 0, prefetchFactor: Int = 2,
                seed: UInt64 = 0, collate: @escaping ([D.Element]) -> Batch) {
        torchCheck(numWorkers >= 0, "num_workers option should be non-negative")
        torchCheck(sampler == nil || !shuffle, "sampler option is mutually exclusive with shuffle")
        self.dataset = dataset
        self.batchSize = batchSize
        self.numWorkers = numWorkers
        self.prefetchFactor = Swift.max(1, prefetchFactor)
        self.collate = collate
        self.seed = seed
        let g: TorchCore.Generator? = sampler == nil && shuffle ? TorchCore.Generator(seed: seed) : nil
        shuffleGenerator = g
        let s: any Sampler = sampler ?? (g.map { RandomSampler(count: dataset.count, generator: $0) as any Sampler }
                                         ?? SequentialSampler(count: dataset.count))
        batchSampler = BatchSampler(s, batchSize: batchSize, dropLast: dropLast)
    }

    /// Batches per epoch (`len(loader)`).
    public var count: Int {
        let n = dataset.count
        return batchSampler.dropLast ? n / batchSize : (n + batchSize - 1) / batchSize
    }

    func loadBatch(_ indices: [Int], epoch: Int) -> Batch {
        let samples = indices.map { i in
            SampleRandom.with(TorchCore.Generator(seed: seed &* 0x9E3779B97F4A7C15 &+ UInt64(epoch) &* 0x100000001B3 &+ UInt64(i))) { dataset[i] }
        }
        return collate(samples)
    }

    public func makeIterator() -> Iterator {
        let batches = batchSampler.epochBatches()
        defer { epoch += 1 }
        return Iterator(loader: self, batches: batches, epoch: epoch)
    }

    public final class Iterator: IteratorProtocol {
        let loader: DataLoader
        let batches: [[Int]]
        let epoch: Int
        var position = 0
        let queue: PrefetchQueue<Batch>?

        init(loader: DataLoader, batches: [[Int]], epoch: Int) {
            self.loader = loader
            self.batches = batches
            self.epoch = epoch
            if loader.numWorkers > 0 && batches.count > 0 {
                let q = PrefetchQueue<Batch>(total: batches.count, window: loader.numWorkers * loader.prefetchFactor)
                queue = q
                let box = UncheckedSendable((loader, batches, epoch))
                for _ in 0..<loader.numWorkers {
                    DispatchQueue.global().async {
                        let (l, b, e) = box.value
                        while let i = q.claim() {
                            q.deliver(i, l.loadBatch(b[i], epoch: e))
                        }
                    }
                }
            } else {
                queue = nil
            }
        }

        deinit { queue?.cancel() }

        public func next() -> Batch? {
            guard position < batches.count else { return nil }
            defer { position += 1 }
            if let queue { return queue.take(position) }
            return loader.loadBatch(batches[position], epoch: epoch)
        }
    }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Batches produced by workers, handed out in index order; workers stay at most
/// `window` batches ahead of the consumer.
final class PrefetchQueue<T>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var ready: [Int: T] = [:]
    private var nextClaim = 0
    private var consumed = 0
    private var cancelled = false
    let total: Int, window: Int

    init(total: Int, window: Int) {
        self.total = total
        self.window = window
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    func claim() -> Int? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while !cancelled && nextClaim < total && nextClaim >= consumed + window { pthread_cond_wait(&cond, &mutex) }
        guard !cancelled && nextClaim < total else { return nil }
        defer { nextClaim += 1 }
        return nextClaim
    }

    func deliver(_ i: Int, _ value: T) {
        pthread_mutex_lock(&mutex)
        ready[i] = value
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }

    func take(_ i: Int) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while ready[i] == nil { pthread_cond_wait(&cond, &mutex) }
        consumed = i + 1
        pthread_cond_broadcast(&cond)
        return ready.removeValue(forKey: i)!
    }

    func cancel() {
        pthread_mutex_lock(&mutex)
        cancelled = true
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }
}

/// Stacks each position of the samples (PyTorch's `default_collate` for tuples of tensors).
public func defaultCollate(_ samples: [[Tensor]]) -> [Tensor] {
    guard let first = samples.first else { return [] }
    return (0..<first.count).map { k in Tensor.stack(samples.map { $0[k] }) }
}

extension DataLoader where D.Element == [Tensor], Batch == [Tensor] {
    public convenience init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
                            sampler: (any Sampler)? = nil, numWorkers: Int = 0, prefetchFactor: Int = 2, seed: UInt64 = 0) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, sampler: sampler,
                  numWorkers: numWorkers, prefetchFactor: prefetchFactor, seed: seed, collate: defaultCollate)
    }
}

extension DataLoader where D.Element == Tensor, Batch == Tensor {
    public convenience init(_ dataset: D, batchSize: Int = 1, shuffle: Bool = false, dropLast: Bool = false,
                            sampler: (any Sampler)? = nil, numWorkers: Int = 0, prefetchFactor: Int = 2, seed: UInt64 = 0) {
        self.init(dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast, sampler: sampler,
                  numWorkers: numWorkers, prefetchFactor: prefetchFactor, seed: seed, collate: { Tensor.stack($0) })
    }
}
