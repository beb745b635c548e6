import Torch

/// An argument of a case after tensor references are resolved.
public enum CaseArg {
    case tensor(Tensor)
    case tensors([Tensor])
    case value(JSON)

    var tensor: Tensor? { if case .tensor(let t) = self { return t } else { return nil } }
}

struct UnsupportedOp: Error {}

struct CaseError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Runs one conformance case (see golden/FORMAT.md) and returns its result line.
public enum CaseRunner {
    public static func run(line: String, device: Device = .cpu) -> String {
        let parsed: JSON
        do { parsed = try JSONParser.parse(line) } catch {
            return JSON.obj([("id", .null), ("error", .string("bad case line: \(error)"))]).serialized
        }
        let id = parsed["id"] ?? .null
        do {
            let result = try withErrorCapture { try runCase(parsed, device: device) }
            return JSON.obj([("id", id)] + result).serialized
        } catch is UnsupportedOp {
            return JSON.obj([("id", id), ("unsupported", .bool(true))]).serialized
        } catch {
            return JSON.obj([("id", id), ("error", .string("\(error)"))]).serialized
        }
    }

    static func runCase(_ c: JSON, device: Device) throws -> [(String, JSON)] {
        guard let op = c["op"]?.stringValue else { throw CaseError("case has no op") }
        guard let handler = OpTable.handlers[op] else { throw UnsupportedOp() }
        let specs = c["tensors"]?.arrayValue ?? []
        var inputs: [Tensor] = []
        for s in specs { inputs.append(try makeTensor(s, device: device)) }
        let args = (c["args"]?.arrayValue ?? []).map { resolve($0, inputs) }
        var kwargs: [String: CaseArg] = [:]
        if case .object(let d, _)? = c["kwargs"] {
            for (k, v) in d { kwargs[k] = resolve(v, inputs) }
        }
        let outputs = try handler(OpCall(args: args, kwargs: kwargs, inputs: inputs))
        var result: [(String, JSON)] = [("outputs", .array(outputs.map(encode)))]
        if let gOut = c["grad_outputs"]?.arrayValue, !gOut.isEmpty {
            let seeds = try (c["grad_seeds"]?.arrayValue ?? []).map { try makeTensor($0, device: device) }
            let roots = gOut.compactMap(\.intValue).filter { $0 < outputs.count }.map { outputs[$0] }
            let needing = inputs.filter(\.requiresGrad)
            let grads = grad(outputs: roots, inputs: needing, gradOutputs: seeds, allowUnused: true)
            var k = 0
            var encoded: [JSON] = []
            for t in inputs {
                if t.requiresGrad {
                    let g = (k < grads.count ? grads[k] : nil) ?? t.zerosLike()
                    encoded.append(encode(g))
                    k += 1
                } else {
                    encoded.append(.null)
                }
            }
            result.append(("grads", .array(encoded)))
        }
        return result
    }

    static func resolve(_ v: JSON, _ inputs: [Tensor]) -> CaseArg {
        if case .object(let d, _) = v, let t = d["t"]?.intValue, d.count == 1 { return .tensor(inputs[t]) }
        if case .array(let a) = v, !a.isEmpty, a.allSatisfy({ if case .object(let d, _) = $0 { return d["t"] != nil } else { return false } }) {
            return .tensors(a.compactMap { $0["t"]?.intValue }.map { inputs[$0] })
        }
        return .value(v)
    }

