import CTorchKernels

/// Where a gradient flows: input `inputNr` of `node` (a node's inputs are the
/// gradients of its forward outputs).
public struct Edge {
    public let node: Node
    public let inputNr: Int
}

/// Maps output gradients to input gradients. The node comes in as an argument so
/// closures never capture it (a node owns its closure: capturing it would leak the graph).
public typealias BackwardFunction = ([Tensor?], Node) throws(TorchError) -> [Tensor?]

/// A step of the backward graph (PyTorch's `grad_fn`): maps the gradients of a
/// forward op's outputs to the gradients of its inputs.
public class Node: CustomStringConvertible {
    /// PyTorch's node name, such as `MulBackward0`.
    public let name: String
    /// One edge per differentiable forward input (nil where no gradient is needed).
    public internal(set) var nextEdges: [Edge?]
    /// Shape and dtype of each forward output, for zero-filling gradients that did not arrive.
    var outputMeta: OutputMeta
    var backward: BackwardFunction?
    var released = false
    let sequenceNr: Int
    /// Hooks, rare enough to live out of line (a node without hooks releases nothing for them).
    var hooks: NodeHooks?


    init(name: String, nextEdges: [Edge?], outputMeta: OutputMeta, backward: BackwardFunction?) {
        self.name = name
        self.nextEdges = nextEdges
        self.outputMeta = outputMeta
        self.backward = backward
        self.sequenceNr = Int(st_next_sequence_nr())
    }

    /// Computes input gradients from output gradients.
    func apply(_ grads: [Tensor?]) throws(TorchError) -> [Tensor?] {
        guard let backward, !released else { throw Node.freedError }
        return try backward(grads, self)
    }

    static var freedError: TorchError {
        TorchError("Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.")
    }

    /// Frees saved tensors after a backward pass without retainGraph.
    func release() {
        released = true
        backward = nil
    }

    public var description: String { "<\(name)>" }

    /// Registers a hook called with the gradients after the node ran
    /// (`(gradInputs, gradOutputs)`).
    public func registerHook(_ hook: @escaping ([Tensor?], [Tensor?]) -> Void) {
        hooks = hooks ?? NodeHooks()
        hooks!.postHooks.append(hook)
    }

    /// Adds a hook on the gradient of forward output `outputNr`.
    func addPreHook(_ hook: @escaping (Tensor) -> Tensor?, outputNr: Int) {
        hooks = hooks ?? NodeHooks()
        hooks!.preHooks[outputNr, default: []].append(hook)
    }
}

/// Hooks on the gradient of each forward output (tensor hooks, retain_grad) and on the
/// node's results.
struct NodeHooks {
    var preHooks: [Int: [(Tensor) -> Tensor?]] = [:]
    var retainedGrads: [Int: WeakTensor] = [:]
    var postHooks: [([Tensor?], [Tensor?]) -> Void] = []
}

/// Shape and dtype of each forward output; one output needs no array.
enum OutputMeta {
    case single([Int], DType)
    case many([(shape: [Int], dtype: DType)])

    var count: Int {
        switch self {
        case .single: return 1
        case .many(let m): return m.count
        }
    }

    subscript(i: Int) -> (shape: [Int], dtype: DType) {
        switch self {
        case .single(let s, let d): return (s, d)
        case .many(let m): return m[i]
        }
    }
}

/// The node that adds a leaf's incoming gradient into its `.grad`.
/// Unlike PyTorch's, which graphs create anew and which keeps its leaf alive, it
/// lives as long as its leaf (recording an op on a leaf allocates no node for it),
/// and the leaf's deinit clears `variable`: gradients that arrive after the leaf
/// died have nowhere to go, as nobody can read them.
final class AccumulateGrad: Node {
    unowned(unsafe) var variable: Tensor?

    init(variable: Tensor) {
        self.variable = variable
        super.init(name: "AccumulateGrad", nextEdges: [], outputMeta: .single(variable.shape, variable.dtype), backward: nil)
    }

    override func apply(_ grads: [Tensor?]) throws(TorchError) -> [Tensor?] {
        guard let g = grads.first ?? nil, let variable else { return [] }
        variable.accumulateGrad(g)
        return []
    }

    /// Accumulates a gradient the engine hands over: taken without a copy when
    /// `grad` holds the only reference to it.
    func accumulate(taking grad: inout Tensor?) {
        guard var g = grad.take(), let variable else { return }
        let unique = isKnownUniquelyReferenced(&g)
        variable.accumulateGrad(g, mayTake: unique)
    }

    override func release() {}
}

final class WeakTensor {
    weak var tensor: Tensor?
    init(_ t: Tensor) { tensor = t }
}

/// A tensor saved for backward, checked against in-place changes when unpacked.
struct SavedTensor {
    let tensor: Tensor
    let version: Int
    /// For saved outputs: the node that produced them, rebuilt as their grad_fn on
    /// unpacking so that higher-order gradients flow through them.
    unowned(unsafe) let producer: Node?
    let outputNr: Int
    let isOutput: Bool

    init(_ t: Tensor) {
        tensor = t
        version = t.storage.version
        producer = nil
        outputNr = 0
        isOutput = false
    }

    /// Saves an output of the op being recorded without a reference cycle.
    init(output t: Tensor, of node: Node) {
        tensor = t.aliasDetached()
        version = t.storage.version
        producer = node
        outputNr = t.outputNr
        isOutput = true
    }

    func unpack(_ node: Node) throws(TorchError) -> Tensor {
        if tensor.storage.version != version {
            throw TorchError("one of the variables needed for gradient computation has been modified by an inplace operation: [\(tensor.dtype.legacyTypeName) \(shapeString(tensor.shape))], which is output \(outputNr) of \(isOutput ? node.name : (tensor.gradFn?.name ?? "a leaf")), is at version \(tensor.storage.version); expected version \(version) instead. Hint: the backtrace further above shows the operation that failed to compute its gradient. The variable in question was changed in there or anywhere later. Good luck!")
        }
        if isOutput, GradMode.isEnabled, let producer {
            let t = tensor.aliasDetached()
            t.requiresGradFlag = true
            t.gradFn = producer
            t.outputNr = outputNr
            return t
        }
        return tensor
    }
}
