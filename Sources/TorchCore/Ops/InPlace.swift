/// Whether a value of dtype `from` may be written into a tensor of dtype `to`
/// by an in-place op (PyTorch's `canCast`).
func canCast(from: DType, to: DType) -> Bool {
    if from.isFloatingPoint && !to.isFloatingPoint { return false }
    if from != .bool && to == .bool { return false }
    return true
}

extension Tensor {
    /// The in-place protocol: `compute(source)` produces the new value from `source`
    /// (self, or a clone of it when autograd records), which is written into self.
    /// Autograd history is rebased onto the result; for views, the base gets a
    /// CopySlices node so gradients flow to both the base and the written values.
    func applyInPlace(_ name: String, _ compute: (Tensor) throws(TorchError) -> Tensor) throws(TorchError) {
        let recording = GradMode.isEnabled
        if recording && requiresGradFlag && isLeaf {
            throw TorchError("a leaf Variable that requires grad is being used in an in-place operation.")
        }
        if recording, let b = base, b.requiresGradFlag && b.isLeaf {
            throw TorchError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
        }
        let source = recording && requiresGradFlag ? clone() : self
        let result = try compute(source)
        try check(result.shape == shape, "\(name): output with shape \(shapeString(shape)) doesn't match the broadcast shape \(shapeString(result.shape))")
        try check(canCast(from: result.dtype, to: dtype), "\(name): result type \(result.dtype.legacyScalarName) can't be cast to the desired output type \(dtype.legacyScalarName)")
        if result.storage !== storage || result.strides != strides || result.storageOffset != storageOffset {
            backend(for: device).copy(result, into: self)
        }
        storage.version &+= 1
        guard recording && (result.requiresGradFlag || requiresGradFlag) && dtype.isFloatingPoint else { return }
        let newValue = result.dtype == dtype ? result : result.to(dtype)
        if let b = base, b.isContiguous {
            try rebaseView(onto: b, value: newValue)
        } else {
            requiresGradFlag = newValue.requiresGradFlag
            gradFn = newValue.gradFn
            outputNr = newValue.outputNr
        }
    }

    /// History for an in-place write into a view of `b`: b's new gradient function
    /// routes the view region to the written value and the rest to b's old history.
    private func rebaseView(onto b: Tensor, value: Tensor) throws(TorchError) {
        let viewShape = shape, viewStrides = strides, relOffset = storageOffset - b.storageOffset
        let baseShape = b.shape
        let region: (Tensor) -> Tensor = { t in
            let c = t.contiguous()
            return c.asStrided(viewShape, viewStrides, storageOffset: c.storageOffset + relOffset)
        }
        let oldBase = b.aliasDetached()
        oldBase.requiresGradFlag = b.requiresGradFlag
        oldBase.gradFn = b.gradFn
        oldBase.outputNr = b.outputNr
        let newBase = b.aliasDetached()
        record("CopySlices", inputs: [oldBase, value], outputs: [newBase]) { _ in
            { grads, node throws(TorchError) in
                let g = grads[0]!
                let rest = g.clone()
                withNoGrad { () -> Void in backend(for: rest.device).fill(region(rest), with: .int(0)) }
                let keep = Tensor.ones(baseShape, dtype: g.dtype)
                withNoGrad { () -> Void in backend(for: keep.device).fill(region(keep), with: .int(0)) }
                return [GradMode.isEnabled ? g * keep : rest, region(g)]
            }
        }
        b.requiresGradFlag = true
        b.gradFn = newBase.gradFn
        b.outputNr = 0
        let v = region(b)
        requiresGradFlag = true
        gradFn = v.gradFn
        outputNr = v.outputNr
    }

    @discardableResult
    public func add_(_ other: Tensor, alpha: Scalar = 1) -> Tensor {
        run { () throws(TorchError) -> Void in
            if alpha == 1 && !GradMode.isEnabled || (alpha == 1 && !requiresGradFlag && !other.requiresGradFlag) {
                if try inPlaceFast(.add, other) { return }
            }
            try applyInPlace("add_") { s throws(TorchError) in try binaryOp(.add, s, alpha == 1 ? other : other * alpha) }
        }
        return self
    }
    @discardableResult public func add_(_ other: Scalar, alpha: Scalar = 1) -> Tensor { add_(Tensor.wrapped(other), alpha: alpha) }

    @discardableResult
    public func sub_(_ other: Tensor, alpha: Scalar = 1) -> Tensor {
        run { () throws(TorchError) -> Void in
            try applyInPlace("sub_") { s throws(TorchError) in try binaryOp(.sub, s, alpha == 1 ? other : other * alpha) }
        }
        return self
    }
    @discardableResult public func sub_(_ other: Scalar, alpha: Scalar = 1) -> Tensor { sub_(Tensor.wrapped(other), alpha: alpha) }

    @discardableResult
    public func mul_(_ other: Tensor) -> Tensor {
        run { () throws(TorchError) -> Void in
            if !GradMode.isEnabled || (!requiresGradFlag && !other.requiresGradFlag) {
                if try inPlaceFast(.mul, other) { return }
            }
            try applyInPlace("mul_") { s throws(TorchError) in try binaryOp(.mul, s, other) }
        }
        return self
    }
    @discardableResult public func mul_(_ other: Scalar) -> Tensor { mul_(Tensor.wrapped(other)) }

