import Glibc
import Testing
import Torch

struct DataTests {
    @Test func datasetsAndSplits() {
        let x = Tensor.arange(0, 10).reshape([10, 1]), y = Tensor.arange(0, 10)
        let ds = TensorDataset(x, y)
        #expect(ds.count == 10 && ds[3][1].item(Int64.self) == 3)
        let parts = randomSplit(ds, lengths: [0.7, 0.3], generator: Generator(seed: 1))
        #expect(parts.map(\.count) == [7, 3])
        let all = Set((parts[0].indices + parts[1].indices))
        #expect(all.count == 10)
        let cat = ConcatDataset([Subset(ds, indices: [0, 1]), Subset(ds, indices: [5])])
        #expect(cat.count == 3 && cat[2][1].item(Int64.self) == 5)
    }

    @Test func loaderBatchesShufflesAndDropsLast() {
        let ds = TensorDataset(Tensor.arange(0, 10).reshape([10, 1]), Tensor.arange(0, 10))
        let seq = DataLoader(ds, batchSize: 4)
        #expect(seq.count == 3)
        #expect(Array(seq).map { $0[1].toArray(Int64.self) } == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        let drop = DataLoader(ds, batchSize: 4, dropLast: true)
        #expect(Array(drop).count == 2 && drop.count == 2)
        let a = DataLoader(ds, batchSize: 3, shuffle: true, seed: 7)
        let b = DataLoader(ds, batchSize: 3, shuffle: true, seed: 7)
        let e1 = Array(a).flatMap { $0[1].toArray(Int64.self) }, e2 = Array(a).flatMap { $0[1].toArray(Int64.self) }
        #expect(Set(e1) == Set(0..<10) && e1 != Array(0..<10))
        #expect(e1 != e2)
        #expect(Array(b).flatMap { $0[1].toArray(Int64.self) } == e1)
    }

    @Test func workersKeepOrderAndDeterminism() {
        let ds = TensorDataset(Tensor.arange(0, 100).reshape([100, 1]), Tensor.arange(0, 100))
        let plain = DataLoader(ds, batchSize: 8, shuffle: true, seed: 3)
        let threaded = DataLoader(ds, batchSize: 8, shuffle: true, numWorkers: 3, seed: 3)
        for _ in 0..<2 {
            #expect(Array(plain).map { $0[1].toArray(Int64.self) } == Array(threaded).map { $0[1].toArray(Int64.self) })
        }
        // random transforms draw from per-sample generators: same result with or without workers
        let images = ImageClassificationDataset(images: Tensor.randint(low: 0, high: 255, [16, 1, 6, 6], dtype: .uint8, generator: Generator(seed: 2)),
                                                labels: Tensor.zeros([16], dtype: .int64), classes: 1,
                                                transform: Compose([RandomCrop(size: 4, padding: 1), RandomHorizontalFlip()]))
        let l1 = DataLoader(images, batchSize: 4, shuffle: true, seed: 9)
        let l2 = DataLoader(images, batchSize: 4, shuffle: true, numWorkers: 2, seed: 9)
        let s1 = Array(l1).map { $0[0].toArray(Float.self) }, s2 = Array(l2).map { $0[0].toArray(Float.self) }
        #expect(s1 == s2)
        #expect(Array(l1).first![0].shape == [4, 1, 4, 4])
    }

    @Test func samplers() {
        let w = WeightedRandomSampler(weights: [0, 0, 1], numSamples: 5, generator: Generator(seed: 1))
        #expect(w.epochIndices() == [2, 2, 2, 2, 2])
        var bs = BatchSampler(SequentialSampler(count: 5), batchSize: 2, dropLast: false)
        #expect(bs.epochBatches() == [[0, 1], [2, 3], [4]])
        let r = RandomSampler(count: 5, replacement: true, numSamples: 20, generator: Generator(seed: 4)).epochIndices()
        #expect(r.count == 20 && r.allSatisfy { (0..<5).contains($0) })
    }

    @Test func embeddedDigits() throws {
        let train = try Digits(train: true), test = try Digits(train: false)
        #expect(train.count == 1437 && test.count == 360)
        #expect(train.images.shape == [1437, 1, 8, 8] && train.images.dtype == .uint8)
        let sample = train[0]
        #expect(sample[0].shape == [1, 8, 8] && sample[0].max().item(Double.self) <= 1)
        #expect(Set(train.labels.toArray(Int64.self)) == Set(0..<10))
    }

