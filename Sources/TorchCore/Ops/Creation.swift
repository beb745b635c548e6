/// Nested Swift arrays of numbers that a tensor can be built from.
public protocol TensorData {
    /// Appends the flat values and returns the shape of this (sub)array.
    func flatten(into values: inout [Scalar]) -> [Int]?
}

extension Int: TensorData { public func flatten(into v: inout [Scalar]) -> [Int]? { v.append(.int(Int64(self))); return [] } }
extension Int64: TensorData { public func flatten(into v: inout [Scalar]) -> [Int]? { v.append(.int(self)); return [] } }
extension Int32: TensorData { public func flatten(into v: inout [Scalar]) -> [Int]? { v.append(.int(Int64(self))); return [] } }
extension Double: TensorData { public func flatten(into v: inout [Scalar]) -> [Int]? { v.append(.double(self)); return [] } }
extension Float: TensorData { public func flatten(into v: inout [Scalar]) -> [Int]? { v.append(.double(Double(self))); return [] } }
extension Bool: TensorData { public func flatten(into v: inout [Scalar]) -> [Int]? { v.append(.bool(self)); return [] } }
extension Array: TensorData where Element: TensorData {
    public func flatten(into v: inout [Scalar]) -> [Int]? {
        var inner: [Int]? = nil
        for e in self {
            guard let s = e.flatten(into: &v) else { return nil }
            if let inner, inner != s { return nil }
            inner = s
        }
        return [count] + (inner ?? [])
    }
}

extension Tensor {
    /// Builds a tensor from nested arrays (`torch.tensor`): Swift `Int`s give int64,
    /// `Double`s and `Float`s the default float dtype, `Bool`s bool, unless `dtype` says otherwise.
    public convenience init<D: TensorData>(_ data: D, dtype: DType? = nil, requiresGrad: Bool = false) {
        var values: [Scalar] = []
        let shape = data.flatten(into: &values)
        let inferred: DType
        if values.contains(where: \.isFloatingPoint) {
            inferred = DType.defaultFloat
        } else if values.contains(where: { if case .int = $0 { return true } else { return false } }) {
            inferred = .int64
        } else if values.isEmpty {
            inferred = DType.defaultFloat
        } else {
            inferred = .bool
        }
        let t = Tensor.fromScalars(values, shape: shape ?? [values.count], dtype: dtype ?? inferred)
        self.init(storage: t.storage, shape: t.shape, strides: t.strides, offset: 0, dtype: t.dtype)
        if shape == nil { raise(TorchError("tensor: expected a rectangular nested array")) }
        if requiresGrad { self.requiresGrad = true }
    }

