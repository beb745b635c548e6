import TorchCore
#if canImport(Glibc)
import Glibc
#endif

/// Base of the learning-rate schedulers (`torch.optim.lr_scheduler.LRScheduler`).
/// Schedulers use PyTorch's recursive ("chainable") formulas, so the learning
/// rates match PyTorch's step for step. Construction performs the initial step.
open class LRScheduler {
    public let optimizer: Optimizer
    public internal(set) var baseLrs: [Double]
    public var lastEpoch: Int
    var stepCount = 0

    public init(_ optimizer: Optimizer, lastEpoch: Int = -1) {
        self.optimizer = optimizer
        if lastEpoch == -1 {
            for g in optimizer.paramGroups where g.options["initial_lr"] == nil { g["initial_lr"] = g.lr }
        }
        baseLrs = optimizer.paramGroups.map { $0["initial_lr"] }
        self.lastEpoch = lastEpoch
    }

    /// Call at the end of the subclass initialiser (PyTorch's `_initial_step`).
    public func initialStep() {
        stepCount = 0
        step()
    }

    /// The learning rates for the current `lastEpoch`, from the current ones.
    open func computeLrs() -> [Double] { optimizer.paramGroups.map(\.lr) }

    /// The closed form at an explicit epoch, where the scheduler has one.
    open func closedFormLrs() -> [Double]? { nil }

    /// Advances one epoch and sets the optimizer's learning rates.
    open func step() {
        stepCount += 1
        lastEpoch += 1
        apply(computeLrs())
    }

    /// Jumps to `epoch` (the deprecated `step(epoch)` form, used by SequentialLR).
    public func step(epoch: Int) {
        stepCount += 1
        lastEpoch = epoch
        apply(closedFormLrs() ?? computeLrs())
    }

    func apply(_ lrs: [Double]) {
        for (g, lr) in zip(optimizer.paramGroups, lrs) { g.lr = lr }
    }

    /// The learning rates last set (`get_last_lr()`).
    public var lastLr: [Double] { optimizer.paramGroups.map(\.lr) }

    /// Scheduler state for checkpoints (`state_dict`).
    open var stateDict: [String: Double] { ["last_epoch": Double(lastEpoch), "_step_count": Double(stepCount)] }

    open func loadStateDict(_ s: [String: Double]) {
        lastEpoch = Int(s["last_epoch"] ?? Double(lastEpoch))
        stepCount = Int(s["_step_count"] ?? Double(stepCount))
    }
}

/// Multiplies the learning rate by `gamma` every `stepSize` epochs (`StepLR`).
public final class StepLR: LRScheduler {
    public let stepSize: Int, gamma: Double
    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1, lastEpoch: Int = -1) {
        self.stepSize = stepSize
        self.gamma = gamma
        super.init(optimizer, lastEpoch: lastEpoch)
        initialStep()
    }
    public override func computeLrs() -> [Double] {
        if lastEpoch == 0 || lastEpoch % stepSize != 0 { return lastLr }
        return lastLr.map { $0 * gamma }
    }
    public override func closedFormLrs() -> [Double]? { baseLrs.map { $0 * pow(gamma, Double(lastEpoch / stepSize)) } }
}

/// Multiplies by `gamma` at each milestone (`MultiStepLR`).
public final class MultiStepLR: LRScheduler {
    public let milestones: [Int], gamma: Double
    public init(_ optimizer: Optimizer, milestones: [Int], gamma: Double = 0.1, lastEpoch: Int = -1) {
        self.milestones = milestones.sorted()
        self.gamma = gamma
        super.init(optimizer, lastEpoch: lastEpoch)
        initialStep()
    }
    public override func computeLrs() -> [Double] {
        let hits = milestones.filter { $0 == lastEpoch }.count
        if hits == 0 { return lastLr }
        return lastLr.map { $0 * pow(gamma, Double(hits)) }
    }
    public override func closedFormLrs() -> [Double]? {
        let passed = milestones.filter { $0 <= lastEpoch }.count
        return baseLrs.map { $0 * pow(gamma, Double(passed)) }
    }
}

/// Multiplies by `gamma` every epoch (`ExponentialLR`).
public final class ExponentialLR: LRScheduler {
    public let gamma: Double
    public init(_ optimizer: Optimizer, gamma: Double, lastEpoch: Int = -1) {
        self.gamma = gamma
        super.init(optimizer, lastEpoch: lastEpoch)
        initialStep()
    }
    public override func computeLrs() -> [Double] { lastEpoch == 0 ? lastLr : lastLr.map { $0 * gamma } }
    public override func closedFormLrs() -> [Double]? { baseLrs.map { $0 * pow(gamma, Double(lastEpoch)) } }
}