    @Test func idxErrorsNameTheFile() throws {
        let dir = "/tmp/swifttorch-idx-test"
        try FileIO.makeDirectory(dir)
        #expect(throws: TorchIOError.self) { try MNIST(root: dir) }
        try FileIO.writeAtomically([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3], to: "\(dir)/train-images-idx3-ubyte")
        do {
            _ = try IDX.images("\(dir)/train-images-idx3-ubyte")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("train-images-idx3-ubyte") && "\(error)".contains("pixel bytes"))
        }
        try FileIO.writeAtomically([0x1F, 0x8B, 1, 2, 3], to: "\(dir)/t10k-images-idx3-ubyte.gz")
        #expect(throws: TorchIOError.self) { try IDX.images("\(dir)/t10k-images-idx3-ubyte") }
    }

    @Test func transforms() {
        let img = Tensor.arange(0.0, 16.0).reshape([1, 4, 4])
        let n = Normalize(mean: [1], std: [2])(img)
        #expect(n[0, 0, 1].item(Double.self) == 0)
        let flipped = RandomHorizontalFlip(p: 1)(img)
        #expect(flipped[0, 0].toArray(Float.self) == [3, 2, 1, 0])
        let crop = RandomCrop(size: 4, padding: 2)(img)
        #expect(crop.shape == [1, 4, 4])
        let u8 = Tensor([UInt8](repeating: 255, count: 12), shape: [2, 2, 3])
        #expect(ToTensor()(u8).shape == [3, 2, 2] && ToTensor()(u8).max().item(Double.self) == 1)
    }
}

struct DatasetFileTests {
    @Test func gzipMNISTAndCIFARFilesAreRead() throws {
        let dir = "/tmp/swifttorch-datasets-\(getpid())"
        try FileIO.makeDirectory(dir)
        // 3 images of 2x2 and their labels, in IDX; the images gzip-compressed
        let images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2] + Array(0..<12)
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 3, 7, 1, 9]
        try FileIO.writeAtomically(images, to: "\(dir)/train-images-idx3-ubyte")
        try FileIO.writeAtomically(labels, to: "\(dir)/train-labels-idx1-ubyte")
        guard system("gzip -f \(dir)/train-images-idx3-ubyte") == 0 else { return }
        let ds = try MNIST(root: dir)
        #expect(ds.count == 3 && ds.images.shape == [3, 1, 2, 2])
        #expect(ds.images[2].flatten().toArray(UInt8.self) == [8, 9, 10, 11])
        #expect(ds.labels.toArray(Int64.self) == [7, 1, 9])
        // CIFAR-10: one test record of label 4 and 3072 pixels
        var record: [UInt8] = [4]
        record += (0..<3072).map { UInt8($0 % 256) }
        try FileIO.writeAtomically(record, to: "\(dir)/test_batch.bin")
        let c = try CIFAR10(root: dir, train: false)
        #expect(c.count == 1 && c.images.shape == [1, 3, 32, 32] && c.labels.item(Int64.self) == 4)
        #expect(c.images[0, 1, 0, 0].item(Int64.self) == 1024 % 256)
        try FileIO.writeAtomically(Array(record.dropLast()), to: "\(dir)/test_batch.bin")
        #expect(throws: TorchIOError.self) { try CIFAR10(root: dir, train: false) }
    }
}

/// The character corpus behind `swifttorch lm`.
struct CharacterCorpusTests {
    @Test func embeddedTextIsTheLicensedBook() throws {
        let text = try CharacterCorpus.embeddedText()
        #expect(text.utf8.count >= 100_000)
        #expect(text.hasPrefix("Genesis 1\n\nIn the beginning God created the heaven and the earth."))
        #expect(text.contains("Exodus 40"))
    }

    @Test func encodeDecodeAndSplit() throws {
        let text = "hello, world\nhello again"
        let corpus = try CharacterCorpus(text: text, validationFraction: 0.25)
        let vocab = corpus.vocabulary
        #expect(vocab.characters == Array(Set(text.unicodeScalars)).sorted { $0.value < $1.value })
        #expect(vocab.decode(corpus.ids.toArray(Int64.self).map { Int($0) }) == text)
        #expect(corpus.train.numel + corpus.validation.numel == text.unicodeScalars.count)
        #expect(corpus.train.numel == Int(Double(text.unicodeScalars.count) * 0.75))
        #expect(CharacterVocabulary(characters: Array(vocab.string.unicodeScalars)) == vocab)
        do {
            _ = try vocab.encode("hello!")
            Issue.record("expected an error for a character outside the vocabulary")
        } catch {
            #expect("\(error)".contains("'!'"))
        }
    }

    @Test func batchesPredictTheNextCharacter() throws {
        let corpus = try CharacterCorpus(text: String(repeating: "abcdefghij", count: 20))
        let (x, y) = CharacterCorpus.randomBatch(corpus.train, batchSize: 5, context: 7, generator: Generator(seed: 3))
        #expect(x.shape == [5, 7] && y.shape == [5, 7])
        let xs = x.toArray(Int64.self), ys = y.toArray(Int64.self)
        for i in 0..<xs.count { #expect(ys[i] == (xs[i] + 1) % 10) }   // ids of a..j are 0..9
        let batches = CharacterCorpus.sequentialBatches(corpus.validation, batchSize: 2, context: 4, maxBatches: 10)
        #expect(batches.reduce(0) { $0 + $1.input.shape[0] } == (corpus.validation.numel - 1) / 4)
        #expect(batches[0].input.toArray(Int64.self) == Array(corpus.validation.toArray(Int64.self)[0..<4])
                + Array(corpus.validation.toArray(Int64.self)[4..<8]))
    }
}
