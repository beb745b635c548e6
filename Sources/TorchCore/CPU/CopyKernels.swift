import CTorchKernels

extension CPUBackend {
    func copy(_ src: Tensor, into dst: Tensor) {
        if src.dtype == dst.dtype {
            switch src.dtype.itemSize {
            case 1: Elementwise.move(UInt8.self, src, dst)
            case 2: Elementwise.move(UInt16.self, src, dst)
            case 4: Elementwise.move(UInt32.self, src, dst)
            default: Elementwise.move(UInt64.self, src, dst)
            }
            return
        }
        if src.isContiguous, dst.isContiguous, st_bf16_kernels_available() != 0 {
            let n = src.numel
            if src.dtype == .bfloat16 && dst.dtype == .float32 {
                let ps = src.pointer(as: UInt16.self), pd = dst.pointer(as: Float.self)
                Threading.parallelFor(n) { s, e in _ = st_bf16_to_f32(ps + s, pd + s, Int64(e - s)) }
                return
            }
            if src.dtype == .float32 && dst.dtype == .bfloat16 {
                let ps = src.pointer(as: Float.self), pd = dst.pointer(as: UInt16.self)
                Threading.parallelFor(n) { s, e in _ = st_f32_to_bf16(ps + s, pd + s, Int64(e - s)) }
                return
            }
        }
        switch src.dtype {
        case .float32: convert(Float.self, src, dst)
        case .float64: convert(Double.self, src, dst)
        case .float16: convert(Float16.self, src, dst)
        case .bfloat16: convert(BFloat16.self, src, dst)
        case .int64: convert(Int64.self, src, dst)
        case .int32: convert(Int32.self, src, dst)
        case .int16: convert(Int16.self, src, dst)
        case .int8: convert(Int8.self, src, dst)
        case .uint8: convert(UInt8.self, src, dst)
        case .bool: convert(Bool.self, src, dst)
        }
    }

    private func convert<S: TensorElement>(_: S.Type, _ src: Tensor, _ dst: Tensor) {
        let e = Elementwise.self
        switch dst.dtype {
        case .float32: e.convert(S.self, Float.self, src, dst)
        case .float64: e.convert(S.self, Double.self, src, dst)
        case .float16: e.convert(S.self, Float16.self, src, dst)
        case .bfloat16: e.convert(S.self, BFloat16.self, src, dst)
        case .int64: e.convert(S.self, Int64.self, src, dst)
        case .int32: e.convert(S.self, Int32.self, src, dst)
        case .int16: e.convert(S.self, Int16.self, src, dst)
        case .int8: e.convert(S.self, Int8.self, src, dst)
        case .uint8: e.convert(S.self, UInt8.self, src, dst)
        case .bool: e.convert(S.self, Bool.self, src, dst)
        }
    }

    func fill(_ out: Tensor, with value: Scalar) {
        let e = Elementwise.self
        switch out.dtype {
        case .float32: e.fill(Float.self, out, Float(value.doubleValue))
        case .float64: e.fill(Double.self, out, value.doubleValue)
        case .float16: e.fill(Float16.self, out, Float16(Float(value.doubleValue)))
        case .bfloat16: e.fill(BFloat16.self, out, BFloat16(Float(value.doubleValue)))
        case .int64: e.fill(Int64.self, out, value.intValue)
        case .int32: e.fill(Int32.self, out, Int32(truncatingIfNeeded: value.intValue))
        case .int16: e.fill(Int16.self, out, Int16(truncatingIfNeeded: value.intValue))
        case .int8: e.fill(Int8.self, out, Int8(truncatingIfNeeded: value.intValue))
        case .uint8: e.fill(UInt8.self, out, UInt8(truncatingIfNeeded: value.intValue))
        case .bool: e.fill(Bool.self, out, value.doubleValue != 0)
        }
    }

    func select(_ cond: Tensor, _ a: Tensor, _ b: Tensor, _ out: Tensor) {
        switch a.dtype.itemSize {
        case 1: Elementwise.select(UInt8.self, cond, a, b, out)
        case 2: Elementwise.select(Int16.self, cond, a, b, out)
        case 4: Elementwise.select(Int32.self, cond, a, b, out)
        default: Elementwise.select(Int64.self, cond, a, b, out)
        }
    }
}
