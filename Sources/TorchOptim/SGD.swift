import CTorchKernels
import TorchCore

/// Stochastic gradient descent with momentum, dampening, Nesterov, weight decay
/// and maximize (`torch.optim.SGD`), step for step as PyTorch computes it.
public final class SGD: Optimizer {
    public init(_ params: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) {
        torchCheck(lr >= 0, "Invalid learning rate: \(lr)")
        torchCheck(momentum >= 0, "Invalid momentum value: \(momentum)")
        torchCheck(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum requires a momentum and zero dampening")
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weightDecay,
                              "nesterov": nesterov ? 1 : 0, "maximize": maximize ? 1 : 0])
    }

    public init(groups: [ParamGroup], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) {
        super.init(groups: groups,
                   defaults: ["lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weightDecay,
                              "nesterov": nesterov ? 1 : 0, "maximize": maximize ? 1 : 0])
    }

    public override func step() {
        forEachParameterWithGrad { g, p, grad in
            if fusedStep(g, p, grad) { return }
            var d = g["maximize"] != 0 ? -grad : grad
            let wd = g["weight_decay"], momentum = g["momentum"]
            if wd != 0 { d = d.add(p, alpha: .double(wd)) }
            if momentum != 0 {
                var st = stateFor(p)
                let buf: Tensor
                if let b = st["momentum_buffer"] {
                    buf = b
                    buf.mul_(.double(momentum)).add_(d, alpha: .double(1 - g["dampening"]))
                } else {
                    buf = d.clone()
                    st["momentum_buffer"] = buf
                    setState(p, st)
                }
                d = g["nesterov"] != 0 ? d.add(buf, alpha: .double(momentum)) : buf
            }
            p.add_(d, alpha: .double(-g.lr))
        }
    }

    /// The float32 step in one kernel, for contiguous parameters and gradients.
    private func fusedStep(_ g: ParamGroup, _ p: Tensor, _ grad: Tensor) -> Bool {
        guard p.dtype == .float32, grad.dtype == .float32, p.isContiguous, grad.isContiguous, p.numel == grad.numel else { return false }
        let momentum = g["momentum"]
        var buffer: Tensor? = nil, first = false
        if momentum != 0 {
            var st = stateFor(p)
            if let b = st["momentum_buffer"] {
                guard b.dtype == .float32, b.isContiguous else { return false }
                buffer = b
            } else {
                buffer = Tensor.empty(p.shape, dtype: .float32)
                first = true
                st["momentum_buffer"] = buffer
                setState(p, st)
            }
        }
        withNoGrad {
            st_sgd_f32(p.dataPointer(Float.self), grad.dataPointer(Float.self), buffer?.dataPointer(Float.self), Int64(p.numel),
                       Float(g.lr), Float(momentum), Float(g["dampening"]), Float(g["weight_decay"]),
                       g["nesterov"] != 0 ? 1 : 0, g["maximize"] != 0 ? 1 : 0, first ? 1 : 0)
        }
        p.bumpVersion()
        buffer?.bumpVersion()
        return true
    }
}
