import CBenchKernels
import Torch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `swifttorch-bench`: microbenchmarks of SwiftTorch, matched one for one by
/// benchmarks/torch_bench.py (see docs/BENCHMARKS.md).
@main
struct BenchMain {
    static let usage = """
    usage: swifttorch-bench [--json] [--threads N] [--min-time SECONDS] [--list] [--peak] [NAME...]

      (no options)       run every workload and print a table
      --json             print one JSON object per workload per line:
                         {"name": "sgemm_1024", "seconds": 0.00123} (median seconds per call)
      --threads N        threads for CPU kernels and oneDNN (default: all cores)
      --min-time S       measure each workload for at least S seconds (default 0.3)
      --list             print the workload names and exit
      --peak             measure the float32 peak of N threads (independent FMAs on the
                         widest vectors) and print GFLOP/s, or {"peak_gflops": ...} with --json
      NAME...            run only these workloads
    """

    static func main() {
        var json = false
        var threads: Int?
        var policy = TimingPolicy()
        var names: [String] = []
        var peak = false
        let workloads = allWorkloads

        var args = CommandLine.arguments.dropFirst()
        while let arg = args.popFirst() {
            switch arg {
            case "--json":
                json = true
            case "--threads":
                guard let v = args.popFirst(), let n = Int(v), n > 0 else { fail("--threads needs a positive integer") }
                threads = n
            case "--min-time":
                guard let v = args.popFirst(), let s = Double(v), s >= 0 else { fail("--min-time needs a number of seconds") }
                policy.minSeconds = s
            case "--list":
                for w in workloads { print(w.name) }
                return
            case "--peak":
                peak = true
            case "-h", "--help":
                print(usage)
                return
            default:
                if arg.hasPrefix("-") { fail("unknown option \(arg)") }
                names.append(arg)
            }
        }

        var selected: [Workload] = []
        for name in names {
            guard let w = workloads.first(where: { $0.name == name }) else {
                fail("unknown workload \(name); known: \(workloads.map(\.name).joined(separator: " "))")
            }
            selected.append(w)
        }
        if names.isEmpty { selected = workloads }

        if let threads {
            Threading.numThreads = threads
            setOpenMPThreads(threads)
        }
        if peak {
            let gflops = st_fma_peak_gflops(Int32(Threading.numThreads), 1.0)
            print(json ? "{\"peak_gflops\": \(gflops), \"threads\": \(Threading.numThreads)}"
                       : "float32 peak, \(Threading.numThreads) thread(s): \(gflops) GFLOP/s")
            return
        }

        if !json {
            print("SwiftTorch benchmarks: \(Threading.numThreads) thread(s), median time per call")
            print(padRight("workload", 20) + padLeft("median", 12) + padLeft("min", 12) + padLeft("samples", 10) + padLeft("batch", 7))
            print(String(repeating: "-", count: 61))
        }
        for w in selected {
            manualSeed(0)
            let baseline = residentBytes()
            let result = run(w, policy: policy)
            let peak = Swift.max(0, peakResidentBytes() - baseline)
            // the rate and the FMA peak measured right after it, under the same machine conditions
            let rates = w.flops.map { (achieved: $0 / result.median * 1e-9, peak: st_fma_peak_gflops(Int32(Threading.numThreads), 0.5)) }
            if json {
                let rateFields = rates.map { ", \"gflops\": \($0.achieved), \"peak_gflops\": \($0.peak)" } ?? ""
                print("{\"name\": \"\(w.name)\", \"seconds\": \(result.median), \"peak_bytes\": \(peak)\(rateFields)}")
            } else {
                print(padRight(w.name, 20) + padLeft(formatDuration(result.median), 12)
                      + padLeft(formatDuration(result.min), 12)
                      + padLeft(String(result.samples), 10) + padLeft(String(result.batch), 7)
                      + (rates.map { "  \(Int($0.achieved)) GFLOP/s, \(Int(100 * $0.achieved / $0.peak))% of peak" } ?? ""))
            }
            fflush(nil)  // all streams: keeps --json lines flowing to a pipe
        }
    }

    /// Builds the workload's inputs, then times it; inputs are freed before the next one.
    static func run(_ w: Workload, policy: TimingPolicy) -> Measurement {
        let body = w.make()
        return measure(batch: w.batch, policy: policy, body)
    }

    static func fail(_ message: String) -> Never {
        printError("swifttorch-bench: \(message)")
        printError(usage)
        exit(2)
    }
}