/// Cosine annealing from the base rate to `etaMin` over `tMax` epochs (`CosineAnnealingLR`).
public final class CosineAnnealingLR: LRScheduler {
    public let tMax: Int, etaMin: Double
    public init(_ optimizer: Optimizer, tMax: Int, etaMin: Double = 0, lastEpoch: Int = -1) {
        self.tMax = tMax
        self.etaMin = etaMin
        super.init(optimizer, lastEpoch: lastEpoch)
        initialStep()
    }
    public override func computeLrs() -> [Double] {
        let e = Double(lastEpoch), t = Double(tMax)
        if lastEpoch == 0 { return lastLr }
        if stepCount == 1 && lastEpoch > 0 {
            return baseLrs.map { etaMin + ($0 - etaMin) * (1 + cos(e * .pi / t)) / 2 }
        }
        if (lastEpoch - 1 - tMax) % (2 * tMax) == 0 {
            return zip(lastLr, baseLrs).map { lr, base in lr + (base - etaMin) * (1 - cos(.pi / t)) / 2 }
        }
        return lastLr.map { lr in (1 + cos(.pi * e / t)) / (1 + cos(.pi * (e - 1) / t)) * (lr - etaMin) + etaMin }
    }
    public override func closedFormLrs() -> [Double]? {
        baseLrs.map { etaMin + ($0 - etaMin) * (1 + cos(.pi * Double(lastEpoch) / Double(tMax))) / 2 }
    }
}

/// Linear ramp of a multiplicative factor over `totalIters` epochs (`LinearLR`).
public final class LinearLR: LRScheduler {
    public let startFactor: Double, endFactor: Double, totalIters: Int
    public init(_ optimizer: Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int = 5, lastEpoch: Int = -1) {
        torchCheck(startFactor > 0 && startFactor <= 1, "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        self.startFactor = startFactor
        self.endFactor = endFactor
        self.totalIters = totalIters
        super.init(optimizer, lastEpoch: lastEpoch)
        initialStep()
    }
    public override func computeLrs() -> [Double] {
        if lastEpoch == 0 { return lastLr.map { $0 * startFactor } }
        if lastEpoch > totalIters { return lastLr }
        let f = 1 + (endFactor - startFactor) / (Double(totalIters) * startFactor + Double(lastEpoch - 1) * (endFactor - startFactor))
        return lastLr.map { $0 * f }
    }
    public override func closedFormLrs() -> [Double]? {
        let f = startFactor + (endFactor - startFactor) * Double(min(totalIters, lastEpoch)) / Double(totalIters)
        return baseLrs.map { $0 * f }
    }
}

/// The learning rate is `base * lambda(epoch)` (`LambdaLR`).
public final class LambdaLR: LRScheduler {
    let lambda: (Int) -> Double
    public init(_ optimizer: Optimizer, lambda: @escaping (Int) -> Double, lastEpoch: Int = -1) {
        self.lambda = lambda
        super.init(optimizer, lastEpoch: lastEpoch)
        initialStep()
    }
    public override func computeLrs() -> [Double] { baseLrs.map { $0 * lambda(lastEpoch) } }
}

/// One-cycle policy: warm up to `maxLr`, then anneal below the start (`OneCycleLR`),
/// cycling momentum (or beta1) inversely when the optimizer has one.
public final class OneCycleLR: LRScheduler {
    struct Phase { let endStep: Double; let startLr: String; let endLr: String; let startMomentum: String; let endMomentum: String }
    let phases: [Phase]
    let totalSteps: Int
    let cosine: Bool
    let cycleMomentum: Bool
    let momentumKey: String?

