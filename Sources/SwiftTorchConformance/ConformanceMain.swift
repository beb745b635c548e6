import Foundation
import TorchConformance
import Torch

/// `swifttorch-conformance CASES.jsonl [--device cpu]`: one result line per case.
@main
struct ConformanceMain {
    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        var device = Device.cpu
        if let i = args.firstIndex(of: "--device") {
            guard i + 1 < args.count, let d = Device(name: args[i + 1]) else {
                FileHandle.standardError.write("swifttorch-conformance: --device expects cpu or cuda[:N]\n".data(using: .utf8)!)
                exit(2)
            }
            device = d
            args.removeSubrange(i...(i + 1))
        }
        guard device == .cpu else {
            FileHandle.standardError.write("swifttorch-conformance: device \(device) is not available in this build\n".data(using: .utf8)!)
            exit(2)
        }
        guard let path = args.first else {
            FileHandle.standardError.write("usage: swifttorch-conformance CASES.jsonl [--device cpu]\n".data(using: .utf8)!)
            exit(2)
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            FileHandle.standardError.write("swifttorch-conformance: cannot read \(path)\n".data(using: .utf8)!)
            exit(1)
        }
        for line in text.split(separator: "\n") where !line.allSatisfy(\.isWhitespace) {
            print(CaseRunner.run(line: String(line), device: device))
        }
    }
}
