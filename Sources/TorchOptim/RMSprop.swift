import TorchCore

/// RMSprop with optional centering and momentum (`torch.optim.RMSprop`).
public final class RMSprop: Optimizer {
    public init(_ params: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                momentum: Double = 0, centered: Bool = false, maximize: Bool = false) {
        torchCheck(lr >= 0, "Invalid learning rate: \(lr)")
        torchCheck(alpha >= 0, "Invalid alpha value: \(alpha)")
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weightDecay, "momentum": momentum,
                              "centered": centered ? 1 : 0, "maximize": maximize ? 1 : 0])
    }

    public override func step() {
        forEachParameterWithGrad { g, p, gradIn in
            var grad = g["maximize"] != 0 ? -gradIn : gradIn
            let alpha = g["alpha"], wd = g["weight_decay"], momentum = g["momentum"]
            var st = stateFor(p)
            if st.isEmpty {
                st["step"] = Tensor(scalar: 0.0, dtype: .float32)
                st["square_avg"] = p.zerosLike()
                if momentum > 0 { st["momentum_buffer"] = p.zerosLike() }
                if g["centered"] != 0 { st["grad_avg"] = p.zerosLike() }
                setState(p, st)
            }
            st["step"]!.add_(1)
            if wd != 0 { grad = grad.add(p, alpha: .double(wd)) }
            let squareAvg = st["square_avg"]!
            squareAvg.mul_(.double(alpha)).addcmul_(grad, grad, value: .double(1 - alpha))
            var avg: Tensor
            if g["centered"] != 0 {
                let gradAvg = st["grad_avg"]!
                gradAvg.lerp_(grad, weight: .double(1 - alpha))
                avg = squareAvg.addcmul(gradAvg, gradAvg, value: -1).sqrt()
            } else {
                avg = squareAvg.sqrt()
            }
            avg = avg.add(.double(g["eps"]))
            if momentum > 0 {
                let buf = st["momentum_buffer"]!
                buf.mul_(.double(momentum)).addcdiv_(grad, avg)
                p.add_(buf, alpha: .double(-g.lr))
            } else {
                p.addcdiv_(grad, avg, value: .double(-g.lr))
            }
        }
    }
}

/// Adagrad with learning-rate decay (`torch.optim.Adagrad`).
public final class Adagrad: Optimizer {
    public init(_ params: [Tensor], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
                initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false) {
        torchCheck(lr >= 0, "Invalid learning rate: \(lr)")
        super.init(groups: [ParamGroup(params: params)],
                   defaults: ["lr": lr, "lr_decay": lrDecay, "weight_decay": weightDecay,
                              "initial_accumulator_value": initialAccumulatorValue, "eps": eps, "maximize": maximize ? 1 : 0])
        for g in paramGroups {
            for p in g.params {
                setState(p, ["step": Tensor(scalar: 0.0, dtype: .float32),
                             "sum": Tensor.full(p.shape, .double(initialAccumulatorValue), dtype: p.dtype)])
            }
        }
    }

    public override func step() {
        forEachParameterWithGrad { g, p, gradIn in
            var grad = g["maximize"] != 0 ? -gradIn : gradIn
            let st = stateFor(p)
            let stepT = st["step"]!, sum = st["sum"]!
            stepT.add_(1)
            let step = stepT.item().doubleValue
            if g["weight_decay"] != 0 { grad = grad.add(p, alpha: .double(g["weight_decay"])) }
            let clr = g.lr / (1 + (step - 1) * g["lr_decay"])
            sum.addcmul_(grad, grad, value: 1)
            let std = sum.sqrt().add(.double(g["eps"]))
            p.addcdiv_(grad, std, value: .double(-clr))
        }
    }
}
