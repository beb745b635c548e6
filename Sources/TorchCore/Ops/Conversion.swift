extension Tensor {
    /// A copy converted to `dtype` (always a new tensor), recorded for autograd.
    func cast(to dtype: DType) throws(TorchError) -> Tensor {
        let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
        backend(for: device).copy(self, into: out)
        if needsGrad(self) && dtype.isFloatingPoint {
            let srcType = self.dtype
            record("ToCopyBackward0", inputs: [self], outputs: [out]) { _ in
                { grads, node throws(TorchError) in [grads[0]!.to(srcType)] }
            }
        }
        return out
    }

    /// This tensor converted to `dtype`; self when it already has it (`to(dtype)`).
    public func to(_ dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        return run { () throws(TorchError) -> Tensor in try cast(to: dtype) }
    }

    /// This tensor on `device` (self when already there).
    public func to(device: Device) -> Tensor {
        if device == self.device { return self }
        return run { () throws(TorchError) -> Tensor in
            try CUDA.check(device, op: "to")
            throw TorchError("to: cannot move a tensor to \(device): this build has no backend for it")
        }
    }

    public func float() -> Tensor { to(.float32) }
    public func double() -> Tensor { to(.float64) }
    public func half() -> Tensor { to(.float16) }
    public func bfloat16() -> Tensor { to(.bfloat16) }
    public func long() -> Tensor { to(.int64) }
    public func int() -> Tensor { to(.int32) }
    public func bool() -> Tensor { to(.bool) }

    /// A contiguous tensor with the same values: self when already contiguous.
    public func contiguous() -> Tensor { contiguous(forceCopy: false) }

    func contiguous(forceCopy: Bool) -> Tensor {
        if isContiguous && !forceCopy { return self }
        let out = Tensor(uninitializedShape: shape, dtype: dtype, device: device)
        backend(for: device).copy(self, into: out)
        if needsGrad(self) {
            record(forceCopy ? "CloneBackward0" : "CloneBackward0", inputs: [self], outputs: [out]) { _ in
                { grads, node throws(TorchError) in [grads[0]!] }
            }
        }
        return out
    }

    /// A copy with its own storage (`clone()`), differentiable.
    public func clone() -> Tensor { contiguous(forceCopy: true) }

    /// The value of a one-element tensor (`item()`).
    public func item() -> Scalar {
        run { () throws(TorchError) -> Scalar in
            try check(numel == 1, "a Tensor with \(numel) elements cannot be converted to Scalar")
            return scalar(atOffset: storageOffset)
        }
    }

    /// The value of a one-element tensor as a Swift type (`item<Float>()`).
    public func item<T: TensorElement>(_: T.Type = T.self) -> T {
        run { () throws(TorchError) -> T? in
            try check(numel == 1, "a Tensor with \(numel) elements cannot be converted to Scalar")
            return T(double: scalar(atOffset: storageOffset).doubleValue)
        } ?? T(double: 0)
    }

    func scalar(atOffset o: Int) -> Scalar {
        let raw = storage.data
        switch dtype {
        case .float32: return .double(Double(raw.assumingMemoryBound(to: Float.self)[o]))
        case .float64: return .double(raw.assumingMemoryBound(to: Double.self)[o])
        case .float16: return .double(Double(raw.assumingMemoryBound(to: Float16.self)[o]))
        case .bfloat16: return .double(Double(raw.assumingMemoryBound(to: BFloat16.self)[o].float))
        case .int64: return .int(raw.assumingMemoryBound(to: Int64.self)[o])
        case .int32: return .int(Int64(raw.assumingMemoryBound(to: Int32.self)[o]))
        case .int16: return .int(Int64(raw.assumingMemoryBound(to: Int16.self)[o]))
        case .int8: return .int(Int64(raw.assumingMemoryBound(to: Int8.self)[o]))
        case .uint8: return .int(Int64(raw.assumingMemoryBound(to: UInt8.self)[o]))
        case .bool: return .bool(raw.assumingMemoryBound(to: Bool.self)[o])
        }
    }

    /// The values in row-major order, converted to `T`.
    public func toArray<T: TensorElement>(_: T.Type = T.self) -> [T] {
        if T.dtype == dtype {
            let c = contiguous()
            return Array(UnsafeBufferPointer(start: c.pointer(as: T.self), count: c.numel))
        }
        let c = to(T.dtype).contiguous()
        return Array(UnsafeBufferPointer(start: c.pointer(as: T.self), count: c.numel))
    }

    /// The values in row-major order as Scalars (exact for every dtype).
    public func scalars() -> [Scalar] {
        let c = contiguous()
        return (0..<c.numel).map { c.scalar(atOffset: c.storageOffset + $0) }
    }

    /// True when any element is nonzero.
    func anyTrue() throws(TorchError) -> Bool {
        let r = try reduction(.any, dims: nil, keepdim: false)
        return r.storage.data.assumingMemoryBound(to: Bool.self)[r.storageOffset]
    }

    /// A view of this tensor broadcast to `shape` (strides 0 on broadcast dims), no autograd.
    func expandedView(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let offset = target.count - shape.count
        var st = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] == target[i + offset] { st[i + offset] = strides[i] }
        return Tensor(storage: storage, shape: target, strides: st, offset: storageOffset, dtype: dtype)
    }
}
