import TorchCore

/// A set of parameters optimised with shared options (`param_groups[i]`): `lr`,
/// `momentum`, `weight_decay`, `beta1`/`beta2`, flags as 0/1, ...
public final class ParamGroup {
    public var params: [Tensor]
    public var options: [String: Double]

    public init(params: [Tensor], options: [String: Double] = [:]) {
        self.params = params
        self.options = options
    }

    public subscript(key: String) -> Double {
        get { options[key] ?? 0 }
        set { options[key] = newValue }
    }

    public var lr: Double {
        get { self["lr"] }
        set { self["lr"] = newValue }
    }
}

/// The serialisable state of an optimizer (`optimizer.state_dict()`): per-parameter
/// state by parameter index across groups, and each group's options and indices.
public struct OptimizerState {
    public var state: [Int: [String: Tensor]] = [:]
    public var paramGroups: [(options: [String: Double], params: [Int])] = []
    public init() {}
}

/// Base of the optimizers (`torch.optim.Optimizer`).
open class Optimizer {
    public var paramGroups: [ParamGroup]
    /// Per-parameter state (momentum buffers, moments, step counts).
    var state: [ObjectIdentifier: [String: Tensor]] = [:]
    public let defaults: [String: Double]

    /// `groups` may override any default option per group.
    public init(groups: [ParamGroup], defaults: [String: Double]) {
        self.defaults = defaults
        for g in groups {
            for (k, v) in defaults where g.options[k] == nil { g.options[k] = v }
        }
        self.paramGroups = groups
        let all = groups.flatMap(\.params)
        torchCheck(!all.isEmpty, "optimizer got an empty parameter list")
        var seen = Set<ObjectIdentifier>()
        for p in all {
            torchCheck(seen.insert(ObjectIdentifier(p)).inserted, "some parameters appear in more than one parameter group")
            torchCheck(p.isLeaf, "can't optimize a non-leaf Tensor")
        }
    }

    /// Adds a parameter group (`add_param_group`).
    public func addParamGroup(_ group: ParamGroup) {
        for (k, v) in defaults where group.options[k] == nil { group.options[k] = v }
        paramGroups.append(group)
    }

    /// Updates the parameters from their gradients.
    open func step() {}

    /// Clears gradients (`zero_grad`): to nil by default, like PyTorch 2.x.
    public func zeroGrad(setToNone: Bool = true) {
        for g in paramGroups {
            for p in g.params {
                if setToNone { p.grad = nil } else { withNoGrad { _ = p.grad?.zero_() } }
            }
        }
    }

    func stateFor(_ p: Tensor) -> [String: Tensor] { state[ObjectIdentifier(p)] ?? [:] }
    func setState(_ p: Tensor, _ s: [String: Tensor]) { state[ObjectIdentifier(p)] = s }

    /// The state dict with parameters numbered in group order, like PyTorch.
    public func stateDict() -> OptimizerState {
        var out = OptimizerState()
        var index = 0
        for g in paramGroups {
            var ids: [Int] = []
            for p in g.params {
                if let s = state[ObjectIdentifier(p)] { out.state[index] = s.mapValues { $0.clone() } }
                ids.append(index)
                index += 1
            }
            out.paramGroups.append((g.options, ids))
        }
        return out
    }

    /// Restores options and per-parameter state (`load_state_dict`).
    public func loadStateDict(_ s: OptimizerState) throws {
        guard s.paramGroups.count == paramGroups.count else {
            throw TorchIOError("loaded state dict has a different number of parameter groups")
        }
        for (g, saved) in zip(paramGroups, s.paramGroups) where g.params.count != saved.params.count {
            throw TorchIOError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")
        }
        state = [:]
        for (g, saved) in zip(paramGroups, s.paramGroups) {
            g.options = saved.options
            for (p, idx) in zip(g.params, saved.params) {
                if let st = s.state[idx] {
                    state[ObjectIdentifier(p)] = st.mapValues { $0.to(p.dtype == $0.dtype || $0.rank == 0 ? $0.dtype : p.dtype).clone() }
                }
            }
        }
    }

    /// Runs `body` for every parameter that has a gradient, without recording.
    func forEachParameterWithGrad(_ body: (ParamGroup, Tensor, Tensor) -> Void) {
        withNoGrad {
            for g in paramGroups {
                for p in g.params {
                    guard let grad = p.grad else { continue }
                    body(g, p, grad)
                }
            }
        }
    }
}