    @discardableResult
    public func div_(_ other: Tensor, roundingMode: String? = nil) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("div_") { s throws(TorchError) in s.div(other, roundingMode: roundingMode) } }
        return self
    }
    @discardableResult public func div_(_ other: Scalar, roundingMode: String? = nil) -> Tensor { div_(Tensor.wrapped(other), roundingMode: roundingMode) }

    @discardableResult
    public func pow_(_ exponent: Scalar) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("pow_") { s throws(TorchError) in s.pow(exponent) } }
        return self
    }

    /// Writes `op(self, other)` straight into self when no cast or broadcast of self is
    /// needed and nothing is recorded. Returns false when the general path must run.
    private func inPlaceFast(_ op: BinaryOp, _ other: Tensor) throws(TorchError) -> Bool {
        guard other.dtype == dtype || other.isWrappedNumber, base == nil || isContiguous,
              resultType(self, other) == dtype else { return false }
        let bshape = try broadcastShapes(shape, other.shape, op: op.name)
        guard bshape == shape else { return false }
        let o = other.dtype == dtype ? other : try other.cast(to: dtype)
        try backend(for: device).binary(op, self, o.expandedView(to: shape), self)
        storage.version &+= 1
        return true
    }

    /// Sets every element to zero (`zero_`).
    @discardableResult
    public func zero_() -> Tensor { fill_(.int(0)) }

    /// Sets every element to `value` (`fill_`).
    @discardableResult
    public func fill_(_ value: Scalar) -> Tensor {
        run { () throws(TorchError) -> Void in
            if !GradMode.isEnabled || !requiresGradFlag {
                if GradMode.isEnabled, let b = base, b.requiresGradFlag && b.isLeaf {
                    throw TorchError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
                }
                if GradMode.isEnabled && base?.requiresGradFlag == true {
                    try applyInPlace("fill_") { s throws(TorchError) in s * 0 + Tensor(scalar: value, dtype: s.dtype) }
                    return
                }
                backend(for: device).fill(self, with: value)
                storage.version &+= 1
                return
            }
            try applyInPlace("fill_") { s throws(TorchError) in s * 0 + Tensor(scalar: value, dtype: s.dtype) }
        }
        return self
    }

    /// Copies `src` (broadcast, cast) into self (`copy_`).
    @discardableResult
    public func copy_(_ src: Tensor) -> Tensor {
        run { () throws(TorchError) -> Void in
            let shapeB = try broadcastShapes(shape, src.shape, op: "copy_")
            try check(shapeB == shape, "output with shape \(shapeString(shape)) doesn't match the broadcast shape \(shapeString(shapeB))")
            if !GradMode.isEnabled || (!requiresGradFlag && !src.requiresGradFlag && base?.requiresGradFlag != true) {
                backend(for: device).copy(src.expandedView(to: shape), into: self)
                storage.version &+= 1
                return
            }
            try applyInPlace("copy_") { s throws(TorchError) in
                let v = src.dtype == s.dtype ? src : try src.cast(to: s.dtype)
                return s * 0 + v.expand(s.shape)
            }
        }
        return self
    }

    @discardableResult
    public func clamp_(min lo: Scalar? = nil, max hi: Scalar? = nil) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("clamp_") { s throws(TorchError) in s.clamp(min: lo, max: hi) } }
        return self
    }

    @discardableResult
    public func maskedFill_(_ mask: Tensor, _ value: Scalar) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("masked_fill_") { s throws(TorchError) in s.maskedFill(mask, value) } }
        return self
    }

    @discardableResult
    public func scatter_(_ dim: Int, _ index: Tensor, _ src: Tensor) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("scatter_") { s throws(TorchError) in try s.scatterOp(dim, index, src, accumulate: false) } }
        return self
    }

    @discardableResult
    public func scatterAdd_(_ dim: Int, _ index: Tensor, _ src: Tensor) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("scatter_add_") { s throws(TorchError) in try s.scatterOp(dim, index, src, accumulate: true) } }
        return self
    }

    @discardableResult
    public func indexAdd_(_ dim: Int, _ index: Tensor, _ source: Tensor, alpha: Scalar = 1) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("index_add_") { s throws(TorchError) in s.indexAdd(dim, index, source, alpha: alpha) } }
        return self
    }

    /// Applies an elementwise unary op in place (`exp_`, `relu_`, ...).
    @discardableResult
    public func apply_(_ op: UnaryOp) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace(op.name + "_") { s throws(TorchError) in try unaryOp(op, s) } }
        return self
    }

    @discardableResult public func relu_() -> Tensor { apply_(.relu) }
    @discardableResult public func exp_() -> Tensor { apply_(.exp) }
    @discardableResult public func neg_() -> Tensor { apply_(.neg) }
    @discardableResult public func sqrt_() -> Tensor { apply_(.sqrt) }
    @discardableResult public func tanh_() -> Tensor { apply_(.tanh) }
    @discardableResult public func sigmoid_() -> Tensor { apply_(.sigmoid) }

    /// self += value * t1 * t2 (`addcmul_`).
    @discardableResult
    public func addcmul_(_ t1: Tensor, _ t2: Tensor, value: Scalar = 1) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("addcmul_") { s throws(TorchError) in s.addcmul(t1, t2, value: value) } }
        return self
    }

    /// self += value * t1 / t2 (`addcdiv_`).
    @discardableResult
    public func addcdiv_(_ t1: Tensor, _ t2: Tensor, value: Scalar = 1) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("addcdiv_") { s throws(TorchError) in s.addcdiv(t1, t2, value: value) } }
        return self
    }

    /// self += weight * (end - self) (`lerp_`).
    @discardableResult
    public func lerp_(_ end: Tensor, weight: Scalar) -> Tensor {
        run { () throws(TorchError) -> Void in try applyInPlace("lerp_") { s throws(TorchError) in s.lerp(end, weight: weight) } }
        return self
    }
}
