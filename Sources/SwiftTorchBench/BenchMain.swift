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
    usage: swifttorch-bench [--json] [--threads N] [--min-time SECONDS] [--list] [NAME...]

      (no options)       run every workload and print a table
      --json             print one JSON object per workload per line:
                         {"name": "sgemm_1024", "seconds": 0.00123} (median seconds per call)
      --threads N        threads for CPU kernels and oneDNN (default: all cores)
      --min-time S       measure each workload for at least S seconds (default 0.3)
      --list             print the workload names and exit
      NAME...            run only these workloads
    """

    static func main() {
        var json = false
        var threads: Int?
        var policy = TimingPolicy()
        var names: [String] = []
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
            if json {
                print("{\"name\": \"\(w.name)\", \"seconds\": \(result.median), \"peak_bytes\": \(peak)}")
            } else {
                print(padRight(w.name, 20) + padLeft(formatDuration(result.median), 12)
                      + padLeft(formatDuration(result.min), 12)
                      + padLeft(String(result.samples), 10) + padLeft(String(result.batch), 7))
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
