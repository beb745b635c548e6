import CTorchKernels

/// Raw pointer wrapper that may cross into `concurrentPerform` closures.
struct SendablePointer: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// CPU threading: work above a size threshold is split across the cores, on the
/// OpenMP thread pool that oneDNN's GEMMs also use.
public enum Threading {
    nonisolated(unsafe) static var threadCount: Int = {
        if let s = getenvString("SWIFTTORCH_NUM_THREADS"), let n = Int(s), n > 0 {
            st_set_num_threads(Int32(n))
            return n
        }
        return Swift.max(1, Int(st_max_threads()))
    }()

    /// Number of threads used by CPU kernels and GEMMs (`torch.get_num_threads()` /
    /// `torch.set_num_threads()`).
    public static var numThreads: Int {
        get { threadCount }
        set {
            threadCount = Swift.max(1, newValue)
            st_set_num_threads(Int32(threadCount))
        }
    }

    /// Elements below which an elementwise kernel runs on one thread.
    static let grainSize = 32_768

    /// Runs `body(start, end)` over [0, total), in parallel chunks when `total` is large.
    @inline(__always)
    static func parallelFor(_ total: Int, grain: Int = grainSize, _ body: (Int, Int) -> Void) {
        let threads = threadCount
        if threads <= 1 || total < grain * 2 {
            body(0, total)
            return
        }
        let chunks = Swift.min(threads, (total + grain - 1) / grain)
        withoutActuallyEscaping(body) { body in
            var job = ParallelJob(total: total, chunks: chunks, body: body)
            withUnsafeMutablePointer(to: &job) { p in
                st_parallel_chunks(Int64(chunks), runParallelChunk, UnsafeMutableRawPointer(p))
            }
        }
    }
}

struct ParallelJob {
    let total: Int
    let chunks: Int
    let body: (Int, Int) -> Void
}

private func runParallelChunk(_ ctx: UnsafeMutableRawPointer?, _ chunk: Int64) {
    let job = ctx!.assumingMemoryBound(to: ParallelJob.self)
    let c = Int(chunk)
    job.pointee.body(job.pointee.total * c / job.pointee.chunks, job.pointee.total * (c + 1) / job.pointee.chunks)
}

/// A coalesced iteration space over several operands that share one shape
/// (strides in elements; 0 broadcasts).
struct LoopPlan {
    var shape: [Int]
    var strides: [[Int]]

    /// Drops size-1 dimensions and merges dimensions that are contiguous for every operand.
    init(shape: [Int], strides: [[Int]]) {
        var sh: [Int] = []
        var st: [[Int]] = Array(repeating: [], count: strides.count)
        sh.reserveCapacity(shape.count)
        for d in 0..<shape.count where shape[d] != 1 {
            if let last = sh.last {
                var mergeable = true
                for k in 0..<strides.count where st[k].last! != strides[k][d] * shape[d] {
                    mergeable = false
                    break
                }
                if mergeable {
                    sh[sh.count - 1] = last * shape[d]
                    for k in 0..<strides.count { st[k][st[k].count - 1] = strides[k][d] }
                    continue
                }
            }
            sh.append(shape[d])
            for k in 0..<strides.count { st[k].append(strides[k][d]) }
        }
        if sh.isEmpty {
            sh = [1]
            for k in 0..<strides.count { st[k] = [0] }
        }
        self.shape = sh
        self.strides = st
    }

    var numel: Int { shapeNumel(shape) }
    var innerSize: Int { shape[shape.count - 1] }

    /// Calls `row(offsets, count)` for the rows covering linear indices [start, end):
    /// `offsets[k]` is operand k's element offset of the row's first element, and the
    /// row advances by `strides[k].last` per element.
    @inline(__always)
    func forEachRow(from start: Int, to end: Int, _ row: (UnsafeMutablePointer<Int>, Int) -> Void) {
        if start >= end { return }
        let rank = shape.count
        let nops = strides.count
        let inner = shape[rank - 1]
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rank + nops * 2) { buf in
            let index = buf.baseAddress!
            let offsets = index + rank
            let cursor = offsets + nops
            // decompose start into a multi-index
            var rem = start
            var d = rank - 1
            while d >= 0 {
                index[d] = rem % shape[d]
                rem /= shape[d]
                d -= 1
            }
            for k in 0..<nops {
                var o = 0
                for d in 0..<rank { o += index[d] * strides[k][d] }
                offsets[k] = o
            }
            var pos = start
            while pos < end {
                let n = min(inner - index[rank - 1], end - pos)
                for k in 0..<nops { cursor[k] = offsets[k] }
                row(cursor, n)
                pos += n
                // advance the multi-index by n along the last dimension, carrying
                index[rank - 1] += n
                for k in 0..<nops { offsets[k] += n * strides[k][rank - 1] }
                var dd = rank - 1
                while dd > 0 && index[dd] >= shape[dd] {
                    for k in 0..<nops { offsets[k] -= index[dd] * strides[k][dd] }
                    index[dd] = 0
                    index[dd - 1] += 1
                    for k in 0..<nops { offsets[k] += strides[k][dd - 1] }
                    dd -= 1
                }
            }
        }
    }
}

func getenvString(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

enum ProcessInfoLite {
    static var activeProcessorCount: Int {
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
