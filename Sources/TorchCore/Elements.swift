/// Brain floating point: the top 16 bits of a float32 (round to nearest even).
public struct BFloat16: Sendable, Hashable, CustomStringConvertible {
    public var bitPattern: UInt16

    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    @inline(__always)
    public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(truncatingIfNeeded: bits >> 16) | 0x40
        } else {
            let rounding = UInt32(0x7FFF) + ((bits >> 16) & 1)
            bitPattern = UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
        }
    }

    @inline(__always)
    public var float: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    public var description: String { float.description }
}

/// A type that a tensor's storage can hold, with the type its arithmetic runs in
/// (float16 and bfloat16 compute in Float, like PyTorch's CPU kernels).
public protocol TensorElement: Sendable {
    associatedtype Compute
    static var dtype: DType { get }
    init(compute: Compute)
    var compute: Compute { get }
    /// The value as a Double (exact for every type but int64 beyond 2^53).
    var doubleValue: Double { get }
    init(double: Double)
    /// a + b in this type (wrapping for integers, `or` for bool): accumulation in kernels.
    static func accumulate(_ a: Self, _ b: Self) -> Self
}

public extension TensorElement where Compute == Self {
    @inline(__always) init(compute: Self) { self = compute }
    @inline(__always) var compute: Self { self }
}

extension Float: TensorElement {
    @inline(__always) public static func accumulate(_ a: Float, _ b: Float) -> Float { a + b }
    public typealias Compute = Float
    public static var dtype: DType { .float32 }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public init(double: Double) { self.init(double) }
}

extension Double: TensorElement {
    @inline(__always) public static func accumulate(_ a: Double, _ b: Double) -> Double { a + b }
    public typealias Compute = Double
    public static var dtype: DType { .float64 }
    @inline(__always) public var doubleValue: Double { self }
    @inline(__always) public init(double: Double) { self = double }
}

extension Float16: TensorElement {
    @inline(__always) public static func accumulate(_ a: Float16, _ b: Float16) -> Float16 { Float16(Float(a) + Float(b)) }
    public typealias Compute = Float
    public static var dtype: DType { .float16 }
    @inline(__always) public init(compute: Float) { self.init(compute) }
    @inline(__always) public var compute: Float { Float(self) }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public init(double: Double) { self.init(Float(double)) }
}

extension BFloat16: TensorElement {
    @inline(__always) public static func accumulate(_ a: BFloat16, _ b: BFloat16) -> BFloat16 { BFloat16(a.float + b.float) }
    public typealias Compute = Float
    public static var dtype: DType { .bfloat16 }
    @inline(__always) public init(compute: Float) { self.init(compute) }
    @inline(__always) public var compute: Float { float }
    @inline(__always) public var doubleValue: Double { Double(float) }
    @inline(__always) public init(double: Double) { self.init(Float(double)) }
}

/// Integer conversion from Double the way a C cast does it (truncation toward zero,
/// wrapping for values outside the range), which is what PyTorch's casts do.
@inline(__always)
func truncatingInteger<I: FixedWidthInteger>(_ d: Double) -> I {
    if d.isNaN || d.isInfinite { return d.isNaN ? 0 : (d > 0 ? I.min : I.min) }
    let t = d.rounded(.towardZero)
    if t >= -9.2e18 && t <= 9.2e18 { return I(truncatingIfNeeded: Int64(t)) }
    return I.min
}

extension Int64: TensorElement {
    @inline(__always) public static func accumulate(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    public typealias Compute = Int64
    public static var dtype: DType { .int64 }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public init(double: Double) { self = truncatingInteger(double) }
}

extension Int32: TensorElement {
    @inline(__always) public static func accumulate(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
    public typealias Compute = Int32
    public static var dtype: DType { .int32 }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public init(double: Double) { self = truncatingInteger(double) }
}

extension Int16: TensorElement {
    @inline(__always) public static func accumulate(_ a: Int16, _ b: Int16) -> Int16 { a &+ b }
    public typealias Compute = Int16
    public static var dtype: DType { .int16 }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public init(double: Double) { self = truncatingInteger(double) }
}

extension Int8: TensorElement {
    @inline(__always) public static func accumulate(_ a: Int8, _ b: Int8) -> Int8 { a &+ b }
    public typealias Compute = Int8
    public static var dtype: DType { .int8 }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public init(double: Double) { self = truncatingInteger(double) }
}

extension UInt8: TensorElement {
    @inline(__always) public static func accumulate(_ a: UInt8, _ b: UInt8) -> UInt8 { a &+ b }
    public typealias Compute = UInt8
    public static var dtype: DType { .uint8 }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public init(double: Double) { self = truncatingInteger(double) }
}

extension Bool: TensorElement {
    @inline(__always) public static func accumulate(_ a: Bool, _ b: Bool) -> Bool { a || b }
    public typealias Compute = Bool
    public static var dtype: DType { .bool }
    @inline(__always) public var doubleValue: Double { self ? 1 : 0 }
    @inline(__always) public init(double: Double) { self = double != 0 }
}
