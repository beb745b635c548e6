/// A Swift number used as an operand (PyTorch's "wrapped number"): it takes part in
/// type promotion only by its category, so `int8Tensor + 5` stays int8 and
/// `intTensor * 2.5` becomes the default float dtype.
public enum Scalar: Sendable, Hashable, CustomStringConvertible,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral
{
    case bool(Bool)
    case int(Int64)
    case double(Double)

    public init(integerLiteral value: Int) { self = .int(Int64(value)) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(_ value: Int) { self = .int(Int64(value)) }
    public init(_ value: Double) { self = .double(value) }
    public init(_ value: Float) { self = .double(Double(value)) }

    public var doubleValue: Double {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        }
    }

    public var intValue: Int64 {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        case .double(let d): return Int64(double: d)
        }
    }

    /// The dtype PyTorch wraps this number as before promotion.
    var wrappedDType: DType {
        switch self {
        case .bool: return .bool
        case .int: return .int64
        case .double: return DType.defaultFloat
        }
    }

    public var isFloatingPoint: Bool { if case .double = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return formatPythonFloat(d)
        }
    }
}

/// Swift numbers that convert to a `Scalar` operand.
public protocol ScalarConvertible { var scalar: Scalar { get } }
extension Int: ScalarConvertible { public var scalar: Scalar { .int(Int64(self)) } }
extension Int64: ScalarConvertible { public var scalar: Scalar { .int(self) } }
extension Int32: ScalarConvertible { public var scalar: Scalar { .int(Int64(self)) } }
extension Double: ScalarConvertible { public var scalar: Scalar { .double(self) } }
extension Float: ScalarConvertible { public var scalar: Scalar { .double(Double(self)) } }
extension Bool: ScalarConvertible { public var scalar: Scalar { .bool(self) } }
extension Scalar: ScalarConvertible { public var scalar: Scalar { self } }

/// Python's repr of a float (`1.0`, `0.1`, `inf`, `nan`, `1e-05`).
func formatPythonFloat(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d > 0 ? "inf" : "-inf" }
    if d == d.rounded() && abs(d) < 1e16 { return "\(Int64(d)).0" }
    return "\(d)"
}
