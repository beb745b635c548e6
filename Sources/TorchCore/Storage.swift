#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where a tensor's memory lives.
public enum Device: Sendable, Hashable, CustomStringConvertible {
    case cpu
    case cuda(Int)

    public static var cuda: Device { .cuda(0) }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        case .cuda(let i): return "cuda:\(i)"
        }
    }

    /// Parses `"cpu"`, `"cuda"`, `"cuda:1"`.
    public init?(name: String) {
        if name == "cpu" { self = .cpu; return }
        if name == "cuda" { self = .cuda(0); return }
        if name.hasPrefix("cuda:"), let i = Int(name.dropFirst(5)) { self = .cuda(i); return }
        return nil
    }
}

/// A block of device memory shared by a tensor and its views. The version counter
/// counts in-place writes; autograd compares it to detect modified saved tensors.
public final class Storage: @unchecked Sendable {
    public let data: UnsafeMutableRawPointer
    public let byteCount: Int
    public let device: Device
    var version: Int = 0

    init(byteCount: Int, device: Device = .cpu) {
        self.byteCount = byteCount
        self.device = device
        var p: UnsafeMutableRawPointer? = nil
        posix_memalign(&p, 64, max(byteCount, 64))
        guard let p else { fatalError("out of memory allocating \(byteCount) bytes") }
        self.data = p
    }

    deinit { free(data) }
}
