/// The element type of a tensor, chosen at run time (PyTorch's `torch.dtype`).
public enum DType: Int, Sendable, CaseIterable, CustomStringConvertible {
    case bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .int16, .float16, .bfloat16: return 2
        case .int32, .float32: return 4
        case .int64, .float64: return 8
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    /// float16 and bfloat16, which CPU kernels compute in float32 ("opmath").
    public var isReducedFloat: Bool { self == .float16 || self == .bfloat16 }

    /// Integer types, bool excluded.
    public var isIntegral: Bool {
        switch self {
        case .uint8, .int8, .int16, .int32, .int64: return true
        default: return false
        }
    }

    /// PyTorch's name without the `torch.` prefix (`float32`, `int64`).
    public var name: String {
        switch self {
        case .bool: return "bool"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .float32: return "float32"
        case .float64: return "float64"
        }
    }

    public var description: String { "torch.\(name)" }

    /// PyTorch's legacy tensor type name, used in autograd messages (`torch.FloatTensor`).
    var legacyTypeName: String {
        switch self {
        case .bool: return "torch.BoolTensor"
        case .uint8: return "torch.ByteTensor"
        case .int8: return "torch.CharTensor"
        case .int16: return "torch.ShortTensor"
        case .int32: return "torch.IntTensor"
        case .int64: return "torch.LongTensor"
        case .float16: return "torch.HalfTensor"
        case .bfloat16: return "torch.BFloat16Tensor"
        case .float32: return "torch.FloatTensor"
        case .float64: return "torch.DoubleTensor"
        }
    }

    /// Parses PyTorch's dtype names (`"float32"`, `"torch.float"`, `"long"`, ...).
    public init?(name: String) {
        let n = name.hasPrefix("torch.") ? String(name.dropFirst(6)) : name
        switch n {
        case "bool": self = .bool
        case "uint8": self = .uint8
        case "int8": self = .int8
        case "int16", "short": self = .int16
        case "int32", "int": self = .int32
        case "int64", "long": self = .int64
        case "float16", "half": self = .float16
        case "bfloat16": self = .bfloat16
        case "float32", "float": self = .float32
        case "float64", "double": self = .float64
        default: return nil
        }
    }

    /// The dtype that float results use by default (`torch.get_default_dtype()`).
    public static var defaultFloat: DType { .float32 }

    /// The smallest type both `a` and `b` convert to without loss of category
    /// (PyTorch's `torch.promote_types`).
    public static func promote(_ a: DType, _ b: DType) -> DType {
        if a == b { return a }
        if a == .bool { return b }
        if b == .bool { return a }
        if a.isFloatingPoint || b.isFloatingPoint {
            if a.isFloatingPoint && b.isFloatingPoint {
                if (a == .float16 && b == .bfloat16) || (a == .bfloat16 && b == .float16) { return .float32 }
                return a.itemSize >= b.itemSize ? a : b
            }
            return a.isFloatingPoint ? a : b
        }
        // both integral
        if a == .uint8 || b == .uint8 {
            let other = a == .uint8 ? b : a
            return other == .int8 ? .int16 : other
        }
        return a.itemSize >= b.itemSize ? a : b
    }

    /// Rank of the category: bool 0, integer 1, floating 2.
    var category: Int { self == .bool ? 0 : (isFloatingPoint ? 2 : 1) }
}
