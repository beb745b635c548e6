/// PyTorch's tensor printing: `tensor([[1.0000, 2.0000]], requires_grad=True)`.
extension Tensor: CustomStringConvertible {
    public var description: String {
        var suffix: [String] = []
        let showsDtype = !(dtype == .float32 || dtype == .int64 || dtype == .bool)
        if numel == 0 && shape != [0] {
            suffix.append("size=(\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : ""))")
        }
        if showsDtype || (numel == 0 && dtype != .float32) { suffix.append("dtype=\(dtype)") }
        if device != .cpu { suffix.insert("device='\(device)'", at: 0) }
        if let fn = gradFn { suffix.append("grad_fn=<\(fn.name)>") } else if requiresGrad { suffix.append("requires_grad=True") }
        let body = withNoGrad { formatTensorBody(self.detach(), indent: 7) }
        return "tensor(" + ([body] + suffix).joined(separator: ", ") + ")"
    }
}

struct ElementFormatter {
    var floating: Bool
    var intMode = false
    var sciMode = false
    var width = 1

    init(values: [Scalar], dtype: DType) {
        floating = dtype.isFloatingPoint
        if !floating {
            width = values.map { $0.description.count }.max() ?? 1
            return
        }
        let finite = values.map(\.doubleValue).filter { $0.isFinite }
        let nonzero = finite.map { Swift.abs($0) }.filter { $0 != 0 }
        intMode = finite.allSatisfy { $0 == $0.rounded(.up) }
        if let maxV = nonzero.max(), let minV = nonzero.min() {
            if intMode {
                sciMode = maxV / minV > 1000 || maxV > 1e8
            } else {
                sciMode = maxV / minV > 1000 || maxV > 1e8 || minV < 1e-4
            }
        }
        width = values.map { format($0).count }.max() ?? 1
    }

    func format(_ v: Scalar) -> String {
        guard floating else { return v.description }
        let d = v.doubleValue
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        if sciMode { return formatScientific(d, decimals: 4) }
        if intMode { return formatFixed(d, decimals: 0) + "." }
        return formatFixed(d, decimals: 4)
    }

    func padded(_ v: Scalar) -> String {
        let s = format(v)
        return String(repeating: " ", count: Swift.max(0, width - s.count)) + s
    }
}

func formatTensorBody(_ t: Tensor, indent: Int) -> String {
    let values = t.scalars()
    if t.rank == 0 { return ElementFormatter(values: values, dtype: t.dtype).format(values[0]) }
    let summarize = t.numel > 1000
    let fmt = ElementFormatter(values: summarize ? summarizedValues(t) : values, dtype: t.dtype)
    let strides = contiguousStrides(t.shape)
    func render(_ dim: Int, _ offset: Int, _ ind: Int) -> String {
        let n = t.shape[dim]
        var idx = Array(0..<n)
        var elided = false
        if summarize && n > 6 { idx = [0, 1, 2, n - 3, n - 2, n - 1]; elided = true }
        if dim == t.rank - 1 {
            var parts = idx.map { fmt.padded(values[offset + $0 * strides[dim]]) }
            if elided { parts.insert("...", at: 3) }
            return "[" + parts.joined(separator: ", ") + "]"
        }
        var parts = idx.map { render(dim + 1, offset + $0 * strides[dim], ind + 1) }
        if elided { parts.insert("...", at: 3) }
        let sep = "," + String(repeating: "\n", count: t.rank - dim - 1) + String(repeating: " ", count: ind + 1)
        return "[" + parts.joined(separator: sep) + "]"
    }
    return render(0, 0, indent)
}

private func summarizedValues(_ t: Tensor) -> [Scalar] {
    var r = t
    for d in 0..<t.rank where t.shape[d] > 6 {
        r = Tensor.cat([r.narrow(d, start: 0, length: 3), r.narrow(d, start: t.shape[d] - 3, length: 3)], dim: d)
    }
    return r.scalars()
}

/// `value` with `decimals` digits after the point (Python's `{:.Nf}`).
func formatFixed(_ value: Double, decimals: Int) -> String {
    let negative = value < 0 || (value == 0 && value.sign == .minus)
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (Swift.abs(value) * scale).rounded(.toNearestOrEven)
    guard scaled < 9e18 else { return "\(value)" }
    let n = UInt64(scaled)
    let intPart = n / UInt64(scale), frac = n % UInt64(scale)
    var s = String(intPart)
    if decimals > 0 {
        let f = String(frac)
        s += "." + String(repeating: "0", count: decimals - f.count) + f
    }
    return (negative && (n != 0 || value.sign == .minus) ? "-" : "") + s
}

/// `value` as Python's `{:.Ne}` prints it (`1.0000e-05`).
func formatScientific(_ value: Double, decimals: Int) -> String {
    if value == 0 { return formatFixed(0, decimals: decimals) + "e+00" }
    var exponent = Int((Swift.abs(value)).log10Floor)
    var mantissa = value / pow10(exponent)
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    if (Swift.abs(mantissa) * scale).rounded() >= 10 * scale {
        exponent += 1
        mantissa = value / pow10(exponent)
    }
    let e = Swift.abs(exponent)
    return formatFixed(mantissa, decimals: decimals) + "e" + (exponent < 0 ? "-" : "+") + (e < 10 ? "0" : "") + String(e)
}

private func pow10(_ e: Int) -> Double {
    var r = 1.0
    if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
    return r
}

extension Double {
    fileprivate var log10Floor: Double {
        var e = 0.0
        var v = self
        while v >= 10 { v /= 10; e += 1 }
        while v < 1 { v *= 10; e -= 1 }
        return e
    }
}
