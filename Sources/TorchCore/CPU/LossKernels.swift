/// float32 only, like the other fused kernels: float64 runs the composite reference.
extension CPUBackend {
    func nllLoss(_ x: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int, classes: Int, inner: Int,
                 reduction: Reduction, into out: Tensor, totalWeight: Tensor) -> Bool {
        let geometry = NLLGeometry(samples: x.shape[0], classes: classes, inner: inner, ignoreIndex: ignoreIndex, reduction: reduction)
        switch x.dtype {
        case .float32: geometry.forward(Float.self, x, target, weight, out, totalWeight)
        default: return false
        }
        return true
    }

    func nllLossBackward(_ g: Tensor, target: Tensor, weight: Tensor?, ignoreIndex: Int, classes: Int, inner: Int,
                         reduction: Reduction, totalWeight: Tensor, into gradInput: Tensor) -> Bool {
        let geometry = NLLGeometry(samples: gradInput.shape[0], classes: classes, inner: inner, ignoreIndex: ignoreIndex, reduction: reduction)
        switch g.dtype {
        case .float32: geometry.backward(Float.self, g, target, weight, totalWeight, gradInput)
        default: return false
        }
        return true
    }
}

/// Contiguous [N, C, inner] log-probabilities and [N, inner] targets, as ATen's
/// nll_loss kernels see them.
private struct NLLGeometry {
    let samples: Int, classes: Int, inner: Int, ignoreIndex: Int, reduction: Reduction

    func forward<T: BinaryFloatingPoint>(_: T.Type, _ x: Tensor, _ target: Tensor, _ weight: Tensor?, _ out: Tensor, _ totalWeight: Tensor) {
        let px = x.pointer(as: T.self), pt = target.pointer(as: Int64.self), pw = weight?.pointer(as: T.self)
        let po = out.pointer(as: T.self)
        var sum = 0.0, total = 0.0
        for i in 0..<samples {
            for s in 0..<inner {
                let k = i * inner + s, cls = Int(pt[k])
                guard cls != ignoreIndex else {
                    if reduction == .none { po[k] = 0 }
                    continue
                }
                let w = pw?[cls] ?? 1
                let loss = -px[(i * classes + cls) * inner + s] * w
                if reduction == .none { po[k] = loss } else { sum += Double(loss); total += Double(w) }
            }
        }
        if reduction != .none { po[0] = T(reduction == .mean ? sum / total : sum) }
        totalWeight.pointer(as: T.self)[0] = T(total)
    }

    /// Writes into a zero-filled gradient.
    func backward<T: BinaryFloatingPoint>(_: T.Type, _ g: Tensor, _ target: Tensor, _ weight: Tensor?, _ totalWeight: Tensor, _ gx: Tensor) {
        let pg = g.pointer(as: T.self), pt = target.pointer(as: Int64.self), pw = weight?.pointer(as: T.self)
        let pgx = gx.pointer(as: T.self)
        let scale = reduction == .none ? 0 : (reduction == .mean ? -pg[0] / totalWeight.pointer(as: T.self)[0] : -pg[0])
        for i in 0..<samples {
            for s in 0..<inner {
                let k = i * inner + s, cls = Int(pt[k])
                guard cls != ignoreIndex else { continue }
                let w = pw?[cls] ?? 1
                pgx[(i * classes + cls) * inner + s] = reduction == .none ? -w * pg[k] : w * scale
            }
        }
    }
}
