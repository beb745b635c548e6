/// State shared between the forward and backward of a custom function (PyTorch's `ctx`).
public final class FunctionContext {
    var saved: [SavedTensor] = []
    weak var node: Node?
    /// Which inputs need a gradient (`ctx.needs_input_grad`).
    public internal(set) var needsInputGrad: [Bool] = []
    /// Free-form values the forward wants the backward to see.
    public var values: [String: Any] = [:]

    /// Saves tensors for backward; in-place changes to them are detected (`save_for_backward`).
    public func saveForBackward(_ tensors: Tensor...) {
        saved = tensors.map { SavedTensor($0) }
    }

    /// The tensors saved by `saveForBackward`.
    public var savedTensors: [Tensor] {
        guard let node else { return saved.map(\.tensor) }
        return saved.compactMap { try? $0.unpack(node) }
    }

    func unpackSaved(_ node: Node) throws(TorchError) -> [Tensor] {
        var out: [Tensor] = []
        for s in saved { out.append(try s.unpack(node)) }
        return out
    }
}

/// A differentiable operation with a hand-written backward (PyTorch's
/// `torch.autograd.Function`). `forward` runs without recording; `backward`
/// returns one gradient (or nil) per input, written in tensor ops so that it is
/// itself differentiable.
public protocol AutogradFunction {
    static func forward(_ ctx: FunctionContext, _ inputs: [Tensor]) -> [Tensor]
    static func backward(_ ctx: FunctionContext, _ gradOutputs: [Tensor]) -> [Tensor?]
}

extension AutogradFunction {
    /// Runs the function and records its backward (`Function.apply`).
    public static func apply(_ inputs: Tensor...) -> [Tensor] { apply(inputs) }

    public static func apply(_ inputs: [Tensor]) -> [Tensor] {
        let ctx = FunctionContext()
        ctx.needsInputGrad = inputs.map(\.requiresGrad)
        let raw = withNoGrad { forward(ctx, inputs) }
        // outputs that alias inputs become new tensor objects so their history is their own
        let outputs = raw.map { o in inputs.contains { $0 === o } ? o.aliasDetached() : o }
        if needsGrad(inputs) {
            let name = String(describing: Self.self) + "Backward"
            let count = inputs.count
            record(name, inputs: inputs, outputs: outputs) { node in
                ctx.node = node
                return { grads, node throws(TorchError) in
                    _ = try ctx.unpackSaved(node)
                    var r = backward(ctx, grads.map { $0! })
                    guard r.count == count else {
                        throw TorchError("function \(name) returned an incorrect number of gradients (expected \(count), got \(r.count))")
                    }
                    for (i, g) in r.enumerated() {
                        if let g, g.shape != inputs[i].shape {
                            throw TorchError("Function \(name) returned an invalid gradient at index \(i) - got \(shapeString(g.shape)) but expected shape compatible with \(shapeString(inputs[i].shape))")
                        }
                        if !ctx.needsInputGrad[i] { r[i] = nil }
                    }
                    return r
                }
            }
        }
        return outputs
    }
}
