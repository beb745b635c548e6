/// A multi-dimensional array with a runtime dtype, strided views over shared
/// storage, and define-by-run autograd (PyTorch's `torch.Tensor`).
///
/// `Tensor` has reference semantics: in-place operations (`add_`, `zero_`, optimizer
/// steps) change it for every holder, and views share its storage.
public final class Tensor: @unchecked Sendable {
    public let storage: Storage
    public let shape: [Int]
    public let strides: [Int]
    public let storageOffset: Int
    public let dtype: DType

    // Autograd state.
    var requiresGradFlag = false
    /// A Swift number wrapped as a zero-dim tensor for an operation (weak in type promotion).
    var isWrappedNumber = false
    /// The node that produced this tensor (nil for leaves).
    public internal(set) var gradFn: Node?
    /// Which output of `gradFn` this tensor is.
    var outputNr = 0
    var gradStorage: Tensor?
    var extra: TensorExtra?
    /// The tensor this one is a view of (the root base, PyTorch's `._base`).
    public internal(set) var base: Tensor?

    init(storage: Storage, shape: [Int], strides: [Int], offset: Int, dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.storageOffset = offset
        self.dtype = dtype
    }

    deinit { extra?.accumulatorNode?.variable = nil }

    /// A new contiguous tensor with uninitialised memory.
    init(uninitializedShape shape: [Int], dtype: DType, device: Device = .cpu) {
        let n = shapeNumel(shape)
        self.storage = Storage(byteCount: n * dtype.itemSize, device: device)
        self.shape = shape
        self.strides = contiguousStrides(shape)
        self.storageOffset = 0
        self.dtype = dtype
    }

    /// A new contiguous tensor whose caller already has the contiguous strides of `shape`.
    init(uninitializedShape shape: [Int], strides: [Int], dtype: DType, device: Device = .cpu) {
        self.storage = Storage(byteCount: shapeNumel(shape) * dtype.itemSize, device: device)
        self.shape = shape
        self.strides = strides
        self.storageOffset = 0
        self.dtype = dtype
    }

    static func emptyPlaceholder() -> Tensor { Tensor(uninitializedShape: [0], dtype: .float32) }

    public var device: Device { storage.device }
    /// Number of dimensions (`dim()` / `ndim`).
    public var rank: Int { shape.count }
    public var ndim: Int { shape.count }
    public func dim() -> Int { shape.count }
    /// Number of elements.
    public var numel: Int { shapeNumel(shape) }
    public var isFloatingPoint: Bool { dtype.isFloatingPoint }

    /// The size of dimension `d` (negative counts from the end).
    public func size(_ d: Int) -> Int { run { () throws(TorchError) -> Int in shape[try normalizeDim(d, rank, op: "size")] } }
    public func size() -> [Int] { shape }
    public func stride(_ d: Int) -> Int { run { () throws(TorchError) -> Int in strides[try normalizeDim(d, rank, op: "stride")] } }
    public func stride() -> [Int] { strides }

    public var isContiguous: Bool { isContiguousLayout(shape, strides) }

    /// The version counter of the storage (bumped by every in-place operation).
    public var version: Int { storage.version }

    /// The first element's address in CPU memory, for kernels outside the core
    /// (fused optimizer steps). The caller must respect dtype, shape and strides.
    public func dataPointer<T>(_: T.Type) -> UnsafeMutablePointer<T> { pointer(as: T.self) }

    /// Marks an in-place write done through `dataPointer` (autograd's version counter).
    public func bumpVersion() { storage.version &+= 1 }

    /// Typed pointer to the first element (CPU only).
    @inline(__always)
    func pointer<T>(as: T.Type) -> UnsafeMutablePointer<T> {
        storage.data.assumingMemoryBound(to: T.self) + storageOffset
    }
}

/// Rarely used per-tensor state, kept out of line so plain tensors stay small.
final class TensorExtra {
    var retainsGrad = false
    var postAccumulateHooks: [(Tensor) -> Void] = []
    var name: String?
    var accumulatorNode: AccumulateGrad?
}

@inline(__always)
func shapeNumel(_ shape: [Int]) -> Int {
    var n = 1
    for s in shape { n &*= s }
    return n
}

@inline(__always)
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    var i = shape.count - 1
    while i >= 0 {
        strides[i] = s
        s *= max(shape[i], 1)
        i -= 1
    }
    return strides
}

@inline(__always)
func isContiguousLayout(_ shape: [Int], _ strides: [Int]) -> Bool {
    var expected = 1
    var i = shape.count - 1
    while i >= 0 {
        let n = shape[i]
        if n == 0 { return true }
        if n != 1 && strides[i] != expected { return false }
        expected *= n
        i -= 1
    }
    return true
}

/// Wraps a negative dimension index and checks its range.
func normalizeDim(_ d: Int, _ rank: Int, op: String) throws(TorchError) -> Int {
    let r = max(rank, 1)
    guard d >= -r && d < r else {
        throw TorchError("\(op): Dimension out of range (expected to be in range of [\(-r), \(r - 1)], but got \(d))")
    }
    return d < 0 ? d + r : d
}

func shapeString(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
