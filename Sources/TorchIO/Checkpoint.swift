import TorchCore
import TorchOptim

/// Everything needed to resume training exactly: model and optimizer state,
/// scheduler state, progress counters and random generator states. Stored as one
/// safetensors file (tensors under `model.`, `optimizer.state.<i>.`; the rest as
/// JSON metadata), written atomically.
public struct TrainingCheckpoint {
    public var model: StateDict
    public var optimizer: OptimizerState?
    public var scheduler: [String: Double]?
    public var epoch: Int
    public var step: Int
    /// Generator states by name (`Generator.state`).
    public var rngStates: [String: [UInt64]]
    /// Free-form strings (model name, dataset, options).
    public var info: [String: String]

    public init(model: StateDict, optimizer: OptimizerState? = nil, scheduler: [String: Double]? = nil, epoch: Int = 0, step: Int = 0,
                rngStates: [String: [UInt64]] = [:], info: [String: String] = [:]) {
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.epoch = epoch
        self.step = step
        self.rngStates = rngStates
        self.info = info
    }

    public func save(to path: String) throws {
        var tensors = StateDict()
        for (k, v) in model { tensors["model.\(k)"] = v }
        var meta: [String: String] = ["format": "swifttorch.checkpoint.v1", "epoch": String(epoch), "step": String(step)]
        if let optimizer {
            for (idx, st) in optimizer.state.sorted(by: { $0.key < $1.key }) {
                for (name, t) in st.sorted(by: { $0.key < $1.key }) { tensors["optimizer.state.\(idx).\(name)"] = t }
            }
            let groups: [JSON] = optimizer.paramGroups.map { g in
                JSON.obj([("options", JSON.obj(g.options.sorted { $0.key < $1.key }.map { ($0.key, JSON.double($0.value)) })),
                          ("params", .array(g.params.map { .int(Int64($0)) }))])
            }
            meta["optimizer.param_groups"] = JSON.array(groups).serialized
        }
        if let scheduler {
            meta["scheduler"] = JSON.obj(scheduler.sorted { $0.key < $1.key }.map { ($0.key, JSON.double($0.value)) }).serialized
        }
        meta["rng"] = JSON.obj(rngStates.sorted { $0.key < $1.key }.map { ($0.key, JSON.array($0.value.map { .string(String($0)) })) }).serialized
        meta["info"] = JSON.obj(info.sorted { $0.key < $1.key }.map { ($0.key, JSON.string($0.value)) }).serialized
        try Safetensors.save(tensors, to: path, metadata: meta)
    }

    public static func load(from path: String) throws -> TrainingCheckpoint {
        let contents = try Safetensors.load(path)
        let meta = contents.metadata
        guard meta["format"] == "swifttorch.checkpoint.v1" else {
            throw TorchIOError("\(path): not a SwiftTorch training checkpoint (missing format metadata)")
        }
        func parse(_ key: String) throws -> JSON? {
            guard let text = meta[key] else { return nil }
            do { return try JSONParser.parse(text) } catch { throw TorchIOError("\(path): metadata \(key) is not valid JSON") }
        }
        var model = StateDict()
        var optState: [Int: [String: Tensor]] = [:]
        for (k, v) in contents.tensors {
            if k.hasPrefix("model.") {
                model[String(k.dropFirst(6))] = v
            } else if k.hasPrefix("optimizer.state.") {
                let rest = k.dropFirst(16)
                guard let dot = rest.firstIndex(of: "."), let idx = Int(rest[..<dot]) else {
                    throw TorchIOError("\(path): malformed optimizer key \(k)")
                }
                optState[idx, default: [:]][String(rest[rest.index(after: dot)...])] = v
            }
        }
        var ckpt = TrainingCheckpoint(model: model, epoch: Int(meta["epoch"] ?? "0") ?? 0, step: Int(meta["step"] ?? "0") ?? 0)
        if let groups = try parse("optimizer.param_groups")?.arrayValue {
            var st = OptimizerState()
            st.state = optState
            for g in groups {
                var options: [String: Double] = [:]
                if case .object(let d, _)? = g["options"] { for (k, v) in d { options[k] = v.doubleValue ?? 0 } }
                st.paramGroups.append((options, (g["params"]?.arrayValue ?? []).compactMap(\.intValue)))
            }
            ckpt.optimizer = st
        }
        if case .object(let d, _)? = try parse("scheduler") { ckpt.scheduler = d.mapValues { $0.doubleValue ?? 0 } }
        if case .object(let d, _)? = try parse("rng") {
            ckpt.rngStates = d.mapValues { ($0.arrayValue ?? []).compactMap { $0.stringValue.flatMap { UInt64($0) } } }
        }
        if case .object(let d, _)? = try parse("info") { ckpt.info = d.compactMapValues(\.stringValue) }
        return ckpt
    }
}

extension Module {
    /// Saves the state dict as safetensors with PyTorch's keys (atomic write).
    public func save(to path: String) throws { try Safetensors.save(stateDict(), to: path) }

    /// Loads a safetensors state dict written here or by `safetensors.torch.save_file`.
    public func load(from path: String, strict: Bool = true) throws {
        try loadStateDict(try Safetensors.load(path).tensors, strict: strict)
    }
}

import TorchNN