    /// Builds a tensor of `shape` from flat typed values.
    public convenience init<T: TensorElement>(_ values: [T], shape: [Int]) {
        self.init(uninitializedShape: shape, dtype: T.dtype)
        if values.count != shapeNumel(shape) {
            raise(TorchError("tensor: \(values.count) values do not fill shape \(shapeString(shape))"))
            return
        }
        let p = pointer(as: T.self)
        values.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: values.count) }
    }

    /// Builds a tensor of `shape` and `dtype` from flat values given as Doubles.
    public static func fromScalars(_ values: [Scalar], shape: [Int], dtype: DType) -> Tensor {
        let t = Tensor(uninitializedShape: shape, dtype: dtype)
        guard values.count == shapeNumel(shape) else {
            raise(TorchError("tensor: \(values.count) values do not fill shape \(shapeString(shape))"))
            return t
        }
        t.withTypedPointer { (_: Any.Type, store: (Int, Scalar) -> Void) in
            for (i, v) in values.enumerated() { store(i, v) }
        }
        return t
    }

    /// Calls `body` with a function that stores a Scalar at a flat index of this contiguous tensor.
    func withTypedPointer(_ body: (Any.Type, (Int, Scalar) -> Void) -> Void) {
        let raw = storage.data
        let o = storageOffset
        switch dtype {
        case .float32: let p = raw.assumingMemoryBound(to: Float.self) + o; body(Float.self) { p[$0] = Float($1.doubleValue) }
        case .float64: let p = raw.assumingMemoryBound(to: Double.self) + o; body(Double.self) { p[$0] = $1.doubleValue }
        case .float16: let p = raw.assumingMemoryBound(to: Float16.self) + o; body(Float16.self) { p[$0] = Float16(Float($1.doubleValue)) }
        case .bfloat16: let p = raw.assumingMemoryBound(to: BFloat16.self) + o; body(BFloat16.self) { p[$0] = BFloat16(Float($1.doubleValue)) }
        case .int64: let p = raw.assumingMemoryBound(to: Int64.self) + o; body(Int64.self) { p[$0] = $1.intValue }
        case .int32: let p = raw.assumingMemoryBound(to: Int32.self) + o; body(Int32.self) { p[$0] = Int32(truncatingIfNeeded: $1.intValue) }
        case .int16: let p = raw.assumingMemoryBound(to: Int16.self) + o; body(Int16.self) { p[$0] = Int16(truncatingIfNeeded: $1.intValue) }
        case .int8: let p = raw.assumingMemoryBound(to: Int8.self) + o; body(Int8.self) { p[$0] = Int8(truncatingIfNeeded: $1.intValue) }
        case .uint8: let p = raw.assumingMemoryBound(to: UInt8.self) + o; body(UInt8.self) { p[$0] = UInt8(truncatingIfNeeded: $1.intValue) }
        case .bool: let p = raw.assumingMemoryBound(to: Bool.self) + o; body(Bool.self) { p[$0] = $1.doubleValue != 0 }
        }
    }

    static func scalarTensor(_ value: Double, dtype: DType) -> Tensor {
        let t = Tensor(uninitializedShape: [], dtype: dtype)
        CPUBackend.shared.fill(t, with: .double(value))
        return t
    }

    static func scalarTensor(int value: Int64) -> Tensor {
        let t = Tensor(uninitializedShape: [], dtype: .int64)
        t.pointer(as: Int64.self).pointee = value
        return t
    }

    /// A zero-dim tensor holding `value` (`torch.tensor(3.5)`).
    public convenience init(scalar value: Scalar, dtype: DType? = nil) {
        let d = dtype ?? value.wrappedDType
        self.init(uninitializedShape: [], dtype: d)
        CPUBackend.shared.fill(self, with: value)
    }

    public static func empty(_ shape: [Int], dtype: DType = .defaultFloat, device: Device = .cpu) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try checkShape(shape, op: "empty")
            try CUDA.check(device, op: "empty")
            return Tensor(uninitializedShape: shape, dtype: dtype, device: device)
        }
    }

    public static func full(_ shape: [Int], _ value: Scalar, dtype: DType? = nil, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try checkShape(shape, op: "full")
            try CUDA.check(device, op: "full")
            let d = dtype ?? value.wrappedDType
            let t = Tensor(uninitializedShape: shape, dtype: d, device: device)
            backend(for: device).fill(t, with: value)
            if requiresGrad { try t.setRequiresGrad(true) }
            return t
        }
    }

    public static func zeros(_ shape: [Int], dtype: DType = .defaultFloat, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
        full(shape, .int(0), dtype: dtype, device: device, requiresGrad: requiresGrad)
    }

    public static func ones(_ shape: [Int], dtype: DType = .defaultFloat, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
        full(shape, .int(1), dtype: dtype, device: device, requiresGrad: requiresGrad)
    }

    public func zerosLike(dtype: DType? = nil) -> Tensor { Tensor.zeros(shape, dtype: dtype ?? self.dtype, device: device) }
    public func onesLike(dtype: DType? = nil) -> Tensor { Tensor.ones(shape, dtype: dtype ?? self.dtype, device: device) }
    public func fullLike(_ value: Scalar, dtype: DType? = nil) -> Tensor { Tensor.full(shape, value, dtype: dtype ?? self.dtype, device: device) }
    public func emptyLike(dtype: DType? = nil) -> Tensor { Tensor.empty(shape, dtype: dtype ?? self.dtype, device: device) }

    /// Values from `start` to `end` (exclusive) by `step` (`torch.arange`). The dtype is
    /// int64 when all three are integers, else the default float dtype.
    public static func arange(_ start: Scalar = 0, _ end: Scalar, step: Scalar = 1, dtype: DType? = nil, device: Device = .cpu) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try CUDA.check(device, op: "arange")
            let isFloat = start.isFloatingPoint || end.isFloatingPoint || step.isFloatingPoint
            let d = dtype ?? (isFloat ? DType.defaultFloat : .int64)
            let s = start.doubleValue, e = end.doubleValue, st = step.doubleValue
            try check(st != 0, "arange: step must be nonzero")
            try check((st > 0 && e >= s) || (st < 0 && e <= s), "arange: upper bound and larger bound inconsistent with step sign")
            let n: Int
            if !isFloat {
                let si = start.intValue, ei = end.intValue, sti = step.intValue
                n = Int((ei - si + sti - (sti > 0 ? 1 : -1)) / sti)
            } else {
                n = Int((((e - s) / st)).rounded(.up))
            }
            let values: [Scalar] = (0..<Swift.max(n, 0)).map { i in
                isFloat ? .double(s + Double(i) * st) : .int(start.intValue + Int64(i) * step.intValue)
            }
            return Tensor.fromScalars(values, shape: [values.count], dtype: d).to(device: device)
        }
    }

    /// `steps` evenly spaced values from `start` to `end` inclusive (`torch.linspace`).
    public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = .defaultFloat, device: Device = .cpu) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try CUDA.check(device, op: "linspace")
            try check(steps >= 0, "linspace: number of steps must be non-negative")
            let step = steps > 1 ? (end - start) / Double(steps - 1) : 0
            let half = steps / 2
            // PyTorch fills the second half backwards from `end` for symmetry.
            let values: [Scalar] = (0..<steps).map { i in
                .double(i < half ? start + step * Double(i) : end - step * Double(steps - 1 - i))
            }
            return Tensor.fromScalars(values, shape: [steps], dtype: dtype).to(device: device)
        }
    }

    /// The identity matrix (`torch.eye`).
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .defaultFloat, device: Device = .cpu) -> Tensor {
        run { () throws(TorchError) -> Tensor in
            try CUDA.check(device, op: "eye")
            let cols = m ?? n
            try checkShape([n, cols], op: "eye")
            var values = [Scalar](repeating: .int(0), count: n * cols)
            for i in 0..<Swift.min(n, cols) { values[i * cols + i] = .int(1) }
            return Tensor.fromScalars(values, shape: [n, cols], dtype: dtype).to(device: device)
        }
    }
}

func checkShape(_ shape: [Int], op: String) throws(TorchError) {
    for s in shape where s < 0 {
        throw TorchError("\(op): Trying to create tensor with negative dimension \(s): \(shapeString(shape))")
    }
}
