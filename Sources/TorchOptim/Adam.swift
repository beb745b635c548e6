import CTorchKernels
import TorchCore

/// Adam and AdamW (`torch.optim.Adam`, `torch.optim.AdamW`): AdamW decays the
/// weights directly instead of adding weight decay to the gradient.
public class Adam: Optimizer {
    let decoupled: Bool

    public init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
        decoupled = false
        super.init(groups: [ParamGroup(params: params)], defaults: Adam.defaults(lr, betas, eps, weightDecay, amsgrad, maximize))
    }

    public init(groups: [ParamGroup], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) {
        decoupled = false
        super.init(groups: groups, defaults: Adam.defaults(lr, betas, eps, weightDecay, amsgrad, maximize))
    }

    init(params: [Tensor], decoupled: Bool, defaults: [String: Double]) {
        self.decoupled = decoupled
        super.init(groups: [ParamGroup(params: params)], defaults: defaults)
    }

    static func defaults(_ lr: Double, _ betas: (Double, Double), _ eps: Double, _ wd: Double, _ amsgrad: Bool, _ maximize: Bool) -> [String: Double] {
        torchCheck(lr >= 0, "Invalid learning rate: \(lr)")
        torchCheck(eps >= 0, "Invalid epsilon value: \(eps)")
        torchCheck(betas.0 >= 0 && betas.0 < 1, "Invalid beta parameter at index 0: \(betas.0)")
        torchCheck(betas.1 >= 0 && betas.1 < 1, "Invalid beta parameter at index 1: \(betas.1)")
        return ["lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": wd,
                "amsgrad": amsgrad ? 1 : 0, "maximize": maximize ? 1 : 0]
    }

    public override func step() {
        forEachParameterWithGrad { g, p, gradIn in
            var grad = g["maximize"] != 0 ? -gradIn : gradIn
            let lr = g.lr, beta1 = g["beta1"], beta2 = g["beta2"], wd = g["weight_decay"]
            var st = stateFor(p)
            if st.isEmpty {
                st["step"] = Tensor(scalar: 0.0, dtype: .float32)
                st["exp_avg"] = p.zerosLike()
                st["exp_avg_sq"] = p.zerosLike()
                if g["amsgrad"] != 0 { st["max_exp_avg_sq"] = p.zerosLike() }
                setState(p, st)
            }
            let stepT = st["step"]!, expAvg = st["exp_avg"]!, expAvgSq = st["exp_avg_sq"]!
            stepT.add_(1)
            let step = stepT.item().doubleValue
            let maxSqState = st["max_exp_avg_sq"]
            if fusedStep(p, gradIn, expAvg, expAvgSq, maxSqState, g, step: step) { return }
            if decoupled {
                p.mul_(.double(1 - lr * wd))
            } else if wd != 0 {
                grad = grad.add(p, alpha: .double(wd))
            }
            expAvg.lerp_(grad, weight: .double(1 - beta1))
            expAvgSq.mul_(.double(beta2)).addcmul_(grad, grad, value: .double(1 - beta2))
            let bc1 = 1 - pow(beta1, step), bc2 = 1 - pow(beta2, step)
            let stepSize = lr / bc1
            let denom: Tensor
            if g["amsgrad"] != 0 {
                let maxSq = st["max_exp_avg_sq"]!
                maxSq.copy_(maxSq.maximum(expAvgSq))
                denom = (maxSq.sqrt() / bc2.squareRoot()).add(.double(g["eps"]))
            } else {
                denom = (expAvgSq.sqrt() / bc2.squareRoot()).add(.double(g["eps"]))
            }
            p.addcdiv_(expAvg, denom, value: .double(-stepSize))
        }
    }
}

extension Adam {
    /// The fused float32 kernel for contiguous CPU tensors; false when the composite path must run.
    func fusedStep(_ p: Tensor, _ grad: Tensor, _ m: Tensor, _ v: Tensor, _ vmax: Tensor?, _ g: ParamGroup, step: Double) -> Bool {
        let all = [p, grad, m, v] + (vmax.map { [$0] } ?? [])
        guard all.allSatisfy({ $0.dtype == .float32 && $0.isContiguous && $0.device == .cpu && $0.shape == p.shape }) else { return false }
        let beta1 = g["beta1"], beta2 = g["beta2"]
        let bc1 = 1 - pow(beta1, step), bc2 = 1 - pow(beta2, step)
        st_adam_f32(p.dataPointer(Float.self), grad.dataPointer(Float.self), m.dataPointer(Float.self), v.dataPointer(Float.self),
                    vmax?.dataPointer(Float.self), Int64(p.numel), Float(g.lr), Float(beta1), Float(beta2), Float(g["eps"]),
                    Float(g["weight_decay"]), decoupled ? 1 : 0, g["maximize"] != 0 ? 1 : 0, Float(bc1), Float(bc2.squareRoot()))
        for t in [p, m, v] + (vmax.map { [$0] } ?? []) { t.bumpVersion() }
        return true
    }
}

/// Adam with decoupled weight decay (`torch.optim.AdamW`, default weight_decay 0.01).
public final class AdamW: Adam {
    public override init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) {
        super.init(params: params, decoupled: true, defaults: Adam.defaults(lr, betas, eps, weightDecay, amsgrad, maximize))
    }
}

import Glibc
