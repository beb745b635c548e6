import CZlib
import TorchCore

/// Image classification data held in memory: uint8 images [N, C, H, W] and labels.
/// Samples are `[image, label]`: the image as float32 in [0, 1] ([C, H, W], after
/// the transform), the label as a 0-dim int64 tensor.
public struct ImageClassificationDataset: Dataset {
    public let images: Tensor
    public let labels: Tensor
    public let classes: Int
    public var transform: Transform?

    public init(images: Tensor, labels: Tensor, classes: Int, transform: Transform? = nil) {
        self.images = images
        self.labels = labels
        self.classes = classes
        self.transform = transform
    }

    public var count: Int { images.shape[0] }

    public subscript(index: Int) -> [Tensor] {
        var image = images[index].to(.float32) / 255.0
        if let transform { image = transform(image) }
        return [image, labels[index]]
    }

    /// All images as one float tensor in [0, 1] (no transform), and the labels.
    public var tensors: (images: Tensor, labels: Tensor) { (images.to(.float32) / 255.0, labels) }
}

/// Readers of the IDX files of MNIST-style datasets (raw or gzip-compressed).
public enum IDX {
    /// Reads `path`, or `path.gz` when only the compressed file exists.
    public static func readFile(_ path: String) throws -> [UInt8] {
        if FileIO.exists(path) { return try maybeGunzip(try FileIO.read(path), source: path) }
        if FileIO.exists(path + ".gz") { return try maybeGunzip(try FileIO.read(path + ".gz"), source: path + ".gz") }
        throw TorchIOError("\(path): file not found (nor \(path).gz)")
    }

    static func maybeGunzip(_ bytes: [UInt8], source: String) throws -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
        return try gunzip(bytes, source: source)
    }

    /// Decompresses gzip data with zlib.
    public static func gunzip(_ bytes: [UInt8], source: String) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TorchIOError("\(source): cannot initialise gzip decompression")
        }
        defer { inflateEnd(&stream) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = bytes
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            var status: Int32 = Z_OK
            repeat {
                status = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                out += chunk[0..<produced]
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
            } while status == Z_OK
            return status
        }
        guard status == Z_STREAM_END else { throw TorchIOError("\(source): corrupt or truncated gzip data (zlib status \(status))") }
        return out
    }

    static func bigEndian(_ b: [UInt8], _ at: Int) -> Int {
        Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3])
    }

    /// An IDX3 image file: uint8 [N, 1, rows, cols].
    public static func images(_ path: String) throws -> Tensor {
        let b = try readFile(path)
        guard b.count >= 16 else { throw TorchIOError("\(path): IDX image file is \(b.count) bytes, shorter than its 16-byte header") }
        guard bigEndian(b, 0) == 0x0803 else { throw TorchIOError("\(path): bad IDX magic number \(bigEndian(b, 0)) (expected 2051 for uint8 images)") }
        let n = bigEndian(b, 4), rows = bigEndian(b, 8), cols = bigEndian(b, 12)
        guard n >= 0, rows > 0, cols > 0, n * rows * cols == b.count - 16 else {
            throw TorchIOError("\(path): header says \(n) images of \(rows)x\(cols) but the file holds \(b.count - 16) pixel bytes")
        }
        return Tensor(Array(b[16...]), shape: [n, 1, rows, cols])
    }

    /// An IDX1 label file: int64 [N].
    public static func labels(_ path: String) throws -> Tensor {
        let b = try readFile(path)
        guard b.count >= 8 else { throw TorchIOError("\(path): IDX label file is \(b.count) bytes, shorter than its 8-byte header") }
        guard bigEndian(b, 0) == 0x0801 else { throw TorchIOError("\(path): bad IDX magic number \(bigEndian(b, 0)) (expected 2049 for labels)") }
        let n = bigEndian(b, 4)
        guard n == b.count - 8 else { throw TorchIOError("\(path): header says \(n) labels but the file holds \(b.count - 8)") }
        return Tensor(b[8...].map { Int64($0) }, shape: [n])
    }

    static func dataset(images: String, labels: String, classes: Int, transform: Transform?) throws -> ImageClassificationDataset {
        let x = try Self.images(images), y = try Self.labels(labels)
        guard x.shape[0] == y.shape[0] else {
            throw TorchIOError("\(images): \(x.shape[0]) images but \(labels) has \(y.shape[0]) labels")
        }
        if let bad = y.toArray(Int64.self).first(where: { $0 < 0 || $0 >= classes }) {
            throw TorchIOError("\(labels): label \(bad) outside 0..<\(classes)")
        }
        return ImageClassificationDataset(images: x, labels: y, classes: classes, transform: transform)
    }
}