    public init(_ optimizer: Optimizer, maxLr: Double, totalSteps: Int, pctStart: Double = 0.3, annealStrategy: String = "cos",
                cycleMomentum: Bool = true, baseMomentum: Double = 0.85, maxMomentum: Double = 0.95,
                divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false, lastEpoch: Int = -1) {
        self.totalSteps = totalSteps
        self.cosine = annealStrategy == "cos"
        let key: String? = optimizer.defaults["momentum"] != nil ? "momentum" : (optimizer.defaults["beta1"] != nil ? "beta1" : nil)
        torchCheck(!cycleMomentum || key != nil, "optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
        self.cycleMomentum = cycleMomentum && key != nil
        self.momentumKey = key
        let total = Double(totalSteps)
        if threePhase {
            phases = [Phase(endStep: pctStart * total - 1, startLr: "initial_lr", endLr: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"),
                      Phase(endStep: 2 * pctStart * total - 2, startLr: "max_lr", endLr: "initial_lr", startMomentum: "base_momentum", endMomentum: "max_momentum"),
                      Phase(endStep: total - 1, startLr: "initial_lr", endLr: "min_lr", startMomentum: "max_momentum", endMomentum: "max_momentum")]
        } else {
            phases = [Phase(endStep: pctStart * total - 1, startLr: "initial_lr", endLr: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"),
                      Phase(endStep: total - 1, startLr: "max_lr", endLr: "min_lr", startMomentum: "base_momentum", endMomentum: "max_momentum")]
        }
        if lastEpoch == -1 {
            for g in optimizer.paramGroups {
                g["initial_lr"] = maxLr / divFactor
                g["max_lr"] = maxLr
                g["min_lr"] = g["initial_lr"] / finalDivFactor
                if self.cycleMomentum, let key {
                    g["max_momentum"] = maxMomentum
                    g["base_momentum"] = baseMomentum
                    g[key] = maxMomentum
                }
            }
        }
        super.init(optimizer, lastEpoch: lastEpoch)
        initialStep()
    }

    func anneal(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        cosine ? end + (start - end) / 2 * (cos(.pi * pct) + 1) : (end - start) * pct + start
    }

    public override func computeLrs() -> [Double] {
        let stepNum = Double(lastEpoch)
        torchCheck(lastEpoch <= totalSteps, "Tried to step \(lastEpoch) times. The specified number of total steps is \(totalSteps)")
        var lrs: [Double] = []
        for g in optimizer.paramGroups {
            var start = 0.0
            var lr = g.lr
            for (i, phase) in phases.enumerated() {
                if stepNum <= phase.endStep || i == phases.count - 1 {
                    let pct = (stepNum - start) / (phase.endStep - start)
                    lr = anneal(g[phase.startLr], g[phase.endLr], pct)
                    if cycleMomentum, let key = momentumKey {
                        g[key] = anneal(g[phase.startMomentum], g[phase.endMomentum], pct)
                    }
                    break
                }
                start = phase.endStep
            }
            lrs.append(lr)
        }
        return lrs
    }
}

/// Runs schedulers one after another, switching at the milestones (`SequentialLR`).
public final class SequentialLR: LRScheduler {
    let schedulers: [LRScheduler]
    let milestones: [Int]

    public init(_ optimizer: Optimizer, schedulers: [LRScheduler], milestones: [Int], lastEpoch: Int = -1) {
        torchCheck(schedulers.count == milestones.count + 1, "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points")
        self.schedulers = schedulers
        self.milestones = milestones
        super.init(optimizer, lastEpoch: lastEpoch + 1)
        // undo the initial steps of the given schedulers, then start the first one
        for g in optimizer.paramGroups { g.lr = g["initial_lr"] }
        for s in schedulers { s.lastEpoch -= 1 }
        schedulers[0].initialStep()
    }

    public override func step() {
        lastEpoch += 1
        var idx = 0
        while idx < milestones.count && milestones[idx] <= lastEpoch { idx += 1 }
        let s = schedulers[idx]
        if idx > 0 && milestones[idx - 1] == lastEpoch { s.step(epoch: 0) } else { s.step() }
    }
}

/// Lowers the learning rate when a metric stops improving (`ReduceLROnPlateau`).
public final class ReduceLROnPlateau {
    public let optimizer: Optimizer
    public let mode: String, factor: Double, patience: Int, threshold: Double, thresholdMode: String
    public let cooldown: Int, minLrs: [Double], eps: Double
    public private(set) var best: Double
    public private(set) var numBadEpochs = 0
    var cooldownCounter = 0
    public private(set) var lastEpoch = 0

    public init(_ optimizer: Optimizer, mode: String = "min", factor: Double = 0.1, patience: Int = 10, threshold: Double = 1e-4,
                thresholdMode: String = "rel", cooldown: Int = 0, minLr: Double = 0, eps: Double = 1e-8) {
        torchCheck(factor < 1, "Factor should be < 1.0.")
        self.optimizer = optimizer
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.thresholdMode = thresholdMode
        self.cooldown = cooldown
        self.minLrs = [Double](repeating: minLr, count: optimizer.paramGroups.count)
        self.eps = eps
        self.best = mode == "min" ? .infinity : -.infinity
    }

    func isBetter(_ a: Double, _ best: Double) -> Bool {
        switch (mode, thresholdMode) {
        case ("min", "rel"): return a < best * (1 - threshold)
        case ("min", _): return a < best - threshold
        case (_, "rel"): return a > best * (threshold + 1)
        default: return a > best + threshold
        }
    }

    /// Records `metric` for this epoch and reduces the rates after `patience` bad epochs.
    public func step(_ metric: Double) {
        lastEpoch += 1
        if isBetter(metric, best) {
            best = metric
            numBadEpochs = 0
        } else {
            numBadEpochs += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            numBadEpochs = 0
        }
        if numBadEpochs > patience {
            for (i, g) in optimizer.paramGroups.enumerated() {
                let old = g.lr
                let new = max(old * factor, minLrs[i])
                if old - new > eps { g.lr = new }
            }
            cooldownCounter = cooldown
            numBadEpochs = 0
        }
    }

    public var lastLr: [Double] { optimizer.paramGroups.map(\.lr) }
}
