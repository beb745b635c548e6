/// A JSON value that keeps integers and floats apart (PyTorch's int and float
/// arguments differ in meaning: `pow(x, 3)` vs `pow(x, 3.0)`).
public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON], keys: [String])

    public subscript(key: String) -> JSON? {
        if case .object(let d, _) = self { return d[key] }
        return nil
    }

    public var arrayValue: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var intValue: Int? {
        switch self {
        case .int(let i): return Int(i)
        case .double(let d) where d == d.rounded(): return Int(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return ["nan": Double.nan, "inf": .infinity, "-inf": -.infinity][s]
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var isNull: Bool { self == .null }
}

public struct JSONParseError: Error, CustomStringConvertible {
    public let description: String
}

/// A small recursive-descent JSON parser over UTF-8 bytes.
public struct JSONParser {
    private let bytes: [UInt8]
    private var i = 0

    public static func parse(_ text: String) throws -> JSON {
        var p = JSONParser(bytes: Array(text.utf8))
        p.skipSpace()
        let v = try p.value()
        p.skipSpace()
        guard p.i == p.bytes.count else { throw JSONParseError(description: "trailing characters at \(p.i)") }
        return v
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func value() throws -> JSON {
        guard i < bytes.count else { throw JSONParseError(description: "unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var dict: [String: JSON] = [:]
            var keys: [String] = []
            skipSpace()
            if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; return .object(dict, keys: keys) }
            while true {
                skipSpace()
                guard case .string(let k) = try value() else { throw JSONParseError(description: "object key must be a string") }
                skipSpace()
                try expect(":")
                skipSpace()
                dict[k] = try value()
                keys.append(k)
                skipSpace()
                if try consumeSeparator("}") { return .object(dict, keys: keys) }
            }
        case UInt8(ascii: "["):
            i += 1
            var arr: [JSON] = []
            skipSpace()
            if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
            while true {
                skipSpace()
                arr.append(try value())
                skipSpace()
                if try consumeSeparator("]") { return .array(arr) }
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    private mutating func consumeSeparator(_ close: Character) throws -> Bool {
        guard i < bytes.count else { throw JSONParseError(description: "unexpected end") }
        if bytes[i] == UInt8(ascii: ",") { i += 1; return false }
        if bytes[i] == close.asciiValue! { i += 1; return true }
        throw JSONParseError(description: "expected , or \(close) at \(i)")
    }

    private mutating func expect(_ c: Character) throws {
        guard i < bytes.count, bytes[i] == c.asciiValue! else { throw JSONParseError(description: "expected \(c) at \(i)") }
        i += 1
    }

    private mutating func literal(_ s: String) throws {
        let u = Array(s.utf8)
        guard i + u.count <= bytes.count, Array(bytes[i..<(i + u.count)]) == u else {
            throw JSONParseError(description: "bad literal at \(i)")
        }
        i += u.count
    }

    private mutating func string() throws -> String {
        i += 1
        var out: [UInt8] = []
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.count else { break }
                let e = bytes[i]
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 < bytes.count, let code = UInt32(String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self), radix: 16) else {
                        throw JSONParseError(description: "bad unicode escape")
                    }
                    out += Array(String(UnicodeScalar(code).map(Character.init) ?? "?").utf8)
                    i += 4
                default: out.append(e)
                }
                i += 1
                continue
            }
            out.append(c)
            i += 1
        }
        throw JSONParseError(description: "unterminated string")
    }

    private mutating func number() throws -> JSON {
        let start = i
        var isFloat = false
        while i < bytes.count {
            let c = bytes[i]
            if (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { i += 1; continue }
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { isFloat = true; i += 1; continue }
            break
        }
        let text = String(decoding: bytes[start..<i], as: UTF8.self)
        if !isFloat, let v = Int64(text) { return .int(v) }
        if let d = Double(text) { return .double(d) }
        throw JSONParseError(description: "bad number '\(text)' at \(start)")
    }
}

extension JSON {
    /// Compact serialisation; doubles use Swift's shortest round-trip form.
    public var serialized: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "\"nan\"" }
            if d.isInfinite { return d > 0 ? "\"inf\"" : "\"-inf\"" }
            return "\(d)"
        case .string(let s): return JSON.quote(s)
        case .array(let a): return "[" + a.map(\.serialized).joined(separator: ", ") + "]"
        case .object(let d, let keys): return "{" + keys.map { JSON.quote($0) + ": " + d[$0]!.serialized }.joined(separator: ", ") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if ch.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(ch.value, radix: 16).count) + String(ch.value, radix: 16) }
                else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }

    /// An object with keys in the given order.
    public static func obj(_ pairs: [(String, JSON)]) -> JSON {
        var d: [String: JSON] = [:]
        for (k, v) in pairs { d[k] = v }
        return .object(d, keys: pairs.map(\.0))
    }
}