/// MNIST from `root` (`train-images-idx3-ubyte` etc., raw or .gz).
public func MNIST(root: String, train: Bool = true, transform: Transform? = nil) throws -> ImageClassificationDataset {
    let p = train ? "train" : "t10k"
    return try IDX.dataset(images: "\(root)/\(p)-images-idx3-ubyte", labels: "\(root)/\(p)-labels-idx1-ubyte", classes: 10, transform: transform)
}

/// Fashion-MNIST from `root` (same file layout as MNIST).
public func FashionMNIST(root: String, train: Bool = true, transform: Transform? = nil) throws -> ImageClassificationDataset {
    try MNIST(root: root, train: train, transform: transform)
}

/// CIFAR-10 binary batches from `root` (`data_batch_1.bin`...`data_batch_5.bin`,
/// `test_batch.bin`; each record a label byte and 3x32x32 pixels).
public func CIFAR10(root: String, train: Bool = true, transform: Transform? = nil) throws -> ImageClassificationDataset {
    let files = train ? (1...5).map { "\(root)/data_batch_\($0).bin" } : ["\(root)/test_batch.bin"]
    var pixels: [UInt8] = []
    var labels: [Int64] = []
    for f in files {
        guard FileIO.exists(f) else { throw TorchIOError("\(f): file not found") }
        let b = try FileIO.read(f)
        guard b.count % 3073 == 0, !b.isEmpty else { throw TorchIOError("\(f): \(b.count) bytes is not a whole number of 3073-byte CIFAR-10 records") }
        for r in 0..<(b.count / 3073) {
            let label = b[r * 3073]
            guard label < 10 else { throw TorchIOError("\(f): record \(r) has label \(label) outside 0..<10") }
            labels.append(Int64(label))
            pixels += b[(r * 3073 + 1)..<((r + 1) * 3073)]
        }
    }
    return ImageClassificationDataset(images: Tensor(pixels, shape: [labels.count, 3, 32, 32]), labels: Tensor(labels, shape: [labels.count]),
                                      classes: 10, transform: transform)
}

/// The 8x8 handwritten digits embedded in the library (UCI via scikit-learn, CC BY 4.0;
/// 1,437 training and 360 test images), or the same IDX files from `root`.
public func Digits(root: String? = nil, train: Bool = true, transform: Transform? = nil) throws -> ImageClassificationDataset {
    let p = train ? "train" : "test"
    if let root { return try IDX.dataset(images: "\(root)/\(p)-images-idx3-ubyte", labels: "\(root)/\(p)-labels-idx1-ubyte", classes: 10, transform: transform) }
    let images = try EmbeddedDigits.decode("\(p)-images-idx3-ubyte")
    let labels = try EmbeddedDigits.decode("\(p)-labels-idx1-ubyte")
    let tmp = ImageBytes(images: images, labels: labels)
    return try tmp.dataset(name: "embedded digits (\(p))", transform: transform)
}

struct ImageBytes {
    let images: [UInt8], labels: [UInt8]
    func dataset(name: String, transform: Transform?) throws -> ImageClassificationDataset {
        guard images.count >= 16, labels.count >= 8 else { throw TorchIOError("\(name): truncated") }
        let n = IDX.bigEndian(images, 4), rows = IDX.bigEndian(images, 8), cols = IDX.bigEndian(images, 12)
        guard n * rows * cols == images.count - 16, IDX.bigEndian(labels, 4) == n else { throw TorchIOError("\(name): inconsistent sizes") }
        return ImageClassificationDataset(images: Tensor(Array(images[16...]), shape: [n, 1, rows, cols]),
                                          labels: Tensor(labels[8...].map { Int64($0) }, shape: [n]), classes: 10, transform: transform)
    }
}

extension EmbeddedDigits {
    static func decode(_ name: String) throws -> [UInt8] {
        guard let text = files[name], let bytes = Base64.decode(text) else { throw TorchIOError("embedded digits: missing \(name)") }
        return bytes
    }
}

enum Base64 {
    static func decode(_ s: String) -> [UInt8]? {
        var table = [Int16](repeating: -1, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { table[Int(c)] = Int16(i) }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count * 3 / 4)
        var acc = 0, bits = 0
        for c in s.utf8 where c != UInt8(ascii: "=") {
            let v = table[Int(c)]
            if v < 0 { return nil }
            acc = (acc << 6) | Int(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> bits) & 0xFF))
            }
        }
        return out
    }
}