    static func makeTensor(_ spec: JSON, device: Device) throws -> Tensor {
        guard let dtypeName = spec["dtype"]?.stringValue, let dtype = DType(name: dtypeName) else {
            throw CaseError("bad tensor dtype")
        }
        let shape = (spec["shape"]?.arrayValue ?? []).compactMap(\.intValue)
        let data = spec["data"]?.arrayValue ?? []
        let values: [Scalar] = data.map { v in
            switch v {
            case .bool(let b): return .bool(b)
            case .int(let i): return dtype.isFloatingPoint ? .double(Double(i)) : .int(i)
            default: return .double(v.doubleValue ?? .nan)
            }
        }
        var t = Tensor.fromScalars(values, shape: shape, dtype: dtype)
        if spec["noncontig"]?.boolValue == true && !shape.isEmpty {
            // the same values as a strided view: every other element of a wider tensor
            var wide = shape
            wide[wide.count - 1] *= 2
            let base = Tensor.zeros(wide, dtype: dtype)
            let view = base.slice(-1, start: 0, end: nil, step: 2)
            view.copy_(t)
            t = base.slice(-1, start: 0, end: nil, step: 2).detach()
        }
        t = t.to(device: device)
        if spec["requires_grad"]?.boolValue == true { t.requiresGrad = true }
        return t
    }

    static func encode(_ t: Tensor) -> JSON {
        let data: [JSON] = t.detach().to(device: .cpu).scalars().map { s in
            switch s {
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .double(let d): return .double(d)
            }
        }
        return JSON.obj([("dtype", .string(t.dtype.name)), ("shape", .array(t.shape.map { .int(Int64($0)) })), ("data", .array(data))])
    }
}

/// Arguments of one op call with PyTorch-style positional/keyword lookup.
public struct OpCall {
    public let args: [CaseArg]
    public let kwargs: [String: CaseArg]
    /// The case's input tensors, for references nested inside values.
    public let inputs: [Tensor]

    /// The argument at `position`, or the keyword `name`.
    func arg(_ position: Int, _ name: String) -> CaseArg? {
        if position < args.count { return args[position] }
        return kwargs[name]
    }

    func tensor(_ position: Int, _ name: String = "") throws -> Tensor {
        guard let t = arg(position, name)?.tensor else { throw CaseError("argument \(position) (\(name)) must be a tensor") }
        return t
    }

    func optionalTensor(_ position: Int, _ name: String) -> Tensor? { arg(position, name)?.tensor }

    func json(_ position: Int, _ name: String) -> JSON? {
        if case .value(let v)? = arg(position, name) { return v.isNull ? nil : v }
        return nil
    }

    func int(_ position: Int, _ name: String) -> Int? { json(position, name)?.intValue }
    func int(_ position: Int, _ name: String, default d: Int) -> Int { int(position, name) ?? d }
    func double(_ position: Int, _ name: String) -> Double? { json(position, name)?.doubleValue }
    func bool(_ position: Int, _ name: String, default d: Bool) -> Bool { json(position, name)?.boolValue ?? d }
    func string(_ position: Int, _ name: String) -> String? { json(position, name)?.stringValue }

    func ints(_ position: Int, _ name: String) -> [Int]? {
        guard let v = json(position, name) else { return nil }
        if let a = v.arrayValue { return a.compactMap(\.intValue) }
        return v.intValue.map { [$0] }
    }

    /// All positional ints from `position` on, or a list at `position` (`x.view(2, 3)` or `x.view([2, 3])`).
    func intList(from position: Int, _ name: String) -> [Int] {
        if let a = json(position, name)?.arrayValue { return a.compactMap(\.intValue) }
        var out: [Int] = []
        var i = position
        while i < args.count, case .value(let v) = args[i], let n = v.intValue { out.append(n); i += 1 }
        return out
    }

    func scalar(_ position: Int, _ name: String) -> Scalar? {
        guard let v = json(position, name) else { return nil }
        switch v {
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        default: return v.doubleValue.map { .double($0) }
        }
    }

    /// A tensor argument, or a number wrapped as a weak scalar tensor.
    func operand(_ position: Int, _ name: String) throws -> TensorOrScalar {
        if let t = arg(position, name)?.tensor { return .tensor(t) }
        if let s = scalar(position, name) { return .scalar(s) }
        throw CaseError("argument \(position) (\(name)) is missing")
    }
}

enum TensorOrScalar {
    case tensor(Tensor)
    case scalar(Scalar)
}
