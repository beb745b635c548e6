/// True when an op on these inputs must be recorded for autograd.
@inline(__always)
func needsGrad(_ a: Tensor) -> Bool { a.requiresGradFlag && GradMode.isEnabled }

@inline(__always)
func needsGrad(_ a: Tensor, _ b: Tensor) -> Bool { (a.requiresGradFlag || b.requiresGradFlag) && GradMode.isEnabled }

@inline(__always)
func needsGrad(_ inputs: [Tensor]) -> Bool {
    guard GradMode.isEnabled else { return false }
    for t in inputs where t.requiresGradFlag { return true }
    return false
}

/// Records a differentiable op: a node whose edges lead to the inputs' gradient
/// functions, attached to the outputs. `makeBackward` receives the node (to save
/// outputs without a cycle) and returns the gradient function, which maps the
/// outputs' gradients to one gradient (or nil) per input.
func record(_ name: String, inputs: [Tensor], outputs: [Tensor], _ makeBackward: (Node) -> BackwardFunction) {
    var edges: [Edge?] = []
    edges.reserveCapacity(inputs.count)
    for t in inputs { edges.append(t.requiresGradFlag ? t.gradientEdge() : nil) }
    let meta: OutputMeta = outputs.count == 1 ? .single(outputs[0].shape, outputs[0].dtype)
                                              : .many(outputs.map { ($0.shape, $0.dtype) })
    let node = Node(name: name, nextEdges: edges, outputMeta: meta, backward: nil)
    for (i, o) in outputs.enumerated() { attach(node, to: o, outputNr: i) }
    node.backward = makeBackward(node)
}

/// `record` for the most common shapes of op, one or two inputs and one output,
/// without the temporary arrays.
func record(_ name: String, input: Tensor, output: Tensor, _ makeBackward: (Node) -> BackwardFunction) {
    let node = Node(name: name, nextEdges: [input.requiresGradFlag ? input.gradientEdge() : nil],
                    outputMeta: .single(output.shape, output.dtype), backward: nil)
    attach(node, to: output, outputNr: 0)
    node.backward = makeBackward(node)
}

func record(_ name: String, inputs a: Tensor, _ b: Tensor, output: Tensor, _ makeBackward: (Node) -> BackwardFunction) {
    let node = Node(name: name, nextEdges: [a.requiresGradFlag ? a.gradientEdge() : nil,
                                            b.requiresGradFlag ? b.gradientEdge() : nil],
                    outputMeta: .single(output.shape, output.dtype), backward: nil)
    attach(node, to: output, outputNr: 0)
    node.backward = makeBackward(node)
}

@inline(__always)
func attach(_ node: Node, to output: Tensor, outputNr: Int) {
    guard output.dtype.isFloatingPoint else { return }
    output.requiresGradFlag = true
    output.gradFn = node
    output.outputNr = outputNr
}

/// Reduces a broadcast gradient back to `shape` and casts it to `dtype`.
func reduceGrad(_ g: Tensor, to shape: [Int], dtype: DType) -> Tensor {
    var r = g
    if r.shape != shape { r = r.sumToSize(shape) }
    if r.dtype != dtype { r = r.to(dtype) }
    return r
}
