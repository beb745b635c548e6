/// Executes the backward graph: dependency counting from the roots, then nodes in
/// reverse creation order as their gradients become complete.
enum Engine {
    static func execute(
        roots: [Tensor], rootGrads: [Tensor], captureInputs: [Tensor]?,
        retainGraph: Bool, createGraph: Bool, allowUnused: Bool = false
    ) throws(TorchError) -> [Tensor?] {
        var rootEdges: [Edge] = []
        for (i, t) in roots.enumerated() {
            guard let e = t.gradientEdge() else {
                throw TorchError("element \(i) of tensors does not require grad and does not have a grad_fn")
            }
            rootEdges.append(e)
        }

        // Dependencies: how many edges point at each node.
        var deps: [ObjectIdentifier: Int] = [:]
        var seen = Set<ObjectIdentifier>()
        var stack = rootEdges.map(\.node)
        var all: [Node] = []
        for n in stack where seen.insert(ObjectIdentifier(n)).inserted { all.append(n) }
        stack = all
        while let node = stack.popLast() {
            for case let e? in node.nextEdges {
                let id = ObjectIdentifier(e.node)
                deps[id, default: 0] += 1
                if seen.insert(id).inserted {
                    all.append(e.node)
                    stack.append(e.node)
                }
            }
        }

        // For autograd.grad: the edges whose gradients are captured, and which nodes lead to them.
        var captureEdges: [Edge?] = []
        var needed: Set<ObjectIdentifier>? = nil
        if let inputs = captureInputs {
            for (i, t) in inputs.enumerated() {
                guard t.requiresGrad else {
                    throw TorchError("One of the differentiated Tensors does not require grad (input \(i))")
                }
                captureEdges.append(t.gradientEdge(createAccumulator: false))
            }
            var targets = Set<ObjectIdentifier>()
            for case let e? in captureEdges { targets.insert(ObjectIdentifier(e.node)) }
            var need = Set<ObjectIdentifier>()
            // Reverse creation order visits a node's successors (created earlier) after it, so
            // process in increasing sequence order: successors first.
            for node in all.sorted(by: { $0.sequenceNr < $1.sequenceNr }) {
                let id = ObjectIdentifier(node)
                if targets.contains(id) { need.insert(id); continue }
                for case let e? in node.nextEdges where need.contains(ObjectIdentifier(e.node)) {
                    need.insert(id)
                    break
                }
            }
            needed = need
        }
        var captured = [Tensor?](repeating: nil, count: captureEdges.count)

        var buffers: [ObjectIdentifier: [Tensor?]] = [:]
        func addGrad(_ g: Tensor, to edge: Edge) throws(TorchError) {
            let id = ObjectIdentifier(edge.node)
            var buf = buffers[id] ?? [Tensor?](repeating: nil, count: edge.node.outputMeta.count)
            if let existing = buf[edge.inputNr] {
                buf[edge.inputNr] = try binaryOp(.add, existing, g)
            } else {
                buf[edge.inputNr] = g
            }
            buffers[id] = buf
        }

        let state = ThreadState.current
        let savedMode = state.gradEnabled
        state.gradEnabled = createGraph
        defer { state.gradEnabled = savedMode }

        for (e, g) in zip(rootEdges, rootGrads) { try addGrad(g, to: e) }

        var ready: [Node] = []
        var queued = Set<ObjectIdentifier>()
        for e in rootEdges where (deps[ObjectIdentifier(e.node)] ?? 0) == 0 {
            if queued.insert(ObjectIdentifier(e.node)).inserted { ready.append(e.node) }
        }

        while !ready.isEmpty {
            var best = 0
            for i in 1..<ready.count where ready[i].sequenceNr > ready[best].sequenceNr { best = i }
            let node = ready.remove(at: best)
            let id = ObjectIdentifier(node)
            var grads = buffers.removeValue(forKey: id) ?? []
            if grads.count < node.outputMeta.count {
                grads += [Tensor?](repeating: nil, count: node.outputMeta.count - grads.count)
            }
            try runPreHooks(node, &grads)

            if needed != nil {
                for (i, e) in captureEdges.enumerated() where e?.node === node {
                    captured[i] = grads[e!.inputNr]
                }
            }
            let isNeeded = needed.map { $0.contains(id) } ?? true
            let skip = !isNeeded || (captureInputs != nil && node is AccumulateGrad)
            var results: [Tensor?] = []
            if !skip {
                for i in grads.indices where grads[i] == nil {
                    let m = node.outputMeta[i]
                    grads[i] = Tensor.zeros(m.shape, dtype: m.dtype)
                }
                if let accumulator = node as? AccumulateGrad, node.hooks == nil {
                    var g = grads.isEmpty ? nil : grads.removeFirst()
                    grads = []
                    accumulator.accumulate(taking: &g)
                } else {
                    results = try node.apply(grads)
                }
                if !retainGraph { node.release() }
                if state.anomalyDetection {
                    for (i, r) in results.enumerated() {
                        if let r, r.dtype.isFloatingPoint, try anyNaN(r) {
                            throw TorchError("Function '\(node.name)' returned nan values in its \(i)th output.")
                        }
                    }
                }
                for hook in node.hooks?.postHooks ?? [] { hook(results, grads) }
            }
            for (i, e) in node.nextEdges.enumerated() {
                guard let e else { continue }
                let nid = ObjectIdentifier(e.node)
                if !skip, i < results.count, let g = results[i] {
                    try addGrad(g, to: e)
                }
                let left = (deps[nid] ?? 1) - 1
                deps[nid] = left
                if left == 0 && queued.insert(nid).inserted { ready.append(e.node) }
            }
        }
        if let inputs = captureInputs, !allowUnused {
            for (i, g) in captured.enumerated() where g == nil {
                _ = inputs
                throw TorchError("One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior. (input \(i))")
            }
        }
        return captured
    }

    static func runPreHooks(_ node: Node, _ grads: inout [Tensor?]) throws(TorchError) {
        guard let nodeHooks = node.hooks else { return }
        for (nr, hooks) in nodeHooks.preHooks {
            guard nr < grads.count, var g = grads[nr] else { continue }
            for hook in hooks { if let r = hook(g) { g = r } }
            grads[nr] = g
        }
        for (nr, weak) in nodeHooks.retainedGrads {
            guard nr < grads.count, let g = grads[nr], let t = weak.tensor else { continue }
            if let existing = t.gradStorage {
                t.gradStorage = try binaryOp(.add, existing, g)
            } else {
                t.gradStorage = g.detach().clone()
            }
        }
    }
}

func anyNaN(_ t: Tensor) throws(TorchError) -> Bool {
    try unaryOp(.isnan, t).anyTrue()
}
