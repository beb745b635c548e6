#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress display: redrawn in place on a terminal, printed once per
/// epoch otherwise (logs, CI).
struct ProgressBar {
    let total: Int
    let label: String
    let interactive = isatty(STDOUT_FILENO) != 0
    let start = Clock.now()
    var lastDraw = 0.0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    mutating func update(step: Int, samples: Int, loss: Double, accuracy: Double) {
        update(step: step, samples: samples, metrics: "loss \(fmt(loss, 4)) acc \(fmt(accuracy, 4))")
    }

    mutating func update(step: Int, samples: Int, metrics: String) {
        guard interactive else { return }
        let now = Clock.now()
        guard step == total || now - lastDraw > 0.1 else { return }
        lastDraw = now
        let elapsed = now - start
        let rate = elapsed > 0 ? Double(samples) / elapsed : 0
        let eta = step > 0 ? elapsed / Double(step) * Double(total - step) : 0
        let width = 24
        let filled = total > 0 ? width * step / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\(label) \(bar) \(step)/\(total) \(metrics) \(Int(rate)) samples/s ETA \(clock(eta))"
        print("\r\u{1B}[2K" + line, terminator: "")
        fflush(nil)
    }

    func finish(_ summary: String) {
        if interactive { print("\r\u{1B}[2K", terminator: "") }
        print("\(label) \(summary) (\(clock(Clock.now() - start)))")
        fflush(nil)
    }
}

enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

func fmt(_ x: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let r = (x * scale).rounded() / scale
    var s = "\(r)"
    if let dot = s.firstIndex(of: ".") {
        let have = s.distance(from: dot, to: s.endIndex) - 1
        if have < decimals { s += String(repeating: "0", count: decimals - have) }
    } else {
        s += "." + String(repeating: "0", count: decimals)
    }
    return s
}

func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return "\(s / 60):" + (s % 60 < 10 ? "0" : "") + "\(s % 60)"
}
