import Torch

/// Compares a result line with a case's expectations, like golden/check.py.
public enum CaseChecker {
    static let tolerances: [String: (Double, Double)] = [
        "float32": (1e-5, 1e-4), "float64": (1e-10, 1e-7), "float16": (1e-3, 1e-2), "bfloat16": (1e-2, 1e-2),
    ]

    /// nil when the result matches; otherwise why it does not.
    public static func check(caseJSON c: JSON, result r: JSON) -> String? {
        guard let exp = c["expect"] else { return "case has no expectation" }
        if r["unsupported"]?.boolValue == true { return "unsupported" }
        if exp["error"]?.boolValue == true {
            return r["error"] != nil ? nil : "expected an error, got a result"
        }
        if let e = r["error"] { return "error: \(e.stringValue ?? e.serialized)" }
        let outs = r["outputs"]?.arrayValue ?? [], eouts = exp["outputs"]?.arrayValue ?? []
        if outs.count != eouts.count { return "\(outs.count) outputs != \(eouts.count)" }
        for (i, (g, e)) in zip(outs, eouts).enumerated() {
            if let why = compare(g, e, c, "output \(i)") { return why }
        }
        if let egrads = exp["grads"]?.arrayValue {
            let grads = r["grads"]?.arrayValue ?? []
            for (i, e) in egrads.enumerated() where !e.isNull {
                guard i < grads.count, !grads[i].isNull else { return "grad of tensor \(i): missing" }
                if let why = compare(grads[i], e, c, "grad of tensor \(i)") { return why }
            }
        }
        return nil
    }

    static func compare(_ got: JSON, _ exp: JSON, _ c: JSON, _ what: String) -> String? {
        let dtype = exp["dtype"]?.stringValue ?? ""
        if got["dtype"]?.stringValue != dtype { return "\(what): dtype \(got["dtype"]?.stringValue ?? "?") != \(dtype)" }
        if got["shape"] != exp["shape"] { return "\(what): shape \(got["shape"]?.serialized ?? "?") != \(exp["shape"]?.serialized ?? "?")" }
        let gd = got["data"]?.arrayValue ?? [], ed = exp["data"]?.arrayValue ?? []
        if gd.count != ed.count { return "\(what): \(gd.count) values != \(ed.count)" }
        var (atol, rtol) = tolerances[dtype] ?? (0, 0)
        if tolerances[dtype] != nil {
            atol = max(atol, c["atol"]?.doubleValue ?? 0)
            rtol = max(rtol, c["rtol"]?.doubleValue ?? 0)
        }
        for (i, (g, e)) in zip(gd, ed).enumerated() where !close(g, e, atol, rtol) {
            return "\(what): value[\(i)] \(g.serialized) != \(e.serialized)"
        }
        return nil
    }

    static func close(_ g: JSON, _ e: JSON, _ atol: Double, _ rtol: Double) -> Bool {
        if case .bool(let eb) = e { return g.boolValue == eb }
        if case .bool(let gb) = g { return e.boolValue == gb }
        guard let ev = e.doubleValue, let gv = g.doubleValue else { return false }
        if ev.isNaN { return gv.isNaN }
        if ev.isInfinite { return gv == ev }
        if gv.isNaN || gv.isInfinite { return false }
        return Swift.abs(gv - ev) <= atol + rtol * Swift.abs(ev)
    }
}
