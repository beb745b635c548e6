import TorchCore

/// The safetensors format (Hugging Face's, as `safetensors.torch` reads and writes it):
/// an 8-byte little-endian header length, a JSON header of names, dtypes, shapes and
/// byte ranges, then the raw little-endian data.
public enum Safetensors {
    static let dtypeCodes: [(DType, String)] = [
        (.float64, "F64"), (.float32, "F32"), (.float16, "F16"), (.bfloat16, "BF16"), (.int64, "I64"),
        (.int32, "I32"), (.int16, "I16"), (.int8, "I8"), (.uint8, "U8"), (.bool, "BOOL"),
    ]

    static func code(_ d: DType) -> String { dtypeCodes.first { $0.0 == d }!.1 }
    static func dtype(_ code: String) -> DType? { dtypeCodes.first { $0.1 == code }?.0 }

    /// Tensors and metadata of a file, validated before any tensor is built.
    public struct Contents {
        public var tensors: StateDict
        public var metadata: [String: String]
    }

    public static func load(_ path: String) throws -> Contents {
        try decode(try FileIO.read(path), source: path)
    }

    /// Parses safetensors bytes. Every length, offset, dtype and shape is checked, so a
    /// malformed file is a thrown error naming `source`, never an out-of-bounds read.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> Contents {
        func fail(_ why: String) -> TorchIOError { TorchIOError("\(source): invalid safetensors file: \(why)") }
        guard bytes.count >= 8 else { throw fail("file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw fail("header length \(headerLength) exceeds the \(bytes.count - 8) bytes after it (truncated file?)")
        }
        let headerEnd = 8 + Int(headerLength)
        let headerText = String(decoding: bytes[8..<headerEnd], as: UTF8.self)
        let header: JSON
        do { header = try JSONParser.parse(headerText.trimmingTrailingSpaces()) } catch {
            throw fail("header is not valid JSON (\(error))")
        }
        guard case .object(let entries, let order) = header else { throw fail("header is not a JSON object") }
        let dataCount = bytes.count - headerEnd
        var metadata: [String: String] = [:]
        var specs: [(String, DType, [Int], Int, Int)] = []
        for name in order {
            let entry = entries[name]!
            if name == "__metadata__" {
                guard case .object(let m, _) = entry else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v.stringValue else { throw fail("metadata value of \(k) is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let code = entry["dtype"]?.stringValue else { throw fail("tensor \(name) has no dtype") }
            guard let dt = dtype(code) else { throw fail("tensor \(name) has unsupported dtype \(code)") }
            guard let shapeJSON = entry["shape"]?.arrayValue else { throw fail("tensor \(name) has no shape") }
            var shape: [Int] = []
            var numel = 1
            for s in shapeJSON {
                guard let n = s.intValue, n >= 0, n < Int(Int32.max) else { throw fail("tensor \(name) has an invalid shape \(shapeJSON.map(\.serialized))") }
                shape.append(n)
                let (m, overflow) = numel.multipliedReportingOverflow(by: n)
                guard !overflow else { throw fail("tensor \(name) has too many elements") }
                numel = m
            }
            guard let offs = entry["data_offsets"]?.arrayValue, offs.count == 2,
                  let begin = offs[0].intValue, let end = offs[1].intValue else {
                throw fail("tensor \(name) has no valid data_offsets")
            }
            guard begin >= 0, end >= begin, end <= dataCount else {
                throw fail("tensor \(name) has data_offsets [\(begin), \(end)] outside the \(dataCount)-byte data section")
            }
            let (need, overflow) = numel.multipliedReportingOverflow(by: dt.itemSize)
            guard !overflow, end - begin == need else {
                throw fail("tensor \(name) of dtype \(code) and shape \(shape) needs \(numel * dt.itemSize) bytes but data_offsets span \(end - begin)")
            }
            specs.append((name, dt, shape, begin, end))
        }
        var tensors = StateDict()
        for (name, dt, shape, begin, end) in specs {
            let t = Tensor.empty(shape, dtype: dt)
            if end > begin {
                bytes.withUnsafeBytes { raw in
                    t.storage.data.copyMemory(from: raw.baseAddress! + headerEnd + begin, byteCount: end - begin)
                }
            }
            if dt == .bool {
                // only 0 and 1 are valid bools
                let p = t.storage.data.assumingMemoryBound(to: UInt8.self)
                for i in 0..<(end - begin) where p[i] > 1 { p[i] = 1 }
            }
            tensors[name] = t
        }
        return Contents(tensors: tensors, metadata: metadata)
    }

    /// Serialises tensors (made contiguous, on the CPU) with optional metadata.
    public static func encode(_ tensors: StateDict, metadata: [String: String] = [:]) -> [UInt8] {
        var pairs: [(String, JSON)] = []
        if !metadata.isEmpty {
            pairs.append(("__metadata__", JSON.obj(metadata.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) })))
        }
        var offset = 0
        var blobs: [Tensor] = []
        for (name, t) in tensors {
            let c = t.detach().to(device: .cpu).contiguous()
            let n = c.numel * c.dtype.itemSize
            pairs.append((name, JSON.obj([("dtype", .string(code(c.dtype))), ("shape", .array(c.shape.map { .int(Int64($0)) })),
                                          ("data_offsets", .array([.int(Int64(offset)), .int(Int64(offset + n))]))])))
            offset += n
            blobs.append(c)
        }
        var header = Array(JSON.obj(pairs).serialized.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + header.count + offset)
        var len = UInt64(header.count)
        for _ in 0..<8 { out.append(UInt8(len & 0xFF)); len >>= 8 }
        out += header
        for c in blobs {
            let n = c.numel * c.dtype.itemSize
            let raw = UnsafeRawBufferPointer(start: c.storage.data + c.storageOffset * c.dtype.itemSize, count: n)
            out += raw
        }
        return out
    }

    /// Writes tensors to `path` atomically.
    public static func save(_ tensors: StateDict, to path: String, metadata: [String: String] = [:]) throws {
        try FileIO.writeAtomically(encode(tensors, metadata: metadata), to: path)
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\0" { s = s.dropLast() }
        return String(s)
    }
}
