#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Monotonic clock in nanoseconds (CLOCK_MONOTONIC; no Foundation).
@inline(__always)
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Keeps a value alive and opaque to the optimiser so the timed work cannot be dropped.
@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// How long and how often a workload is sampled. The PyTorch companion
/// (benchmarks/torch_bench.py) uses the same rules with the same defaults.
struct TimingPolicy {
    /// Warm-up: at least this many samples and at least `warmupSeconds`.
    var warmupSamples = 2
    var warmupSeconds = 0.1
    /// Measurement: at least `minSamples` samples and at least `minSeconds`...
    var minSamples = 10
    var minSeconds = 0.3
    /// ...but stop after `maxSeconds` once `floorSamples` are in, or at `maxSamples`.
    var maxSeconds = 5.0
    var floorSamples = 3
    var maxSamples = 100_000
}

struct Measurement {
    /// Median seconds per call.
    var median: Double
    /// Fastest sample, seconds per call.
    var min: Double
    /// Number of timed samples (each of `batch` calls).
    var samples: Int
    var batch: Int
}

/// Times `body`: each sample runs it `batch` times back to back and records the
/// mean per-call time of that sample; the result is the median over samples.
func measure(batch: Int, policy: TimingPolicy, _ body: () -> Void) -> Measurement {
    @inline(__always) func sample() -> Double {
        let t0 = monotonicNanos()
        for _ in 0..<batch { body() }
        let t1 = monotonicNanos()
        return Double(t1 &- t0) * 1e-9 / Double(batch)
    }

    let warmStart = monotonicNanos()
    var warm = 0
    while warm < policy.warmupSamples
            || (Double(monotonicNanos() &- warmStart) * 1e-9 < policy.warmupSeconds && warm < policy.maxSamples) {
        _ = sample()
        warm += 1
    }

    var times: [Double] = []
    times.reserveCapacity(1024)
    let start = monotonicNanos()
    while true {
        times.append(sample())
        let elapsed = Double(monotonicNanos() &- start) * 1e-9
        if times.count >= policy.minSamples && elapsed >= policy.minSeconds { break }
        if times.count >= policy.floorSamples && elapsed >= policy.maxSeconds { break }
        if times.count >= policy.maxSamples { break }
    }
    times.sort()
    let n = times.count
    let median = n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2
    return Measurement(median: median, min: times[0], samples: n, batch: batch)
}

/// printf-style formatting through vsnprintf (no Foundation).
func cFormat(_ format: String, _ args: CVarArg...) -> String {
    var buffer = [CChar](repeating: 0, count: 512)
    _ = withVaList(args) { vsnprintf(&buffer, buffer.count, format, $0) }
    return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// A duration with a unit chosen for 3-4 significant digits: "812.3 ns", "1.234 ms".
func formatDuration(_ seconds: Double) -> String {
    if seconds < 1e-6 { return cFormat("%.1f ns", seconds * 1e9) }
    if seconds < 1e-3 { return cFormat("%.2f us", seconds * 1e6) }
    if seconds < 1 { return cFormat("%.3f ms", seconds * 1e3) }
    return cFormat("%.3f s", seconds)
}

func padRight(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
}

func padLeft(_ s: String, _ width: Int) -> String {
    s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
}

/// Writes a line to stderr.
func printError(_ message: String) {
    let line = message + "\n"
    let bytes = Array(line.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBufferPointer { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { break }
        offset += n
    }
}

/// Sets the OpenMP thread count used by oneDNN's sgemm (libgomp reads
/// OMP_NUM_THREADS when it loads, so setting the variable from main is too late).
/// Looked up at run time because libgomp is only an indirect dependency.
func setOpenMPThreads(_ n: Int) {
    guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_set_num_threads") else { return }
    typealias SetThreads = @convention(c) (Int32) -> Void
    unsafeBitCast(sym, to: SetThreads.self)(Int32(n))
}

/// Current resident set size of this process (/proc/self/statm).
func residentBytes() -> Int {
    guard let f = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    guard fgets(&line, Int32(line.count), f) != nil else { return 0 }
    let fields = String(cString: line).split(separator: " ").compactMap { Int($0) }
    guard fields.count >= 2 else { return 0 }
    return fields[1] * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The process's peak resident set size so far (getrusage).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
}
