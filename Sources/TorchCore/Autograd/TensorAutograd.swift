extension Tensor {
    /// Whether autograd records operations on this tensor.
    public var requiresGrad: Bool {
        get { requiresGradFlag }
        set { run { () throws(TorchError) -> Void in try setRequiresGrad(newValue) } }
    }

    func setRequiresGrad(_ value: Bool) throws(TorchError) {
        if !isLeaf {
            if value { return }
            throw TorchError("you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
        }
        if value && !dtype.isFloatingPoint {
            throw TorchError("only Tensors of floating point dtype can require gradients (got \(dtype))")
        }
        requiresGradFlag = value
    }

    /// Sets `requiresGrad` in place and returns self (`requires_grad_()`).
    @discardableResult
    public func requiresGrad_(_ value: Bool = true) -> Tensor {
        run { () throws(TorchError) -> Void in try setRequiresGrad(value) }
        return self
    }

    /// A leaf was created by the user, not by an op recorded by autograd.
    public var isLeaf: Bool { gradFn == nil }

    /// The accumulated gradient of a leaf (or of a tensor that called `retainGrad()`).
    public var grad: Tensor? {
        get { gradStorage }
        set { gradStorage = newValue }
    }

    /// Whether the gradient of this non-leaf tensor is kept in `.grad`.
    public var retainsGrad: Bool { extra?.retainsGrad ?? false }

    var extraState: TensorExtra {
        if let extra { return extra }
        let e = TensorExtra()
        extra = e
        return e
    }

    /// Makes backward store this non-leaf tensor's gradient in `.grad`.
    public func retainGrad() {
        run { () throws(TorchError) -> Void in
            guard requiresGrad else { throw TorchError("can't retain_grad on Tensor that has requires_grad=False") }
            if isLeaf || retainsGrad { return }
            extraState.retainsGrad = true
            gradFn!.hooks = gradFn!.hooks ?? NodeHooks()
            gradFn!.hooks!.retainedGrads[outputNr] = WeakTensor(self)
        }
    }

    /// Registers a hook called with this tensor's gradient during backward; a non-nil
    /// return replaces the gradient. Returns nothing to remove (hooks live with the tensor).
    public func registerHook(_ hook: @escaping (Tensor) -> Tensor?) {
        run { () throws(TorchError) -> Void in
            guard requiresGrad else { throw TorchError("cannot register a hook on a tensor that doesn't require gradient") }
            if let fn = gradFn {
                fn.addPreHook(hook, outputNr: outputNr)
            } else {
                gradAccumulator().addPreHook(hook, outputNr: 0)
            }
        }
    }

    /// The edge through which gradients of this tensor flow.
    func gradientEdge(createAccumulator: Bool = true) -> Edge? {
        if let fn = gradFn { return Edge(node: fn, inputNr: outputNr) }
        guard requiresGradFlag else { return nil }
        if !createAccumulator, let cached = extra?.accumulatorNode { return Edge(node: cached, inputNr: 0) }
        return Edge(node: gradAccumulator(), inputNr: 0)
    }

    /// The leaf's AccumulateGrad, made on first use and kept for the leaf's lifetime.
    func gradAccumulator() -> AccumulateGrad {
        if let cached = extra?.accumulatorNode { return cached }
        let node = AccumulateGrad(variable: self)
        extraState.accumulatorNode = node
        return node
    }

    /// Adds `g` into `.grad`. A first gradient becomes `.grad` itself when `mayTake`
    /// (nothing else refers to it) and it is a contiguous tensor outside the graph,
    /// as PyTorch's AccumulateGrad steals such gradients; otherwise it is copied.
    func accumulateGrad(_ g: Tensor, mayTake: Bool = false) {
        var g = g
        if g.dtype != dtype { g = g.to(dtype) }
        if let existing = gradStorage {
            if GradMode.isEnabled {
                gradStorage = existing + g
            } else {
                existing.add_(g)
            }
        } else {
            if GradMode.isEnabled || (mayTake && !g.requiresGradFlag && g.isContiguous && isContiguous) {
                gradStorage = g
            } else {
                gradStorage = g.detach().contiguous(forceCopy: true)
            }
        }
        for hook in extra?.postAccumulateHooks ?? [] { hook(self) }
    }

    /// Registers a hook called after `.grad` of this leaf was updated.
    public func registerPostAccumulateGradHook(_ hook: @escaping (Tensor) -> Void) {
        extraState.postAccumulateHooks.append(hook)
    }

    /// A new tensor sharing storage, outside the graph (`detach()`).
    public func detach() -> Tensor {
        let t = Tensor(storage: storage, shape: shape, strides: strides, offset: storageOffset, dtype: dtype)
        return t
    }

    /// Detaches this tensor from the graph in place (`detach_()`).
    @discardableResult
    public func detach_() -> Tensor {
        gradFn = nil
        requiresGradFlag = false
        return self
    }

    func aliasDetached() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: storageOffset, dtype: dtype)
    }

    /// Computes the gradient of this tensor with respect to graph leaves and
    /// accumulates it into their `.grad` (`backward()`).
    public func backward(gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false) {
        run { () throws(TorchError) -> Void in
            let g: Tensor
            if let gradient {
                try check(gradient.shape == shape, "backward: Mismatch in shape: grad_output[0] has a shape of \(shapeString(gradient.shape)) and output[0] has a shape of \(shapeString(shape)).")
                g = gradient
            } else {
                try check(numel == 1, "grad can be implicitly created only for scalar outputs")
                try check(dtype.isFloatingPoint, "grad can be implicitly created only for real scalar outputs but got \(dtype)")
                g = Tensor.ones(shape, dtype: dtype)
            }
            _ = try Engine.execute(roots: [self], rootGrads: [g], captureInputs: nil,
                                   retainGraph: retainGraph ?? createGraph, createGraph: createGraph)
        }
    }
}

/// Computes and returns the gradients of `outputs` with respect to `inputs`
/// (`torch.autograd.grad`) without touching `.grad`.
public func grad(
    outputs: [Tensor], inputs: [Tensor], gradOutputs: [Tensor]? = nil,
    retainGraph: Bool? = nil, createGraph: Bool = false, allowUnused: Bool = false
) -> [Tensor?] {
    run { () throws(TorchError) -> [Tensor?] in
        var seeds: [Tensor] = []
        for (i, o) in outputs.enumerated() {
            if let gradOutputs, i < gradOutputs.count {
                try check(gradOutputs[i].shape == o.shape, "autograd.grad: Mismatch in shape: grad_output[\(i)] has a shape of \(shapeString(gradOutputs[i].shape)) and output[\(i)] has a shape of \(shapeString(o.shape)).")
                seeds.append(gradOutputs[i])
            } else {
                try check(o.numel == 1, "grad can be implicitly created only for scalar outputs")
                seeds.append(Tensor.ones(o.shape, dtype: o.dtype))
            }
        }
        return try Engine.execute(roots: outputs, rootGrads: seeds, captureInputs: inputs,
                                  retainGraph: retainGraph ?? createGraph, createGraph: createGraph,
                                  allowUnused: allowUnused)
    }
}

/// `grad` for a single output and input.
public func grad(of output: Tensor, withRespectTo input: Tensor, gradOutput: Tensor? = nil,
                 retainGraph: Bool? = nil, createGraph: Bool = false) -> Tensor? {
    grad(outputs: [output], inputs: [input], gradOutputs: gradOutput.map { [$0] },
         retainGraph: retainGraph, createGraph: createGraph).first ?? nil
}
