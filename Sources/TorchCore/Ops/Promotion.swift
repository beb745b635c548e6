/// PyTorch's `result_type` over tensors and wrapped numbers: dimensioned tensors
/// outrank zero-dim tensors, which outrank Swift numbers, unless a lower group
/// brings a higher category (bool < integer < floating).
struct ResultTypeState {
    var dimResult: DType?
    var zeroResult: DType?
    var wrappedResult: DType?

    mutating func add(_ t: Tensor) {
        if t.isWrappedNumber {
            let d = t.dtype.isFloatingPoint ? DType.defaultFloat : t.dtype
            wrappedResult = wrappedResult.map { DType.promote($0, d) } ?? d
        } else if t.rank > 0 {
            dimResult = dimResult.map { DType.promote($0, t.dtype) } ?? t.dtype
        } else {
            zeroResult = zeroResult.map { DType.promote($0, t.dtype) } ?? t.dtype
        }
    }

    mutating func add(_ s: Scalar) {
        let d = s.wrappedDType
        wrappedResult = wrappedResult.map { DType.promote($0, d) } ?? d
    }

    var result: DType {
        combine(dimResult, combine(zeroResult, wrappedResult)) ?? DType.defaultFloat
    }

    private func combine(_ higher: DType?, _ lower: DType?) -> DType? {
        guard let higher else { return lower }
        guard let lower else { return higher }
        if higher.isFloatingPoint { return higher }
        if higher == .bool || lower.isFloatingPoint { return DType.promote(higher, lower) }
        return higher
    }
}

/// The dtype of an operation over `tensors` (`torch.result_type`).
public func resultType(_ tensors: Tensor...) -> DType {
    var s = ResultTypeState()
    for t in tensors { s.add(t) }
    return s.result
}

/// The two-operand case without an array (the hot path of binary ops).
@inline(__always)
func resultType2(_ a: Tensor, _ b: Tensor) -> DType {
    if a.dtype == b.dtype { return a.dtype }
    var s = ResultTypeState()
    s.add(a)
    s.add(b)
    return s.result
}

func resultType(_ tensors: [Tensor]) -> DType {
    var s = ResultTypeState()
    for t in tensors { s.add(t) }
    return s.result
}

extension Tensor {
    /// A Swift number as an operand: a zero-dim tensor that takes part in type
    /// promotion only by its category, as PyTorch treats Python numbers.
    public static func wrappedNumber(_ s: Scalar) -> Tensor { wrapped(s) }

    static func wrapped(_ s: Scalar) -> Tensor {
        let t: Tensor
        switch s {
        case .bool(let b): t = Tensor.scalarTensor(b ? 1 : 0, dtype: .bool)
        case .int(let i): t = Tensor.scalarTensor(int: i)
        case .double(let d): t = Tensor.scalarTensor(d, dtype: .float64)
        }
        t.isWrappedNumber = true
        return t
    }
}
